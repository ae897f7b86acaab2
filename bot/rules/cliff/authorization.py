"""Authorization in the action: an endpoint that skips sign-in may still check every request.

Guest checkouts, share links and token-gated pages skip the authentication filter on purpose
and authorize each action themselves: CanCan's `authorize!`/`can?` (or `load_and_authorize_resource`
for the class), Pundit's `authorize`/`policy_scope` (or `after_action :verify_authorized`),
Django's `has_perm`, a DRF permission's `has_permission`, or an action's own
`permission_classes`. Such an endpoint is access-controlled, not bypassed. One action that
checks nothing, or actions this file cannot see (inherited ones), leave the bypass open.

A Rails action may instead be opened by a capability link: it finds its record by a secret the
link carries (`find_by!(slug: params[:slug])`, a signed id) with a finder that fails when none
matches, so only who holds the link gets in. An id (`find(params[:id])`) is guessable and opens
nothing; nor does a link clear an action that also finds a record straight from the request
by such an id, outside the record the link opened.
"""

from __future__ import annotations

import ast
import re
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
# Columns that hold a link's secret. Not a bare `key`: it names a setting as often as a secret.
_RB_SECRET_COLUMN = re.compile(r"(?:^|_)(?:slug|token|uuid|guid|secret|nonce)s?$|^\w+_key$")
# Finders that raise when nothing matches: a wrong secret ends the request.
_RB_RAISING_FINDERS = frozenset({"find_by!", "find_sole_by"})
_RB_SIGNED_FINDERS = frozenset({"find_signed!", "find_by_token_for!"})  # the argument is signed
_RB_RAISING_TAKES = frozenset({"first!", "last!", "take!", "sole"})  # `where(token: ...).take!`
_RB_DYNAMIC_FINDER = re.compile(r"find_by_(\w+?)(!?)")
# `find_by(token: ...) || head :not_found`: what ends the request when nothing matches.
_RB_FAILS = frozenset({"raise", "fail", "head", "render", "redirect_to"})
_RB_FINDERS = frozenset({"find", "find_by", "find_by!", "find_sole_by", "where"})  # and find_by_*
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
    links = {name for name, method in methods.items() if _rb_opens_by_link(method, set())}
    guarded: set[str] = set()  # actions a class-level declaration authorizes
    linked: set[str] = set()  # actions a before-hook finds the record for by a link's secret
    for declaration in declarations:
        name = _rb_method(declaration)
        callbacks = set(_rb_symbols(declaration))
        if name in RUBY_CLASS_CHECKS or (
            name in _RB_CALLBACKS and callbacks & (helpers | RUBY_VERIFY)
        ):
            guarded |= _rb_applies_to(declaration, set(actions))
        if name in _RB_CALLBACKS and callbacks & links:
            linked |= _rb_applies_to(declaration, set(actions))
    # Actions named in `only:` but defined elsewhere (inherited) cannot be seen to check.
    only = _rb_option(skip, "only")
    opened = only if only is not None else _rb_applies_to(skip, set(actions))
    return bool(opened) and all(
        _rb_cleared(actions.get(n), n in guarded, n in linked, helpers, links) for n in opened
    )


def _rb_cleared(
    action: tree_sitter.Node | None, guarded: bool, linked: bool, helpers: set[str], links: set[str]
) -> bool:
    """Tell whether an opened action is authorized, or opened by a link and nothing guessable."""
    if guarded or (action is not None and _rb_checks(action, helpers)):
        return True
    if action is None:
        return False
    return (linked and not _rb_guessable(action)) or _rb_opens_by_link(action, links)


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


def _rb_opens_by_link(method: tree_sitter.Node, links: set[str]) -> bool:
    """Tell whether a method finds its record by a link's secret, itself or through a helper,
    and finds none straight from the request by a guessable id."""
    body = method.child_by_field_name("body") or method
    found = any(bare_call(node) in links or _rb_link_lookup(node) for node in walk(body))
    return found and not _rb_guessable(method)


def bare_call(node: tree_sitter.Node) -> str:
    """Name the method a call without a receiver, or a bare identifier, calls; "" otherwise."""
    if node.type == "call":
        return "" if node.child_by_field_name("receiver") else field_text(node, "method")
    parent = node.parent
    if node.type != "identifier" or parent is None or parent.type in ("call", "method"):
        return ""
    return text_of(node)


def _rb_link_lookup(node: tree_sitter.Node) -> bool:
    """`find_by!(slug: params[:slug])`, `find_by_token!`, `find_signed!`, `where(...).take!` or
    `find_by(token: ...) || raise ...`: a record found by a secret from the request, or none."""
    if node.type == "binary" and field_text(node, "operator") in ("||", "or"):
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and left.type == "assignment":
            left = left.child_by_field_name("right")
        return (
            left is not None
            and right is not None
            and left.type == "call"
            and _rb_method(left) in ("find_by", "find_sole_by")
            and _rb_by_secret(left)
            and _rb_fails(right)
        )
    if node.type != "call":
        return False
    method = _rb_method(node)
    if method in _RB_RAISING_FINDERS:
        return _rb_by_secret(node)
    if method in _RB_SIGNED_FINDERS:
        return _rb_from_request(node.child_by_field_name("arguments"))
    if method in _RB_RAISING_TAKES:
        scope = node.child_by_field_name("receiver")
        return (
            scope is not None
            and scope.type == "call"
            and _rb_method(scope) == "where"
            and _rb_by_secret(scope)
        )
    return (
        method.endswith("!")
        and _rb_by_secret_name(method)
        and _rb_from_request(node.child_by_field_name("arguments"))
    )


def _rb_by_secret_name(method: str) -> bool:
    """`find_by_token!`, `find_by_account_id_and_slug`: a dynamic finder by a secret column."""
    dynamic = _RB_DYNAMIC_FINDER.fullmatch(method)
    columns = dynamic.group(1).split("_and_") if dynamic is not None else []
    return any(_RB_SECRET_COLUMN.search(column) for column in columns)


def _rb_by_secret(call: tree_sitter.Node) -> bool:
    """Tell whether a finder's conditions match a secret column to a value from the request."""
    arguments = call.child_by_field_name("arguments")
    for pair in walk(arguments) if arguments is not None else []:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or value is None:
            continue
        column = text_of(key).strip(":'\"")
        if _RB_SECRET_COLUMN.search(column) and _rb_from_request(value):
            return True
    return False


def _rb_from_request(node: tree_sitter.Node | None) -> bool:
    """Tell whether an expression reads the request's parameters (`params[:slug]`)."""
    for found in walk(node) if node is not None else []:
        parent = found.parent
        on_receiver = (
            parent is not None
            and parent.type == "call"
            and parent.child_by_field_name("method") == found
            and parent.child_by_field_name("receiver") is not None
        )
        if found.type == "identifier" and text_of(found) == "params" and not on_receiver:
            return True
    return False


def _rb_fails(node: tree_sitter.Node) -> bool:
    """`raise NotFound`, `head :not_found`, `(return ...)`: the request ends here."""
    while node.type == "parenthesized_statements" and node.named_child_count == 1:
        node = node.named_children[0]
    return node.type == "return" or (
        node.type in ("call", "identifier")
        and _rb_method(node) in _RB_FAILS
        and (node.type == "identifier" or node.child_by_field_name("receiver") is None)
    )


def _rb_guessable(method: tree_sitter.Node) -> bool:
    """Tell whether a method finds a record of a whole model straight from the request by
    anything but a secret (`Order.find(params[:id])`): a record no link opened."""
    body = method.child_by_field_name("body") or method
    for node in walk(body):
        receiver = node.child_by_field_name("receiver") if node.type == "call" else None
        name = _rb_method(node) if receiver is not None else ""
        if (
            receiver is not None
            and receiver.type in ("constant", "scope_resolution")
            and (name in _RB_FINDERS or _RB_DYNAMIC_FINDER.fullmatch(name))
            and _rb_from_request(node.child_by_field_name("arguments"))
            and not (_rb_by_secret(node) or _rb_by_secret_name(name))
        ):
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
            arrays = ("array", "symbol_array", "string_array")  # `[:show]`, `%i[show]`
            items = [value] if value is None or value.type not in arrays else value.named_children
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
