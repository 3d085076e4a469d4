"""Rewrite the configuration table in README.md from `core.config.Settings`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from core.config import markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- settings-table:[^\n]*-->\n)(.*?)(\n<!-- /settings-table -->)", re.S)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    if not BLOCK.search(text):
        sys.stderr.write("README.md has no settings-table markers\n")
        return 1
    README.write_text(BLOCK.sub(lambda m: m[1] + markdown_table() + m[3], text), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
