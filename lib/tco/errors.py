"""Errors the workbook raises for bad input: each names the field and what is allowed."""

from __future__ import annotations

import re

#: Characters shown escaped in messages: C0 and C1 controls (NUL, newline, ESC...), DEL, and the
#: Unicode bidirectional and line/paragraph separators that reorder or break a terminal line.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def visible(text: str) -> str:
    """``text`` with control characters written as escapes (``\\n``, ``\\x00``, ``\\x1b``,
    ``\\u202e``), so that a value read from a file cannot hide, break or recolour a message.

    >>> print(visible("'evil\\n' and '\\x00' and '\\x1b[31m'"))
    'evil\\n' and '\\x00' and '\\x1b[31m'
    >>> visible("plain text, é and 中文 stay")
    'plain text, é and 中文 stay'
    """

    def escape(match: re.Match) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _INVISIBLE.sub(escape, str(text))


class ScenarioError(ValueError):
    """A scenario file or mapping that cannot be evaluated.

    ``problems`` is a list of ``(field_path, message)`` pairs, e.g.
    ``("models[1].serving.accelerator", "unknown accelerator 'H1000'; known: A10, ...")``.
    ``str(error)`` is one readable paragraph listing every problem. Control characters in a path or
    message (a value read from the file: NUL, newline, an ANSI escape) are stored and shown escaped
    (:func:`visible`), here, once for every message.

    >>> e = ScenarioError([("traffic.requests_per_day", "must be >= 0, got -5")], source="x.yaml")
    >>> print(e)
    Scenario x.yaml is not valid:
      - traffic.requests_per_day: must be >= 0, got -5
    >>> print(ScenarioError([("name", "'a\\x00b\\n' is not a slug")]))
    Scenario is not valid:
      - name: 'a\\x00b\\n' is not a slug
    """

    what = "Scenario"

    def __init__(self, problems: list[tuple[str, str]], source: str | None = None):
        self.problems = [(visible(path), visible(message)) for path, message in problems]
        self.source = source
        super().__init__(self._text())

    def _text(self) -> str:
        where = f" {visible(self.source)}" if self.source else ""
        lines = [f"{self.what}{where} is not valid:"]
        for path, message in self.problems:
            lines.append(f"  - {path}: {message}" if path else f"  - {message}")
        return "\n".join(lines)


class MeasurementError(ScenarioError):
    """A measurement file (``data/validation/`` format) that cannot be read: rows and columns named.

    >>> print(MeasurementError([("line 3.mode", "'x' is not one of training, offline, server")], "m.csv"))
    Measurement file m.csv is not valid:
      - line 3.mode: 'x' is not one of training, offline, server
    """

    what = "Measurement file"


class CatalogError(ValueError):
    """A reference catalog file that is missing, malformed or lacks a source or date."""
