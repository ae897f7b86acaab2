"""The labels a page shows and the labels a test drives it by: UI a change removes takes the
tests that drive it along.

A system test finds what it clicks, fills in and expects by what the page shows: a button's text
(`click_button "Update View"`), a field's label, an element's id (`have_css("#cc-columns-panel")`),
a Playwright role's name (`getByRole("button", { name: "Columns" })`). When a change removes that
text from the templates (views, partials, components) it edits and no changed file shows or
spells it any more, the test drove UI the change removes: it went with that UI. A label of one
word (`Columns`, `Filter`) is common to many pages, so it retires a test only when the template
it leaves is the one the test file visits (`visit case_contacts_new_design_path` and
`app/views/case_contacts_new_design/index.html.erb`); a label of several words or an id retires
tests wherever they are. A label the change still shows somewhere, or that a test of its file
still drives, retires nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.rules.tests.similarity import fold

# Template code and comments, which show nothing themselves: `<% %>`, `{{ }}`, `<!-- -->`.
_CODE = re.compile(r"<%.*?%>|\{\{.*?\}\}|\{%.*?%\}|<!--.*?-->", re.DOTALL)
_TAG = re.compile(r"<[^<>]*>")
_ATTRIBUTE = re.compile(
    r"\b(?:id|aria-label|placeholder|title|value|alt)\s*=\s*(?:\"([^\"<>{}]*)\"|'([^'<>{}]*)')"
)
_LITERAL = re.compile(r"\"((?:\\.|[^\"\\\n])*)\"|'((?:\\.|[^'\\\n])*)'|`((?:\\.|[^`\\$])*)`")
_SPACE = re.compile(r"\s+")
# What a test drives a page by: Capybara's actions, finders and matchers, Playwright's locators.
_DRIVEN = re.compile(
    r"\b(?:click_button|click_on|click_link|click_link_or_button|have_button|have_link"
    r"|have_field|fill_in|check|uncheck|choose|select|have_select|find_button|find_link"
    r"|find_field|have_css|have_selector|have_no_css|have_no_selector|find|within|all"
    r"|getByText|getByLabel|getByPlaceholder|getByTitle|getByTestId|locator)"
    r"[ \t]*\(?[ \t]*(?:\"([^\"\n]+)\"|'([^'\n]+)')"
    r"|\bname:\s*(?:\"([^\"\n]+)\"|'([^'\n]+)')"
)
# The pages a test file visits, by route helper or path: `case_contacts_new_design_path`.
_VISITED = re.compile(r"\b(\w+)_(?:path|url)\b|\b(?:visit|goto)\(?\s*[\"'`]([^\"'`]+)")
_ID = re.compile(r"^#([\w-]+)$")
MIN_LABEL = 3  # characters a label needs to name one thing
TEMPLATES = (".html.erb", ".erb", ".haml", ".slim", ".html", ".vue", ".svelte", ".hbs")


def shown(text: str) -> frozenset[str]:
    """Return the labels a template shows: its texts between tags and the values of its ids,
    names for assistive technology and placeholders, folded to lower case, whitespace single."""
    found: set[str] = set()
    for value in _ATTRIBUTE.findall(text):
        found.add(_norm(value[0] or value[1]))
    for chunk in _TAG.split(_CODE.sub("<>", text)):
        found.add(_norm(chunk))
    return frozenset(label for label in found if len(label) >= MIN_LABEL)


def spelt(text: str) -> frozenset[str]:
    """Return a file's string literals, folded as labels are: where code spells a label
    (`link_to "New Case Contact"`, a component's `label: "Columns"`)."""
    return frozenset(
        _norm(next(g for g in m.groups() if g is not None)) for m in _LITERAL.finditer(text)
    )


def driven(text: str) -> frozenset[str]:
    """Return the labels a test drives a page by, ids without their `#`."""
    found = set()
    for match in _DRIVEN.finditer(text):
        label = _norm(next(g for g in match.groups() if g is not None))
        identified = _ID.match(label)
        found.add(identified.group(1) if identified else label)
    return frozenset(label for label in found if len(label) >= MIN_LABEL)


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def is_template(path: str) -> bool:
    return path.endswith(TEMPLATES)


@dataclass(frozen=True)
class Unshown:
    """The labels the change's templates stop showing, each with the templates it left."""

    labels: dict[str, frozenset[str]]
    still: frozenset[str] = frozenset()  # what the changed files still show or spell

    @classmethod
    def of(cls, files: Iterable[tuple[str, str | None, str | None]]) -> Unshown:
        """Read (path, base text, head text) of each changed production file and template."""
        gone: dict[str, set[str]] = {}
        still: set[str] = set()
        for path, base, head in files:
            if is_template(path):
                still |= shown(head or "")
                for label in shown(base or "") - shown(head or ""):
                    gone.setdefault(label, set()).add(path)
            still |= spelt(head or "")
        kept = frozenset(still)
        return cls(
            {label: frozenset(paths) for label, paths in gone.items() if label not in kept}, kept
        )

    def retires(self, test: str, file_text: str, kept: frozenset[str]) -> bool:
        """Tell whether a removed test drives a label the change stops showing, one no test of
        its file still drives (`kept`); a single word only on a page its file visits."""
        if not self.labels:
            return False
        visited = [fold(a or b) for a, b in _VISITED.findall(file_text)]
        for label in driven(test) - kept:
            paths = self._left(label)
            if not paths:
                continue
            if _phrase(label):
                return True
            if any(_page(path) in route for path in paths for route in visited):
                return True
        return False

    def _left(self, label: str) -> frozenset[str]:
        """Return the templates that stop showing a label, or text holding it (Capybara finds
        `Add Another Topic` in `+ Add Another Topic`); none if a changed file still does. A
        single word, tied to the page its test visits, is looked for whole elsewhere."""
        if label in self.still or (_phrase(label) and any(label in s for s in self.still)):
            return frozenset()
        exact = self.labels.get(label)
        if exact:
            return exact
        return frozenset().union(*(p for gone, p in self.labels.items() if label in gone))


def _phrase(label: str) -> bool:
    """Tell whether a label names one thing on its own: several words, or an id's parts."""
    return " " in label or "-" in label or "_" in label


def _page(path: str) -> str:
    """Name the page a template renders, as its route helper spells it: the folder of an
    index or a partial (`case_contacts_new_design`), else the file's stem."""
    posix = PurePosixPath(path)
    stem = posix.name.split(".")[0].lstrip("_")
    if stem in {"index", "show", "new", "edit", "form", "_form"} and posix.parent.name:
        stem = posix.parent.name
    folded = fold(stem)
    return folded if len(folded) > MIN_LABEL else "\0"
