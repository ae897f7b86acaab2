"""Pack `cliff` judged in context: swallowed errors by what the handler guards, logging by handler.

Each kind of false alarm seen on real pull requests has a look-alike that must stay quiet and a
true positive that must still be found, on the line the test names.
"""

from __future__ import annotations

from pathlib import Path

from bot.diff.parse import parse
from bot.rules.cliff import BARE_EXCEPT, HEALTH_REMOVED, LOGGING_REMOVED, PACK, SWALLOWED
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo

OURS = {SWALLOWED, BARE_EXCEPT, LOGGING_REMOVED, HEALTH_REMOVED}
Found = list[tuple[str, str, int]]


def line_of(source: str, needle: str) -> int:
    """Return the 1-based number of the only line containing `needle`."""
    numbers = [n for n, text in enumerate(source.splitlines(), start=1) if needle in text]
    assert len(numbers) == 1, (needle, numbers)
    return numbers[0]


async def found(
    tmp_path: Path, base: dict[str, str | None], head: dict[str, str | None], *, bare: bool = False
) -> Found:
    repo = make_repo(tmp_path / "r", base, head)
    snap = Snapshot(parse(repo.diff)) if bare else await repo.snapshot()
    return sorted(
        (f.rule, f.path, f.line) for check in PACK.checks for f in check(snap) if f.rule in OURS
    )


PARSE_GUARDS_TS = """\
import jwt from "jsonwebtoken";

export function isValidUrl(value: string) {
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}

export function parseToken(token: string, secret: string) {
  try {
    return jwt.verify(token, secret);
  } catch {
    return null;
  }
}

export function readSaved(raw: string) {
  try {
    return JSON.parse(raw);
  } catch (e) {
    return undefined;
  }
}
"""

PARSE_GUARDS_PY = """\
import jwt


def page_number(raw: str, default: int = 1) -> int:
    try:
        return int(raw)
    except ValueError:
        return default


def claims(token: str, key: str) -> dict | None:
    try:
        return jwt.decode(token, key, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return None


def as_utc(value):
    try:
        value = value.replace(tzinfo=None)
    except Exception:
        pass
    return value
"""


async def test_guards_around_one_parse_or_validation_call_are_not_swallowed_errors(
    tmp_path: Path,
) -> None:
    """`new URL(x)`, `jwt.verify`, `JSON.parse`, `int(x)`, `jwt.decode` guards may return falsy."""
    head = {"web/src/lib/guards.ts": PARSE_GUARDS_TS, "shop/util/guards.py": PARSE_GUARDS_PY}
    assert await found(tmp_path, {"README.md": "shop\n"}, {"README.md": "shop\n", **head}) == []


FETCH_GUARD_TS = """\
export async function loadProfile(id: string) {
  try {
    const response = await fetch(`/api/profiles/${id}`);
    return await response.json();
  } catch {
    return null;
  }
}
"""

HTTP_GUARD_PY = """\
import requests


def exchange_rate(currency: str) -> float | None:
    try:
        return requests.get(f"https://rates.example.com/{currency}", timeout=5).json()["rate"]
    except Exception:
        return None
"""


async def test_the_same_broad_guard_around_http_is_a_swallowed_error(tmp_path: Path) -> None:
    """The look-alike of a parse guard, around an HTTP call, drops an outage: it is reported."""
    head = {"web/src/api/profile.ts": FETCH_GUARD_TS, "shop/rates/client.py": HTTP_GUARD_PY}
    assert await found(tmp_path, {"README.md": "shop\n"}, {"README.md": "shop\n", **head}) == [
        (SWALLOWED, "shop/rates/client.py", line_of(HTTP_GUARD_PY, "except Exception")),
        (SWALLOWED, "web/src/api/profile.ts", line_of(FETCH_GUARD_TS, "} catch {")),
    ]


CHECKOUT_PY = """\
from shop.payments import charge


def pay(order) -> None:
    try:
        charge(order.customer, order.total_cents)
    except Exception:
        pass
"""

SYNC_PY = """\
from shop.db import connection


def _push(order) -> None:
    connection().execute("UPDATE orders SET synced = true WHERE id = %s", order.id)


def sync(order) -> None:
    try:
        _push(order)
    except Exception:
        pass
"""


async def test_io_is_recognised_through_imports_and_the_modules_own_helpers(
    tmp_path: Path,
) -> None:
    """A store function imported from a payments module, or a local helper that queries, is I/O."""
    head = {"shop/checkout.py": CHECKOUT_PY, "shop/orders/sync.py": SYNC_PY}
    assert await found(tmp_path, {"README.md": "shop\n"}, {"README.md": "shop\n", **head}) == [
        (SWALLOWED, "shop/checkout.py", line_of(CHECKOUT_PY, "except Exception")),
        (SWALLOWED, "shop/orders/sync.py", line_of(SYNC_PY, "except Exception")),
    ]


TRACKER_BASE = """\
export function send(payload) {
  try {
    return fetch("/api/send", { method: "POST", body: JSON.stringify(payload) });
  } catch (e) {
    /* empty */
  }
}
"""


async def test_a_handler_base_already_had_is_not_new_when_reworded_or_moved(
    tmp_path: Path,
) -> None:
    """Renaming `catch (e)` to `catch (_e)`, or moving the function elsewhere, adds nothing."""
    reworded = TRACKER_BASE.replace("catch (e)", "catch (_e)").replace("/* empty */", "// no-op")
    assert (
        await found(
            tmp_path,
            {"web/src/tracker.js": TRACKER_BASE},
            {"web/src/tracker.js": None, "web/src/lib/tracker.js": reworded},
        )
        == []
    )


async def test_a_new_handler_next_to_an_old_one_is_still_reported(tmp_path: Path) -> None:
    """Base matching is by function and guarded calls: a new swallowing handler is still new."""
    head = TRACKER_BASE + (
        "\nexport async function flush(queue) {\n"
        '  await fetch("/api/flush", { method: "POST" }).catch(() => {});\n'
        "}\n"
    )
    assert await found(
        tmp_path, {"web/src/tracker.js": TRACKER_BASE}, {"web/src/tracker.js": head}
    ) == [(SWALLOWED, "web/src/tracker.js", line_of(head, ".catch(() => {})"))]


HANDLED_TS = """\
import { prisma } from "@acme/prisma";

export async function teamPdf(c, teamId: number) {
  const team = await prisma.team.findUnique({ where: { id: teamId } }).catch(() => null);

  if (!team) {
    return c.json({ error: "Not found" }, 404);
  }
  return c.json(team);
}

export async function isPasskeyValid(options) {
  return verifyPasskey(options)
    .then(() => true)
    .catch(() => false);
}

async function verifyPasskey(options) {
  return prisma.passkey.findFirstOrThrow({ where: { id: options.id } });
}
"""

DROPPED_TS = """\
import { prisma } from "@acme/prisma";

export async function markDeleted(recipientId: number) {
  await prisma.recipient
    .update({ where: { id: recipientId }, data: { deletedAt: new Date() } })
    .catch(() => {
      // Do nothing.
    });
}
"""


async def test_a_promise_fallback_tested_right_after_or_a_check_is_handled(
    tmp_path: Path,
) -> None:
    """`x = await q.catch(() => null); if (!x) return 404` and `verify().catch(() => false)` handle.

    The same `.catch` whose fallback nobody looks at drops a failed database write.
    """
    head = {"server/api/teams.ts": HANDLED_TS, "server/api/recipients.ts": DROPPED_TS}
    assert await found(tmp_path, {"README.md": "api\n"}, {"README.md": "api\n", **head}) == [
        (SWALLOWED, "server/api/recipients.ts", line_of(DROPPED_TS, ".catch(() => {"))
    ]


LOGGED_PY = """\
import logging

from shop.db import connection

log = logging.getLogger(__name__)


def export_all() -> dict:
    try:
        connection().execute("UPDATE orders SET fixed = true WHERE fixed IS NULL")
    except Exception:
        log.error("could not fix orders before the export; continuing")
    return {"orders": connection().fetch_all("SELECT * FROM orders")}


def summary(order_id: int) -> str:
    try:
        return connection().fetch_value("SELECT summary FROM orders WHERE id = %s", order_id)
    except Exception:  # pragma: no cover
        log.exception("summary failed")
        return ""
"""


async def test_logged_errors_are_handled_unless_an_empty_result_hides_them(
    tmp_path: Path,
) -> None:
    """Logging and carrying on, or logging and returning a plain default, is handling the error."""
    head = {"shop/orders/export.py": LOGGED_PY}
    assert await found(tmp_path, {"README.md": "shop\n"}, {"README.md": "shop\n", **head}) == []


async def test_bare_except_around_a_parse_is_still_a_bare_except(tmp_path: Path) -> None:
    """A bare `except:` catches KeyboardInterrupt whatever it guards: reported as such."""
    head = PARSE_GUARDS_PY.replace("except ValueError:", "except:")
    path = "shop/util/guards.py"
    assert await found(tmp_path, {path: PARSE_GUARDS_PY}, {path: head}) == [
        (BARE_EXCEPT, path, line_of(head, "except:"))
    ]


BARE_DIFF_BASE = """\
from shop.db import connection


def archive(order_id: int) -> None:
    connection().execute("UPDATE orders SET archived = true WHERE id = %s", order_id)


def label(order) -> str:
    return str(int(order.number))
"""

BARE_DIFF_HEAD = """\
from shop.db import connection


def archive(order_id: int) -> None:
    try:
        connection().execute("UPDATE orders SET archived = true WHERE id = %s", order_id)
    except Exception:
        pass


def label(order) -> str:
    try:
        return str(int(order.number))
    except Exception:
        return ""
"""


async def test_a_bare_diff_judges_what_it_shows_of_the_guarded_code(tmp_path: Path) -> None:
    """With only the diff, the lines between `try:` and `except` decide: I/O yes, a parse no."""
    path = "shop/orders/archive.py"
    guarded_io = BARE_DIFF_HEAD.splitlines().index("    except Exception:") + 1
    assert await found(tmp_path, {path: BARE_DIFF_BASE}, {path: BARE_DIFF_HEAD}, bare=True) == [
        (SWALLOWED, path, guarded_io)
    ]


LOGGING_BASE = """\
import logging

from shop.mail import client

log = logging.getLogger(__name__)


def notify(order) -> bool:
    try:
        client.send(order.email, "Your order shipped")
    except ConnectionError:
        log.exception("could not notify %s", order.id)
        return False
    return True


def refund(order) -> bool:
    try:
        client.refund(order.id)
    except ConnectionError:
        log.exception("refund failed for %s", order.id)
        return False
    return True


def receipt(order, toast) -> None:
    try:
        client.send(order.email, "Receipt")
    except ConnectionError:
        log.warning("receipt not sent")
        toast.show_error("The receipt could not be sent.")
"""

LOGGING_HEAD = """\
import logging

from shop.mail import client

log = logging.getLogger(__name__)


def notify(order) -> bool:
    try:
        client.send(order.email, "Your order shipped")
    except ConnectionError:
        return False
    return True


def refund(order) -> bool:
    try:
        client.refund(order.id)
    except ConnectionError as exc:
        raise RuntimeError(f"refund failed for {order.id}") from exc
    return True


def receipt(order, toast) -> None:
    try:
        client.send(order.email, "Receipt")
    except ConnectionError:
        toast.show_error("The receipt could not be sent.")
"""


async def test_logging_removed_only_counts_when_the_handler_now_leaves_no_trace(
    tmp_path: Path,
) -> None:
    """A handler that now re-raises, or still shows the error, leaves a trace; a silent one not."""
    path = "shop/orders/notify.py"
    assert await found(tmp_path, {path: LOGGING_BASE}, {path: LOGGING_HEAD}) == [
        (LOGGING_REMOVED, path, line_of(LOGGING_BASE, 'log.exception("could not notify'))
    ]


HEALTH_BASE = """\
from flask import Flask

from shop.cache import cache

app = Flask(__name__)


def check_cache() -> bool:
    cache.set("healthcheck", 1)
    return cache.get("healthcheck") == 1


@app.get("/healthz")
def healthz():
    return {"ok": check_cache()}
"""

HEALTH_HEAD = """\
from flask import Flask

from shop.cache import cache

app = Flask(__name__)


def check_cache() -> bool:
    key = f"healthcheck-{id(app)}"
    cache.set(key, 1)
    return cache.get(key) == 1
"""


async def test_a_cache_key_named_like_a_probe_is_not_a_health_route(tmp_path: Path) -> None:
    """`cache.get("healthcheck")` registers no route; removing `@app.get("/healthz")` does."""
    path = "shop/web/app.py"
    assert await found(tmp_path, {path: HEALTH_BASE}, {path: HEALTH_HEAD}) == [
        (HEALTH_REMOVED, path, line_of(HEALTH_BASE, '@app.get("/healthz")'))
    ]


SOFT_PY = """\
from shop.db import connection


def try_current_user(token: str):
    try:
        return connection().fetch_one("SELECT * FROM users WHERE token = %s", token)
    except Exception:
        return None


def current_user(token: str):
    try:
        return connection().fetch_one("SELECT * FROM users WHERE token = %s", token)
    except Exception:
        return None
"""


async def test_a_function_named_for_a_soft_failure_may_return_none(tmp_path: Path) -> None:
    """`try_current_user` promises None on failure; the same body in `current_user` hides it."""
    path = "shop/auth/users.py"
    assert await found(
        tmp_path, {"README.md": "shop\n"}, {"README.md": "shop\n", path: SOFT_PY}
    ) == [(SWALLOWED, path, SOFT_PY.splitlines().index("    except Exception:", 8) + 1)]


REASONED_TS = """\
import { searchTitles } from "~/api/documents";

export async function loadSuggestions(query: string) {
  try {
    await searchTitles(query);
  } catch {
    // Fall back to whatever the store already holds rather than
    // blocking the menu from opening.
  }
}

export async function loadLater(query: string) {
  try {
    await searchTitles(query);
  } catch {
    // TODO: show an error state when the search fails
  }
}

export async function loadQuietly(query: string) {
  try {
    await searchTitles(query);
  } catch {
    // ignore
  }
}

export async function loadOrEmpty(query: string) {
  try {
    return await searchTitles(query);
  } catch {
    // The menu can open without results while the search is down.
    return [];
  }
}
"""

REASONED_PY = """\
import requests


def warm_cache(url: str) -> None:
    try:
        requests.get(url, timeout=2)
    except Exception:  # warming is best effort: the first real request fills the cache anyway
        pass


def refresh(url: str) -> None:
    try:
        requests.get(url, timeout=2)
    except Exception:
        pass  # FIXME: retry instead of dropping the refresh
"""


async def test_an_empty_handler_whose_comment_gives_a_reason_is_a_decision(
    tmp_path: Path,
) -> None:
    """ESLint's `no-empty` line: an empty handler that says why it drops the error was decided on
    and reviewed. A `TODO`, a one-word `// ignore`, or code beside the comment (an empty result
    returned) is still a dropped outage, and is reported on its own line."""
    head = {"app/editor/suggestions.ts": REASONED_TS, "shop/cache/warm.py": REASONED_PY}
    catches = [n for n, t in enumerate(REASONED_TS.splitlines(), 1) if t == "  } catch {"]
    fixme = REASONED_PY.splitlines().index("    except Exception:") + 1
    assert await found(tmp_path, {"README.md": "shop\n"}, {"README.md": "shop\n", **head}) == [
        *((SWALLOWED, "app/editor/suggestions.ts", n) for n in catches[1:]),
        (SWALLOWED, "shop/cache/warm.py", fixme),
    ]


ROLES_TS = """\
import { api } from "./api";

export async function assignRoles(keyId: string, roles: { id: number }[]): Promise<boolean> {
  const results = await Promise.all(
    roles.map((role) =>
      api
        .post(`/keys/${keyId}/roles`, { role: role.id })
        .then(() => true)
        .catch(() => false),
    ),
  );
  return results.every(Boolean);
}

export function route(user, history) {
  Promise.race([
    user.new ? api.get("/onboarding/decision").catch(() => null) : Promise.resolve(null),
    new Promise((resolve) => setTimeout(() => resolve(null), 2000)),
  ]).then((decision) => {
    const variant = decision ? decision.variant : "control";
    history.replace(variant === "single" ? "/start" : "/create");
  });
}
"""


async def test_a_fallback_the_code_branches_on_is_handled(tmp_path: Path) -> None:
    """A success flag (`.then(() => true).catch(() => false)`) and a race fallback tested by the
    `.then((decision) => decision ? ...)` it flows into are outcomes, not dropped errors."""
    head = {"web/src/roles.ts": ROLES_TS, "web/src/api.ts": "export const api = {};\n"}

    assert await found(tmp_path, {"README.md": "web\n"}, {"README.md": "web\n", **head}) == []


async def test_a_race_fallback_nobody_looks_at_is_swallowed(tmp_path: Path) -> None:
    """The same race whose `.then(() => ...)` takes no value drops the failed request."""
    ignored = ROLES_TS.replace("]).then((decision) => {", "]).then(() => {").replace(
        'decision ? decision.variant : "control"', '"control"'
    )
    head = {"web/src/roles.ts": ignored, "web/src/api.ts": "export const api = {};\n"}

    assert await found(tmp_path, {"README.md": "web\n"}, {"README.md": "web\n", **head}) == [
        (SWALLOWED, "web/src/roles.ts", line_of(ignored, ".catch(() => null) : Promise"))
    ]


IDENTIFY_JS = """\
import API from "./api";

export default class App {
  componentDidUpdate() {
    Promise.race([
      Promise.resolve(API.identify()).catch(() => {}),
      new Promise((resolve) => setTimeout(resolve, 2000)),
    ]).then(() => {
      this.route();
    });
  }
}
"""


async def test_a_handler_moved_into_a_callback_of_its_function_is_not_new(tmp_path: Path) -> None:
    """The identify call moves from the race into its `.then` callback: the same handler."""
    moved = IDENTIFY_JS.replace(
        "      Promise.resolve(API.identify()).catch(() => {}),\n", ""
    ).replace(
        "      this.route();\n",
        "      Promise.resolve(API.identify()).catch(() => {});\n      this.route();\n",
    )
    new = moved.replace(
        "      this.route();\n", '      API.save("/route").catch(() => {});\n      this.route();\n'
    )
    base = {"web/App.js": IDENTIFY_JS}

    assert await found(tmp_path / "moved", base, {"web/App.js": moved}) == []
    assert await found(tmp_path / "new", base, {"web/App.js": new}) == [
        (SWALLOWED, "web/App.js", line_of(new, 'API.save("/route")'))
    ]


CLEANUP_TS = """\
import { prisma } from "@/lib/prisma";
import { redis } from "@/lib/redis";

export async function forgetToken(token: string) {
  try {
    await Promise.allSettled([
      prisma.verificationToken.delete({ where: { token } }),
      redis.del(`token:${token}`),
    ]);
  } catch {}
}

export async function forgetSession(id: string) {
  try {
    await Promise.all([prisma.session.delete({ where: { id } }), redis.del(`session:${id}`)]);
  } catch {}
}
"""


async def test_a_handler_around_settled_promises_guards_nothing(tmp_path: Path) -> None:
    """`Promise.allSettled` never rejects: its calls' failures are its results, so an empty catch
    around it drops nothing. The same catch around `Promise.all` drops a failed delete."""
    head = {"web/lib/tokens.ts": CLEANUP_TS}
    assert await found(tmp_path, {"README.md": "x\n"}, {"README.md": "x\n", **head}) == [
        (SWALLOWED, "web/lib/tokens.ts", CLEANUP_TS.splitlines().index("  } catch {}", 12) + 1)
    ]


PROBES_TS = """\
/**
 * Discover the provider's settings for a domain.
 * Returns null when the provider is unknown, or on any error.
 */
export async function discover(domain: string): Promise<Settings | null> {
  try {
    const res = await fetch(`https://${domain}/v2/settings`);
    return await res.json();
  } catch {
    return null;
  }
}

/** Load the provider's settings for a domain. */
export const load = async (domain: string): Promise<Settings | null> => {
  try {
    const res = await fetch(`https://${domain}/v2/settings`);
    return await res.json();
  } catch {
    return null;
  }
};
"""

PROBES_PY = '''\
import requests


def discover(domain: str) -> dict | None:
    """Fetch the provider's settings; None on any failure (the caller goes on without)."""
    try:
        return requests.get(f"https://{domain}/v2/settings", timeout=3).json()
    except Exception:
        return None


def load(domain: str) -> dict | None:
    """Fetch the provider's settings."""
    try:
        return requests.get(f"https://{domain}/v2/settings", timeout=3).json()
    except Exception:
        return None
'''


async def test_a_function_whose_doc_promises_a_value_on_failure_keeps_its_promise(
    tmp_path: Path,
) -> None:
    """A function whose doc says it answers a failure with null (`on any error`) told its
    callers so: its handler keeps that promise. The same handler under a doc that says nothing
    of failure drops an outage."""
    head = {"web/lib/discover.ts": PROBES_TS, "shop/discover.py": PROBES_PY}
    assert await found(tmp_path, {"README.md": "x\n"}, {"README.md": "x\n", **head}) == [
        (
            SWALLOWED,
            "shop/discover.py",
            PROBES_PY.splitlines().index("    except Exception:", 12) + 1,
        ),
        (SWALLOWED, "web/lib/discover.ts", PROBES_TS.splitlines().index("  } catch {", 17) + 1),
    ]


YES_NO_TS = """\
import { promises as dns } from "dns";

import { redis } from "@/lib/redis";

async function hasSiteConfigured(domain: string): Promise<boolean> {
  try {
    for (const url of [`https://${domain}`, `http://${domain}`]) {
      try {
        const response = await fetch(url, { method: "HEAD", redirect: "manual" });
        if (response.status < 500) return true;
      } catch {
        // Timeout, network error, or certificate error: try the next URL
        continue;
      }
    }
    const records = await dns.resolve(domain);
    return records.length > 0;
  } catch (error) {
    return false;
  }
}

export async function updateSessionVerified(token: string, verified: boolean): Promise<boolean> {
  const raw = await redis.get(`session:${token}`);
  if (!raw) return false;
  try {
    const session = JSON.parse(raw);
    await redis.set(`session:${token}`, JSON.stringify({ ...session, verified }));
    return true;
  } catch {
    return false;
  }
}

export async function isReachable(url: string) {
  try {
    const response = await fetch(url, { method: "HEAD" });
    return response.status < 500;
  } catch {
    return false;
  }
}

export const pingOk = (url: string): Promise<boolean> =>
  fetch(url).then((response) => response.ok).catch(() => false);

export async function isBlocked(ip: string): Promise<boolean> {
  try {
    return (await redis.get(`blocked:${ip}`)) !== null;
  } catch {
    return true;
  }
}
"""

YES_NO_PY = """\
import requests

from shop.db import connection


def has_site(domain: str) -> bool:
    for url in (f"https://{domain}", f"http://{domain}"):
        try:
            if requests.head(url, timeout=3).status_code < 500:
                return True
        except Exception:  # a timeout, TLS or network error: try the next scheme
            continue
    return False


def mark_verified(token: str) -> bool:
    try:
        connection().execute("UPDATE sessions SET verified = true WHERE token = %s", token)
    except Exception:
        return False
    return True


def is_reachable(url):
    try:
        return requests.head(url, timeout=3).status_code < 500
    except Exception:
        return False
"""


async def test_a_yes_no_function_whose_handler_answers_no_fails_closed(tmp_path: Path) -> None:
    """A function answering only yes or no (`Promise<boolean>`, `-> bool`, or a boolean at every
    return) hands back no data a failure could hide: a handler answering its "no" (`false`: no
    site, not updated) gives callers an answer they already handle; asked about something wrong
    (`isBlocked`), failing closed is answering `true`. A commented `continue` in its probe loop
    moves on to the next URL as a commented empty handler would."""
    head = {"web/lib/domains.ts": YES_NO_TS, "shop/domains.py": YES_NO_PY}
    assert await found(tmp_path, {"README.md": "x\n"}, {"README.md": "x\n", **head}) == []


CLAIMS_TS = """\
import { prisma } from "@/lib/prisma";
import { redis } from "@/lib/redis";

export async function saveSettings(id: string, data: object): Promise<boolean> {
  try {
    await prisma.settings.update({ where: { id }, data });
    return true;
  } catch {
    return true;
  }
}

export async function isRateLimited(ip: string): Promise<boolean> {
  try {
    return (await redis.incr(`hits:${ip}`)) > 100;
  } catch {
    return false;
  }
}

export async function saveDraft(draft: object) {
  try {
    await prisma.draft.create({ data: draft });
  } catch {
    return false;
  }
}

export async function listDomains(teamId: string) {
  try {
    return await prisma.domain.findMany({ where: { teamId } });
  } catch {
    return [];
  }
}

export async function purge(ids: string[]) {
  for (const id of ids) {
    try {
      await prisma.link.delete({ where: { id } });
    } catch {
      continue;
    }
  }
}
"""

CLAIMS_PY = """\
from shop.db import connection


def archive(order_id: int) -> bool:
    try:
        connection().execute("UPDATE orders SET archived = true WHERE id = %s", order_id)
    except Exception:
        return True
    return True


def is_blocked(ip: str) -> bool:
    try:
        return connection().fetch_value("SELECT 1 FROM blocklist WHERE ip = %s", ip) is not None
    except Exception:
        return False


def open_orders() -> list[dict]:
    try:
        return connection().fetch_all("SELECT * FROM orders WHERE status = 'open'")
    except Exception:
        return []
"""


async def test_a_failure_answering_what_success_or_the_all_clear_answers_is_swallowed(
    tmp_path: Path,
) -> None:
    """The same handlers answering what success answers (`true`: saved), or the all-clear of a
    question about something wrong (`isRateLimited`, `is_blocked`: `false`), hide the failure.
    A `false` from a function whose success answers nothing, an empty list from a query, and an
    uncommented `continue` past a failed delete still drop it."""
    head = {"web/lib/settings.ts": CLAIMS_TS, "shop/orders/archive.py": CLAIMS_PY}
    ts = [n for n, t in enumerate(CLAIMS_TS.splitlines(), 1) if t.strip().startswith("} catch {")]
    py = [n for n, t in enumerate(CLAIMS_PY.splitlines(), 1) if t == "    except Exception:"]
    assert await found(tmp_path, {"README.md": "x\n"}, {"README.md": "x\n", **head}) == sorted(
        [
            *((SWALLOWED, "shop/orders/archive.py", n) for n in py),
            *((SWALLOWED, "web/lib/settings.ts", n) for n in ts),
        ]
    )
    assert len(ts) == 5 and len(py) == 3


BOOL_DIFF_BASE = """\
from shop.db import connection


def archive(order_id):
    if order_id:
        connection().execute("UPDATE orders SET archived = true WHERE id = %s", order_id)


def restore(order_id):
    if order_id:
        connection().execute("UPDATE orders SET archived = false WHERE id = %s", order_id)
"""

# The unchanged `if` lines are not in the diff: what it shows does not parse, and is read by line.
BOOL_DIFF_HEAD = """\
from shop.db import connection


def archive(order_id) -> bool:
    if order_id:
        try:
            connection().execute("UPDATE orders SET archived = true WHERE id = %s", order_id)
        except Exception:
            return False
    return True


def restore(order_id) -> bool:
    if order_id:
        try:
            connection().execute("UPDATE orders SET archived = false WHERE id = %s", order_id)
        except Exception:
            return True
    return True
"""


async def test_a_bare_diff_reads_a_yes_no_answer_from_the_signature_it_shows(
    tmp_path: Path,
) -> None:
    """With only the diff (the added lines), `-> bool` on the `def` line it adds decides: `False`
    fails closed, `True` claims the update that failed."""
    path = "shop/orders/archive.py"
    restore = BOOL_DIFF_HEAD.splitlines().index("        except Exception:", 12) + 1
    assert await found(tmp_path, {path: BOOL_DIFF_BASE}, {path: BOOL_DIFF_HEAD}, bare=True) == [
        (SWALLOWED, path, restore)
    ]
