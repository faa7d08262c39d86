"""tools/mutation.py without mutmut: the list of equivalent mutants it reads, and the rewrite of the
``@vectorised`` decorator in the copy it mutates."""

import importlib.util
import re

from conftest import ROOT

spec = importlib.util.spec_from_file_location("mutation_tool", ROOT / "tools" / "mutation.py")
mutation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mutation)


def test_every_equivalent_mutant_line_is_read_with_its_reason():
    # each list item of tools/mutation_equivalent.md names one or more mutants of a mutated module and
    # gives a reason; none is listed twice
    text = (ROOT / "tools" / "mutation_equivalent.md").read_text(encoding="utf-8")
    items = [line for line in text.splitlines() if line.startswith("- `")]
    # the names before the reason (a reason may mention another mutant)
    leading = [re.match(r"- ((?:`[\w.]+__mutmut_\d+`(?:,\s*)?)+)", line) for line in items]
    assert all(leading), [line for line, m in zip(items, leading) if not m]
    named = [n for m in leading for n in re.findall(r"`([\w.]+__mutmut_\d+)`", m.group(1))]
    read = mutation.equivalents()
    assert len(named) == len(set(named)) == len(read) > 100
    modules = {mutation.module_name(m) for m in mutation.MODULES}
    for name, reason in read.items():
        assert name.rsplit(".", 1)[0] in modules, name
        assert len(reason) > 20, name


def test_two_names_sharing_a_reason(tmp_path, monkeypatch):
    path = tmp_path / "eq.md"
    path.write_text("# list\n\n- `tco.a.x_f__mutmut_1`, `tco.a.x_f__mutmut_2`: the same value\n"
                    "- `tco.b.x_g__mutmut_7`: another reason\n", encoding="utf-8")
    monkeypatch.setattr(mutation, "EQUIVALENT", path)
    assert mutation.equivalents() == {"tco.a.x_f__mutmut_1": "the same value", "tco.a.x_f__mutmut_2": "the same value",
                                      "tco.b.x_g__mutmut_7": "another reason"}


def test_decorator_applied_after_the_definition_keeps_the_line_numbers():
    source = "from x import vectorised\n\n@vectorised\ndef f(a):\n    return a\n\n\ndef g(b):\n    return b\n"
    out = mutation._decorators_applied_after(source)
    lines, before = out.splitlines(), source.splitlines()
    # the same lines up to the end of the module (the decorator line becomes a comment), then f = vectorised(f)
    assert lines[2].startswith("# @vectorised") and lines[3] == "def f(a):"
    assert [a == b for a, b in zip(lines, before)].count(False) == 1
    assert lines[-1] == "f = vectorised(f)"


def test_a_sample_is_the_same_for_the_same_seed_and_at_most_n_per_module():
    names = {"m1": [f"m1.x__mutmut_{i}" for i in range(100)], "m2": ["m2.x__mutmut_1"]}
    first, again = mutation.sample(names, 10, 31), mutation.sample(names, 10, 31)
    assert first == again and len(first["m1"]) == 10 and first["m2"] == ["m2.x__mutmut_1"]
    assert mutation.sample(names, 10, 7) != first
