"""Authorization in the action: an endpoint that skips sign-in may still check every request.

Guest checkouts, share links and token-gated pages skip the authentication filter on purpose
and authorize each action themselves: CanCan's `authorize!`/`can?` (or `load_and_authorize_resource`
for the class), Pundit's `authorize`/`policy_scope` (or `after_action :verify_authorized`),
Django's `has_perm`, a DRF permission's `has_permission`, or an action's own
`permission_classes`. Such an endpoint is access-controlled, not bypassed. One action that
checks nothing, or actions this file cannot see (inherited ones), leave the bypass open.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import tree_sitter

from bot.snapshot.model import Source
from bot.snapshot.trees import descendants, field_text, text_of, walk

# Calls that check the current user's rights inside an action.
RUBY_CHECKS = frozenset({"authorize!", "authorize", "can?", "cannot?", "policy_scope"})
# Class-level declarations that authorize each action they cover (CanCan), or fail each one
# that did not authorize (Pundit).
RUBY_CLASS_CHECKS = frozenset({"load_and_authorize_resource", "authorize_resource"})
RUBY_VERIFY = frozenset({"verify_authorized", "verify_policy_scoped"})
_RB_CALLBACKS = frozenset({"before_action", "after_action", "around_action"})
_RB_HIDDEN = frozenset({"private", "protected"})
_RB_SKIP = "skip_before_action"
PYTHON_CHECKS = frozenset(
    {"has_perm", "has_perms", "has_module_perms", "has_permission", "has_object_permission"}
)
# DRF's request handlers and viewset actions.
PYTHON_HANDLERS = frozenset(
    {"get", "post", "put", "patch", "delete", "list", "create", "retrieve", "update"}
    | {"partial_update", "destroy"}
)
# View bases that bring no handler of their own: every action is defined in the class.
PYTHON_BARE_BASES = frozenset({"APIView", "View", "GenericAPIView", "ViewSet", "GenericViewSet"})
_ALLOW_ANY = "AllowAny"


def access_checked(source: Source, line: int) -> bool:
    """Tell whether every action the bypass on `line` (1-based) opens checks authorization."""
    if source.language == "ruby" and source.tree is not None:
        return _ruby(source.tree.root_node, line)
    if source.language == "python" and source.python is not None:
        return _python(source.python, line)
    return False


# Ruby ------------------------------------------------------------------------------------------


def _ruby(root: tree_sitter.Node, line: int) -> bool:
    skip = next(
        (n for n in descendants(root, [line]) if n.type == "call" and _rb_method(n) == _RB_SKIP),
        None,
    )
    controller = skip
    while controller is not None and controller.type != "class":
        controller = controller.parent
    named = controller.named_children if controller is not None else []
    body = next((c for c in named if c.type == "body_statement"), None)
    if skip is None or body is None:
        return False
    actions, methods, declarations = _rb_members(body)
    helpers = {name for name, method in methods.items() if _rb_checks(method, set())}
    guarded: set[str] = set()  # actions a class-level declaration authorizes
    for declaration in declarations:
        name = _rb_method(declaration)
        callbacks = set(_rb_symbols(declaration)) & (helpers | RUBY_VERIFY)
        if name in RUBY_CLASS_CHECKS or (name in _RB_CALLBACKS and callbacks):
            guarded |= _rb_applies_to(declaration, set(actions))
    # Actions named in `only:` but defined elsewhere (inherited) cannot be seen to check.
    only = _rb_option(skip, "only")
    opened = only if only is not None else _rb_applies_to(skip, set(actions))
    return bool(opened) and all(
        name in guarded or (name in actions and _rb_checks(actions[name], helpers))
        for name in opened
    )


def _rb_members(
    body: tree_sitter.Node,
) -> tuple[dict[str, tree_sitter.Node], dict[str, tree_sitter.Node], list[tree_sitter.Node]]:
    """Split a class body into public actions, all methods, and class-level calls."""
    actions: dict[str, tree_sitter.Node] = {}
    methods: dict[str, tree_sitter.Node] = {}
    declarations: list[tree_sitter.Node] = []
    public = True
    for child in body.named_children:
        if child.type == "identifier" and text_of(child) in _RB_HIDDEN | {"public"}:
            public = text_of(child) == "public"
        elif child.type in ("call", "identifier"):  # `load_and_authorize_resource` alone
            declarations.append(child)
            arguments = child.child_by_field_name("arguments")
            for method in arguments.named_children if arguments is not None else []:
                if method.type == "method" and _rb_method(child) in _RB_HIDDEN:  # `private def`
                    methods[field_text(method, "name")] = method
        elif child.type == "method":
            methods[field_text(child, "name")] = child
            if public:
                actions[field_text(child, "name")] = child
    return actions, methods, declarations


def _rb_checks(method: tree_sitter.Node, helpers: set[str]) -> bool:
    """Tell whether a method calls an authorization check, itself or through a helper."""
    body = method.child_by_field_name("body") or method
    for node in walk(body):
        if node.type == "call":
            name = _rb_method(node)
            bare = node.child_by_field_name("receiver") is None
        elif node.type == "identifier":
            name, bare = text_of(node), True
        else:
            continue
        if name in RUBY_CHECKS or (bare and name in helpers):
            return True
    return False


def _rb_method(call: tree_sitter.Node) -> str:
    """Name the method a call (or a bare identifier, a call without arguments) calls."""
    return text_of(call) if call.type == "identifier" else field_text(call, "method")


def _rb_symbols(call: tree_sitter.Node) -> list[str]:
    """Return the symbols a class-level call names (`before_action :load_order, :check`)."""
    arguments = call.child_by_field_name("arguments")
    named = arguments.named_children if arguments is not None else []
    return [text_of(a).lstrip(":") for a in named if a.type == "simple_symbol"]


def _rb_option(call: tree_sitter.Node, key: str) -> set[str] | None:
    """Return the action names of a filter's `only:` or `except:` option, if it has one."""
    arguments = call.child_by_field_name("arguments")
    for pair in arguments.named_children if arguments is not None else []:
        name = pair.child_by_field_name("key") if pair.type == "pair" else None
        if name is not None and text_of(name).strip(":") == key:
            value = pair.child_by_field_name("value")
            items = [value] if value is None or value.type != "array" else value.named_children
            return {text_of(item).strip(":'\"") for item in items if item is not None}
    return None


def _rb_applies_to(call: tree_sitter.Node, actions: set[str]) -> set[str]:
    """Return the actions a class-level filter covers, by its `only:` and `except:` options."""
    only = _rb_option(call, "only")
    chosen = actions if only is None else only & actions
    return chosen - (_rb_option(call, "except") or set())


# Python ----------------------------------------------------------------------------------------


def _python(module: ast.Module, line: int) -> bool:
    """Find the view the AllowAny on `line` opens: a class's `permission_classes`, or a view
    function's or an action's decorator."""
    for node in ast.walk(module):
        if isinstance(node, ast.ClassDef) and any(
            _allows_any(s) and s.lineno <= line <= _end(s) for s in node.body
        ):
            return _py_class_checked(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            d.lineno <= line <= _end(d) for d in node.decorator_list
        ):
            return _py_checks(node, set())
    return False


def _py_class_checked(view: ast.ClassDef) -> bool:
    """Tell whether every handler of an AllowAny view class checks permissions itself."""
    if not all(_name(base) in PYTHON_BARE_BASES for base in view.bases):
        return False  # handlers inherited from a generic view or mixin check nothing here
    methods = [n for n in view.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    checking = {m.name for m in methods if _py_checks(m, set())}
    handlers = [m for m in methods if m.name in PYTHON_HANDLERS or _action(m)]
    return bool(handlers) and all(_py_checks(m, checking) or _own_permissions(m) for m in handlers)


def _py_checks(function: ast.FunctionDef | ast.AsyncFunctionDef, helpers: set[str]) -> bool:
    """Tell whether a function calls a permission check, itself or through a `self.` helper."""
    for node in _body_nodes(function):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            on_self = isinstance(node.func, ast.Attribute) and _name(node.func.value) == "self"
            if name in PYTHON_CHECKS or (on_self and name in helpers):
                return True
    return False


def _body_nodes(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.AST]:
    for statement in function.body:
        yield from ast.walk(statement)


def _own_permissions(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """`@action(permission_classes=[IsOwner])`: the action replaces the class's AllowAny."""
    return any(
        isinstance(d, ast.Call)
        and any(
            k.arg == "permission_classes" and _ALLOW_ANY not in ast.unparse(k.value)
            for k in d.keywords
        )
        for d in function.decorator_list
    )


def _action(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        _name(d.func if isinstance(d, ast.Call) else d) == "action" for d in function.decorator_list
    )


def _allows_any(statement: ast.stmt) -> bool:
    if not isinstance(statement, (ast.Assign, ast.AnnAssign)):
        return False
    targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
    named = any(_name(t) == "permission_classes" for t in targets)
    return named and statement.value is not None and _ALLOW_ANY in ast.unparse(statement.value)


def _name(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _end(node: ast.stmt | ast.expr) -> int:
    return node.end_lineno or node.lineno
