"""Child process of tests/test_bad_input_corpus.py: runs bad-input cases in-process through the CLI.

Usage (the test launches it; not meant to be run by hand)::

    python tests/corpus_runner.py CASES.json RESULTS.jsonl

``CASES.json`` is a list of ``{"id", "argv", "limit_s"}``. For each case and each argv (e.g.
``["validate", FILE]`` and ``["evaluate", FILE]``) the runner calls :func:`tco.cli.main` with
stdout and stderr captured, as ``python -m tco`` would run it: an exception escaping ``main``
is printed as the interpreter prints it (``Traceback ...``) with exit code 1, ``SystemExit``
gives its code. Each run has a time limit (``signal.setitimer``, plus a ``faulthandler`` watchdog
that ends the process should the time run out inside C code) and the whole process an address
space limit (``RLIMIT_AS``, set by the parent before the child starts Python).

Before each case the runner appends ``{"id", "started": true}`` to ``RESULTS.jsonl`` and after it
the result, so that when the process dies (a signal, the watchdog, the memory limit), the parent
knows which case killed it and can run the rest in a fresh child.
"""

from __future__ import annotations

import contextlib
import faulthandler
import io
import json
import signal
import sys
import time
import traceback


class TimeLimit(BaseException):
    """Raised by the interval timer: not an Exception, so no ``except Exception`` in tco catches it."""


def _alarm(signum, frame):
    raise TimeLimit()


def run_cli(argv: list[str], limit_s: float) -> dict:
    """One CLI call in this process: its exit code, stdout, stderr and time, or a timeout."""
    from tco.cli import main

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    timed_out = False
    faulthandler.dump_traceback_later(limit_s + 5, exit=True)  # last resort: stuck in C code
    signal.setitimer(signal.ITIMER_REAL, limit_s)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as exc:  # argparse, or code raising SystemExit as python -m would see it
                rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                if exc.code is not None and not isinstance(exc.code, int):
                    print(exc.code, file=sys.stderr)
            except TimeLimit:
                raise
            except BaseException:  # what the interpreter would do with an uncaught exception
                traceback.print_exc(file=sys.stderr)
                rc = 1
    except TimeLimit:
        timed_out, rc = True, None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        faulthandler.cancel_dump_traceback_later()
    return {"argv": argv, "rc": rc, "stdout": out.getvalue()[-20000:], "stderr": err.getvalue()[-20000:],
            "seconds": round(time.perf_counter() - start, 4), "timed_out": timed_out}


def main(cases_file: str, results_file: str) -> int:
    signal.signal(signal.SIGALRM, _alarm)
    faulthandler.enable()  # a crash prints where it happened on the real stderr
    sys.setrecursionlimit(1000)  # as python -m tco runs: the default limit
    with open(cases_file, encoding="utf-8") as fh:
        cases = json.load(fh)
    import tco.cli  # noqa: F401  (imported once, outside the per-case time limits)

    with open(results_file, "a", encoding="utf-8") as results:
        for case in cases:
            results.write(json.dumps({"id": case["id"], "started": True}) + "\n")
            results.flush()
            runs = []
            for argv in case["argv"]:
                runs.append(run_cli(argv, case["limit_s"]))
                if runs[-1]["timed_out"]:  # the case has failed: the other commands would only take as long
                    break
            results.write(json.dumps({"id": case["id"], "runs": runs}) + "\n")
            results.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
