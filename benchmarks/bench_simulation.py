"""Speed of the discrete-event check of a staffing plan (lib.model.simulation, Ciw); a script, not a test.

1. One week of the national centre of concept III (one board, the first analysis year,
   whose chatbot share is lowest and traffic highest), seconds per replication.
2. One week of the 11 district boards of the base model, seconds per replication.
3. The whole check (:func:`lib.model.simulation.check_plans`): base, I, IIa, IIb and III of the
   first analysis year x 4 sampled weeks (one per season) x 3 replications, with one worker
   process and with every core (process start-up included). Target (brief): well under
   40 s on a 2-core machine.

Every week is simulated with one day of warm-up and one hour of cool-down, handling times
drawn from the log's answered calls (talk time + after-call work) scaled to the plan's AHT,
callers who never hang up (the plan's own Erlang C assumption) unless ``--patience``.
Input: ``data/processed/arrival_rates.parquet`` and ``calls_clean.parquet`` (``make
report``); without them a stand-in year (the same daily and weekly shape for every board,
about the synthetic log's volume, exponential handling times) is used and says so.

    .venv/bin/python benchmarks/bench_simulation.py [--processed data/processed] [--patience 120]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from machine import machine_info

from lib.core.assumptions import Assumptions
from lib.core.districts import DISTRICTS
from lib.core.oslo_calendar import hour_grid
from lib.model.concepts import board_hours
from lib.model.simulation import check_plans, sample_weeks, simulate_plan
from lib.model.staffing import staff

CONCEPTS = ("base", "I", "IIa", "IIb", "III")


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


def load(processed: Path, a: Assumptions) -> tuple[pd.DataFrame, np.ndarray | float, str]:
    rates_path, calls_path = processed / "arrival_rates.parquet", processed / "calls_clean.parquet"
    if not rates_path.exists():
        return stand_in_rates(a), 1.0, "STAND-IN year (no processed rates: run `make report`), exponential handling"
    rates = pd.read_parquet(rates_path)
    if not calls_path.exists():
        return rates, 1.0, f"{rates_path}, exponential handling"
    calls = pd.read_parquet(calls_path, columns=["talk_s", "answered", "in_scope"])
    talk = calls.loc[calls["answered"] & calls["in_scope"], "talk_s"].to_numpy(dtype=float)
    return rates, talk + a.after_call_work_s, f"{rates_path}, empirical handling ({talk.size:,} answered calls)"


def per_replication(plan, week, handling, patience, target_s, reps: int) -> tuple[float, float]:
    """Seconds per replication and calls offered per replication of one week."""
    t0 = time.perf_counter()
    r = simulate_plan(
        plan.calls,
        plan.agents,
        handling,
        patience,
        target_s,
        slice(int(week["first"]), int(week["stop"])),
        replications=reps,
        seed=1,
        aht_s=plan.aht_s,
    )
    return (time.perf_counter() - t0) / reps, float(r["offered"].mean())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processed", type=Path, default=Path("data/processed"))
    p.add_argument("--patience", type=float, default=None, help="mean patience (s); default: nobody hangs up")
    p.add_argument("--replications", type=int, default=3)
    p.add_argument("--seed", type=int, default=2024)
    args = p.parse_args()

    a = Assumptions()
    print(machine_info("ciw", "numpy", "pandas"))
    rates, handling, source = load(args.processed, a)
    print(f"input: {source}\n")
    bh = board_hours(rates)
    year = a.first_year
    plans = {(c, year): staff(c, bh, year if c not in ("base", "I") else None, a) for c in CONCEPTS}
    weeks = sample_weeks(bh.hours, per_season=1, seed=args.seed)
    week = weeks.iloc[0]
    hours = slice(int(week["first"]), int(week["stop"]))

    for label, concept in [("national centre (III)", "III"), ("11 district boards (base)", "base")]:
        plan = plans[(concept, year)]
        target = 20.0 if concept == "III" else 95.0
        secs, offered = per_replication(plan, week, handling, args.patience, target, args.replications)
        mean_rate = plan.calls[:, hours].sum(axis=0).mean()
        print(
            f"{label:27s} week of {week['week_start'].date()}: {secs:5.2f} s per replication "
            f"({offered:,.0f} calls offered, {mean_rate:.0f} calls/h on average, {offered / secs:,.0f} calls/s)"
        )

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    print(
        f"\nwhole check: {len(CONCEPTS)} concepts ({year}) x {len(weeks)} weeks "
        f"({', '.join(str(d.date()) for d in weeks['week_start'])}) x {args.replications} replications"
    )
    results = {}
    for workers in sorted({1, cores}):
        t0 = time.perf_counter()
        results[workers] = check_plans(
            plans, weeks, handling, args.patience, replications=args.replications, seed=1, workers=workers
        )
        print(f"  {workers} worker(s): {time.perf_counter() - t0:5.1f} s")
    if len(results) > 1:
        same = results[1].equals(results[cores])
        print(f"  same numbers with 1 and {cores} workers: {same}")
    out = results[max(results)]
    off = out[out["basis"] == "offered"]
    print("\nachieved service level (offered basis), mean over the weeks:")
    print(off.groupby("concept", sort=False)[["target_s", "achieved", "abandonment", "mean_wait_s"]].mean().round(3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
