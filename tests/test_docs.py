"""The README keeps itself true: every command, table and column is documented."""

from __future__ import annotations

from orggraph.cli import main
from orggraph.schema import FREQUENCY_PER_MONTH, KINDS, TABLES

from .conftest import DATA, ROOT

README = (ROOT / "README.md").read_text()
DATA_README = (DATA / "README.md").read_text()


def test_every_cli_command_is_documented():
    for name in main.commands:
        assert f"orggraph {name}" in README, name


def test_every_column_is_documented():
    for text in (README, DATA_README):
        for table, cols in TABLES.items():
            assert f"`{table}`" in text
            for col, _, _ in cols:
                assert f"`{col}`" in text, (table, col)
        for word in (*KINDS, *FREQUENCY_PER_MONTH):
            assert word in text


def test_quick_start_matches_ci():
    ci = (ROOT / ".ci" / "run").read_text()
    test_command = 'pip install -e ".[test]" && python -m pytest'
    assert test_command in README and test_command in ci


def test_changelog_exists():
    assert "## " in (ROOT / "CHANGELOG.md").read_text()
