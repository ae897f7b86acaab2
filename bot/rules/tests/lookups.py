"""A check made redundant by a lookup that fails without the row: what it asserted, it fetches by.

`log = DeletionLog.objects.get(model_type=EXERCISE, uuid=exercise.uuid)` raises unless exactly one
row has that type and uuid, so `assertEqual(log.model_type, EXERCISE)` and
`assertEqual(log.uuid, exercise.uuid)` check nothing it does not; nor does a count of the rows a
filter on the same fields finds being 1 (`filter(model_type=..., uuid=...).count() == 1`). A
lookup raises when it is Django's `get` with fields (a dict's `get` takes none),
`get_object_or_404`, Rails' `find_by!`, Prisma's `find...OrThrow` or SQLAlchemy's `one()`; the
fields it filters by include those of the query it is chained to (`logs.get(uuid=...)` where
`logs = X.objects.filter(model_type=...)`). A plain `find_by` or `filter` returns nothing when
the row is missing, and a check of a field the lookup does not filter by is still lost.
"""

from __future__ import annotations

import re

# A lookup that raises when no row matches: Django `.get(field=`, `get_object_or_404(`, Rails
# `find_by!(`, Prisma `findUniqueOrThrow(`, SQLAlchemy `.one()`.
_RAISING = re.compile(
    r"\.get\(\s*\w+\s*=(?!=)|\bget_object_or_404\(|\.find_by!\(|\bfind\w*OrThrow\(|\.one\(\s*\)"
)
# The fields a query filters by: `field=`, `field__in=` (Python), `field:` (Ruby, JavaScript).
_FIELD = re.compile(r"(?<![\w.])([A-Za-z_]\w*?)(?:__\w+)?\s*(?:=(?![=>])|:(?!:))")
_COUNT_FILTER = re.compile(r"(\w+)\.objects\.filter\(")
_ONE = re.compile(
    r"^(?:self\.)?assert(?:Equal|Equals)?\((?P<a>[^,]+),1\)$|^assert(?P<b>.+)==1$"
    r"|^(?:self\.)?assertTrue\((?P<c>.+)\.exists\(\)\)$|^assert(?P<d>.+)\.exists\(\)$"
)
_OPENERS = {"(": ")", "[": "]", "{": "}"}
DEPTH = 3  # queries a lookup is followed back through (`logs.get(` of `logs = X.filter(`)


def _expression(body: str, name: str) -> str | None:
    """Return the expression last assigned to a name in a body, across the lines it spans."""
    found = None
    for match in re.finditer(rf"(?m)^[ \t]*{re.escape(name)}[ \t]*=(?![=>])[ \t]*", body):
        found = match
    if found is None:
        return None
    depth, end = 0, found.end()
    while end < len(body):
        ch = body[end]
        if ch in _OPENERS:
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "\n" and depth <= 0:
            break
        end += 1
    return body[found.end() : end]


def _fields(expression: str, body: str) -> frozenset[str]:
    """Return the fields a query filters by, with those of the queries it is chained to."""
    fields: set[str] = set()
    for _ in range(DEPTH):
        inner = expression[expression.find("(") + 1 :] if "(" in expression else ""
        fields.update(_FIELD.findall(inner))
        root = re.match(r"\s*([A-Za-z_]\w*)\s*\.", expression)
        earlier = _expression(body, root.group(1)) if root else None
        if earlier is None:
            break
        expression = earlier
    return frozenset(fields)


def _looked_up(body: str, name: str) -> frozenset[str]:
    """Return the fields a name is fetched by with a raising lookup, or none."""
    expression = _expression(body, name)
    if expression is None or not _RAISING.search(expression):
        return frozenset()
    return _fields(expression, body)


def implied(lost: str, old_body: str, new_body: str) -> bool:
    """Tell whether a removed check (whitespace-free) is implied by a raising lookup of the test
    as it now stands: an equality check of a field the row is fetched by, or a count of 1 of
    rows filtered by fields the lookup filters by too."""
    for name, field in re.findall(r"(?<![\w.])([A-Za-z_]\w*)\.(\w+)(?=[,)=]|$)", lost):
        if name in {"self", "this"}:
            continue
        if field in _looked_up(new_body, name) and _compares(lost, f"{name}.{field}"):
            return True
    return _counted_one(lost, old_body, new_body)


def _compares(lost: str, subject: str) -> bool:
    """Tell whether a check compares a value whole for equality (not `startswith`, not `!=`)."""
    if "!=" in lost or "assertNotEqual" in lost or ".not." in lost:
        return False
    at = re.escape(subject)
    return bool(
        re.search(rf"(?:^assert|[(,]){at}(?:[,)]|==|$)|=={at}(?:[,)]|$)", lost)
        and re.search(r"assert(?:Equal|Equals)?\(|assert_equal|==|\.to(?:Be|Equal)\(|\beq\(", lost)
    )


def _counted_one(lost: str, old_body: str, new_body: str) -> bool:
    """Tell whether a removed `count == 1` (or `exists()`) of a Django filter is implied by a
    `get` of the same model, now made, filtering by those fields and maybe more."""
    one = _ONE.match(lost)
    if one is None:
        return False
    subject = next(g for g in one.groups() if g)
    counted = subject if "(" in subject else _expression(old_body, subject) or ""
    model = _COUNT_FILTER.search(counted)
    if model is None:
        return False
    wanted = _fields(counted[model.start() :], old_body)
    for get in re.finditer(rf"\b{re.escape(model.group(1))}\.objects\.get\(", new_body):
        if wanted and wanted <= _fields(_balanced(new_body, get.end() - 1), new_body):
            return True
    return False


def _balanced(text: str, start: int) -> str:
    """Return the bracketed text opening at `start`, brackets included."""
    depth = 0
    for end in range(start, len(text)):
        depth += 1 if text[end] in _OPENERS else -1 if text[end] in ")]}" else 0
        if depth == 0:
            return text[start : end + 1]
    return text[start:]
