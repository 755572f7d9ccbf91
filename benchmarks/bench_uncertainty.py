"""Speed and accuracy benchmark of the Monte Carlo of lib.valuation.uncertainty (script, not a test).

On the arrival rates of the last `make report` (data/processed/arrival_rates.parquet):

1. Times the Monte Carlo with the default draws (10 000; every Table 1 cell and the person-years
   per concept and year, the staffing model's handling time drawn too): surrogate fit and
   evaluation, draws per second. Target (issue 24): under 10 s on this 2-core machine. Checks
   that a rerun with the same seed is identical; times the Sobol indices (SALib) on the same surrogate.
2. Times one exact set of assumptions: ``lib.model.staffing.run_all`` (every table, through the
   compressed engine) and the batch arrays of the same set (:func:`lib.valuation.batch.staffing_arrays`,
   what the Monte Carlo computes per set), and notebook 04's one-at-a-time sensitivity with
   run_all as its runner (target: under 10 s; it re-runs the model about 20 times).
3. The surrogate's error against exact solves on the first 200 draws: the largest absolute
   error per cell (MNOK) and as a share of the tolerance (2 % or 0.3 MNOK; 0.5 % of the mean
   |sum| for the sums), and the quantiles of the concepts' sums from those 200 exact draws
   beside the surrogate's on the same draws and on all 10 000.

Run: ``.venv/bin/python benchmarks/bench_uncertainty.py [--draws N] [--exact N]`` (exits 1 if a
check fails).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd
from machine import machine_info

from lib.core.assumptions import Assumptions
from lib.core.paths import DATA_PROCESSED
from lib.model import engine as se
from lib.model import staffing
from lib.model.concepts import board_hours, table1_concepts
from lib.valuation import batch as vb
from lib.valuation import economics, sensitivity
from lib.valuation import uncertainty as u
from lib.valuation.economics import SUM


def timed(f, *args, **kwargs):
    t = time.perf_counter()
    out = f(*args, **kwargs)
    return out, time.perf_counter() - t


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=u.DEFAULT_DRAWS)
    parser.add_argument("--exact", type=int, default=200, help="draws also solved exactly")
    args = parser.parse_args()
    rates_path = DATA_PROCESSED / "arrival_rates.parquet"
    if not rates_path.exists():
        print(f"{rates_path} is missing: run `make report` first")
        return 1
    print(machine_info("numpy", "scipy", "pandas"))
    a = Assumptions()
    rates = board_hours(pd.read_parquet(rates_path))
    wait = economics.observed_mean_wait_s(
        pd.read_parquet(DATA_PROCESSED / "calls_clean.parquet", columns=["wait_s", "answered"])
    )
    ok = True

    print("\n1. Monte Carlo")
    mc, t_mc = timed(u.monte_carlo, rates, a, n=args.draws, observed_wait_s=wait)
    again, _ = timed(u.monte_carlo, rates, a, n=args.draws, observed_wait_s=wait)
    same = mc.cells.equals(again.cells)
    print(
        f"   {args.draws} draws in {t_mc:.2f} s ({args.draws / t_mc:,.0f} draws/s; "
        f"{mc.surrogate.curves} step curves, {mc.nodes} exact grid points)"
    )
    print(f"   target under 10 s: {'met' if t_mc < 10 else 'MISSED'}; same seed, identical cells: {same}")
    ok &= t_mc < 10 and same
    sob, t_sob = timed(u.sobol_indices, mc, rates, observed_wait_s=wait)
    top = sob.groupby("concept", sort=False).head(2)
    print(f"   Sobol indices (SALib, 1 024 x (groups + 2) points on the same surrogate): {t_sob:.2f} s")
    print(top[["concept", "group", "S1", "ST"]].round(3).to_string(index=False))

    print("\n2. One exact set, and the one-at-a-time sensitivity")
    _, t_full = timed(staffing.run_all, rates, a)
    _, t_arrays = timed(lambda: vb.staffing_arrays(se.Engine(rates, a), a))
    print(f"   run_all {t_full:.2f} s (every table); the batch arrays of one set {t_arrays:.3f} s")
    base = staffing.run_all(rates, a)
    _, t_sens = timed(sensitivity.one_at_a_time, rates, a, staffing.run_all, base=base, observed_wait_s=wait)
    print(f"   one-at-a-time: {t_sens:.2f} s with run_all (target under 10 s)")
    ok &= t_sens < 10

    print(f"\n3. The surrogate against {args.exact} exact draws")
    check, t_check = timed(u.surrogate_check, mc, rates, n=args.exact, observed_wait_s=wait)
    print(f"   (exact and surrogate valuation of {args.exact} draws: {t_check:.1f} s)")
    print(check.round(3).to_string(index=False))
    worst = float(check["max_error_share_of_tolerance"].max())
    print(f"   largest error / tolerance: {worst:.2f} ({'within' if worst <= 1 else 'OUTSIDE'} the tolerance)")
    ok &= worst <= 1
    engine = se.Engine(rates, a)
    batch = u.Batch(a, mc.draws.iloc[: args.exact])
    exact, _ = u.evaluate(engine, batch, wait)
    approx, _ = u.evaluate(engine, batch, wait, mc.surrogate)
    rows = []
    for c in table1_concepts():
        name = u.cell(SUM, c)
        for label, x in (
            (f"exact, {args.exact} draws", exact[name]),
            (f"surrogate, same {args.exact}", approx[name]),
            (f"surrogate, all {args.draws}", mc.cells[name]),
        ):
            q = np.quantile(x, u.QUANTILES)
            rows.append(
                {"concept": c, "draws": label, "mean": x.mean(), **dict(zip(u.QUANTILE_COLUMNS, q, strict=True))}
            )
    print("   quantiles of the sums (MNOK):")
    print(pd.DataFrame(rows).round(2).to_string(index=False))
    print("\nall checks passed" if ok else "\nA CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
