"""Pack `cliff`: an optional local file read with a default, and a best-effort cleanup inside a
handler that rethrows, swallow nothing; the same shapes around a network call, a write, or in a
handler that does not rethrow, still do.

Read on real pull requests (an Electron app's `readLastAppUrl`, a OneDrive upload's cleanup):
look-alikes that must stay quiet and true positives that must still be found, on the line named.
"""

from __future__ import annotations

from pathlib import Path

from bot.rules.cliff import SWALLOWED
from tests.rules.test_cliff_context import found, line_of

OPTIONAL_FILE_TS = """\
import fs from "node:fs";
import path from "node:path";
import { readFile } from "node:fs/promises";
import { app } from "electron";

export function readLastAppUrl(): string | null {
  try {
    return fs.readFileSync(path.join(app.getPath("userData"), "last-url"), "utf8");
  } catch {
    return null;
  }
}

export function consumePending(): string | null {
  let fromDisk: string | null = null;
  try {
    fromDisk = fs.readFileSync(pendingFile(), "utf8").toString();
  } catch {
    fromDisk = null;
  }
  return fromDisk;
}

export async function readSettings() {
  try {
    return JSON.parse(await readFile(settingsFile(), "utf8"));
  } catch {
    return null;
  }
}
"""

OPTIONAL_FILE_PY = """\
import json
from pathlib import Path


def load_state(path: Path):
    try:
        return json.loads(path.read_text())
    except Exception:
        return None


def load_config(name):
    try:
        with open(name) as handle:
            return json.load(handle)
    except Exception:
        return None
"""


async def test_an_optional_local_file_read_may_fall_back_to_a_default(tmp_path: Path) -> None:
    """A missing state or config file is the expected first-run case: `null` is its answer."""
    head = {"apps/desktop/src/main.ts": OPTIONAL_FILE_TS, "app/state.py": OPTIONAL_FILE_PY}
    assert await found(tmp_path, {"README.md": "x\n"}, {"README.md": "x\n", **head}) == []


REMOTE_READ_TS = """\
import fs from "node:fs";

export async function loadProfile(id: string) {
  try {
    const cached = fs.readFileSync(`/tmp/${id}`, "utf8");
    return await fetch(`/api/profiles/${id}?v=${cached}`);
  } catch {
    return null;
  }
}

export function saveState(state: string) {
  try {
    fs.writeFileSync("state.json", state);
  } catch {
    return null;
  }
}
"""

WRITE_PY = """\
import json


def save_config(name, config):
    try:
        with open(name, "w") as handle:
            json.dump(config, handle)
    except Exception:
        return None
"""


async def test_a_file_read_beside_a_request_or_a_write_is_still_swallowed(tmp_path: Path) -> None:
    """A handler that also guards a request or a write hides more than a missing file."""
    head = {"src/profile.ts": REMOTE_READ_TS, "app/config.py": WRITE_PY}
    assert await found(tmp_path, {"README.md": "x\n"}, {"README.md": "x\n", **head}) == [
        (SWALLOWED, "app/config.py", line_of(WRITE_PY, "except Exception:")),
        *((SWALLOWED, "src/profile.ts", n) for n in lines_of(REMOTE_READ_TS, "} catch {")),
    ]


def lines_of(source: str, needle: str) -> list[int]:
    """Return the 1-based numbers of the lines containing `needle`."""
    return [n for n, text in enumerate(source.splitlines(), start=1) if needle in text]


CLEANUP_TS = """\
export async function upload(client, itemPath: string, content: Buffer) {
  try {
    return await client.api(itemPath).put(content);
  } catch (error) {
    const item = await client.api(itemPath).get().catch(() => null);
    if (item?.size === 0) {
      await client.api(itemPath).delete().catch(() => undefined);
    }
    throw error;
  }
}

export async function send(uploadUrl: string, body: Buffer) {
  try {
    return await fetch(uploadUrl, { method: "PUT", body });
  } catch (error) {
    try {
      await fetch(uploadUrl, { method: "DELETE" });
    } catch {}
    throw new Error("upload failed", { cause: error });
  }
}
"""

CLEANUP_PY = """\
import os

from shop.storage import client


def store(path, data):
    try:
        client.put(path, data)
    except Exception:
        try:
            client.delete(path)
        except Exception:
            pass
        raise
"""


async def test_a_cleanup_inside_a_handler_that_rethrows_swallows_nothing(tmp_path: Path) -> None:
    """The original failure propagates; only the cleanup's own, secondary failure is dropped."""
    head = {"web/utils/upload.ts": CLEANUP_TS, "shop/store.py": CLEANUP_PY}
    assert await found(tmp_path, {"README.md": "x\n"}, {"README.md": "x\n", **head}) == []


NO_RETHROW_TS = """\
export async function upload(client, itemPath: string, content: Buffer) {
  try {
    return await client.api(itemPath).put(content);
  } catch (error) {
    await client.api(itemPath).delete().catch(() => undefined);
    return null;
  }
}

export async function retry(client, itemPath: string, content: Buffer) {
  try {
    return await client.api(itemPath).put(content);
  } catch (error) {
    throw error;
    await client.api(itemPath).delete().catch(() => undefined);
  }
}
"""

NO_RETHROW_PY = """\
from shop.storage import client


def store(path, data):
    try:
        client.put(path, data)
    except Exception:
        raise
    try:
        client.delete(path)
    except Exception:
        pass
"""


async def test_a_cleanup_in_a_handler_that_does_not_rethrow_is_still_swallowed(
    tmp_path: Path,
) -> None:
    """An outer handler that returns a default drops both failures; a cleanup after the
    rethrow, or a `try` beside the handler rather than in it, is judged on its own."""
    head = {"web/utils/upload.ts": NO_RETHROW_TS, "shop/store.py": NO_RETHROW_PY}
    delete = ".delete().catch(() => undefined);"
    assert await found(tmp_path, {"README.md": "x\n"}, {"README.md": "x\n", **head}) == [
        (SWALLOWED, "shop/store.py", lines_of(NO_RETHROW_PY, "except Exception:")[1]),
        *((SWALLOWED, "web/utils/upload.ts", n) for n in lines_of(NO_RETHROW_TS, delete)),
    ]
