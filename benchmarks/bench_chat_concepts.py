"""Speed of staffing the concepts' chat pools (issue 26): a year of hours (8 760) x every chat
pool of the concepts, through the staffing path (script, not a test).

Under ``chat_model="concurrency"`` (dedicated) IIa, IIb_livechat, IIb and III each have one
national chat pool; the benchmark staffs all of them for every analysis year with
:func:`lib.queues.models.chat_required_agents` (what :meth:`lib.model.engine.Engine.chat_board_hours`
calls), and once for one year. Rates: ``data/processed/arrival_rates.parquet`` (notebook 02)
when it is there, else the stand-in year of ``bench_simulation.py``. Goal: a year of the
concepts' chat pools under 1 s.

    .venv/bin/python benchmarks/bench_chat_concepts.py [--processed data/processed]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_simulation import stand_in_rates
from machine import machine_info

from lib.core.assumptions import Assumptions, analysis_years
from lib.model.concepts import CONCEPTS, board_hours, chat_arrival_factor, has_chat_pool, pool
from lib.queues.models import chat_required_agents

GOAL_S = 1.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processed", type=Path, default=Path("data/processed"))
    args = p.parse_args()
    print(machine_info("numpy", "scipy"))
    a = Assumptions().replace(chat_model="concurrency", chat_pool="dedicated")
    path = args.processed / "arrival_rates.parquet"
    rates = pd.read_parquet(path) if path.exists() else stand_in_rates(a)
    print("rates:", path if path.exists() else "STAND-IN year (no processed rates)")
    bh = board_hours(rates)
    calls, aht = pool(bh.calls, bh.aht_s)
    pools = [c for c in CONCEPTS if has_chat_pool(c, a)]
    years = [int(y) for y in analysis_years(a)]
    ok = True
    for label, ys in (("one year", years[:1]), ("every analysis year", years)):
        alpha = np.array([[chat_arrival_factor(c, y, a) for y in ys] for c in pools]).ravel()
        chats = (alpha[:, None] * calls[0]).ravel()
        work = np.tile(a.chat_aht_factor * aht[0], len(alpha))
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            agents = chat_required_agents(chats, work, a)
            times.append(time.perf_counter() - t0)
        best = min(times)
        print(
            f"{label}: {len(pools)} chat pools ({', '.join(pools)}) x {len(ys)} year(s) x {calls.shape[1]:,} hours "
            f"= {chats.size:,} pool-hours: {best:.3f} s (best of 3), {1e6 * best / chats.size:.1f} us/hour, "
            f"{int(agents.sum()):,} agent-hours"
        )
        if len(ys) == 1:
            ok = best < GOAL_S
            print(f"goal: a year of the concepts' chat pools under {GOAL_S} s: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
