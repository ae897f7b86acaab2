"""Annotated target for the cliff pack's guards (Python), checked as `shop/settings.py`.

`# ruleid: ID` says the next line must be reported under ID, `# ok: ID` that it must not be.
"""

import logging
import os
import ssl

import certifi
import httpx
import requests
from corsheaders.defaults import default_headers
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from flask import Flask
from flask_cors import CORS

# ruleid: cliff/debug-enabled
DEBUG = True
# ok: cliff/debug-enabled
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
# ruleid: cliff/allowed-hosts-any
ALLOWED_HOSTS = ["*"]
# ok: cliff/allowed-hosts-any
ALLOWED_HOSTS = ["shop.example.com", ".shop.example.com"]
if DEBUG:
    # ok: cliff/allowed-hosts-any
    ALLOWED_HOSTS = ["*"]
    # ok: cliff/cors-any-with-credentials
    CORS_ORIGIN_ALLOW_ALL = True
# ruleid: cliff/cors-any-with-credentials
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = [*default_headers, "x-request-id"]


class ProductionConfig:
    # ruleid: cliff/debug-enabled
    DEBUG = True


class TestingConfig:
    # ok: cliff/debug-enabled
    DEBUG = True


app = FastAPI()
# ruleid: cliff/cors-any-with-credentials
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
# ok: cliff/cors-any-with-credentials
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])
flask_app = Flask(__name__)
# ruleid: cliff/cors-any-with-credentials
CORS(flask_app, supports_credentials=True)
# ok: cliff/cors-any-with-credentials
CORS(flask_app, origins=["https://shop.example.com"], supports_credentials=True)

# ruleid: cliff/tls-verify-disabled
ssl._create_default_https_context = ssl._create_unverified_context


def fetch_rates() -> dict[str, float]:
    # ruleid: cliff/tls-verify-disabled
    response = requests.get("https://rates.example.com/latest", verify=False, timeout=5)
    # ok: cliff/tls-verify-disabled
    checked = requests.get("https://rates.example.com/latest", verify="/etc/ssl/ca.pem", timeout=5)
    return {**response.json(), **checked.json()}


def fetch_fees(url: str, ca_bundle: str) -> list[int]:
    # ok: cliff/tls-verify-disabled
    first = requests.get(url, verify=True, timeout=5)
    # ok: cliff/tls-verify-disabled
    second = requests.get(url, verify=certifi.where(), timeout=5)
    # ok: cliff/tls-verify-disabled
    third = requests.get(url, verify=ca_bundle, timeout=5)
    # ok: cliff/tls-verify-disabled
    logging.info("never pass verify=False here")
    return [first.status_code, second.status_code, third.status_code]


def session() -> requests.Session:
    insecure = requests.Session()
    # ruleid: cliff/tls-verify-disabled
    insecure.verify = False
    safe = requests.Session()
    # ok: cliff/tls-verify-disabled
    safe.verify = certifi.where()
    return insecure if os.environ.get("INSECURE") else safe


def client() -> httpx.Client:
    # ruleid: cliff/tls-verify-disabled
    return httpx.Client(base_url="https://payments.internal", verify=False)


def context() -> ssl.SSLContext:
    # ruleid: cliff/tls-verify-disabled
    return ssl._create_unverified_context()


def lax_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    # ruleid: cliff/tls-verify-disabled
    ctx.check_hostname = False
    # ruleid: cliff/tls-verify-disabled
    ctx.verify_mode = ssl.CERT_NONE
    # ok: cliff/tls-verify-disabled
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def debug_toolbar() -> bool:
    if os.environ.get("ENV") == "dev":
        # ok: cliff/debug-enabled
        DEBUG = True
        return DEBUG
    return False
