"""JSON parsing that refuses what would otherwise crash deeper down: oversized bodies, deep
nesting (a RecursionError in the decoder) and NUL characters (PostgreSQL rejects them in text)."""

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from chatstudio.exceptions import PayloadTooLarge


def _check_structure(value, depth: int = 0) -> None:
    if depth > settings.MAX_JSON_DEPTH:
        raise ParseError(_("JSON is nested more than %(depth)d levels deep.") % {"depth": settings.MAX_JSON_DEPTH})
    if isinstance(value, str):
        if "\x00" in value:
            raise ParseError(_("Strings may not contain NUL characters."))
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_structure(key, depth + 1)
            _check_structure(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check_structure(item, depth + 1)


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.MAX_REQUEST_BODY_BYTES
        declared = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if declared > limit:
            raise PayloadTooLarge()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        if not raw:
            raise ParseError(_("The request body is empty; send JSON."))
        try:
            data = json.loads(raw.decode(settings.DEFAULT_CHARSET))
        except RecursionError:
            raise ParseError(_("JSON is nested too deeply.")) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(_("Malformed JSON: %(error)s") % {"error": exc}) from None
        _check_structure(data)
        return data
