"""semgrep --test target for rules/semgrep/cliff.yml (Python): production guards turned off."""

import os
import ssl

import httpx
import requests
from corsheaders.defaults import default_headers
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from flask import Flask
from flask_cors import CORS

# ruleid: cliff.debug-enabled
DEBUG = True
# ok: cliff.debug-enabled
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
# ruleid: cliff.allowed-hosts-any
ALLOWED_HOSTS = ["*"]
# ok: cliff.allowed-hosts-any
ALLOWED_HOSTS = ["shop.example.com", ".shop.example.com"]
# ruleid: cliff.cors-any-with-credentials
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = [*default_headers, "x-request-id"]

app = FastAPI()
# ruleid: cliff.cors-any-with-credentials
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
# ok: cliff.cors-any-with-credentials
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])
flask_app = Flask(__name__)
# ruleid: cliff.cors-any-with-credentials
CORS(flask_app, supports_credentials=True)
# ok: cliff.cors-any-with-credentials
CORS(flask_app, origins=["https://shop.example.com"], supports_credentials=True)


def fetch_rates() -> dict[str, float]:
    # ruleid: cliff.tls-verify-disabled
    response = requests.get("https://rates.example.com/latest", verify=False, timeout=5)
    # ok: cliff.tls-verify-disabled
    checked = requests.get("https://rates.example.com/latest", verify="/etc/ssl/ca.pem", timeout=5)
    return {**response.json(), **checked.json()}


def client() -> httpx.Client:
    # ruleid: cliff.tls-verify-disabled
    return httpx.Client(base_url="https://payments.internal", verify=False)


def context() -> ssl.SSLContext:
    # ruleid: cliff.tls-verify-disabled
    return ssl._create_unverified_context()


def debug_toolbar() -> bool:
    if os.environ.get("ENV") == "dev":
        # ok: cliff.debug-enabled
        DEBUG = True
        return DEBUG
    return False
