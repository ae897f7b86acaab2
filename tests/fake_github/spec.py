"""Check requests against GitHub's OpenAPI description, so the bot cannot drift from the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema.exceptions import best_match  # type: ignore[import-untyped]
from openapi_core import OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.request.exceptions import ParameterValidationError

SPEC_PATH = Path(__file__).resolve().parent.parent / "github_api" / "openapi-subset.json"
# One fixed origin for every double: the spec is loaded once per process but ports differ.
SPEC_HOST = "http://fake-github.invalid"
_api: OpenAPI | None = None


class UnknownOperation(Exception):
    """Raised for a method and path GitHub's description does not have."""


def api() -> OpenAPI:
    """Load the description once per process, since it takes a noticeable fraction of a second."""
    global _api
    if _api is None:
        spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
        spec["servers"] = [{"url": SPEC_HOST}]
        _api = OpenAPI.from_dict(spec)
    return _api


def check(method: str, path: str, query: dict[str, str], body: bytes, content_type: str) -> None:
    """Raise UnknownOperation or ValueError(message) unless the request matches the description.

    `path` must keep percent-encoding, with the contents path's slashes encoded as %2F: openapi-core
    ignores the spec's `x-multi-segment` and matches `{path}` against one segment only.
    """
    request = MockRequest(
        SPEC_HOST,
        method,
        path,
        args=query,
        data=body,
        content_type=content_type or "application/json",
    )
    try:
        api().validate_request(request)
    except PathError as exc:
        raise UnknownOperation(str(exc)) from None
    except OpenAPIError as exc:
        raise ValueError(_describe(exc)) from None


def check_response(method: str, path: str, status: int, body: bytes) -> None:
    """Raise ValueError(message) unless the double's JSON answer matches GitHub's description."""
    request = MockRequest(SPEC_HOST, method, path)
    response = MockResponse(body, status_code=status, content_type="application/json")
    try:
        api().validate_response(request, response)
    except OpenAPIError as exc:
        raise ValueError(_describe(exc, "Invalid response body")) from None


def _describe(exc: Exception, what: str = "Invalid request body") -> str:
    """Name the failing field and rule; jsonschema's own text repeats whole request bodies."""
    cause = exc.__cause__
    errors: tuple[Any, ...] = getattr(cause, "schema_errors", None) or ()
    if not errors:
        return f"{exc}" + (f" ({cause!r})" if cause is not None else "")
    parts = []
    for error in errors:
        if error.context:  # anyOf/oneOf: name the closest branch's failure, not the whole value
            error = best_match(error.context)
        where = ".".join(str(p) for p in error.absolute_path)
        message = error.message
        if len(message) > 160:
            message = f"fails {error.validator}={error.validator_value!r}"
        parts.append(f"{where}: {message}" if where else message)
    head = str(exc) if isinstance(exc, ParameterValidationError) else what
    return f"{head}: " + "; ".join(parts)
