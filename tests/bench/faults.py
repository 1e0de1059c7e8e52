"""Exactly-once writes against a hostile network, at scale: thousands of seeded faulted operations, sync and async.

Each mode runs batches of seeded operations through the SDK behind tests/faultproxy.py's FaultProxy until at
least --faulted of them met a fault (LATE among them: a request held back and landed after the read-back or
the retry overtook it, or after the call), lands every late request, then the simulator's ledger judges
every conclusion. Prints one row per mode, the requests by fault and the calls by conclusion, and exits 1 on
any duplicate, lost write, wrong conclusion (a write reported failed that is in effect, late landings
included), exception outside PaySsamError or late request that never landed (the problems are listed, each
with the seed that replays it). Over API v1, v2 or both (--api-version 1, 2 or 1,2; `make faults` runs both):
v2's rows are labelled sync-v2 and async-v2, and a mode meets the same fault draws in either version. Not part
of `make test`; run it with `make faults`.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "mock")]

from payssam import ExperimentalWarning  # noqa: E402

from faultproxy import API_VERSIONS, LATE_HOLD, Tally, run, table  # noqa: E402

SHOWN = 20
"""Problems listed in full; the rest are counted."""


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=20251126, help="replays a run (default %(default)s)")
    parser.add_argument("--faulted", type=int, default=1000, help="faulted operations per mode (default %(default)s)")
    parser.add_argument("--batch", type=int, default=500, help="operations per batch (default %(default)s)")
    parser.add_argument("--probability", type=float, default=0.6, help="chance a request is faulted (%(default)s)")
    parser.add_argument("--timeout", type=float, default=0.5, help="the SDK's timeout in seconds (%(default)s)")
    parser.add_argument("--max-retries", type=int, default=2, help="the SDK's max_retries (default %(default)s)")
    parser.add_argument(
        "--late-hold",
        type=int,
        default=LATE_HOLD,
        help="a late request lands after 1 to this many further requests about its bill (default %(default)s)",
    )
    parser.add_argument("--threads", type=int, default=16, help="sync: calls in parallel threads (%(default)s)")
    parser.add_argument("--tasks", type=int, default=32, help="async: calls in concurrent tasks (%(default)s)")
    parser.add_argument("--modes", default="sync,async", help="sync, async or both (default %(default)s)")
    parser.add_argument("--api-version", default="1", help="the API: 1, 2 or both, 1,2 (default %(default)s)")
    args = parser.parse_args(argv)
    args.modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if not args.modes or set(args.modes) - {"sync", "async"}:
        parser.error("--modes takes sync, async or sync,async")
    versions = [version.strip() for version in args.api_version.split(",") if version.strip()]
    if not versions or set(versions) - {str(version) for version in API_VERSIONS}:
        parser.error("--api-version takes 1, 2 or 1,2")
    args.api_versions = sorted({int(version) for version in versions})
    if min(args.faulted, args.batch, args.threads, args.tasks, args.late_hold) < 1 or not 0 < args.probability <= 1:
        parser.error("counts must be at least 1 and the probability in (0, 1]")
    return args


def run_mode(args: argparse.Namespace, mode: str, api_version: int = 1) -> Tally:
    """Batches of seeded operations (distinct indexes, so each one replays alone) until enough were faulted."""
    total = Tally(mode, api_version=api_version)
    while total.tried < args.faulted:
        tally = run(
            args.batch,
            seed=args.seed,
            mode=mode,
            probability=args.probability,
            timeout=args.timeout,
            max_retries=args.max_retries,
            concurrency=args.threads if mode == "sync" else args.tasks,
            first=total.operations,
            late_hold=args.late_hold,
            api_version=api_version,
        )
        total = total.merge(tally)
        print(
            f"  {total.label}: {total.operations} operations, {total.tried} faulted, "
            f"{total.late_landed} late landings, {total.seconds:.1f} s",
            flush=True,
        )
    return total


def main(argv: list[str] | None = None) -> int:
    """Run every mode, print the table, exit 1 if anything went wrong."""
    args = parse(argv)
    warnings.filterwarnings("ignore", category=ExperimentalWarning)  # v2's, once per process: known here
    started = time.perf_counter()
    apis = "" if args.api_versions == [1] else ", API " + " and ".join(f"v{v}" for v in args.api_versions)
    print(
        f"seed {args.seed}: at least {args.faulted} faulted operations per mode, p={args.probability} per request, "
        f"timeout {args.timeout:g} s, max_retries {args.max_retries}, late requests land after 1-{args.late_hold} more"
        f"{apis}",
        flush=True,
    )
    tallies = [run_mode(args, mode, version) for version in args.api_versions for mode in args.modes]
    print(table(tallies))
    for tally in tallies:
        print(f"{tally.label} requests: " + ", ".join(f"{kind} {n}" for kind, n in tally.faults.most_common()))
        print(f"{tally.label} calls: " + ", ".join(f"{kind} {n}" for kind, n in sorted(tally.conclusions.items())))
    print(totals(tallies, time.perf_counter() - started))
    problems = [problem for tally in tallies for problem in tally.problems]
    for problem in problems[:SHOWN]:
        print(f"  {problem}")
    if len(problems) > SHOWN:
        print(f"  ... and {len(problems) - SHOWN} more")
    if not all(tally.clean for tally in tallies):
        print("FAILED: a duplicate, a lost write, a wrong conclusion, an exception outside PaySsamError or a late")
        print("request that never landed")
        return 1
    print("exactly once: no duplicate, nothing lost, no wrong conclusion, no exception outside PaySsamError")
    return 0


def totals(tallies: list[Tally], seconds: float) -> str:
    """Every mode together, in one line."""
    total = Tally("all")
    for tally in tallies:
        total = total.merge(tally)
    return (
        f"total: {total.operations} operations ({total.tried} faulted), {total.late_landed} of {total.late} late "
        f"requests landed ({total.late_after} after the call had concluded), {total.wrong} wrong conclusions, "
        f"{total.duplicates} duplicates, {total.lost} lost, {total.unknown} OutcomeUnknownError "
        f"({total.unknown_read_back_failed} after a read-back that failed), {total.other} other exceptions; "
        f"{seconds:.0f} s in all"
    )


if __name__ == "__main__":
    sys.exit(main())
