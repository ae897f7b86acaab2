"""Pack `cliff`: a browser's analytics beacon may drop its failure; a save or a server may not.

Read on real pull requests (an embedded tracker's `fetch(...).catch(() => {})`): a look-alike
that must stay quiet and true positives that must still be found, on the line the test names.
"""

from __future__ import annotations

from pathlib import Path

from bot.rules.cliff import SWALLOWED
from tests.rules.test_cliff_context import found, line_of

PAGE_TRACKER_JS = """\
((window) => {
  const { document, location } = window;
  const endpoint = document.currentScript.getAttribute("data-host") + "/api/send";
  let cache;

  const send = (payload) =>
    fetch(endpoint, {
      method: "POST",
      body: JSON.stringify({ type: "event", payload }),
      headers: { "Content-Type": "application/json" },
    })
      .then((res) => res.text())
      .then((text) => (cache = text))
      .catch(() => {});

  send({ url: location.pathname, referrer: document.referrer });
})(window);
"""

SESSION_REPLAY_JS = """\
export function flushEvents(endpoint, events, useKeepalive) {
  const body = JSON.stringify({ events, at: Date.now(), page: window.location.href });
  return fetch(endpoint, { keepalive: useKeepalive, method: "POST", body }).catch(() => {});
}
"""


async def test_a_browser_analytics_beacon_may_drop_its_failure(tmp_path: Path) -> None:
    """An embedded tracker's event POST and a `keepalive` beacon from page code fail silently
    on purpose: a failed send must not break the host page, and nobody there could act."""
    head = {"src/tracker/index.js": PAGE_TRACKER_JS, "src/replay/flush.js": SESSION_REPLAY_JS}
    assert await found(tmp_path, {"README.md": "umami\n"}, {"README.md": "umami\n", **head}) == []


DRAFTS_JS = """\
export function saveDraft(form) {
  const body = JSON.stringify({ text: form.value, page: window.location.pathname });
  return fetch("/api/drafts", { method: "POST", body }).catch(() => {});
}
"""

SERVER_TRACKER_JS = """\
export function trackSignup(user) {
  return fetch(process.env.ANALYTICS_URL, {
    method: "POST",
    body: JSON.stringify({ event: "signup", id: user.id }),
  }).catch(() => {});
}
"""


async def test_a_dropped_save_or_server_side_tracking_failure_is_still_swallowed(
    tmp_path: Path,
) -> None:
    """A page that posts a draft and drops the error loses the user's work silently; a server
    that drops a failed analytics call has logs nobody reads: both are still reported."""
    head = {"src/editor/drafts.js": DRAFTS_JS, "server/analytics/track.js": SERVER_TRACKER_JS}
    assert await found(tmp_path, {"README.md": "app\n"}, {"README.md": "app\n", **head}) == [
        (SWALLOWED, "server/analytics/track.js", line_of(SERVER_TRACKER_JS, ".catch(() => {})")),
        (SWALLOWED, "src/editor/drafts.js", line_of(DRAFTS_JS, ".catch(() => {})")),
    ]
