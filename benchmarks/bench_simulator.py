"""Speed of the compiled simulator (lib.queues.simulator) beside the Ciw model (lib.model.simulation); a script, not a test.

1. One plan-week, M/M/n+M (Poisson arrivals at the plan's hourly rates, exponential
   handling at the plan's hourly AHT, exponential patience, the plan's agents hour by
   hour): the week starting on the first Monday of the year of the base model's busiest
   district board, simulated by both from an empty board. Microseconds per simulated call:
   the kernel over many replications in one call (one thread; and one replication alone,
   Python overhead included), Ciw (``simulate_calls``) over a few. Goal (issue 22): the
   kernel at least 300x faster per call.
2. One replication of a whole year of every district board of the base model (11 boards x
   8 760 hours, about 1.7 million calls) on one thread, best of 3 after the compile (or
   cache load), and on every core. Goal: under 0.2 s on one core.

The plan is the base model's Erlang C staffing (lib.model.staffing) of
``data/processed/arrival_rates.parquet`` (notebook 02, ``make report``) when it is there;
without it, of a stand-in year with the synthetic log's shape and volume (the daily and
weekly curve of :func:`stand_in_rates`, about 196 calls per hour nationally, AHT
178 s), and the script says which. Patience: exponential, mean ``--patience`` (default
226 s, the patience notebook 05 fits to the synthetic log's switchboards).

    .venv/bin/python benchmarks/bench_simulator.py [--processed data/processed] [--patience 226]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TypeVar

import harness
import numpy as np
import pandas as pd
from machine import machine_info

from lib.core import parallel
from lib.core.assumptions import Assumptions
from lib.core.districts import DISTRICTS
from lib.core.oslo_calendar import hour_grid
from lib.model.concepts import board_hours, service_time_s
from lib.model.simulation import simulate_calls
from lib.model.staffing import staff
from lib.queues.simulator import simulate

T = TypeVar("T")
PER_CALL_GOAL = 300.0  # kernel at least this many times faster per call than Ciw
YEAR_GOAL_S = 0.2  # one replication of the year on one core


def stand_in_rates(a: Assumptions) -> pd.DataFrame:
    """A year of rates for 11 boards: a daily curve (peak at noon), quieter weekends,
    about 196 calls per hour nationally and AHT 178 s, like the synthetic log."""
    grid = hour_grid(a.data_year)
    day = np.exp(-(((grid["hour"].to_numpy() - 12.5) / 4.5) ** 2)) + 0.08
    day = day * np.where(grid["day_type"].to_numpy() == "weekday", 1.0, 0.6)
    day = day / day.mean() * 196.0
    boards = [d for d in DISTRICTS if d not in a.excluded_districts][:11]
    share = np.linspace(1.6, 0.5, len(boards))
    share = share / share.sum()
    meta = grid[["hour_start", "date", "hour", "day_type"]]
    return pd.concat(
        [meta.assign(district=b, rate_per_hour=day * s, aht_s=178.0) for b, s in zip(boards, share, strict=True)],
        ignore_index=True,
    )


def rates_of(processed: Path, a: Assumptions) -> tuple[pd.DataFrame, str]:
    path = processed / "arrival_rates.parquet"
    if path.exists():
        return pd.read_parquet(path), f"{path} (notebook 02)"
    return stand_in_rates(a), "STAND-IN year (no processed rates: run `make report`), the synthetic log's volume"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processed", type=Path, default=Path("data/processed"))
    p.add_argument("--patience", type=float, default=226.0, help="mean patience (s)")
    p.add_argument("--kernel-replications", type=int, default=300)
    p.add_argument("--ciw-replications", type=int, default=3)
    args = p.parse_args()

    print(machine_info("numba", "numpy", "ciw"))
    a = Assumptions()
    rates, source = rates_of(args.processed, a)
    print(f"input: {source}\n")
    plan = staff("base", board_hours(rates), None, a)
    calls, aht, agents = plan.calls, plan.aht_s, plan.agents.astype(np.int64)
    target = service_time_s("base", a)

    t0 = time.perf_counter()
    simulate(agents[:1, :2], aht[:1, :2], calls[:1, :2], patience_s=args.patience, threads=1)
    print(f"first call (numba compile, or load from lib/queues/__pycache__): {time.perf_counter() - t0:.2f} s\n")

    # 1. A plan-week, kernel and Ciw side by side.
    b = int(np.argmax(calls.sum(axis=1)))
    monday = int(np.flatnonzero(pd.to_datetime(plan.hours["hour_start"]).dt.day_of_week.to_numpy() == 0)[0])
    week = slice(monday, monday + 168)
    wc, wa, wn = calls[b, week], aht[b, week], agents[b, week]
    start = pd.Timestamp(plan.hours["hour_start"].iloc[monday]).date()
    print(
        f"plan-week: board {plan.boards[b]}, week of {start}: {wc.sum():,.0f} calls expected, "
        f"{wn.min()}-{wn.max()} agents, AHT {wa[wc > 0].mean():.0f} s, patience {args.patience:g} s (M/M/n+M)"
    )
    reps = args.kernel_replications
    res, secs, _ = harness.best_of(lambda: simulate(wn, wa, wc, patience_s=args.patience, replications=reps, threads=1))
    n_kernel = int(res.offered.sum())
    kernel_us = secs / n_kernel * 1e6
    _, one, _ = harness.best_of(lambda: simulate(wn, wa, wc, patience_s=args.patience, threads=1), 5)
    print(
        f"  kernel: {kernel_us:7.3f} µs per call ({reps} replications, {n_kernel:,} calls in {secs:.3f} s, one thread); "
        f"one replication alone {one * 1e3:.1f} ms ({one / (n_kernel / reps) * 1e6:.3f} µs per call)"
    )
    t0 = time.perf_counter()
    n_ciw = sum(len(simulate_calls(wc, wn, 1.0, args.patience, seed=s, aht_s=wa)) for s in range(args.ciw_replications))
    ciw_secs = time.perf_counter() - t0
    ciw_us = ciw_secs / n_ciw * 1e6
    print(
        f"  Ciw:    {ciw_us:7.3f} µs per call ({args.ciw_replications} replications, {n_ciw:,} calls in {ciw_secs:.2f} s)"
    )
    ratio = ciw_us / kernel_us
    print(f"  the kernel is {ratio:,.0f}x faster per call (goal: >= {PER_CALL_GOAL:.0f}x)\n")

    # 2. A whole year of every district board, one replication.
    year, secs1, _ = harness.best_of(
        lambda: simulate(agents, aht, calls, patience_s=args.patience, target_s=target, threads=1)
    )
    n_year = int(year.offered.sum())
    print(
        f"year: {len(plan.boards)} district boards x {calls.shape[1]:,} hours, {n_year:,} calls, one replication: "
        f"{secs1:.3f} s on one thread ({secs1 / n_year * 1e6:.3f} µs per call; goal < {YEAR_GOAL_S} s)"
    )
    cores = parallel.usable_cores()
    if cores > 1:
        year_all, secs_all, _ = harness.best_of(
            lambda: simulate(agents, aht, calls, patience_s=args.patience, target_s=target, threads=cores)
        )
        same = np.array_equal(year.answered_within, year_all.answered_within)
        print(f"      {secs_all:.3f} s on {cores} threads (same numbers: {same})")
    sl = year.service_level("answered")[0, 0]
    print(
        f"      answered within {target:g} s: {sl:.1%} of the answered calls; abandoned {year.abandonment()[0]:.1%}; "
        f"mean wait of the answered {year.mean_wait_s()[0]:.1f} s"
    )
    ok = ratio >= PER_CALL_GOAL and secs1 < YEAR_GOAL_S
    print(f"\ngoals met: {ok}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
