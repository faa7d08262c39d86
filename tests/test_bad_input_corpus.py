"""A corpus of bad scenario files, generated from the bundled scenarios by category (issue 16).

Each case is a file that ``python -m tco validate FILE`` and ``python -m tco evaluate FILE`` must
refuse the way an analyst can act on: exit code 2, one message on stderr that names the field
(``traffic.requests_per_day``, ``models[0].serving.instance``) or, for a file that is not a
scenario at all, the problem (empty, not a mapping, too large, too deep, an alias bomb, a
duplicate key and its lines); never a traceback, never a Python exception class name, never a
signal death, within a time limit (10 s a run) and a memory limit (RLIMIT_AS 2 GB).

Categories (see :func:`build_cases`):

* ``types``: a number given as text, a list or a boolean, a required field given as null, a
  mapping given as a list;
* ``bounds``: negative values, fractions above 1, -0 where zero is not allowed, 1e308, ``.inf``
  and ``.nan`` written in the YAML;
* ``unknown-key``: a misspelt key added at every mapping level of every bundled scenario;
* ``catalog-id``: every catalog id and every enumerated value a bundled scenario names, changed
  to one that does not exist;
* ``file-shape``: empty, a list, a scalar, binary bytes, UTF-16, 6 MB, 50,000 nested brackets,
  2,000 nested block mappings, a billion-laughs alias bomb, duplicate keys;
* ``yaml-feature``: object-building tags (never run), aliases, multi-document files, merge keys;
* ``names``: names with a newline, NUL, escape codes, ``../``, 65 characters, capitals, empty;
* ``dates``: ``as_of`` far in the past or future, not a date, February 30;
* ``ranges``: low above high, a range on a field that is not a number, an unknown distribution,
  an end outside the field's bounds, a non-finite end, a misspelt range key.

Speed: the cases run in-process through :func:`tco.cli.main` in a few child processes
(``tests/corpus_runner.py``: one per category, two at a time), each with the memory limit set
before Python starts; a case that can crash the interpreter (deep nesting, the alias bomb) runs in
a child of its own. A child that dies is replaced by a fresh one for the cases it had not run, and
only the case it was running fails. The results are gathered once per module and checked per case.
"""

from __future__ import annotations

import copy
import json
import math
import os
import re
import resource
import subprocess
import sys
import typing
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import annotated_types
import pytest
import yaml
from pydantic import BaseModel

from tco.ranges import is_range
from tco.scenario import Scenario

from conftest import ROOT, bundled_scenarios
from test_bad_inputs import base_scenario

RUNNER = Path(__file__).with_name("corpus_runner.py")
LIMIT_S = 10.0  # per CLI run
MEMORY_BYTES = 2 * 1024 ** 3  # RLIMIT_AS of each child
DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
CHILDREN = 2  # child processes at a time
MARKER_NAME = "HACKED"  # a YAML tag that ran code would create this file
#: Python exception and warning class names (and the traceback header) that must never reach the analyst.
LEAK = re.compile(r"Traceback \(most recent call last\)|\b[A-Z][A-Za-z]*(?:Error|Exception|Warning)\b|\bKeyboardInterrupt\b")


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------
@dataclass
class Case:
    id: str
    category: str
    content: bytes
    #: every group must match stderr; a group matches when any of its regexes does (case-insensitive)
    expect: list[list[str]]
    isolated: bool = False  # may crash the interpreter: a child process of its own
    #: regexes stderr must not match (a misleading message)
    forbid: list[str] = field(default_factory=list)



def at(path: str) -> str:
    """A regex matching the field path ``path`` as a whole (``models[0].serving`` does not match
    inside ``models[0].serving.instance``, ``name`` not inside ``names``)."""
    return r"(?<![\w.\]])" + re.escape(path) + r"(?![\w\[.])"


def dotted(path: tuple) -> str:
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out


def dump(data) -> bytes:
    return yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True, width=1000).encode("utf-8")


def bundled() -> dict[str, dict]:
    """Each bundled scenario as read from its file (ranges left as written), plus the hand-made base
    scenario of tests/test_bad_inputs.py."""
    out = bundled_scenarios()
    out["base"] = base_scenario()
    return out


def get(data, path):
    for key in path:
        data = data[key]
    return data


def with_value(data: dict, path: tuple, value) -> dict:
    out = copy.deepcopy(data)
    get(out, path[:-1])[path[-1]] = value
    return out


# -- the schema of a field, from the pydantic models ----------------------------------------------
def _models_in(annotation) -> list[type]:
    found = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in typing.get_args(annotation):
        found += _models_in(arg)
    return found


def _types_in(annotation) -> set:
    if isinstance(annotation, type):
        return {annotation}
    out = set()
    for arg in typing.get_args(annotation):
        out |= _types_in(arg)
    return out


def field_info(path: tuple):
    """The pydantic FieldInfo of the field at ``path`` (list indexes skipped), or None."""
    model, info = Scenario, None
    for key in path:
        if isinstance(key, int):
            continue
        if model is None or key not in model.model_fields:
            return None
        info = model.model_fields[key]
        models = _models_in(info.annotation)
        model = models[0] if models else None
    return info


def bounds(info) -> dict:
    out = {}
    for meta in info.metadata:
        for name in ("ge", "gt", "le", "lt"):
            if isinstance(meta, getattr(annotated_types, name.capitalize())):
                out[name] = getattr(meta, name)
    return out


def optional(info) -> bool:
    return type(None) in _types_in(info.annotation)


def numeric_leaves(data: dict) -> list[tuple[tuple, object]]:
    """(path, info) of every number written as a plain number under a mapping key."""
    out = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, path + (i,))
        elif isinstance(node, (int, float)) and not isinstance(node, bool) and isinstance(path[-1], str):
            info = field_info(path)
            if info is not None and _types_in(info.annotation) & {int, float}:
                out.append((path, info))

    walk(data, ())
    return out


def mapping_levels(data: dict) -> list[tuple]:
    """The path of every mapping in the scenario (ranges excepted), the top level first."""
    out = []

    def walk(node, path):
        if isinstance(node, dict) and not is_range(node):
            out.append(path)
            for key, value in node.items():
                walk(value, path + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, path + (i,))

    walk(data, ())
    return out


def string_leaves(data: dict, keys) -> list[tuple]:
    out = []

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in keys and isinstance(value, str) and "tasks" not in path:  # staff.tasks[].task: free text
                    out.append(path + (key,))
                else:
                    walk(value, path + (key,))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, path + (i,))

    walk(data, ())
    return out


def misspell(key: str, taken) -> str:
    """A near miss of ``key``: its last two letters swapped (or an extra letter) not already a key."""
    candidates = [key[:-2] + key[-1] + key[-2]] if len(key) > 2 else []
    candidates += [key + "s", key + "x", key + "_typo"]
    return next(c for c in candidates if c not in taken and c != key)


def pick(items: list, salt: int):
    return items[salt % len(items)] if items else None


CATALOG_KEYS = ("instance", "accelerator", "api_model", "api_alternative", "model", "draft_model", "server",
                "registry_tier", "serving_disk_tier", "transfer_tier", "tier", "rate", "task", "combiner_instance",
                "currency")
ENUM_KEYS = ("kind", "precision", "weight_precision", "kv_precision", "compute_precision", "deployment", "pricing",
             "billing", "strategy", "combiner", "method", "region", "hourly_profile", "embedding_precision")


def _types(name: str, data: dict, salt: int) -> list[Case]:
    cases = []
    leaves = numeric_leaves(data)
    required = [(p, i) for p, i in leaves if not optional(i)]
    for n, (label, value, pool) in enumerate([("text", "lots", leaves), ("list", [1, 2], leaves),
                                              ("bool", True, leaves), ("null", None, required)]):
        chosen = pick(pool, salt * 5 + n * 3)
        if chosen is None:
            continue
        path = chosen[0]
        cases.append(Case(f"types/{name}:{dotted(path)}={label}", "types", dump(with_value(data, path, value)),
                          [[at(dotted(path))]]))
    level = pick([p for p in mapping_levels(data) if p and isinstance(p[-1], str)], salt * 3)
    cases.append(Case(f"types/{name}:{dotted(level)}=list-for-mapping", "types",
                      dump(with_value(data, level, [1, 2])), [[at(dotted(level))]]))
    return cases


def _bounds(name: str, data: dict, salt: int) -> list[Case]:
    cases = []
    leaves = numeric_leaves(data)
    non_negative = [(p, i) for p, i in leaves if bounds(i).get("ge", bounds(i).get("gt", -1)) >= 0]
    positive = [(p, i) for p, i in leaves if "gt" in bounds(i) and bounds(i)["gt"] >= 0]
    fractions = [(p, i) for p, i in leaves if bounds(i).get("le", bounds(i).get("lt")) == 1]
    unbounded = [(p, i) for p, i in leaves if not {"le", "lt"} & set(bounds(i))]  # overflow: no upper bound
    for n, (label, value, pool) in enumerate([
            ("negative", -1, non_negative), ("fraction-above-1", 1.5, fractions), ("minus-zero", -0.0, positive),
            ("1e308", 1e308, unbounded), ("1e308", 1e308, unbounded), ("max-float", sys.float_info.max, unbounded),
            ("inf", math.inf, leaves), ("-inf", -math.inf, leaves),
            ("nan", math.nan, leaves)]):
        chosen = pick(pool, salt * 7 + n * 5)
        if chosen is None:
            continue
        path = chosen[0]
        text = dump(with_value(data, path, value))
        assert label not in ("inf", "nan") or b"." + label.encode() in text  # written as YAML .inf / .nan
        expect = [at(dotted(path))]
        if label in ("1e308", "max-float") and path[0] == "models":  # a sizing error may name the model as a whole
            expect.append(at(dotted(path[:2])))
        cases.append(Case(f"bounds/{name}:{dotted(path)}={label}", "bounds", text, [expect]))
    if name in ("base", "search-rerank-l4"):  # traffic itself: 1e30 requests a day kept sizing busy for minutes
        for label, value in (("1e30", 1e30), ("1e308", 1e308)):
            path = ("traffic", "requests_per_day")
            cases.append(Case(f"bounds/{name}:{dotted(path)}={label}", "bounds", dump(with_value(data, path, value)),
                              [[at(dotted(path))]], isolated=name != "base"))  # may run into the time limit
    return cases


def _unknown_keys(name: str, data: dict) -> list[Case]:
    cases = []
    for level in mapping_levels(data):
        node = get(data, level)
        first = next(iter(node))
        key = misspell(str(first), node)
        changed = copy.deepcopy(data)
        get(changed, level)[key] = copy.deepcopy(node[first])
        expect = [["unknown key"], [re.escape(key)]]
        if level:
            expect.append([at(dotted(level)), at(dotted(level + (key,)))])
        cases.append(Case(f"unknown-key/{name}:{dotted(level) or '<top>'}.{key}", "unknown-key", dump(changed),
                          expect))
    return cases


def _catalog_ids(name: str, data: dict) -> list[Case]:
    cases = []
    for path in string_leaves(data, CATALOG_KEYS):
        value = get(data, path) + "-typo"
        cases.append(Case(f"catalog-id/{name}:{dotted(path)}", "catalog-id", dump(with_value(data, path, value)),
                          [[at(dotted(path))]]))
    for path in string_leaves(data, ENUM_KEYS):
        cases.append(Case(f"catalog-id/{name}:{dotted(path)}=bogus", "catalog-id",
                          dump(with_value(data, path, "bogus")), [[at(dotted(path))]]))
    return cases


def _ranges(name: str, data: dict, salt: int) -> list[Case]:
    cases = []
    leaves = numeric_leaves(data)
    bounded = [(p, i) for p, i in leaves if {"ge", "gt", "le", "lt"} & set(bounds(i))]
    texts = [p for p in string_leaves(data, ("name", "kind", "instance", "accelerator", "currency"))]
    for n, (label, pool) in enumerate([("low-above-high", leaves), ("non-numeric-field", texts),
                                       ("unknown-dist", leaves), ("end-out-of-bounds", bounded),
                                       ("nan-end", leaves), ("misspelt-range-key", leaves)]):
        chosen = pick(pool, salt * 3 + n * 7)
        if chosen is None:
            continue
        path = chosen if label == "non-numeric-field" else chosen[0]
        value = get(data, path)
        v = float(value) if isinstance(value, (int, float)) else 1.0
        if label == "low-above-high":
            spec = {"low": v * 2 + 1, "high": v}
        elif label == "non-numeric-field":
            spec = {"low": 1, "high": 2}
        elif label == "unknown-dist":
            spec = {"p5": max(v, 1.0), "p95": max(v, 1.0) * 2, "dist": "weibull"}
        elif label == "end-out-of-bounds":
            b = bounds(chosen[1])
            spec = ({"low": b.get("ge", b.get("gt")) - 1, "high": v} if {"ge", "gt"} & set(b)
                    else {"low": v, "high": b.get("le", b.get("lt")) + 1})
        elif label == "nan-end":
            spec = {"low": math.nan, "high": v}
        else:
            spec = {"low": v, "hihg": v * 2 + 1}
        expect = [[at(dotted(path))]]
        if label == "non-numeric-field":  # say that ranges are for numbers, not complain about a midpoint
            expect.append([r"\brange", r"\blow\b"])
        cases.append(Case(f"ranges/{name}:{dotted(path)}={label}", "ranges", dump(with_value(data, path, spec)),
                          expect))
    return cases


def _names(scenarios: dict) -> list[Case]:
    cases = []
    values = [("newline", "evil\n"), ("nul", "ev\x00il"), ("parent-dir", "../x"), ("65-chars", "a" * 65),
              ("uppercase", "UPPER"), ("empty", ""), ("escape-code", "x\x1b[31m")]
    names = list(scenarios)
    for n, (label, value) in enumerate(values):
        base = names[n % len(names)]
        cases.append(Case(f"names/{base}:name={label}", "names", dump(with_value(scenarios[base], ("name",), value)),
                          [[at("name")]]))
    for n, (label, value) in enumerate([("nul", "rank\x00er"), ("escape-code", "rank\x1b]0;pwned\x07"),
                                        ("newline", "ranker\n")]):
        base = names[(n + 3) % len(names)]
        cases.append(Case(f"names/{base}:models[0].name={label}", "names",
                          dump(with_value(scenarios[base], ("models", 0, "name"), value)), [[at("models[0].name")]]))
    base = names[1]
    cases.append(Case(f"names/{base}:title=escape-code", "names",
                      dump(with_value(scenarios[base], ("title",), "title \x1b[2J\x1b[H cleared")), [[at("title")]]))
    return cases


def _dates(scenarios: dict) -> list[Case]:
    cases = []
    names = list(scenarios)
    for n, (label, text) in enumerate([("1900-01-01", "1900-01-01"), ("2999-01-01", "2999-01-01"),
                                       ("not-a-date", "not-a-date"), ("feb-30", "2026-02-30"),
                                       ("feb-30-quoted", "'2026-02-30'"), ("number", "20261122")]):
        base = names[(n * 2) % len(names)]
        data = dict(scenarios[base])
        data.pop("as_of", None)
        content = dump(data).replace(b"\ncurrency:", f"\nas_of: {text}\ncurrency:".encode(), 1)
        assert f"as_of: {text}".encode() in content
        cases.append(Case(f"dates/{base}:as_of={label}", "dates", content, [[at("as_of")]]))
    return cases


def _file_shape(scenarios: dict) -> list[Case]:
    good = dump(scenarios["paper-example"])
    big = {k: v for k, v in scenarios["search-rerank-l4"].items() if k != "assumptions"}
    big_text = dump(big) + b"assumptions:\n" + b"- " + b"an assumption, written out at some length to fill the file " * 4 + b"\n"
    big_text = dump(big) + b"assumptions:\n" + big_text.split(b"assumptions:\n")[1] * 26_000
    assert len(big_text) > 6_000_000
    laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    for n in range(1, 10):
        prev, cur = chr(ord("a") + n - 1), chr(ord("a") + n)
        laughs += f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]\n"
    laughs = "name: laughs\n" + laughs.replace("a: &a", "traffic: &a", 1)
    laughs += "models: *j\n"
    deep_block = "name: deep\ntraffic:\n" + "".join("  " * (i + 1) + "a:\n" for i in range(2000)) + "  " * 2001 + "b: 1\n"
    lines = good.decode().splitlines()

    def duplicate(key_line: str, copy_text: str) -> tuple[bytes, int, int]:
        i = next(n for n, line in enumerate(lines) if line.startswith(key_line))
        out = lines[: i + 1] + [copy_text] + lines[i + 1:]
        return ("\n".join(out) + "\n").encode(), i + 1, i + 2

    cases = [
        Case("file-shape/empty", "file-shape", b"", [["empty"]]),
        Case("file-shape/comment-only", "file-shape", b"# nothing here\n", [["empty"]]),
        Case("file-shape/top-level-list", "file-shape", b"- name: x\n- name: y\n", [["mapping"], ["list"]]),
        Case("file-shape/top-level-scalar", "file-shape", b"42\n", [["mapping"]]),
        Case("file-shape/top-level-text", "file-shape", b"just some text\n", [["mapping"]]),
        Case("file-shape/binary-bytes", "file-shape", bytes(range(256)) * 8,
             [["utf-8", "binary", "encoding", "not text"]]),
        Case("file-shape/utf-16-bom", "file-shape", good.decode().encode("utf-16"), [["utf-8", "utf-16", "encoding"]]),
        Case("file-shape/6MB", "file-shape", big_text, [["too large", "too big", r"\bMB\b", r"\bbytes\b", "size"]]),
        Case("file-shape/50000-nested-brackets", "file-shape", b"name: deep\ntraffic: " + b"[" * 50_000 + b"\n",
             [["depth", "nest", "deep"]], isolated=True),
        Case("file-shape/50000-nested-braces", "file-shape", b"name: deep\ntraffic: " + b"{a: " * 50_000 + b"\n",
             [["depth", "nest", "deep"]], isolated=True),
        Case("file-shape/2000-nested-block-mappings", "file-shape", deep_block.encode(), [["depth", "nest", "deep"]],
             isolated=True),
        Case("file-shape/billion-laughs", "file-shape", laughs.encode(), [["alias"]], isolated=True),
    ]
    for label, key_line, copy_text in [("currency", "currency:", "currency: USD"),
                                       ("traffic.requests_per_day", "  requests_per_day:", "  requests_per_day: 5"),
                                       ("models[0].name", "- name:", "  name: other")]:
        content, first, second = duplicate(key_line, copy_text)
        key = label.rsplit(".", 1)[-1]
        cases.append(Case(f"file-shape/duplicate-key-{label}", "file-shape", content,
                          [["duplicate"], [re.escape(key)], [rf"\b{first}\b"], [rf"\b{second}\b"]]))
    return cases


def _yaml_features(scenarios: dict, marker: str) -> list[Case]:
    good = dump(scenarios["search-rerank-l4"]).decode()
    name_line = next(line for line in good.splitlines() if line.startswith("name:"))

    def swap(text: str) -> bytes:
        return good.replace(name_line, text, 1).encode()

    instance = re.search(r"^( +instance: ).*$", good, re.MULTILINE)
    alias_number = good.replace("traffic:\n", "traffic: &tr\n", 1).replace(instance.group(0), instance.group(1) + "*tr", 1)
    no_assumptions = dump({k: v for k, v in scenarios["search-rerank-l4"].items() if k != "assumptions"}).decode()
    return [
        Case("yaml-feature/python-object-apply", "yaml-feature",
             swap(f'name: !!python/object/apply:os.system ["touch {marker}"]'), [["tag"]]),
        Case("yaml-feature/python-object-new", "yaml-feature",
             swap("name: !!python/object/new:subprocess.check_output [[touch, " + marker + "]]"), [["tag"]]),
        Case("yaml-feature/python-name", "yaml-feature", swap("name: !!python/name:os.system"), [["tag"]]),
        Case("yaml-feature/custom-tag", "yaml-feature", swap("name: !Ref other"), [["tag"]]),
        Case("yaml-feature/binary-tag", "yaml-feature", swap("name: !!binary aGVsbG8="), [[at("name"), "tag"]]),
        Case("yaml-feature/undefined-alias", "yaml-feature", swap("name: *nowhere"), [["alias"]]),
        Case("yaml-feature/alias-of-mapping-for-text", "yaml-feature", alias_number.encode(),
             [[at("models[0].serving.instance")]]),
        Case("yaml-feature/recursive-alias-unknown-key", "yaml-feature", swap("name: x\nextra: &loop [*loop]"),
             [["extra", "alias", "recurs", "cycl"]]),
        Case("yaml-feature/recursive-alias-assumptions", "yaml-feature",
             (no_assumptions + "assumptions: &loop [*loop]\n").encode(),
             [[at("assumptions"), at("assumptions[0]"), "alias", "recurs", "cycl"]]),
        Case("yaml-feature/multi-document", "yaml-feature", (good + "---\n" + good).encode(), [["document"]]),
        Case("yaml-feature/empty-second-document", "yaml-feature", (good + "---\n...\n---\nname: x\n").encode(),
             [["document"]]),
        Case("yaml-feature/merge-scalar", "yaml-feature", good.replace("traffic:\n", "traffic:\n  <<: 5\n", 1).encode(),
             [["merge", "<<"]], forbid=["tags that build objects"]),
        Case("yaml-feature/merge-unknown-key", "yaml-feature",
             good.replace("traffic:\n", "traffic:\n  <<: {requets_per_day: 5}\n", 1).encode(),
             [[at("traffic")], ["requets_per_day"]]),
    ]


def build_cases(marker: str = MARKER_NAME) -> list[Case]:
    scenarios = bundled()
    cases: list[Case] = []
    for salt, (name, data) in enumerate(scenarios.items()):
        cases += _types(name, data, salt)
        cases += _bounds(name, data, salt)
        cases += _unknown_keys(name, data)
        cases += _catalog_ids(name, data)
        cases += _ranges(name, data, salt)
    cases += _names(scenarios) + _dates(scenarios) + _file_shape(scenarios) + _yaml_features(scenarios, marker)
    seen: dict[str, int] = {}
    for case in cases:  # ids are test names: unique
        if case.id in seen:
            seen[case.id] += 1
            case.id += f"#{seen[case.id]}"
        else:
            seen[case.id] = 0
    return cases


CASES = build_cases()
CATEGORIES = sorted({c.category for c in CASES})


def test_corpus_size():
    by_category = {cat: sum(c.category == cat for c in CASES) for cat in CATEGORIES}
    assert len(CASES) >= 80, by_category
    assert len(by_category) == 9 and min(by_category.values()) >= 6, by_category


# ---------------------------------------------------------------------------------------------
# Running the cases: a few children, each running its cases in-process
# ---------------------------------------------------------------------------------------------
def _limit_memory():  # runs in the child before Python starts
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def _child_env() -> dict:
    env = dict(os.environ)
    lib = str(ROOT / "lib")  # the tco of this checkout, whatever is installed
    env["PYTHONPATH"] = lib + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("MPLBACKEND", "Agg")
    env["OPENBLAS_NUM_THREADS"] = env["OMP_NUM_THREADS"] = "1"
    return env


def _run_child(cases: list[dict], work: Path, tag: str) -> dict[str, dict]:
    """Run ``cases`` in child processes until each has a result; a child that dies fails only the
    case it was running, and a fresh child takes the rest."""
    results: dict[str, dict] = {}
    pending = list(cases)
    attempt = 0
    while pending:
        attempt += 1
        cases_file, results_file = work / f"{tag}-{attempt}.json", work / f"{tag}-{attempt}.jsonl"
        cases_file.write_text(json.dumps(pending), encoding="utf-8")
        timeout = 60 + sum(c["limit_s"] + 5 for c in pending for _ in c["argv"])
        try:
            proc = subprocess.run([sys.executable, str(RUNNER), str(cases_file), str(results_file)], cwd=work,
                                  env=_child_env(), preexec_fn=_limit_memory, capture_output=True, text=True,
                                  timeout=timeout)
            rc, err = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired as exc:
            err = exc.stderr or ""
            rc, err = "killed after the child's time limit", err.decode("utf-8", "replace") if isinstance(err, bytes) else err
        started = None
        if results_file.exists():
            for line in results_file.read_text(encoding="utf-8").splitlines():
                row = json.loads(line)
                if row.get("started"):
                    started = row["id"]
                else:
                    results[row["id"]] = row
                    started = None
        if started is not None:  # the child died while running this case
            results[started] = {"id": started, "died": rc, "stderr": err[-3000:]}
        elif rc != 0 and not all(c["id"] in results for c in pending):
            for c in pending:  # died before the first case: every case fails with the reason
                results.setdefault(c["id"], {"id": c["id"], "died": rc, "stderr": err[-3000:]})
        pending = [c for c in pending if c["id"] not in results]
    return results


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, request) -> dict:
    """Run every case this session selected (all of them, or those ``-k`` picks) and return the results."""
    work = tmp_path_factory.mktemp("corpus")
    selected = {item.callspec.params["case"].id for item in request.session.items
                if getattr(item, "callspec", None) is not None and isinstance(item.callspec.params.get("case"), Case)}
    specs: list[tuple[str, list[dict]]] = []
    groups: dict[str, list[dict]] = {}
    for number, case in enumerate(CASES):
        if case.id not in selected:
            continue
        path = work / f"case-{number:04d}.yaml"  # a neutral name: the messages are searched for words
        path.write_bytes(case.content)
        spec = {"id": case.id, "argv": [["validate", str(path)], ["evaluate", str(path)]], "limit_s": LIMIT_S}
        if case.isolated:
            specs.append((f"isolated-{len(specs)}", [spec]))
        else:
            groups.setdefault(case.category, []).append(spec)
    specs = sorted(groups.items(), key=lambda kv: -len(kv[1])) + specs
    with ThreadPoolExecutor(CHILDREN) as pool:
        futures = [pool.submit(_run_child, cases, work, tag) for tag, cases in specs]
        results = {}
        for future in futures:
            results.update(future.result())
    return {"results": results, "work": work}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_cleanly(case, corpus):
    result = corpus["results"][case.id]
    assert "died" not in result, (f"the child process died running this case ({result['died']}; a negative code "
                                  f"is a signal); its stderr ends:\n{result['stderr']}")
    for run in result["runs"]:
        command = " ".join(run["argv"][:1])
        where = f"python -m tco {command}: rc={run['rc']}\nstdout: {run['stdout'][:1500]}\nstderr: {run['stderr'][:3000]}"
        assert not run["timed_out"], f"more than {LIMIT_S:g} s\n{where}"
        assert run["seconds"] < LIMIT_S, where
        assert run["rc"] == 2, where
        leaks = sorted(set(m.group(0) for m in LEAK.finditer(run["stderr"] + run["stdout"])))
        assert not leaks, f"Python internals reach the analyst: {leaks}\n{where}"
        assert "valid (" not in run["stdout"], where
        if command == "evaluate":
            assert run["stdout"].strip() == "", f"a report was printed for a bad file\n{where}"
        for rx in case.forbid:
            assert not re.search(rx, run["stderr"], re.IGNORECASE), f"misleading message ({rx!r})\n{where}"
        for group in case.expect:
            assert any(re.search(rx, run["stderr"], re.IGNORECASE) for rx in group), (
                f"the message does not name {' or '.join(group)}\n{where}")
    assert not (corpus["work"] / MARKER_NAME).exists(), "a YAML tag ran code"
