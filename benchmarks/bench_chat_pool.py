"""Speed and accuracy benchmark of lib.queues.chat.required_agents (script, not a test).

1. Times ``required_agents`` on a year of chat-pool hours: 4 pools × 8 760 hours = 35 040
   hours, seeded: 0-60 chats per hour and pool (5 % of hours without chats), handling time
   200-600 s at one chat per agent, mean patience 60-600 s, up to k = 3 chats per agent at
   efficiencies e = (1, 0.85, 0.7), half the hours at 80 % within 30 s and half within 60 s,
   occupancy cap 85 % of the chat slots, at least one agent in every hour with chats; best
   of 3, for the service level counted on answered and on offered chats. Target (brief):
   under 1 s on this 2-core machine.
2. Checks every hour with the public functions: its count meets the target and the cap,
   one agent fewer does not; and reports how close the closest decision came.
3. Accuracy: on a seeded sample of hours, the measures at the count found (and one agent
   fewer) against the tests' independent 50-digit reference (the chain summed state by
   state, the wait density integrated; tests/test_chat_pool.py), the largest relative
   errors, and whether every 50-digit decision agrees.
4. For scale: the same hours staffed with one chat per agent (Erlang A, lib.queues.erlang_a); and
   the time per hour of large pools, 100 and 1 000 Erlangs of chat (about 50 and 500 agents,
   150 and 1 500 chat slots: the work per hour grows with the slots).

Run: ``.venv/bin/python benchmarks/bench_chat_pool.py`` (exits 1 if a check fails).
"""

from __future__ import annotations

import sys
import tracemalloc

import harness
import numpy as np
from machine import machine_info

from lib.queues import chat as C
from lib.queues import erlang as E
from lib.queues import erlang_a as EA

SEED = 20260126
POOLS, HOURS = 4, 8_760
K, EFFICIENCY = 3, (1.0, 0.85, 0.7)
LEVEL = 0.8
OCCUPANCY = 0.85
TARGETS_S = (30.0, 60.0)
N_ACCURACY = 30  # hours checked in 50 digits (at n and n − 1 agents)
REL = 1e-9  # the accuracy tests/test_chat_pool.py asserts
POOL = {"max_chats": K, "efficiency": EFFICIENCY}


def chat_year(rng: np.random.Generator):
    """(chats per hour, AHT s, patience s, target s) for 4 pools × 8 760 hours, flat."""
    n = POOLS * HOURS
    chats = rng.uniform(0.0, 60.0, n)
    chats[rng.random(n) < 0.05] = 0.0  # closed / silent hours
    aht = rng.uniform(200.0, 600.0, n)
    patience = rng.uniform(60.0, 600.0, n)
    target_s = np.where(rng.random(n) < 0.5, *TARGETS_S)
    return chats, aht, patience, target_s


def solve(chats, aht, patience, target_s, basis):
    return C.required_agents(
        chats,
        aht,
        patience,
        LEVEL,
        target_s,
        **POOL,
        max_occupancy=OCCUPANCY,
        min_agents=(chats > 0).astype(np.int64),
        basis=basis,
    )


def check_all(n, chats, aht, patience, target_s, basis) -> tuple[int, float]:
    """(hours failing the minimality check, smallest |service level − target| at n or n − 1)."""
    busy = chats > 0
    level = C.service_level if basis == "offered" else C.answered_service_level
    nb, cb, hb, pb, tb = n[busy], chats[busy], aht[busy], patience[busy], target_s[busy]
    sl_n, sl_m = level(nb, cb, hb, pb, tb, **POOL), level(nb - 1, cb, hb, pb, tb, **POOL)
    cap_n = C.occupancy(nb, cb, hb, pb, **POOL) <= OCCUPANCY * (1 + E.OCCUPANCY_RTOL)
    cap_m = C.occupancy(nb - 1, cb, hb, pb, **POOL) <= OCCUPANCY * (1 + E.OCCUPANCY_RTOL)
    return harness.minimality(n, busy, sl_n, sl_m, cap_n, cap_m, LEVEL)


def accuracy(rng, n, chats, aht, patience, target_s, basis) -> tuple[dict[str, float], int]:
    """Largest relative errors against 50 digits on a sample; number of decisions that differ."""
    reference = harness.test_reference("test_chat_pool.py")
    busy = np.flatnonzero(chats > 0)
    pick = rng.choice(busy, size=N_ACCURACY, replace=False)
    keys = ("wait", "abandon", "service level", "answered service level", "ASA", "occupancy")
    worst = dict.fromkeys(keys, 0.0)
    decisions = 0
    for i in pick:
        args = (chats[i], aht[i], patience[i])
        for k in (int(n[i]), int(n[i]) - 1):
            if k < 1:
                continue
            r = reference(k, chats[i] * aht[i] / 3600, aht[i], patience[i], K, EFFICIENCY, targets=(target_s[i],))
            got = {
                "wait": C.wait_probability(k, *args, **POOL),
                "abandon": C.abandon_probability(k, *args, **POOL),
                "service level": C.service_level(k, *args, target_s[i], **POOL),
                "answered service level": C.answered_service_level(k, *args, target_s[i], **POOL),
                "ASA": C.average_speed_of_answer(k, *args, **POOL),
                "occupancy": C.occupancy(k, *args, **POOL),
            }
            want = {
                "wait": r["wait"],
                "abandon": r["abandon"],
                "service level": r["sl"][0],
                "answered service level": r["answered_sl"][0],
                "ASA": r["asa"],
                "occupancy": r["occupancy"],
            }
            for key, w in want.items():
                w = float(w)
                if w > 1e-300:
                    worst[key] = max(worst[key], abs(got[key] - w) / w)
            sl50 = float(want["service level" if basis == "offered" else "answered service level"])
            meets50 = sl50 >= LEVEL and float(r["occupancy"]) <= OCCUPANCY * (1 + E.OCCUPANCY_RTOL)
            decisions += meets50 != (k == n[i])
    return worst, decisions


def large_pools(rng) -> list[tuple[float, int, float, float]]:
    """(Erlangs, hours, seconds per hour, mean agents) for hours of 100 and 1 000 Erlangs of chat."""
    out = []
    for load, size in ((100.0, 10_000), (1000.0, 1_000)):
        aht = rng.uniform(200.0, 600.0, size)
        chats = load * 3600 / aht
        patience = rng.uniform(60.0, 600.0, size)
        target_s = np.where(rng.random(size) < 0.5, *TARGETS_S)
        n, wall, _ = harness.best_of(lambda c=chats, h=aht, p=patience, t=target_s: solve(c, h, p, t, "answered"))
        out.append((load, size, wall / size, float(n.mean())))
    return out


def main() -> int:
    print(machine_info("numpy", "scipy"))
    rng = np.random.default_rng(np.random.SeedSequence(SEED))
    chats, aht, patience, target_s = chat_year(rng)
    size = chats.size
    busy = chats > 0
    failures = 0
    print(
        f"\nlib.queues.chat.required_agents on a year of chat pools: {POOLS} pools × {HOURS:,} hours = {size:,} "
        f"hours ({int((~busy).sum()):,} without chats); 0-60 chats/h, AHT 200-600 s, patience 60-600 s, "
        f"k = {K}, e = {EFFICIENCY}, 80/30 and 80/60, occupancy ≤ {OCCUPANCY:.0%} of the chat slots"
    )
    results = {}
    for basis in C.BASES[::-1]:  # "answered" (the project's default) first
        n, wall, cpu = harness.best_of(lambda basis=basis: solve(chats, aht, patience, target_s, basis))
        results[basis] = n
        verdict = "OK" if wall < 1.0 else "SLOWER THAN 1 s"
        print(
            f"  basis {basis!r:10}: best of 3 {wall:.3f} s wall, {cpu:.3f} s CPU "
            f"({wall / size * 1e6:.2f} µs per hour)  [{verdict}]"
        )
        one_chat = EA.required_agents(
            chats, aht, patience, LEVEL, target_s, OCCUPANCY, min_agents=busy.astype(np.int64), basis=basis
        )
        mean_chats = C.mean_chats_per_agent(n[busy], chats[busy], aht[busy], patience[busy], **POOL)
        print(
            f"    agents per hour: mean {n.mean():.3f}, max {n.max()}; one chat per agent (Erlang A) mean "
            f"{one_chat.mean():.3f}; chats per agent held on average {mean_chats.mean():.2f}"
        )
        bad, margin = check_all(n, chats, aht, patience, target_s, basis)
        failures += bad
        print(
            f"    minimality (public functions, all {size:,} hours): {bad} failing; closest decision "
            f"|service level − {LEVEL}| = {margin:.2e}"
        )
    tracemalloc.start()
    solve(chats, aht, patience, target_s, "answered")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"  peak memory of one call: {peak / 2**20:.1f} MiB beyond its inputs")

    print(f"\nAccuracy against 50 digits (tests' reference), {N_ACCURACY} sampled hours at n and n − 1 agents:")
    for basis in C.BASES[::-1]:
        worst, decisions = accuracy(rng, results[basis], chats, aht, patience, target_s, basis)
        failures += decisions + sum(v >= REL for v in worst.values())
        errors = ", ".join(f"{k} {v:.1e}" for k, v in worst.items())
        print(f"  basis {basis!r:10}: largest relative error: {errors}; decisions differing: {decisions}")

    print("\nLarge pools (basis 'answered', same targets and cap), best of 3:")
    for load, size, per_hour, agents in large_pools(rng):
        print(
            f"  {load:6,.0f} Erlangs of chat: {size:,} hours, {per_hour * 1e6:8.1f} µs per hour, mean {agents:.1f} agents"
        )

    if failures:
        print(f"\nFAIL: {failures} check(s) failed")
        return 1
    print("\nOK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
