"""Authentication moved down: a Rails controller that only hands each request to others.

A controller can lose its `before_action :authenticate_user!` because it became a dispatcher:
each request goes on to another controller (`Api::ToolController.dispatch(:call, request,
response)`) whose base class authenticates. The gate moved, it did not go. That holds only when
the change shows it: every controller handed to is defined in the change's files, inherits
through them a class that authenticates, and none skips it; and the dispatcher answers nothing
itself. A controller named through a variable counts only when the variable is read from a
constant of the dispatcher (`TOOLS[name]`) whose controllers are all shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import tree_sitter

from bot.rules.cliff.authorization import bare_call
from bot.snapshot.model import Snapshot
from bot.snapshot.trees import field_text, text_of, walk

# Filters that authenticate (or authorize) every action of the class that declares them.
RAILS_GATE = r"authenticate_\w+!?|require_login|require_user|authorize\w*"
_GATE = re.compile(RAILS_GATE)
_BEFORE = frozenset({"before_action", "prepend_before_action", "before_filter"})
_SKIP = frozenset({"skip_before_action", "skip_before_filter"})
# What a controller calls to answer a request itself.
_ANSWERS = frozenset(
    {"render", "head", "redirect_to", "send_data", "send_file", "respond_to", "respond_with"}
    | {"render_to_string", "response_body"}
)
# Options that limit a filter to some actions, or some requests.
_PARTIAL = frozenset({"only", "except", "if", "unless"})
_CONSTANT = frozenset({"constant", "scope_resolution"})


@dataclass(frozen=True)
class _Class:
    path: str
    node: tree_sitter.Node
    nesting: tuple[str, ...]  # the modules it is defined in, outermost first


def handed_off(snap: Snapshot, path: str, name: str) -> bool:
    """Tell whether class `name` of `path` at head answers nothing itself and hands every
    request to controllers the change shows authenticated."""
    classes = dict(_classes(snap))
    dispatcher = next(
        (c for q, c in classes.items() if c.path == path and q.rsplit("::", 1)[-1] == name),
        None,
    )
    actions = _actions(dispatcher.node) if dispatcher is not None else []
    if dispatcher is None or not actions or not all(map(_dispatches, actions)):
        return False  # an action that does not hand off renders its own view
    calls = [n for n in walk(dispatcher.node) if n.type in ("call", "identifier")]
    if any(bare_call(n) in _ANSWERS or field_text(n, "method") == "response_body" for n in calls):
        return False  # `self.response_body = ...` is how a Metal controller answers
    receivers = [
        n.child_by_field_name("receiver")
        for n in calls
        if n.type == "call" and field_text(n, "method") == "dispatch"
    ]
    targets: list[tree_sitter.Node] = []
    for receiver in receivers:
        if receiver is None:
            return False
        found = [receiver] if receiver.type in _CONSTANT else _read_from(dispatcher, receiver)
        if not found:
            return False
        targets += found
    scope = (*dispatcher.nesting, _name(dispatcher.node))
    return bool(targets) and all(_gated(classes, text_of(t), scope, set()) for t in targets)


def _classes(snap: Snapshot) -> Iterator[tuple[str, _Class]]:
    """Yield every Ruby class the change's files define at head, by qualified name."""
    for changed in snap.change.files:
        source = snap.source(changed.path, "head")
        if source.language != "ruby" or source.tree is None:
            continue
        for node in walk(source.tree.root_node):
            if node.type == "class":
                nesting = _nesting(node)
                qualified = "::".join((*nesting, _name(node))).lstrip(":")
                yield qualified, _Class(changed.path, node, nesting)


def _actions(cls: tree_sitter.Node) -> list[tree_sitter.Node]:
    """Return the public methods of a class body: the actions a route may reach."""
    body = cls.child_by_field_name("body")
    found: list[tree_sitter.Node] = []
    public = True
    for child in body.named_children if body is not None else []:
        if child.type == "identifier" and text_of(child) in ("private", "protected", "public"):
            public = text_of(child) == "public"
        elif child.type == "method" and public:
            found.append(child)
    return found


def _dispatches(method: tree_sitter.Node) -> bool:
    return any(n.type == "call" and field_text(n, "method") == "dispatch" for n in walk(method))


def _nesting(node: tree_sitter.Node) -> tuple[str, ...]:
    names: list[str] = []
    parent = node.parent
    while parent is not None:
        if parent.type in ("class", "module"):
            names.insert(0, _name(parent))
        parent = parent.parent
    return tuple(names)


def _name(node: tree_sitter.Node) -> str:
    return field_text(node, "name")


def _read_from(dispatcher: _Class, variable: tree_sitter.Node) -> list[tree_sitter.Node]:
    """Return the controller constants a variable may hold: each of its assignments must read
    a constant of the dispatcher (`tool = TOOLS[name]`); none when one reads anything else."""
    if variable.type != "identifier":
        return []
    tables = {
        text_of(left): n.child_by_field_name("right")
        for n in walk(dispatcher.node)
        if n.type == "assignment"
        and (left := n.child_by_field_name("left")) is not None
        and left.type == "constant"
    }
    found: list[tree_sitter.Node] = []
    assigned = False
    for node in walk(dispatcher.node):
        left = node.child_by_field_name("left") if node.type == "assignment" else None
        if left is None or text_of(left) != text_of(variable):
            continue
        assigned = True
        right = node.child_by_field_name("right")
        table = right.child_by_field_name("object") if right is not None else None
        if right is None or right.type != "element_reference" or table is None:
            return []
        value = tables.get(text_of(table))
        while (
            value is not None and value.type == "call" and field_text(value, "method") == "freeze"
        ):
            value = value.child_by_field_name("receiver")  # `{ ... }.freeze`
        if value is None or value.type not in ("hash", "array"):
            return []
        held = [
            n
            for n in walk(value)
            if n.type in _CONSTANT and (n.parent is None or n.parent.type != "scope_resolution")
        ]
        if not all(text_of(n).endswith("Controller") for n in held):
            return []
        found += held
    return found if assigned else []


def _gated(classes: dict[str, _Class], ref: str, scope: tuple[str, ...], seen: set[str]) -> bool:
    """Tell whether the class `ref` names from `scope`, shown in the change, or a shown class
    it inherits from, authenticates every action, and none of them skips it."""
    found = _resolve(classes, ref, scope)
    if found is None or found in seen:
        return False
    seen.add(found)
    cls = classes[found]
    declarations = _declarations(cls.node)
    if any(name in _SKIP and _gates(call) for name, call in declarations):
        return False
    if any(name in _BEFORE and _gates(call, every=True) for name, call in declarations):
        return True  # and no subclass on the way skipped it: each returned False if it did
    parent = cls.node.child_by_field_name("superclass")
    named = parent.named_children if parent is not None else []
    return bool(named) and _gated(classes, text_of(named[0]), cls.nesting, seen)


def _resolve(classes: dict[str, _Class], ref: str, scope: tuple[str, ...]) -> str | None:
    """Find the class a constant names, looked up from the innermost module outward."""
    if ref.startswith("::"):
        return ref[2:] if ref[2:] in classes else None
    for depth in range(len(scope), -1, -1):
        qualified = "::".join((*scope[:depth], ref))
        if qualified in classes:
            return qualified
    return None


def _declarations(cls: tree_sitter.Node) -> list[tuple[str, tree_sitter.Node]]:
    """Return the class-level calls of a class body, by the method they call."""
    body = cls.child_by_field_name("body")
    named = body.named_children if body is not None else []
    return [(field_text(c, "method"), c) for c in named if c.type == "call"]


def _gates(call: tree_sitter.Node, *, every: bool = False) -> bool:
    """Tell whether a filter names an authentication gate; with `every`, for every action."""
    arguments = call.child_by_field_name("arguments")
    named = arguments.named_children if arguments is not None else []
    options = {field_text(a, "key").strip(":") for a in named if a.type == "pair"}
    gate = any(a.type == "simple_symbol" and _GATE.fullmatch(text_of(a).lstrip(":")) for a in named)
    return gate and not (every and options & _PARTIAL)
