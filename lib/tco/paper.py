"""The source article's cost formulas and sample code, exactly as printed (for teaching only).

Source: the article "电商搜索推荐场景下的AI大模型模型部署成本核算模型构建" (Building a cost
accounting model for deploying large AI models in e-commerce search and recommendation), by
禅与计算机程序设计艺术 ("Zen and the Art of Computer Programming", a Chinese technical-blog pen
name; the copy the workbook was built from records no web address), section 4.2 (formulas),
4.3 (worked example), 5.2 (sample code) and 5.4 (its run). These functions reproduce the
article literally, errors included, so that the errata notebook can set the printed results,
the literal evaluation and the sound method side by side. **Never use them to cost anything**: the
workbook's method is in :mod:`tco.engine`.

Symbols as the article defines them (section 4.1): P_i parameters of model i "in MB"; T_i response
time per query [s]; M queries per day; S_i inference speed [inferences/s] (4.2.3) but also "actual
storage need" (4.2.2); S storage medium capacity [GB]; L_i person-days; F fusion complexity in [0, 1].
"""

from __future__ import annotations

import functools

import numpy as np

#: The article's worked example (section 4.3), as printed.
EXAMPLE_4_3 = {
    "P": [1024.0, 5120.0],  # "参数量分别为1GB和5GB，单位为MB": 1 GB and 5 GB written in MB
    "T": [1.0, 1.0],  # response time per query, 1 s
    "S_speed": [500.0, 200.0],  # inferences per second
    "S_need": [2.0, 5.0],  # the printed arithmetic's "(2 - 2)" and "(5 - 10)": storage need ...
    "S_capacity": [2.0, 10.0],  # ... and capacity (SSD 2 TB, cloud 10 TB, written as 2 and 10)
    "M": 100_000.0,  # queries per day
    "acq_efficiency": 0.8,
    "calc_efficiency": 0.9,
    "unit_cost": 10.0,  # 元/GB, used for every dimension in the printed example
    "L": 2.0,  # person-days
}

#: The results the article prints for its example (section 4.3) and its code (section 5.4). [CNY/day]
PRINTED_4_3 = {"data": 10_240_000.0, "storage": 0.0, "compute": 192_000_000.0, "staff": 1_152_000.0}
PRINTED_5_4_TOTAL = 1_962_012.0

#: The arithmetic section 4.3 prints for each line (before its "= result"), as written: it
#: multiplies by 1024³ where 4.2 divides, adds speeds where 4.2 divides sizes by them, and puts
#: 0.9 into the staff line. The fusion line is left with F; the example's F = 0.5 is from 5.4.
PRINTED_ARITHMETIC_4_3 = {
    "data": "10 × 1024³ × (1 + 5) × 1 × 100000 × 0.8",
    "storage": "10 × 1024³ × (2 − 2) + 10 × 1024³ × (5 − 10)",
    "compute": "10 × 1024³ × (500 + 200) × 1 × 100000 × 0.9",
    "staff": "10 × 1024³ × (1 + 5) × 1 × 100000 × 0.9 × 2",
    "fusion": "10 × 1024³ × 2 × F",
}


def printed_arithmetic() -> dict[str, float]:
    """Section 4.3's printed arithmetic, actually carried out (F = 0.5 for the fusion line).

    >>> round(printed_arithmetic()["data"] / 1e15, 4)
    5.1540
    """
    g = 1024.0 ** 3
    return {
        "data": 10 * g * (1 + 5) * 1 * 100_000 * 0.8,
        "storage": 10 * g * (2 - 2) + 10 * g * (5 - 10),
        "compute": 10 * g * (500 + 200) * 1 * 100_000 * 0.9,
        "staff": 10 * g * (1 + 5) * 1 * 100_000 * 0.9 * 2,
        "fusion": 10 * g * 2 * 0.5,
    }


def data_cost(unit_cost, parameters_mb, response_time_s, queries_per_day, efficiency):
    r"""Section 4.2.1, as printed: data acquisition cost.

    .. math:: C_{acq} = C_{cost} \times \sum_i \frac{P_i}{1024^3} \times T_i \times M \times C_{acq\text{-}eff}

    The article says P_i is in MB but divides by 1024^3 (a bytes-to-GiB factor), multiplies by a
    response time and a query count (so data cost grows with traffic and model size), and states
    the result in 元 without a time unit.

    >>> round(data_cost(10, [1024, 5120], [1, 1], 100_000, 0.8), 4)
    4.5776
    """
    p = np.asarray(parameters_mb, dtype=float)
    t = np.asarray(response_time_s, dtype=float)
    return float(unit_cost * np.sum(p / 1024 ** 3 * t * queries_per_day * efficiency))


def storage_cost(unit_cost, parameters_mb, storage_need, medium_capacity):
    r"""Section 4.2.2, as printed: model storage cost.

    .. math:: C_{store} = C_{cost\text{-}store} \times \sum_i \frac{P_i}{1024^3} \times (S_i - S)

    S_i is "the model's actual storage need" here but "inference speed" in 4.2.3; a need below the
    medium's capacity makes the cost negative.

    >>> storage_cost(10, [1024, 5120], [2, 5], [2, 10]) < 0
    True
    """
    p = np.asarray(parameters_mb, dtype=float)
    need = np.asarray(storage_need, dtype=float)
    cap = np.asarray(medium_capacity, dtype=float)
    return float(unit_cost * np.sum(p / 1024 ** 3 * (need - cap)))


def compute_cost(unit_cost_per_hour, parameters_mb, speed, response_time_s, queries_per_day, efficiency):
    r"""Section 4.2.3, as printed: compute resource cost.

    .. math:: C_{calc} = C_{cost\text{-}cal} \times \sum_i \frac{P_i}{S_i} \times T_i \times M \times C_{calc\text{-}eff}

    MB divided by inferences per second, times seconds and queries, gives MB·s²·queries: no unit
    of time that an hourly price could multiply.

    >>> round(compute_cost(100, [1024, 5120], [500, 200], [1, 1], 100_000, 0.9))
    248832000
    """
    p = np.asarray(parameters_mb, dtype=float)
    s = np.asarray(speed, dtype=float)
    t = np.asarray(response_time_s, dtype=float)
    return float(unit_cost_per_hour * np.sum(p / s * t * queries_per_day * efficiency))


def staff_cost(day_rate, parameters_mb, speed, response_time_s, queries_per_day, person_days):
    r"""Section 4.2.4, as printed: staff cost.

    .. math:: C_{hum} = C_{cost\text{-}hum} \times \sum_i \frac{P_i}{S_i} \times T_i \times M \times L_i

    Staff cost that grows with query count and model size, multiplied by person-days and a day
    rate (so person-days appear squared in effect).

    >>> round(staff_cost(1000, [1024, 5120], [500, 200], [1, 1], 100_000, 2))
    5529600000
    """
    p = np.asarray(parameters_mb, dtype=float)
    s = np.asarray(speed, dtype=float)
    t = np.asarray(response_time_s, dtype=float)
    l = np.broadcast_to(np.asarray(person_days, dtype=float), p.shape)
    return float(day_rate * np.sum(p / s * t * queries_per_day * l))


def fusion_cost(unit_cost, complexity):
    r"""Section 4.2.5, as printed: fusion cost.

    .. math:: C_{fuse} = C_{cost\text{-}fuse} \times F

    No time unit, no dependence on the number of models or traffic.

    >>> fusion_cost(100, 0.5)
    50.0
    """
    return float(unit_cost * complexity)


def literal_example() -> dict[str, float]:
    """Each printed formula evaluated on the article's own example inputs (section 4.3), with the
    unit cost of 10 that the printed arithmetic uses in every dimension."""
    e = EXAMPLE_4_3
    return {
        "data": data_cost(e["unit_cost"], e["P"], e["T"], e["M"], e["acq_efficiency"]),
        "storage": storage_cost(e["unit_cost"], e["P"], e["S_need"], e["S_capacity"]),
        "compute": compute_cost(e["unit_cost"], e["P"], e["S_speed"], e["T"], e["M"], e["calc_efficiency"]),
        "staff": staff_cost(e["unit_cost"], e["P"], e["S_speed"], e["T"], e["M"], e["L"]),
    }


#: Section 5.2's sample code and 5.4's call, transcribed exactly (including its defects).
SAMPLE_CODE = '''
def data_cost(data_acq_cost, data_size, data_acq_efficiency):
    data_cost = data_acq_cost * (data_size / (1024**3)) * data_acq_efficiency
    return data_cost

def model_storage_cost(model_size, storage_size):
    model_storage_cost = 0
    for i in range(len(model_size)):
        if model_size[i] > storage_size:
            model_storage_cost += (model_size[i] - storage_size) / (1024**3) * data_acq_cost
    return model_storage_cost

def compute_resource_cost(compute_cost, model_size, compute_speed, query_num, compute_efficiency):
    compute_cost = compute_cost * (model_size[i] / compute_speed) * query_num * compute_efficiency
    return compute_cost

def human_cost(human_cost, model_size, compute_speed, query_num, compute_efficiency, human_resource):
    human_cost = human_cost * (model_size[i] / compute_speed) * query_num * human_resource
    return human_cost

def multi_model_fusion_cost(fusion_cost, fusion_algorithm):
    fusion_cost = fusion_cost * fusion_algorithm
    return fusion_cost

data_acq_cost = 10
data_size = [1, 5]
data_acq_efficiency = 0.8
storage_size = [2, 10]
compute_cost = 100
model_size = [1024, 5120]
compute_speed = [500, 200]
query_num = 100000
compute_efficiency = 0.9
human_cost = 1000
human_resource = 2
fusion_cost = 100
fusion_algorithm = 0.5
'''

#: The five calls of section 5.4's total, one by one.
SAMPLE_CALLS = {
    "data_cost": "data_cost(data_acq_cost, data_size, data_acq_efficiency)",
    "model_storage_cost": "model_storage_cost(model_size, storage_size)",
    "compute_resource_cost": "compute_resource_cost(compute_cost, model_size, compute_speed, query_num, "
                             "compute_efficiency)",
    "human_cost": "human_cost(human_cost, model_size, compute_speed, query_num, compute_efficiency, human_resource)",
    "multi_model_fusion_cost": "multi_model_fusion_cost(fusion_cost, fusion_algorithm)",
}


def run_sample_code() -> dict[str, str]:
    """Run the article's sample code call by call in an isolated namespace; what each call gives.

    The code is the article's, fixed text in this module (never user input); it runs with no
    imports and no file or network access, and every failure is caught and reported.

    >>> outcome = run_sample_code()
    >>> outcome["data_cost"]
    "TypeError: unsupported operand type(s) for /: 'list' and 'int'"
    >>> outcome["multi_model_fusion_cost"]
    '50.0'
    """
    safe_builtins = {"range": range, "len": len}
    outcome = {}
    for name, call in SAMPLE_CALLS.items():
        namespace: dict = {"__builtins__": safe_builtins}
        exec(SAMPLE_CODE, namespace)  # noqa: S102 - the article's fixed text, see the docstring
        try:
            outcome[name] = repr(float(eval(call, namespace)))  # noqa: S307
        except Exception as exc:  # the point is to show how it fails
            outcome[name] = f"{exc.__class__.__name__}: {exc}"
    return outcome


def printed_units() -> list[dict[str, str]]:
    """Unit analysis of each printed formula with pint: its inputs carried with the units the
    article gives them, and the unit that comes out (a cost per day would be ``CNY / day``).

    >>> rows = printed_units()
    >>> rows[0]["dimension"], rows[0]["unit out"]
    ('data', 'CNY * megabyte * query * second / day / gigabyte')
    """
    from .dimensional import registry

    ureg = registry()
    q = ureg.Quantity
    P = q(1024.0, "MB")                 # "P_i, in MB"
    T = q(1.0, "s")                     # response time per query
    M = q(100_000.0, "query / day")     # queries per day
    S_speed = q(500.0, "inference / s")
    S_size = q(2.0, "GB")               # storage need and medium capacity, both "GB"
    L = q(2.0, "person * day")
    rows = [
        ("data", "C_acq = C_cost × Σ P_i/1024³ × T_i × M × eff",
         q(10.0, "CNY / GB") * P / 1024 ** 3 * T * M * 0.8),
        ("storage", "C_store = C_cost-store × Σ P_i/1024³ × (S_i − S)",
         q(10.0, "CNY / GB") * P / 1024 ** 3 * (S_size - S_size)),
        ("compute", "C_calc = C_cost-cal × Σ P_i/S_i × T_i × M × eff",
         q(100.0, "CNY / hour") * P / S_speed * T * M * 0.9),
        ("staff", "C_hum = C_cost-hum × Σ P_i/S_i × T_i × M × L_i",
         q(1000.0, "CNY / person / day") * P / S_speed * T * M * L),
        ("fusion", "C_fuse = C_cost-fuse × F", q(100.0, "CNY") * 0.5),
    ]
    out = []
    for dimension, formula, value in rows:
        unit = f"{value.units:D}" if not value.dimensionless else "dimensionless"
        ok = value.dimensionality == ureg.Quantity(1, "CNY / day").dimensionality
        out.append({"dimension": dimension, "formula as printed": formula, "unit out": unit,
                    "is money per day": "yes" if ok else "no"})
    return out


DIMENSIONS = ("data", "storage", "compute", "staff", "fusion")
PRINTED_FUNCTIONS = {"data": data_cost, "storage": storage_cost, "compute": compute_cost,
                     "staff": staff_cost, "fusion": fusion_cost}


@functools.lru_cache(maxsize=1)
def _sound_report():
    from .engine import evaluate
    from .scenario import repo_path

    return evaluate(repo_path("data/scenarios/paper-example.yaml"))


def _literal() -> dict[str, float]:
    literal = literal_example()
    literal["fusion"] = fusion_cost(100, 0.5)
    return literal


def errata_section(dimension: str):
    """Everything the errata notebook shows for one dimension.

    Returns ``(printed_latex, figures, sound_formulas, sound_items)``:

    - the formula as printed (LaTeX, from the docstring of the literal implementation);
    - ``figures``: the article's printed result, the literal evaluation with the unit pint finds,
      and the sound method's result on ``paper-example``, side by side;
    - ``sound_formulas``: the library functions behind the sound figure, each with the dimension
      that comes out when run on dimensioned inputs (:func:`tco.dimensional.check_all`);
    - ``sound_items``: the sound method's line items for the dimension, with how each was computed.

    >>> eq, figures, sound, items = errata_section("storage")
    >>> figures["value"].round(6).tolist()
    [0.0, -53687091200.0, -0.000238, 1.972603]
    """
    import pandas as pd

    from . import dimensional, formulas

    if dimension not in DIMENSIONS:
        raise ValueError(f"dimension must be one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    report = _sound_report()
    units = {r["dimension"]: r for r in printed_units()}[dimension]
    printed = dict(PRINTED_4_3, fusion=float("nan")).get(dimension)
    figures = pd.DataFrame([
        {"figure": "printed in the article (section 4.3)", "value": printed,
         "unit": "元/天 (CNY/day)" if dimension != "fusion" else "not evaluated in 4.3"},
        {"figure": f"4.3's own arithmetic, carried out: {PRINTED_ARITHMETIC_4_3[dimension]}",
         "value": printed_arithmetic()[dimension], "unit": "元/天 as printed" + (", F = 0.5" if dimension == "fusion" else "")},
        {"figure": "printed formula, evaluated literally", "value": _literal()[dimension], "unit": units["unit out"]},
        {"figure": "sound method, paper-example", "value": float(report.by_dimension()[dimension]),
         "unit": f"{report.currency}/day"},
    ]).set_index("figure")
    functions = formulas.functions(dimension)
    checks = dimensional.check_all(functions)
    checks.insert(0, "equation", [formulas.latex(f)[0] if formulas.latex(f) else "" for f in functions])
    items = report.items[report.items["dimension"] == dimension][["item", "model", "cost_per_day", "formula", "note"]]
    return formulas.latex(PRINTED_FUNCTIONS[dimension])[0], figures, checks, items.reset_index(drop=True)


def errata_table():
    """Per dimension: the printed formula, its printed result (4.3), the literal evaluation, the
    unit that comes out, and the sound method's result for ``data/scenarios/paper-example.yaml``."""
    import pandas as pd


    sound = _sound_report().by_dimension()
    literal = _literal()
    printed = dict(PRINTED_4_3, fusion=float("nan"))  # 4.3 leaves the fusion line as "10 × 1024³ × 2 × F"
    rows = []
    for r in printed_units():
        d = r["dimension"]
        rows.append({"dimension": d, "formula as printed": r["formula as printed"],
                     "printed result (4.3), CNY/day": printed[d], "literal evaluation": literal[d],
                     "unit that comes out": r["unit out"], "sound method, CNY/day": float(sound[d])})
    return pd.DataFrame(rows)
