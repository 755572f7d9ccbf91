"""Erlang C: waiting probability, service level, mean wait and staffing of an M/M/n queue.

The model (POD-rapport 7/2024, appendix B) treats every board and hour as an M/M/n queue:
calls arrive as a Poisson process (``calls_per_hour``), handling times are exponential with
mean ``aht_s`` seconds (talk time + after-call work), ``n`` identical agents serve one FIFO
queue, and nobody hangs up (no abandonment, no redials). The offered load in Erlangs is

    A = calls per hour × handling time (s) / 3600.

With ``n > A`` the queue is stable and

* Erlang B   ``B(n, A) = pmf(n; A) / cdf(n; A)`` (Poisson pmf / cdf with mean A),
* Erlang C   ``C(n, A) = n·B / (n − A + A·B)``, the probability that a caller waits,
* service level ``SL = 1 − C·exp(−(n − A)·t / AHT)``, the share answered within t seconds,
* average speed of answer ``ASA = C·AHT / (n − A)`` seconds.

With ``n ≤ A`` the queue grows without bound: C = 1, SL = 0 and ASA = inf. With no traffic
(``A = 0``) nobody waits: C = 0, SL = 1 and ASA = 0 for any number of agents.

Because nobody abandons, Erlang C overstates the staffing a real queue needs; the report
therefore uses it only for *relative* savings between concepts.

Numerics: no factorials or powers of the load. The Poisson pmf is evaluated in log space
(``gammaln``) and the cdf with the regularised upper incomplete gamma function
(``cdf(n; A) = Q(n + 1, A)``). ``1 − C`` and the service level are assembled without
cancellation; results agree with 50-digit arithmetic to within 2e-11 relative for loads
from 0.001 to 5 000 Erlangs (tests/test_erlang.py asserts 1e-9; the error grows slowly with
the agent count, from the log-space pmf). Values below the double range (agents far above
the load) flush to 0.

:func:`required_agents` is vectorised for millions of hours at once: it starts every hour
at the lower bound set by stability and the occupancy cap, decides most hours with cheap
rigorous bounds on the Poisson tail (falling back to the exact formula only near the
target), and searches upward (galloping, then bisection) only in the hours that still fail.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaincc, gammaln

__all__ = [
    "OCCUPANCY_RTOL",
    "average_speed_of_answer",
    "erlang_c",
    "occupancy_floor",
    "offered_load",
    "required_agents",
    "service_level",
]

#: Relative tolerance under which ``load / max_occupancy`` counts as a whole number, so that
#: e.g. load 8 at occupancy 0.8 needs exactly 10 agents even if the division gives 10.000…02.
OCCUPANCY_RTOL = 1e-9

# Margin (absolute, on the service level) for decisions taken from the tail bounds: a bound
# must clear the target by this much, far more than the rounding of either path (<= ~2e-11),
# so that every decision agrees with service_level() >= target_level.
_SL_MARGIN = 1e-9
# Terms of the Poisson tail series summed explicitly in the bounds (4 leaves ~0.05 % of
# hours to the exact formula).
_TAIL_TERMS = 4
# Largest agent count for which log n! is looked up from a table.
_TABLE_MAX = 1_000_000
# Hours per block in required_agents (cache-sized temporaries).
_BLOCK = 65_536


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------
def _first_bad(x: np.ndarray, bad: np.ndarray):
    """The first offending value, as a plain Python number, for an error message."""
    return x[bad].flat[0].item()


def _check(
    name: str,
    x,
    *,
    low: float = 0.0,
    low_open: bool = False,
    high: float | None = None,
    high_open: bool = False,
    whole: bool = False,
) -> np.ndarray:
    """``x`` as a float array, or ValueError naming ``name`` and the first offending value."""
    try:
        a = np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numeric; got {x!r}") from None
    bad = ~np.isfinite(a)
    if bad.any():
        raise ValueError(f"{name} must be finite; got {_first_bad(a, bad)!r}")
    bad = (a <= low) if low_open else (a < low)
    if high is not None:
        bad |= (a >= high) if high_open else (a > high)
    if bad.any():
        lo = "(" if low_open else "["
        hi = ")" if high_open else "]"
        rng = f"{lo}{low:g}, {high:g}{hi}" if high is not None else f"{'>' if low_open else '>='} {low:g}"
        what = f"in {rng}" if high is not None else rng
        raise ValueError(f"{name} must be {what}; got {_first_bad(a, bad)!r}")
    if whole:
        bad = a != np.floor(a)
        if bad.any():
            raise ValueError(f"{name} must be whole numbers; got {_first_bad(a, bad)!r}")
    return a


def _out(a: np.ndarray):
    """0-d arrays come back as NumPy scalars, others unchanged."""
    return a[()] if a.ndim == 0 else a


# --------------------------------------------------------------------------------------
# Exact formulas (n > A > 0 on flat float arrays)
# --------------------------------------------------------------------------------------
def _log_factorial(n: np.ndarray) -> np.ndarray:
    """log n! for whole-number n >= 0; the same gammaln values, looked up from a table of
    0..max(n) (ten times faster than gammaln per element when the agent counts are small)."""
    top = int(n.max()) if n.size else 0
    if top > _TABLE_MAX or n.size < 4 * top:
        return gammaln(n + 1.0)
    return gammaln(np.arange(1.0, top + 2.0))[n.astype(np.intp)]


def _log_poisson_pmf(n: np.ndarray, load: np.ndarray) -> np.ndarray:
    """log P(X = n) for X ~ Poisson(load), load > 0, n whole."""
    return n * np.log(load) - load - _log_factorial(n)


def _erlang_b(n: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Erlang B = Poisson pmf / Poisson cdf; cdf(n; A) = Q(n + 1, A) >= ~1/2 when n > A."""
    return np.exp(_log_poisson_pmf(n, load)) / gammaincc(n + 1.0, load)


def _c_and_complement(n: np.ndarray, load: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(C, 1 − C) for n > load > 0, both from non-negative terms (no cancellation)."""
    b = _erlang_b(n, load)
    gap = n - load  # exact in floating point when load is within a factor 2 of n
    denom = gap + load * b
    return n * b / denom, gap * (1.0 - b) / denom


def _sl_exact(n, load, aht_s, target_s):
    """Service level for n > load > 0, aht_s > 0.

    1 − C·exp(−x) with x = (n − A)·t/AHT while the waiting tail is at most 1/2 (rounding is
    then monotone in the agents); below that as (1 − C) + C·(1 − exp(−x)), which does not
    cancel when C is close to 1 and x close to 0.
    """
    c, one_minus_c = _c_and_complement(n, load)
    x = (n - load) * target_s / aht_s
    tail = c * np.exp(-x)
    return np.where(tail <= 0.5, 1.0 - tail, one_minus_c + c * -np.expm1(-x))


def _sl_bounds(n, load, aht_s, target_s):
    """Rigorous (lower, upper) bounds on the service level for n > load > 0, cheaply.

    cdf(n; A) = 1 − pmf(n)·S with S = Σ_{k≥1} Π_{i=1..k} A/(n + i). The first
    ``_TAIL_TERMS`` terms give S from below; the rest is at most a geometric series with
    ratio A/(n + K + 1) < 1. C increases with B = pmf/cdf, and SL decreases with C.
    """
    p = np.exp(_log_poisson_pmf(n, load))
    u = load / (n + 1.0)
    s = u.copy()
    for i in range(2, _TAIL_TERMS + 1):
        u = u * (load / (n + i))
        s += u
    r = load / (n + (_TAIL_TERMS + 1.0))
    s_hi = s + u * r / (1.0 - r)
    gap = n - load
    cdf_lo = 1.0 - p * s_hi
    safe = cdf_lo > 0  # else the bound says nothing: C may be up to 1
    b_hi = p / np.where(safe, cdf_lo, 1.0)
    c_hi = np.where(safe, np.minimum(n * b_hi / (gap + load * b_hi), 1.0), 1.0)
    b_lo = p / (1.0 - p * s)
    c_lo = n * b_lo / (gap + load * b_lo)
    keep = -np.expm1(-gap * target_s / aht_s)  # 1 − exp(−(n − A)t/AHT)
    # SL = 1 − C·(1 − keep); written as (1 − C) + C·keep it never cancels.
    return (1.0 - c_hi) + c_hi * keep, (1.0 - c_lo) + c_lo * keep


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------
def offered_load(calls_per_hour, aht_s):
    """Offered load in Erlangs: calls per hour × handling time (s) / 3600."""
    calls = _check("calls_per_hour", calls_per_hour)
    aht = _check("aht_s", aht_s)
    return _out(calls * aht / 3600.0)


def erlang_c(agents, load):
    """Probability that a caller waits (Erlang C), for ``agents`` agents and ``load`` Erlangs.

    ``agents``: whole number of agents (>= 0); ``load``: offered load in Erlangs
    (calls per hour × handling time in seconds / 3600). Broadcasts; returns a probability
    in [0, 1]: 1 when agents <= load (unstable queue), 0 when load is 0.
    """
    n = _check("agents", agents, whole=True)
    a = _check("load", load)
    n, a = np.broadcast_arrays(n, a)
    out = np.where(a > 0, 1.0, 0.0)
    ok = n > a
    ok &= a > 0
    if ok.any():
        out[ok] = _c_and_complement(n[ok], a[ok])[0]
    return _out(out)


def service_level(agents, load, aht_s, target_s):
    """Share of calls answered within ``target_s`` seconds: 1 − C·exp(−(n − A)·t / AHT).

    ``agents``: whole number of agents; ``load``: Erlangs; ``aht_s``: mean handling time in
    seconds (> 0 where load > 0); ``target_s``: answer-time target in seconds (>= 0).
    Broadcasts; returns a share in [0, 1]: 0 when agents <= load, 1 when load is 0.
    """
    n = _check("agents", agents, whole=True)
    a = _check("load", load)
    h = _check("aht_s", aht_s)
    t = _check("target_s", target_s)
    n, a, h, t = np.broadcast_arrays(n, a, h, t)
    _check_aht_with_load(h, a)
    out = np.where(a > 0, 0.0, 1.0)
    ok = (n > a) & (a > 0)
    if ok.any():
        out[ok] = _sl_exact(n[ok], a[ok], h[ok], t[ok])
    return _out(out)


def average_speed_of_answer(agents, load, aht_s):
    """Mean wait of all callers in seconds (ASA): C·AHT / (n − A).

    ``agents``: whole number of agents; ``load``: Erlangs; ``aht_s``: mean handling time in
    seconds (> 0 where load > 0). Broadcasts; returns seconds: inf when agents <= load,
    0 when load is 0.
    """
    n = _check("agents", agents, whole=True)
    a = _check("load", load)
    h = _check("aht_s", aht_s)
    n, a, h = np.broadcast_arrays(n, a, h)
    _check_aht_with_load(h, a)
    out = np.where(a > 0, np.inf, 0.0)
    ok = (n > a) & (a > 0)
    if ok.any():
        nk, ak = n[ok], a[ok]
        out[ok] = _c_and_complement(nk, ak)[0] * h[ok] / (nk - ak)
    return _out(out)


def _check_aht_with_load(h: np.ndarray, a: np.ndarray) -> None:
    bad = (h == 0) & (a > 0)
    if bad.any():
        raise ValueError(
            f"aht_s must be > 0 where load > 0; got {_first_bad(h, bad)!r} with load {_first_bad(a, bad)!r}"
        )


def occupancy_floor(load, max_occupancy):
    """Fewest agents keeping load / agents <= max_occupancy (0 for no load).

    ``load``: Erlangs; ``max_occupancy``: share in (0, 1]. ``load / max_occupancy`` within
    :data:`OCCUPANCY_RTOL` (relative) of a whole number counts as that number, so
    floating-point noise in the inputs (8 / 0.8 = 10.000…) never adds an agent.
    """
    a = _check("load", load)
    occ = _check("max_occupancy", max_occupancy, low_open=True, high=1.0)
    return _out(_occupancy_floor(*np.broadcast_arrays(a, occ)))


def _occupancy_floor(a: np.ndarray, occ: np.ndarray) -> np.ndarray:
    q = a / occ
    r = np.rint(q)
    return np.where(np.abs(q - r) <= OCCUPANCY_RTOL * r, r, np.ceil(q))


def required_agents(calls_per_hour, aht_s, target_level, target_s, max_occupancy=1.0, min_agents=0):
    """Fewest agents (integer) meeting the service level and the occupancy cap.

    ``calls_per_hour``: arrival rate (calls per hour, >= 0); ``aht_s``: mean handling time in
    seconds (>= 0); ``target_level``: share to answer within ``target_s`` seconds, in (0, 1);
    ``max_occupancy``: highest allowed load / agents, in (0, 1]; ``min_agents``: floor on the
    answer (whole number >= 0; e.g. an array with 1 where traffic > 0, else 0).

    Returns ``max(n*, min_agents)`` where n* is the smallest n with n > A,
    ``service_level(n, A, aht_s, target_s) >= target_level`` and ``A / n <= max_occupancy``
    (up to :data:`OCCUPANCY_RTOL`); n* = 0 when there is no traffic. All arguments
    broadcast; the result is an int64 array (a NumPy integer for scalar inputs).
    """
    calls = _check("calls_per_hour", calls_per_hour)
    aht = _check("aht_s", aht_s)
    level = _check("target_level", target_level, low_open=True, high=1.0, high_open=True)
    t = _check("target_s", target_s)
    occ = _check("max_occupancy", max_occupancy, low_open=True, high=1.0)
    floor_n = _check("min_agents", min_agents, whole=True)
    return _out(blockwise(_solve_block, (calls, aht, level, t, occ, floor_n)))


def blockwise(solve_block, args: tuple[np.ndarray, ...], block: int = _BLOCK, **options) -> np.ndarray:
    """``solve_block(*flat_args, **options)`` over the broadcast shape of ``args``, block by
    block, as an int64 array of that shape: the temporaries stay in the CPU cache (about twice
    as fast as whole-array passes over 4 M hours) and memory stays O(block)."""
    shape = np.broadcast_shapes(*(x.shape for x in args))
    size = int(np.prod(shape))
    # Full-size inputs as flat views; scalars stay one element and broadcast per block.
    flat = [x.reshape(1) if x.size == 1 else np.broadcast_to(x, shape).ravel() for x in args]
    out = np.empty(size, dtype=np.int64)
    for start in range(0, size, block):
        stop = min(start + block, size)
        out[start:stop] = solve_block(
            *(x[start:stop] if x.size > 1 else np.broadcast_to(x, (stop - start,)) for x in flat), **options
        )
    return out.reshape(shape)


def _solve_block(calls, aht, level, t, occ, floor_n) -> np.ndarray:
    """required_agents on flat, equally long arrays (one block of hours)."""
    load = offered_load(calls, aht)
    n = np.zeros(load.shape)
    busy = np.flatnonzero(load > 0)
    if busy.size:
        a = load[busy]
        start = np.maximum(np.floor(a) + 1.0, _occupancy_floor(a, occ[busy]))
        n[busy] = _search(start, a, aht[busy], level[busy], t[busy])
    return np.maximum(n, floor_n).astype(np.int64)


def _meets(n, a, h, lv, tt) -> np.ndarray:
    """service_level(n, a, h, tt) >= lv, for n > a > 0: bounds first, exact where unsure."""
    lo, hi = _sl_bounds(n, a, h, tt)
    ok = lo >= lv + _SL_MARGIN
    unsure = ~ok & (hi >= lv - _SL_MARGIN)
    if unsure.any():
        ok[unsure] = _sl_exact(n[unsure], a[unsure], h[unsure], tt[unsure]) >= lv[unsure]
    return ok


def _search(start, a, h, lv, tt) -> np.ndarray:
    """Smallest n >= start with _meets(n); start is a lower bound (stability, occupancy).

    Service level rises with n, so the hours failing at ``start`` gallop upward
    (start + 1, + 2, + 4, …) until they pass, then bisect the last gap; every round touches
    only the hours still undecided.
    """
    n = start.copy()
    fail = np.flatnonzero(~_meets(n, a, h, lv, tt))
    if not fail.size:
        return n
    lo = n[fail]  # known to fail
    hi = np.full(fail.size, np.inf)  # known to pass
    step = np.ones(fail.size)
    todo = np.arange(fail.size)
    while todo.size:  # galloping
        idx = fail[todo]
        cand = lo[todo] + step[todo]
        ok = _meets(cand, a[idx], h[idx], lv[idx], tt[idx])
        hi[todo[ok]] = cand[ok]
        lo[todo[~ok]] = cand[~ok]
        step[todo[~ok]] *= 2.0
        todo = todo[~ok]
    todo = np.flatnonzero(hi - lo > 1)
    while todo.size:  # bisection on (lo, hi]
        idx = fail[todo]
        mid = np.floor((lo[todo] + hi[todo]) / 2.0)
        ok = _meets(mid, a[idx], h[idx], lv[idx], tt[idx])
        hi[todo[ok]] = mid[ok]
        lo[todo[~ok]] = mid[~ok]
        todo = todo[hi[todo] - lo[todo] > 1]
    n[fail] = hi
    return n
