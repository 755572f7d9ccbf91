"""An event-driven simulation of the chat pool (lib.queues.chat), to check the model.

``n`` agents each hold at most ``k`` chats. A chat brings an amount of work (agent-seconds at
one chat per agent: exponential, or lognormal with the same mean and a given coefficient of
variation); while its agent holds j chats the work of each of them goes down at the rate
e_j (rate-by-load processor sharing), and the chat ends when its work is done. A new chat
goes to an agent holding the fewest chats (the lowest-numbered among equals); when all n·k
slots are full it joins one first-come-first-served queue, and leaves when its exponential
patience runs out before a slot frees for it. A slot that frees while chats wait goes to the
first of them at once. With ``rebalance`` the pool also moves one chat from a most-loaded
agent to an agent that has just finished a chat whenever their loads differ by two, so loads
never differ by more than one: the even spread lib.queues.chat's chain assumes.

The kernel (numba) runs one replication: Poisson arrivals from time 0 with an empty pool; the
chats arriving in [warm-up, warm-up + measured time) are measured, and the run goes on until
each of them is answered or has left. Per replication it returns the counts and sums behind
the model's measures (offered, waited, abandoned, answered within each target, the answered
chats' total wait) and the time-average of the chats in service over the measured time.
:func:`simulate` runs independent replications (streams from one ``SeedSequence``) and
:func:`summarise` gives their means with Student-t intervals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit
from scipy import stats

from lib.queues.chat import check_pool

__all__ = ["WORK_DISTRIBUTIONS", "simulate", "summarise"]

#: Distributions of a chat's work: "exponential" (the model's), "lognormal" (same mean, a
#: coefficient of variation ``cv``).
WORK_DISTRIBUTIONS = ("exponential", "lognormal")

_QUEUE_CAPACITY = 1 << 16
# Columns of the kernel's result before the per-target counts.
_OFFERED, _WAITED, _ABANDONED, _ANSWERED, _WAIT_SUM, _IN_SERVICE, _EVENTS = range(7)
_FIXED = 7
_DONE, _LEAVE, _ARRIVE = 0, 1, 2  # event kinds


@njit
def _draw_work(mean_work: float, lognormal: bool, mu: float, sigma: float) -> float:
    if lognormal:
        return np.random.lognormal(mu, sigma)
    return np.random.exponential(mean_work)


@njit
def _replication(
    n: int,
    k: int,
    eff: np.ndarray,
    rate_per_s: float,
    mean_work: float,
    lognormal: bool,
    cv: float,
    patience_s: float,
    targets: np.ndarray,
    warmup_s: float,
    measured_s: float,
    rebalance: bool,
    seed: int,
) -> np.ndarray:
    """One replication; the counts and sums described in the module docstring."""
    np.random.seed(seed)
    sigma = np.sqrt(np.log(1.0 + cv * cv))
    mu = np.log(mean_work) - 0.5 * sigma * sigma
    out = np.zeros(_FIXED + targets.size)
    load = np.zeros(n, dtype=np.int64)
    work = np.zeros((n, k))  # remaining work of agent a's chats in slots 0..load[a] − 1
    q_arrival = np.empty(_QUEUE_CAPACITY)
    q_deadline = np.empty(_QUEUE_CAPACITY)
    q_len = 0
    end_s = warmup_s + measured_s
    pending = 0  # measured chats still waiting
    t = 0.0
    next_arrival = np.random.exponential(1.0 / rate_per_s)
    while True:
        if t >= end_s and pending == 0:
            break
        # The next completion: the smallest remaining work over its agent's speed.
        dt_done, a_done, s_done = np.inf, -1, -1
        for a in range(n):
            j = load[a]
            if j > 0:
                speed = eff[j - 1]
                for s in range(j):
                    d = work[a, s] / speed
                    if d < dt_done:
                        dt_done, a_done, s_done = d, a, s
        # The next abandonment.
        dt_ab, i_ab = np.inf, -1
        for i in range(q_len):
            d = q_deadline[i] - t
            if d < dt_ab:
                dt_ab, i_ab = d, i
        dt_arr = next_arrival - t
        if dt_done <= dt_ab and dt_done <= dt_arr:
            kind, dt = _DONE, dt_done
        elif dt_ab <= dt_arr:
            kind, dt = _LEAVE, dt_ab
        else:
            kind, dt = _ARRIVE, dt_arr
        dt = max(dt, 0.0)  # a finished chat's work may be a rounding error below 0
        # Time passes: work is done, chats in service are counted over the measured time.
        in_service = 0
        for a in range(n):
            j = load[a]
            in_service += j
            if j > 0:
                done = dt * eff[j - 1]
                for s in range(j):
                    work[a, s] -= done
        lo, hi = max(t, warmup_s), min(t + dt, end_s)
        if hi > lo:
            out[_IN_SERVICE] += in_service * (hi - lo)
        t += dt
        out[_EVENTS] += 1
        if kind == _DONE:  # a chat ends
            j = load[a_done]
            work[a_done, s_done] = work[a_done, j - 1]
            load[a_done] = j - 1
            if q_len > 0:  # the first waiting chat takes the slot
                arrived = q_arrival[0]
                for i in range(q_len - 1):
                    q_arrival[i] = q_arrival[i + 1]
                    q_deadline[i] = q_deadline[i + 1]
                q_len -= 1
                work[a_done, load[a_done]] = _draw_work(mean_work, lognormal, mu, sigma)
                load[a_done] += 1
                if warmup_s <= arrived < end_s:
                    pending -= 1
                    wait = t - arrived
                    out[_ANSWERED] += 1
                    out[_WAIT_SUM] += wait
                    for m in range(targets.size):
                        if wait <= targets[m]:
                            out[_FIXED + m] += 1
            elif rebalance:
                b = 0
                for a in range(1, n):
                    if load[a] > load[b]:
                        b = a
                if load[b] - load[a_done] >= 2:  # move one chat, its remaining work with it
                    work[a_done, load[a_done]] = work[b, load[b] - 1]
                    load[a_done] += 1
                    load[b] -= 1
        elif kind == _LEAVE:  # a waiting chat leaves
            arrived = q_arrival[i_ab]
            for i in range(i_ab, q_len - 1):
                q_arrival[i] = q_arrival[i + 1]
                q_deadline[i] = q_deadline[i + 1]
            q_len -= 1
            if warmup_s <= arrived < end_s:
                pending -= 1
                out[_ABANDONED] += 1
        else:  # a chat arrives
            next_arrival = t + np.random.exponential(1.0 / rate_per_s)
            measured = warmup_s <= t < end_s
            if measured:
                out[_OFFERED] += 1
            b = 0
            for a in range(1, n):
                if load[a] < load[b]:
                    b = a
            if load[b] < k:
                work[b, load[b]] = _draw_work(mean_work, lognormal, mu, sigma)
                load[b] += 1
                if measured:
                    out[_ANSWERED] += 1
                    for m in range(targets.size):
                        out[_FIXED + m] += 1
            else:
                if q_len == _QUEUE_CAPACITY:
                    raise RuntimeError("chat simulation: queue capacity exceeded")
                q_arrival[q_len] = t
                q_deadline[q_len] = t + np.random.exponential(patience_s)
                q_len += 1
                if measured:
                    out[_WAITED] += 1
                    pending += 1
    out[_IN_SERVICE] /= measured_s
    return out


def simulate(
    agents: int,
    chats_per_hour: float,
    aht_s: float,
    patience_s: float,
    target_s: Sequence[float],
    *,
    max_chats: int,
    efficiency: Sequence[float],
    work: str = "exponential",
    cv: float = 1.0,
    rebalance: bool = False,
    hours: float = 100.0,
    warmup_hours: float = 5.0,
    replications: int = 10,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Independent replications of one stationary chat pool; per replication (arrays):

    ``offered`` (chats arriving in the measured ``hours``), ``wait_probability`` (share that
    found every slot full), ``abandon_probability``, ``service_level`` (one column per target:
    share of the offered chats answered within it), ``answered_service_level`` (the same over
    the answered chats), ``average_speed_of_answer`` (mean wait of the answered chats, s),
    ``mean_chats_per_agent`` (time-average of the chats in service / agents), ``events``.

    Arguments as :func:`lib.queues.chat.service_level`, for one hour's values; ``work``: a
    chat's work distribution (:data:`WORK_DISTRIBUTIONS`) with mean ``aht_s``, ``cv`` the
    coefficient of variation of the lognormal; ``rebalance``: keep loads within one of each
    other (module docstring); replication r uses stream r of ``SeedSequence(seed)``.
    """
    g = check_pool(max_chats, efficiency)
    eff = g[1:] / np.arange(1.0, g.size)
    if work not in WORK_DISTRIBUTIONS:
        raise ValueError(f"work must be one of {WORK_DISTRIBUTIONS}; got {work!r}")
    if int(agents) != agents or agents < 1 or not chats_per_hour > 0 or not aht_s > 0 or not patience_s > 0:
        raise ValueError("simulate needs agents >= 1 (whole) and chats_per_hour, aht_s, patience_s > 0")
    targets = np.asarray(target_s, dtype=float).reshape(-1)
    seeds = [int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(replications)]
    rows = np.array(
        [
            _replication(
                int(agents),
                int(max_chats),
                eff,
                chats_per_hour / 3600.0,
                float(aht_s),
                work == "lognormal",
                float(cv),
                float(patience_s),
                targets,
                warmup_hours * 3600.0,
                hours * 3600.0,
                bool(rebalance),
                s,
            )
            for s in seeds
        ]
    )
    offered, answered = rows[:, _OFFERED], rows[:, _ANSWERED]
    within = rows[:, _FIXED:]
    return {
        "offered": offered,
        "wait_probability": rows[:, _WAITED] / offered,
        "abandon_probability": rows[:, _ABANDONED] / offered,
        "service_level": within / offered[:, None],
        "answered_service_level": within / answered[:, None],
        "average_speed_of_answer": rows[:, _WAIT_SUM] / answered,
        "mean_chats_per_agent": rows[:, _IN_SERVICE] / agents,
        "events": rows[:, _EVENTS],
    }


def summarise(values: np.ndarray, level: float = 0.99) -> tuple[float, float, float]:
    """(mean, low, high): the mean of per-replication ``values`` and its Student-t interval."""
    v = np.asarray(values, dtype=float)
    mean = float(v.mean())
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return mean, mean - half, mean + half
