"""Docs of the `cliff` rules: why each matters, a change it flags, a look-alike it spares.

Examples come from the pack's labelled corpus (`tests/corpus/cliff/`). Each rule's page
under `docs/rules/` (`python -m bot.rules.docs`) shows them as diffs;
`tests/rules/test_docs.py` runs each one through the engine: a flagged example must yield
the rule, its look-alike must not. Lines inside examples are code, kept as written.
"""

from __future__ import annotations

from bot.rules.model import Example

WHY: dict[str, str] = {
    "cliff/allowed-hosts-any": (
        "Accepting any Host header lets attackers poison password-reset links and caches "
        "with a host name of their choosing."
    ),
    "cliff/auth-bypassed": (
        "A blanket AllowAny or permit_all opens every route it covers, including ones added "
        "later, to unauthenticated callers."
    ),
    "cliff/auth-removed": (
        "The route stays reachable but no longer checks who is calling: anyone who finds the "
        "URL can use it."
    ),
    "cliff/bare-except": (
        "A bare `except:` also catches KeyboardInterrupt and SystemExit, so the process "
        "cannot be stopped cleanly, and it hides every kind of bug behind the same silence."
    ),
    "cliff/cors-any-with-credentials": (
        "Any website a user visits can then call the API with the user's cookies and read "
        "the answers: their data is readable cross-site."
    ),
    "cliff/cors-any-with-credentials-js": (
        "Any website a user visits can then call the API with the user's cookies and read "
        "the answers: their data is readable cross-site."
    ),
    "cliff/debug-enabled": (
        "Debug mode in production shows stack traces, settings and source to any visitor who "
        "triggers an error, and slows the app down."
    ),
    "cliff/error-logging-removed": (
        "The error is still handled, but nothing records it any more: failures in production "
        "become invisible until users report them."
    ),
    "cliff/health-check-removed": (
        "Load balancers and orchestrators probe the health route: without it, instances are "
        "marked unhealthy and restarted, or a broken one keeps receiving traffic."
    ),
    "cliff/swallowed-error": (
        "A failure that is caught and dropped (or turned into an empty result) looks like "
        "success: users see missing data, and no alert or log tells anyone why."
    ),
    "cliff/tls-verify-disabled": (
        "Without certificate verification anyone on the network path can impersonate the "
        "server and read or change the traffic, credentials included."
    ),
    "cliff/tls-verify-disabled-go": (
        "Without certificate verification anyone on the network path can impersonate the "
        "server and read or change the traffic, credentials included."
    ),
    "cliff/tls-verify-disabled-js": (
        "Without certificate verification anyone on the network path can impersonate the "
        "server and read or change the traffic, credentials included."
    ),
}

EXAMPLES: dict[str, tuple[Example, Example]] = {
    "cliff/allowed-hosts-any": (
        Example(
            title="production settings turn on DEBUG, any host and open CORS",
            base=(
                (
                    "shop/settings/production.py",
                    """\
import os

DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]
""",
                ),
            ),
            head=(
                (
                    "shop/settings/production.py",
                    """\
import os

DEBUG = True
ALLOWED_HOSTS = ["*"]
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
""",
                ),
            ),
        ),
        Example(
            title="dev settings and tests may relax the guards",
            base=(("shop/settings/__init__.py", ""),),
            head=(
                (
                    "shop/settings/base.py",
                    """\
import os

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
CORS_ALLOW_CREDENTIALS = True
""",
                ),
                (
                    "shop/settings/dev.py",
                    """\
DEBUG = True
ALLOWED_HOSTS = ["*"]
""",
                ),
                (
                    "shop/settings/local.py",
                    """\
DEBUG = True
""",
                ),
                (
                    "tests/test_client.py",
                    """\
import requests


def test_self_signed():
    assert requests.get("https://localhost:8443", verify=False).ok
""",
                ),
            ),
        ),
    ),
    "cliff/auth-bypassed": (
        Example(
            title="drf view switched to AllowAny",
            base=(
                (
                    "api/views.py",
                    """\
from rest_framework.permissions import IsAuthenticated
from rest_framework.viewsets import ModelViewSet


class PaymentViewSet(ModelViewSet):
    permission_classes = [IsAuthenticated]
""",
                ),
            ),
            head=(
                (
                    "api/views.py",
                    """\
from rest_framework.permissions import AllowAny
from rest_framework.viewsets import ModelViewSet


class PaymentViewSet(ModelViewSet):
    permission_classes = [AllowAny]
""",
                ),
            ),
        ),
        Example(
            title="AllowAny on sign-up, login and webhook endpoints",
            base=(
                (
                    "accounts/views.py",
                    """\
from rest_framework.views import APIView
""",
                ),
            ),
            head=(
                (
                    "accounts/views.py",
                    """\
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


class RegisterView(APIView):
    permission_classes = [AllowAny]


class StripeWebhookView(APIView):
    permission_classes = [AllowAny]
""",
                ),
            ),
        ),
    ),
    "cliff/auth-removed": (
        Example(
            title="rails controller loses authenticate_user!",
            base=(
                (
                    "app/controllers/orders_controller.rb",
                    """\
class OrdersController < ApplicationController
  before_action :authenticate_user!

  def index
    @orders = current_user.orders
  end
end
""",
                ),
            ),
            head=(
                (
                    "app/controllers/orders_controller.rb",
                    """\
class OrdersController < ApplicationController
  def index
    @orders = Order.all
  end
end
""",
                ),
            ),
        ),
        Example(
            title="route deleted with its decorator, or gate moved into a router dependency",
            base=(
                (
                    "app/routers/reports.py",
                    """\
from fastapi import APIRouter, Depends

from app.auth import get_current_user

router = APIRouter()


@router.get("/reports")
async def reports(user=Depends(get_current_user)):
    return []
""",
                ),
                (
                    "shop/web/admin.py",
                    """\
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("admin", __name__)


@bp.route("/admin/export")
@login_required
def export():
    return "csv"


@bp.route("/admin/stats")
@login_required
def stats():
    return "stats"
""",
                ),
            ),
            head=(
                (
                    "app/routers/reports.py",
                    """\
from fastapi import APIRouter, Depends

from app.auth import get_current_user

router = APIRouter()


@router.get("/reports")
async def reports(
    user=Depends(get_current_user),
):
    return []
""",
                ),
                (
                    "shop/web/admin.py",
                    """\
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("admin", __name__)


@bp.route("/admin/stats")
@login_required
@admin_required
def stats():
    return "stats"
""",
                ),
            ),
        ),
    ),
    "cliff/bare-except": (
        Example(
            title="bare except with a fallback value",
            base=(
                (
                    "shop/pricing.py",
                    """\
def discount(code: str) -> int:
    return int(code.split("-")[1])
""",
                ),
            ),
            head=(
                (
                    "shop/pricing.py",
                    """\
def discount(code: str) -> int:
    try:
        return int(code.split("-")[1])
    except:
        return compute_default_discount()
""",
                ),
            ),
        ),
        Example(
            title="narrow handlers and Exception handlers that re-raise are not bare excepts",
            base=(
                (
                    "shop/util/numbers.py",
                    """\
def ratio(a: str, b: str) -> float:
    return int(a) / int(b)
""",
                ),
            ),
            head=(
                (
                    "shop/util/numbers.py",
                    """\
import logging

log = logging.getLogger(__name__)


def ratio(a: str, b: str) -> float:
    try:
        return int(a) / int(b)
    except (ValueError, ZeroDivisionError):
        return 0.0


def checked_ratio(a: str, b: str) -> float:
    try:
        return int(a) / int(b)
    except Exception:
        log.exception("ratio of %s and %s failed", a, b)
        raise
""",
                ),
            ),
        ),
    ),
    "cliff/cors-any-with-credentials": (
        Example(
            title="production settings turn on DEBUG, any host and open CORS",
            base=(
                (
                    "shop/settings/production.py",
                    """\
import os

DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]
""",
                ),
            ),
            head=(
                (
                    "shop/settings/production.py",
                    """\
import os

DEBUG = True
ALLOWED_HOSTS = ["*"]
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
""",
                ),
            ),
        ),
        Example(
            title="dev settings and tests may relax the guards",
            base=(("shop/settings/__init__.py", ""),),
            head=(
                (
                    "shop/settings/base.py",
                    """\
import os

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
CORS_ALLOW_CREDENTIALS = True
""",
                ),
                (
                    "shop/settings/dev.py",
                    """\
DEBUG = True
ALLOWED_HOSTS = ["*"]
""",
                ),
                (
                    "shop/settings/local.py",
                    """\
DEBUG = True
""",
                ),
                (
                    "tests/test_client.py",
                    """\
import requests


def test_self_signed():
    assert requests.get("https://localhost:8443", verify=False).ok
""",
                ),
            ),
        ),
    ),
    "cliff/cors-any-with-credentials-js": (
        Example(
            title="node agent and express cors",
            base=(
                (
                    "server/app.ts",
                    """\
import express from "express";

export const app = express();
""",
                ),
            ),
            head=(
                (
                    "server/app.ts",
                    """\
import https from "node:https";
import cors from "cors";
import express from "express";

export const app = express();
app.use(cors({ origin: "*", credentials: true }));
export const agent = new https.Agent({ rejectUnauthorized: false });
""",
                ),
            ),
        ),
        Example(
            title="JS and Go clients keep verification on; CORS names its origins or sends no cookies",
            base=(
                (
                    "internal/billing/client.go",
                    """\
package billing

import "net/http"

var Client = &http.Client{}
""",
                ),
                (
                    "server/app.ts",
                    """\
import express from "express";

export const app = express();
""",
                ),
                (
                    "server/main.ts",
                    """\
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";
""",
                ),
            ),
            head=(
                (
                    "internal/billing/client.go",
                    """\
package billing

import (
	"crypto/tls"
	"net/http"
)

var Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: false}}}
""",
                ),
                (
                    "internal/billing/client_test.go",
                    """\
package billing

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestChargeAgainstSelfSignedServer(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if _, err := client.Get(srv.URL); err != nil {
		t.Fatal(err)
	}
}
""",
                ),
                (
                    "server/app.ts",
                    """\
import fs from "node:fs";
import https from "node:https";
import cors from "cors";
import express from "express";

export const app = express();
app.use("/api/public", cors());
app.use("/api", cors({ origin: ["https://shop.example.com"], credentials: true }));
export const agent = new https.Agent({
  rejectUnauthorized: true,
  ca: fs.readFileSync("/etc/ssl/certs/internal-ca.pem"),
});
""",
                ),
                (
                    "server/main.ts",
                    """\
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.enableCors({ origin: process.env.WEB_ORIGIN, credentials: true });
  await app.listen(3000);
}
bootstrap();
""",
                ),
            ),
        ),
    ),
    "cliff/debug-enabled": (
        Example(
            title="production settings turn on DEBUG, any host and open CORS",
            base=(
                (
                    "shop/settings/production.py",
                    """\
import os

DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]
""",
                ),
            ),
            head=(
                (
                    "shop/settings/production.py",
                    """\
import os

DEBUG = True
ALLOWED_HOSTS = ["*"]
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
""",
                ),
            ),
        ),
        Example(
            title="dev settings and tests may relax the guards",
            base=(("shop/settings/__init__.py", ""),),
            head=(
                (
                    "shop/settings/base.py",
                    """\
import os

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
CORS_ALLOW_CREDENTIALS = True
""",
                ),
                (
                    "shop/settings/dev.py",
                    """\
DEBUG = True
ALLOWED_HOSTS = ["*"]
""",
                ),
                (
                    "shop/settings/local.py",
                    """\
DEBUG = True
""",
                ),
                (
                    "tests/test_client.py",
                    """\
import requests


def test_self_signed():
    assert requests.get("https://localhost:8443", verify=False).ok
""",
                ),
            ),
        ),
    ),
    "cliff/error-logging-removed": (
        Example(
            title="logging removed from an error handler that stays",
            base=(
                (
                    "shop/orders/sync.py",
                    """\
import logging

log = logging.getLogger(__name__)


def push(order, client) -> bool:
    try:
        client.send(order)
    except ConnectionError:
        log.exception("could not push order %s", order.id)
        return False
    return True
""",
                ),
            ),
            head=(
                (
                    "shop/orders/sync.py",
                    """\
import logging

log = logging.getLogger(__name__)


def push(order, client) -> bool:
    try:
        client.send(order)
    except ConnectionError:
        return False
    return True
""",
                ),
            ),
        ),
        Example(
            title="log call reworded, or try/except removed so errors propagate",
            base=(
                (
                    "shop/orders/export.py",
                    """\
import logging

log = logging.getLogger(__name__)


def export(order, client) -> None:
    try:
        client.send(order)
    except ConnectionError:
        log.error("export failed")
        raise


def archive(order, store) -> None:
    try:
        store.put(order)
    except OSError:
        log.exception("archive failed")
        raise
""",
                ),
            ),
            head=(
                (
                    "shop/orders/export.py",
                    """\
import logging

log = logging.getLogger(__name__)


def export(order, client) -> None:
    try:
        client.send(order)
    except ConnectionError:
        log.exception("export of order %s failed", order.id)
        raise


def archive(order, store) -> None:
    store.put(order)
""",
                ),
            ),
        ),
    ),
    "cliff/health-check-removed": (
        Example(
            title="express health route file deleted",
            base=(
                (
                    "server/routes/health.js",
                    """\
const router = require("express").Router();

router.get("/health", (req, res) => res.json({ status: "ok" }));

module.exports = router;
""",
                ),
            ),
            head=(("server/routes/health.js", None),),
        ),
        Example(
            title="a cache key named like the probe is not a health route",
            base=(
                (
                    "shop/health.py",
                    """\
from shop.cache import cache


def check_cache() -> bool:
    cache.set("healthcheck", 1)
    return cache.get("healthcheck") == 1
""",
                ),
            ),
            head=(
                (
                    "shop/health.py",
                    """\
from shop.cache import cache


def check_cache(worker: str) -> bool:
    cache.set(f"healthcheck-{worker}", 1)
    return cache.get(f"healthcheck-{worker}") == 1
""",
                ),
            ),
        ),
    ),
    "cliff/swallowed-error": (
        Example(
            title="broad except that passes",
            base=(
                (
                    "shop/checkout.py",
                    """\
from shop.payments import charge


def pay(order):
    charge(order.customer, order.total_cents)
""",
                ),
            ),
            head=(
                (
                    "shop/checkout.py",
                    """\
from shop.payments import charge


def pay(order):
    try:
        charge(order.customer, order.total_cents)
    except Exception:
        pass
""",
                ),
            ),
        ),
        Example(
            title="analytics beacon of an embedded browser tracker drops its failure on purpose",
            base=(
                (
                    "web/tracker/index.js",
                    """\
(function (window) {
  var host = window.document.currentScript.dataset.host;
  function post(event) {
    return window.fetch(host + "/collect", { method: "POST", body: JSON.stringify(event) });
  }
  post({ url: window.location.href });
})(window);
""",
                ),
            ),
            head=(
                (
                    "web/tracker/index.js",
                    """\
(function (window) {
  var host = window.document.currentScript.dataset.host;
  function post(event) {
    return fetch(host + "/collect", { method: "POST", body: JSON.stringify(event) })
      .catch(function () {});
  }
  post({ url: window.location.href });
})(window);
""",
                ),
            ),
        ),
    ),
    "cliff/tls-verify-disabled": (
        Example(
            title="payment client stops verifying certificates",
            base=(
                (
                    "shop/payments/client.py",
                    """\
import requests


def charge(payload: dict) -> dict:
    return requests.post("https://pay.example.com/charge", json=payload, timeout=10).json()
""",
                ),
            ),
            head=(
                (
                    "shop/payments/client.py",
                    """\
import requests


def charge(payload: dict) -> dict:
    return requests.post("https://pay.example.com/charge", json=payload, timeout=10, verify=False).json()
""",
                ),
            ),
        ),
        Example(
            title="dev settings and tests may relax the guards",
            base=(("shop/settings/__init__.py", ""),),
            head=(
                (
                    "shop/settings/base.py",
                    """\
import os

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
CORS_ALLOW_CREDENTIALS = True
""",
                ),
                (
                    "shop/settings/dev.py",
                    """\
DEBUG = True
ALLOWED_HOSTS = ["*"]
""",
                ),
                (
                    "shop/settings/local.py",
                    """\
DEBUG = True
""",
                ),
                (
                    "tests/test_client.py",
                    """\
import requests


def test_self_signed():
    assert requests.get("https://localhost:8443", verify=False).ok
""",
                ),
            ),
        ),
    ),
    "cliff/tls-verify-disabled-go": (
        Example(
            title="go client skips certificate verification",
            base=(
                (
                    "internal/billing/client.go",
                    """\
package billing

import "net/http"

var Client = &http.Client{}
""",
                ),
            ),
            head=(
                (
                    "internal/billing/client.go",
                    """\
package billing

import (
	"crypto/tls"
	"net/http"
)

var Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
""",
                ),
            ),
        ),
        Example(
            title="JS and Go clients keep verification on; CORS names its origins or sends no cookies",
            base=(
                (
                    "internal/billing/client.go",
                    """\
package billing

import "net/http"

var Client = &http.Client{}
""",
                ),
                (
                    "server/app.ts",
                    """\
import express from "express";

export const app = express();
""",
                ),
                (
                    "server/main.ts",
                    """\
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";
""",
                ),
            ),
            head=(
                (
                    "internal/billing/client.go",
                    """\
package billing

import (
	"crypto/tls"
	"net/http"
)

var Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: false}}}
""",
                ),
                (
                    "internal/billing/client_test.go",
                    """\
package billing

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestChargeAgainstSelfSignedServer(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if _, err := client.Get(srv.URL); err != nil {
		t.Fatal(err)
	}
}
""",
                ),
                (
                    "server/app.ts",
                    """\
import fs from "node:fs";
import https from "node:https";
import cors from "cors";
import express from "express";

export const app = express();
app.use("/api/public", cors());
app.use("/api", cors({ origin: ["https://shop.example.com"], credentials: true }));
export const agent = new https.Agent({
  rejectUnauthorized: true,
  ca: fs.readFileSync("/etc/ssl/certs/internal-ca.pem"),
});
""",
                ),
                (
                    "server/main.ts",
                    """\
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.enableCors({ origin: process.env.WEB_ORIGIN, credentials: true });
  await app.listen(3000);
}
bootstrap();
""",
                ),
            ),
        ),
    ),
    "cliff/tls-verify-disabled-js": (
        Example(
            title="node agent and express cors",
            base=(
                (
                    "server/app.ts",
                    """\
import express from "express";

export const app = express();
""",
                ),
            ),
            head=(
                (
                    "server/app.ts",
                    """\
import https from "node:https";
import cors from "cors";
import express from "express";

export const app = express();
app.use(cors({ origin: "*", credentials: true }));
export const agent = new https.Agent({ rejectUnauthorized: false });
""",
                ),
            ),
        ),
        Example(
            title="JS and Go clients keep verification on; CORS names its origins or sends no cookies",
            base=(
                (
                    "internal/billing/client.go",
                    """\
package billing

import "net/http"

var Client = &http.Client{}
""",
                ),
                (
                    "server/app.ts",
                    """\
import express from "express";

export const app = express();
""",
                ),
                (
                    "server/main.ts",
                    """\
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";
""",
                ),
            ),
            head=(
                (
                    "internal/billing/client.go",
                    """\
package billing

import (
	"crypto/tls"
	"net/http"
)

var Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: false}}}
""",
                ),
                (
                    "internal/billing/client_test.go",
                    """\
package billing

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestChargeAgainstSelfSignedServer(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if _, err := client.Get(srv.URL); err != nil {
		t.Fatal(err)
	}
}
""",
                ),
                (
                    "server/app.ts",
                    """\
import fs from "node:fs";
import https from "node:https";
import cors from "cors";
import express from "express";

export const app = express();
app.use("/api/public", cors());
app.use("/api", cors({ origin: ["https://shop.example.com"], credentials: true }));
export const agent = new https.Agent({
  rejectUnauthorized: true,
  ca: fs.readFileSync("/etc/ssl/certs/internal-ca.pem"),
});
""",
                ),
                (
                    "server/main.ts",
                    """\
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.enableCors({ origin: process.env.WEB_ORIGIN, credentials: true });
  await app.listen(3000);
}
bootstrap();
""",
                ),
            ),
        ),
    ),
}
