"""Which removed tests the pull request explains: what its title, body or commits say of them.

A removal is explained by a clause that says tests go (`remove`, `delete`, `drop`, or that they
are `obsolete`, `outdated`, `redundant`, `no longer` needed) and names what goes: a distinctive
word of a test's name (or of its file's, for a whole file) in the phrase of the test word the
clause removes (`Remove the no longer applicable proxy header test`, `tests for the proxy
header are obsolete`), or the test's or the file's name outright (`Drop test_proxy_header`).

Kept conservative, as a reviewer reading the line would be:
- the removal must govern the test word: `Remove unused imports in tests` and `Fix the header
  tests, remove dead code` name no removed test (`in`, `from`, `and`, a comma end the phrase);
- a phrase of generic words only (`remove flaky tests`, `drop old specs`) names no test: it may
  be true of any, so it excuses none;
- a clause names the removed tests its words fit best (most words in common): `tests for the
  proxy header` names the proxy header's tests, not every test with `header` in its name; a
  singular `test` names one, and none on a tie;
- HTML comments (a template's instructions) and fenced code blocks are not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

# Fenced code blocks and HTML comments: pasted output and a template's instructions.
_UNREAD = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|<!--.*?(?:-->|\Z)", re.DOTALL)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n")
# "no longer needed", "not applicable": read as one removal word; "no longer skipped" is not one.
_NO_LONGER = re.compile(
    r"(?:\bno\s+longer|\bnot|n't)\s+(?:applicable|needed|necessary|relevant|valid|required|"
    r"useful|used|true|correct|accurate|meaningful|possible|supported|appl(?:y|ies)|exists?|"
    r"makes?\s+sense)\b",
    re.IGNORECASE,
)
# A dot or colon inside a word joins it (`detect.test.ts`, `e.g.`): not the end of a clause.
_JOINED = re.compile(r"(?<=\w)[.:](?=\w)")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
NO_LONGER = "nolonger"  # "no longer needed" and the like, read as one word

REMOVAL = frozenset({
    "remove", "removed", "removes", "removing", "removal", "delete", "deleted", "deletes",
    "deleting", "deletion", "drop", "dropped", "drops", "dropping", "obsolete", "outdated",
    "redundant", "unnecessary", "unneeded", "superfluous", "stale", NO_LONGER,
})  # fmt: skip
# Removal words that may follow a test's phrase directly (`header test removed`): participles
# and adjectives, not verbs (`tests remove the header` says what the tests do).
_PARTICIPLES = frozenset({
    "removed", "deleted", "dropped", "obsolete", "outdated", "redundant", "unnecessary",
    "unneeded", "superfluous", "stale", NO_LONGER,
})  # fmt: skip
# Words just before a removal that turn it down (`don't remove`, `instead of dropping`).
_NEGATIONS = frozenset({
    "not", "never", "t", "instead", "rather", "avoid", "avoids", "avoiding", "prevent",
    "prevents", "without", "keep", "keeps", "restore", "restores", "restored", "revert",
})  # fmt: skip
NEGATION_REACH = 3  # words before a removal looked at for a negation
TEST_WORDS = frozenset({"test", "tests", "spec", "specs", "testcase", "testcases"})
PLURAL = frozenset({"tests", "specs", "testcases"})
# Words that may follow a test word and still be it: "test case", "spec file".
_TEST_TAIL = frozenset({"case", "cases", "file", "files", "suite", "suites", "example", "examples"})
_FILE_TAIL = frozenset({"file", "files", "suite", "suites"})
# Punctuation that ends a phrase; quotes, backticks, dashes and slashes do not.
_BREAK_MARKS = frozenset(",;.:!?()[]{}|=<>")
# Words that end the phrase of a test word going left: what stands before them is not its name.
_BREAK_WORDS = frozenset({
    "in", "into", "from", "on", "onto", "to", "at", "with", "within", "without", "by", "via",
    "across", "inside", "under", "for", "and", "or", "but", "nor", "so", "because", "since", "as",
    "while", "after", "before", "then", "than", "when", "if", "instead", "unless", "until",
})  # fmt: skip
_COORDINATION = frozenset({"and", "or", ","})
# Words that open the phrase after a test word saying what it tests ("tests for the header").
_OPENERS = frozenset({
    "for", "of", "about", "on", "covering", "checking", "verifying", "asserting", "around",
    "that", "which",
})  # fmt: skip
# Words between a test's phrase and a removal saying what became of it ("is no longer").
_LINKS = frozenset({
    "is", "are", "was", "were", "be", "been", "being", "become", "became", "becomes", "has",
    "have", "had", "now", "got", "gets", "get", "also", "all", "both", "completely", "entirely",
    "simply", "just", "therefore", "thus", "hence",
})  # fmt: skip
# Words that name no test: English's small words, testing's vocabulary and the reasons a test
# goes. A phrase of these only (`the old flaky unit tests`) could mean any test.
GENERIC = frozenset({
    "a", "an", "the", "this", "that", "these", "those", "its", "their", "our", "my", "your",
    "some", "any", "all", "each", "every", "both", "few", "many", "more", "most", "other",
    "another", "one", "two", "three", "several", "couple", "lot", "lots", "of", "it", "they",
    "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "do", "does", "did",
    "not", "no", "nor", "yes", "can", "could", "should", "would", "will", "shall", "must", "may",
    "might", "also", "now", "only", "just", "still", "already", "then", "there", "here", "what",
    "which", "who", "whom", "whose", "how", "why", "where", "when", "very", "too", "so", "such",
    "same", "via", "per", "etc", "pr", "prs", "commit", "commits", "change", "changes", "changed",
    "code", "file", "files", "line", "lines", "case", "cases", "suite", "suites", "example",
    "examples", "check", "checks", "checking", "verify", "verifies", "ensure", "ensures",
    "assert", "asserts", "expect", "expects", "describe", "context", "scenario", "given",
    "works", "work", "working", "correctly", "properly", "correct", "right", "returns",
    "return", "handles", "handle", "behaves", "behaviour", "behavior", "get", "gets", "set",
    "sets", "new", "old", "older", "legacy", "unit", "units", "integration", "e2e", "end",
    "system", "functional", "feature", "features", "spec", "specs", "test", "tests", "testing",
    "tested", "testcase", "testcases", "flaky", "broken", "failing", "failed", "fails", "fail",
    "unused", "dead", "duplicate", "duplicated", "duplicates", "useless", "related",
    "existing", "remaining", "extra", "applicable", "relevant", "needed", "necessary",
    "required", "useful", "used", "valid", "longer", "anymore", "since", "because", "due",
    "fix", "fixes", "fixed", "update", "updates", "updated", "clean", "cleanup", "chore",
    "refactor", "todo", "wip", "skip", "skipped", "pending", "disabled", "disable",
})  # fmt: skip
MIN_LETTERS = 3
# A test's name read outright must be this long, so that "works" or "it" is not "named".
MIN_NAMED = 8


def words(text: str) -> frozenset[str]:
    """Return the distinctive words of a name or phrase: whole and split at case and `_`, folded."""
    found = set()
    for whole in re.findall(r"[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*", text):
        for word in (whole, *whole.split("_"), *_CAMEL.findall(whole)):
            folded = fold(word)
            if len(folded) >= MIN_LETTERS and not folded.isdigit() and _distinctive(folded):
                found.add(folded)
    return frozenset(found)


def fold(word: str) -> str:
    """Lower-case a word and take a plural's `s` off (`headers` is `header`)."""
    word = word.lower()
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_FOLDED_GENERIC = frozenset(fold(w) for w in GENERIC | REMOVAL | _BREAK_WORDS | _OPENERS)


def _distinctive(folded: str) -> bool:
    return folded not in _FOLDED_GENERIC


@dataclass(frozen=True)
class Claim:
    """One clause's removal: the distinctive words naming what goes, whether it speaks of many
    tests (`tests`) or one (`test`), whether it may mean a whole file (`tests`, `test file`,
    `spec suite`), and the name it gives outright, if any."""

    words: frozenset[str]
    plural: bool
    named: str | None = None
    whole: bool = False


@dataclass(frozen=True)
class Removal:
    """A removed test as the description is compared with: its name and its file's path."""

    name: str
    path: str


class Explanations:
    """What a description says is removed, read once, asked of each removed test and file."""

    def __init__(self, description: str, names: Iterable[str] = ()) -> None:
        """Read the claims of `description`; `names` are the tests' and files' names that it
        may give outright."""
        self.claims = tuple(claims(description, names))

    def explained(self, removals: Sequence[Removal]) -> frozenset[Removal]:
        """Return the removed tests a claim names: outright, or those its words fit best (most
        words in common with the name, or for `tests` with the file's name too); a singular
        `test` fits one name best, or it names none."""
        found: set[Removal] = set()
        named = {r: words(r.name) for r in removals}
        filed = {r: named[r] | _stem(r.path) for r in removals}
        spelled: dict[str, list[Removal]] = {}
        having: dict[str, list[Removal]] = {}  # word -> the removals whose name or file has it
        for removal, found_words in filed.items():
            spelled.setdefault(_named(removal.name), []).append(removal)
            for word in found_words:
                having.setdefault(word, []).append(removal)
        for claim in self.claims:
            if claim.named is not None:
                found.update(spelled.get(claim.named, []))
                continue
            own = filed if claim.plural else named
            near = {r for word in claim.words for r in having.get(word, [])}
            fits = [(len(claim.words & own[r]), r) for r in near]
            best = max((score for score, _ in fits), default=0)
            top = [r for score, r in fits if score == best]
            if best and (claim.plural or len({r.name for r in top}) == 1):
                found.update(top)
        return frozenset(found)

    def file(self, path: str) -> bool:
        """Tell whether a claim names a deleted test file: outright, or by its name's words in
        a claim that may mean a whole file (`tests`, `test file`; not one `test`)."""
        named = {_named(PurePosixPath(path).name), _named(PurePosixPath(path).stem)}
        return any(
            claim.named in named
            if claim.named is not None
            else claim.whole and bool(claim.words & _stem(path))
            for claim in self.claims
        )


def _stem(path: str) -> frozenset[str]:
    """Return the distinctive words of a test file's name (`test_proxy_headers.py`)."""
    return words(PurePosixPath(path).name.split(".")[0])


def _named(name: str) -> str:
    """Fold a name for reading it outright: its words, lower-case, one space apart."""
    return " ".join(w.lower() for w in re.findall(r"\w+", name))


def claims(description: str, names: Iterable[str] = ()) -> list[Claim]:
    """Return every removal the description's clauses claim (see the module's docstring)."""
    text = _UNREAD.sub(" ", description)
    by_first: dict[str, list[list[str]]] = {}
    for name in sorted({n for n in map(_named, names) if len(n) >= MIN_NAMED and words(n)}):
        spelled = name.split(" ")
        by_first.setdefault(spelled[0], []).append(spelled)
    found: list[Claim] = []
    for statement in _SENTENCE.split(text):
        statement = _JOINED.sub(" ", _NO_LONGER.sub(" " + NO_LONGER, statement))
        tokens = _tokens(statement)
        # Only the names whose first word the statement has, longest first.
        candidates = [n for word in {t.text for t in tokens} for n in by_first.get(word, [])]
        for spelling in sorted(candidates, key=lambda n: (-len(n), n)):
            tokens = _join_name(tokens, spelling)
        found.extend(_clauses(tokens))
    return found


@dataclass(frozen=True)
class _Token:
    text: str  # a word, lower-case; a punctuation mark; or a name read outright
    kind: str  # "word" | "mark" | "named"


def _tokens(statement: str) -> list[_Token]:
    """Split a statement into words (lower-case) and marks."""
    raw = _TOKEN.findall(statement)
    return [_Token(t.lower(), "word" if t[0].isalnum() or t[0] == "_" else "mark") for t in raw]


def _join_name(tokens: list[_Token], name: list[str]) -> list[_Token]:
    """Replace each run of words spelling `name` (marks between them aside) with one token."""
    out: list[_Token] = []
    index = 0
    while index < len(tokens):
        end = _spells(tokens, index, name)
        if end is None:
            out.append(tokens[index])
            index += 1
        else:
            out.append(_Token(" ".join(name), "named"))
            index = end
    return out


def _spells(tokens: list[_Token], start: int, name: list[str]) -> int | None:
    """Return where a run of words spelling `name` from `start` ends, or None."""
    at, index = 0, start
    if tokens[start].kind != "word" or tokens[start].text != name[0]:
        return None
    while index < len(tokens) and at < len(name):
        token = tokens[index]
        if token.kind == "word":
            if token.text != name[at]:
                return None
            at += 1
        elif token.kind == "named":
            return None
        index += 1
    return index if at == len(name) else None


def _clauses(tokens: list[_Token]) -> list[Claim]:
    """Find each test word (or name read outright) a removal governs, and what it names."""
    found: list[Claim] = []
    governed: dict[int, bool] = {}
    for index, token in enumerate(tokens):
        if not (token.kind == "named" or (token.kind == "word" and token.text in TEST_WORDS)):
            continue
        left_at, stop = _left(tokens, index)
        left = [tokens[at].text for at in left_at]
        after = index + 1
        tail = []
        if token.kind == "word":
            while after < len(tokens) and tokens[after].text in _TEST_TAIL:
                tail.append(tokens[after].text)
                after += 1
        right, end = _right(tokens, after)
        removed = (
            any(_removes(tokens, at) for at in left_at)
            or (_NEGATIONS.isdisjoint(left) and _predicate(tokens, end))
            or _coordinated(tokens, stop, governed)
        )
        governed[index] = removed
        if not removed:
            continue
        if token.kind == "named":
            found.append(Claim(frozenset(), plural=False, named=token.text))
            continue
        named = words(" ".join(w for w in (*left, *right) if w not in REMOVAL))
        if named:
            plural = token.text in PLURAL
            whole = plural or not _FILE_TAIL.isdisjoint(tail)
            found.append(Claim(named, plural=plural, whole=whole))
    return found


def _left(tokens: list[_Token], index: int) -> tuple[list[int], int]:
    """Return the words before a test word up to its phrase's start (by index), and where the
    phrase stopped."""
    found: list[int] = []
    at = index - 1
    while at >= 0:
        token = tokens[at]
        if token.kind == "mark":
            if token.text in _BREAK_MARKS:
                break
        elif token.kind == "named" or token.text in _BREAK_WORDS or token.text in TEST_WORDS:
            break
        else:
            found.append(at)
        at -= 1
    return found[::-1], at


def _removes(tokens: list[_Token], at: int) -> bool:
    """Tell whether a word removes, not turned down by a negation just before it."""
    if tokens[at].text not in REMOVAL:
        return False
    before = [t.text for t in tokens[max(0, at - NEGATION_REACH) : at] if t.kind == "word"]
    return _NEGATIONS.isdisjoint(before)


def _right(tokens: list[_Token], index: int) -> tuple[list[str], int]:
    """Return the phrase after a test word saying what it tests (`for the header`), and where
    it ends; none unless an opener starts it."""
    if index >= len(tokens) or tokens[index].text not in _OPENERS:
        return [], index
    found: list[str] = []
    at = index + 1
    while at < len(tokens):
        token = tokens[at]
        if token.kind == "mark":
            if token.text in _BREAK_MARKS:
                break
        elif (
            token.kind == "named"
            or token.text in _BREAK_WORDS
            or token.text in _LINKS
            or token.text in REMOVAL
            or token.text in {"that", "which", "who"}
        ):
            break
        else:
            found.append(token.text)
        at += 1
    return found, at


def _predicate(tokens: list[_Token], index: int) -> bool:
    """Tell whether a removal follows a test's phrase, directly as a participle (`removed`,
    `obsolete`) or through linking words (`is no longer needed`, `have been removed`)."""
    at, links = index, 0
    while at < len(tokens) and tokens[at].text in _LINKS | {"that", "which"}:
        at, links = at + 1, links + 1
    if at >= len(tokens) or not _removes(tokens, at):
        return False
    return links > 0 or tokens[at].text in _PARTICIPLES


def _coordinated(tokens: list[_Token], stop: int, governed: dict[int, bool]) -> bool:
    """Tell whether a test word shares the removal of one just before it (`Remove the A test
    and the B test`, `Drop test_a, test_b`)."""
    if stop < 1 or tokens[stop].text not in _COORDINATION:
        return False
    before = stop - 1
    while before >= 0 and tokens[before].kind == "mark" and tokens[before].text not in _BREAK_MARKS:
        before -= 1  # a closing quote or backtick
    return governed.get(before, False)
