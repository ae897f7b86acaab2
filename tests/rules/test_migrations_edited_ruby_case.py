"""An edited Rails migration that drops a `when` arm doing nothing runs the same; others do not.

The look-alike is a lint fix of a backfill: an arm whose body only reads a local is removed from
a `case` whose value is unused, and its values match no other arm. Each positive changes one
of those conditions, so the edit changes what the backfill writes: an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules.migrations import EDITED, PACK
from tests.gitrepo import make_repo

PATH = "db/migrate/20240102000000_add_balance_to_ledger_entries.rb"
BACKFILL = """\
class AddBalanceToLedgerEntries < ActiveRecord::Migration[7.0]
  class Account < ActiveRecord::Base
    self.table_name = "accounts"
    has_many :entries, class_name: "AddBalanceToLedgerEntries::Entry"

    HOLD = "hold"
    DEBIT = "debit".freeze
    REFUND = "refund"
  end

  class Entry < ActiveRecord::Base
    self.table_name = "ledger_entries"
  end

  def up
    add_column :ledger_entries, :balance, :decimal, precision: 10, scale: 2

    Account.find_each do |account|
      balance = account.opening_balance

      account.entries.order(:created_at).each do |entry|
        case entry.kind
        when Account::HOLD, :pending
          # A hold leaves the balance as it is.
          balance
        when Account::DEBIT
          balance -= entry.amount
        when Account::REFUND, "credit", 3
          balance += entry.amount
        end

        entry.update_column(:balance, balance)
      end
    end
  end

  def down
    remove_column :ledger_entries, :balance
  end
end
"""
FIRST_ARM = "        when Account::HOLD, :pending\n"


def without_no_op_arm(text: str) -> str:
    """The text less the case's first arm: its `when` line up to the next arm's."""
    start = text.index(FIRST_ARM)
    return text[:start] + text[text.index("        when", start + 1) :]


def variant(old: str, new: str) -> str:
    assert old in BACKFILL
    return BACKFILL.replace(old, new)


async def edited(tmp_path: Path, base: str, head: str) -> list[tuple[int, str, str]]:
    repo = make_repo(tmp_path / "r", base={PATH: base}, head={PATH: head})
    snap = await repo.snapshot()
    findings = [f for check in PACK.checks for f in check(snap)]
    return [(f.line, f.severity.value, f.side) for f in findings if f.rule == EDITED]


QUIET_ELSE = variant("        end\n\n", "        else\n          nil\n        end\n\n")
BLOCK_VALUE = "        end\n\n        entry.update_column(:balance, balance)\n"
BODY = "          balance\n        when"
QUIET = [
    ("no-op arm dropped from a statement case", BACKFILL, without_no_op_arm(BACKFILL)),
    (
        "no-op arm's body now reads another local",
        BACKFILL,
        BACKFILL.replace(BODY, "          entry\n        when"),
    ),
    (
        "no-op arm dropped where an else does nothing either",
        QUIET_ELSE,
        without_no_op_arm(QUIET_ELSE),
    ),
]


@pytest.mark.parametrize(("base", "head"), [c[1:] for c in QUIET], ids=[c[0] for c in QUIET])
async def test_dropping_an_arm_that_does_nothing_is_quiet(
    tmp_path: Path, base: str, head: str
) -> None:
    """A statement `case` arm that only reads a local, matching no other arm, runs nothing."""
    assert base != head
    assert await edited(tmp_path, base, head) == []


def error_on_the_arm(base: str) -> tuple[str, str, list[tuple[int, str, str]]]:
    """The base, the base less its first arm, and the error on that arm's `when` line."""
    [line] = [n for n, text in enumerate(base.splitlines(), 1) if "Account::HOLD, :" in text]
    return base, without_no_op_arm(base), [(line, "error", "LEFT")]


POSITIVES = [
    (
        "the case's value is assigned",
        *error_on_the_arm(
            variant("        case entry.kind", "        delta = case entry.kind").replace(
                "update_column(:balance, balance)", "update_column(:balance, delta)"
            )
        ),
    ),
    (
        "the case's value is the block's",
        *error_on_the_arm(variant(BLOCK_VALUE, "        end\n")),
    ),
    (
        "a later arm that does something matches one of its values",
        *error_on_the_arm(variant("when Account::DEBIT\n", "when Account::DEBIT, :pending\n")),
    ),
    (
        "a later arm's pattern is a constant from another file",
        *error_on_the_arm(variant("when Account::DEBIT\n", "when Ledger::DEBIT\n")),
    ),
    (
        "its body calls a method",
        *error_on_the_arm(variant(BODY, "          hold!\n        when")),
    ),
    (
        "its body's bare name is a method, not a local",
        *error_on_the_arm(variant(BODY, "          opening_balance\n        when")),
    ),
    (
        "its values would run an else that does something",
        *error_on_the_arm(
            variant("        end\n\n", "        else\n          balance = 0\n        end\n\n")
        ),
    ),
]


@pytest.mark.parametrize(
    ("base", "head", "expected"), [c[1:] for c in POSITIVES], ids=[c[0] for c in POSITIVES]
)
async def test_dropping_an_arm_that_changes_what_runs_is_an_error(
    tmp_path: Path, base: str, head: str, expected: list[tuple[int, str, str]]
) -> None:
    """Dropping an arm whose value is used, or whose values another arm would take, is an edit."""
    assert await edited(tmp_path, base, head) == expected
