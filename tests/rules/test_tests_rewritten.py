"""Removed tests and assertions that real pull requests rewrote, retired or covered otherwise.

Each kind of false alarm read on the real-PR benchmark (benchmarks/real_prs) has a look-alike
negative here, written for these tests in the shape of the real change, and a true positive that
must still be found on the line it names: a suite renamed test by test for a redesign, a test file
replaced by a new one, a test tied to a deleted helper or an error message the code stops raising,
checks rewritten for a replaced field or for a file no longer written, a contract test covered by
an updated snapshot, SQL checks whose query only archived migrations still spell.
"""

from __future__ import annotations

from pathlib import Path

from bot.rules.model import Severity
from tests.gitrepo import Files
from tests.rules.removals import line_of, removals, summary

# --- A suite renamed test by test, in order ----------------------------------------------------

SEARCH_TEST = """require "application_system_test_case"

class SearchBoxTest < ApplicationSystemTestCase
  setup do
    visit root_path
    @box = find_by_id "query"
    @box.set "rai"
  end

  test "submit button searches" do
    click_on class: "search__button"
    assert_text "rails"
  end

  test "hovered item is highlighted" do
    first(".hints li").hover
    assert_selector ".hints .current", count: 1
  end

  test "hints hidden for unknown gem" do
    @box.set "zzqx"
    assert_selector ".hints li", count: 0
  end

  test "escape closes the hints" do
    @box.send_keys :escape
    assert_no_selector ".hints"
  end
end
"""

REDESIGNED_SEARCH_TEST = """require "application_system_test_case"

class SearchBoxTest < ApplicationSystemTestCase
  setup do
    visit root_path
    @box = find_by_id "home_query"
    @box.set "rai"
  end

  test "submitting the box runs a search" do
    @box.ancestor("form").click_button
    assert_current_path search_path, ignore_query: true
  end

  test "hovering an option highlights only that one" do
    find("[role='option']", match: :first).hover
    assert_selector "[aria-selected='true']", count: 1
  end

  test "hints don't show for an unknown gem" do
    @box.set "zzqx"
    assert_no_selector "[role='option']"
  end

  test "escape closes the hints" do
    @box.send_keys :escape
    assert_no_selector "[role='listbox']"
  end
end
"""


async def test_a_suite_renamed_test_by_test_in_order_is_not_removed(tmp_path: Path) -> None:
    """A redesign rewrites each test where it stood, under a new title keeping some words."""
    findings = await removals(
        tmp_path,
        {
            "app/views/home/_search.html.erb": '<input id="query">\n',
            "test/search_test.rb": SEARCH_TEST,
        },
        {
            "app/views/home/_search.html.erb": '<input id="home_query" role="combobox">\n',
            "test/search_test.rb": REDESIGNED_SEARCH_TEST,
        },
    )

    assert findings == []


# Two tests of the search box, and two tests of other things that may take their places.
SUBMIT = (
    '  test "submit button searches" do\n'
    '    click_on class: "search__button"\n'
    '    assert_text "rails"\n'
)
HOVER = (
    '  test "hovered item is highlighted" do\n'
    '    first(".hints li").hover\n'
    '    assert_selector ".hints .current", count: 1\n'
)
FOOTER = (
    '  test "footer links to the blog" do\n'
    '    within("footer") { click_on "Blog" }\n'
    "    assert_current_path blog_path\n"
)
COOKIE = (
    '  test "cookie banner stays dismissed" do\n'
    '    click_on "Accept cookies"\n'
    '    assert_no_selector ".cookie-banner"\n'
)


async def test_tests_replaced_in_order_by_unrelated_tests_are_removed(tmp_path: Path) -> None:
    """Two tests replaced, in their places, by two tests of other things: still removed."""
    other = SEARCH_TEST.replace(SUBMIT, FOOTER).replace(HOVER, COOKIE)

    findings = await removals(
        tmp_path,
        {
            "app/views/home/_search.html.erb": '<input id="query">\n',
            "test/search_test.rb": SEARCH_TEST,
        },
        {"app/views/home/_search.html.erb": '<input id="q">\n', "test/search_test.rb": other},
    )

    # Lost, though a notice: the change adds as many tests as it drops.
    line = line_of(SEARCH_TEST, 'test "submit button searches"')
    assert summary(findings) == [
        ("tests/removed-test", "test/search_test.rb", line, Severity.NOTICE)
    ]
    assert "no test of the change repeats" in findings[0].message


# --- A test file replaced by a new one, its tests rewritten -------------------------------------

DEPS_TEST = """require "application_system_test_case"

class TransitiveDepsTest < ApplicationSystemTestCase
  test "expanding dependencies for the java platform" do
    release = create(:version, platform: "java")
    needed = create(:version, number: "2.0.0", platform: "java")
    create(:dependency, rubygem: needed.rubygem, version: release, requirements: "~> 2.0")
    visit rubygem_path(release.rubygem.slug)
    click_on "Show all transitive dependencies"
    assert_text(needed.rubygem.name)
    assert_text(needed.slug)
    find("span.expand-link").click
    assert_text(needed.number)
  end
end
"""

NEW_DEPS_TEST = """require "application_system_test_case"

class DependenciesTest < ApplicationSystemTestCase
  test "listed dependencies match the platform of the release" do
    release = create(:version, platform: "java")
    needed = create(:version, number: "2.0.0", platform: "java")
    create(:dependency, rubygem: needed.rubygem, version: release, requirements: "~> 2.0")
    visit rubygem_path(release.rubygem.slug)
    click_on "Dependencies"
    assert_text(needed.rubygem.name)
    assert_text(needed.slug)
  end
end
"""

DEPS_VIEW = '<ul class="deps"><%= render @dependencies %></ul>\n'


async def test_a_test_file_replaced_by_a_rewritten_one_is_not_deleted(tmp_path: Path) -> None:
    """Its test reappears renamed in a new file, trimmed of a step the redesign drops."""
    findings = await removals(
        tmp_path,
        {"app/views/dependencies/show.html.erb": DEPS_VIEW, "test/system/deps_test.rb": DEPS_TEST},
        {
            "app/views/dependencies/show.html.erb": DEPS_VIEW.replace("deps", "deps table"),
            "test/system/deps_test.rb": None,
            "test/system/dependencies_test.rb": NEW_DEPS_TEST,
        },
    )

    assert findings == []


async def test_a_test_file_replaced_by_one_sharing_its_setup_only_is_deleted(
    tmp_path: Path,
) -> None:
    """A new file whose test builds the same records but checks another page replaces nothing."""
    other = """require "application_system_test_case"

class OwnersTest < ApplicationSystemTestCase
  test "listing the owners of a java release" do
    release = create(:version, platform: "java")
    owner = create(:user)
    release.rubygem.owners << owner
    visit rubygem_owners_path(release.rubygem.slug)
    assert_text(owner.handle)
    assert_selector "li.owner", count: 1
  end
end
"""
    findings = await removals(
        tmp_path,
        {"app/views/dependencies/show.html.erb": DEPS_VIEW, "test/system/deps_test.rb": DEPS_TEST},
        {
            "app/views/dependencies/show.html.erb": DEPS_VIEW.replace("deps", "deps table"),
            "app/controllers/owners_controller.rb": "class OwnersController\nend\n",
            "test/system/deps_test.rb": None,
            "test/system/owners_test.rb": other,
        },
    )

    line = line_of(DEPS_TEST, 'test "expanding dependencies')
    assert summary(findings) == [
        ("tests/deleted-test-file", "test/system/deps_test.rb", line, Severity.ERROR)
    ]


# --- A test tied to retired code through a helper deleted with it ------------------------------

FLAG = """class FeatureFlag
  ORGANIZATIONS = :organizations
  SERVE_V2_INDEX = :serve_v2_index
end
"""

INDEX_CONTROLLER = """class IndexController < ApplicationController
  def show
    body = FeatureFlag.enabled?(FeatureFlag::SERVE_V2_INDEX) ? v2_body : v1_body
    render plain: body
  end
end
"""

INDEX_TEST = """require "test_helper"

class IndexTest < ActionDispatch::IntegrationTest
  def with_v2_served
    FeatureFlag.enable_globally(:serve_v2_index)
    yield
  ensure
    FeatureFlag.disable_globally(:serve_v2_index)
  end

  def etag_of(body)
    %("#{Digest::MD5.hexdigest(body)}")
  end

  test "/info keeps its etag when the serving switch flips" do
    get info_path(gem_name: "rack")
    before = @response.headers["ETag"]
    with_v2_served do
      get info_path(gem_name: "rack")
      assert_not_equal before, @response.headers["ETag"]
    end
  end

  test "/info answers with an etag of its body" do
    get info_path(gem_name: "rack")
    assert_equal etag_of(@response.body), @response.headers["ETag"]
  end

  test "/info for an unknown gem is not found" do
    get info_path(gem_name: "nope")
    assert_response :not_found
  end
end
"""


def _index_change(tests: str) -> tuple[Files, Files]:
    base = {
        "app/models/feature_flag.rb": FLAG,
        "app/controllers/index_controller.rb": INDEX_CONTROLLER,
        "test/integration/index_test.rb": INDEX_TEST,
    }
    head = {
        "app/models/feature_flag.rb": FLAG.replace("  SERVE_V2_INDEX = :serve_v2_index\n", ""),
        "app/controllers/index_controller.rb": INDEX_CONTROLLER.replace(
            "FeatureFlag.enabled?(FeatureFlag::SERVE_V2_INDEX) ? v2_body : v1_body", "v2_body"
        ),
        "test/integration/index_test.rb": tests,
    }
    return base, head


def _drop(text: str, start: str, end: str) -> str:
    """Remove from the line holding `start` up to the line before the one holding `end`."""
    return text[: text.index(start)] + text[text.index(end) :]


async def test_a_test_using_a_deleted_helper_of_retired_code_is_retired(tmp_path: Path) -> None:
    """The serving flag goes; the test flipping it through `with_v2_served` goes with it."""
    tests = _drop(INDEX_TEST, "  def with_v2_served", "  def etag_of")
    tests = _drop(tests, '  test "/info keeps its etag', '  test "/info answers')

    findings = await removals(tmp_path, *_index_change(tests))

    line = line_of(INDEX_TEST, 'test "/info keeps its etag')
    path = "test/integration/index_test.rb"
    assert summary(findings) == [("tests/removed-test", path, line, Severity.NOTICE)]


async def test_a_test_using_a_deleted_helper_of_kept_code_is_removed(tmp_path: Path) -> None:
    """`etag_of` is deleted with its test, but it used nothing the change retires: a warning."""
    tests = _drop(INDEX_TEST, "  def etag_of", '  test "/info keeps its etag')
    tests = _drop(tests, '  test "/info answers', '  test "/info for an unknown')

    findings = await removals(tmp_path, *_index_change(tests))

    line = line_of(INDEX_TEST, 'test "/info answers')
    path = "test/integration/index_test.rb"
    assert summary(findings) == [("tests/removed-test", path, line, Severity.WARNING)]


# --- A test of a message the code it tests stops saying ------------------------------------------

REBUILD_ACTION = """class RebuildIndexAction < ApplicationAction
  CHOICES = { "1" => [1], "2" => [2], "both" => [1, 2] }.freeze

  def handle(fields)
    choices(fields["version"]).each { |version| RebuildIndexJob.perform_later(version:) }
    succeed("Rebuild scheduled")
  rescue ArgumentError => e
    errors << e.message
  end

  private

  def choices(selected)
    CHOICES.fetch(selected.to_s) do
      raise ArgumentError, "Unsupported index version: #{selected}"
    end
  end
end
"""

REBUILD_TEST = """require "test_helper"

class RebuildIndexActionTest < ActiveJob::TestCase
  test "schedules a rebuild" do
    RebuildIndexAction.new.handle("version" => "2")
    assert_enqueued_with(job: RebuildIndexJob, args: [version: 2])
  end

  test "refuses an unsupported version" do
    action = RebuildIndexAction.new
    action.handle("version" => "3")
    assert_equal ["Unsupported index version: 3"], action.errors
  end
end
"""

CURRENT_ONLY = """class RebuildIndexAction < ApplicationAction
  def handle(_fields)
    RebuildIndexJob.perform_later(version: 2)
    succeed("Rebuild scheduled")
    errors.clear
  end
end
"""


async def test_a_test_of_a_message_its_code_stops_raising_is_retired(tmp_path: Path) -> None:
    """The action no longer takes a version, so its "Unsupported index version" check goes."""
    tests = REBUILD_TEST[: REBUILD_TEST.index('\n  test "refuses')] + "\nend\n"

    findings = await removals(
        tmp_path,
        {
            "app/actions/rebuild_index_action.rb": REBUILD_ACTION,
            "test/rebuild_test.rb": REBUILD_TEST,
        },
        {"app/actions/rebuild_index_action.rb": CURRENT_ONLY, "test/rebuild_test.rb": tests},
    )

    line = line_of(REBUILD_TEST, 'test "refuses an unsupported')
    assert summary(findings) == [
        ("tests/removed-test", "test/rebuild_test.rb", line, Severity.NOTICE)
    ]


async def test_a_test_of_a_message_the_code_rewords_is_removed(tmp_path: Path) -> None:
    """The message is reworded where it was raised: the test was deleted, not retired."""
    tests = REBUILD_TEST[: REBUILD_TEST.index('\n  test "refuses')] + "\nend\n"
    reworded = REBUILD_ACTION.replace(
        '"Unsupported index version: #{selected}"',
        '"Unsupported version of the index: #{selected}"',
    )

    findings = await removals(
        tmp_path,
        {
            "app/actions/rebuild_index_action.rb": REBUILD_ACTION,
            "test/rebuild_test.rb": REBUILD_TEST,
        },
        {"app/actions/rebuild_index_action.rb": reworded, "test/rebuild_test.rb": tests},
    )

    line = line_of(REBUILD_TEST, 'test "refuses an unsupported')
    assert summary(findings) == [
        ("tests/removed-test", "test/rebuild_test.rb", line, Severity.WARNING)
    ]


# --- Checks rewritten for what the code now does --------------------------------------------------

UPLOAD_JOB = '''"""Upload the names file to the bucket."""

PREFIXES = {1: "names", 2: "v2/names"}


def upload_names(bucket, body: str) -> None:
    for version, key in PREFIXES.items():
        bucket.store(key, body, metadata={"surrogate-key": f"{key} s3-{key}"})
'''

UPLOAD_TEST = """from jobs.upload import upload_names


def test_uploads_the_names_file(bucket):
    upload_names(bucket, "---\\nrack\\n")
    assert bucket.get("names") == "---\\nrack\\n"
    assert bucket.get("v2/names") == "---\\nrack\\n"
    assert bucket.head("names")["metadata"] == {"surrogate-key": "names s3-names"}
    assert bucket.head("v2/names")["metadata"] == {"surrogate-key": "v2/names s3-v2/names"}
"""


async def test_checks_of_a_file_the_test_now_asserts_absent_are_not_lost(tmp_path: Path) -> None:
    """`names` is no longer uploaded: its content check becomes an absence check on the same
    call, and its metadata check goes, as the test now says the file is not there at all."""
    job = UPLOAD_JOB.replace('{1: "names", 2: "v2/names"}', '{2: "v2/names"}')
    tests = UPLOAD_TEST.replace(
        '    assert bucket.get("names") == "---\\nrack\\n"\n',
        '    assert bucket.get("names") is None\n',
    ).replace(
        '    assert bucket.head("names")["metadata"] == {"surrogate-key": "names s3-names"}\n', ""
    )

    findings = await removals(
        tmp_path,
        {"jobs/__init__.py": "", "jobs/upload.py": UPLOAD_JOB, "tests/test_upload.py": UPLOAD_TEST},
        {"jobs/upload.py": job, "tests/test_upload.py": tests},
    )

    assert findings == []


async def test_an_absence_check_of_another_file_explains_no_lost_check(tmp_path: Path) -> None:
    """The test now says some other key is absent: the dropped checks of `names` are lost."""
    job = UPLOAD_JOB.replace('{1: "names", 2: "v2/names"}', '{2: "v2/names"}')
    tests = UPLOAD_TEST.replace(
        '    assert bucket.get("names") == "---\\nrack\\n"\n',
        '    assert bucket.get("v1/names") is None\n',
    ).replace(
        '    assert bucket.head("names")["metadata"] == {"surrogate-key": "names s3-names"}\n', ""
    )

    findings = await removals(
        tmp_path,
        {"jobs/__init__.py": "", "jobs/upload.py": UPLOAD_JOB, "tests/test_upload.py": UPLOAD_TEST},
        {"jobs/upload.py": job, "tests/test_upload.py": tests},
    )

    line = line_of(UPLOAD_TEST, 'assert bucket.get("names") ==')
    path = "tests/test_upload.py"
    assert summary(findings) == [("tests/removed-assertion", path, line, Severity.WARNING)]


RULES_SCHEMA = """from pydantic import BaseModel


class PlanCategory(BaseModel):
    slug: str


class PlanRuleOut(BaseModel):
    day: str
    categories: list[PlanCategory] = []
"""

FILTERED_SCHEMA = """from pydantic import BaseModel


class PlanRuleOut(BaseModel):
    day: str
    query_filter_string: str = ""
"""

RULES_TEST = """from app.schema.plan_rules import PlanRuleOut


def test_create_rule(client, category):
    data = client.post("/rules", json={"day": "monday", "categories": [category]}).json()
    assert data["day"] == "monday"
    assert len(data["categories"]) == 1
    assert data["categories"][0]["slug"] == category["slug"]
    assert PlanRuleOut(**data).day == "monday"


def test_categories_are_listed(client, category):
    assert client.get("/categories").json()[0]["slug"] == category["slug"]
"""


async def test_checks_of_a_replaced_field_rewritten_for_its_replacement(tmp_path: Path) -> None:
    """`categories` gives way to `query_filter_string`: two checks of the old field become one
    of the new, though other code and tests still speak of categories."""
    tests = RULES_TEST.replace(
        '    assert len(data["categories"]) == 1\n'
        '    assert data["categories"][0]["slug"] == category["slug"]\n',
        '    assert data["query_filter_string"] == f"category.id IN [{category[\'id\']}]"\n',
    ).replace(
        '"categories": [category]', '"query_filter_string": f"category.id IN [{category[\'id\']}]"'
    )

    findings = await removals(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/schema/plan_rules.py": RULES_SCHEMA,
            "tests/test_rules.py": RULES_TEST,
        },
        {"app/schema/plan_rules.py": FILTERED_SCHEMA, "tests/test_rules.py": tests},
    )

    assert findings == []


async def test_checks_of_a_field_that_stays_replaced_by_others_are_lost(tmp_path: Path) -> None:
    """The schema keeps `categories` and gains a field: dropping the category checks loses them."""
    schema = RULES_SCHEMA + '    query_filter_string: str = ""\n'
    tests = RULES_TEST.replace(
        '    assert len(data["categories"]) == 1\n'
        '    assert data["categories"][0]["slug"] == category["slug"]\n',
        '    assert data["query_filter_string"] == ""\n',
    )

    findings = await removals(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/schema/plan_rules.py": RULES_SCHEMA,
            "tests/test_rules.py": RULES_TEST,
        },
        {"app/schema/plan_rules.py": schema, "tests/test_rules.py": tests},
    )

    line = line_of(RULES_TEST, 'assert len(data["categories"])')
    path = "tests/test_rules.py"
    assert summary(findings) == [("tests/removed-assertion", path, line, Severity.WARNING)]


# --- A contract test covered by a snapshot the change updates ------------------------------------

DOCS_ROUTER = """from ninja import Router

router = Router()


@router.get("/documents/", auth=[bearer, anonymous], openapi_extra={"security": [{}]})
def list_documents(request):
    return []
"""

SCHEMA_TEST = """import json
from pathlib import Path

from app.api import api

SNAPSHOT = Path(__file__).parent / "snapshots" / "openapi.json"


class TestSchema:
    def test_documents_security(self):
        schema = api.get_openapi_schema()
        security = schema["paths"]["/documents/"]["get"]["security"]
        assert security == [{"BearerAuth": []}, {}]

    def test_schema_matches_snapshot(self):
        schema = api.get_openapi_schema()
        assert json.loads(json.dumps(schema)) == json.loads(SNAPSHOT.read_text())
"""

SNAPSHOT_JSON = '{"paths": {"/documents/": {"get": {"security": [{"BearerAuth": []}, {}]}}}}\n'


def _schema_change(snapshot: str) -> tuple[Files, Files]:
    without_contract = (
        SCHEMA_TEST[: SCHEMA_TEST.index("    def test_documents_security")]
        + (SCHEMA_TEST[SCHEMA_TEST.index("    def test_schema_matches") :])
    )
    base = {
        "app/__init__.py": "",
        "app/documents.py": DOCS_ROUTER,
        "app/tests/test_schema.py": SCHEMA_TEST,
        "app/tests/snapshots/openapi.json": SNAPSHOT_JSON,
    }
    head = {
        "app/documents.py": DOCS_ROUTER.replace(', openapi_extra={"security": [{}]}', ""),
        "app/tests/test_schema.py": without_contract,
        "app/tests/snapshots/openapi.json": snapshot,
    }
    return base, head


async def test_a_contract_test_covered_by_an_updated_snapshot_is_not_lost(tmp_path: Path) -> None:
    """The kept snapshot test compares the whole schema, and the change updates its snapshot."""
    updated = SNAPSHOT_JSON.replace(", {}]", "]")

    findings = await removals(tmp_path, *_schema_change(updated))

    assert findings == []


async def test_a_contract_test_is_lost_when_the_snapshot_is_not_updated(tmp_path: Path) -> None:
    """Without the snapshot in the change, nothing says the whole output is still compared."""
    base, head = _schema_change(SNAPSHOT_JSON)
    head = {path: text for path, text in head.items() if not path.endswith(".json")}

    findings = await removals(tmp_path, base, head)

    line = line_of(SCHEMA_TEST, "def test_documents_security")
    path = "app/tests/test_schema.py"
    assert summary(findings) == [("tests/removed-test", path, line, Severity.WARNING)]


# --- SQL checks retired with their query, which archived migrations still spell ------------------

SCORES = """class Comment < ApplicationRecord
  def recalculate!
    Comment.connection.execute <<~SQL
      UPDATE comments SET rank = lpad(char(65535 - floor(score) using binary), 2, '\\\\0')
    SQL
  end
end
"""

PORTED_SCORES = """class Comment < ApplicationRecord
  def recalculate!
    update!(rank: [65535 - (confidence * 65535).floor].pack("n"))
  end
end
"""

OLD_MIGRATION = """class MaterializeRank < ActiveRecord::Migration[7.0]
  def up
    execute "UPDATE comments SET rank = lpad(char(0 using binary), 2, '\\\\0')"
  end
end
"""

SQL_SPEC = """require "rails_helper"

# Comment#recalculate! builds its rank with these SQL functions: check them first.
def one_result(sql)
  ActiveRecord::Base.connection.exec_query("SELECT #{sql};").first.first.last
end

describe "sql assumptions" do
  it "pads one byte to two" do
    expect(one_result("lpad(char(7 using binary), 2, '\\\\0')").bytes).to eq([0, 7])
  end

  it "ranks a comment" do
    expect(create(:comment).rank).to be_present
  end
end
"""


async def test_sql_checks_retired_with_their_query_while_old_migrations_keep_it(
    tmp_path: Path,
) -> None:
    """The query moves to Ruby; migrations moved to db/old_migrations still spell `lpad`."""
    spec = SQL_SPEC[: SQL_SPEC.index('  it "pads one')] + SQL_SPEC[SQL_SPEC.index('  it "ranks') :]

    findings = await removals(
        tmp_path,
        {
            "app/models/comment.rb": SCORES,
            "db/migrate/20230101000000_materialize_rank.rb": OLD_MIGRATION,
            "spec/sql_spec.rb": SQL_SPEC,
        },
        {
            "app/models/comment.rb": PORTED_SCORES,
            "db/migrate/20230101000000_materialize_rank.rb": None,
            "db/old_migrations/20230101000000_materialize_rank.rb": OLD_MIGRATION,
            "spec/sql_spec.rb": spec,
        },
    )

    line = line_of(SQL_SPEC, 'it "pads one byte')
    assert summary(findings) == [("tests/removed-test", "spec/sql_spec.rb", line, Severity.NOTICE)]


async def test_sql_checks_removed_while_application_code_keeps_the_query(tmp_path: Path) -> None:
    """Another model still runs `lpad(char(...))`: the SQL check going is a lost test."""
    spec = SQL_SPEC[: SQL_SPEC.index('  it "pads one')] + SQL_SPEC[SQL_SPEC.index('  it "ranks') :]
    story = SCORES.replace("Comment", "Story").replace("comments", "stories")

    findings = await removals(
        tmp_path,
        {
            "app/models/comment.rb": SCORES,
            "app/models/story.rb": story,
            "spec/sql_spec.rb": SQL_SPEC,
        },
        {
            "app/models/comment.rb": PORTED_SCORES,
            "app/models/story.rb": story.replace("def recalculate!", "def recalculate!(*)"),
            "spec/sql_spec.rb": spec,
        },
    )

    line = line_of(SQL_SPEC, 'it "pads one byte')
    assert summary(findings) == [("tests/removed-test", "spec/sql_spec.rb", line, Severity.WARNING)]


# --- A check of an attribute the code stops setting ---------------------------------------------

AFTER_WRITE = """from app.gem_info import GemInfo


def after_version_write(version) -> None:
    info = GemInfo(version.rubygem_name)
    version.info_checksum = info.info_checksum(compact=1)
    version.info_checksum_v2 = info.info_checksum(compact=2)
    version.save()
"""

PUSH_TEST = """from app.jobs import after_version_write


def test_push_records_checksums(version, info_body):
    after_version_write(version)
    assert version.info_checksum == md5(info_body(compact=1))
    assert version.info_checksum_v2 == md5(info_body(compact=2))
    assert version.info_checksum != version.info_checksum_v2
"""


async def test_checks_of_an_attribute_the_code_stops_setting_are_not_lost(tmp_path: Path) -> None:
    """Only the v2 checksum is still written: the checks of the v1 one go with its assignment."""
    job = AFTER_WRITE.replace("    version.info_checksum = info.info_checksum(compact=1)\n", "")
    tests = PUSH_TEST.replace(
        "    assert version.info_checksum == md5(info_body(compact=1))\n", ""
    ).replace("    assert version.info_checksum != version.info_checksum_v2\n", "")

    findings = await removals(
        tmp_path,
        {"app/__init__.py": "", "app/jobs.py": AFTER_WRITE, "tests/test_push.py": PUSH_TEST},
        {"app/jobs.py": job, "tests/test_push.py": tests},
    )

    assert findings == []


async def test_checks_of_an_attribute_set_elsewhere_now_are_lost(tmp_path: Path) -> None:
    """The assignment moves to another module of the change: the attribute is still set."""
    job = AFTER_WRITE.replace("    version.info_checksum = info.info_checksum(compact=1)\n", "")
    legacy = "def backfill(version, info):\n    version.info_checksum = info.info_checksum(1)\n"
    tests = PUSH_TEST.replace("    assert version.info_checksum == md5(info_body(compact=1))\n", "")

    findings = await removals(
        tmp_path,
        {"app/__init__.py": "", "app/jobs.py": AFTER_WRITE, "tests/test_push.py": PUSH_TEST},
        {"app/jobs.py": job, "app/backfill.py": legacy, "tests/test_push.py": tests},
    )

    line = line_of(PUSH_TEST, "assert version.info_checksum == md5")
    path = "tests/test_push.py"
    assert summary(findings) == [("tests/removed-assertion", path, line, Severity.WARNING)]


# --- Checks of an object's parts replaced by a snapshot of the whole object ---------------------

CARD_TEST = """import { mount } from '@vue/test-utils';
import Card from './Card.vue';

test('renders the recipe card', () => {
  const wrapper = mount(Card, { props: { title: 'Soup', minutes: 20 } });
  expect(wrapper.find('h2').text()).toBe('Soup');
  expect(wrapper.find('.time').text()).toBe('20 min');
  expect(wrapper.classes()).toContain('card');
});
"""

CARD = '<template><article class="card"><h2>{{ title }}</h2></article></template>\n'


async def test_checks_replaced_by_a_snapshot_of_the_same_object_are_not_lost(
    tmp_path: Path,
) -> None:
    """Three checks of the mounted card become one snapshot of its whole markup."""
    snapshot = CARD_TEST.replace(
        "  expect(wrapper.find('h2').text()).toBe('Soup');\n"
        "  expect(wrapper.find('.time').text()).toBe('20 min');\n"
        "  expect(wrapper.classes()).toContain('card');\n",
        "  expect(wrapper.html()).toMatchSnapshot();\n",
    )

    findings = await removals(
        tmp_path,
        {"src/Card.vue": CARD, "src/Card.test.js": CARD_TEST},
        {"src/Card.vue": CARD.replace("h2", "h3"), "src/Card.test.js": snapshot},
    )

    assert findings == []


async def test_checks_replaced_by_a_snapshot_of_another_object_are_lost(tmp_path: Path) -> None:
    """A snapshot of the props passed in says nothing of what the card renders."""
    snapshot = CARD_TEST.replace(
        "  expect(wrapper.find('h2').text()).toBe('Soup');\n"
        "  expect(wrapper.find('.time').text()).toBe('20 min');\n"
        "  expect(wrapper.classes()).toContain('card');\n",
        "  expect(Card.props).toMatchSnapshot();\n",
    )

    findings = await removals(
        tmp_path,
        {"src/Card.vue": CARD, "src/Card.test.js": CARD_TEST},
        {"src/Card.vue": CARD.replace("h2", "h3"), "src/Card.test.js": snapshot},
    )

    line = line_of(CARD_TEST, "expect(wrapper.find('h2')")
    path = "src/Card.test.js"
    assert summary(findings) == [("tests/removed-assertion", path, line, Severity.WARNING)]


# --- A test that follows its code to a new module's test file -----------------------------------

WARM_JOB = """class WarmCacheJob < ApplicationJob
  def perform
    paths.each { |path| render_to_cache(path) }
  end

  def paths
    %w[/ /recent /comments]
  end

  def render_to_cache(path)
    session = ActionDispatch::Integration::Session.new(Rails.application)
    session.get(path)
    raise "render failed: #{session.response.status} for #{path}" unless session.response.ok?
    ApplicationController.cache_page(session.response.body, path, nil, false)
  end
end
"""

DELEGATING_JOB = """class WarmCacheJob < ApplicationJob
  def perform
    ActiveJob.perform_all_later(paths.map { |path| RenderPageJob.new(path) })
  end

  def paths
    %w[/ /recent /comments]
  end
end
"""

RENDER_JOB = """class RenderPageJob < ApplicationJob
  def perform(path)
    session = ActionDispatch::Integration::Session.new(Rails.application)
    session.get(path)
    raise "render failed: #{session.response.status} for #{path}" unless session.response.ok?
    ApplicationController.cache_page(session.response.body, path, nil, false)
  end
end
"""

WARM_SPEC = """require "rails_helper"

RSpec.describe WarmCacheJob, type: :job do
  it "writes the front, recent and comments pages into the page cache" do
    story = create(:story, title: "Warm caches")
    dir = ActionController::Base.page_cache_directory
    WarmCacheJob.perform_now
    expect(Dir.glob("*.html", base: dir)).to include("index.html", "recent.html", "comments.html")
    expect(File.read(File.join(dir, "index.html"))).to include(story.title)
    expect(File.size(File.join(dir, "recent.html"))).to be > 0
  end
end
"""

ENQUEUE_SPEC = """require "rails_helper"

RSpec.describe WarmCacheJob, type: :job do
  include ActiveJob::TestHelper

  it "queues a render of each warm page" do
    WarmCacheJob.perform_now
    %w[/ /recent /comments].each { |path| expect(RenderPageJob).to have_been_enqueued.with(path) }
  end
end
"""


def _warm_change(render_spec: str) -> tuple[Files, Files]:
    base = {"app/jobs/warm_cache_job.rb": WARM_JOB, "spec/jobs/warm_cache_job_spec.rb": WARM_SPEC}
    head = {
        "app/jobs/warm_cache_job.rb": DELEGATING_JOB,
        "app/jobs/render_page_job.rb": RENDER_JOB,
        "spec/jobs/warm_cache_job_spec.rb": ENQUEUE_SPEC,
        "spec/jobs/render_page_job_spec.rb": render_spec,
    }
    return base, head


async def test_a_test_that_follows_its_code_to_a_new_module_is_not_lost(tmp_path: Path) -> None:
    """The rendering moves to a new job; its check of the cached file moves to that job's spec."""
    render_spec = """require "rails_helper"

RSpec.describe RenderPageJob, type: :job do
  it "writes one page into the page cache" do
    dir = ActionController::Base.page_cache_directory
    RenderPageJob.perform_now("/recent")
    expect(File.exist?(File.join(dir, "recent.html"))).to be true
  end
end
"""
    findings = await removals(tmp_path, *_warm_change(render_spec))

    assert findings == []


async def test_a_test_whose_code_moved_but_whose_check_did_not_is_lost(tmp_path: Path) -> None:
    """The new job's spec only checks the failure path: nothing checks the cached file now."""
    render_spec = """require "rails_helper"

RSpec.describe RenderPageJob, type: :job do
  it "raises when the page does not render" do
    expect { RenderPageJob.perform_now("/missing") }.to raise_error(/render failed: 404/)
  end
end
"""
    findings = await removals(tmp_path, *_warm_change(render_spec))

    # Lost, though a notice: the change adds as many tests as it drops.
    line = line_of(WARM_SPEC, 'it "writes the front, recent')
    path = "spec/jobs/warm_cache_job_spec.rb"
    assert summary(findings) == [("tests/removed-test", path, line, Severity.NOTICE)]
    assert "no test of the change repeats" in findings[0].message


# --- A suite rewritten for a redesigned feature: more tests than it had ---------------------------
# Shaped like memos restoring collapsible tag trees: the test of the old flat rendering goes, and
# the tests of the new disclosure behaviour share neither its name nor its body.

TAG_TREE_TEST = """import { render, screen } from "@testing-library/react";
import { TagTree } from "@/components/TagTree";

describe("TagTree", () => {
  it("shows every nested tag without disclosure icons", () => {
    const { container } = render(<TagTree tags={["work/a", "work/b"]} flat />);
    expect(container.querySelectorAll("li.nested")).toHaveLength(2);
    expect(container.querySelector("svg.disclosure-icon")).toBeNull();
  });
});
"""

COLLAPSIBLE_TAG_TREE_TEST = """import { fireEvent, render, screen } from "@testing-library/react";
import { TagTree } from "@/components/TagTree";

describe("TagTree", () => {
  it("starts collapsed and expands via the chevron", () => {
    render(<TagTree tags={["work/a"]} />);
    fireEvent.click(screen.getByRole("button", { name: "Expand work" }));
    expect(screen.getByText("a")).toBeVisible();
  });

  it("filters on the full path when a nested tag is clicked", () => {
    const onSelect = vi.fn();
    render(<TagTree tags={["work/a"]} onSelect={onSelect} defaultOpen />);
    fireEvent.click(screen.getByText("a"));
    expect(onSelect).toHaveBeenCalledWith("work/a");
  });
});
"""

TAG_TREE = "export function TagTree({ tags }) {\n  return tags.map((t) => <li>{t}</li>);\n}\n"
COLLAPSIBLE_TAG_TREE = TAG_TREE.replace("<li>{t}</li>", "<Disclosure tag={t} />")


async def test_a_test_dropped_as_its_suite_grows_is_a_notice(tmp_path: Path) -> None:
    """One test of the old rendering goes, two tests of the new one come: rewritten, not lost."""
    findings = await removals(
        tmp_path,
        {"web/components/TagTree.tsx": TAG_TREE, "web/tests/tag-tree.test.tsx": TAG_TREE_TEST},
        {
            "web/components/TagTree.tsx": COLLAPSIBLE_TAG_TREE,
            "web/tests/tag-tree.test.tsx": COLLAPSIBLE_TAG_TREE_TEST,
        },
    )

    line = line_of(TAG_TREE_TEST, 'it("shows every nested tag')
    assert summary(findings) == [
        ("tests/removed-test", "web/tests/tag-tree.test.tsx", line, Severity.NOTICE)
    ]
    assert "adds 2 tests and removes 1" in findings[0].message


async def test_tests_dropped_as_the_suite_shrinks_still_warn(tmp_path: Path) -> None:
    """Two tests go and one unrelated test comes: the change's tests shrink, a warning."""
    shrunk = SEARCH_TEST.replace(SUBMIT + "  end\n\n", "").replace(HOVER, COOKIE)

    findings = await removals(
        tmp_path,
        {
            "app/views/home/_search.html.erb": '<input id="query">\n',
            "test/search_test.rb": SEARCH_TEST,
        },
        {"app/views/home/_search.html.erb": '<input id="q">\n', "test/search_test.rb": shrunk},
    )

    line = line_of(SEARCH_TEST, 'test "submit button searches"')
    assert summary(findings) == [
        ("tests/removed-test", "test/search_test.rb", line, Severity.WARNING)
    ]


async def test_a_test_file_reformatted_adds_no_test_to_the_balance(tmp_path: Path) -> None:
    """A Java suite (read from its lines) re-indented re-adds every header it removes: it
    adds no test, so a Python test dropped beside it still warns."""
    java = (
        "class FooTest {\n  @Test\n  void testFoo() {\n    assertEquals(1, foo());\n  }\n"
        "  @Test\n  void testBar() {\n    assertEquals(2, bar());\n  }\n}\n"
    )
    python = (
        "from app.calc import add, sub\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\n"
        "def test_sub():\n    assert sub(3, 1) == 2\n"
    )
    findings = await removals(
        tmp_path,
        {"src/test/java/FooTest.java": java, "tests/test_calc.py": python},
        {
            "src/test/java/FooTest.java": java.replace("  ", "    "),
            "tests/test_calc.py": python[: python.index("\n\n\ndef test_sub")] + "\n",
        },
    )

    line = line_of(python, "def test_sub")
    assert summary(findings) == [
        ("tests/removed-test", "tests/test_calc.py", line, Severity.WARNING)
    ]
