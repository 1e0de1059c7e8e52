"""Exactly-once writes against a hostile network, at scale: thousands of seeded faulted operations, sync and async.

Each mode runs batches of seeded operations through the SDK behind tests/faultproxy.py's FaultProxy until at
least --faulted of them met a fault, then the simulator's ledger judges every conclusion. Prints one row per
mode and exits 1 on any duplicate, lost write, wrong conclusion or exception outside PaySsamError (the
problems are listed, each with the seed that replays it). Not part of `make test`; run it with `make faults`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "mock")]

from faultproxy import Tally, run, table  # noqa: E402

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
    parser.add_argument("--threads", type=int, default=16, help="sync: calls in parallel threads (%(default)s)")
    parser.add_argument("--tasks", type=int, default=32, help="async: calls in concurrent tasks (%(default)s)")
    parser.add_argument("--modes", default="sync,async", help="sync, async or both (default %(default)s)")
    args = parser.parse_args(argv)
    args.modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    if not args.modes or set(args.modes) - {"sync", "async"}:
        parser.error("--modes takes sync, async or sync,async")
    if min(args.faulted, args.batch, args.threads, args.tasks) < 1 or not 0 < args.probability <= 1:
        parser.error("counts must be at least 1 and the probability in (0, 1]")
    return args


def run_mode(args: argparse.Namespace, mode: str) -> Tally:
    """Batches of seeded operations (distinct indexes, so each one replays alone) until enough were faulted."""
    total = Tally(mode)
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
        )
        total = total.merge(tally)
        print(f"  {mode}: {total.operations} operations, {total.tried} faulted, {total.seconds:.1f} s", flush=True)
    return total


def main(argv: list[str] | None = None) -> int:
    """Run every mode, print the table, exit 1 if anything went wrong."""
    args = parse(argv)
    print(
        f"seed {args.seed}: at least {args.faulted} faulted operations per mode, p={args.probability} per request, "
        f"timeout {args.timeout:g} s, max_retries {args.max_retries}",
        flush=True,
    )
    tallies = [run_mode(args, mode) for mode in args.modes]
    print(table(tallies))
    for tally in tallies:
        print(f"{tally.mode} requests: " + ", ".join(f"{kind} {n}" for kind, n in tally.faults.most_common()))
    problems = [problem for tally in tallies for problem in tally.problems]
    for problem in problems[:SHOWN]:
        print(f"  {problem}")
    if len(problems) > SHOWN:
        print(f"  ... and {len(problems) - SHOWN} more")
    if not all(tally.clean for tally in tallies):
        print("FAILED: a duplicate, a lost write, a wrong conclusion or an exception outside PaySsamError")
        return 1
    print("exactly once: no duplicate, nothing lost, no wrong conclusion, no exception outside PaySsamError")
    return 0


if __name__ == "__main__":
    sys.exit(main())
