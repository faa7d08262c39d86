"""Write every notebook in notebooks/ and store the outputs of its default scenario in it.

    .venv/bin/python tools/make_notebooks.py                    # write and execute every notebook
    .venv/bin/python tools/make_notebooks.py 03-compute-cost    # only the ones named
    .venv/bin/python tools/make_notebooks.py --no-run           # write the cells only

The notebooks are data built from the cell texts below (00-methodology's in
tools/methodology_notebook.py, 40-validation's in tools/validation_notebook.py), so every chapter
follows the same pattern; each starts with a cell saying so. The outputs are produced with
nbclient in the repository's environment (not papermill, so no run metadata is stored) and are
what nbval re-checks.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_SCENARIO = "data/scenarios/search-cascade.yaml"
BUSINESS_SCENARIO = "data/scenarios/llm-rerank-cloud.yaml"  # the business chapter's example has a business case

PARAMETERS = f'''# Parameters: papermill replaces this cell (papermill NB OUT -p scenario data/scenarios/NAME.yaml).
scenario: str = "{DEFAULT_SCENARIO}"  # scenario YAML file, relative to the repository root or absolute
results_path: str = ""  # JSON file to record the figures this chapter shows; empty: record nothing'''

OPEN = '''from IPython.display import Markdown, display
from tco import chapters as ch, plots

ch.setup()
chapter = ch.open_chapter(scenario)  # a bad scenario stops here with the validation message
report = chapter.report
display(Markdown(ch.header(chapter, TITLE)))'''

DIMENSIONS = {
    "data": {
        "file": "01-data-cost",
        "title": "Data cost / 数据成本",
        "intro": (
            "What it costs to get, prepare, label and keep the data the models learn from and are "
            "evaluated on: user behaviour logs, search and purchase records, partner feeds.\n\n"
            "- **Acquisition / 数据采集**: data bought or collected per day; the share that turns out unusable is "
            "paid for too (`GB/day × price/GB ÷ usable_fraction`), plus flat licence fees.\n"
            "- **Processing / 数据清洗**: cleaning and feature pipelines priced per GB processed.\n"
            "- **Labelling / 数据标注**: labels per day × price × (1 + relabel rate).\n"
            "- **Retention / 数据存储**: what is held in each storage tier at steady state "
            "(`GB/day × days kept × copies`), priced per GB-month.\n\n"
            "Unlike the source article's formula, data cost does not grow with the number of queries "
            "times the model size: it follows the data volume and the prices of each step."),
    },
    "storage": {
        "file": "02-storage-cost",
        "title": "Model storage cost / 模型存储成本",
        "intro": (
            "What it costs to keep and ship the model artifacts themselves (not the training data).\n\n"
            "- **Model registry / 模型仓库**: every kept version, its backups and regional copies, "
            "divided by the compression ratio, at the tier's price per GB-month.\n"
            "- **Serving disks**: the copy each cloud serving instance holds on block storage.\n"
            "- **On-premises media / 本地存储介质**: disks bought for the servers' model copies, "
            "depreciated over their life.\n"
            "- **Distribution transfer / 分发**: every roll-out ships the artifact to every serving copy.\n\n"
            "Storage is usually small next to compute; the chapter shows how small, and which "
            "choice (versions kept, backups, compression) moves it."),
    },
    "compute": {
        "file": "03-compute-cost",
        "title": "Compute cost / 计算资源成本",
        "intro": (
            "What it costs to serve every request at the service level asked for, and to train or "
            "refresh the models.\n\n"
            "1. **Traffic**: requests per day minus cache hits, spread over the hours of the day; "
            "each model sees the share its fusion strategy routes to it.\n"
            "2. **Throughput per accelerator**: a roofline estimate from FLOPs and bytes per request "
            "(with efficiency factors and their error band), or a measured figure that overrides it.\n"
            "3. **Replicas**: memory sets the replica size; the peak load at the utilisation target and "
            "the latency SLO (Erlang C) set the number; minimum and spare replicas are added.\n"
            "4. **Price of an hour**: cloud instance prices per plan, or on premises depreciation + "
            "energy + support + hosting; hosted APIs are priced per token.\n"
            "5. **Training and refresh**: `c·N·D` FLOPs at the training utilisation, per run and month."),
    },
    "staff": {
        "file": "04-staff-cost",
        "title": "Staff cost / 人员成本",
        "intro": (
            "What the people cost who build, run and look after the models.\n\n"
            "- **Roles / 岗位**: full-time equivalents × loaded annual cost.\n"
            "- **Tasks / 人日**: person-days per month × day rate.\n"
            "- **Model upkeep / 模型维护**: person-days per model per month (monitoring, retraining, "
            "fixes), reduced by automation.\n"
            "- **Operations / 运维**: engineers in proportion to the fleet (nodes ÷ nodes per engineer).\n"
            "- **Training / 人员培训**: days per person per year.\n\n"
            "Staff cost grows with the number of models and the size of the fleet, never with the "
            "number of queries (one of the source article's errors)."),
    },
    "fusion": {
        "file": "05-fusion-cost",
        "title": "Multi-model fusion cost / 多模型融合成本",
        "intro": (
            "What combining several models costs on top of the models themselves.\n\n"
            "- **Strategy / 融合策略**: `single`, `ensemble` (every model scores all traffic), `cascade` "
            "(each stage sees only what the stage before escalates: s_m = Π e_j) or `stacking` "
            "(ensemble plus a meta-model). The strategy sets each model's traffic share, and so its "
            "compute (chapter 03).\n"
            "- **Fusion line items**: the combiner or router's CPU time, meta-model training, "
            "integration upkeep in person-days per model, and the articles' "
            "'fusion algorithm cost × complexity' read as a daily upkeep.\n"
            "- **Marginal cost of fusion**: the whole scenario's cost minus the cost of serving the "
            "same traffic with its first model alone: what the fused models add in every dimension."),
    },
}


#: Where a notebook's cells are written, when not in this file.
CELL_SOURCES = {"00-methodology": "tools/methodology_notebook.py", "40-validation": "tools/validation_notebook.py"}
#: Tag of the first cell saying the notebook is generated (left out of the HTML reports).
GENERATED_TAG = "generated-notice"


def md(text: str):
    return nbformat.v4.new_markdown_cell(text)


def generated_notice(name: str):
    """The first cell of notebook ``name``: generated, from which file, and how to rebuild it. No
    dates and no absolute paths, so that rebuilding an unchanged notebook changes nothing."""
    source = CELL_SOURCES.get(name)
    where = "`tools/make_notebooks.py`" + (f" from the cells in `{source}`" if source else "")
    cell = md(f"> **Generated notebook: edit its source, not this file.** `notebooks/{name}.ipynb` is written "
              f"by {where}. Change the cells there, then rebuild it with its stored outputs (which the tests "
              f"re-check with nbval):\n>\n> `.venv/bin/python tools/make_notebooks.py {name}`\n>\n"
              f"> (name several notebooks, or none for all of them; `--no-run` writes the cells without "
              f"running them). Edits saved here are lost at the next rebuild.")
    cell.metadata["tags"] = [GENERATED_TAG]
    return cell


def code(text: str, tags: list[str] | None = None):
    cell = nbformat.v4.new_code_cell(text)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def rerun_cells(name: str, extra: str = "") -> list:
    """The closing 'How to re-run' section: the command lines live here, not in the parts a manager reads."""
    return [md(f"### How to re-run / 重新运行\n\nFor another scenario, run this notebook with papermill:\n\n"
               f"`papermill notebooks/{name}.ipynb out.ipynb -p scenario data/scenarios/NAME.yaml`{extra}\n\n"
               f"or write the HTML report of every chapter (code cells left out):\n\n"
               f"`python -m tco report data/scenarios/NAME.yaml --out reports/`")]


def dimension_notebook(dimension: str) -> nbformat.NotebookNode:
    spec = DIMENSIONS[dimension]
    name, title = spec["file"], spec["title"]
    d = f'"{dimension}"'
    cells = [
        md(f"# {title}\n\n{spec['intro']}"),
        code(PARAMETERS, ["parameters"]),
        code(f'TITLE = "{title}"\n' + OPEN),
        md("### Line items / 成本明细"),
        code(f'display(Markdown(f"**{title}: {{ch.money(report.by_dimension()[\'{dimension}\'], report.currency)}} '
             f'per day**, of a total of {{ch.money(report.per_day, report.currency)}} per day."))\n'
             f'ch.table(ch.items_table(report, {d}), empty=ch.no_items(report, {d}))'),
        code(f'if ch.has_items(report, {d}):  # no chart of nothing\n    ch.show(plots.items_bar(report, {d}))'),
    ]
    if dimension == "compute":
        cells += [
            md("### Sizing per model / 模型容量\n\nThroughput per accelerator (measured, or estimated with the "
               "error band of the estimate), replica size from memory, replicas from load and latency, "
               "utilisation of the accelerator-hours paid for, and latency against the SLO."),
            code("ch.table(ch.sizing_table(report))"),
            md("### How the LLMs are served / 大模型推理\n\nFor each self-hosted generative model: the "
               "architecture (mixture of experts: FLOPs from the active parameters, bytes from the experts a "
               "step touches), the precisions, the prefix cache, speculative decoding, and the continuous-"
               "batching operating point: the batch that fits memory and meets the TPOT objective, its time "
               "per output token (TPOT) and to the first token (TTFT)."),
            code("serving_text, serving_table = ch.llm_serving(chapter)\ndisplay(Markdown(serving_text))\n"
                 "if len(serving_table):\n    display(ch.table(serving_table))"),
            md("### Provisioned and autoscaled fleets over the day\n\nA provisioned fleet pays for the peak "
               "all day; an autoscaled cloud fleet follows the hourly traffic (owned servers cost the same "
               "idle or busy, so on-premises models are shown provisioned only)."),
            code('hourly, billing = ch.billing_comparison(chapter)\n'
                 'ch.table(billing, [f"serving {report.currency}/day"],\n'
                 '         empty="Every model is served by a hosted API, so no fleet is billed by the hour.")'),
            code("ch.show(plots.hourly_fleet(hourly))"),
            md("### Cloud, on premises or hosted API for the same traffic\n\nEach model's serving cost per "
               "day under each deployment the catalog can price (* marks the scenario's own), and the "
               "traffic at which self-hosting and the hosted API cost the same."),
            code('options = ch.deployment_options(chapter)\n'
                 'ch.table(options, [f"serving {report.currency}/day"],\n'
                 '         empty="The catalog prices no other deployment for these models.")'),
            code('if options[f"serving {report.currency}/day"].notna().any():  # no chart when none is priced\n'
                 '    ch.show(plots.options_bar(options, report.currency))'),
            code('ch.table(ch.break_even_table(report), empty="No self-hosted model names a hosted API to compare '
                 'against (api_alternative), so there is no break-even traffic to show.")'),
        ]
    if dimension == "fusion":
        cells += [
            md("### Strategies compared / 策略比较\n\nEach model's share of the non-cached traffic and the "
               "scenario's total under every strategy (a cascade escalates the scenario's fractions, or "
               "20% per stage; stacking adds a small CPU meta-model when the scenario has none)."),
            code('ch.table(ch.strategy_comparison(chapter),\n'
                 '         empty="With one model there is no other fusion strategy to compare.")'),
            code('marginal = report.marginal_fusion_cost_per_day\n'
                 'display(Markdown("One model: nothing to fuse, so fusion adds nothing." if marginal is None else\n'
                 '    f"**Marginal cost of fusion / 融合边际成本: {ch.money(marginal, report.currency)} per day** over '
                 'the first model alone ({ch.money(report.first_model_alone_per_day, report.currency)} per day)."))'),
        ]
    cells += [
        md("### Warnings / 警示"),
        code(f'display(Markdown(ch.warnings_markdown(report, {d})))'),
        md("### What drives the cost, and what would lower it / 成本驱动与优化\n\nThe three largest items of this "
           "dimension, then each lever the scenario allows, evaluated: the scenario changed in that one "
           "respect and costed again."),
        code(f'ch.table(ch.drivers(report, {d}), empty="No priced line items in this dimension.")'),
        code(f'ch.table(ch.levers(chapter, {d}), empty=ch.no_levers(report, {d}))'),
        md("### Formulas / 公式\n\nThe equations of the library functions behind this scenario's line items, "
           "read from their documentation (`tco.formulas`)."),
        code(f'display(Markdown(ch.formula_markdown(report, {d})))'),
        md("### Inputs / 输入\n\nThe scenario inputs this dimension reads that apply to this scenario, grouped by "
           "the part of the scenario they belong to; *set by* says whether the scenario, a default or the model "
           "catalog gave each value, and which were written as ranges."),
        code(f'ch.inputs_view(chapter.scenario, {d})'),
        *rerun_cells(name),
        md("### Chapters / 章节"),
        code(f'if results_path:\n    ch.write_results(ch.results(report, "{name}", {d}), results_path)\n'
             f'display(Markdown(ch.chapter_links({d})))'),
    ]
    return notebook(cells)


#: Heading of the summary's technical part; everything a manager does not need comes after it.
APPENDIX = "## Appendix (for analysts) / 附录"


def summary_notebook() -> nbformat.NotebookNode:
    cells = [
        md("# Summary / 总结\n\nThe answer first: what the scenario costs, where the money goes, the largest saving "
           "found and how sure the figures are. Then the detail behind it; each chapter gives one dimension in "
           "full, and the appendix at the end holds the technical tables."),
        code(PARAMETERS + '\nsamples: int = 10000  # Monte Carlo samples of the inputs written as ranges\n'
             'seed: int = 2026  # random seed of the samples (same seed, same figures)', ["parameters"]),
        code('TITLE = "Summary / 总结"\n' + OPEN + "\nuncertain = ch.uncertainty(chapter, samples, seed)  # None without ranges"),
        md("## The answer / 结论"),
        code("display(Markdown(ch.answer(chapter, uncertain)))"),
        md("### Totals / 总成本\n\nWith ranges in the scenario, the P5 / P50 / P95 rows give the likely range; the "
           "point estimate uses the mode, midpoint or median of each range."),
        code('ch.table(ch.totals_table(report, uncertain), index="estimate")'),
        md("### By dimension / 按维度"),
        code("ch.table(ch.dimension_overview(report))"),
        code("ch.show(plots.waterfall(report))"),
        md("### By model / 按模型\n\nItems shared by all models (data, staff roles, fusion) are under '(shared)'."),
        code("ch.show(plots.stacked_by_model(report))"),
        md("### Largest items / 主要成本项"),
        code("ch.table(ch.drivers(report, n=5))"),
        code('marginal = report.marginal_fusion_cost_per_day\n'
             'if marginal is not None:\n'
             '    display(Markdown(f"Fusing the models adds **{ch.money(marginal, report.currency)} per day** to the first '
             'model alone ({ch.money(report.first_model_alone_per_day, report.currency)} per day)."))\n'
             'if len(report.alternatives):\n'
             '    display(ch.table(ch.break_even_table(report)))'),
        md("### Uncertainty / 不确定性\n\n"
           "How far the total may move when the inputs written as ranges move. The histogram shows the likely "
           "range of the daily total; the tornado moves one input at a time between the ends of its range, "
           "largest swing first."),
        code("if uncertain is None:\n"
             "    display(Markdown('This scenario gives every input as a single number, so it has no spread. Write an '\n"
             "                     'uncertain input as a range (for example `cache_hit_rate: {low: 0.2, mode: 0.3, '\n"
             "                     'high: 0.45}`) to see its likely range and the assumptions that matter.'))\n"
             "else:  # its sentence opens the page (ch.answer)\n"
             "    display(ch.table(ch.percentiles_table(uncertain, report.currency), index='figure'))\n"
             "    ch.show(plots.cost_distribution(uncertain.mc, report.currency))\n"
             "    if not uncertain.tornado.empty:  # only business figures are ranges: the cost does not move\n"
             "        ch.show(plots.tornado(uncertain.tornado, uncertain.mc.point_per_day, report.currency))"),
        md("### Top warnings / 主要警示"),
        code("display(Markdown(ch.warnings_markdown(report, limit=5)))"),
        md("### Chapters / 章节"),
        code('if results_path:\n    ch.write_results(ch.results(report, "06-summary", uncertain=uncertain), results_path)\n'
             'display(Markdown(ch.chapter_links("summary")))'),
        md(f"{APPENDIX}\n\nFor analysts checking the figures: the uncertain inputs as written, the Sobol indices "
           "and how to re-run this page."),
        md("### Inputs written as ranges\n\n"
           "Inputs written as ranges (`{low, mode, high}`, `{low, high}`, `{p5, p95, dist: lognormal}`) are sampled "
           "together (Latin hypercube, seeded) and all samples are costed at once through the same formulas."),
        code("if uncertain is None:\n"
             "    display(Markdown('No input is written as a range.'))\n"
             "else:\n"
             "    display(ch.table(ch.ranges_table(chapter.scenario)))"),
        md("### Sobol indices\n\nThe Sobol indices apportion the variance of the daily total among the inputs: "
           "first order (S1) alone, total (ST) with its interactions, each with the half-width of its 95% "
           "confidence interval (conf). Refine the inputs with the largest ST first; an input with ST near 0 can "
           "stay a point value."),
        code("if uncertain is None or uncertain.sobol.empty:\n"
             "    display(Markdown('No input written as a range moves the cost, so there is no variance to apportion.'))\n"
             "elif uncertain.sobol.attrs.get('note'):\n"
             "    display(Markdown(ch.escape_markdown(uncertain.sobol.attrs['note'])))\n"
             "else:\n"
             "    display(ch.table(uncertain.sobol.round(3), details='Sobol indices (S1, ST and their confidence)'))\n"
             "    ch.show(plots.sobol_bars(uncertain.sobol))"),
        *rerun_cells("06-summary", " -p samples 10000 -p seed 2026"),
    ]
    return notebook(cells)


def business_notebook() -> nbformat.NotebookNode:
    title = "Business case / 商业回报"
    cells = [
        md(f"# {title}\n\nDoes the deployment pay for itself? The cost side comes from the five dimensions; the "
           "return side from the scenario's `business:` section: the sessions the model touches, their conversion, "
           "order value and margin, and the uplift the model is expected to bring (from an A/B test, or a published "
           "one). The **break-even uplift** is the relative rise in conversion (or revenue per session) at which "
           "the gross profit it adds equals its cost."),
        code(PARAMETERS.replace(DEFAULT_SCENARIO, BUSINESS_SCENARIO)
             + '\nsamples: int = 10000  # Monte Carlo samples of the inputs written as ranges\n'
             'seed: int = 2026  # random seed of the samples (same seed, same figures)', ["parameters"]),
        code(f'TITLE = "{title}"\n' + OPEN + "\nuncertain = ch.uncertainty(chapter, samples, seed) "
             "if report.business is not None else None  # None without ranges"),
        md("## The answer / 结论"),
        code("missing = ch.business_missing(chapter)\n"
             "display(Markdown(missing or ch.business_sentence(report, uncertain) or "
             "'The business section lacks the inputs for a break-even (see the inputs below).'))"),
        code("if report.business is not None:  # without a business section the answer above says what to add\n"
             "    display(Markdown('### From sessions to net value / 从会话到净收益\\n\\nEach figure follows from the ones "
             "above it; with ranges in the scenario, P5 and P95 give the likely spread of the figures that vary.'))\n"
             "    display(ch.table(ch.business_table(report, uncertain)))\n"
             "    ch.show(plots.net_value_curve(report, uncertain))\n"
             "    display(Markdown('### Inputs / 输入\\n\\nWhere each business figure comes from; a figure not given leaves "
             "out the ones that need it.'))\n"
             "    display(ch.table(ch.business_inputs_table(chapter.scenario)))\n"
             "    display(Markdown(f'Source: {ch.escape_markdown(chapter.scenario.business.source or \"not stated\")}'))"),
        md("### Formulas / 公式"),
        code("display(Markdown(ch.business_formulas()))"),
        *rerun_cells("07-business-case", " -p samples 10000 -p seed 2026"),
        md("### Chapters / 章节"),
        code('if results_path:\n    ch.write_results(ch.results(report, "07-business-case", uncertain=uncertain), '
             'results_path)\ndisplay(Markdown(ch.chapter_links("business")))'),
    ]
    return notebook(cells)


def explorer_notebook() -> nbformat.NotebookNode:
    cells = [
        md("# Cost explorer / 成本探索\n\nMove a control and the cost is recomputed when you release it: totals per "
           "day, month and 1,000 requests with the change against the loaded scenario; where the scenario writes "
           "inputs as ranges, the likely range of the total (P5 to P95 of a seeded Monte Carlo); the five "
           "dimensions; the cost per day against traffic, with the break-even against the hosted API where a model "
           "names one; the sizing of every model and the warnings. Choose another bundled scenario or a file at "
           "the top; "
           "**Save as scenario** writes what is on screen as a YAML file that `python -m tco validate` accepts and "
           "`python -m tco report` turns into a report; **Reset** returns to the loaded scenario.\n\n"
           "Without code, as a web page: `.venv/bin/voila notebooks/20-explorer.ipynb`."),
        code('# Parameters\nscenario: str = "data/scenarios/search-cascade.yaml"  # scenario loaded first', ["parameters"]),
        code("# NBVAL_IGNORE_OUTPUT (a live widget: its state is checked by tests/test_explorer.py)\n"
             "from tco.explorer import Explorer\n\nexplorer = Explorer(scenario)\nexplorer.show()"),
        code('print(f"Loaded {explorer.scenario.name}: {explorer.report.totals[\'per_day\']:,.2f} '
             '{explorer.report.currency} per day")'),
    ]
    return notebook(cells)


ERRATA = {
    "data": {
        "title": "Data cost / 数据成本 (section 4.2.1)",
        "says": "C_cost is a price per GB of data acquired and stored (元/GB), P_i the parameters of model i "
                "'in MB', T_i the response time per query, M the queries per day and the efficiency a number in "
                "[0, 1].",
        "wrong": [
            "The data volume is the **model's size**, not the data acquired: P_i (MB) divided by 1024³, a "
            "bytes-to-GiB factor, so 1,024 'MB' becomes 10⁻⁶ of a unit.",
            "It is multiplied by a response time and the query count, so data cost grows with traffic. Data "
            "is bought, cleaned, labelled and kept in volumes that follow the logs, not the queries times the "
            "model size.",
            "pint finds CNY·MB·query·s/(day·GB): seconds are left over, and nothing turns it into money per day.",
            "Section 4.3 prints 10,240,000 元/天; its own arithmetic (× 1024³ instead of ÷) gives 5.15 × 10¹⁵, "
            "and the formula as printed gives 4.58: three different numbers for one line.",
        ],
        "sound": "GB per day × price per GB ÷ usable fraction for acquisition and processing, labels × price × "
                 "(1 + relabel rate), and the steady-state volume held (GB/day × days kept × copies) × price per "
                 "GB-month ÷ (365/12) for retention. On the example: 6 GB/day × 10 CNY/GB ÷ 0.8 = 75 CNY/day.",
    },
    "storage": {
        "title": "Model storage cost / 模型存储成本 (section 4.2.2)",
        "says": "C_cost-store is a price per GB (元/GB), S_i 'the actual storage need of model i' and S the "
                "capacity of the storage medium (GB).",
        "wrong": [
            "S_i means a storage need here and an **inference speed** in the next formula (4.2.3).",
            "(S_i − S) subtracts the medium's capacity from the need: a model smaller than its disk has a "
            "**negative** cost (model B: 5 − 10), and a full disk costs nothing.",
            "The price is per GB with no period, so the result has no time unit (pint: CNY·MB).",
            "Section 4.3 prints 0; its arithmetic gives −5.4 × 10¹⁰; the formula gives −0.000238.",
        ],
        "sound": "Stored volume (artifact × versions kept × (1 + backups) × regions ÷ compression) × price per "
                 "GB-month ÷ (365/12), plus serving disks, bought media depreciated over their life, and the "
                 "transfer of each roll-out. On the example: 6 GB × 10 CNY/GB-month ÷ 30.42 = 1.97 CNY/day.",
    },
    "compute": {
        "title": "Compute cost / 计算资源成本 (section 4.2.3)",
        "says": "C_cost-cal is a price per hour of compute (元/小时), S_i the inference speed of model i, T_i the "
                "response time per query, M the queries per day and the efficiency a number in [0, 1].",
        "wrong": [
            "P_i / S_i divides a size (MB) by a speed (inferences/s): the unit is MB·s/inference, not a time "
            "the hourly price could multiply.",
            "Multiplying by T_i and M gives MB·s²·query/day: pint shows the seconds squared; there is no "
            "accelerator-hour anywhere.",
            "Traffic enters as a daily total: no peak, no replicas, no latency objective, so the same formula "
            "costs a flat day and an evening rush alike.",
            "Section 4.3 prints 192,000,000; its arithmetic (sizes times speeds) gives 6.8 × 10¹⁷; the "
            "formula with the unit cost 10 the printed arithmetic uses gives 24,883,200.",
        ],
        "sound": "Work per request (FLOPs and bytes) → throughput per accelerator (roofline or measured) → "
                 "replicas for the peak hour at the utilisation target and for the latency SLO (Erlang C) → "
                 "accelerator-hours per day × the price of an accelerator-hour (cloud, on premises or API). "
                 "On the example: one replica per model (500 and 200 req/s each carry 1.2 req/s) × 24 h × "
                 "100 CNY/h = 4,800 CNY/day.",
    },
    "staff": {
        "title": "Staff cost / 人员成本 (section 4.2.4)",
        "says": "C_cost-hum is a day rate (元/人日) and L_i the person-days model i needs.",
        "wrong": [
            "Staff cost is the compute formula times person-days: it grows with the **number of queries** and "
            "the model size. Ten times the traffic does not need ten times the engineers.",
            "Person-days multiply a price per person-day, and the result still carries MB·s²·query/day.",
            "Section 4.3 prints 1,152,000; its arithmetic (with a 0.9 that is not in the formula) gives 1.2 × "
            "10¹⁶; the formula gives 55,296,000.",
        ],
        "sound": "FTE × loaded annual cost ÷ 365 for roles, person-days per month × day rate ÷ (365/12) for "
                 "tasks and per-model upkeep, operations engineers in proportion to the fleet, and training "
                 "days. On the example: 2 models × 2 person-days/month × 1,000 CNY ÷ 30.42 = 131.51 CNY/day.",
    },
    "fusion": {
        "title": "Multi-model fusion cost / 多模型融合成本 (section 4.2.5)",
        "says": "C_cost-fuse is a 'unit cost of the fusion algorithm' and F its complexity in [0, 1].",
        "wrong": [
            "The only formula whose arithmetic is sound, but it has **no time unit** (pint: CNY) and does not "
            "depend on how many models are fused or how traffic is routed between them.",
            "Section 4.3 leaves it as 10 × 1024³ × 2 × F, a size factor borrowed from the other lines.",
            "The real cost of fusion is mostly elsewhere: every model of an ensemble serves all the traffic "
            "(its compute, storage and upkeep), a cascade only its escalated share.",
        ],
        "sound": "The workbook keeps C × F, read as an upkeep per day, and adds what fusion really costs: the "
                 "traffic share of each model (ensemble: all; cascade: s_m = Π e_j), the combiner's CPU time, a "
                 "stacking meta-model's training and integration upkeep. Its marginal cost is the whole "
                 "scenario minus the first model alone (2,517 CNY/day on the example).",
    },
}


def errata_notebook() -> nbformat.NotebookNode:
    cells = [
        md("# The source article, checked / 原文公式勘误\n\n"
           "The article *电商搜索推荐场景下的AI大模型模型部署成本核算模型构建* (by the blog pen name 禅与计算机程序设计艺术, "
           "\"Zen and the Art of Computer Programming\") splits the "
           "cost of deploying large models into five dimensions: data, model storage, compute, staff and "
           "multi-model fusion. That structure is the workbook's. Its formulas (section 4.2), its worked example "
           "(4.3) and its sample code (5.2, 5.4) are not usable as printed. This notebook shows why, with the "
           "article's own inputs, and sets the sound method beside them. Read `00-methodology` first for the "
           "sound method itself.\n\n"
           "The functions that reproduce the article literally are in `tco.paper` and are never used to cost "
           "anything."),
        md("## The example (section 4.3) / 案例\n\n"
           "Two models, A and B, 'of 1 GB and 5 GB, in MB'; 1 s per query; 500 and 200 inferences per second; "
           "100,000 queries per day; an SSD of 2 TB and cloud storage of 10 TB; efficiencies 0.8 (data) and 0.9 "
           "(compute). The printed arithmetic uses a unit cost of 10 in every line. Section 5.4's code adds: "
           "compute 100 元/hour, a day rate of 1,000 元 and 2 person-days, a fusion cost of 100 at complexity "
           "0.5.\n\n"
           "The sound method runs on `data/scenarios/paper-example.yaml`, which keeps every one of these inputs "
           "and says in a comment how each was read."),
        code("from IPython.display import Markdown, display\nimport pandas as pd\n\nfrom tco import chapters as ch, "
             "paper\n\nch.setup()\npd.DataFrame({'input': list(paper.EXAMPLE_4_3), "
             "'value as printed': [str(v) for v in paper.EXAMPLE_4_3.values()]})"),
        md("## How to read each section / 阅读说明\n\n"
           "For each dimension:\n\n"
           "1. the formula **as printed** in section 4.2;\n"
           "2. **four figures** side by side: the result section 4.3 prints, the arithmetic 4.3 writes down "
           "actually carried out, the printed formula evaluated literally on the example with the **unit** that "
           "`pint` finds when every input carries the unit the article gives it, and the sound method's result;\n"
           "3. the sound method's formulas, each run by `pint` on dimensioned inputs "
           "(`tco.dimensional`): a cost must come out as `[currency] / [time]`, and it does;\n"
           "4. the sound line items on the example, with the inputs behind each;\n"
           "5. what goes wrong in the printed formula, and what replaces it."),
        code("def show_section(dimension):\n"
             "    printed, figures, sound, items = paper.errata_section(dimension)\n"
             "    display(Markdown(f'**As printed:** $$ {printed} $$'))\n"
             "    display(figures.assign(value=[f'{v:,.6g}' for v in figures['value']]))\n"
             "    lines = [f'- `{name}` [{row[\"documented unit\"]}] → {row[\"dimension out\"] or \"—\"}, '\n"
             "             f'{\"unit-checked ✓\" if row[\"checked\"] == \"yes\" else row[\"checked\"]}'\n"
             "             f'\\n\\n  $$ {row[\"equation\"]} $$' for name, row in sound.iterrows()]\n"
             "    display(Markdown('**The sound method\\'s formulas for this dimension:**\\n\\n' + '\\n'.join(lines)))\n"
             "    display(items)"),
    ]
    for i, (dimension, text) in enumerate(ERRATA.items(), start=1):
        wrong = "\n".join(f"- {w}" for w in text["wrong"])
        cells += [
            md(f"## {i}. {text['title']}\n\n**What the article says.** {text['says']}"),
            code(f'show_section("{dimension}")'),
            md(f"**What goes wrong.**\n\n{wrong}\n\n**The sound method.** {text['sound']}"),
        ]
    cells += [
        md("## 6. Summary / 汇总\n\n"
           "Each printed formula, its printed result, its literal value, the unit it really has, and the sound "
           "method on the same inputs. Added up, section 4.3 prints 203,392,000 元/天 plus a fusion term, section "
           "5.4 prints 1,962,012, and the sound method gives the figure in the last line."),
        code("table = paper.errata_table().set_index('dimension')\n"
             "table.loc['total'] = ['', sum(paper.PRINTED_4_3.values()), table['literal evaluation'].sum(), '',\n"
             "                      table['sound method, CNY/day'].sum()]\n"
             "for column in ('printed result (4.3), CNY/day', 'literal evaluation', 'sound method, CNY/day'):\n"
             "    table[column] = [f'{v:,.6g}' for v in table[column]]\n"
             "table"),
        code("total = paper.errata_table()['sound method, CNY/day'].sum()\n"
             "display(Markdown(f\"Sound method: **{total:,.2f} CNY per day**; \"\n"
             "                 f\"the article: {paper.PRINTED_5_4_TOTAL:,.0f} (section 5.4) or \"\n"
             "                 f\"{sum(paper.PRINTED_4_3.values()):,.0f} + fusion (section 4.3).\"))"),
        md("## 7. The sample code (section 5.2) cannot run / 示例代码无法运行\n\nThe article's code is transcribed "
           "exactly in `tco.paper.SAMPLE_CODE` and each call of its total (section 5.4) is run in an isolated "
           "namespace. Four of the five calls fail, so the printed output `总成本： 1962012.0 元/天` cannot have "
           "come from it."),
        code("print(paper.SAMPLE_CODE.strip())"),
        code("pd.DataFrame([{'call': k, 'what it gives': v} for k, v in paper.run_sample_code().items()])"),
        md("- `data_cost` divides a Python list by a number (`TypeError`).\n"
           "- `model_storage_cost` compares a number with a list (`TypeError`).\n"
           "- `compute_resource_cost` uses a loop variable `i` outside its loop (`NameError`).\n"
           "- `human_cost` is both a function and, inside the call, a number: the name is reused, so the call "
           "fails (`TypeError: 'int' object is not callable`).\n"
           "- Only `multi_model_fusion_cost` runs, giving 50.0."),
        md("## 8. What survives, and what the sound method adds / 保留与补充\n\n"
           "**Survives:** the five dimensions and the inputs the article names (data volume and unit price, "
           "model size, inference speed, query volume, unit prices of storage, compute and person-days, a "
           "fusion complexity). Its total formula also lists a compression cost C_comp that no section defines; "
           "the workbook folds compression into storage (a compression ratio) and compute (precision).\n\n"
           "**Replaced:** every formula, by ones whose units check (each `tco` formula function states its units "
           "and equation, and `tests/test_units.py` runs all of them through `pint`): data priced by volume and "
           "tier; storage by versions, copies and tiers; compute by throughput, replicas for the peak and the "
           "SLO, and the price of an accelerator-hour; staff by FTE and person-days; fusion by routing shares, "
           "combiner compute and upkeep.\n\n"
           "**Added:** an hourly traffic profile and cache, memory fit and replica sizing, latency objectives "
           "(Erlang C), cloud / on premises / hosted API prices with their sources and dates, fusion strategies "
           "with their traffic shares, and warnings for anything that could not be priced. Run "
           "`notebooks/06-summary.ipynb` on `paper-example` for the full report of the example."),
    ]
    return notebook(cells)


def methodology_notebook() -> nbformat.NotebookNode:
    from methodology_notebook import cells

    return notebook(cells(md, code))


def validation_notebook() -> nbformat.NotebookNode:
    from validation_notebook import cells

    return notebook(cells(md, code))


PLAN_SCENARIO = "data/scenarios/search-rerank-l4.yaml"  # the scenario the bundled synthetic bill was made from


def plan_vs_actual_notebook() -> nbformat.NotebookNode:
    title = "Plan against actual / 计划与实际"
    cells = [
        md(f"# {title}\n\nAn estimate is made before a deployment; a month later the bill arrives. This chapter "
           "reads the bill, a FOCUS 1.2 cost and usage export (the open format of AWS, Azure, Google Cloud, OCI and "
           "the FinOps tools, https://focus.finops.org, ratified May 2025), maps its rows onto the scenario's "
           "dimensions and models, and puts the estimate next to it: per day, per dimension and per model, and the "
           "figures that explain the gap (the price actually paid per accelerator-hour, the hours actually used, "
           "hence the fleet's utilisation). The bundled bill is **synthetic** (`data/bills/README.md`): made from the "
           "scenario with every price x1.1 and every quantity x0.8, so the chapter must find those again."),
        code(PARAMETERS.replace(DEFAULT_SCENARIO, PLAN_SCENARIO)
             + '\nbill: str = "data/bills/search-rerank-l4-bill.csv.gz"  # FOCUS export(s): files or folders, '
             'comma-separated\nmap: str = "data/bills/search-rerank-l4-map.yaml"  # mapping rules (empty: tco tags only)',
             ["parameters"]),
        code(f'TITLE = "{title}"\n' + OPEN + "\nresult = ch.plan_vs_actual(chapter, bill, map)"),
        md("## The answer / 结论"),
        code("display(Markdown(ch.plan_vs_actual_sentence(result)))"),
        code("ch.show(plots.variance_waterfall(result))\nch.show(plots.daily_plan_vs_actual(result))"),
        md("## Per dimension and model / 按维度与模型\n\nThe actual is the FOCUS `EffectiveCost` (after discounts, "
           "amortised), converted to the scenario's currency at the catalog rate. *Unmapped* is what no rule of the "
           "map placed: shown, never dropped, so the actual total is the bill's."),
        code("display(ch.plan_vs_actual_table(result))"),
        md("## What explains it / 差异来源\n\nThe variance of each priced quantity splits into a **usage** part "
           "(the quantity difference at the planned price) and a **price** part (the price difference over the "
           "quantity used); the two add up to the whole. The implied utilisation assumes the traffic was as planned."),
        code("display(ch.implied_table(result))"),
        code("display(ch.unmapped_table(result))"),
        md("### Formulas / 公式"),
        code("display(Markdown(ch.variance_formulas()))"),
        md("### How to re-run / 重新运行\n\nWith your own bill and mapping:\n\n"
           "`papermill notebooks/50-plan-vs-actual.ipynb out.ipynb -p scenario data/scenarios/NAME.yaml "
           "-p bill BILL.parquet -p map MAP.yaml`\n\nor in the terminal:\n\n"
           "`python -m tco reconcile data/scenarios/NAME.yaml BILL.parquet --map MAP.yaml`\n\nand in the HTML "
           "reports: `python -m tco report data/scenarios/NAME.yaml --bill BILL.parquet --map MAP.yaml`"),
        md("### Chapters / 章节"),
        code('if results_path:\n    ch.write_results(result.to_dict() | {"files": [], "daily": []}, results_path)\n'
             "display(Markdown(ch.chapter_links()))"),
    ]
    return notebook(cells)


def notebook(cells) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    return nb


def builders() -> dict:
    """Notebook name -> the function building its cells, in the order they are written."""
    books = {spec["file"]: (lambda d=d: dimension_notebook(d)) for d, spec in DIMENSIONS.items()}
    books["06-summary"] = summary_notebook
    books["07-business-case"] = business_notebook
    books["20-explorer"] = explorer_notebook
    books["30-paper-errata"] = errata_notebook
    books["00-methodology"] = methodology_notebook
    books["40-validation"] = validation_notebook
    books["50-plan-vs-actual"] = plan_vs_actual_notebook
    return books


def build(name: str) -> nbformat.NotebookNode:
    """Notebook ``name`` as written (not executed): the generated-notebook cell, then its own cells."""
    nb = builders()[name]()
    nb.cells.insert(0, generated_notice(name))
    for i, cell in enumerate(nb.cells):  # stable ids: diffs stay small when a chapter is rebuilt
        cell["id"] = f"cell-{i:02d}"
    return nb


def execute(nb: nbformat.NotebookNode) -> None:
    # a non-interactive backend set outside (MPLBACKEND=Agg, as the test task sets) would store the
    # figures as "<Figure ...>" text without their image: the kernel uses the inline backend
    os.environ.pop("MPLBACKEND", None)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code" and "NBVAL_IGNORE_OUTPUT" in cell.source:
            cell.outputs = []  # a live widget: its random model id would only add noise to diffs
            cell.execution_count = None
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata.pop("widgets", None)  # saved widget state: random model ids, rebuilt live by Jupyter and Voila


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="write cells without executing")
    parser.add_argument("only", nargs="*", help="notebooks to build, e.g. 03-compute-cost (default: all)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(builders()))
    if unknown:
        parser.error(f"unknown notebook(s) {', '.join(unknown)}; known: {', '.join(builders())}")
    for name in builders():
        if args.only and name not in args.only:
            continue
        nb = build(name)
        if not args.no_run:
            execute(nb)
        nbformat.write(nb, NOTEBOOKS / f"{name}.ipynb")
        print(f"wrote notebooks/{name}.ipynb", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
