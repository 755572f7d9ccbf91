"""lib.queues.erlang against 50-digit mpmath, exact rational Erlang B, hand values and properties."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.queues import erlang as E

pytestmark = pytest.mark.filterwarnings("error")  # no overflow/underflow/NaN warnings anywhere

REL = 1e-9


# --------------------------------------------------------------------------------------
# Independent references
# --------------------------------------------------------------------------------------
def _mp_reference(n: int, load: float, aht_s: float, target_s: float):
    """(C, SL, ASA) in 50-digit arithmetic from the textbook sum, not from lib's formula.

    1/B(n, A) = Σ_{k=0..n} n!/(k!·A^(n−k)), summed exactly in mpmath for moderate n;
    for large n the same quantity via the Poisson cdf/pmf ratio in 50 digits.
    """
    with mp.workdps(50):
        A = mp.mpf(load)
        if n <= 400:
            term, inv_b = mp.mpf(1), mp.mpf(1)
            for k in range(n, 0, -1):  # n!/(k-1)!/A^(n-k+1) from the previous term
                term = term * k / A
                inv_b += term
            b = 1 / inv_b
        else:
            b = mp.exp(n * mp.log(A) - A - mp.loggamma(n + 1)) / mp.gammainc(n + 1, A, mp.inf, regularized=True)
        c = n * b / (n - A + A * b)
        sl = 1 - c * mp.exp(-(n - A) * mp.mpf(target_s) / mp.mpf(aht_s))
        asa = c * mp.mpf(aht_s) / (n - A)
        return float(c), float(sl), float(asa)


def _fraction_erlang_c(n: int, load: Fraction) -> Fraction:
    """Erlang C in exact rationals via the Erlang B recursion B_k = A·B_{k−1}/(k + A·B_{k−1})."""
    b = Fraction(1)
    for k in range(1, n + 1):
        b = load * b / (k + load * b)
    return n * b / (n - load + load * b)


def _cases():
    loads = np.logspace(-3, math.log10(5000), 41)
    out = []
    for a in loads:
        base = math.floor(a) + 1
        for n in {
            base,
            base + 1,
            math.ceil(a + math.sqrt(a)) + 1,
            math.ceil(1.25 * a) + 1,
            math.ceil(a + 12 * math.sqrt(a)) + 3,
            2 * base + 10,
        }:
            out.append((n, float(a)))
    return sorted(out, key=lambda x: (x[1], x[0]))


CASES = _cases()


@pytest.fixture(scope="module")
def reference():
    return {case: _mp_reference(*case, aht_s=180.0, target_s=20.0) for case in CASES}


def _close(got, want):
    """Relative 1e-9; a reference below the double range must flush to (near) zero."""
    if want < 1e-300:
        return got < 1e-290
    return abs(got - want) <= REL * abs(want)


def test_erlang_c_matches_mpmath(reference):
    n = np.array([c[0] for c in CASES])
    a = np.array([c[1] for c in CASES])
    got = E.erlang_c(n, a)
    worst = 0.0
    for (case, want), g in zip(reference.items(), got, strict=True):
        assert _close(g, want[0]), (case, g, want[0])
        if want[0] > 1e-300:
            worst = max(worst, abs(g - want[0]) / want[0])
    assert worst < REL


def test_service_level_and_asa_match_mpmath(reference):
    n = np.array([c[0] for c in CASES])
    a = np.array([c[1] for c in CASES])
    sl = E.service_level(n, a, 180.0, 20.0)
    asa = E.average_speed_of_answer(n, a, 180.0)
    for (case, want), s, w in zip(reference.items(), sl, asa, strict=True):
        assert _close(s, want[1]), (case, s, want[1])
        assert _close(w, want[2]), (case, w, want[2])


def test_agrees_with_exact_rationals_for_small_boards():
    for n, a in [(1, Fraction(1, 2)), (3, Fraction(2)), (14, Fraction(10)), (25, Fraction(20)), (7, Fraction(13, 4))]:
        assert E.erlang_c(n, float(a)) == pytest.approx(float(_fraction_erlang_c(n, a)), rel=1e-12)


# --------------------------------------------------------------------------------------
# Hand-checkable values
# --------------------------------------------------------------------------------------
def test_hand_value_three_agents_two_erlangs():
    # B(3, 2) by the recursion: 2/3, 2/5, 4/19; C = 3·(4/19) / (1 + 2·4/19) = 4/9.
    assert E.erlang_c(3, 2.0) == pytest.approx(4 / 9, rel=1e-14)
    # ASA = C·AHT/(n − A) = 4/9 · 180 s = 80 s.
    assert E.average_speed_of_answer(3, 2.0, 180.0) == pytest.approx(80.0, rel=1e-14)
    # With t = AHT·ln 2 the waiting tail halves: SL = 1 − (4/9)/2 = 7/9.
    assert E.service_level(3, 2.0, 180.0, 180.0 * math.log(2)) == pytest.approx(7 / 9, rel=1e-14)


def test_hand_value_single_agent_is_m_m_1():
    # M/M/1: C = ρ, ASA = ρ·AHT/(1 − ρ), SL = 1 − ρ·exp(−(1 − ρ)t/AHT).
    rho, aht, t = 0.6, 120.0, 30.0
    assert E.erlang_c(1, rho) == pytest.approx(rho, rel=1e-14)
    assert E.average_speed_of_answer(1, rho, aht) == pytest.approx(rho * aht / (1 - rho), rel=1e-14)
    assert E.service_level(1, rho, aht, t) == pytest.approx(1 - rho * math.exp(-(1 - rho) * t / aht), rel=1e-14)


def test_textbook_call_centre_example():
    # The classic worked example: 100 calls per half hour, 180 s handling, 80/20 target.
    # A = 200 × 180 / 3600 = 10 Erlangs; with 14 agents P(wait) = 17.4 %, SL = 88.8 %,
    # ASA = 7.8 s; 13 agents give only 79.6 %, so 14 are needed.
    a = 200 * 180 / 3600
    assert a == 10.0
    assert E.erlang_c(14, a) == pytest.approx(float(_fraction_erlang_c(14, Fraction(10))), rel=1e-12)
    assert E.erlang_c(14, a) == pytest.approx(0.1741, abs=1e-4)
    assert E.service_level(14, a, 180, 20) == pytest.approx(0.8884, abs=1e-4)
    assert E.average_speed_of_answer(14, a, 180) == pytest.approx(7.84, abs=1e-2)
    assert E.service_level(13, a, 180, 20) == pytest.approx(0.7956, abs=1e-4)
    assert E.required_agents(200, 180, 0.8, 20) == 14
    assert E.required_agents(200, 180, 0.8, 20, 0.8) == 14  # cap: 10 / 0.8 = 12.5 → 13 < 14


# --------------------------------------------------------------------------------------
# Edge cases
# --------------------------------------------------------------------------------------
def test_zero_traffic():
    assert E.required_agents(0, 180, 0.8, 20, 0.8) == 0
    assert E.required_agents(120, 0, 0.8, 20, 0.8) == 0
    assert E.erlang_c(0, 0.0) == 0.0 and E.erlang_c(4, 0.0) == 0.0
    assert E.service_level(0, 0.0, 180, 20) == 1.0
    assert E.average_speed_of_answer(3, 0.0, 180) == 0.0


@pytest.mark.parametrize("n, a", [(0, 0.5), (1, 1.0), (5, 5.0), (5, 7.5), (100, 4000.0)])
def test_agents_at_or_below_load(n, a):
    assert E.erlang_c(n, a) == 1.0
    assert E.service_level(n, a, 180.0, 20.0) == 0.0
    assert E.average_speed_of_answer(n, a, 180.0) == math.inf


def test_occupancy_boundary_load_8_at_80_percent():
    # 160 calls/h × 180 s = 8 Erlangs; 8 / 0.8 = 10 agents exactly satisfies the cap.
    assert E.occupancy_floor(8.0, 0.8) == 10
    assert E.required_agents(160, 180, 0.8, 95, 0.8) == 10


# (calls per hour, AHT s, occupancy, k) with calls·AHT/3600 = k·occupancy in exact arithmetic,
# chosen so that naive floating-point ceil(load / occupancy) gives k + 1.
BOUNDARY = [
    (42, 180, 0.3, 7),  # 2.1 Erlangs
    (252, 30, 0.3, 7),  # 2.1
    (558, 60, 0.3, 31),  # 9.3
    (126, 60, 0.7, 3),  # 2.1
    (252, 30, 0.7, 3),  # 2.1
    (504, 60, 0.6, 14),  # 8.4
    (221, 180, 0.85, 13),  # 11.05
]


@pytest.mark.parametrize("calls, aht, occ, k", BOUNDARY)
def test_occupancy_boundary_ignores_rounding_noise(calls, aht, occ, k):
    assert Fraction(calls) * aht / 3600 == k * Fraction(str(occ))  # the case is exact
    naive = math.ceil(calls * aht / 3600 / occ)
    assert naive == k + 1, "case no longer exercises the round-up"
    assert E.occupancy_floor(calls * aht / 3600, occ) == k
    # A loose service level (50 % within 10 min) so that the cap decides.
    assert E.required_agents(calls, aht, 0.5, 600, occ) == k


def test_occupancy_cap_still_rounds_up_real_excess():
    assert E.occupancy_floor(8.0001, 0.8) == 11
    assert E.occupancy_floor(1e-12, 0.8) == 1


def test_min_agents_scalar_and_array():
    calls = np.array([0.0, 0.5, 30.0, 300.0])
    base = E.required_agents(calls, 180, 0.8, 95, 0.8)
    assert base.tolist()[0] == 0 and base[1] >= 1
    assert E.required_agents(calls, 180, 0.8, 95, 0.8, min_agents=2).tolist() == np.maximum(base, 2).tolist()
    floor = np.where(calls > 0, 1, 0)
    assert E.required_agents(calls, 180, 0.8, 95, 0.8, min_agents=floor).tolist() == np.maximum(base, floor).tolist()
    assert E.required_agents(calls, 180, 0.8, 95, 0.8, min_agents=50).tolist() == [50, 50, 50, 50]


def test_scalar_in_scalar_out_and_broadcasting():
    assert np.ndim(E.erlang_c(3, 2.0)) == 0 and isinstance(E.erlang_c(3, 2.0), float)
    r = E.required_agents(200, 180, 0.8, 20)
    assert np.ndim(r) == 0 and isinstance(r, np.integer)
    grid = E.required_agents(
        np.array([[0.0], [100.0], [300.0]]), np.array([120.0, 180.0]), 0.8, np.array([95.0, 20.0]), 0.8
    )
    assert grid.shape == (3, 2) and grid.dtype == np.int64
    for i, c in enumerate([0.0, 100.0, 300.0]):
        for j, (h, t) in enumerate([(120.0, 95.0), (180.0, 20.0)]):
            assert grid[i, j] == E.required_agents(c, h, 0.8, t, 0.8)
    assert E.service_level(np.arange(1, 6), 0.5, 180, np.array([[20.0], [95.0]])).shape == (2, 5)


def test_large_loads_are_finite_and_sensible():
    # 5 000 Erlangs (18 000 calls/h × 1 000 s): square-root staffing is A + O(√A).
    n = E.required_agents(18_000, 1_000, 0.8, 20, 1.0)
    assert 5_000 < n < 5_000 + 3 * math.sqrt(5_000)
    assert E.service_level(n - 1, 5_000.0, 1_000, 20) < 0.8 <= E.service_level(n, 5_000.0, 1_000, 20)
    # The 80 % cap dominates at such loads.
    assert E.required_agents(18_000, 1_000, 0.8, 20, 0.8) == 6_250


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------
GOOD = {
    "calls_per_hour": 100.0,
    "aht_s": 180.0,
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
        ("calls_per_hour", math.inf),
        ("aht_s", -0.5),
        ("aht_s", math.nan),
        ("target_level", 0.0),
        ("target_level", 1.0),
        ("target_level", 1.2),
        ("target_level", -0.1),
        ("target_s", -3.0),
        ("target_s", math.inf),
        ("max_occupancy", 0.0),
        ("max_occupancy", 1.5),
        ("max_occupancy", -0.2),
        ("min_agents", -1),
        ("min_agents", 1.5),
    ],
)
def test_required_agents_rejects_bad_arguments(name, bad):
    kw = dict(GOOD, **{name: np.array([GOOD[name], bad])})
    with pytest.raises(ValueError) as err:
        E.required_agents(**kw)
    msg = str(err.value)
    assert name in msg and repr(float(bad)) in msg


@pytest.mark.parametrize(
    "func, args, name, bad",
    [
        (E.erlang_c, (-1, 2.0), "agents", -1.0),
        (E.erlang_c, (2.5, 2.0), "agents", 2.5),
        (E.erlang_c, (3, -2.0), "load", -2.0),
        (E.erlang_c, (3, math.nan), "load", math.nan),
        (E.service_level, (3, 2.0, -180.0, 20.0), "aht_s", -180.0),
        (E.service_level, (3, 2.0, 180.0, -20.0), "target_s", -20.0),
        (E.service_level, (3, 2.0, 0.0, 20.0), "aht_s", 0.0),
        (E.average_speed_of_answer, (math.inf, 2.0, 180.0), "agents", math.inf),
        (E.average_speed_of_answer, (3, 2.0, math.nan), "aht_s", math.nan),
    ],
)
def test_measures_reject_bad_arguments(func, args, name, bad):
    with pytest.raises(ValueError) as err:
        func(*args)
    assert name in str(err.value) and repr(float(bad)) in str(err.value)


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------
loads = st.floats(min_value=1e-3, max_value=500.0, allow_nan=False)
calls_st = st.floats(min_value=0.0, max_value=2_000.0, allow_nan=False)
aht_st = st.floats(min_value=10.0, max_value=900.0, allow_nan=False)
level_st = st.floats(min_value=0.05, max_value=0.99)
time_st = st.floats(min_value=0.0, max_value=600.0)
occ_st = st.floats(min_value=0.3, max_value=1.0)


@settings(max_examples=150, deadline=None)
@given(a=loads, extra=st.integers(0, 60), h=aht_st, t=time_st)
def test_service_level_rises_with_agents(a, extra, h, t):
    n = np.arange(math.floor(a) + 1, math.floor(a) + 2 + extra)
    sl = E.service_level(n, a, h, t)
    # Monotone up to the last bit of rounding.
    assert np.all(np.diff(sl) >= -4e-16) and np.all((sl >= 0) & (sl <= 1))
    assert np.all(sl[1:] > sl[:-1]) or sl[-1] > 1 - 1e-12  # strictly, until it saturates at 1
    c = E.erlang_c(n, a)
    assert np.all(np.diff(c) <= 4e-16 * c[:-1]) and np.all((c >= 0) & (c <= 1))


@settings(max_examples=150, deadline=None)
@given(c1=calls_st, c2=calls_st, h1=aht_st, h2=aht_st, lv=level_st, t=time_st, occ=occ_st)
def test_required_agents_never_fall_when_traffic_or_handling_rises(c1, c2, h1, h2, lv, t, occ):
    (c1, c2), (h1, h2) = sorted((c1, c2)), sorted((h1, h2))
    r = E.required_agents(np.array([c1, c2, c1, c1]), np.array([h1, h1, h1, h2]), lv, t, occ)
    assert r[0] <= r[1] and r[2] <= r[3]


@settings(max_examples=200, deadline=None)
@given(c=calls_st, h=aht_st, lv=level_st, t=time_st, occ=occ_st)
def test_required_agents_is_minimal(c, h, lv, t, occ):
    n = int(E.required_agents(c, h, lv, t, occ))
    a = c * h / 3600
    if a == 0:
        assert n == 0
        return
    assert n > a and E.service_level(n, a, h, t) >= lv
    assert a / n <= occ * (1 + E.OCCUPANCY_RTOL)
    m = n - 1  # one agent fewer must fail stability, the cap or the service level
    fails = m <= a or a / m > occ * (1 + E.OCCUPANCY_RTOL) or E.service_level(m, a, h, t) < lv
    assert fails, (c, h, lv, t, occ, n)


def test_search_agrees_with_stepping_up_from_one_agent():
    # The bounds-and-galloping search against the plain definition on a seeded grid.
    rng = np.random.default_rng(np.random.SeedSequence(20240701))
    calls = rng.uniform(0, 700, 400)
    aht = rng.uniform(60, 400, 400)
    t = rng.choice([20.0, 95.0], 400)
    occ = rng.choice([0.8, 1.0], 400)
    got = E.required_agents(calls, aht, 0.8, t, occ)
    for c, h, tt, oc, g in zip(calls, aht, t, occ, got, strict=True):
        a = c * h / 3600
        n = math.floor(a) + 1
        while a / n > oc * (1 + E.OCCUPANCY_RTOL) or E.service_level(n, a, h, tt) < 0.8:
            n += 1
        assert g == n
