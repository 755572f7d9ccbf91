"""Speed of the exhaustive pilot search (lib.planning.pilot) and the centre's roster (lib.planning.roster); a script, not a test.

1. The exhaustive search: all 2 047 non-empty sets of the 11 modelled districts pooled,
   staffed at today's target (80/95) and the centre's (80/20), concept IIb's traffic of the
   first analysis year: 2 047 x 8 760 = 17.9 million pooled board-hours per target. Reports
   the seconds per target and sets per second (best of ``--repeats``). Target (brief): a
   few seconds per target.
2. The check that the set of all districts at 80/20 is concept III, and the pooling step.
3. The roster of concept III's national centre: the typical week of each of 4 seasons, one
   MILP each (HiGHS), seconds for the whole plan (requirement, 4 solves, summary).

Input: ``data/processed/arrival_rates.parquet`` (``make report``).

    .venv/bin/python benchmarks/bench_pilot.py [--processed data/processed] [--repeats 2]

(in a worktree whose venv's editable install points elsewhere: ``.venv/bin/python -m benchmarks.bench_pilot``)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import harness
import pandas as pd
from machine import machine_info

from lib.core.assumptions import Assumptions
from lib.model.concepts import board_hours
from lib.planning import pilot, roster

TARGET_S_PER_SEARCH_TARGET = 5.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processed", type=Path, default=Path("data/processed"))
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()

    path = args.processed / "arrival_rates.parquet"
    if not path.exists():
        print(f"{path} is missing: run `make report` first", file=sys.stderr)
        return 2
    a = Assumptions()
    print(machine_info("numpy", "scipy", "pandas"))
    bh = board_hours(pd.read_parquet(path))
    n_sets, n_hours = 2 ** len(bh.boards) - 1, bh.calls.shape[1]
    print(f"input: {path} ({len(bh.boards)} boards x {n_hours} hours)\n")

    print(f"exhaustive search, {n_sets} sets x {n_hours} hours per target, year {a.first_year}:")
    slow = False
    for target in (a.service_time_today_s, a.service_time_centre_s):
        s, secs, _ = harness.best_of(lambda t=target: pilot.search(bh, a, targets_s=(t,)), args.repeats)
        full = s.full_saving[0] * s.person_years_per_agent_hour
        print(
            f"  80/{target:g}: {secs:5.2f} s ({n_sets / secs:,.0f} sets/s, {n_sets * n_hours / secs / 1e6:.1f} M "
            f"board-hours/s); full centre saves {s.full_saving[0]:,} agent-hours = {full:.1f} person-years"
        )
        slow |= secs > TARGET_S_PER_SEARCH_TARGET
    s, secs, _ = harness.best_of(lambda: pilot.search(bh, a), 1)
    print(f"  both targets in one search: {secs:5.2f} s")
    check = pilot.consistency(s, bh, a)
    print(f"  full set at 80/20 == concept III, pooling step equal: {bool(check['equal'].all())}")
    greedy = pilot.greedy_order(s)
    for target in s.targets_s:
        g = greedy[greedy["target_s"] == target]
        print(f"  80/{target:g} greedy order: {g['added'].iloc[0]}, then {', '.join(g['added'].iloc[1:])}")

    r, secs, _ = harness.best_of(lambda: roster.plan(bh, a), args.repeats)
    summary = roster.roster_summary(r, a).set_index("season").loc[roster.YEAR_ROW]
    print(
        f"\nroster of the national centre ({a.first_year}, 4 seasons, one MILP each): {secs:5.2f} s; "
        f"schedule efficiency {summary['schedule_efficiency']:.3f}, "
        f"{summary['person_years_roster']:.1f} person-years with the roster vs {summary['model_person_years']:.1f} "
        f"in the model (scaled: {summary['person_years_roster_scaled']:.1f} vs {summary['person_years_scaled']:.1f})"
    )
    if slow:
        print(f"\nSLOW: a search target took more than {TARGET_S_PER_SEARCH_TARGET:g} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
