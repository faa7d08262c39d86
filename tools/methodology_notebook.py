"""Cells of notebooks/00-methodology.ipynb: the method end to end on one small scenario.

Every figure is computed in the notebook by the library's formula functions, step by step, and
then compared with what the engine (``tco.evaluate``) gives for the whole scenario, so a student
sees both the method and that the workbook does exactly this. Prose that quotes a figure is built
in code cells, so it cannot drift from the numbers when the catalog changes.
"""

from __future__ import annotations

SCENARIO = "data/scenarios/search-rerank-l4.yaml"

GLOSSARY = """| English | 中文 | Symbol | Meaning in the workbook |
|---|---|---|---|
| requests per day | 日请求量 | Q | searches or recommendation calls a day [requests/day] |
| cache hit rate | 缓存命中率 | h | share of requests answered from a result cache, never reaching a model |
| hourly profile | 流量曲线 | w_h | weight of each hour of the day, mean 1 |
| peak-to-average | 峰均比 | p | busiest hour's traffic over the daily mean |
| arrival rate | 到达率 | λ | requests per second reaching a model |
| work per request | 单次请求计算量 | F | floating-point operations (FLOPs) one request needs |
| throughput | 吞吐量 | μ | requests per second one accelerator serves |
| roofline | 屋顶线模型 | | time = max(compute time, memory time) |
| model FLOPs utilisation | 算力利用率 | mfu | share of the peak FLOPs that real kernels reach |
| replica | 副本 | r | one copy of the model on g accelerators |
| utilisation target | 利用率上限 | ρ | highest average load a replica is planned for |
| latency objective (SLO) | 时延目标 | SLO | e.g. 99% of requests within 80 ms |
| accelerator-hour | 加速卡小时 | | one GPU for one hour: the unit compute is paid in |
| on demand / reserved | 按需 / 预留 | | cloud billing plans |
| depreciation | 折旧 | | purchase price spread over the useful life |
| full-time equivalent | 全职人力当量 | FTE | one person working full time |
| person-day | 人日 | | one person working one day |
| cascade / ensemble | 级联 / 集成 | | fusion strategies: escalate a share / score all traffic with every model |
| data / storage / compute / staff / fusion cost | 数据 / 模型存储 / 计算资源 / 人员 / 多模型融合成本 | | the five dimensions |
"""


def cells(md, code) -> list:
    return [
        md("""# The method, step by step / 成本核算方法

This notebook walks once through the whole method on one small scenario, in the order the
workbook computes it:

**traffic → work per request → capacity → price → the five dimensions → totals**

Each step shows the formula (taken from the library's own documentation, so it is the formula the
code runs), computes it with the library function on the scenario's inputs, and checks the result
against the engine (`tco.evaluate`), which does all of it at once. Exercises are at the end, with
worked answers after them. Read top to bottom; nothing here needs the library's source.

Then read `30-paper-errata`: why the formulas printed in the source article cannot be used."""),
        md("## Key terms / 关键术语\n\n" + GLOSSARY),
        md("""## 0. The scenario / 场景

`search-rerank-l4`: a cross-encoder of BERT-base size re-ranks the top 100 products of every
product search, on cloud NVIDIA L4 instances that scale hour by hour. Every input is in the YAML
file with a comment saying where it comes from (a catalog row, a published figure, or an
assumption)."""),
        code(f"""from IPython.display import Markdown, display
import numpy as np
import pandas as pd

from tco import capacity, chapters as ch, evaluate, load_catalog, load_scenario, performance, plots, pricing, variants
from tco.dimensions import data, fusion, staff
from tco.formulas import latex
from tco.scenario import parse_scenario, repo_path, scenario_to_dict
from tco.units import BYTES_PER_GB, BYTES_PER_VALUE, DAYS_PER_MONTH, DAYS_PER_YEAR, PEAK_COLUMN, TERA

ch.setup()


def formula(func):
    \"\"\"Show the equation a library function documents, with its one-line summary.\"\"\"
    doc = func.__doc__.strip().splitlines()[0]
    display(Markdown(f"`{{func.__name__}}`: {{doc}}\\n\\n" + "\\n\\n".join(f"$$ {{eq}} $$" for eq in latex(func))))


scenario = load_scenario(repo_path("{SCENARIO}"))
catalog = load_catalog()
report = evaluate(scenario, catalog)  # the engine's answer, used to check every step below
model = scenario.models[0]
serving = model.serving
ch.table(pd.DataFrame({{"input": [
    "requests per day", "cache hit rate", "hourly profile", "parameters (non-embedding)", "precision",
    "items x tokens per request", "latency objective", "instance", "billing", "utilisation target",
    "min replicas + redundancy"], "value": [
    f"{{scenario.traffic.requests_per_day:,.0f}}", f"{{scenario.traffic.cache_hit_rate:.0%}}",
    scenario.traffic.hourly_profile, f"{{model.parameters - model.embedding_parameters:,.0f}}", model.precision,
    f"{{model.items_per_request:g}} x {{model.input_tokens_per_item:g}}",
    f"p{{model.latency_percentile * 100:g}} within {{model.latency_slo_ms:g}} ms",
    serving.instance, serving.billing, f"{{serving.utilization_target:.0%}}",
    f"{{serving.min_replicas}} + {{serving.redundancy}}"]}}))"""),
        md("""## 1. Traffic / 流量

Capacity is bought for the busiest hour, not for the daily average. The daily requests that miss
the cache are spread over the 24 hours by the profile's weights (mean 1), giving an arrival rate
λ_h for each hour in requests per second:"""),
        code("formula(capacity.arrival_rates)"),
        code("""weights = capacity.hourly_weights(scenario.traffic.hourly_profile, scenario.traffic.peak_to_average)
arrivals = capacity.arrival_rates(scenario.traffic.requests_per_day, scenario.traffic.cache_hit_rate, weights)
peak_hour = int(np.argmax(arrivals))
display(Markdown(
    f"{scenario.traffic.requests_per_day:,.0f} requests/day × (1 − {scenario.traffic.cache_hit_rate:g}) ÷ 86,400 s "
    f"= **{arrivals.mean():,.1f} requests/s on average**; the busiest hour ({peak_hour}:00) has weight "
    f"{weights.max():.2f}, so **{arrivals.max():,.1f} requests/s at the peak**. "
    f"(Engine: {report.models.loc[0, 'peak_rps']:,.1f}.)"))
ax = pd.Series(arrivals, name="requests/s").plot.bar(figsize=(8, 2.5), color="#4C72B0", xlabel="hour of the day",
                                                      ylabel="requests/s")
ch.show(ax.figure)"""),
        md("""## 2. Work per request / 单次请求计算量

A cross-encoder reads k candidate items of t tokens each. A transformer spends about 2 FLOPs per
non-embedding parameter per token (a multiply and an add), so one request needs:"""),
        code("formula(performance.prefill_flops)"),
        md("""The accelerator needs time for that work, and for the bytes it must read; it is limited by
whichever takes longer (the *roofline*). Real kernels reach only a share of the peak: the model
FLOPs utilisation `mfu` and memory-bandwidth utilisation `mbu`, taken from the catalog's efficiency
table for this kind of model. Throughput is one over the time per request:"""),
        code("formula(performance.prefill_time)\nformula(performance.throughput)"),
        code("""accelerator = catalog.row("accelerators", "L4")
efficiency, calibrated = catalog.efficiency_for(model.kind, accelerator["family"])
peak_ops = accelerator[PEAK_COLUMN[model.precision]] * TERA               # int8 operations per second
work = performance.prefill_flops(model.parameters - model.embedding_parameters,
                                 model.items_per_request, model.input_tokens_per_item)
seconds = performance.prefill_time(work, 0.0, peak_ops, accelerator["bandwidth_gb_s"], efficiency["mfu"], efficiency["mbu"])
mu = performance.throughput(seconds, 0.0)
display(Markdown(
    f"2 × {model.parameters - model.embedding_parameters:,.0f} × {model.items_per_request:g} × "
    f"{model.input_tokens_per_item:g} = **{work:.3g} FLOPs per request**. The L4 peaks at "
    f"{accelerator[PEAK_COLUMN[model.precision]]:g} {model.precision} TOPS; at mfu {efficiency['mfu']:g} one request "
    f"takes {seconds * 1000:.2f} ms, so **μ = {mu:,.1f} requests/s per L4**. "
    f"(Engine: {report.models.loc[0, 'throughput_rps_per_accelerator']:,.1f}.)\\n\\n"
    f"This is an *estimate*: for encoders on {accelerator['family']} hardware the catalog says measured throughput is "
    f"typically within ×{efficiency['band_low']:g}–×{efficiency['band_high']:g} of it"
    + ("." if calibrated else f" (no published {accelerator['family']} measurement calibrates the factors, so the "
       f"cross-family ones are used, with a wider band).")
    + " A measured figure (`throughput_rps` in the scenario) replaces it."))"""),
        md("""## 3. Capacity / 容量

**Memory** sets how many accelerators one replica needs (a power of two that holds the weights
with a safety margin). **Load** sets how many replicas the peak needs at the utilisation target ρ.
**Latency** may need more: with Erlang C (the M/M/c queue) the share of requests that wait, and how
long, is known for any number of replicas; the fewest replicas that keep the chosen percentile
under the SLO are taken. Minimum replicas and redundancy (N+1) are added on top."""),
        code("formula(performance.replica_size)\nformula(capacity.replicas_for_load)\n"
             "formula(capacity.erlang_c)\nformula(capacity.replicas_for_slo)"),
        code("""memory_gb = model.parameters * BYTES_PER_VALUE[model.precision] / BYTES_PER_GB
g = performance.replica_size(memory_gb, accelerator["memory_gb"], serving.usable_memory_fraction)
for_load = capacity.replicas_for_load(arrivals, g * mu, serving.utilization_target)
for_slo = capacity.replicas_for_slo(arrivals, 1 / (g * mu), 1, model.latency_slo_ms / 1000, model.latency_percentile)
replicas = np.maximum(np.maximum(for_load, for_slo), serving.min_replicas) + serving.redundancy
instances = capacity.instances_needed(replicas, g, 1)  # g6.xlarge has one L4
fleet = pd.DataFrame({"requests/s": arrivals.round(1), "for load": for_load, "for the SLO": for_slo,
                      "replicas": replicas, "instances": instances}).T
fleet.columns = [f"{h:02d}h" for h in range(24)]
display(ch.table(fleet, index="per hour"))
display(Markdown(
    f"{memory_gb:.2f} GB of weights fit on one L4 (g = {g:g}). At the peak, {arrivals.max():,.1f} ÷ "
    f"({mu:,.1f} × {serving.utilization_target:g}) needs **{for_load.max():g} replicas for load**, "
    f"{for_slo.max():g} for the SLO; with redundancy the fleet peaks at **{replicas.max():g} instances**. "
    f"Billed hour by hour (`autoscaled`), that is **{instances.sum():g} instance-hours per day** "
    f"(engine: {report.models.loc[0, 'accelerator_hours_per_day']:g}); a fleet kept at its peak size all day "
    f"would pay {replicas.max() * 24:g}."))"""),
        md("""## 4. Price / 价格

Each accelerator-hour has a price: a cloud instance's hourly price (from the catalog, with its
source and date, converted to the scenario's currency), the all-in cost of owning a server
(depreciation + energy + support + hosting) or, for a hosted model, a price per million tokens.
The serving cost is the instance-hours times the price."""),
        code("formula(pricing.onprem_accelerator_hour_cost)\nformula(pricing.api_cost_per_day)"),
        code("""price = catalog.instance_price(serving.instance, serving.pricing)
fx = catalog.fx_rate(price.currency, scenario.currency)
per_hour = price.value * fx
serving_cost = instances.sum() * per_hour
engine_serving = report.items.query("item == 'inference serving'")["cost_per_day"].sum()
display(Markdown(
    f"{serving.instance} ({serving.pricing}): **{price.value:g} {price.currency}/h** "
    f"(source: {price.source}; as of {price.as_of}) × {fx:g} {scenario.currency}/{price.currency} = "
    f"{per_hour:.4f} {scenario.currency}/h.\\n\\n"
    f"{instances.sum():g} instance-hours × {per_hour:.4f} = **{serving_cost:,.2f} {scenario.currency} per day** "
    f"for serving (engine: {engine_serving:,.2f})."))"""),
        md("""## 5. The five dimensions / 五个成本维度

Serving is one line of one dimension. The engine prices every line item of the five dimensions the
same way: a quantity with its unit, times a price with its source and date, brought to a cost per
day. Each table below lists the items of the scenario with the inputs behind them; the formulas
are those of the library functions that computed them.

### 5.1 Data cost / 数据成本

Data is paid for by volume, not by queries: GB acquired and processed per day (÷ the usable share),
labels per day (× 1 + relabel rate), and the volume held in each storage tier at steady state."""),
        code("""display(Markdown(ch.formula_markdown(report, "data")))
display(ch.table(ch.items_table(report, "data")))
source = scenario.data.sources[0]
display(Markdown(f"Check the first line by hand: {source.gb_per_day:g} GB/day × {source.price_per_gb:g} "
                 f"{scenario.currency}/GB ÷ {source.usable_fraction:g} = "
                 f"**{data.volume_cost_per_day(source.gb_per_day, source.price_per_gb, source.usable_fraction):,.2f}** "
                 f"{scenario.currency}/day."))"""),
        md("""### 5.2 Model storage cost / 模型存储成本

The model artifacts: every version kept, with backups and regional copies, priced per GB-month and
divided by 365/12 days; the copy on each serving disk; each roll-out's transfer."""),
        code("""display(Markdown(ch.formula_markdown(report, "storage")))
display(ch.table(ch.items_table(report, "storage")))"""),
        md("""### 5.3 Compute cost / 计算资源成本

Serving (steps 1–4) and training: a full fine-tune needs about 6 FLOPs per parameter per token
(2 forward, 4 backward), run at the training utilisation `mfu_train` on the training instance."""),
        code("""display(Markdown(ch.formula_markdown(report, "compute")))
display(ch.table(ch.items_table(report, "compute")))"""),
        md("""### 5.4 Staff cost / 人员成本

People are paid per full-time equivalent or per person-day. Staff cost grows with the number of
models and the size of the fleet people run, never with the number of queries."""),
        code("""display(Markdown(ch.formula_markdown(report, "staff")))
display(ch.table(ch.items_table(report, "staff")))
role = scenario.staff.roles[0]
annual = catalog.staff_rate(role.rate)
display(Markdown(f"Check the first role: {role.fte:g} FTE × {annual.value:,.0f} {annual.currency}/year ÷ 365 = "
                 f"**{staff.fte_cost_per_day(role.fte, catalog.convert(annual.value, annual.currency, scenario.currency)):,.2f}** "
                 f"{scenario.currency}/day."))"""),
        md("""### 5.5 Multi-model fusion cost / 多模型融合成本

This scenario runs one model (`strategy: single`), so fusion costs nothing. With several models the
strategy decides how much traffic each one serves: an **ensemble** sends all traffic to every model,
a **cascade** only the share each stage escalates to the next. The combiner's CPU time, a stacking
meta-model and integration upkeep are the fusion line items; the models' own serving stays in
compute. A three-stage cascade escalating 20% then 50%:"""),
        code("""formula(fusion.cascade_shares)
display(Markdown(f"Shares of the traffic reaching each stage: {fusion.cascade_shares([0.2, 0.5])}"))"""),
        md("""## 6. Totals / 合计

The total per day is the sum of the five dimensions. A month is 365/12 days and a year 365 days for
every figure, so monthly and yearly figures always add up; the cost per 1,000 requests divides by
all requests, cached ones included."""),
        code("""totals = report.totals
display(ch.table(ch.totals_table(report), index="estimate"))
display(ch.table(ch.dimension_overview(report)))
display(Markdown(
    f"{totals['per_day']:,.2f} × 365/12 = {totals['per_day'] * DAYS_PER_MONTH:,.0f} per month; "
    f"× 365 = {totals['per_day'] * DAYS_PER_YEAR:,.0f} per year; ÷ {scenario.traffic.requests_per_day:,.0f} "
    f"× 1,000 = {totals['per_day'] / scenario.traffic.requests_per_day * 1000:.4f} per 1,000 requests."))
ch.show(plots.waterfall(report))"""),
        md("""The estimate rests on its assumptions, each written in the scenario file, and on catalog
prices that have a date. The engine warns about anything old or unpriced:"""),
        code("""display(Markdown(ch.warnings_markdown(report, limit=3)))"""),
        md("""## Exercises / 练习

Try each one before reading the answers. Use the functions above, or change the scenario and
evaluate it again (`scenario_to_dict` gives the scenario as a dictionary, `parse_scenario` checks
it again; `tco.variants` holds the common edits, such as `with_billing`).

1. **Traffic.** The cache hit rate rises from 30% to 50%. What is the peak arrival rate now?
2. **Units.** The model registry holds 1.76 GB at 0.12 CNY per GB-month. What does that cost per
   day? Why is dividing by 30 slightly wrong in this workbook?
3. **Capacity.** With the peak of exercise 1, how many replicas does load need? With redundancy,
   how many instances at the peak?
4. **Price.** How much cheaper is the serving line per day with autoscaling than with a fleet kept
   at its peak size all day (`billing: provisioned`)? Work it out from step 3, then check with the
   engine.
5. **Staff.** Traffic doubles. Why does staff cost barely move, and which staff line moves at all?
6. **Fusion.** A cascade puts a small model in front of this one and escalates 25% of the traffic to
   it. What share of the traffic does the cross-encoder serve, and roughly what happens to its
   serving cost?"""),
        md("""## Answers / 参考答案

**1. Traffic.** Arrival rates are proportional to (1 − h): the peak scales by (1 − 0.5) / (1 − 0.3)."""),
        code("""half = capacity.arrival_rates(scenario.traffic.requests_per_day, 0.5, weights)
display(Markdown(f"{arrivals.max():,.1f} × 0.5 / 0.7 = **{arrivals.max() * 0.5 / 0.7:,.1f} requests/s** "
                 f"(arrival_rates gives {half.max():,.1f})."))"""),
        md("""**2. Units.** GB × CNY/(GB·month) = CNY/month; a month is 365/12 = 30.417 days in the workbook, so
that 12 months are exactly one year of 365 days. Dividing by 30 would overstate every monthly price
by 1.4% and make months and years disagree."""),
        code("""display(Markdown(f"1.76 × 0.12 ÷ (365/12) = **{pricing.stored_cost_per_day(1.76, 0.12):.5f} CNY/day** "
                 f"(÷ 30 would give {1.76 * 0.12 / 30:.5f})."))"""),
        md("""**3. Capacity.** r_load = ⌈λ_peak ÷ (μ · ρ)⌉, then add redundancy."""),
        code("""load_half = capacity.replicas_for_load(half.max(), g * mu, serving.utilization_target)
display(Markdown(f"⌈{half.max():,.1f} ÷ ({mu:,.1f} × {serving.utilization_target:g})⌉ = **{load_half:g} replicas "
                 f"for load**, + {serving.redundancy} = **{load_half + serving.redundancy:g} instances at the peak** "
                 f"(was {replicas.max():g})."))"""),
        md("""**4. Price.** Provisioned billing pays the peak fleet for 24 hours; autoscaled pays each hour's fleet."""),
        code("""provisioned = evaluate(variants.with_billing(scenario, "provisioned"), catalog)
provisioned_serving = provisioned.items.query("item == 'inference serving'")["cost_per_day"].sum()
display(Markdown(
    f"By hand: ({replicas.max():g} × 24 − {instances.sum():g}) instance-hours × {per_hour:.4f} = "
    f"**{(replicas.max() * 24 - instances.sum()) * per_hour:,.2f} {scenario.currency}/day saved**. "
    f"Engine: provisioned serving {provisioned_serving:,.2f} − autoscaled {engine_serving:,.2f} = "
    f"{provisioned_serving - engine_serving:,.2f}."))"""),
        md("""**5. Staff.** Roles and person-days of upkeep do not depend on traffic. Operations moves, because
it is proportional to the number of nodes people look after, and twice the traffic needs about
twice the instances; training moves a little with it, because the operations staff are trained
too. The source article's staff formula, by contrast, doubles with the queries (see `30-paper-errata`)."""),
        code("""d = scenario_to_dict(scenario)
d["traffic"]["requests_per_day"] = 2 * scenario.traffic.requests_per_day
doubled = evaluate(parse_scenario(d), catalog)
compare = pd.DataFrame({"now": report.items.query("dimension == 'staff'").set_index("item")["cost_per_day"],
                        "traffic doubled": doubled.items.query("dimension == 'staff'").set_index("item")["cost_per_day"]})
compare["change"] = compare["traffic doubled"] - compare["now"]
ch.table(compare, ["now", "traffic doubled", "change"], report.currency, index="staff item")"""),
        md("""**6. Fusion.** The cross-encoder becomes stage 2 and serves 25% of the non-cached traffic, so its
replicas for load fall to about a quarter; minimum replicas and redundancy do not shrink, so its
serving cost falls by less than 75%. The small stage-1 model's own cost and the router's CPU time
must then be added; the cascade pays off only if they cost less than what stage 2 saves."""),
        code("""share = fusion.cascade_shares([0.25])[1]
quarter_load = capacity.replicas_for_load(arrivals * share, g * mu, serving.utilization_target)
quarter_slo = capacity.replicas_for_slo(arrivals * share, 1 / (g * mu), 1, model.latency_slo_ms / 1000,
                                        model.latency_percentile)
quarter_fleet = np.maximum(np.maximum(quarter_load, quarter_slo), serving.min_replicas) + serving.redundancy
quarter_hours = capacity.instances_needed(quarter_fleet, g, 1).sum()
display(Markdown(f"Shares of the cascade: {fusion.cascade_shares([0.25])}. Instance-hours per day at {share:.0%} of "
                 f"the traffic: **{quarter_hours:g}** instead of {instances.sum():g}, a saving of "
                 f"{1 - quarter_hours / instances.sum():.0%} of the serving line, not 75%."))"""),
    ]
