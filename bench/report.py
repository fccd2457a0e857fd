"""The printed table and the JSON file."""

import json
from pathlib import Path


def _num(value, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


COLUMNS = [
    ("scenario", 44, lambda r: r["scenario"]),
    ("server", 16, lambda r: r.get("server", "")),
    ("p50 ms", 8, lambda r: _num(r.get("p50_ms"), 2)),
    ("p95 ms", 8, lambda r: _num(r.get("p95_ms"), 2)),
    ("p99 ms", 8, lambda r: _num(r.get("p99_ms"), 2)),
    ("per s", 9, lambda r: _num(r.get("throughput"))),
    ("RSS MB", 7, lambda r: _num(r.get("peak_rss_mb"))),
    ("target", 26, lambda r: r.get("target", "")),
    ("verdict", 8, lambda r: r.get("verdict", "")),
    ("note", 0, lambda r: r.get("note", "")),
]


def table(rows: list[dict]) -> str:
    lines = [
        " | ".join(name.ljust(width) if width else name for name, width, _ in COLUMNS),
        "-+-".join("-" * (width or 20) for _, width, _ in COLUMNS),
    ]
    for row in rows:
        cells = []
        for _name, width, get in COLUMNS:
            text = str(get(row))
            cells.append(text[:width].ljust(width) if width else text)
        lines.append(" | ".join(cells))
    return "\n".join(lines)


def markdown(rows: list[dict]) -> str:
    names = [name for name, _, _ in COLUMNS]
    lines = ["| " + " | ".join(names) + " |", "|" + " --- |" * len(names)]
    for row in rows:
        lines.append("| " + " | ".join(str(get(row)).replace("|", "/") for _, _, get in COLUMNS) + " |")
    return "\n".join(lines)


def write_json(path: Path, document: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str))
