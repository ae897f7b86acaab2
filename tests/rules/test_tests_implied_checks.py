"""Removed checks the test still makes another way: by a lookup that raises without the row it
checked, or by a helper it now calls that throws when what it fetches is missing."""

from __future__ import annotations

from pathlib import Path

from bot.rules.tests import labels, lookups, routes
from bot.rules.tests.readers import read
from bot.snapshot.model import Source
from tests.rules.removals import removals, summary

ASSERTION = "tests/removed-assertion"

LOG_BASE = """from exercises.models import DeletionLog


class DeletionLogTest(TestCase):
    def test_delete(self):
        exercise = make_exercise()
        exercise.delete()
        count = DeletionLog.objects.filter(
            model_type=DeletionLog.MODEL_EXERCISE,
            uuid=exercise.uuid,
        ).count()
        log = DeletionLog.objects.get(pk=1)
        self.assertEqual(count, 1)
        self.assertEqual(log.model_type, DeletionLog.MODEL_EXERCISE)
        self.assertEqual(log.uuid, exercise.uuid)
        self.assertEqual(log.comment, "An exercise")
"""

LOG_LOOKUP = """from exercises.models import DeletionLog


class DeletionLogTest(TestCase):
    def test_delete(self):
        exercise = make_exercise()
        exercise.delete()
        log = DeletionLog.objects.get(
            model_type=DeletionLog.MODEL_EXERCISE,
            uuid=exercise.uuid,
        )
        self.assertEqual(log.comment, "An exercise")
"""

CHAINED_BASE = """class TranslationLogTest(TestCase):
    def test_translations(self):
        log2 = DeletionLog.objects.get(pk=4)
        self.assertEqual(log2.model_type, DeletionLog.MODEL_TRANSLATION)
        self.assertEqual(log2.uuid, UUID("9838235c"))
        self.assertEqual(log2.comment, "An exercise")
"""

CHAINED_HEAD = """class TranslationLogTest(TestCase):
    def test_translations(self):
        logs = DeletionLog.objects.filter(model_type=DeletionLog.MODEL_TRANSLATION)
        log2 = logs.get(uuid=UUID("9838235c"))
        self.assertEqual(log2.comment, "An exercise")
"""


async def test_checks_of_the_fields_a_get_fetches_by_are_implied(tmp_path: Path) -> None:
    """`get(model_type=..., uuid=...)` raises unless that one row exists: the count of 1 and the
    checks of both fields it replaces are made by the lookup itself."""
    base = {"exercises/tests/test_log.py": LOG_BASE}
    head = {"exercises/tests/test_log.py": LOG_LOOKUP}

    assert await removals(tmp_path, base, head) == []


async def test_a_get_chained_to_a_filter_implies_the_filters_fields(tmp_path: Path) -> None:
    """`logs.get(uuid=...)` of `logs = filter(model_type=...)` fixes both fields."""
    base = {"exercises/tests/test_log.py": CHAINED_BASE}
    head = {"exercises/tests/test_log.py": CHAINED_HEAD}

    assert await removals(tmp_path, base, head) == []


async def test_a_check_of_a_field_the_get_does_not_filter_by_is_still_lost(
    tmp_path: Path,
) -> None:
    """The lookup fixes the type and uuid, not the comment: dropping that check still warns."""
    base = {"exercises/tests/test_log.py": LOG_BASE}
    head = {
        "exercises/tests/test_log.py": LOG_LOOKUP.replace(
            '        self.assertEqual(log.comment, "An exercise")\n',
            "        log.refresh_from_db()\n",
        )
    }

    found = await removals(tmp_path, base, head)

    assert [f.rule for f in found] == [ASSERTION]


async def test_a_filter_that_returns_nothing_when_missing_implies_nothing(tmp_path: Path) -> None:
    """`filter(...).first()` gives None without the row: the field checks it replaces are lost."""
    base = {"exercises/tests/test_log.py": LOG_BASE}
    head = {
        "exercises/tests/test_log.py": LOG_LOOKUP.replace(
            "DeletionLog.objects.get(", "DeletionLog.objects.filter("
        ).replace("        )\n        self", "        ).first()\n        self")
    }

    found = await removals(tmp_path, base, head)

    assert summary(found)[0][0] == ASSERTION


def test_only_equality_checks_of_looked_up_fields_are_implied() -> None:
    """A dict's `get` takes no fields; a field checked otherwise than equal is not implied."""
    body = "    log = Log.objects.get(kind='a')\n    row = data.get('kind')\n"
    assert lookups.implied("self.assertEqual(log.kind,'a')", "", body)
    assert not lookups.implied("self.assertNotEqual(log.kind,'b')", "", body)
    assert not lookups.implied("self.assertEqual(row.kind,'a')", "", body)
    assert not lookups.implied("self.assertTrue(log.kind.startswith('a'))", "", body)
    assert lookups.implied("assert_equal'a',log.kind", "", "  log = Log.find_by!(kind: 'a')\n")
    assert not lookups.implied("assert_equal'a',log.kind", "", "  log = Log.find_by(kind: 'a')\n")


PACKAGE = '{"name": "web", "devDependencies": {"@playwright/test": "1.50.0"}}\n'
SPEC_BASE = """import { expect, test } from "@playwright/test";

test("palette acts on the selected conversation", async ({ page }) => {
  const response = await page.request.get("/api/user/email-accounts");
  expect(response.ok()).toBeTruthy();
  const { emailAccounts } = await response.json();
  const id = emailAccounts[0]?.id;
  await page.goto(`/${id}/mail`);
  await expect(page.getByText("Inbox")).toBeVisible();
});
"""
SPEC_HEAD = """import { expect, test } from "@playwright/test";
import { getEmailAccountId } from "./account-helpers";

test("palette acts on the selected conversation", async ({ page }) => {
  const id = await getEmailAccountId(page);
  await page.goto(`/${id}/mail`);
  await expect(page.getByText("Inbox")).toBeVisible();
});
"""
HELPER = """import type { Page } from "@playwright/test";

export async function getEmailAccount(page: Page) {
  const response = await page.request.get("/api/user/email-accounts");
  if (!response.ok()) throw new Error(`accounts failed with ${response.status()}`);
  const { emailAccounts } = await response.json();
  if (!emailAccounts[0]) throw new Error("no account");
  return emailAccounts[0];
}

export async function getEmailAccountId(page: Page) {
  const account = await getEmailAccount(page);
  return account.id;
}
"""


async def test_checks_moved_into_a_helper_that_throws_are_kept(tmp_path: Path) -> None:
    """The request and its check move into a helper that throws when the request fails: the
    test, calling it, checks as much as it did."""
    base = {"package.json": PACKAGE, "e2e/palette.spec.ts": SPEC_BASE}
    head = {"e2e/palette.spec.ts": SPEC_HEAD, "e2e/account-helpers.ts": HELPER}

    assert await removals(tmp_path, base, head) == []


async def test_a_helper_that_only_fetches_checks_nothing(tmp_path: Path) -> None:
    """The same helper without its throws returns whatever came back: the check is lost."""
    quiet = HELPER.replace(
        "  if (!response.ok()) throw new Error(`accounts failed with ${response.status()}`);\n", ""
    ).replace('  if (!emailAccounts[0]) throw new Error("no account");\n', "")
    base = {"package.json": PACKAGE, "e2e/palette.spec.ts": SPEC_BASE}
    head = {"e2e/palette.spec.ts": SPEC_HEAD, "e2e/account-helpers.ts": quiet}

    found = await removals(tmp_path, base, head)

    assert [f.rule for f in found] == [ASSERTION]


REMOVED = "tests/removed-test"
GEMFILE = 'source "https://rubygems.org"\ngem "rails"\ngem "rspec-rails"\n'
PAGE = """<div>
  <button type="button" id="cc-filter-toggle">Filter</button>
  <button type="button" id="cc-columns-toggle">Columns</button>
  <div id="cc-columns-panel">
    <button type="button" id="cc-columns-update">Update View</button>
  </div>
</div>
"""
PAGE_WITHOUT_COLUMNS = """<div>
  <button type="button" id="cc-filter-toggle">Filter</button>
</div>
"""
SYSTEM_SPEC = """require "rails_helper"

RSpec.describe "Case contacts", type: :system do
  before { visit case_contacts_board_path }

  it "shows the Filter button" do
    expect(page).to have_button("Filter")
  end

  it "shows a Columns button" do
    expect(page).to have_button("Columns")
  end

  it "hides a column on Update View" do
    uncheck "Medium"
    click_button "Update View"
    expect(page).not_to have_css("th", text: "Medium")
  end
end
"""
SYSTEM_SPEC_LEFT = """require "rails_helper"

RSpec.describe "Case contacts", type: :system do
  before { visit case_contacts_board_path }

  it "shows the Filter button" do
    expect(page).to have_button("Filter")
  end
end
"""
VIEW = "app/views/case_contacts_board/index.html.erb"
SPEC = "spec/system/case_contacts_board_spec.rb"


async def test_tests_of_ui_the_change_removes_go_with_it(tmp_path: Path) -> None:
    """The Columns panel and its Update View button leave the page the spec visits: the tests
    driving them went with that UI (notices at most, no warning)."""
    base = {"Gemfile": GEMFILE, VIEW: PAGE, SPEC: SYSTEM_SPEC}
    head = {VIEW: PAGE_WITHOUT_COLUMNS, SPEC: SYSTEM_SPEC_LEFT}

    found = await removals(tmp_path, base, head)

    assert [f for f in found if f.severity.value in {"warning", "error"}] == []


async def test_tests_of_ui_the_page_still_shows_are_lost(tmp_path: Path) -> None:
    """The page still shows the Columns panel; the change only restyles it: its tests are lost."""
    restyled = PAGE.replace("<div>", '<div class="toolbar">', 1)
    base = {"Gemfile": GEMFILE, VIEW: PAGE, SPEC: SYSTEM_SPEC}
    head = {VIEW: restyled, SPEC: SYSTEM_SPEC_LEFT}

    found = await removals(tmp_path, base, head)

    assert [f.rule for f in found] == [REMOVED]


async def test_a_single_word_gone_from_another_page_retires_nothing(tmp_path: Path) -> None:
    """`Columns` leaves a page the spec does not visit, and the spec's page is untouched: the
    word is too common to say the test drove that page; only the phrase's test went."""
    other = "app/views/reports/index.html.erb"
    base = {"Gemfile": GEMFILE, other: PAGE, SPEC: SYSTEM_SPEC}
    head = {other: PAGE_WITHOUT_COLUMNS, SPEC: SYSTEM_SPEC_LEFT}

    found = await removals(tmp_path, base, head)

    assert [f.rule for f in found if f.severity.value == "warning"] == [REMOVED]
    assert "Columns" in found[0].message or "shows a Columns button" in found[0].message


def test_labels_a_test_drives_and_a_page_shows() -> None:
    assert labels.driven('click_button "Update View"\nhave_css("#cc-panel")') == {
        "update view",
        "cc-panel",
    }
    assert labels.driven('page.getByRole("button", { name: "Columns" })') == {"columns"}
    assert "update view" in labels.shown('<button id="x-y">\n  Update View\n</button>')
    assert "x-y" in labels.shown('<button id="x-y">Go</button>')
    assert labels.shown("<%# Filter comment %><p><%= t('x') %></p>") == frozenset()


URLS = """from django.urls import path

urlpatterns = [
    path('api/v2/token', TokenObtainPairView.as_view(), name='token_obtain_pair'),
    path('api/v2/token/refresh', TokenRefreshView.as_view(), name='token_refresh'),
]
"""
URLS_WITHOUT_OBTAIN = URLS.replace(
    "    path('api/v2/token', TokenObtainPairView.as_view(), name='token_obtain_pair'),\n", ""
)
TOKEN_TEST = """class ApiKeyTestCase(TestCase):
    def test_revoke(self):
        api = APIClient()
        obtain = api.post(
            '/api/v2/token',
            {'username': 'test', 'password': 'testtest'},
            format='json',
        )
        self.assertEqual(obtain.status_code, 200)
        old_refresh = obtain.data['refresh']
        self.client.post(reverse('revoke'))
        refreshed = api.post('/api/v2/token/refresh', {'refresh': old_refresh})
        self.assertEqual(refreshed.status_code, 401)
"""
TOKEN_TEST_MINTED = """class ApiKeyTestCase(TestCase):
    def test_revoke(self):
        api = APIClient()
        old_refresh = str(RefreshToken.for_user(User.objects.get(username='test')))
        self.client.post(reverse('revoke'))
        refreshed = api.post('/api/v2/token/refresh', {'refresh': old_refresh})
        self.assertEqual(refreshed.status_code, 401)
"""


async def test_a_check_of_a_request_to_a_deleted_route_goes_with_it(tmp_path: Path) -> None:
    """The change deletes `api/v2/token`: the test's request to it and the check of its status
    had nothing left to check (the token is minted another way)."""
    base = {"wger/urls.py": URLS, "wger/core/tests/test_apikey.py": TOKEN_TEST}
    head = {
        "wger/urls.py": URLS_WITHOUT_OBTAIN,
        "wger/core/tests/test_apikey.py": TOKEN_TEST_MINTED,
    }

    assert await removals(tmp_path, base, head) == []


async def test_a_check_of_a_request_to_a_kept_route_is_lost(tmp_path: Path) -> None:
    """The route stays (the change edits another one): the dropped status check is lost."""
    renamed = URLS.replace("name='token_refresh'", "name='refresh'")
    base = {"wger/urls.py": URLS, "wger/core/tests/test_apikey.py": TOKEN_TEST}
    head = {"wger/urls.py": renamed, "wger/core/tests/test_apikey.py": TOKEN_TEST_MINTED}

    found = await removals(tmp_path, base, head)

    assert [f.rule for f in found] == [ASSERTION]


def test_a_route_another_still_extends_is_deleted_alone() -> None:
    """`api/v2/token` goes, `api/v2/token/refresh` stays: only requests of the first match."""
    deleted = routes.Deleted.of([(URLS, URLS_WITHOUT_OBTAIN)])
    assert deleted.requested("api.post('/api/v2/token', {})")
    assert not deleted.requested("api.post('/api/v2/token/refresh', {})")
    assert not routes.Deleted.of([(URLS, URLS)]).requested("api.post('/api/v2/token', {})")


TASKS = """def _failed_debounce_key(event_id, endpoint_id=None):
    if endpoint_id is None:
        return None
    return f"failed:{endpoint_id}"


def send(event_id):
    enqueue("failed", event_id=event_id)
"""
TASKS_REVERTED = """def send(event_id):
    enqueue("failed", event_id=event_id)
"""
TASKS_TEST = """from app.webhook.tasks import _failed_debounce_key, send


def test_send_enqueues():
    assert send(1) is None


def test_collapses_events_of_one_endpoint():
    assert _failed_debounce_key(1, 7) == _failed_debounce_key(2, 7)


def test_no_key_without_endpoint():
    assert _failed_debounce_key(1) is None
"""
TASKS_TEST_LEFT = """from app.webhook.tasks import send


def test_send_enqueues():
    assert send(1) is None
"""


async def test_tests_of_a_private_function_the_change_deletes_are_retired(
    tmp_path: Path,
) -> None:
    """A revert deletes `_failed_debounce_key` (a private name, `_`-prefixed) and its tests:
    they went with the code, as tests of a public function would (a notice at most)."""
    base = {"app/webhook/tasks.py": TASKS, "tests/webhook/test_tasks.py": TASKS_TEST}
    head = {
        "app/webhook/tasks.py": TASKS_REVERTED,
        "tests/webhook/test_tasks.py": TASKS_TEST_LEFT,
    }

    found = await removals(tmp_path, base, head)

    assert [f for f in found if f.severity.value in {"warning", "error"}] == []


async def test_tests_of_a_private_function_that_stays_are_lost(tmp_path: Path) -> None:
    """The private function stays (only `send` changes): its removed tests are lost."""
    edited = TASKS.replace('enqueue("failed"', 'enqueue("webhook.failed"')
    base = {"app/webhook/tasks.py": TASKS, "tests/webhook/test_tasks.py": TASKS_TEST}
    head = {"app/webhook/tasks.py": edited, "tests/webhook/test_tasks.py": TASKS_TEST_LEFT}

    found = await removals(tmp_path, base, head)

    assert [f.rule for f in found] == [REMOVED]


def test_an_asymmetric_matcher_is_no_assertion_of_its_own() -> None:
    """`expect.objectContaining(...)` is a value `toContainEqual` compares with: the test makes
    one check there, not two; `expect.poll(...)` still checks."""
    spec = """import { expect, test } from "@playwright/test";

test("accounts", async ({ page }) => {
  expect(accounts).toContainEqual(expect.objectContaining({ email: EMAIL }));
  await expect.poll(() => page.url()).toContain(BASE);
});
"""
    suite = read(Source("e2e/accounts.spec.ts", spec))
    assert suite is not None
    assert len(suite.tests[0].assertions) == 2


async def test_a_helper_throwing_counts_once_for_a_matcher_check(tmp_path: Path) -> None:
    """The request and its `toContainEqual(expect.objectContaining(...))` check move into a
    throwing helper, and the test checks the email it returns: as many checks as before."""
    spec = SPEC_BASE.replace(
        "  const id = emailAccounts[0]?.id;\n",
        "  expect(emailAccounts).toContainEqual(expect.objectContaining({ email: EMAIL }));\n"
        "  const id = emailAccounts[0]?.id;\n",
    )
    now = SPEC_HEAD.replace(
        "  const id = await getEmailAccountId(page);\n",
        "  const account = await getEmailAccount(page);\n"
        "  expect(account.email).toBe(EMAIL);\n"
        "  const id = account.id;\n",
    ).replace("getEmailAccountId }", "getEmailAccount }")
    base = {"package.json": PACKAGE, "e2e/palette.spec.ts": spec}
    head = {"e2e/palette.spec.ts": now, "e2e/account-helpers.ts": HELPER}

    assert await removals(tmp_path, base, head) == []
