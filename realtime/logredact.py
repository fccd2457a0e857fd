"""Keeps access tokens out of every log line and out of daphne's access log."""

import logging
import re

from daphne.access import AccessLogGenerator

_TOKEN = re.compile(r"((?:^|[?&;\s])(?:access_)?token=)[^&\s\"']+", re.IGNORECASE)


def redact(text: str) -> str:
    return _TOKEN.sub(r"\1[redacted]", text)


class RedactTokensFilter(logging.Filter):
    """A logging filter: `token=...` in a message or its arguments becomes `token=[redacted]`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the handler's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RedactingAccessLogGenerator(AccessLogGenerator):
    """daphne's NCSA access log with token values removed from the logged path."""

    def __call__(self, protocol, action, details):
        if details.get("path"):
            details = {**details, "path": redact(str(details["path"]))}
        return super().__call__(protocol, action, details)
