"""The chat pool: waiting, abandonment, service level, speed of answer, concurrency and staffing
of a live-chat queue whose agents hold several chats at once (Erlang A with processor sharing).

The model (Tezcan & Zhang 2014; Long, Tezcan & Zhang 2024; "Erlang A with processor sharing"
in workforce management). Chats arrive as a Poisson process (``chats_per_hour``); ``n``
identical agents each hold at most ``k`` chats (``max_chats``). A chat's work is exponential
with mean ``aht_s`` seconds, the time it takes an agent who holds that one chat only; an agent
holding j chats works on each at the share e_j of full speed (``efficiency``,
1 = e_1 >= e_2 >= … >= e_k > 0), so each of its chats ends at rate μ_j = μ·e_j and the agent
finishes chats at the total rate j·e_j·μ (μ = 1/aht_s). A new chat goes to an agent holding
the fewest chats; when all n·k slots are full it waits in one first-come-first-served queue
and leaves after an exponential patience (mean ``patience_s``, θ = 1/patience_s) unless a slot
frees first; a chat that leaves does not come back. A chat is **answered** when an agent takes
it (it gets a slot: at once if one is free, else when one frees and it is first in the queue);
its **wait** is the time from its arrival until then. The time an answered chat then spends
with its agent is not a wait. Units as in :mod:`lib.queues.erlang_a`: the offered load in Erlangs is
``A = chats per hour × aht_s / 3600`` (the chat work arriving per second, in agent-seconds at
one chat per agent), times are seconds, agents whole numbers.

The chain. Write g_j = j·e_j (g_0 = 0) for an agent's completion rate in units of μ and
δ_q = g_{q+1} − g_q. With m <= c = n·k chats in the pool spread as evenly as possible, r of
the agents hold q + 1 chats and n − r hold q, where m = q·n + r, 1 <= r <= n; chats leave at

    φ(m)·μ,   φ(m) = (n − r)·g_q + r·g_{q+1} = n·g_q + r·δ_q,    (φ(c) = n·g_k)

and with c + j chats (all slots full, j waiting) at (n·g_k)·μ + j·θ. So the number of chats
is a birth–death chain with birth rate λ = A·μ, stable for every n >= 1. With κ = μ/θ =
patience_s/aht_s and, as in lib.queues.erlang_a,

    x = n·g_k·κ = n·k·e_k·κ,   y = A·κ,   w = exp(−θt),

its stationary distribution relative to the full state c is

    π_m/π_c = t_m = Π_{i=m+1..c} φ(i)/A   (m < c),     π_{c+j}/π_c = a_j = y^j/((x + 1)···(x + j)),

with the sums R = Σ_{m<c} t_m (the pool below full), M = Σ_{m<c} m·t_m and, above,
𝒜(x, y) = Σ_j a_j, Erlang A's tail function (lib.queues.erlang_a) at x = n·k·e_k·κ.

The tail is Erlang A's. Above c every agent holds k chats, so slots free at the constant rate
n·k·e_k·μ — c "servers" of rate e_k·μ — and a waiting chat's fate depends on that rate and on
the chats waiting ahead of it only: with j ahead it moves up at rate θ(x + i) while i are
ahead, exactly as in Erlang A with x = n·κ. Everything given that a chat waits — the chance
it is answered, the distribution of its wait, the answered chats' mean wait — is therefore
Erlang A's at this x and y; the states below c, whose rates depend on the state, enter only
through R, i.e. through the probability that a chat has to wait. With p_W = P(W > 0):

* wait probability     p_W = 𝒜/(R + 𝒜)   (arrivals see time averages),
* answered if waiting  P(ans | W > 0) = (x/y)·(1 − 1/𝒜),
* abandon probability  P(ab) = p_W·(1 − P(ans | W > 0)),
* service level        SL(t) = P(answered and wait <= t) = (1 − p_W) + p_W·P(ans | W > 0)·(1 − D),
                       D = P(x + 1, y·w)/P(x + 1, y) (P the regularised lower incomplete gamma
                       function): a chat that leaves before it is answered never counts, whenever
                       it leaves; a chat that finds a free slot is answered at once (wait 0),
* answered service level  P(wait <= t | answered) = SL(t)/(1 − P(ab)),
* average speed of answer  ASA = p_W·E[V·e^(−θV) | W > 0]/(1 − P(ab)) (the mean wait of the
                       answered chats; E[V·e^(−θV) | W > 0] as in lib.queues.erlang_a),
* chats in service     L = Σ_m min(m, c)·π_m = (1 − p_W)·M/R + c·p_W; the **mean chats per
                       agent** is L/n and the **occupancy** L/(n·k), the share of the n·k chat
                       slots in use (with k = 1 the share of agents busy, Erlang A's carried
                       load / n). By Little's law the answered chats stay L/(λ·(1 − P(ab)))
                       seconds with their agent on average, longer than aht_s when e_j < 1.

Special cases (tests/test_chat_pool.py): k = 1 is Erlang A with n agents (φ(m) = m, x = n·κ);
e_j = 1 for every j is Erlang A with n·k agents (φ(m) = m, x = n·k·κ). No traffic (A = 0):
nobody waits, wait and abandon probability 0, both service levels 1, ASA 0, no chats in
service. Traffic and no agents: everybody waits and leaves: wait and abandon probability 1,
both service levels 0, ASA inf, no chats in service (occupancy 0).

What the chain assumes. The states below c are a birth–death chain only if the chats in
service stay spread as evenly as possible. Least-loaded routing keeps them so as chats
arrive, but a completion can leave one agent two chats below another (an agent holding ⌊m/n⌋
finishes one) until the next arrival fills the gap. The chain is exact when the pool then
moves a chat to even the loads (rebalancing), for one agent, and whenever g is linear (e_j = 1:
the completion rate is m·μ however the chats are spread). Where g is concave (each extra chat
adds less to the agent's rate, as with e = (1, 0.85, 0.7)) uneven loads finish chats more
slowly than even ones, so a pool without rebalancing holds and waits a little more than the
chain says. Above c nothing changes (every agent holds k chats), so the difference lies in
p_W alone; tests/test_chat_pool.py solves the pool's full Markov chain (how many agents hold
each number of chats, and the queue) for 2-12 agents with e = (1, 0.85, 0.7): where p_W is
1 % or more the chain's is up to 7 % too low (relative; more where waiting is rare), and its
service level is at most 0.6 percentage points too high. With chat work that is not exponential the
model is not insensitive (an FCFS queue with abandonment is not, and Long, Tezcan & Zhang
2024 find that the distributions matter in chat pools); the same tests measure that difference
by simulation (lib.queues.chat_simulation).

Numerics. R and M are summed state by state downward from c, each term the previous one
times φ(i)/A, held as a mantissa and a binary exponent (frexp/ldexp), so no load or pool size
overflows or underflows and the scaling adds no rounding: a term's relative error grows by at
most about two units in the last place per state (below 1e-12 for 3 000 states). Hours are
stepped together, in chunks of states (cumulative products), and an hour stops when a
geometric bound on the terms still below (their ratios are at most max_{i<=m} φ(i)/A < 1)
is under 2^−55 of its sum. 𝒜 and every quantity of the tail come from lib.queues.erlang_a's own
functions (incomplete gamma functions or their series, Loader's saddle-point pmf). Results
agree with 50-digit arithmetic (the chain summed state by state, the wait density
integrated, in mpmath) to better than 1e-12 relative, mostly 1e-14, for loads 0.01-1 000
Erlangs, patience 10 s - 1 h, k = 1-4 and up to 1 500 agents (tests/test_chat_pool.py
asserts 1e-9).

:func:`required_agents` is vectorised as lib.queues.erlang_a's: both service levels rise and the
occupancy falls with the number of agents (more agents spread the chats thinner, so every
chat is served at least as fast, and add slots; e_j non-increasing is what makes this so),
so "meets the target" is monotone in n; it starts every hour at a square-root staffing
guess, gallops down or up and bisects, touching only the hours still undecided. Every
decision uses the same code as the public functions.

References: T. Tezcan and J. Zhang (2014), Routing and staffing in customer service chat
systems with impatient customers, Operations Research 62(4):943-956; Z. Long, T. Tezcan and
J. Zhang (2024), Routing and staffing in customer service chat systems with generally
distributed service and patience times, Manufacturing & Service Operations Management
26(5):1674-1691.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, gammainc

from lib.queues import erlang, erlang_a
from lib.queues.erlang import OCCUPANCY_RTOL, _check, _out
from lib.queues.erlang_a import (
    _LOG_FLOOR,
    _SERIES_TOL,
    _TINY,
    _abandon_if_wait,
    _answered,
    _answered_wait,
    _Core,
    _kummer,
    _log_pmf,
    _service_levels,
)

__all__ = [
    "BASES",
    "abandon_probability",
    "answered_service_level",
    "average_speed_of_answer",
    "check_pool",
    "mean_chats_per_agent",
    "occupancy",
    "required_agents",
    "service_level",
    "wait_probability",
]

#: What the service level of :func:`required_agents` is counted on: all offered chats
#: (:func:`service_level`) or the answered ones (:func:`answered_service_level`).
BASES = erlang_a.BASES

# States summed per hour and round: the first round, and the most (the chunk doubles).
_FIRST_CHUNK = 32
_MAX_CHUNK = 512  # a cumulative product of 512 mantissas in [1/2, 1) stays a normal double
# Hours × states held at once in one round (memory stays O(this)).
_CHUNK_BUDGET = 1 << 16
# The binary exponent of "no sum yet": far below any first term's (t_{c−1} = φ(c)/A > 2^−1100).
_NO_EXPONENT = -(1 << 40)


# --------------------------------------------------------------------------------------
# The pool's parameters
# --------------------------------------------------------------------------------------
def check_pool(max_chats, efficiency) -> np.ndarray:
    """The completion rates g_j = j·e_j for j = 0..k (g_0 = 0) of a pool whose agents hold at
    most ``max_chats`` chats at the efficiencies ``efficiency`` (e_1..e_k), or ValueError.

    ``max_chats``: whole number k >= 1; ``efficiency``: k shares, e_1 = 1 >= e_2 >= … >= e_k > 0
    (each chat is worked on at the share e_j of full speed while its agent holds j chats).
    """
    whole = isinstance(max_chats, int | np.integer | float | np.floating) and not isinstance(max_chats, bool)
    if not whole or not np.isfinite(max_chats) or max_chats != int(max_chats) or max_chats < 1:
        raise ValueError(f"max_chats must be a whole number >= 1; got {max_chats!r}")
    k = int(max_chats)
    try:
        e = np.asarray(efficiency, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"efficiency must be a sequence of {k} numbers; got {efficiency!r}") from None
    if e.ndim != 1 or e.size != k:
        raise ValueError(f"efficiency must hold one share per chat, {k} for max_chats={k}; got {efficiency!r}")
    if not np.all(np.isfinite(e)) or e[0] != 1.0 or np.any(e <= 0) or np.any(np.diff(e) > 0):
        raise ValueError(
            "efficiency must start at 1 and never rise, staying above 0 "
            f"(1 = e_1 >= e_2 >= ... >= e_k > 0); got {efficiency!r}"
        )
    return np.concatenate(([0.0], np.arange(1.0, k + 1.0) * e))


# --------------------------------------------------------------------------------------
# The pool below full: R and M by states, in mantissa and exponent
# --------------------------------------------------------------------------------------
def _below(n: np.ndarray, a: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ln R, M/R): R = Σ_{m<c} t_m and M = Σ_{m<c} m·t_m, t_m = Π_{i=m+1..c} φ(i)/A, c = n·k,
    for whole n >= 1 and A > 0 (flat arrays); g = (g_0, …, g_k).

    Terms are held as mantissa × 2^exponent; a term is the one above times
    (φ(i)/a_m)·2^(−a_e) with A = a_m·2^(a_e). Each round takes a chunk of states for every
    hour still running: frexp of the factors, cumulative products of their mantissas (>= 2^−512
    for 512 states) and sums of their exponents, then the chunk's terms are added at the
    largest exponent so far. An hour stops at m = 0, or when the terms still below are
    provably negligible: their ratios are at most ρ = max_{i<=m} φ(i)/A, which for m in block
    q (q·n < m <= (q + 1)·n) is max(φ(m), n·max_{j<=q} g_j)/A; if ρ < 1 they add at most
    t_m·ρ/(1 − ρ), and the same bound times m bounds what they add to M (M/R >= m).
    """
    k = g.size - 1
    dg = np.diff(g)  # δ_q, q = 0..k−1
    gpre = np.maximum.accumulate(g)  # max_{j<=q} g_j
    size = n.size
    log_r, mean = np.empty(size), np.empty(size)
    am, ae = np.frexp(a)
    c = n * k
    # Per hour: the state m whose term is t_m (as tm·2^te), and R, M so far (as s0, s1 × 2^se).
    m = c.copy()
    tm, te = np.full(size, 0.5), np.ones(size, dtype=np.int64)  # t_c = 1
    s0, s1, se = np.zeros(size), np.zeros(size), np.full(size, _NO_EXPONENT, dtype=np.int64)
    todo = np.arange(size)
    chunk = _FIRST_CHUNK
    with np.errstate(under="ignore"):  # terms far below the largest flush to 0, as they may
        while todo.size:
            steps = int(min(chunk, m[todo].max()))
            rows = max(1, _CHUNK_BUDGET // steps)
            finished = []
            for lo in range(0, todo.size, rows):
                idx = todo[lo : lo + rows]
                done = _below_round(idx, steps, n, a, m, am, ae, tm, te, s0, s1, se, g, dg, gpre)
                finished.append(idx[done])
            if finished:
                stop = np.concatenate(finished)
                log_r[stop] = np.log(s0[stop]) + se[stop] * np.log(2.0)
                mean[stop] = s1[stop] / s0[stop]
                keep = np.ones(size, dtype=bool)
                keep[stop] = False
                todo = todo[keep[todo]]
            chunk = min(2 * chunk, _MAX_CHUNK)
    return log_r, mean


def _below_round(idx, steps, n, a, m, am, ae, tm, te, s0, s1, se, g, dg, gpre) -> np.ndarray:
    """One chunk of ``steps`` states for the hours ``idx`` (updates the state arrays in place);
    which of them are done."""
    nn, mm, a_m = n[idx, None], m[idx, None], am[idx, None]
    i = mm - np.arange(steps)  # factor φ(i)/A takes t_i to t_{i−1}
    valid = i >= 1
    iv = np.maximum(i, 1.0)
    q = np.floor((iv - 1.0) / nn)
    r = iv - q * nn
    qi = q.astype(np.intp)
    phi = nn * g[qi] + r * dg[qi]
    fm, fe = np.frexp(np.where(valid, phi / a_m, 1.0))
    fe = np.where(valid, fe.astype(np.int64) - ae[idx, None], 0)
    pm, pe = np.frexp(tm[idx, None] * np.cumprod(fm, axis=1))
    exps = te[idx, None] + np.cumsum(fe, axis=1) + pe  # term t_{i−1} = pm·2^exps
    top = np.maximum(se[idx], np.where(valid, exps, _NO_EXPONENT).max(axis=1))
    terms = np.ldexp(np.where(valid, pm, 0.0), np.where(valid, exps - top[:, None], 0))
    scale = np.ldexp(1.0, se[idx] - top)
    # Summed in order (cumsum, not the pairwise sum): an hour's result does not depend on how
    # many states the round holds, so it is the same whichever hours share the call.
    s0[idx] = s0[idx] * scale + np.cumsum(terms, axis=1)[:, -1]
    s1[idx] = s1[idx] * scale + np.cumsum(terms * (i - 1.0), axis=1)[:, -1]
    se[idx] = top
    last = valid.sum(axis=1) - 1  # the chunk's last term: t at the new m
    rows = np.arange(idx.size)
    m_new = mm[:, 0] - (last + 1)
    m[idx] = m_new
    tm[idx], te[idx] = pm[rows, last], exps[rows, last]
    # Stop where m = 0, or the rest is below the tolerance (see _below).
    nb, ab = nn[:, 0], a[idx]
    mv = np.maximum(m_new, 1.0)
    qb = np.floor((mv - 1.0) / nb)
    qbi = qb.astype(np.intp)
    bound = np.maximum(nb * g[qbi] + (mv - qb * nb) * dg[qbi], nb * gpre[qbi])  # ρ·A
    t_rel = np.ldexp(tm[idx], te[idx] - se[idx])
    small = (bound < ab) & (t_rel * bound <= _SERIES_TOL * s0[idx] * (ab - bound))
    return (m_new <= 0) | small


# --------------------------------------------------------------------------------------
# Exact formulas (n >= 1, A > 0, patience > 0 on flat float arrays)
# --------------------------------------------------------------------------------------
def _core(n: np.ndarray, a: np.ndarray, kappa: np.ndarray, g: np.ndarray) -> tuple[_Core, np.ndarray]:
    """lib.queues.erlang_a's core quantities for the pool (x = n·g_k·κ, y = A·κ, p_W from R and 𝒜),
    and the mean chats in service L."""
    k = g.size - 1
    x = n * g[k] * kappa
    y = np.maximum(a * kappa, _TINY)  # no underflow to 0 for loads of ~1e-308 Erlangs
    # 𝒜(x, y) and P(ans | W > 0), as lib.queues.erlang_a._core computes them
    lp = _log_pmf(x, y)  # ln(y^x e^−y / Γ(x + 1))
    log_y_x1 = np.log(y / (x + 1.0))
    gam = (lp + log_y_x1 > _LOG_FLOOR) | (y >= x)
    p1 = np.zeros(x.size)
    log_a1 = np.zeros(x.size)
    l1 = np.empty(x.size)  # ln(𝒜 − 1)
    p1[gam] = gammainc(x[gam] + 1.0, y[gam])
    l1[gam] = np.log(p1[gam]) - lp[gam]
    ser = ~gam
    if ser.any():
        log_a1[ser] = np.log(_kummer(x[ser] + 1.0, y[ser]))
        l1[ser] = log_y_x1[ser] + log_a1[ser]
    log_a = np.logaddexp(0.0, l1)
    answered = np.empty(x.size)  # P(ans | W > 0)
    answered[gam] = x[gam] / y[gam] * expit(l1[gam])  # (x/y)·(1 − 1/𝒜)
    if ser.any():
        answered[ser] = np.exp(np.log(x[ser] / (x[ser] + 1.0)) + log_a1[ser] - log_a[ser])
    # The pool below full
    log_r, mean_below = _below(n, a, g)
    d = log_a - log_r
    wait, no_wait = expit(d), expit(-d)
    # L = (1 − p_W)·M/R + p_W·c, as c − (1 − p_W)·(c − M/R) where p_W > 1/2: never above c.
    c = n * k
    in_service = np.where(wait <= 0.5, no_wait * mean_below + wait * c, c - no_wait * (c - mean_below))
    return _Core(x, y, wait, no_wait, answered, gam, p1, log_a1), in_service


def _inputs(agents, chats_per_hour, aht_s, patience_s, *target_s) -> list[np.ndarray]:
    """Checked, broadcast (agents, load in Erlangs, aht_s, patience_s[, target_s])."""
    arrays = [
        _check("agents", agents, whole=True),
        _check("chats_per_hour", chats_per_hour),
        _check("aht_s", aht_s),
        _check("patience_s", patience_s, low_open=True),
    ]
    arrays += [_check("target_s", t) for t in target_s]
    arrays = list(np.broadcast_arrays(*arrays))
    arrays[1] = arrays[1] * arrays[2] / 3600.0
    return arrays


def _pool(n, a, h, p, g) -> tuple[np.ndarray, _Core | None, np.ndarray]:
    """The hours with agents and chat work, their core quantities (None if there are none) and
    their mean chats in service."""
    ok = (n >= 1) & (a > 0)
    if not ok.any():
        return ok, None, np.zeros(0)
    c, in_service = _core(n[ok], a[ok], p[ok] / h[ok], g)
    return ok, c, in_service


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------
def wait_probability(agents, chats_per_hour, aht_s, patience_s, *, max_chats, efficiency):
    """Probability that a chat finds all n·k slots full (and queues), in the chat pool.

    ``agents``: whole number of agents (>= 0); ``chats_per_hour``: arrival rate (>= 0);
    ``aht_s``: mean handling time of a chat in seconds at one chat per agent (>= 0);
    ``patience_s``: mean patience of a waiting chat in seconds (> 0); ``max_chats``: the
    most chats an agent holds (k, whole >= 1); ``efficiency``: k shares
    1 = e_1 >= … >= e_k > 0, the speed at which each chat is worked on while its agent holds j
    (:func:`check_pool`). The first four broadcast; returns a probability in [0, 1]: 1 with
    traffic and no agents, 0 without chat work (chats_per_hour × aht_s = 0).
    """
    g = check_pool(max_chats, efficiency)
    n, a, h, p = _inputs(agents, chats_per_hour, aht_s, patience_s)
    out = np.where(a > 0, 1.0, 0.0)
    ok, c, _ = _pool(n, a, h, p, g)
    if c is not None:
        out[ok] = c.wait
    return _out(out)


def abandon_probability(agents, chats_per_hour, aht_s, patience_s, *, max_chats, efficiency):
    """Probability that a chat leaves the queue before an agent takes it, in the chat pool.

    Arguments as :func:`wait_probability`. Returns a probability in [0, 1]: 1 with traffic
    and no agents, 0 without chat work.
    """
    g = check_pool(max_chats, efficiency)
    n, a, h, p = _inputs(agents, chats_per_hour, aht_s, patience_s)
    out = np.where(a > 0, 1.0, 0.0)
    ok, c, _ = _pool(n, a, h, p, g)
    if c is not None:
        out[ok] = c.wait * _abandon_if_wait(c)
    return _out(out)


def service_level(agents, chats_per_hour, aht_s, patience_s, target_s, *, max_chats, efficiency):
    """Share of all offered chats answered (taken by an agent) within ``target_s`` seconds.

    A chat that finds a free slot is answered at once; one that waits counts if a slot frees
    for it within ``target_s``; one that leaves the queue never counts, however long it
    waited. Arguments as :func:`wait_probability`, and ``target_s``: answer-time target in
    seconds (>= 0, broadcasts). Returns a share in [0, 1]: 0 with traffic and no agents, 1
    without chat work.
    """
    g = check_pool(max_chats, efficiency)
    n, a, h, p, t = _inputs(agents, chats_per_hour, aht_s, patience_s, target_s)
    out = np.where(a > 0, 0.0, 1.0)
    ok, c, _ = _pool(n, a, h, p, g)
    if c is not None:
        out[ok] = _service_levels(c, t[ok] / p[ok])[0]
    return _out(out)


def answered_service_level(agents, chats_per_hour, aht_s, patience_s, target_s, *, max_chats, efficiency):
    """Share of the answered chats answered within ``target_s`` seconds:
    P(wait <= target_s | answered) = :func:`service_level` / (1 − abandon probability).

    Arguments as :func:`service_level`. Returns a share in [0, 1]: 0 with traffic and no
    agents (no chat is answered), 1 without chat work.
    """
    g = check_pool(max_chats, efficiency)
    n, a, h, p, t = _inputs(agents, chats_per_hour, aht_s, patience_s, target_s)
    out = np.where(a > 0, 0.0, 1.0)
    ok, c, _ = _pool(n, a, h, p, g)
    if c is not None:
        sl, answered = _service_levels(c, t[ok] / p[ok])
        out[ok] = sl / answered
    return _out(out)


def average_speed_of_answer(agents, chats_per_hour, aht_s, patience_s, *, max_chats, efficiency):
    """Mean wait in seconds of the answered chats (ASA), until an agent takes them.

    Arguments as :func:`wait_probability`. Returns seconds: inf with traffic and no agents
    (no chat is answered), 0 without chat work.
    """
    g = check_pool(max_chats, efficiency)
    n, a, h, p = _inputs(agents, chats_per_hour, aht_s, patience_s)
    out = np.where(a > 0, np.inf, 0.0)
    ok, c, _ = _pool(n, a, h, p, g)
    if c is not None:
        waited = c.wait > 0
        asa = np.zeros(c.x.size)
        if waited.any():
            theta_ewv = _answered_wait(c.x[waited], c.y[waited])  # θ·E[V e^(−θV) | W > 0]
            asa[waited] = c.wait[waited] * theta_ewv * p[ok][waited] / _answered(c)[waited]
        out[ok] = asa
    return _out(out)


def mean_chats_per_agent(agents, chats_per_hour, aht_s, patience_s, *, max_chats, efficiency):
    """Mean number of chats an agent holds (chats in service / agents; waiting chats are not
    held). Arguments as :func:`wait_probability`. Returns chats in [0, max_chats]: 0 with no
    agents or no chat work."""
    g = check_pool(max_chats, efficiency)
    n, a, h, p = _inputs(agents, chats_per_hour, aht_s, patience_s)
    out = np.zeros(a.shape)
    ok, c, in_service = _pool(n, a, h, p, g)
    if c is not None:
        out[ok] = in_service / n[ok]
    return _out(out)


def occupancy(agents, chats_per_hour, aht_s, patience_s, *, max_chats, efficiency):
    """Share of the n·k chat slots in use: :func:`mean_chats_per_agent` / ``max_chats``, the
    occupancy :func:`required_agents` caps (with k = 1 the share of agents busy, Erlang A's
    carried load / agents). Arguments as :func:`wait_probability`. Returns a share in [0, 1]:
    0 with no agents or no chat work."""
    g = check_pool(max_chats, efficiency)
    n, a, h, p = _inputs(agents, chats_per_hour, aht_s, patience_s)
    out = np.zeros(a.shape)
    ok, c, in_service = _pool(n, a, h, p, g)
    if c is not None:
        out[ok] = in_service / (n[ok] * (g.size - 1))
    return _out(out)


def required_agents(
    chats_per_hour,
    aht_s,
    patience_s,
    target_level,
    target_s,
    *,
    max_chats,
    efficiency,
    max_occupancy=1.0,
    min_agents=0,
    basis="offered",
):
    """Fewest agents (integer) meeting the service level and the occupancy cap, in the chat pool.

    ``chats_per_hour``: arrival rate (>= 0); ``aht_s``: mean handling time of a chat in
    seconds at one chat per agent (>= 0); ``patience_s``: mean patience of a waiting chat in
    seconds (> 0); ``target_level``: share to answer within ``target_s`` seconds, in (0, 1);
    ``max_chats``, ``efficiency``: the pool (:func:`wait_probability`); ``max_occupancy``:
    highest allowed share of the chat slots in use (:func:`occupancy`), in (0, 1];
    ``min_agents``: floor on the answer (whole number >= 0; e.g. an array with 1 where traffic
    > 0, else 0); ``basis``: ``"offered"`` counts the target on all offered chats
    (:func:`service_level`), ``"answered"`` on the answered ones (:func:`answered_service_level`).

    Returns ``max(n*, min_agents)`` where n* is the smallest n >= 1 with the service level
    >= ``target_level`` and ``occupancy(n) <= max_occupancy`` (up to
    :data:`lib.queues.erlang.OCCUPANCY_RTOL`); n* = 0 without chat work (offered load
    chats_per_hour × aht_s / 3600 = 0).
    All arguments except ``max_chats``, ``efficiency`` and ``basis`` broadcast; the result is
    an int64 array (a NumPy integer for scalar inputs). Conventions as
    :func:`lib.queues.erlang_a.required_agents`.
    """
    if not isinstance(basis, str) or basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}; got {basis!r}")
    g = check_pool(max_chats, efficiency)
    chats = _check("chats_per_hour", chats_per_hour)
    aht = _check("aht_s", aht_s)
    pat = _check("patience_s", patience_s, low_open=True)
    level = _check("target_level", target_level, low_open=True, high=1.0, high_open=True)
    t = _check("target_s", target_s)
    occ = _check("max_occupancy", max_occupancy, low_open=True, high=1.0)
    floor_n = _check("min_agents", min_agents, whole=True)
    args = (chats, aht, pat, level, t, occ, floor_n)
    return _out(erlang.blockwise(_solve_block, args, g=g, answered=basis == "answered"))


def _solve_block(chats, aht, pat, level, t, occ, floor_n, *, g: np.ndarray, answered: bool) -> np.ndarray:
    """required_agents on flat, equally long arrays (one block of hours)."""
    load = chats * aht / 3600.0
    n = np.zeros(load.shape)
    busy = np.flatnonzero(load > 0)
    if busy.size:
        a = load[busy]
        h, p = aht[busy], pat[busy]
        guess = np.ceil((a + np.sqrt(a)) / g[-1])  # square-root staffing on the full pool's capacity
        n[busy] = _search(guess, a, p / h, t[busy] / p, level[busy], occ[busy], g, answered)
    return np.maximum(n, floor_n).astype(np.int64)


def _meets(n, a, kappa, theta_t, lv, occ, g, answered: bool) -> np.ndarray:
    """Service level >= lv and occupancy <= occ (to OCCUPANCY_RTOL), for n >= 1, A > 0."""
    c, in_service = _core(n, a, kappa, g)
    sl, share = _service_levels(c, theta_t)
    if answered:
        sl = sl / share
    return (sl >= lv) & (in_service <= occ * n * (g.size - 1) * (1.0 + OCCUPANCY_RTOL))


def _search(guess, a, kappa, theta_t, lv, occ, g, answered: bool) -> np.ndarray:
    """Smallest n >= 1 with _meets(n) per hour (:func:`lib.queues.erlang_a.smallest_meeting`)."""

    def meets(idx, n):
        return _meets(n, a[idx], kappa[idx], theta_t[idx], lv[idx], occ[idx], g, answered)

    return erlang_a.smallest_meeting(guess, meets)
