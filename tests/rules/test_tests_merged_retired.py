"""Tests merged into new ones, checks removed with the step they checked, fields reserved in a
.proto: kinds of false alarm seen on real pull requests, each with a look-alike that still warns.

Shaped like the real cases (rubygems.org folding five `/info` tests into "serves current
format", memos dropping the wait for shortcuts with the shortcut service, memos reserving
`display_time`), written small for these tests.
"""

from __future__ import annotations

from pathlib import Path

from bot.rules.model import Severity
from tests.gitrepo import Files
from tests.rules.removals import line_of, removals, summary

# --- Tests merged into a new one: every check they made reappears in tests the change adds ------

INFO = '''"""The compact index's /info answer."""


def info(name: str, created: bool = False) -> dict:
    body = f"1.0.0 |checksum:abc{',created_at:2026' if created else ''}"
    return {"status": 200, "body": body, "etag": f"e-{len(body)}", "key": f"info/{name}"}
'''

TEST_INFO = """from app.info import info


def test_info_with_existing_gem():
    expected = "1.0.0 gemA1:= 1.0.0|checksum:b5d4,ruby:>= 2.0.0,rubygems:>1.9"
    answer = info("gemA")
    assert answer["status"] == 200
    assert answer["body"] == expected
    assert answer["etag"] == etag(expected)


def test_info_has_surrogate_key():
    answer = info("gemA")
    assert answer["key"] == "info/gemA"


def test_info_is_cached():
    assert info("gemA") == info("gemA")
"""

MERGED = """from app.info import info


def test_info_serves_current_format():
    rubygem = create_rubygem(name="v2gem", owner="maintainer")
    version = create_version(rubygem, number="1.0.0", created_at=utc(2026, 5, 1))
    expected = f"1.0.0 |checksum:{version.sha},created_at:{version.created_at}"
    answer = info(rubygem.name, created=True)
    assert answer["status"] == 200
    assert answer["body"] == expected
    assert answer["etag"] == etag(expected)
    assert answer["key"] == "info/v2gem"


def test_info_is_cached():
    assert info("gemA") == info("gemA")
"""
NEW_FORMAT = INFO.replace("created: bool = False", "created: bool = True")


async def test_tests_merged_into_a_new_test_making_all_their_checks(tmp_path: Path) -> None:
    """Both old /info tests' checks are all made by the new test: nothing is lost."""
    base = {"app/__init__.py": "", "app/info.py": INFO, "tests/test_info.py": TEST_INFO}

    findings = await removals(
        tmp_path, base, {"app/info.py": NEW_FORMAT, "tests/test_info.py": MERGED}
    )

    assert findings == []


async def test_a_removed_test_whose_check_no_new_test_makes_still_warns(tmp_path: Path) -> None:
    """The new test leaves out the ETag check: the old test is not merged, it is lost."""
    base = {"app/__init__.py": "", "app/info.py": INFO, "tests/test_info.py": TEST_INFO}
    partial = MERGED.replace('    assert answer["etag"] == etag(expected)\n', "")

    findings = await removals(
        tmp_path, base, {"app/info.py": NEW_FORMAT, "tests/test_info.py": partial}
    )

    line = line_of(TEST_INFO, "def test_info_with_existing_gem")
    assert summary(findings) == [
        ("tests/removed-test", "tests/test_info.py", line, Severity.WARNING)
    ]


# --- A check removed in one piece with the step it checked, whose code the change retires ------

SESSION = '''"""What a signed-in session loads before it is ready."""


class Session:
    def __init__(self) -> None:
        self.settings_loaded = False
        self.shortcuts_loaded = False

    def receive_settings(self, settings: list) -> None:
        self.settings_loaded = True

    def receive_shortcuts(self, shortcuts: list) -> None:
        self.shortcuts_loaded = True

    @property
    def ready(self) -> bool:
        return self.settings_loaded and self.shortcuts_loaded
'''

TEST_SESSION = """from app.session import Session


def test_ready_once_everything_is_loaded():
    session = Session()
    session.receive_settings([])
    assert session.settings_loaded
    assert not session.ready

    session.receive_shortcuts([])
    assert session.ready
"""

NO_WAIT = """from app.session import Session


def test_ready_once_everything_is_loaded():
    session = Session()
    session.receive_settings([])
    assert session.settings_loaded
    assert session.ready
"""


async def test_a_check_removed_with_the_retired_step_it_waited_for(tmp_path: Path) -> None:
    """Shortcuts go: the "not ready yet" check, removed with the shortcuts step, goes with them."""
    base = {"app/__init__.py": "", "app/session.py": SESSION, "tests/test_session.py": TEST_SESSION}
    retired = (
        SESSION.replace("        self.shortcuts_loaded = False\n", "")
        .replace(
            "    def receive_shortcuts(self, shortcuts: list) -> None:\n"
            "        self.shortcuts_loaded = True\n\n",
            "",
        )
        .replace("self.settings_loaded and self.shortcuts_loaded", "self.settings_loaded")
    )

    findings = await removals(
        tmp_path, base, {"app/session.py": retired, "tests/test_session.py": NO_WAIT}
    )

    assert findings == []


async def test_the_same_check_removed_while_the_step_stays_warns(tmp_path: Path) -> None:
    """Shortcuts stay (the module changes elsewhere): the test no longer checks the wait."""
    base = {"app/__init__.py": "", "app/session.py": SESSION, "tests/test_session.py": TEST_SESSION}
    elsewhere = SESSION.replace("What a signed-in", "What a")

    findings = await removals(
        tmp_path, base, {"app/session.py": elsewhere, "tests/test_session.py": NO_WAIT}
    )

    line = line_of(TEST_SESSION, "assert not session.ready")
    assert summary(findings) == [
        ("tests/removed-assertion", "tests/test_session.py", line, Severity.WARNING)
    ]


# --- A field the change reserves in a .proto file is retired, however other code spells it ------

PROTO = """syntax = "proto3";

message Memo {
  string content = 1;
  int64 create_time = 2;
  int64 display_time = 3;
}
"""
RESERVED = PROTO.replace(
    "  int64 display_time = 3;\n", '  reserved 3;\n  reserved "display_time";\n'
)
CLIENT = """export function shownAt(memo: { createTime: number }, displayTime?: number): number {
  return displayTime ?? memo.createTime;
}
"""

TEST_MEMOS = """from app.memos import create_memo


def test_create_memo_with_custom_times():
    memo = create_memo(create_time=1, display_time=3)
    assert memo.create_time == 1
    assert memo.display_time == 3


def test_memos_order_by_display_time_is_refused():
    assert create_memo.order_by("display_time") is None
"""
WITHOUT_DISPLAY = TEST_MEMOS.replace("create_time=1, display_time=3", "create_time=1").replace(
    "    assert memo.display_time == 3\n", ""
)
MEMOS = """def create_memo(**fields):
    return fields
"""


def memo_repo(proto: str) -> tuple[Files, Files]:
    base = {
        "proto/memo.proto": PROTO,
        "web/memo.ts": CLIENT,
        "app/__init__.py": "",
        "app/memos.py": MEMOS,
        "tests/test_memos.py": TEST_MEMOS,
    }
    head = {
        "proto/memo.proto": proto,
        "web/memo.ts": CLIENT.replace("number {", "number  {"),
        "app/memos.py": MEMOS.replace("fields\n", "dict(fields)\n"),
        "tests/test_memos.py": WITHOUT_DISPLAY,
    }
    return base, head


async def test_checks_of_a_field_the_proto_reserves_go_with_it(tmp_path: Path) -> None:
    """`reserved "display_time"` retires the field, though the web client keeps a displayTime."""
    base, head = memo_repo(RESERVED)

    assert await removals(tmp_path, base, head) == []


async def test_checks_of_a_field_the_proto_keeps_are_lost(tmp_path: Path) -> None:
    """The field stays in the .proto: dropping its check loses it."""
    base, head = memo_repo(PROTO.replace("string content = 1;", "string content = 1; // text"))

    findings = await removals(tmp_path, base, head)

    line = line_of(TEST_MEMOS, "assert memo.display_time == 3")
    assert summary(findings) == [
        ("tests/removed-assertion", "tests/test_memos.py", line, Severity.WARNING)
    ]


# --- Tests of a helper deleted with them, most of which went with the code they tested ----------

RANKING = '''"""Order comments by confidence, in SQL."""

CONFIDENCE_SQL = "lpad(char(65535 - floor(confidence * 65535)), 2, char(0))"
JOIN_SQL = "concat(char(1), char(2))"


def confidence_order(confidence: float) -> bytes:
    return (65535 - int(confidence * 65535)).to_bytes(2, "big")
'''
IN_PYTHON = '''"""Order comments by confidence."""


def confidence_order(confidence: float) -> bytes:
    return (65535 - int(confidence * 65535)).to_bytes(2, "big")
'''

TEST_RANKING = """from app.ranking import confidence_order


def one_result(sql):
    return connection.execute(f"SELECT {sql}").fetchone()[0]


def test_char_handles_zero():
    assert one_result("char(0)") == b"\\\\x00"


def test_concat_joins_bytes():
    assert one_result("concat(char(1), char(2))") == b"\\\\x01\\\\x02"


def test_lpad_pads_on_the_left():
    assert one_result("lpad(char(1), 2, char(0))") == b"\\\\x00\\\\x01"


def test_mask_keeps_the_lowest_byte():
    assert one_result("258 & 255") == 2


def test_confidence_order_is_two_bytes():
    assert len(confidence_order(0.5)) == 2
"""
KEPT_RANKING = (
    TEST_RANKING[: TEST_RANKING.index("def one_result")]
    + TEST_RANKING[TEST_RANKING.index("def test_confidence_order") :]
)


async def test_the_last_tests_of_a_deleted_helper_of_retired_code_go_with_it(
    tmp_path: Path,
) -> None:
    """The SQL goes to Python: the helper's SQL tests retire it, and its mask test with it."""
    base = {"app/__init__.py": "", "app/ranking.py": RANKING, "tests/test_ranking.py": TEST_RANKING}

    findings = await removals(
        tmp_path, base, {"app/ranking.py": IN_PYTHON, "tests/test_ranking.py": KEPT_RANKING}
    )

    assert [f.severity for f in findings] == [Severity.NOTICE]


async def test_the_tests_of_a_deleted_helper_whose_code_stays_are_lost(tmp_path: Path) -> None:
    """The SQL stays: deleting the helper and its tests leaves that SQL untested."""
    base = {"app/__init__.py": "", "app/ranking.py": RANKING, "tests/test_ranking.py": TEST_RANKING}
    elsewhere = RANKING.replace("in SQL.", "in SQL, lowest first.")

    findings = await removals(
        tmp_path, base, {"app/ranking.py": elsewhere, "tests/test_ranking.py": KEPT_RANKING}
    )

    line = line_of(TEST_RANKING, "def test_char_handles_zero")
    assert summary(findings) == [
        ("tests/removed-test", "tests/test_ranking.py", line, Severity.WARNING)
    ]
    assert "test_mask_keeps_the_lowest_byte" in findings[0].message


# --- Checks of a value's parts replaced by one comparison of the whole value --------------------

REPOS = '''"""List an installation's repositories."""


def fetch_repositories(client) -> dict:
    return {"results": client.get("/installation/repositories")["repositories"]}
'''

TEST_REPOS = """from app.repos import fetch_repositories


def test_fetch_repositories_returns_them(client):
    data = fetch_repositories(client)
    other = fetch_repositories(client)
    assert "results" in data
    assert len(data["results"]) == 1
"""


def repos_head(check: str) -> str:
    kept = TEST_REPOS.replace('    assert "results" in data\n', "")
    return kept.replace('    assert len(data["results"]) == 1\n', check)


async def test_parts_checked_whole_with_a_literal_lose_nothing(tmp_path: Path) -> None:
    """Key present and length one give way to the whole list compared: nothing is lost."""
    base = {"app/__init__.py": "", "app/repos.py": REPOS, "tests/test_repos.py": TEST_REPOS}
    whole = '    assert data["results"] == [{"full_name": "acme/app", "id": 1}]\n'

    findings = await removals(
        tmp_path,
        base,
        {
            "app/repos.py": REPOS.replace("List an", "List"),
            "tests/test_repos.py": repos_head(whole),
        },
    )

    assert findings == []


async def test_another_value_compared_whole_does_not_replace_the_checks(tmp_path: Path) -> None:
    """The new comparison reads `other`, not `data`: the checks of `data` are lost."""
    base = {"app/__init__.py": "", "app/repos.py": REPOS, "tests/test_repos.py": TEST_REPOS}
    elsewhere = '    assert other["results"] == [{"full_name": "acme/app", "id": 1}]\n'

    findings = await removals(
        tmp_path,
        base,
        {
            "app/repos.py": REPOS.replace("List an", "List"),
            "tests/test_repos.py": repos_head(elsewhere),
        },
    )

    line = line_of(TEST_REPOS, 'assert "results" in data')
    assert summary(findings) == [
        ("tests/removed-assertion", "tests/test_repos.py", line, Severity.WARNING)
    ]


# --- A guard dropped from the module a test file is named after --------------------------------
# Shaped like maybe-finance's ChatsController losing its `ai_enabled` guard: the user model, the
# settings page and other controllers still read the flag, but this controller stops checking it.

CHATS = """class ChatsController < ApplicationController
  guard_feature unless: -> { Current.user.ai_enabled? }

  def create
    @chat = Current.user.chats.create!(chat_params)
    redirect_to chat_path(@chat)
  end
end
"""

USERS = """class UsersController < ApplicationController
  def update
    Current.user.update!(ai_enabled: params[:ai_enabled])
  end
end
"""

CHATS_TEST = """require "test_helper"

class ChatsControllerTest < ActionDispatch::IntegrationTest
  test "cannot create a chat if AI is disabled" do
    @user.update!(ai_enabled: false)
    post chats_url, params: { chat: { content: "Hello" } }
    assert_response :forbidden
  end

  test "creates a chat" do
    post chats_url, params: { chat: { content: "Hello" } }
    assert_redirected_to chat_url(Chat.last)
  end
end
"""

KEPT_CHATS_TEST = (
    CHATS_TEST[: CHATS_TEST.index('  test "cannot')]
    + CHATS_TEST[CHATS_TEST.index('  test "creates') :]
)
UNGUARDED = CHATS.replace("  guard_feature unless: -> { Current.user.ai_enabled? }\n\n", "")


async def test_a_test_of_a_guard_its_own_controller_drops_goes_with_it(tmp_path: Path) -> None:
    """The users controller still sets `ai_enabled`; the chats controller stops checking it."""
    findings = await removals(
        tmp_path,
        {
            "app/controllers/chats_controller.rb": CHATS,
            "app/controllers/users_controller.rb": USERS,
            "test/controllers/chats_controller_test.rb": CHATS_TEST,
        },
        {
            "app/controllers/chats_controller.rb": UNGUARDED,
            "app/controllers/users_controller.rb": USERS.replace("def update", "def update()"),
            "test/controllers/chats_controller_test.rb": KEPT_CHATS_TEST,
        },
    )

    line = line_of(CHATS_TEST, 'test "cannot create')
    assert summary(findings) == [
        ("tests/removed-test", "test/controllers/chats_controller_test.rb", line, Severity.NOTICE)
    ]


async def test_a_test_of_a_guard_moved_to_another_controller_is_lost(tmp_path: Path) -> None:
    """The guard moves to the messages controller the change adds: it is still there to test."""
    messages = CHATS.replace("Chats", "Messages").replace("chats", "messages")
    messages = messages.replace("chat_path(@chat)", "message_path(@chat)")
    findings = await removals(
        tmp_path,
        {
            "app/controllers/chats_controller.rb": CHATS,
            "test/controllers/chats_controller_test.rb": CHATS_TEST,
        },
        {
            "app/controllers/chats_controller.rb": UNGUARDED,
            "app/controllers/messages_controller.rb": messages,
            "test/controllers/chats_controller_test.rb": KEPT_CHATS_TEST,
        },
    )

    line = line_of(CHATS_TEST, 'test "cannot create')
    assert summary(findings) == [
        ("tests/removed-test", "test/controllers/chats_controller_test.rb", line, Severity.WARNING)
    ]
