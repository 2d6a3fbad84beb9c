"""What /api/ accepts as input: JSON bodies and query strings, with no NUL character in any text.

PostgreSQL text cannot hold NUL, so a NUL that reached a query would answer 500; it is refused here, once, for
every operation (a query string: 422; a body: 400 "cannot parse", as any body that is not acceptable JSON)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja.errors import ValidationError

from core.jsonbody import BoundedJsonParser


def _refuse_nul(data, where: str) -> None:
    stack = [((where,), data)]
    while stack:  # a loop, not recursion: a deeply nested body must not exhaust the stack here
        loc, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise ValidationError([{"type": "string_nul", "loc": loc, "msg": _("Text may not contain NUL.")}])
        elif isinstance(value, dict):
            for key, item in value.items():
                stack.append((loc, key))
                stack.append(((*loc, str(key).replace("\x00", "")), item))
        elif isinstance(value, list):
            stack.extend(((*loc, index), item) for index, item in enumerate(value))


class ApiParser(BoundedJsonParser):
    """The bounded JSON parser (core.jsonbody) that also refuses NUL."""

    def parse_body(self, request):
        data = super().parse_body(request)
        _refuse_nul(data, "body")
        return data

    def parse_querydict(self, data, list_fields, request):
        parsed = super().parse_querydict(data, list_fields, request)
        _refuse_nul(parsed, "query")
        return parsed
