"""lib.queues.erlang_a against 50-digit mpmath (the birth–death chain summed, the wait densities
integrated), hand values, lib.queues.erlang in the limit of infinite patience, and properties."""

from __future__ import annotations

import itertools
import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.queues import erlang as E
from lib.queues import erlang_a as EA

pytestmark = pytest.mark.filterwarnings("error")  # no overflow/underflow/NaN warnings anywhere

REL = 1e-9
TARGETS = (0.0, 20.0, 95.0)


# --------------------------------------------------------------------------------------
# Independent reference: the birth–death chain and the wait densities in 50 digits
# --------------------------------------------------------------------------------------
_DROPS = (1.0, 3.0, 9.0, 27.0, 81.0, 300.0)


def _solve(f, lo: float, hi: float, level: float) -> float:
    """s in [lo, hi] with f(s) = level, f monotone there (bisection in floats)."""
    f_lo = f(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if (f(mid) > level) == (f_lo > level):
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _panels(lo: float, hi: float, x1: float, y: float) -> tuple[list[float], float]:
    """Panel ends in [lo, hi] where g(s) = −(x + 1)s + y(1 − e^−s) is 1, 3, 9, … below its
    maximum there (so that the integrand varies smoothly on each panel), and the argmax."""

    def g(s):
        return -x1 * s - y * math.expm1(-s)

    peak = max(math.log(y / x1), lo) if y > x1 else lo
    peak = min(peak, hi)
    top = g(peak)
    pts = {lo, peak, hi}
    for d in _DROPS:
        if peak > lo and g(lo) < top - d:
            pts.add(_solve(g, lo, peak, top - d))
        end = hi
        if hi == math.inf:
            end = peak + 1.0
            while g(end) > top - d:
                end = peak + 2 * (end - peak)
        elif g(hi) >= top - d:
            continue
        pts.add(_solve(g, peak, end, top - d))
    return sorted(pts), peak


def _reference(n: int, load: float, aht_s: float, patience_s: float, targets=TARGETS) -> dict:
    """Erlang A in 50 digits, independently of lib.queues.erlang_a's incomplete-gamma formulas.

    The stationary distribution of the chain (birth rate λ, death rate min(k, n)μ +
    max(k − n, 0)θ) is summed state by state up to where the terms fall below 1e-60 of the
    sum: wait probability P(k >= n) and, by Little's law, abandon probability θ·E[queue]/λ.
    The wait-time measures integrate, with mpmath.quad, the density of s = θV (V the offered
    wait) of a call that waits, (x/𝒜)·e^(−xs + y(1 − e^−s)) with 𝒜 the chain's own sum,
    times the chance e^−s of being answered; the integral over all s must reproduce the
    chain's abandon probability (``check``).
    """
    with mp.workdps(50):
        A, h, p = mp.mpf(load), mp.mpf(aht_s), mp.mpf(patience_s)
        x, y = n * p / h, A * p / h  # nμ/θ and λ/θ
        below, term = mp.mpf(0), mp.mpf(1)  # Σ_{k<n} π_k/π_n
        for k in range(n, 0, -1):
            term = term * k / A
            below += term
        queue, queued, a_j, j = mp.mpf(1), mp.mpf(0), mp.mpf(1), 0  # Σ_j π_{n+j}/π_n, Σ_j j·π_{n+j}/π_n
        while True:
            j += 1
            a_j = a_j * y / (x + j)
            queue += a_j
            queued += j * a_j
            if x + j > y and a_j < mp.mpf(10) ** -60 * queue:
                break
        total = below + queue
        wait = queue / total
        abandon = queued / (y * total)

        def g(s):
            return -(x + 1) * s + y * (1 - mp.exp(-s))

        exact_ends = {float(mp.mpf(t) / p): mp.mpf(t) / p for t in targets}

        def integral(lo: float, hi: float, power: int):
            # scaled by the integrand's maximum on [lo, hi]: mpmath.quad's error control is absolute
            pts, peak = _panels(lo, hi, float(x + 1), float(y))
            g0 = g(mp.mpf(peak))
            ends = [mp.inf if q == math.inf else exact_ends.get(q, mp.mpf(q)) for q in pts]
            val = mp.quad(lambda s: s**power * mp.exp(g(s) - g0), ends, method="gauss-legendre")
            return val * mp.exp(g0) * x / queue

        cuts = [*sorted(set(exact_ends) | {0.0}), math.inf]
        pieces = [integral(lo, hi, 0) for lo, hi in itertools.pairwise(cuts)]
        answered = 1 - abandon
        sl = []
        for t in targets:
            tt = float(mp.mpf(t) / p)
            within = mp.fsum(pc for pc, lo in zip(pieces, cuts[:-1], strict=True) if lo < tt)
            sl.append(below / total + wait * within)
        asa = wait * integral(0.0, math.inf, 1) * p / answered
        return {
            "wait": wait,
            "abandon": abandon,
            "sl": sl,
            "answered_sl": [s / answered for s in sl],
            "asa": asa,
            "check": abs(wait * (1 - mp.fsum(pieces)) / abandon - 1) if abandon > 0 else mp.mpf(0),
        }


# (agents, load in Erlangs, AHT s, patience s): loads 0.01-1 000 Erlangs, patience 10 s - 1 h,
# up to 2 000 agents, from far more agents than load to loads far above the agents.
CASES = [
    (1, 0.01, 180.0, 60.0),
    (2, 0.01, 300.0, 3600.0),
    (1, 0.5, 120.0, 300.0),
    (3, 2.0, 180.0, 10.0),
    (2, 3.5, 240.0, 90.0),  # load above the agents
    (5, 3.0, 150.0, 200.0),
    (14, 10.0, 180.0, 120.0),
    (8, 12.0, 600.0, 60.0),  # load above the agents
    (1, 30.0, 300.0, 600.0),  # load far above the agents (closed form of the answered wait)
    (5, 50.0, 120.0, 600.0),  # load far above the agents (closed form of the answered wait)
    (30, 12.0, 60.0, 3600.0),
    (40, 35.0, 240.0, 1800.0),
    (60, 50.0, 120.0, 600.0),
    (100, 90.0, 180.0, 3600.0),
    (250, 300.0, 180.0, 3600.0),  # load above the agents, long patience
    (200, 140.0, 300.0, 45.0),
    (520, 500.0, 120.0, 240.0),
    (1200, 1000.0, 60.0, 300.0),
    (600, 1000.0, 600.0, 60.0),  # load above the agents
    (1040, 1000.0, 180.0, 3600.0),
    (2000, 1000.0, 180.0, 3600.0),
    (2000, 1900.0, 120.0, 3600.0),
]


@pytest.fixture(scope="module")
def reference():
    return {case: _reference(*case) for case in CASES}


def _worst(got, want) -> float:
    """Largest relative error; a reference below the double range must flush to (near) zero."""
    worst = 0.0
    for g, w in zip(np.atleast_1d(got), want, strict=True):
        w = float(w)
        if w < 1e-300:
            assert g < 1e-290, (g, w)
            continue
        worst = max(worst, abs(g - w) / w)
    return worst


def _columns():
    n, a, h, p = (np.array(c) for c in zip(*CASES, strict=True))
    return n, a, h, p


def test_reference_is_self_consistent(reference):
    # The integrated wait density reproduces the chain's abandon probability (Little's law).
    for case, r in reference.items():
        assert r["check"] < mp.mpf(10) ** -40, case


def test_wait_and_abandon_probability_match_the_chain(reference):
    n, a, h, p = _columns()
    assert _worst(EA.wait_probability(n, a, h, p), [r["wait"] for r in reference.values()]) < REL
    assert _worst(EA.abandon_probability(n, a, h, p), [r["abandon"] for r in reference.values()]) < REL
    carried = EA.carried_load(n, a, h, p)
    assert _worst(carried, [a_ * (1 - r["abandon"]) for a_, r in zip(a, reference.values(), strict=True)]) < REL


@pytest.mark.parametrize("k, t", list(enumerate(TARGETS)))
def test_service_levels_match_integrals(reference, k, t):
    n, a, h, p = _columns()
    assert _worst(EA.service_level(n, a, h, p, t), [r["sl"][k] for r in reference.values()]) < REL
    assert _worst(EA.answered_service_level(n, a, h, p, t), [r["answered_sl"][k] for r in reference.values()]) < REL


def test_average_speed_of_answer_matches_integral(reference):
    n, a, h, p = _columns()
    assert _worst(EA.average_speed_of_answer(n, a, h, p), [r["asa"] for r in reference.values()]) < REL


# --------------------------------------------------------------------------------------
# Hand-checkable values
# --------------------------------------------------------------------------------------
def _poisson_tail(k: int, mean: float) -> float:
    """P(N >= k) for N ~ Poisson(mean), k >= 0."""
    return 1.0 - sum(math.exp(-mean) * mean**i / math.factorial(i) for i in range(k))


@pytest.mark.parametrize("n, load", [(1, 0.5), (1, 3.0), (3, 2.0), (5, 8.0), (10, 7.5)])
def test_patience_equal_to_handling_time_is_m_m_infinity(n, load):
    # With θ = μ every call in the system leaves at rate μ (served or hanging up), so the
    # number in the system is Poisson(load), as in M/M/∞: P(wait) = P(N >= n), the queue
    # E[(N − n)^+] = load·P(N >= n − 1) − n·P(N >= n), and P(abandon) = θ·E[queue]/λ = E[queue]/load.
    aht = 180.0
    queue = load * _poisson_tail(n - 1, load) - n * _poisson_tail(n, load)
    assert EA.wait_probability(n, load, aht, aht) == pytest.approx(_poisson_tail(n, load), rel=1e-12)
    assert EA.abandon_probability(n, load, aht, aht) == pytest.approx(queue / load, rel=1e-10)
    assert EA.carried_load(n, load, aht, aht) == pytest.approx(load - queue, rel=1e-12)


def test_single_agent_hand_values():
    # M/M/1+M: a call that waits has one call in service and j queued ahead. With a tiny
    # load it finds at most the one in service: P(wait) ≈ A, it hangs up before that call
    # ends with probability θ/(θ + μ), and if answered it waited E[V e^−θV]/E[e^−θV]
    # = 1/(μ + θ), V ~ Exp(μ).
    A, aht, pat = 1e-9, 180.0, 60.0
    mu, theta = 1 / aht, 1 / pat
    assert EA.wait_probability(1, A, aht, pat) == pytest.approx(A, rel=1e-8)
    assert EA.abandon_probability(1, A, aht, pat) == pytest.approx(A * theta / (theta + mu), rel=1e-8)
    asa = A * (mu / (mu + theta) ** 2) / (1 - A * theta / (theta + mu))
    assert EA.average_speed_of_answer(1, A, aht, pat) == pytest.approx(asa, rel=1e-8)
    # answered within t: P(V <= t, V < τ) = μ/(μ + θ)·(1 − e^−(μ+θ)t)
    t = 20.0
    sl = (1 - A) + A * mu / (mu + theta) * -math.expm1(-(mu + theta) * t)
    assert EA.service_level(1, A, aht, pat, t) == pytest.approx(sl, rel=1e-14)


def test_no_traffic_and_no_agents():
    for n in (0, 1, 5):
        assert EA.wait_probability(n, 0.0, 180, 60) == 0.0
        assert EA.abandon_probability(n, 0.0, 180, 60) == 0.0
        assert EA.service_level(n, 0.0, 180, 60, 20) == 1.0
        assert EA.answered_service_level(n, 0.0, 180, 60, 20) == 1.0
        assert EA.average_speed_of_answer(n, 0.0, 180, 60) == 0.0
        assert EA.carried_load(n, 0.0, 180, 60) == 0.0
    assert EA.wait_probability(0, 2.0, 180, 60) == 1.0
    assert EA.abandon_probability(0, 2.0, 180, 60) == 1.0
    assert EA.service_level(0, 2.0, 180, 60, 20) == 0.0
    assert EA.answered_service_level(0, 2.0, 180, 60, 20) == 0.0
    assert EA.average_speed_of_answer(0, 2.0, 180, 60) == math.inf
    assert EA.carried_load(0, 2.0, 180, 60) == 0.0
    assert EA.required_agents(0, 180, 60, 0.8, 20, 0.8) == 0
    assert EA.required_agents(120, 0, 60, 0.8, 20, 0.8) == 0


def test_loads_above_the_agents_are_stable():
    # With abandonment the queue is stable for any n >= 1: finite, sensible values.
    n, A = 10, 40.0
    pw, pab = EA.wait_probability(n, A, 180, 120), EA.abandon_probability(n, A, 180, 120)
    assert 0.99 < pw < 1 and 0.7 < pab < 0.8  # about 1 − n/A = 75 % hang up
    assert EA.carried_load(n, A, 180, 120) == pytest.approx(A * (1 - pab), rel=1e-12)
    assert 0 < EA.service_level(n, A, 180, 120, 20) < 0.1
    assert math.isfinite(EA.average_speed_of_answer(n, A, 180, 120))


def test_scalar_in_scalar_out_and_broadcasting():
    v = EA.wait_probability(3, 2.0, 180, 60)
    assert np.ndim(v) == 0 and isinstance(v, float)
    r = EA.required_agents(200, 180, 120, 0.8, 20)
    assert np.ndim(r) == 0 and isinstance(r, np.integer)
    grid = EA.required_agents(np.array([[0.0], [100.0], [300.0]]), np.array([120.0, 180.0]), 90.0, 0.8, 20.0, 0.8)
    assert grid.shape == (3, 2) and grid.dtype == np.int64
    for i, c in enumerate([0.0, 100.0, 300.0]):
        for j, h in enumerate([120.0, 180.0]):
            assert grid[i, j] == EA.required_agents(c, h, 90.0, 0.8, 20.0, 0.8)
    assert EA.service_level(np.arange(1, 6), 0.5, 180, 60, np.array([[20.0], [95.0]])).shape == (2, 5)
    assert EA.average_speed_of_answer(np.arange(0, 4)[:, None], [0.0, 2.0], 180, 60).shape == (4, 2)


def test_min_agents_mirrors_lib_erlang():
    # As lib.queues.erlang.required_agents: the answer is max(n*, min_agents) everywhere, the hours
    # without traffic included; pass 1 where traffic > 0, else 0, to keep those at 0.
    calls = np.array([0.0, 0.5, 30.0, 300.0])
    base = EA.required_agents(calls, 180, 120, 0.8, 95, 0.8)
    assert base.tolist()[0] == 0 and base[1] >= 1
    assert EA.required_agents(calls, 180, 120, 0.8, 95, 0.8, min_agents=2).tolist() == np.maximum(base, 2).tolist()
    floor = np.where(calls > 0, 1, 0)
    got = EA.required_agents(calls, 180, 120, 0.8, 95, 0.8, min_agents=floor)
    assert got.tolist() == np.maximum(base, floor).tolist()
    assert EA.required_agents(calls, 180, 120, 0.8, 95, 0.8, min_agents=50).tolist() == [50, 50, 50, 50]
    assert E.required_agents(calls, 180, 0.8, 95, 0.8, min_agents=50).tolist() == [50, 50, 50, 50]


def test_textbook_example_needs_fewer_agents_than_erlang_c():
    # 200 calls/h × 180 s = 10 Erlangs, 80/20: Erlang C needs 14. Callers who hang up after
    # 2 min on average shorten the queue; counted on answered calls fewer agents suffice.
    assert E.required_agents(200, 180, 0.8, 20) == 14
    offered = int(EA.required_agents(200, 180, 120, 0.8, 20))
    answered = int(EA.required_agents(200, 180, 120, 0.8, 20, basis="answered"))
    assert answered <= offered <= 14
    assert EA.service_level(offered, 10.0, 180, 120, 20) >= 0.8 > EA.service_level(offered - 1, 10.0, 180, 120, 20)
    sla = EA.answered_service_level
    assert sla(answered, 10.0, 180, 120, 20) >= 0.8 > sla(answered - 1, 10.0, 180, 120, 20)


def test_occupancy_cap_counts_the_carried_load():
    # 8 Erlangs with patience 10 s and a loose target: the 80 % cap decides. Counted on the
    # carried load (some callers hang up) fewer than the 10 agents of 8 / 0.8 are needed.
    n = int(EA.required_agents(160, 180, 10, 0.2, 600, 0.8))
    carried = EA.carried_load(np.array([n - 1, n]), 8.0, 180, 10)
    assert carried[1] / n <= 0.8 < carried[0] / (n - 1)
    assert n < 10 == E.occupancy_floor(8.0, 0.8)


def test_large_loads_are_finite_and_sensible():
    # 1 000 Erlangs (60 000 calls/h × 60 s), callers patient for an hour: close to Erlang C.
    n = int(EA.required_agents(60_000, 60, 3600, 0.8, 20))
    assert 1_000 - 3 * math.sqrt(1_000) < n <= E.required_agents(60_000, 60, 0.8, 20)
    assert EA.service_level(n - 1, 1000.0, 60, 3600, 20) < 0.8 <= EA.service_level(n, 1000.0, 60, 3600, 20)
    # The 80 % cap on the carried load decides at this size.
    n = int(EA.required_agents(60_000, 60, 3600, 0.8, 20, 0.8))
    carried = EA.carried_load(np.array([n - 1, n]), 1000.0, 60, 3600)
    assert carried[1] / n <= 0.8 < carried[0] / (n - 1)


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------
GOOD = {
    "calls_per_hour": 100.0,
    "aht_s": 180.0,
    "patience_s": 120.0,
    "target_level": 0.8,
    "target_s": 20.0,
    "max_occupancy": 0.8,
    "min_agents": 1,
}


@pytest.mark.parametrize(
    "name, bad",
    [
        ("calls_per_hour", -1.0),
        ("calls_per_hour", math.nan),
        ("aht_s", -0.5),
        ("aht_s", math.inf),
        ("patience_s", 0.0),
        ("patience_s", -30.0),
        ("patience_s", math.inf),
        ("target_level", 0.0),
        ("target_level", 1.0),
        ("target_s", -3.0),
        ("max_occupancy", 0.0),
        ("max_occupancy", 1.5),
        ("min_agents", -1),
        ("min_agents", 1.5),
    ],
)
def test_required_agents_rejects_bad_arguments(name, bad):
    kw = dict(GOOD, **{name: np.array([GOOD[name], bad])})
    with pytest.raises(ValueError) as err:
        EA.required_agents(**kw)
    msg = str(err.value)
    assert name in msg and repr(float(bad)) in msg


@pytest.mark.parametrize("basis", ["Offered", "all", None, 1])
def test_required_agents_rejects_unknown_basis(basis):
    with pytest.raises(ValueError, match="basis") as err:
        EA.required_agents(100, 180, 120, 0.8, 20, basis=basis)
    assert repr(basis) in str(err.value)


@pytest.mark.parametrize(
    "func, args, name, bad",
    [
        (EA.wait_probability, (-1, 2.0, 180.0, 60.0), "agents", -1.0),
        (EA.wait_probability, (2.5, 2.0, 180.0, 60.0), "agents", 2.5),
        (EA.abandon_probability, (3, -2.0, 180.0, 60.0), "load", -2.0),
        (EA.abandon_probability, (3, 2.0, 180.0, 0.0), "patience_s", 0.0),
        (EA.service_level, (3, 2.0, 180.0, 60.0, -20.0), "target_s", -20.0),
        (EA.service_level, (3, 2.0, 0.0, 60.0, 20.0), "aht_s", 0.0),
        (EA.answered_service_level, (3, 2.0, 180.0, math.nan, 20.0), "patience_s", math.nan),
        (EA.average_speed_of_answer, (math.inf, 2.0, 180.0, 60.0), "agents", math.inf),
        (EA.carried_load, (3, 2.0, math.nan, 60.0), "aht_s", math.nan),
    ],
)
def test_measures_reject_bad_arguments(func, args, name, bad):
    with pytest.raises(ValueError) as err:
        func(*args)
    assert name in str(err.value) and repr(float(bad)) in str(err.value)


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------
loads = st.floats(min_value=1e-3, max_value=500.0)
aht_st = st.floats(min_value=30.0, max_value=900.0)
pat_st = st.floats(min_value=10.0, max_value=3600.0)
time_st = st.floats(min_value=0.0, max_value=600.0)
calls_st = st.floats(min_value=0.0, max_value=2_000.0)
level_st = st.floats(min_value=0.05, max_value=0.99)
occ_st = st.floats(min_value=0.3, max_value=1.0)

ULP = 2e-15  # monotone up to the last bits of rounding (a few units in the last place)


@settings(max_examples=150, deadline=None)
@given(a=loads, h=aht_st, p=pat_st, t=time_st, start=st.integers(0, 40), extra=st.integers(1, 60))
def test_more_agents_less_waiting_and_abandoning_higher_service(a, h, p, t, start, extra):
    n = np.arange(max(int(a) - start, 0), int(a) + extra)
    pw, pab = EA.wait_probability(n, a, h, p), EA.abandon_probability(n, a, h, p)
    sl, sla = EA.service_level(n, a, h, p, t), EA.answered_service_level(n, a, h, p, t)
    asa = EA.average_speed_of_answer(n, a, h, p)
    for falls in (pw, pab, asa):
        assert np.all(falls[1:] <= falls[:-1] * (1 + ULP))
    for rises in (sl, sla):
        assert np.all(rises[1:] >= rises[:-1] * (1 - ULP))
    for v in (pw, pab, sl, sla):
        assert np.all((v >= 0) & (v <= 1))
    busy = n[n > 0]
    occupancy = EA.carried_load(busy, a, h, p) / busy  # the cap of required_agents
    assert np.all(occupancy[1:] <= occupancy[:-1] * (1 + ULP))


@settings(max_examples=150, deadline=None)
@given(a=loads, h=aht_st, p1=pat_st, p2=pat_st, extra=st.integers(-20, 20))
def test_more_patient_callers_abandon_less(a, h, p1, p2, extra):
    p1, p2 = sorted((p1, p2))
    n = max(int(a) + extra, 1)
    assert EA.abandon_probability(n, a, h, p2) <= EA.abandon_probability(n, a, h, p1) * (1 + ULP)


@settings(max_examples=150, deadline=None)
@given(a=loads, h=aht_st, p=pat_st, t=time_st, n=st.integers(0, 600))
def test_abandoned_plus_answered_is_one_and_service_levels_agree(a, h, p, t, n):
    pab = EA.abandon_probability(n, a, h, p)
    answered = EA.carried_load(n, a, h, p) / a  # 1 − P(abandon), summed without cancellation
    assert pab + answered == pytest.approx(1.0, abs=1e-13)
    sl, sla = EA.service_level(n, a, h, p, t), EA.answered_service_level(n, a, h, p, t)
    assert sl == pytest.approx(sla * (1 - pab), rel=1e-12, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(a=st.floats(min_value=1e-3, max_value=60.0), gap=st.floats(0.3, 30.0), h=aht_st, t=time_st)
def test_infinitely_patient_callers_give_erlang_c(a, gap, h, t):
    # Patience 1e13 handling times: Erlang A's corrections are O(AHT/patience).
    n = math.ceil(a + gap)
    p = 1e13 * h
    assert EA.wait_probability(n, a, h, p) == pytest.approx(E.erlang_c(n, a), rel=1e-8)
    assert EA.abandon_probability(n, a, h, p) < 1e-8
    assert EA.service_level(n, a, h, p, t) == pytest.approx(E.service_level(n, a, h, t), rel=1e-8)
    assert EA.answered_service_level(n, a, h, p, t) == pytest.approx(E.service_level(n, a, h, t), rel=1e-8)
    assert EA.average_speed_of_answer(n, a, h, p) == pytest.approx(E.average_speed_of_answer(n, a, h), rel=1e-7)


def _meets(n, load, h, p, lv, t, occ, basis) -> bool:
    """n agents meet the target and the occupancy cap, by the public functions."""
    if n < 1:
        return False
    f = EA.service_level if basis == "offered" else EA.answered_service_level
    return bool(f(n, load, h, p, t) >= lv and EA.carried_load(n, load, h, p) <= occ * n * (1 + E.OCCUPANCY_RTOL))


@settings(max_examples=200, deadline=None)
@given(c=calls_st, h=aht_st, p=pat_st, lv=level_st, t=time_st, occ=occ_st, basis=st.sampled_from(EA.BASES))
def test_required_agents_is_minimal(c, h, p, lv, t, occ, basis):
    n = int(EA.required_agents(c, h, p, lv, t, occ, basis=basis))
    load = c * h / 3600
    if load == 0:
        assert n == 0
        return
    assert _meets(n, load, h, p, lv, t, occ, basis)
    assert not _meets(n - 1, load, h, p, lv, t, occ, basis), (c, h, p, lv, t, occ, basis, n)


@settings(max_examples=150, deadline=None)
@given(
    c=calls_st,
    h=aht_st,
    p=pat_st,
    lv=level_st,
    t=time_st,
    occ=occ_st,
    basis=st.sampled_from(EA.BASES),
    guess=st.integers(0, 400),
)
def test_a_warm_start_never_changes_the_answer(c, h, p, lv, t, occ, basis, guess):
    # the search starts at the guess (the engine passes the agents of a nearby point) and
    # verifies n and n - 1: the same answer from any start
    cold = EA.required_agents(c, h, p, lv, t, occ, min_agents=1, basis=basis)
    assert EA.required_agents(c, h, p, lv, t, occ, min_agents=1, basis=basis, guess=guess) == cold


@settings(max_examples=100, deadline=None)
@given(c1=calls_st, c2=calls_st, h=aht_st, p=pat_st, lv=level_st, t=time_st, basis=st.sampled_from(EA.BASES))
def test_required_agents_never_fall_when_traffic_rises(c1, c2, h, p, lv, t, basis):
    c1, c2 = sorted((c1, c2))
    r = EA.required_agents(np.array([c1, c2]), h, p, lv, t, basis=basis)
    assert r[0] <= r[1]


@pytest.mark.parametrize("basis", EA.BASES)
def test_search_agrees_with_stepping_up_from_one_agent(basis):
    # The guess-gallop-bisect search against the plain definition on a seeded grid,
    # including hours that need fewer agents than Erlangs of load.
    rng = np.random.default_rng(np.random.SeedSequence(20240703))
    size = 300
    calls = rng.uniform(0, 400, size)
    aht = rng.uniform(60, 400, size)
    pat = rng.uniform(10, 600, size)
    t = rng.choice([20.0, 95.0], size)
    occ = rng.choice([0.8, 1.0], size)
    got = EA.required_agents(calls, aht, pat, 0.8, t, occ, basis=basis)
    for c, h, p, tt, oc, g in zip(calls, aht, pat, t, occ, got, strict=True):
        load = c * h / 3600
        n = 1
        while not _meets(n, load, h, p, 0.8, tt, oc, basis):
            n += 1
        assert g == n


def test_meets_target_applies_the_abandonment_cap_as_abandon_probability_does():
    """The answered basis's cap folded into one evaluation (erlang_a.meets_target's
    max_abandonment) decides every hour as abandon_probability's test does, also for caps equal
    to an hour's own share hanging up (where the subtraction hands over to the series)."""
    rng = np.random.default_rng(7)
    n = rng.integers(1, 40, 4000)
    calls = rng.uniform(1, 400, 4000)
    aht = rng.uniform(60, 400, 4000)
    patience = rng.choice([20.0, 60.0, 300.0, 3000.0], 4000)
    load = calls * aht / 3600
    lost = np.asarray(EA.abandon_probability(n, load, aht, patience))
    for cap in (0.0, 1e-12, 0.05, 0.1, 0.3, float(lost[17]), float(lost[1234])):
        plain = EA.meets_target(n, calls, aht, patience, 0.01, 1000.0, max_occupancy=1.0)
        capped = EA.meets_target(n, calls, aht, patience, 0.01, 1000.0, max_occupancy=1.0, max_abandonment=cap)
        np.testing.assert_array_equal(capped, plain & ~(lost > cap))
    assert (plain & (lost > 0.1)).any() and (plain & ~(lost > 0.1)).any()  # the cap decides some hours
