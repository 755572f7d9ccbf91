"""Speed of notebook 05's simulation check and ISA (lib/model/plan_check.py); a script, not a test.

1. The check as notebook 05 runs it: every concept's plan (base, I, IIa, IIb, III) in the
   first and last analysis year under Erlang C and Erlang A, the whole year, 20 replications,
   and the log's departures for the base plans; seconds, simulated calls and µs per call.
2. ISA for every concept's plan of the first year (3 replications per iteration).
3. The peer, measured in the same run: the Ciw reference simulation (lib/model/simulation.py)
   on one week of the base plan, µs per call, and what the check's calls would take at that
   speed (the ratio is the point; Ciw is the independent reference of the tests).

Input: ``data/processed/arrival_rates.parquet`` and ``calls_clean.parquet`` (``make report``).

    .venv/bin/python benchmarks/bench_plan_check.py [--processed data/processed] [--replications 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd
from machine import machine_info

from lib.calllog import read_clean
from lib.core.assumptions import Assumptions
from lib.model import plan_check
from lib.model.simulation import simulate_plan
from lib.traffic import patience

CIW_HOURS = 168  # one week of the base plan for the peer


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processed", type=Path, default=Path("data/processed"))
    p.add_argument("--replications", type=int, default=20)
    p.add_argument("--seed", type=int, default=2023)
    args = p.parse_args()
    rates_path = args.processed / "arrival_rates.parquet"
    if not rates_path.exists():
        print(f"{rates_path} is missing: run `make report` first")
        return 1
    print(machine_info("numba", "numpy", "ciw"))
    a = Assumptions()
    rates = pd.read_parquet(rates_path)
    calls = read_clean(
        args.processed, columns=["district", "queue", "arrived_at", "wait_s", "talk_s", "answered", "in_scope"]
    )
    fitted = patience.model_patience_s(patience.fit_patience(calls, ["queue"]))
    a_erlang_a = a.replace(queue_model="erlang_a", patience_s=fitted)
    log = plan_check.LogShape.of_log(calls, a.after_call_work_s, fitted, seed=args.seed)
    years = [a.first_year, a.last_year]

    plan_check.check_plan(plan_check.plans_of(rates, a, years, ("III",))[0], a, replications=2)  # compile/load
    t0 = time.perf_counter()
    checked = plan_check.check_concepts(
        rates, {"Erlang C": a, "Erlang A": a_erlang_a}, years, log, replications=args.replications, seed=args.seed
    )
    check_s = time.perf_counter() - t0
    simulated = float(
        checked.table.groupby(["model", "concept", "year", "departure"], dropna=False)["calls"].first().sum()
    )
    simulated *= args.replications
    per_call_us = check_s / simulated * 1e6
    print(
        f"check: {len(checked.checks)} plans, {len(checked.table) // 4} runs x {args.replications} replications, "
        f"{simulated / 1e6:,.0f} million calls: {check_s:.1f} s ({per_call_us:.3f} µs per call, all included)"
    )

    t0 = time.perf_counter()
    isa, _ = plan_check.isa_concepts(
        rates, a, a.first_year, label="Erlang C", checked=checked.checks, replications=args.replications, seed=args.seed
    )
    print(f"ISA: {isa['concept'].nunique()} concepts: {time.perf_counter() - t0:.1f} s")

    base = plan_check.plans_of(rates, a, years, ("base",))[0]
    week = slice(24 * 14, 24 * 14 + CIW_HOURS)
    t0 = time.perf_counter()
    r = simulate_plan(
        base.calls[:, week],
        base.agents[:, week],
        180.0,
        None,
        95.0,
        replications=1,
        seed=1,
        aht_s=base.aht_s[:, week],
        warmup_hours=0,
    )
    ciw_s = time.perf_counter() - t0
    ciw_us = ciw_s / float(r["offered"].sum()) * 1e6
    print(
        f"peer (Ciw, one week of the base plan): {ciw_us:.1f} µs per call; the check's calls at that speed: "
        f"{simulated * ciw_us / 1e6 / 3600:,.1f} hours; ratio {ciw_us / per_call_us:,.0f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
