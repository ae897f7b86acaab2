"""Which production code a change retires, and whether a removed test or assertion went with it.

Deleting a function, class, endpoint, field or module together with its tests is cleanup, not a
regression. A test goes with retired code when the code it tested vanishes in the same change:

- its file imports, or is named after, a production module the change deletes;
- it uses a name, key or route (`refund`, `runtime_js`, `"/presigned-post-url"`) that vanishes
  from a module its file imports, is named after or names, and that no test left in its file
  still uses;
- it is named after a definition that vanishes (`test_refund_marks_order` and `def refund`);
- it expects a message that a module it is tied to stops saying (`"Unsupported version: 3"`
  once the branch raising "Unsupported version: #{v}" goes), unless another file now says it
  or the module rewords it;
- it checks an attribute of several words that no changed production file sets any more
  (`version.info_checksum` once nothing assigns `version.info_checksum = ...`).

Names made of several words (`household_id`, `contentAddress`) belong to one feature, so one
that vanishes from all the changed production code retires the tests using it wherever they
are, unless a new name holds all its words (`new_tag_path` to `new_mod_tag_path` is a rename);
single words (`status`) must vanish from a module the test is tied to. A name still used in any
changed production file has moved, not gone, and so has a definition made anywhere else; but
what the module a test file is named after stops using is gone from it (a guard dropped from
`ChatsController` retires its test, however much other code still reads the flag), unless
the change adds the name to other code.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import PurePosixPath

import tree_sitter

from bot.diff.model import ChangedFile, FileStatus
from bot.rules.tests.languages import subject
from bot.rules.tests.similarity import TOKEN, compound, fold, folded, words
from bot.snapshot.model import Source
from bot.snapshot.trees import text_of

MIN_NAME = 3
# Subjects too general to tie a test file to every module sharing a word with them.
GENERIC = frozenset({
    "api", "app", "base", "common", "core", "helper", "helpers", "index", "init", "main",
    "model", "models", "test", "tests", "util", "utils", "view", "views", "spec", "e2e",
})  # fmt: skip
# What a test name says a test does to its subject; not the feature it tests.
ACTIONS = frozenset({
    "create", "read", "update", "delete", "destroy", "edit", "new", "show", "index", "list",
    "get", "set", "add", "remove", "save", "post", "put", "patch",
})  # fmt: skip
_STRING = re.compile(r""""(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`""")
# The same, split on: the pieces between literals, then each literal (the one group).
_STRING_SPLIT = re.compile(f"({_STRING.pattern})")
_CALLED = re.compile(r"[A-Za-z_]\w*(?=\()")
# Where a message's text is cut by a value put into it: `#{v}`, `${v}`, `{v}`, `%s`, `%(v)s`.
_INTERPOLATION = re.compile(r"#\{[^}]*\}|\$\{[^}]*\}|\{[^}]*\}|%(?:\(\w+\))?[sdrfi]")
_WORD = re.compile(r"[A-Za-z]+")
# An attribute the code sets (`version.info_checksum = ...`), and one a test reads.
_ASSIGNED = re.compile(r"\.\s*([A-Za-z_]\w*)\s*=(?![=~>])")
_READ = re.compile(r"\.([A-Za-z_]\w*)\b(?!\s*=[^=])")
# A message: words a person reads, enough of them to be one message rather than a value.
MIN_MESSAGE_WORDS, MIN_MESSAGE_CHARS = 3, 16
REWORDED = 0.5  # share of a message's words a new message of its module keeps when reworded
_DEFINITION = re.compile(r"\b(?:def|class|function|func|module)\s+([A-Za-z_$][\w$?!]*)")
_TS_DEFINITIONS = frozenset({
    "function_declaration", "generator_function_declaration", "method_definition",
    "class_declaration", "method", "singleton_method", "class", "module",
    "method_declaration", "type_spec",
})  # fmt: skip
# Top-level definitions a test file names when it uses a module (Ruby: its classes, modules).
_TS_TOP = frozenset(
    {"function_declaration", "class_declaration", "variable_declarator", "class", "module"}
)
_TS_CONTAINERS = frozenset(
    {"program", "export_statement", "lexical_declaration", "class", "module"}
)


@dataclass(frozen=True)
class Module:
    """One changed production file: what it defined and what of it vanishes."""

    path: str
    deleted: bool
    lost: frozenset[str]  # folded tokens of the base side that the head side no longer has
    head: frozenset[str]  # folded tokens of the head side
    lost_definitions: frozenset[str]  # names defined at base and no longer at head
    names: frozenset[str]  # top-level names at base, which a test file using it mentions
    added: frozenset[str] = frozenset()  # names the head side has and the base side had not
    defined: frozenset[str] = frozenset()  # names the head side defines
    unsaid: frozenset[str] = frozenset()  # messages the base side says and the head side not


@dataclass(frozen=True)
class Retired:
    """The production code a change retires, to judge removed tests against."""

    modules: tuple[Module, ...] = ()
    compounds: dict[str, str] = field(default_factory=dict)  # folded -> as written
    unset: frozenset[str] = frozenset()  # attributes the changed code no longer assigns
    # Folded names the change declares gone for good (a protobuf field it reserves): a test
    # still naming one elsewhere in its file checks that it is gone.
    declared: frozenset[str] = frozenset()

    @cached_property
    def _head(self) -> frozenset[str]:
        return frozenset().union(*(m.head for m in self.modules))

    @cached_property
    def _gained(self) -> frozenset[str]:
        """Folded names some changed production file gains: what a module loses went there."""
        return frozenset(fold(raw) for m in self.modules for raw in m.added)

    def linked(self, test_path: str, base: str | None, imports: Iterable[str]) -> list[Module]:
        """Return the changed production modules a test file is tied to."""
        imported = _Imported.of(test_path, imports)
        mentioned = frozenset(TOKEN.findall(base or ""))
        return [
            m
            for m in self.modules
            if named_after(test_path, m.path)
            or imported.names(m.path)
            or _same_package(test_path, m.path)
            or not m.names.isdisjoint(mentioned)
        ]

    def file_retired(self, test_path: str, imports: Iterable[str]) -> bool:
        """Tell whether a test file's own module is deleted: it imports or is named after it."""
        imported = _Imported.of(test_path, imports)
        return any(
            m.deleted and (named_after(test_path, m.path) or imported.names(m.path))
            for m in self.modules
        )

    def covers(
        self, text: str, name: str, test_path: str, linked: list[Module], kept: frozenset[str]
    ) -> bool:
        """Tell whether code (a test or an assertion) checked something the change retires.

        A name still used anywhere in the changed production code (moved to another module)
        is not retired; nor is a word the tests left in the file (`kept`) still use. A test
        named after a retired definition must name more than its file's subject and an action
        (`update_tag` retires no test of tags that says "update"). A private name
        (`_debounce_key`) is a name like any other.
        """
        if self.unset and not self.unset.isdisjoint(_READ.findall(text)):
            return True
        if self.declared and not self.declared.isdisjoint(folded(text)):
            return True
        unsaid = frozenset().union(*(m.unsaid for m in linked))
        if unsaid and any(f" {m} " in said for m in unsaid for said in _strings(text)):
            return True
        lost_here = self._lost_from(linked, test_path)
        for raw in {
            match for match in TOKEN.findall(text) if match[0].isalpha() or match[0] == "_"
        }:
            token = fold(raw)
            if len(token) < MIN_NAME or token in kept:
                continue
            if token in lost_here or token in self.compounds:
                return True
        named = words(name)
        plain = words(subject(test_path)) | ACTIONS
        moved = frozenset().union(*(m.defined for m in self.modules))
        definitions = {d for m in linked for d in m.lost_definitions if d not in moved}
        definitions |= set(self.compounds.values())
        return any(
            len(fold(d)) > MIN_NAME and words(d) <= named and words(d) - plain for d in definitions
        )

    def _lost_from(self, linked: list[Module], test_path: str) -> frozenset[str]:
        """Return the folded names the modules a test file is tied to lose for good.

        A name gone from one module but still used in other changed code may have moved, or
        be what the test checks there (an SQL function another model still runs). Not so for
        the module the test file is named after: what it stops doing, its tests stop checking,
        however much code the test file is not tied to still uses the name (`ai_enabled`
        dropped from the guard of `ChatsController`), unless the change adds the name elsewhere
        (moved there) or another module the test file is tied to still uses it.
        """
        own = [m for m in linked if named_after(test_path, m.path)]
        others = [m for m in linked if m not in own]
        lost = frozenset().union(*(m.lost for m in others)) - self._head
        if own:
            heads = frozenset().union(*(m.head for m in linked))
            lost |= frozenset().union(*(m.lost for m in own)) - heads - self._gained
        return lost

    def with_names(self, names: Iterable[str]) -> Retired:
        """Return this retired code plus names the change declares gone for good."""
        return replace(self, declared=frozenset(fold(n) for n in names if len(fold(n)) > MIN_NAME))

    def superseded(self, lost: str, written: list[str], linked: list[Module]) -> bool:
        """Tell whether a removed check was rewritten for what replaces the code it checked.

        A test that drops its checks of a field its module no longer has (`categories`) while
        adding checks of a name the module gains (`query_filter_string`) moved them to the
        field's replacement; the old name may live on elsewhere (other models' categories).
        """
        gone = frozenset().union(*(m.lost for m in linked))
        gained = frozenset(fold(raw) for m in linked for raw in m.added)
        checked = {fold(raw) for raw in TOKEN.findall(lost)}
        return any(len(t) >= MIN_NAME and t in gone for t in checked) and any(
            fold(raw) in gained for text in written for raw in TOKEN.findall(text)
        )


def retired(files: Iterable[tuple[ChangedFile, Source, Source]]) -> Retired:
    """Work out what production code the change retires, from both sides of each file.

    Without a side's text (a bare diff) the diff's lines stand in: removed lines for the base,
    added lines for the head, and only names of several words count as lost, as an unchanged
    line elsewhere in the file may still use a single word.
    """
    modules = []
    compounds: dict[str, str] = {}
    gained: set[str] = set()  # messages a file says that its base side did not: moved there
    set_before: set[str] = set()
    set_after: set[str] = set()
    for changed, before, after in files:
        deleted = changed.status is FileStatus.REMOVED
        base = before.text
        head = "" if deleted else after.text
        known = base is not None and head is not None
        if base is None:
            base = "\n".join(line.text for line in changed.removed)
        if head is None:
            head = "\n".join(line.text for line in changed.added)
        base_code, head_code = _Lexed.of(base), _Lexed.of(head)
        raw_lost = {raw: fold(raw) for raw in _names_in(base_code)}
        head_tokens = _folded(head_code)
        lost = {
            token
            for raw, token in raw_lost.items()
            if token not in head_tokens and (known or deleted or compound(raw))
        }
        for raw, token in raw_lost.items():
            if token in lost and compound(raw):
                compounds.setdefault(token, raw)
        added = frozenset(_names_in(head_code)) - frozenset(raw_lost)
        base_definitions = _definitions(before) if known else _line_definitions(base)
        head_definitions = _definitions(after) if known else _line_definitions(head)
        said_before, said_after = _messages(base_code.literals), _messages(head_code.literals)
        set_before.update(_ASSIGNED.findall(base))
        set_after.update(_ASSIGNED.findall(head))
        gained.update(said_after - said_before)
        modules.append(
            Module(
                path=changed.path,
                deleted=deleted,
                lost=frozenset(lost),
                head=head_tokens,
                lost_definitions=frozenset(base_definitions - head_definitions),
                names=_top_names(before) if known else frozenset(),
                added=added,
                defined=head_definitions,
                unsaid=_unsaid(said_before, said_after),
            )
        )
    everywhere = frozenset().union(*(m.head for m in modules))
    new_names = _Holders(words(raw) for m in modules for raw in m.added if compound(raw))
    renamed = {t for t, raw in compounds.items() if new_names.hold(words(raw))}
    return Retired(
        tuple(replace(m, lost=m.lost - renamed, unsaid=m.unsaid - gained) for m in modules),
        {
            t: raw
            for t, raw in compounds.items()
            if len(t) > MIN_NAME and t not in everywhere and t not in renamed
        },
        frozenset(name for name in set_before - set_after if compound(name)),
    )


class _Holders:
    """Sets of words, indexed by word: which hold all of a given set, without trying each one.

    A change of a thousand files gains and loses thousands of names; comparing every pair was
    most of a large scan's time.
    """

    def __init__(self, sets: Iterable[frozenset[str]]) -> None:
        self._any = False
        self._by_word: dict[str, set[int]] = {}
        for index, words_ in enumerate(sets):
            self._any = True
            for word in words_:
                self._by_word.setdefault(word, set()).add(index)

    def hold(self, wanted: frozenset[str]) -> bool:
        """Tell whether one of the sets holds every word of `wanted` (any set holds none)."""
        if not wanted:
            return self._any
        holders = sorted((self._by_word.get(word, set()) for word in wanted), key=len)
        return bool(holders[0].intersection(*holders[1:]))


@dataclass(frozen=True)
class _Lexed:
    """A text's string literals and its tokens, inside and outside them, each found by one scan.

    Its names, its folded tokens and its messages are all read from these: every changed
    production file of a change is read whole on both sides, a thousand files in a large one.
    """

    literals: list[str]
    outside: list[str]  # the tokens outside literals
    inside: list[str]  # the tokens of the literals
    called: list[str]  # the words called inside literals (`"lpad(name, 2)"`)

    @classmethod
    def of(cls, text: str) -> _Lexed:
        parts = _STRING_SPLIT.split(text)
        # Joined with spaces, no token or call spans two literals, or a literal and code.
        literals = " ".join(parts[1::2])
        return cls(
            parts[1::2],
            TOKEN.findall(" ".join(parts[0::2])),
            TOKEN.findall(literals),
            _CALLED.findall(literals),
        )


def _messages(literals: list[str]) -> set[str]:
    """Return the messages a piece of code spells in its string `literals`, as lower-case words.

    A value put into a message cuts it: "Unsupported version: #{v}" says "unsupported version".
    """
    found = set()
    # A message is no longer than the literal it is read from: short ones (most) are skipped.
    for literal in (text for text in literals if len(text) - 2 >= MIN_MESSAGE_CHARS):
        for part in _INTERPOLATION.split(literal[1:-1]):
            said = " ".join(word.lower() for word in _WORD.findall(part))
            if len(said.split()) >= MIN_MESSAGE_WORDS and len(said) >= MIN_MESSAGE_CHARS:
                found.add(said)
    return found


def _unsaid(before: set[str], after: set[str]) -> frozenset[str]:
    """Return the messages a file stops saying, leaving out those it rewords or extends."""
    new = [frozenset(message.split()) for message in after - before]
    gone = set()
    for message in before - after:
        words_ = frozenset(message.split())
        if any(message in other for other in after):
            continue
        if not any(len(words_ & other) >= REWORDED * len(words_ | other) for other in new):
            gone.add(message)
    return frozenset(gone)


def _strings(text: str) -> list[str]:
    """Return the words of each string of a test, space-separated and padded, to find a message
    in (`"Unsupported index version: 3"` -> " unsupported index version ")."""
    return [
        " " + " ".join(word.lower() for word in _WORD.findall(literal[1:-1])) + " "
        for literal in _STRING.findall(text)
    ]


def _names_in(code: _Lexed) -> set[str]:
    """Return the names code uses: identifiers, and the keys, ids and routes its strings hold.

    A single word inside a string is a value (`"refunded"`): a test that checked it and goes
    when it changes was not retired with its code, it was deleted instead of being updated. A
    word called inside a string (`"lpad(name, 2)"`) is code, SQL most often: it counts.
    """
    named = {raw for raw in set(code.inside) if compound(raw)}
    outside = {raw for raw in code.outside if raw[0].isalpha() or raw[0] == "_"}
    return outside | set(code.called) | named


def _folded(code: _Lexed) -> frozenset[str]:
    """Return the folded tokens of code, in its strings or not."""
    return frozenset(map(fold, {*code.outside, *code.inside}))


def _same_package(test_path: str, production: str) -> bool:
    """Go tests share their package (folder) with the code they test."""
    go = test_path.endswith(".go") and production.endswith(".go")
    return go and posixpath.dirname(test_path) == posixpath.dirname(production)


def named_after(test_path: str, production: str) -> bool:
    """Tell whether a test file is named after a module: `test_cart.py` and `cart.py`."""
    name = subject(test_path)
    if not name or len(name) < MIN_NAME:
        return False
    stem, folder = _stem_and_folder(production)
    if name in {stem, folder}:
        return True
    return name not in GENERIC and len(words(name)) > 1 and words(name) <= words(stem)


@lru_cache(maxsize=1 << 14)
def _stem_and_folder(production: str) -> tuple[str, str]:
    """A module's file name before its first dot and its folder's name, lower case (each
    changed module is compared with every test file of a change)."""
    posix = PurePosixPath(production)
    return posix.name.split(".")[0].lower(), posix.parent.name.lower()


@dataclass(frozen=True)
class _Imported:
    """A test file's imports, each resolved once: a test file is compared with every changed
    production module, a thousand in a large change."""

    relative: frozenset[str]  # `'../refunds'`, resolved against the test file's folder
    named: tuple[str, ...]  # `shop.refunds`, `@/lib/ip` without its `@/`

    @classmethod
    def of(cls, test_path: str, imports: Iterable[str]) -> _Imported:
        folder = posixpath.dirname(test_path)
        relative, named = set(), []
        for spec in imports:
            if spec.startswith("."):
                relative.add(posixpath.normpath(posixpath.join(folder, spec)))
            else:
                named.append(re.sub(r"^[@~]/", "", spec))
        return cls(frozenset(relative), tuple(named))

    def names(self, production: str) -> bool:
        """Tell whether the test file imports a module: `shop.refunds`, `'../refunds'`,
        `@/lib/ip`."""
        targets, dotted = _import_targets(production)
        if not self.relative.isdisjoint(targets):
            return True
        return any(
            any(t == spec or t.endswith("/" + spec) for t in targets)
            or any(d == spec or d.endswith("." + spec) for d in dotted if "." in spec)
            for spec in self.named
        )


@lru_cache(maxsize=1 << 14)
def _import_targets(production: str) -> tuple[frozenset[str], frozenset[str]]:
    """The paths an import of a module names (a package's `index`/`__init__` also by its
    folder), and the same dotted (`shop.refunds`)."""
    stem = production.rsplit(".", 1)[0]
    folder = posixpath.dirname(production)
    package = stem.endswith("/index") or stem.endswith("/__init__")
    targets = frozenset({stem, folder} if package else {stem})
    return targets, frozenset(target.replace("/", ".") for target in targets)


def _definitions(source: Source) -> frozenset[str]:
    """Names a production file defines: functions, methods, classes, modules, types."""
    module = source.python
    if module is not None:
        return frozenset(
            node.name
            for node in ast.walk(module)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        )
    tree = source.tree
    if tree is None:
        return _line_definitions(source.text or "")
    names = (node.child_by_field_name("name") for node in source.nodes(_TS_DEFINITIONS))
    return frozenset(text_of(name) for name in names if name is not None)


def _line_definitions(text: str) -> frozenset[str]:
    return frozenset(_DEFINITION.findall(text))


def _top_names(source: Source) -> frozenset[str]:
    """Names a test file mentions when it uses the module: its top-level definitions."""
    names: set[str] = set()
    module = source.python
    if module is not None:
        for statement in module.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(statement.name)
            elif isinstance(statement, ast.Assign):
                names.update(t.id for t in statement.targets if isinstance(t, ast.Name))
            elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                names.add(statement.target.id)
    stack: list[tree_sitter.Node] = []
    if source.tree is not None and source.language != "go":
        stack.append(source.tree.root_node)
    while stack:
        node = stack.pop()
        if node.type in _TS_CONTAINERS:
            stack.extend(node.named_children)
        name = node.child_by_field_name("name")
        if name is not None and node.type in _TS_TOP:
            names.add(text_of(name))
    return frozenset(name for name in names if len(name) > MIN_NAME)
