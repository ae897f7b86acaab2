"""`when` arms of a Ruby `case` that do nothing: dropping one leaves what a migration runs.

A `case` whose value is thrown away (a statement with another after it) matters only for what
its arms do. An arm whose body only reads a local variable or a literal does nothing, so a value
it matched did nothing; once the arm is gone that value falls through to the arms after it, and
nothing changes only when none of them that does something can match it. That is proven only
where every pattern involved is a literal (a string without interpolation, a symbol, a decimal
integer, `nil`, `true`, `false`) or a constant this file assigns one such literal to, since
literals of different values or types never match one subject. Anything else keeps the arm: a
method call, a range, a splat, a constant from elsewhere, a body whose value is used.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import tree_sitter

from bot.snapshot.trees import field_text, text_of, walk

# Statement lists: every statement but the last has its value thrown away.
_STATEMENTS = frozenset({
    "body_statement", "block_body", "then", "else", "begin", "ensure", "program", "do",
    "parenthesized_statements",
})  # fmt: skip
_LITERALS = frozenset({"integer", "string", "simple_symbol", "nil", "true", "false"})
_INERT = frozenset({"nil", "true", "false", "self", "integer", "float", "simple_symbol"})
# Scopes of local variables: a block or lambda also sees its enclosing scope's; the others do not.
_OPEN_SCOPES = frozenset({"block", "do_block", "lambda"})
_CLOSED_SCOPES = frozenset({"method", "singleton_method", "class", "module", "singleton_class"})
_DEFINITIONS = frozenset({"class", "module"})
_DECIMAL = re.compile(r"(?:0|[1-9][0-9_]*)")

Span = tuple[int, int]


def dead_arms(case: tree_sitter.Node) -> frozenset[Span]:
    """The spans of the arms of a `case` that can be dropped without changing what it runs."""
    if case.child_by_field_name("value") is None or not _discarded(case):
        return frozenset()
    arms = [c for c in case.named_children if c.type == "when"]
    others = [c for c in case.named_children if c.type == "else"]
    if any(not _inert(o) for o in others):
        return frozenset()  # a dropped arm's values would run the `else`
    inert = [_inert(arm) for arm in arms]
    if not any(inert):
        return frozenset()
    values = [_values(arm) for arm in arms]
    dead = set()
    for index, arm in enumerate(arms):
        mine = values[index]
        if not inert[index] or mine is None:
            continue
        later = [values[j] for j in range(index + 1, len(arms)) if not inert[j]]
        if all(v is not None and not v & mine for v in later):
            dead.add(_span(arm))
    return frozenset(dead)


def _span(node: tree_sitter.Node) -> Span:
    return node.start_byte, node.end_byte


def _discarded(node: tree_sitter.Node) -> bool:
    """Whether a statement's value is thrown away: another statement follows it in its list."""
    parent = node.parent
    if parent is None or parent.type not in _STATEMENTS:
        return False
    following = node.next_named_sibling
    while following is not None and following.type == "comment":
        following = following.next_named_sibling
    return following is not None


def _inert(clause: tree_sitter.Node) -> bool:
    """Whether a `when` or `else` clause's body only reads locals and literals (or is empty)."""
    body = clause.child_by_field_name("body") if clause.type == "when" else clause
    if body is None:
        return True
    for statement in body.named_children:
        if statement.type == "comment" or statement.type in _INERT:
            continue
        if statement.type == "string" and all(
            c.type == "string_content" for c in statement.named_children
        ):
            continue
        if statement.type == "identifier" and _local(statement):
            continue
        return False
    return True


def _values(arm: tree_sitter.Node) -> frozenset[str] | None:
    """The literal values a `when` arm's patterns stand for; None when one is not a literal."""
    found = set()
    for pattern in arm.children_by_field_name("pattern"):
        inner = pattern.named_children[0] if pattern.named_children else None
        value = _constant(inner) if inner is not None else None
        if value is None:
            return None
        found.add(value)
    return frozenset(found)


def _literal(node: tree_sitter.Node) -> str | None:
    """A literal's type and value (`str:void`); None for anything else."""
    if node.type == "call" and field_text(node, "method") == "freeze":
        receiver = node.child_by_field_name("receiver")
        if receiver is not None and node.child_by_field_name("arguments") is None:
            return _literal(receiver)
        return None
    if node.type not in _LITERALS:
        return None
    text = text_of(node)
    if node.type == "string":
        parts = node.named_children
        if any(c.type != "string_content" for c in parts):
            return None  # interpolation or an escape: its value is not the text
        return "str:" + "".join(text_of(c) for c in parts)
    if node.type == "integer":
        return f"int:{int(text.replace('_', ''))}" if _DECIMAL.fullmatch(text) else None
    if node.type == "simple_symbol":
        return f"sym:{text[1:]}"
    return node.type


def _constant(node: tree_sitter.Node) -> str | None:
    """A pattern's literal value: a literal, or a constant of this file assigned one."""
    if node.type == "constant":
        scopes = [a for a in _ancestors(node) if a.type in _DEFINITIONS or a.parent is None]
        return next((v for s in scopes if (v := _assigned(s, text_of(node))) is not None), None)
    if node.type == "scope_resolution":
        owner, name = node.child_by_field_name("scope"), node.child_by_field_name("name")
        if owner is None or name is None or owner.type != "constant":
            return None
        definition = _definition(node, text_of(owner))
        return _assigned(definition, text_of(name)) if definition is not None else None
    return _literal(node)


def _definition(node: tree_sitter.Node, name: str) -> tree_sitter.Node | None:
    """The class or module of this name that the lexical scopes around `node` define."""
    for scope in (a for a in _ancestors(node) if a.type in _DEFINITIONS or a.parent is None):
        found = [d for d in _statements(scope) if d.type in _DEFINITIONS]
        named = [d for d in found if field_text(d, "name") == name]
        if named:
            return named[0] if len(named) == 1 else None
    return None


def _assigned(scope: tree_sitter.Node, name: str) -> str | None:
    """The literal a class, module or file body assigns to a constant once, if it does."""
    values = [
        _literal(right)
        for statement in _statements(scope)
        if statement.type == "assignment"
        and (left := statement.child_by_field_name("left")) is not None
        and left.type == "constant"
        and text_of(left) == name
        and (right := statement.child_by_field_name("right")) is not None
    ]
    return values[0] if len(values) == 1 else None


def _statements(scope: tree_sitter.Node) -> list[tree_sitter.Node]:
    """The statements directly in a class, module or file body."""
    if scope.parent is None:
        return list(scope.named_children)
    body = scope.child_by_field_name("body")
    return list(body.named_children) if body is not None else []


def _ancestors(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _local(identifier: tree_sitter.Node) -> bool:
    """Whether a bare name reads a local variable (a parameter, or assigned before it), so that
    reading it runs nothing; otherwise Ruby calls a method of that name."""
    name = text_of(identifier)
    scopes = []
    for ancestor in _ancestors(identifier):
        if ancestor.type in _OPEN_SCOPES:
            scopes.append(ancestor)
        elif ancestor.type in _CLOSED_SCOPES or ancestor.parent is None:
            scopes.append(ancestor)
            break
    if any(name in _parameters(scope) for scope in scopes):
        return True
    outer = scopes[-1] if scopes else identifier
    return any(
        node.type in {"assignment", "operator_assignment"}
        and node.start_byte < identifier.start_byte
        and name in _targets(node)
        and _scope(node) in scopes
        for node in walk(outer)
    )


def _scope(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """The nearest scope of local variables around a node."""
    return next(
        (
            a
            for a in _ancestors(node)
            if a.type in _OPEN_SCOPES or a.type in _CLOSED_SCOPES or a.parent is None
        ),
        None,
    )


def _targets(assignment: tree_sitter.Node) -> set[str]:
    left = assignment.child_by_field_name("left")
    if left is None:
        return set()
    names = [left] if left.type == "identifier" else list(walk(left))
    return {text_of(n) for n in names if n.type == "identifier"}


def _parameters(scope: tree_sitter.Node) -> set[str]:
    """The names a method, block or lambda takes."""
    params = scope.child_by_field_name("parameters")
    if params is None or scope.type in _DEFINITIONS:
        return set()
    found = set()
    for param in params.named_children:
        named = param if param.type == "identifier" else param.child_by_field_name("name")
        if named is not None and named.type == "identifier":
            found.add(text_of(named))
    return found
