"""Command line: ``python -m tco evaluate | validate | catalog | report | compare | sweep | schema |
check-measurements | export-focus | reconcile | generate-bill``.

Exit codes: 0 success; 2 a scenario or catalog is invalid (the message names the field), or
``report --pdf`` found no Chromium (the HTML reports are written), or ``report --out`` names a file, an
unwritable folder or a folder whose parent is missing (one line, nothing written); 1 a scenario failed in
a batch run; 130 interrupted (Ctrl-C; ``report`` keeps the reports already finished, nothing half-written).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import shutil
import sys
from pathlib import Path

from . import __version__
from .errors import CatalogError, ScenarioError

EXIT_INVALID = 2
#: Interrupted (Ctrl-C), as a shell reports a process stopped by SIGINT.
EXIT_INTERRUPTED = 130


def _evaluate(args) -> int:
    from .engine import evaluate
    from .scenario import load_scenario

    scenario = load_scenario(args.file)
    report = evaluate(scenario)
    mc = None
    if args.samples is not None:
        from .uncertainty import monte_carlo

        if args.samples < 1:
            print(f"--samples must be a whole number of at least 1, got {args.samples}", file=sys.stderr)
            return EXIT_INVALID
        mc = monte_carlo(scenario, args.samples, args.seed)
    if args.json:
        if mc is None:
            print(report.to_json())
        else:
            data = json.loads(report.to_json())
            data["uncertainty"] = mc.to_dict()
            print(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(report.to_text())
        if mc is not None:
            print()
            print(mc.to_text())
            if not scenario.ranges:
                print("  (the scenario has no ranges, so every sample costs the same: write an uncertain input as "
                      "{low, mode, high}, {low, high} or {p5, p95, dist: lognormal}; README, 'Uncertainty')")
    return 0


def _validate(args) -> int:
    from .engine import evaluate
    from .scenario import load_scenario

    status = 0
    for file in args.files:
        try:
            scenario = load_scenario(file)
            report = evaluate(scenario, compare=False)  # sizing errors (SLO, memory) surface here too
        except ScenarioError as exc:
            print(exc, file=sys.stderr)
            status = EXIT_INVALID
            continue
        extra = f"; {len(report.warnings)} warning(s)" if report.warnings else ""
        print(f"{file}: valid ({scenario.name}, {len(scenario.models)} model(s)){extra}")
    return status


def _catalog(args) -> int:

    from .catalog import STALE_MONTHS, TABLES, load_catalog
    from .text import bullet, wrap

    cat = load_catalog()
    on = args.as_of or _dt.date.today()
    width = shutil.get_terminal_size().columns  # COLUMNS when set, else the terminal's, else 80
    if args.table:
        print(frame_text(getattr(cat, args.table), width))
        return 0
    print("\n".join(wrap(f"Reference catalog in {cat.directory} (ages on {on}; prices older than {STALE_MONTHS} "
                         f"months are stale)", width)))
    print(frame_text(cat.overview(on), width))
    stale = cat.stale_rows(on)
    if len(stale):
        print(f"\nWarning: {len(stale)} priced row(s) are older than {STALE_MONTHS} months:")
        for r in stale.itertuples():
            print(bullet(f"{r.table}: {r.id} (as of {r.as_of}; {r.source})", width))
    print("\n" + "\n".join(wrap(f"Show one table with: python -m tco catalog --table NAME  ({', '.join(TABLES)})",
                                width)))
    return 0


def _import_prices(args) -> int:
    from .catalog import CATALOG_DIR
    from .price_import import import_prices

    split = lambda text: [x.strip() for x in (text or "").split(",") if x.strip()]  # noqa: E731
    outcome = import_prices(Path(args.file), Path(args.catalog_dir or CATALOG_DIR), models=split(args.models),
                            providers=split(args.provider), as_of=args.prices_as_of)
    print(outcome.text())
    return 0


def frame_text(frame, width: int) -> str:
    """A DataFrame as text of at most ``width`` cells a line (:func:`tco.text.fit`): numbers
    right-aligned, long text (sources, assumptions) wrapped under each row."""
    from .text import cell, fit

    align = ["><"[frame[c].dtype.kind not in "iuf"] for c in frame.columns]
    return fit([[cell(v) for v in row] for row in frame.itertuples(index=False)], [str(c) for c in frame.columns],
               align, width)


def _report(args) -> int:
    from .batch import OutFolderError, Timings, run_reports

    chapters = [c.strip() for c in args.chapters.split(",")] if args.chapters else None
    timings = Timings()
    try:
        bill = ",".join(str(Path(b.strip()).resolve()) for b in (args.bill or "").split(",") if b.strip())
        status = run_reports(args.scenarios, Path(args.out), jobs=args.jobs, chapters=chapters,
                             progress=not args.no_progress, timings=timings, currency=args.currency, pdf=args.pdf,
                             bill=bill, bill_map=str(Path(args.map).resolve()) if args.map else "")
    except OutFolderError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted; the reports already finished are kept, nothing half-written is visible",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:  # the disk filled up, a folder became unwritable meanwhile: one line, no traceback
        where = f" {exc.filename}" if exc.filename else ""
        print(f"report stopped: cannot write{where}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if args.timings:
        print(f"timings (s, summed over workers): kernel start + imports {timings.kernel_start:.1f}, "
              f"notebook execution {timings.execution:.1f} ({timings.notebooks} notebooks), "
              f"HTML conversion {timings.html:.1f}, evaluate {timings.evaluate:.2f}", file=sys.stderr)
    return status


def _compare(args) -> int:
    from .compare import compare
    from .scenario import load_scenario

    result = compare(load_scenario(args.a), load_scenario(args.b))
    print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False) if args.json else result.to_text())
    return 0


def _sweep(args) -> int:
    from .scenario import load_scenario
    from .sweep import crossovers, parse_axis, sweep, write

    axes = [parse_axis(text) for text in args.vary]
    scenario = load_scenario(args.file)
    table = sweep(scenario, axes, api=not args.no_api)
    written = write(table, scenario, Path(args.out))
    feasible = table[table.feasible]
    print(f"{len(table):,} points costed ({int((~table.feasible).sum()):,} infeasible); daily cost "
          f"{feasible.per_day.min():,.2f} to {feasible.per_day.max():,.2f} {scenario.currency}" if len(feasible) else
          f"{len(table):,} points costed, none feasible")
    for axis in [a.path for a in axes if a.numeric]:
        for cross in crossovers(table, axis):
            where = ", ".join(f"{k} = {v}" for k, v in cross.items()
                              if k not in (axis, "cheaper below", "cheaper above", "per_day"))
            print(f"break-even at {axis} = {cross[axis]:,.4g}{f' ({where})' if where else ''}: "
                  f"{cross['cheaper below']} is cheaper below, {cross['cheaper above']} above")
    print("written: " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 0


def _check_measurements(args) -> int:
    from .validation import check, to_text

    table = check(args.file)
    if args.json:
        rows = [{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
                for row in table.to_dict(orient="records")]
        print(json.dumps(rows, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(to_text(table, shutil.get_terminal_size((160, 24)).columns))  # piped: 160 unless COLUMNS says
    return 0


def _schema(args) -> int:
    from .scenario import json_schema, repo_path

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if args.write:
        target = repo_path("data/scenarios/schema.json")
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)
        print(f"wrote {target}")
    else:
        sys.stdout.write(text)
    return 0


def _export_focus(args) -> int:
    from .engine import evaluate
    from .focus import export_rows, write
    from .scenario import load_scenario

    if args.days < 1:
        print(f"--days must be a whole number of at least 1, got {args.days}", file=sys.stderr)
        return EXIT_INVALID
    report = evaluate(load_scenario(args.file), compare=False)
    try:
        rows = export_rows(report, days=args.days, start=args.start)
        path = write(rows, Path(args.out))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {path}: {len(rows):,} FOCUS 1.2 rows, {args.days} day(s) from {rows.ChargePeriodStart.min():%Y-%m-%d}, "
          f"{rows.BilledCost.sum():,.2f} {report.currency} ({report.per_day:,.2f} a day)")
    return 0


def _reconcile(args) -> int:
    from .reconcile import reconcile, write_scenario

    result = reconcile(args.file, args.bills, args.map, args.start, args.end, cost_column=args.cost_column)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(result.to_text())
    if args.out:
        written = result.write(Path(args.out))
        print("written: " + ", ".join(str(p) for p in written), file=sys.stderr)
    if args.write_scenario:
        print(f"written: {write_scenario(result, args.file, Path(args.write_scenario))}", file=sys.stderr)
    return 0


def _generate_bill(args) -> int:
    from .billgen import generate

    if args.rows < 1 or args.days < 1:
        print(f"--rows and --days must be whole numbers of at least 1, got {args.rows} and {args.days}", file=sys.stderr)
        return EXIT_INVALID
    try:
        info = generate(args.file, Path(args.out), rows=args.rows, days=args.days, start=args.start, price=args.price,
                        usage=args.usage, currency=args.currency, unmapped_share=args.unmapped_share, seed=args.seed)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    print(f"wrote {info['file']}: {info['rows']:,} rows over {info['days']} day(s) in {info['currency']}, prices "
          f"x{info['price']:g}, usage x{info['usage']:g}, unmapped {info['unmapped_share']:.0%} of the plan")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tco", description="AI deployment cost workbook (tco).")
    parser.add_argument("--version", action="version", version=f"tco {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("evaluate", help="cost one scenario: a terminal table, or --json")
    p.add_argument("file", help="scenario YAML file")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--samples", type=int, metavar="N",
                   help="also sample the inputs written as ranges N times (Monte Carlo): P5 / P50 / P95")
    p.add_argument("--seed", type=int, default=2026, help="random seed of the samples (default 2026)")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("validate", help="check scenario files (schema, catalog ids, sizing)")
    p.add_argument("files", nargs="+", help="scenario YAML files")
    p.set_defaults(func=_validate)

    p = sub.add_parser("catalog", help="list the reference tables with their age")
    p.add_argument("--table", choices=["accelerators", "instances", "storage", "api_prices", "fx", "onprem",
                                       "servers", "staff_rates", "labelling", "efficiency"])
    p.add_argument("--as-of", type=_dt.date.fromisoformat, help="date to judge staleness on (YYYY-MM-DD)")
    p.set_defaults(func=_catalog)
    q = p.add_subparsers(dest="catalog_command", metavar="{import-prices}").add_parser(
        "import-prices", help="add or update api_prices.csv rows from LiteLLM's model_prices_and_context_window.json")
    q.add_argument("file", help="a price map in LiteLLM's model_prices_and_context_window.json format")
    q.add_argument("--models", help="LiteLLM model names to import, comma-separated; NAME=ID imports NAME as "
                                    "catalog id ID (default id: the name without its provider prefix)")
    q.add_argument("--provider", help="import every chat/completion model of these providers, comma-separated "
                                      "(LiteLLM's names, e.g. openai,anthropic,gemini, or the catalog's)")
    q.add_argument("--as-of", dest="prices_as_of", type=_dt.date.fromisoformat,
                   help="date of the prices (YYYY-MM-DD; default: the file's modification date)")
    q.add_argument("--catalog-dir", help="catalog folder to update (default: data/catalog)")
    q.set_defaults(func=_import_prices)

    p = sub.add_parser("report", help="chapter reports (HTML) for scenarios (default: every bundled one)")
    p.add_argument("scenarios", nargs="*", help="scenario files (default: data/scenarios/*.yaml)")
    p.add_argument("--out", default="reports", help="output folder (default: reports/)")
    p.add_argument("--jobs", type=int, default=None, help="scenarios run in parallel (default: number of cores)")
    p.add_argument("--chapters", default=None,
                   help="comma-separated chapters to add or replace (default: all); the other chapters already "
                        "in a scenario's folder stay: 01-data-cost,02-storage-cost,03-compute-cost,"
                        "04-staff-cost,05-fusion-cost,06-summary,07-business-case (and 50-plan-vs-actual with --bill)")
    p.add_argument("--currency", default=None,
                   help="reporting currency of the index and summaries, a code of data/catalog/fx.csv "
                        "(default: the most common among the scenarios)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--timings", action="store_true", help="print where the time went")
    p.add_argument("--bill", default=None,
                   help="a FOCUS 1.2 bill (file or folder; several comma-separated): adds chapter 50-plan-vs-actual, "
                        "the estimate against the bill")
    p.add_argument("--map", default=None, help="mapping YAML of the bill's rows (tco reconcile --map)")
    p.add_argument("--pdf", action="store_true",
                   help="also print each summary and the index to PDF with Chromium (TCO_CHROMIUM, or chromium "
                        "on PATH): <out>/<name>/summary.pdf, <out>/index.pdf")
    p.set_defaults(func=_report)

    p = sub.add_parser("compare", help="what changed between two scenarios, item by item, and why")
    p.add_argument("a", help="scenario file a (before)")
    p.add_argument("b", help="scenario file b (after)")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(func=_compare)

    p = sub.add_parser("sweep", help="cost a scenario over a grid of inputs: a tidy CSV/xlsx and charts")
    p.add_argument("file", help="scenario YAML file")
    p.add_argument("--vary", action="append", required=True, metavar="PATH=SPEC",
                   help="an input and its values: path=low:high:count, path=low:high:count:log or path=a,b,c "
                        "(e.g. traffic.requests_per_day=1e6:1e8:25:log, models[0].serving.instance=g6.xlarge,"
                        "g6e.xlarge); repeat for a grid")
    p.add_argument("--out", default="sweep", help="output folder (default: sweep/)")
    p.add_argument("--no-api", action="store_true",
                   help="do not also cost the models that name an api_alternative on that API")
    p.set_defaults(func=_sweep)

    p = sub.add_parser("check-measurements",
                       help="predict every row of a measurement CSV (data/validation/ format) and compare")
    p.add_argument("file", help="measurement CSV: the public set in data/validation/ or your own")
    p.add_argument("--json", action="store_true", help="print the rows as JSON")
    p.set_defaults(func=_check_measurements)

    p = sub.add_parser("export-focus", help="write the estimate as FOCUS 1.2 rows, one per line item per day")
    p.add_argument("file", help="scenario YAML file")
    p.add_argument("--days", type=int, default=30, help="days to write (default 30)")
    p.add_argument("--from", dest="start", type=_dt.date.fromisoformat,
                   help="first day (YYYY-MM-DD; default: the first of the month of the scenario's as_of)")
    p.add_argument("--out", required=True, help="FILE.csv, FILE.csv.gz or FILE.parquet")
    p.set_defaults(func=_export_focus)

    p = sub.add_parser("reconcile", help="plan against actual: a FOCUS bill against the scenario's estimate (DuckDB)")
    p.add_argument("file", help="scenario YAML file")
    p.add_argument("bills", nargs="+", help="FOCUS exports: .csv, .csv.gz, .parquet files or folders of them")
    p.add_argument("--map", help="mapping YAML: rules placing bill rows on dimensions and models (tco.reconcile)")
    p.add_argument("--from", dest="start", type=_dt.date.fromisoformat, help="first day (YYYY-MM-DD)")
    p.add_argument("--to", dest="end", type=_dt.date.fromisoformat, help="last day, included (YYYY-MM-DD)")
    p.add_argument("--cost-column", default="EffectiveCost", choices=["EffectiveCost", "BilledCost", "ListCost",
                                                                      "ContractedCost"],
                   help="the FOCUS cost compared with the estimate (default EffectiveCost)")
    p.add_argument("--out", help="folder for summary.csv, daily.csv, implied.csv, unmapped.csv")
    p.add_argument("--json", action="store_true", help="print the reconciliation as JSON")
    p.add_argument("--write-scenario", metavar="FILE",
                   help="write a copy of the scenario with the measured prices, labelled measured with the period")
    p.set_defaults(func=_reconcile)

    p = sub.add_parser("generate-bill", help="a synthetic FOCUS 1.2 bill from a scenario with known multipliers")
    p.add_argument("file", help="scenario YAML file")
    p.add_argument("--out", required=True, help="FILE.csv, FILE.csv.gz or FILE.parquet")
    p.add_argument("--rows", type=int, default=10_000, help="about how many rows (default 10,000)")
    p.add_argument("--days", type=int, default=30, help="days (default 30)")
    p.add_argument("--from", dest="start", type=_dt.date.fromisoformat, help="first day (YYYY-MM-DD)")
    p.add_argument("--price", type=float, default=1.1, help="unit prices x this (default 1.1)")
    p.add_argument("--usage", type=float, default=0.8, help="quantities x this (default 0.8)")
    p.add_argument("--currency", default="USD", help="billing currency, a code of data/catalog/fx.csv (default USD)")
    p.add_argument("--unmapped-share", type=float, default=0.05,
                   help="unmapped charges, as a share of the planned total (default 0.05)")
    p.add_argument("--seed", type=int, default=2026, help="seed of the resource ids (default 2026)")
    p.set_defaults(func=_generate_bill)

    p = sub.add_parser("schema", help="print the scenario JSON Schema (--write: data/scenarios/schema.json)")
    p.add_argument("--write", action="store_true")
    p.set_defaults(func=_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except CatalogError as exc:
        print(f"Catalog error: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
