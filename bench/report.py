"""Each benchmark owns one section of docs/performance.md and rewrites only that."""

from __future__ import annotations

import platform
import re
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "performance.md"
HEADER = """# Performance

Written by `make bench`. Each section compares our path with a baseline measured beside it in the same run, on
the same machine: the ratios matter more than the absolute figures.
"""


def machine() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"


def write_section(name: str, body: str) -> str:
    """Replace (or add) the section called `name`; return the whole report."""
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else HEADER
    if not text.startswith(HEADER):
        text = HEADER  # the old single-section layout: start again
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    section = f"{start}\n{body.strip()}\n\n_Measured {datetime.now(timezone.utc):%Y-%m-%d} ({machine()})._\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    REPORT.write_text(text, encoding="utf-8")
    return text
