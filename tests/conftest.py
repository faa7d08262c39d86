"""Shared fixtures: paths in the repository and a quiet matplotlib backend."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "data" / "scenarios"


@pytest.fixture
def root() -> Path:
    return ROOT


def scenario_path(name: str) -> Path:
    return SCENARIOS / f"{name}.yaml"
