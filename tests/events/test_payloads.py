"""The edge models accept every real payload GitHub publishes for the events we handle."""

from __future__ import annotations

import pytest
from gidgethub.sansio import Event

from bot.events import router
from bot.jobs.model import Job
from tests.payloads import WEBHOOKS, payload

ROUTED = sorted(
    f"{path.parent.name}/{path.stem}"
    for path in WEBHOOKS.glob("*/*.json")
    if router.fetch(
        Event(payload(f"{path.parent.name}/{path.stem}"), event=path.parent.name, delivery_id="x")
    )
)


def test_the_routed_fixtures_cover_every_handled_event() -> None:
    assert {name.partition("/")[0] for name in ROUTED} == {
        "pull_request",
        "issue_comment",
        "pull_request_review_comment",
        "check_run",
        "check_suite",
    }


@pytest.mark.parametrize("name", ROUTED)
async def test_a_real_payload_passes_its_handler_s_model(name: str) -> None:
    """GitHub's published examples leave the installation out; it is sent to every app."""
    event = name.partition("/")[0]
    data = payload(name)
    data.setdefault("installation", {"id": 1})
    jobs: list[Job] = []
    await router.dispatch(Event(data, event=event, delivery_id="d"), jobs=jobs, app_id=1)
