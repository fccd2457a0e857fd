"""The progress bar the maintenance commands share."""

from io import StringIO

from django.core.management.base import OutputWrapper

from chatstudio.progress import Progress


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_into_a_file_it_writes_a_line_per_tenth_and_a_final_one():
    stream = StringIO()

    with Progress(OutputWrapper(stream), total=100, label="seed", unit="messages") as bar:
        for _ in range(100):
            bar.advance()

    lines = stream.getvalue().splitlines()
    assert [line.split("]")[0] for line in lines] == [
        "seed [" + "#" * round(3 * n) + "." * (30 - round(3 * n)) for n in range(10)
    ] + ["seed [" + "#" * 30]
    assert lines[-1].startswith("seed [" + "#" * 30 + "] 100% 100/100 messages (")
    assert "\r" not in stream.getvalue()


def test_on_a_terminal_it_redraws_one_line_and_notes_keep_their_own():
    stream = Terminal()

    with Progress(OutputWrapper(stream), total=4, label="import") as bar:
        bar.advance(2)
        bar.note("line 3: not a JSON object")
        bar.advance(2)

    text = stream.getvalue()
    assert text.startswith("\rimport [" + "#" * 15 + "." * 15 + "]  50% 2/4 (")
    assert "\r\033[Kline 3: not a JSON object\n" in text
    assert text.endswith("\n") and "100% 4/4" in text.splitlines()[-1]


def test_disabled_it_writes_nothing_but_notes():
    stream = StringIO()

    with Progress(stream, total=10, label="purge", enabled=False) as bar:
        bar.advance(10)
        bar.note("line 1: bad")

    assert stream.getvalue() == "line 1: bad\n"


def test_without_a_total_it_counts():
    stream = StringIO()

    with Progress(stream, total=None, label="import", unit="bytes") as bar:
        bar.advance(2048)

    assert stream.getvalue().startswith("import: 2,048 bytes (")
