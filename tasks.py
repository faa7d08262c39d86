#!/usr/bin/env python3
"""Quick-start tasks that work on a fresh machine with only Python 3.11 or newer.

    python3 tasks.py reports   # reports for every bundled scenario into reports/
    python3 tasks.py test      # all tests: pytest, doctests (and notebooks)

On first use (or when requirements.txt changes) it creates a virtual environment in .venv/ and
installs requirements.txt into it; later runs reuse it. Extra arguments are passed on, e.g.
``python3 tasks.py test -k erlang`` or ``python3 tasks.py reports data/scenarios/paper-example.yaml``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".requirements.sha256"


def _digest() -> str:
    text = (ROOT / "requirements.txt").read_bytes() + (ROOT / "pyproject.toml").read_bytes()
    return hashlib.sha256(text).hexdigest()


def ensure_venv() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed, this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"creating virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not STAMP.exists() or STAMP.read_text().strip() != _digest():
        print("installing requirements.txt (first run takes a few minutes) ...", flush=True)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True, cwd=ROOT)
        subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"], check=True, cwd=ROOT)
        subprocess.run([str(PYTHON), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        STAMP.write_text(_digest())


def run(args: list[str]) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg", PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.call([str(PYTHON), *args], cwd=ROOT, env=env)


def main(argv: list[str]) -> int:
    tasks = {
        "reports": lambda rest: run(["-m", "tco", "report", *rest]),
        "test": lambda rest: run(["-m", "pytest", *rest]),
        "setup": lambda rest: 0,
    }
    if not argv or argv[0] not in tasks:
        print(__doc__)
        return 2
    ensure_venv()
    return tasks[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
