"""Errors the workbook raises for bad input: each names the field and what is allowed."""

from __future__ import annotations


class ScenarioError(ValueError):
    """A scenario file or mapping that cannot be evaluated.

    ``problems`` is a list of ``(field_path, message)`` pairs, e.g.
    ``("models[1].serving.accelerator", "unknown accelerator 'H1000'; known: A10, ...")``.
    ``str(error)`` is one readable paragraph listing every problem.

    >>> e = ScenarioError([("traffic.requests_per_day", "must be >= 0, got -5")], source="x.yaml")
    >>> print(e)
    Scenario x.yaml is not valid:
      - traffic.requests_per_day: must be >= 0, got -5
    """

    what = "Scenario"

    def __init__(self, problems: list[tuple[str, str]], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        super().__init__(self._text())

    def _text(self) -> str:
        where = f" {self.source}" if self.source else ""
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
