#!/usr/bin/env python3
"""Mutation testing of the formula and sizing modules with mutmut 3, and a score per module.

    .venv/bin/python -m pip install -r requirements-dev.txt        # once: mutmut (not needed otherwise)
    .venv/bin/python tools/mutation.py --list                      # modules, test subset, mutant counts
    .venv/bin/python tools/mutation.py --max-children 2 --sample 150 --save tools/mutation_results.md
    .venv/bin/python tools/mutation.py --report-only --survivors   # the last run's table and survivors

It runs on demand, not in CI (a full run, about 5,200 mutants, took 70 to 75 minutes on 2 cores on
2026-12-06; ``--resume`` continues a stopped one, running again the functions changed since, or every
mutant a new test reaches). mutmut 3 copies the project into a ``mutants/`` folder and runs the tests there; this script builds that copy in ``build/mutation/`` (git-ignored,
``--clean`` removes it), so nothing is written into the tree.

What the copy holds:

- ``src/tco/``: ``lib/tco`` as it is, except that in the mutated modules a ``@vectorised`` line
  becomes a comment and ``name = vectorised(name)`` is appended to the module. mutmut 3 leaves
  every decorated function alone, and most formulas carry ``@vectorised``: without this they
  would not be mutated at all. Applying the decorator after the definition is the same Python
  (it is what ``@`` means), and the line numbers do not move.
- ``tests/``: all of it, of which only the fast subset in ``TESTS`` runs (the goldens, the unit tests of the mutated modules,
  the property tests, ``test_kills_*``) and the doctests of the mutated modules; no notebooks, no
  browser, no bad-input corpus.
- ``data/``: the catalogs and scenarios the tests read.

The score per module is killed / (all mutants run), raw and with the mutants listed in
``tools/mutation_equivalent.md`` left out of both counts. A mutant counts as killed when a test
failed or it timed out (mutmut's "timeout": the mutant loops); "survived" and "no tests" are not
killed. ``--sample N`` runs a seeded sample of at most N mutants per module (the same sample every
time for the same code), so the big modules fit in the time there is.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGE = ROOT / "build" / "mutation"
EQUIVALENT = ROOT / "tools" / "mutation_equivalent.md"
SEED = 19

# the modules mutated (paths under lib/), in the order of the table
MODULES = [
    "tco/performance.py",
    "tco/capacity.py",
    "tco/pricing.py",
    "tco/sizing.py",
    "tco/dimensions/compute.py",
    "tco/dimensions/data.py",
    "tco/dimensions/fusion.py",
    "tco/dimensions/staff.py",
    "tco/dimensions/storage.py",
    "tco/variants.py",
]

# the fast test subset (globs under tests/); test_units.py is left out: its pint check reads each
# formula's signature and defaults, which mutmut's trampolines replace
TESTS = [
    "test_golden_*.py",
    "test_kills_*.py",
    "test_capacity.py",
    "test_sizing.py",
    "test_variants.py",
    "test_serving.py",
    "test_data_dimension.py",
    "test_properties.py",
    "test_items.py",
    "test_sizing_parts.py",
    "test_energy.py",
    "test_business.py",
    "test_compare.py",
]

KILLED = {"killed", "timeout"}


def module_name(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def test_files() -> list[Path]:
    files = sorted({p for pattern in TESTS for p in (ROOT / "tests").glob(pattern)})
    return files


def _decorators_applied_after(source: str) -> str:
    """``@vectorised`` above a def becomes a comment, and ``name = vectorised(name)`` goes at the end."""
    names = re.findall(r"^@vectorised\n(?:async )?def (\w+)\(", source, flags=re.MULTILINE)
    source = re.sub(r"^@vectorised$", "# @vectorised: applied at the end of the module (tools/mutation.py)",
                    source, flags=re.MULTILINE)
    if names:
        source += "\n\n" + "".join(f"{name} = vectorised({name})\n" for name in names)
    return source


def stage(keep_results: bool = False) -> None:
    """Build the copy of the project that mutmut works in (build/mutation/).

    With ``keep_results`` the results of the last run (``mutants/``, with mutmut's ``.meta`` files and
    test stats) are kept: mutmut then runs only the mutants without a result, and itself forgets the
    results of every function whose code changed since (it hashes each function)."""
    kept = STAGE.parent / "mutation-kept"
    if kept.exists():
        shutil.rmtree(kept)
    if keep_results and (STAGE / "mutants").exists():
        (STAGE / "mutants").rename(kept)
    if STAGE.exists():
        shutil.rmtree(STAGE)
    if kept.exists():
        STAGE.mkdir(parents=True)
        kept.rename(STAGE / "mutants")
    shutil.copytree(ROOT / "lib" / "tco", STAGE / "src" / "tco",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for module in MODULES:
        path = STAGE / "src" / module
        path.write_text(_decorators_applied_after(path.read_text(encoding="utf-8")), encoding="utf-8")
    shutil.copytree(ROOT / "data", STAGE / "data")
    # every test file is copied (some import helpers from others); only TESTS are run
    shutil.copytree(ROOT / "tests", STAGE / "tests", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    # mutmut runs, for each mutant, only the tests that called the mutated function when it collected
    # its stats; a call made while a module- or session-scoped fixture is set up counts for the first
    # test using the fixture only, so the other tests reading that fixture would never run against the
    # mutant. In the copy every fixture is function-scoped: the same tests, each set up on its own.
    for path in (STAGE / "tests").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        scoped = re.sub(r"""scope\s*=\s*["'](?:module|session|package|class)["']""", 'scope="function"', text)
        if scoped != text:
            path.write_text(scoped, encoding="utf-8")
    selection = [f"tests/{p.name}" for p in test_files()] + [f"src/{m}" for m in MODULES]
    lines = ["[mutmut]",
             "source_paths = src",
             "also_copy =", "    data",
             "only_mutate =", *(f"    src/{m}" for m in MODULES),
             "pytest_add_cli_args_test_selection =", *(f"    {s}" for s in selection),
             "pytest_add_cli_args =", "    --doctest-modules", "    -p", "    no:cacheprovider",
             "    -p", "    no:randomly", "    -q",
             # lists the functions of each formula module: mutmut's trampolines add x_*__mutmut_* ones
             "    --deselect", "    tests/test_properties.py::test_every_formula_function_is_covered",
             "    --deselect", "    tests/test_items.py::test_each_kind_names_formula_functions_with_their_equation",
             "",
             "[tool:pytest]",
             "doctest_optionflags = NORMALIZE_WHITESPACE NUMBER",
             "filterwarnings = error::DeprecationWarning:tco.*",
             ""]
    (STAGE / "setup.cfg").write_text("\n".join(lines), encoding="utf-8")


def all_mutants() -> dict[str, list[str]]:
    """Every mutant mutmut makes, by module (generated here without running anything)."""
    from mutmut.mutation.file_mutation import mutate_file_contents
    from mutmut.utils.format_utils import get_mutant_name

    names = {}
    for module in MODULES:
        relative = Path("src") / module
        code = _decorators_applied_after((ROOT / "lib" / module).read_text(encoding="utf-8"))
        mutated = mutate_file_contents(str(relative), code)
        names[module] = [get_mutant_name(relative, n) for n in mutated.mutant_names]
    return names


def sample(names: dict[str, list[str]], size: int | None, seed: int = SEED) -> dict[str, list[str]]:
    if not size:
        return names
    return {m: sorted(random.Random(f"{seed}:{m}").sample(v, size)) if len(v) > size else v
            for m, v in names.items()}


def equivalents() -> dict[str, str]:
    """Mutant name -> reason, from the list items of EQUIVALENT: ``- `name`: reason``, or several names
    sharing one reason, ``- `name1`, `name2`: reason``."""
    if not EQUIVALENT.exists():
        return {}
    out = {}
    for names, reason in re.findall(r"^- ((?:`[\w.]+__mutmut_\d+`(?:,\s*)?)+):?\s*(.*)$",
                                     EQUIVALENT.read_text(encoding="utf-8"), flags=re.MULTILINE):
        for name in re.findall(r"`([\w.]+__mutmut_\d+)`", names):
            out[name] = reason
    return out


def results() -> dict[str, dict[str, str]]:
    """Status of every mutant that was run, by module, from mutmut's .meta files."""
    from mutmut.stats import status_by_exit_code

    out = {}
    for module in MODULES:
        meta = STAGE / "mutants" / "src" / (module + ".meta")
        if not meta.exists():
            out[module] = {}
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        out[module] = {k: status_by_exit_code[v] for k, v in codes.items() if v is not None}
    return out


def table(status: dict[str, dict[str, str]], totals: dict[str, int], sampled: int | None, seed: int = SEED) -> str:
    eq = equivalents()
    rows = ["| module | mutants | run | killed | survived | score (raw) | equivalent | score excl. equivalent |",
            "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for module in MODULES:
        s = status[module]
        run = len(s)
        killed = sum(v in KILLED for v in s.values())
        survivors = [k for k, v in s.items() if v not in KILLED]
        equivalent = sum(k in eq for k in survivors)
        raw = f"{100 * killed / run:.1f}%" if run else "-"
        excl = f"{100 * killed / (run - equivalent):.1f}%" if run - equivalent else "-"
        rows.append(f"| {module_name(module)} | {totals.get(module, run)} | {run} | {killed} | "
                    f"{len(survivors)} | {raw} | {equivalent} | {excl} |")
    note = f"sample of at most {sampled} mutants per module (seed {seed})" if sampled else "every mutant"
    text = "\n".join(rows) + f"\n\n{note}; 'run' = mutants whose tests ran; killed includes timeouts.\n"
    stale = stale_equivalents(status, eq)
    if stale:
        text += ("\nListed as equivalent but killed or no longer a mutant (the code changed and mutmut "
                 "renumbered; check each entry's reason against `--survivors`):\n"
                 + "".join(f"- {name}: {why}\n" for name, why in stale))
    return text


def stale_equivalents(status: dict[str, dict[str, str]], eq: dict[str, str]) -> list[tuple[str, str]]:
    """Entries of EQUIVALENT that no longer name a survivor of a module that was run: mutmut numbers
    mutants in order, so a change to a function can move a listed name onto another mutant."""
    out = []
    for module in MODULES:
        s, prefix = status[module], module_name(module) + "."
        if not s:
            continue
        for name in sorted(k for k in eq if k.startswith(prefix)):
            if name not in s:
                out.append((name, "not a mutant of the code now"))
            elif s[name] in KILLED:
                out.append((name, f"{s[name]}, not a survivor"))
    return out


def survivors_text(status: dict[str, dict[str, str]]) -> str:
    eq = equivalents()
    out = []
    for module in MODULES:
        for name, st in sorted(status[module].items()):
            if st in KILLED:
                continue
            diff = subprocess.run([str(Path(sys.executable).parent / "mutmut"), "show", name], cwd=STAGE,
                                  capture_output=True, text=True).stdout
            tag = f" (equivalent: {eq[name]})" if name in eq else ""
            out.append(f"## {name}: {st}{tag}\n{diff.strip()}\n")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--list", action="store_true", help="the modules, tests and mutant counts; run nothing")
    parser.add_argument("--max-children", type=int, default=2, help="mutants run in parallel (default 2)")
    parser.add_argument("--report-only", action="store_true", help="report the last run in build/mutation/")
    parser.add_argument("--survivors", action="store_true", help="print the diff of every surviving mutant")
    parser.add_argument("--sample", type=int, default=None, help="at most N mutants per module (seeded)")
    parser.add_argument("--seed", type=int, default=SEED, help=f"seed of the sample (default {SEED})")
    parser.add_argument("--mutant", action="append", default=None,
                        help="run only this mutant (a name from --survivors, e.g. tco.sizing.x_size_model__mutmut_189); "
                             "repeatable; re-checks survivors after new tests")
    parser.add_argument("--module", action="append", default=None,
                        help="only this module (e.g. capacity or dimensions/compute); repeatable")
    parser.add_argument("--save", type=Path, default=None, help="write the table (markdown) to FILE")
    parser.add_argument("--clean", action="store_true", help="remove build/mutation/ and stop")
    parser.add_argument("--resume", action="store_true",
                        help="keep the results in build/mutation/ and run only the mutants without one "
                             "(continues a full run that was stopped; a changed function is run again)")
    args = parser.parse_args(argv)

    if args.clean:
        shutil.rmtree(STAGE, ignore_errors=True)
        return 0
    try:
        import mutmut  # noqa: F401
    except ImportError:
        print("mutmut is not installed: .venv/bin/python -m pip install -r requirements-dev.txt")
        return 2
    if args.module:
        wanted = {m.removesuffix(".py") for m in args.module}
        unknown = wanted - {m.removesuffix(".py").removeprefix("tco/") for m in MODULES}
        if unknown:
            print(f"--module {', '.join(sorted(unknown))}: not a mutated module; allowed: "
                  + ", ".join(m.removesuffix(".py").removeprefix("tco/") for m in MODULES))
            return 2
        MODULES[:] = [m for m in MODULES if m.removesuffix(".py").removeprefix("tco/") in wanted]

    names = all_mutants()
    totals = {m: len(v) for m, v in names.items()}
    if args.list:
        for m in MODULES:
            print(f"{module_name(m):28} {totals[m]:5d} mutants")
        print("tests:", " ".join(p.name for p in test_files()), "+ doctests of the modules above")
        return 0

    if not args.report_only:
        stage(keep_results=args.resume)
        done = {n for v in results().values() for n in v} if args.resume else set()
        chosen = sample(names, args.sample, args.seed)
        # a full run names no mutant: mutmut then runs every mutant without a result (naming 5,000
        # mutants would make it match every name against every mutant)
        todo = [n for m in MODULES for n in chosen[m] if n not in done] if args.sample else []
        if args.mutant:
            known = {n for v in names.values() for n in v}
            unknown = [n for n in args.mutant if n not in known]
            if unknown:
                print(f"--mutant {', '.join(unknown)}: no such mutant of the modules mutated now (names change "
                      "when a function changes; list them with --report-only --survivors after a run)")
                return 2
            todo = list(args.mutant)
        env = dict(os.environ, PYTHONHASHSEED="0", MPLBACKEND="Agg")
        cmd = [str(Path(sys.executable).parent / "mutmut"), "run", "--max-children", str(args.max_children), *todo]
        code = 0
        if todo or not (args.sample or args.mutant):  # a resumed sample may have nothing left to run
            with open(STAGE / "mutmut.log", "w", encoding="utf-8") as log:
                code = subprocess.run(cmd, cwd=STAGE, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
        if code:
            tail = (STAGE / "mutmut.log").read_text(encoding="utf-8", errors="replace").replace("\r", "\n")
            tail = [line for line in tail.splitlines() if line.strip() and "Generating" not in line
                    and "Running stats" not in line][-15:]
            print(f"mutmut run stopped with exit code {code}; its output is in {STAGE / 'mutmut.log'}, ending:")
            print("\n".join(tail))
            return code
    elif not (STAGE / "mutants").exists():
        print("--report-only: no earlier run in build/mutation/; run without --report-only first")
        return 2

    status = results()
    text = table(status, totals, args.sample, args.seed)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"mutation score, {stamp}\n\n{text}")
    if args.survivors:
        print(survivors_text(status))
    if args.save:
        args.save.write_text(f"# Mutation score\n\nRun {stamp} with `tools/mutation.py"
                             + (f" --sample {args.sample} --seed {args.seed}" if args.sample else "") + "`.\n\n" + text,
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
