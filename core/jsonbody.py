"""Reading JSON request bodies with a nesting limit: any depth answers 400, never a 500.

`json.loads` raises RecursionError on a body nested about a thousand deep, and a body just under that parses
but makes every later recursive step (validation, error rendering, `json.dumps` into the database) one that can
fail the same way. So a body is refused when it is nested deeper than `MAX_DEPTH`, far below either limit.
`BoundedJsonParser` is django-ninja's parser with this rule (core/api.py); other views call `json_loads`.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _
from ninja.parser import Parser

# Deeper than any request this platform expects (an xAPI statement with extensions is about 10 deep).
MAX_DEPTH = 64


class JsonBodyError(ValueError):
    """The body is not JSON, or nested too deeply; `str()` says which, for a 400 answer."""


def json_depth_exceeds(value: Any, max_depth: int) -> bool:
    """Whether lists and objects nest more than `max_depth` levels deep (iterative: no recursion to exhaust)."""
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def json_loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` that raises `JsonBodyError` for invalid JSON and for nesting deeper than `max_depth`."""
    too_deep = _("The JSON body is nested more than %(limit)d levels deep.") % {"limit": max_depth}
    try:
        value = json.loads(data)
    except RecursionError:
        raise JsonBodyError(too_deep) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonBodyError(_("The request body is not valid JSON.")) from exc
    if json_depth_exceeds(value, max_depth):
        raise JsonBodyError(too_deep)
    return value


class BoundedJsonParser(Parser):
    """django-ninja's JSON parser with the nesting limit; ninja answers any parse error with 400."""

    def parse_body(self, request):
        return json_loads(request.body)
