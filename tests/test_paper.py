"""The source article's formulas as printed: literal evaluations against hand calculations.

seeds/002 section 4.3: two models of "1GB and 5GB, in MB" (P = 1,024 and 5,120), 1 s per query,
500 and 200 inferences/s, 100,000 queries/day, efficiencies 0.8 (data) and 0.9 (compute),
2 person-days, and a unit cost of 10 used in every printed line.
"""

import pytest

from tco import paper

P_SUM = (1024 + 5120) / 1024 ** 3          # 5.7220458984375e-06 "GB" after dividing MB by 1024^3
P_OVER_S = 1024 / 500 + 5120 / 200         # 2.048 + 25.6 = 27.648 MB per (inference/s)


def test_literal_evaluations_by_hand():
    got = paper.literal_example()
    assert got["data"] == pytest.approx(10 * P_SUM * 1 * 100_000 * 0.8)                  # 4.5776 CNY
    assert got["data"] == pytest.approx(4.57763671875, rel=1e-12)
    assert got["storage"] == pytest.approx(10 * (1024 / 1024 ** 3 * (2 - 2) + 5120 / 1024 ** 3 * (5 - 10)))
    assert got["storage"] < 0                                                              # a negative cost
    assert got["compute"] == pytest.approx(10 * P_OVER_S * 1 * 100_000 * 0.9)             # 24,883,200
    assert got["staff"] == pytest.approx(10 * P_OVER_S * 1 * 100_000 * 2)                 # 55,296,000


def test_printed_results_do_not_follow_from_the_printed_formulas():
    literal = paper.literal_example()
    # section 4.3 prints 10,240,000 / 0 / 192,000,000 / 1,152,000 CNY per day
    assert paper.PRINTED_4_3 == {"data": 10_240_000.0, "storage": 0.0, "compute": 192_000_000.0, "staff": 1_152_000.0}
    assert paper.PRINTED_4_3["data"] / literal["data"] == pytest.approx(2_236_962.13, rel=1e-6)
    assert paper.PRINTED_4_3["compute"] != pytest.approx(literal["compute"], rel=0.5)
    assert paper.PRINTED_4_3["staff"] != pytest.approx(literal["staff"], rel=0.5)


def test_fusion_formula():
    assert paper.fusion_cost(100, 0.5) == 50.0


def test_the_sample_code_cannot_run_as_printed():
    outcome = paper.run_sample_code()
    assert outcome["data_cost"] == "TypeError: unsupported operand type(s) for /: 'list' and 'int'"
    assert outcome["model_storage_cost"] == "TypeError: '>' not supported between instances of 'int' and 'list'"
    assert outcome["compute_resource_cost"] == "NameError: name 'i' is not defined"
    assert outcome["human_cost"] == "TypeError: 'int' object is not callable"  # the function's name is reused
    assert outcome["multi_model_fusion_cost"] == "50.0"                            # the only call that runs
    # so the printed total of 1,962,012 CNY/day (section 5.4) cannot have come from this code
    assert paper.PRINTED_5_4_TOTAL == 1_962_012.0


def test_printed_arithmetic_of_section_4_3_carried_out_by_hand():
    g = 1_073_741_824  # 1024**3
    got = paper.printed_arithmetic()
    assert got["data"] == 10 * g * 6 * 100_000 * 0.8 == pytest.approx(5.153960755e15)   # printed: 10,240,000
    assert got["storage"] == -10 * g * 5 == -53_687_091_200                              # printed: 0
    assert got["compute"] == pytest.approx(10 * g * 700 * 100_000 * 0.9)                # printed: 192,000,000
    assert got["compute"] == pytest.approx(6.7645734912e17)
    assert got["staff"] == pytest.approx(10 * g * 6 * 100_000 * 0.9 * 2)                # printed: 1,152,000
    assert got["fusion"] == 10 * g * 2 * 0.5 == 10_737_418_240


@pytest.mark.parametrize("dimension,sound", [("data", 75.0), ("storage", 1.972603), ("compute", 4800.0),
                                             ("staff", 131.506849), ("fusion", 50.0)])
def test_errata_section_sets_the_four_figures_side_by_side(dimension, sound):
    printed, figures, checks, items = paper.errata_section(dimension)
    values = figures["value"].tolist()
    assert values[1] == paper.printed_arithmetic()[dimension]
    assert values[2] == pytest.approx(paper._literal()[dimension])
    # sound method on paper-example, by hand: data 6 GB/day x 10 / 0.8; storage 6 GB x 10 / (365/12);
    # compute 2 replicas x 24 h x 100; staff 2 models x 2 person-days x 1000 / (365/12); fusion 100 x 0.5
    assert values[3] == pytest.approx(sound, rel=1e-6)
    assert items["cost_per_day"].sum() == pytest.approx(sound, rel=1e-6)
    assert printed.startswith("C_{")
    # every sound formula behind the dimension is unit-checked (or exempt with its reason)
    assert checks["checked"].map(lambda c: c == "yes" or c.startswith("exempt:")).all()
    costs = checks[checks["documented unit"].str.startswith(("currency", "x/"))]
    assert len(costs) >= 1 and (costs["dimension out"] == "[currency] / [time]").all()


def test_errata_section_rejects_an_unknown_dimension():
    with pytest.raises(ValueError, match="dimension must be one of data, storage, compute, staff, fusion"):
        paper.errata_section("compression")
