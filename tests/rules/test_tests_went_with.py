"""Removed assertions that lose nothing: the check of a field or value the production code stops
writing went with that behaviour (a notice), and a length check an equality check implies.

Each kind has look-alike negatives in the languages the rule reads and true positives that must
still warn: the same check dropped while the production code stays, a check of a generic word,
a value changed in place, a check that something is absent, a length compared with a number.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules.model import Severity
from bot.rules.tests import lengths, stopped
from tests.rules.removals import line_of, removals, summary

ASSERTION = "tests/removed-assertion"

# --- A field the production code stops writing ---------------------------------------------------


@pytest.mark.parametrize(
    ("code", "pair"),
    [
        ('data: { trigger: "partnerEnrolled" }', ("trigger", '"partnerEnrolled"')),
        ("{'checkout_url': session.url}", ("checkout_url", "session.url")),
        ('render(context, theme="dark-mode")', ("theme", '"dark-mode"')),
        ('context["runtime_js"] = js_path', ("runtime_js", "js_path")),
        ("f.password_field :password, value: value['password']", ("value", 'value["password"]')),
        (":label => 'Approve Partner'", ("label", '"ApprovePartner"')),
        ("self.status = Status::ACTIVE", ("status", "Status::ACTIVE")),
    ],
)
def test_pairs_are_read_in_each_spelling(code: str, pair: tuple[str, str]) -> None:
    """A key and its value, as JS, Python, Ruby and templates write them: quotes alike and
    whitespace dropped, as in the text of an assertion."""
    assert pair in set(stopped.pairs(code))


@pytest.mark.parametrize(
    "code", ["a == b.c", "x != 'partner-enrolled'", "total += item.price", "f :symbol"]
)
def test_comparisons_and_updates_are_no_pairs(code: str) -> None:
    """`==`, `!=`, `+=` write nothing under a key, and Ruby's `f :symbol` passes a symbol."""
    assert list(stopped.pairs(code)) == []


@pytest.mark.parametrize(
    ("value", "distinctive"),
    [
        ('"partnerEnrolled"', True),
        ('"Activate Partner Now"', True),
        ("'Activate partner now'", True),
        ('f"frontend/{lang}/runtime.js"', True),
        ('"dark-mode"', True),
        ('value["password"]', True),
        ("session.url", True),
        ("runtime_js", True),
        ('"active"', False),
        ("status", False),
        ("true", False),
        ("1", False),
        ('"*******"', False),
    ],
)
def test_only_values_of_several_words_or_a_path_are_distinctive(
    value: str, distinctive: bool
) -> None:
    """A single word is written by too much code to tie a check to one place."""
    assert stopped.distinctive(value) is distinctive


WORKFLOWS = """import { prisma } from "./db";

export async function createEnrollmentWorkflow(programId: string) {
  return prisma.workflow.create({
    data: {
      programId,
      trigger: "partnerEnrolled",
      actions: [{ type: "sendCampaign" }],
    },
  });
}

export async function sendWebhook(linkId: string) {
  return prisma.webhookEvent.create({ data: { linkId, trigger: "link.created" } });
}
"""

WORKFLOWS_SPEC = """import { describe, expect, test } from "vitest";
import { http } from "./utils/http";

describe("Workflow - SendCampaign", () => {
  test("Workflow is created when a campaign is published", async () => {
    const { data: workflow } = await http.get({ path: "/e2e/workflows" });
    expect(workflow).not.toBeNull();
    expect(workflow.trigger).toBe("partnerEnrolled");
    expect(workflow.disabledAt).toBeNull();
  });
});
"""

WORKFLOWS_BASE = {
    "package.json": '{"name": "web", "devDependencies": {"vitest": "3.2.0"}}\n',
    "lib/db.ts": "export const prisma = {} as any;\n",
    "lib/workflows.ts": WORKFLOWS,
    "tests/workflows.test.ts": WORKFLOWS_SPEC,
}
WORKFLOWS_DROPPED = 'expect(workflow.trigger).toBe("partnerEnrolled");'


def _without(text: str, needle: str) -> str:
    return "".join(line for line in text.splitlines(keepends=True) if needle not in line)


async def test_a_check_of_a_field_the_code_stops_writing_is_a_notice(tmp_path: Path) -> None:
    """The workflow is no longer created with `trigger: "partnerEnrolled"` (the event moves to
    its conditions); the check of that field goes with it, and the rule says so in a notice."""
    head = {
        "lib/workflows.ts": WORKFLOWS.replace(
            'trigger: "partnerEnrolled"', 'event: "partnerEnrolled"'
        ),
        "tests/workflows.test.ts": _without(WORKFLOWS_SPEC, WORKFLOWS_DROPPED),
    }

    found = await removals(tmp_path, WORKFLOWS_BASE, head)

    line = line_of(WORKFLOWS_SPEC, WORKFLOWS_DROPPED)
    assert summary(found) == [(ASSERTION, "tests/workflows.test.ts", line, Severity.NOTICE)]
    assert 'trigger: "partnerEnrolled"' in found[0].message
    assert "lib/workflows.ts" in found[0].message


async def test_the_same_check_dropped_while_the_code_still_writes_it_warns(tmp_path: Path) -> None:
    """The code still creates the workflow with that trigger: the dropped check is lost."""
    head = {"tests/workflows.test.ts": _without(WORKFLOWS_SPEC, WORKFLOWS_DROPPED)}

    found = await removals(tmp_path, WORKFLOWS_BASE, head)

    line = line_of(WORKFLOWS_SPEC, WORKFLOWS_DROPPED)
    assert summary(found) == [(ASSERTION, "tests/workflows.test.ts", line, Severity.WARNING)]


USERS = """export function createUser(email: string) {
  return { email, status: "active", role: "member" };
}

export function isActive(user: { status: string }) {
  return user.status === "active";
}
"""

USERS_SPEC = """import { expect, test } from "vitest";
import { createUser } from "../lib/users";

test("creates a member", () => {
  const user = createUser("a@example.com");
  expect(user.role).toBe("member");
  expect(user.status).toBe("active");
});
"""


async def test_a_generic_word_the_code_stops_writing_ties_nothing(tmp_path: Path) -> None:
    """`status: "active"` goes from one constructor, but "active" and `status` are written by
    too much code to say that the check went with this one: it still warns."""
    base = {
        "package.json": '{"name": "web", "devDependencies": {"vitest": "3.2.0"}}\n',
        "lib/users.ts": USERS,
        "tests/users.test.ts": USERS_SPEC,
    }
    head = {
        "lib/users.ts": USERS.replace('status: "active", ', ""),
        "tests/users.test.ts": _without(USERS_SPEC, "user.status"),
    }

    found = await removals(tmp_path, base, head)

    line = line_of(USERS_SPEC, "user.status")
    assert summary(found) == [(ASSERTION, "tests/users.test.ts", line, Severity.WARNING)]


SMTP_FORM = """<%= form_for config, url: settings_email_path do |f| %>
  <%= f.fields_for :value do |ff| %>
    <%= ff.label :username, 'Username', class: 'label' %>
    <%= ff.text_field :username, value: value['username'], class: 'base-input' %>
    <%= ff.label :password, 'Password', class: 'label' %>
    <%= ff.password_field :password, value: value['password'], class: 'base-input' %>
  <% end %>
<% end %>
"""

SMTP_SPEC = """require 'rails_helper'

RSpec.describe 'Email Settings' do
  it 'shows pre-filled SMTP settings' do
    visit settings_email_path
    expect(page).to have_field('Username', with: encrypted_config.value['username'])
    expect(page).to have_field('Password', with: encrypted_config.value['password'])
  end
end
"""

SMTP_BASE = {
    "Gemfile": "source 'https://rubygems.org'\ngem 'rails'\ngem 'rspec-rails'\n",
    "app/views/email_smtp_settings/index.html.erb": SMTP_FORM,
    "spec/system/email_settings_spec.rb": SMTP_SPEC,
}
SMTP_DROPPED = "have_field('Password'"


async def test_a_value_a_template_stops_echoing_takes_its_check_along(tmp_path: Path) -> None:
    """The form no longer fills the saved password in (`value: value['password']` goes, the
    field shows a placeholder): the check that it was filled in went with it, a notice."""
    form = SMTP_FORM.replace(
        "value: value['password'], class: 'base-input'",
        "class: 'base-input', placeholder: value['password'].present? ? '********' : ''",
    )
    head = {
        "app/views/email_smtp_settings/index.html.erb": form,
        "spec/system/email_settings_spec.rb": _without(SMTP_SPEC, SMTP_DROPPED),
    }

    found = await removals(tmp_path, SMTP_BASE, head)

    line = line_of(SMTP_SPEC, SMTP_DROPPED)
    path = "spec/system/email_settings_spec.rb"
    assert summary(found) == [(ASSERTION, path, line, Severity.NOTICE)]
    assert "value: value['password']" in found[0].message


async def test_the_password_check_dropped_while_the_form_still_fills_it_warns(
    tmp_path: Path,
) -> None:
    """The form keeps filling the password in: the check of it is lost."""
    head = {"spec/system/email_settings_spec.rb": _without(SMTP_SPEC, SMTP_DROPPED)}

    found = await removals(tmp_path, SMTP_BASE, head)

    line = line_of(SMTP_SPEC, SMTP_DROPPED)
    path = "spec/system/email_settings_spec.rb"
    assert summary(found) == [(ASSERTION, path, line, Severity.WARNING)]


PARTNER_BUTTON = """  <%= print_button_to approve_partner_path(@partner),
        { text: "Activate Partner Now", icon: "thumbs-o-up" } %>
"""
PARTNER_PAGE = f"""<div class="card-footer">
{PARTNER_BUTTON}  <%= edit_button_to edit_partner_path(@partner) %>
</div>
"""

PARTNER_SPEC = """require 'rails_helper'

RSpec.describe 'Partners', type: :system do
  it 'only has an edit option available' do
    visit partner_path(partner)
    expect(page).to have_selector(:link_or_button, 'Edit')
    expect(page).to_not have_selector(:link_or_button, 'Activate Partner Now')
  end
end
"""


async def test_a_dropped_check_that_a_button_is_absent_warns(tmp_path: Path) -> None:
    """The page stops writing the button, and the check that it is absent goes: an absence
    check never goes with the code, as it still holds and guards against the button coming
    back, so it warns."""
    base = {
        "Gemfile": "source 'https://rubygems.org'\ngem 'rails'\ngem 'rspec-rails'\n",
        "app/views/partners/show.html.erb": PARTNER_PAGE,
        "spec/system/partner_system_spec.rb": PARTNER_SPEC,
    }
    head = {
        "app/views/partners/show.html.erb": PARTNER_PAGE.replace(PARTNER_BUTTON, ""),
        "spec/system/partner_system_spec.rb": _without(PARTNER_SPEC, "'Activate Partner Now'"),
    }

    found = await removals(tmp_path, base, head)

    line = line_of(PARTNER_SPEC, "'Activate Partner Now'")
    path = "spec/system/partner_system_spec.rb"
    assert summary(found) == [(ASSERTION, path, line, Severity.WARNING)]


async def test_a_dropped_check_of_a_button_renamed_in_place_warns(tmp_path: Path) -> None:
    """`text: "Activate Partner Now"` now `text: "Approve Partner"`: the button is still
    written under the same key, with another label, and the check should have followed it."""
    spec = PARTNER_SPEC.replace("to_not have_selector", "to have_selector")
    base = {
        "Gemfile": "source 'https://rubygems.org'\ngem 'rails'\ngem 'rspec-rails'\n",
        "app/views/partners/show.html.erb": PARTNER_PAGE,
        "spec/system/partner_system_spec.rb": spec,
    }
    head = {
        "app/views/partners/show.html.erb": PARTNER_PAGE.replace(
            "Activate Partner Now", "Approve Partner"
        ),
        "spec/system/partner_system_spec.rb": _without(spec, "'Activate Partner Now'"),
    }

    found = await removals(tmp_path, base, head)

    line = line_of(spec, "'Activate Partner Now'")
    path = "spec/system/partner_system_spec.rb"
    assert summary(found) == [(ASSERTION, path, line, Severity.WARNING)]


SERVICE = '''"""Workflows, as the API serves them."""


def serialize(workflow):
    return {
        "id": workflow.id,
        "trigger": "partner-enrolled" if workflow.enrollment else None,
        "actions": workflow.actions,
    }


def webhook(link):
    return {"trigger": "link.created", "link": link.id}
'''

TEST_API = """def test_workflow_is_served(client, workflow):
    data = client.get(f"/api/workflows/{workflow.id}").json()
    assert data["id"] == workflow.id
    assert data["trigger"] == "partner-enrolled"
    assert data["actions"] == []
"""


async def test_a_python_check_of_a_key_the_serializer_stops_writing(tmp_path: Path) -> None:
    """The serializer writes `"event": "partner-enrolled"` where it wrote `"trigger"`: the API
    test's check of the old key went with it (a notice); with the serializer unchanged, the same
    removal warns."""
    base = {"app/__init__.py": "", "app/service.py": SERVICE, "tests/test_api.py": TEST_API}
    dropped = _without(TEST_API, 'data["trigger"]')
    serializer = SERVICE.replace('"trigger": "partner-enrolled"', '"event": "partner-enrolled"')

    went = await removals(
        tmp_path / "went", base, {"app/service.py": serializer, "tests/test_api.py": dropped}
    )
    lost = await removals(tmp_path / "lost", base, {"tests/test_api.py": dropped})

    line = line_of(TEST_API, 'data["trigger"]')
    assert summary(went) == [(ASSERTION, "tests/test_api.py", line, Severity.NOTICE)]
    assert summary(lost) == [(ASSERTION, "tests/test_api.py", line, Severity.WARNING)]


# --- A length check an equality check implies -----------------------------------------------------


@pytest.mark.parametrize(
    ("check", "operands"),
    [
        ("expect(options.length).toEqual(expected.length);", ["options", "expected"]),
        ("assert len(rows) == len(expected)", ["rows", "expected"]),
        ("assert_equal expected.size, orders.size", ["expected", "orders"]),
        ("expect(rows).toHaveLength(expected.length)", ["expected", "rows"]),
        ('expect(wrapper.find("li").length).toBe(3)', ['wrapper.find("li")']),
        ("assert len(rows) == 2", ["rows"]),
    ],
)
def test_the_values_a_check_compares_the_lengths_of(check: str, operands: list[str]) -> None:
    """Lengths are read in each language's spelling; a number is no length."""
    assert lengths.lengths(check) == operands


SCHEDULE_SPEC = """import { mount } from "enzyme";
import ScheduleDialog from "./ScheduleDialog";

describe("ScheduleDialog", () => {
  test("Shows correct interval options", () => {
    const wrapper = mount(<ScheduleDialog refreshOptions={[60, 300]} />);
    const options = wrapper.find(".ant-select-item-option-content");
    const texts = options.map((node) => node.text());
    const expected = ["Never", "1 minute", "5 minutes"];

    expect(options.length).toEqual(expected.length);
    expect(texts).toEqual(expected);
  });
});
"""

SCHEDULE_NOW = """import { mount } from "enzyme";
import ScheduleDialog from "./ScheduleDialog";

describe("ScheduleDialog", () => {
  test("Shows correct interval options", () => {
    const wrapper = mount(<ScheduleDialog refreshOptions={[60, 300]} />);
    // Flatten the interval options, as labels
    const allOptions = ["Never", ...wrapper.instance().labels()];
    const expected = ["Never", "1 minute", "5 minutes"];

    expect(allOptions).toEqual(expected);
  });
});
"""

JS_BASE = {
    "package.json": '{"name": "client", "devDependencies": {"jest": "29.7.0"}}\n',
    "src/ScheduleDialog.jsx": "export default function ScheduleDialog() { return null; }\n",
}


async def test_a_length_check_the_whole_comparison_implies_loses_nothing(tmp_path: Path) -> None:
    """`options.length` against `expected.length` goes, and the test now compares the options it
    reads another way with `expected` whole: equal arrays have equal lengths."""
    base = {**JS_BASE, "src/ScheduleDialog.test.jsx": SCHEDULE_SPEC}

    found = await removals(tmp_path, base, {"src/ScheduleDialog.test.jsx": SCHEDULE_NOW})

    assert found == []


async def test_a_length_check_of_a_value_the_test_still_reads_is_lost(tmp_path: Path) -> None:
    """The test still reads `options` but no longer checks how many there are: the equality
    check of other values implies nothing about them."""
    base = {**JS_BASE, "src/ScheduleDialog.test.jsx": SCHEDULE_SPEC}
    now = SCHEDULE_SPEC.replace("    expect(options.length).toEqual(expected.length);\n", "")
    now = now.replace(
        "expect(texts).toEqual(expected);", "expect(texts.slice(1)).toEqual(expected.slice(1));"
    )

    found = await removals(tmp_path, base, {"src/ScheduleDialog.test.jsx": now})

    line = line_of(SCHEDULE_SPEC, "expect(options.length)")
    path = "src/ScheduleDialog.test.jsx"
    assert summary(found) == [(ASSERTION, path, line, Severity.WARNING)]


TEST_REPORT = """from app.report import expected_rows, rows_of


def test_rows_match_the_export(export):
    rows = rows_of(export)
    expected = expected_rows()
    assert len(rows) == len(expected)
    assert rows == expected


def test_first_row_matches_the_export(export):
    rows = rows_of(export)
    expected = expected_rows()
    assert len(rows) == len(expected)
    assert rows[0] == expected[0]
"""


async def test_python_length_checks_beside_an_equality_check(tmp_path: Path) -> None:
    """`len(rows) == len(expected)` is implied by `rows == expected`, and not by a comparison
    of their first items: dropped from the second test, it warns."""
    base = {
        "app/__init__.py": "",
        "app/report.py": "def rows_of(export):\n    return list(export)\n",
        "tests/test_report.py": TEST_REPORT,
    }
    first, second = (
        i for i, line in enumerate(TEST_REPORT.splitlines(keepends=True)) if "len(rows)" in line
    )
    lines = TEST_REPORT.splitlines(keepends=True)
    implied = "".join(lines[:first] + lines[first + 1 :])
    partial = "".join(lines[:second] + lines[second + 1 :])

    quiet = await removals(tmp_path / "implied", base, {"tests/test_report.py": implied})
    lost = await removals(tmp_path / "partial", base, {"tests/test_report.py": partial})

    assert quiet == []
    assert summary(lost) == [(ASSERTION, "tests/test_report.py", second + 1, Severity.WARNING)]


TEST_ORDERS = """require "test_helper"

class OrdersTest < ActiveSupport::TestCase
  test "lists open orders in order" do
    orders = Order.open.to_a
    expected = [orders(:first), orders(:second)]
    assert_equal expected.size, orders.size
    assert_equal expected, orders
  end
end
"""


async def test_a_minitest_size_check_beside_assert_equal_loses_nothing(tmp_path: Path) -> None:
    """`assert_equal expected.size, orders.size` next to `assert_equal expected, orders`; with
    the whole comparison dropped instead, the size check is all that is left and it warns."""
    base = {
        "Gemfile": "source 'https://rubygems.org'\ngem 'rails'\n",
        "app/models/order.rb": "class Order < ApplicationRecord\nend\n",
        "test/models/orders_test.rb": TEST_ORDERS,
    }
    implied = _without(TEST_ORDERS, "expected.size, orders.size")
    whole = _without(TEST_ORDERS, "assert_equal expected, orders")

    quiet = await removals(tmp_path / "implied", base, {"test/models/orders_test.rb": implied})
    lost = await removals(tmp_path / "whole", base, {"test/models/orders_test.rb": whole})

    assert quiet == []
    line = line_of(TEST_ORDERS, "assert_equal expected, orders")
    assert summary(lost) == [(ASSERTION, "test/models/orders_test.rb", line, Severity.WARNING)]
