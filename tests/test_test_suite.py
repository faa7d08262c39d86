"""The test suite itself: every test that is written runs.

A second top-level ``def test_x`` in the same file replaces the first, which then never runs and
never fails (one did: a hand calculation of the Batch-tier cache-write price of claude-sonnet-4-6
was hidden by a later test of the same name, and a mutant of that price survived).
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def redefined(source: str) -> list[str]:
    """Names of the module-level test functions and classes ``source`` defines more than once."""
    names = Counter(node.name for node in ast.parse(source).body
                    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                    and node.name.startswith(("test_", "Test")))
    return sorted(name for name, n in names.items() if n > 1)


def test_the_check_finds_a_test_defined_twice():
    source = "def test_a():\n    assert 1\n\ndef helper():\n    pass\n\ndef test_a():\n    assert 2\n"
    assert redefined(source) == ["test_a"]
    assert redefined("def test_a():\n    pass\n\ndef test_b():\n    pass\n") == []


def test_no_test_file_defines_a_test_twice():
    files = sorted(TESTS.glob("test_*.py"))
    assert len(files) > 50
    twice = {path.name: names for path in files
             if (names := redefined(path.read_text(encoding="utf-8")))}
    assert twice == {}
