"""A progress bar for management commands' long work, written to the command's stderr.

On a terminal it redraws one line (`\\r`) at most a few times a second; into a file or a pipe it
writes a plain line at every tenth of the way, so logs stay readable. Silent at `--verbosity 0`.
"""

import time
from types import TracebackType

from django.core.management.base import OutputWrapper

_REDRAW_SECONDS = 0.2
_BAR_WIDTH = 30


def _identity(text: str) -> str:
    return text


class Progress:
    """`with Progress(self.stderr, total=n, label="export", enabled=verbosity > 0) as bar:
    bar.advance(k)`. A `total` of None shows a running count without a bar."""

    def __init__(self, stream, *, total: int | None, label: str, enabled: bool = True, unit: str = "") -> None:
        self.stream = stream
        self.total = total
        self.label = label
        self.enabled = enabled
        self.unit = unit
        self.done = 0
        self._interactive = bool(getattr(stream, "isatty", lambda: False)())
        self._started = time.monotonic()
        self._last_draw = 0.0
        self._last_tenth = -1

    def __enter__(self) -> "Progress":
        self._started = time.monotonic()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.finish()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        if self._interactive:
            now = time.monotonic()
            if now - self._last_draw >= _REDRAW_SECONDS:
                self._last_draw = now
                self._write("\r" + self._line(), ending="")
        elif self.total:
            tenth = min(10, self.done * 10 // self.total)
            if tenth > self._last_tenth and tenth < 10:
                self._last_tenth = tenth
                self._write(self._line())

    def note(self, text: str) -> None:
        """A line of its own (a warning, a skipped record) that the bar does not overwrite."""
        if self._interactive and self.enabled:
            self._write("\r\033[K" + text)
            self._last_draw = 0.0
        else:
            self._write(text)

    def finish(self) -> None:
        if not self.enabled:
            return
        self.enabled = False
        self._write(("\r" if self._interactive else "") + self._line())

    def _line(self) -> str:
        elapsed = time.monotonic() - self._started
        unit = f" {self.unit}" if self.unit else ""
        rate = f", {self.done / elapsed:,.0f}{unit}/s" if elapsed > 0 and self.done else ""
        if not self.total:
            return f"{self.label}: {self.done:,}{unit} ({elapsed:.1f}s{rate})"
        fraction = min(1.0, self.done / self.total)
        filled = round(fraction * _BAR_WIDTH)
        bar = "#" * filled + "." * (_BAR_WIDTH - filled)
        return f"{self.label} [{bar}] {fraction:4.0%} {self.done:,}/{self.total:,}{unit} ({elapsed:.1f}s{rate})"

    def _write(self, text: str, ending: str = "\n") -> None:
        # Django's OutputWrapper colours stderr red on a terminal; progress is not an error.
        if isinstance(self.stream, OutputWrapper):
            self.stream.write(text, style_func=_identity, ending=ending)
        else:
            self.stream.write(text + ending)
        if hasattr(self.stream, "flush"):
            self.stream.flush()
