"""Annotated target for the data-layer pack (Python), checked as `shop/catalog/loader.py`."""

import json
import os
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
BASE_DIR = HERE.parent
# ok: data-layer/fixture-read
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
# ok: data-layer/fixture-read
EXCLUDED_FOLDERS = ["fixtures", "node_modules"]


def load_orders() -> list[dict[str, object]]:
    # ruleid: data-layer/fixture-read
    with open("fixtures/orders.json", encoding="utf-8") as handle:
        return list(json.load(handle))


def load_customers() -> list[dict[str, object]]:
    # ruleid: data-layer/fixture-read
    return list(json.loads((HERE / "fixtures" / "customers.json").read_text()))


def load_prices() -> pd.DataFrame:
    # ruleid: data-layer/fixture-read
    return pd.read_csv(os.path.join(BASE_DIR, "testdata", "prices.csv"))


def load_catalog() -> str:
    # ruleid: data-layer/fixture-read
    return Path(BASE_DIR, "catalog.fixture.json").read_text()


def load_mock_users() -> str:
    # ruleid: data-layer/fixture-read
    with open(f"{BASE_DIR}/mocks/users.json", encoding="utf-8") as handle:
        return handle.read()


def load_config() -> dict[str, object]:
    # ok: data-layer/fixture-read
    with open(BASE_DIR / "config" / "settings.json", encoding="utf-8") as handle:
        return dict(json.load(handle))


def describe_fixtures() -> str:
    # ok: data-layer/fixture-read
    return "Run `manage.py loaddata fixtures/orders.json` to load demo data."


def fixture_label() -> str:
    # ok: data-layer/fixture-read
    return ", ".join(["fixtures/orders.json", "fixtures/customers.json"])
