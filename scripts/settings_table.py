"""README's settings table, written from :data:`cnn_core.base.env.VARS` (the one place settings are described).

``python -m scripts.settings_table`` prints it; ``--write`` puts it in README.md in place of the table under
"## Settings". tests/core/test_settings.py checks that README holds exactly this table.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cnn_core.base import env

README = Path(__file__).resolve().parents[1] / "README.md"
HEADER = "| variable | default | allowed | what |\n| --- | --- | --- | --- |\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table() -> str:
    rows = [f"| `{v.env}` | {_cell(v.shown_default())} | {_cell(v.allowed())} | {_cell(v.doc)} |" for v in env.VARS]
    return HEADER + "\n".join(rows) + "\n"


def readme_table(text: str) -> str:
    """The table under README's "## Settings" heading, as written there (its first row to its last)."""
    section = text.split("\n## Settings\n", 1)[1]
    start = section.index(HEADER.splitlines()[0])
    lines = []
    for line in section[start:].splitlines(keepends=True):
        if not line.startswith("|"):
            break
        lines.append(line)
    return "".join(lines)


def main(argv: list[str]) -> int:
    if "--write" in argv:
        text = README.read_text(encoding="utf-8")
        README.write_text(text.replace(readme_table(text), table(), 1), encoding="utf-8")
    else:
        sys.stdout.write(table())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
