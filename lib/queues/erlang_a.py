"""Erlang A: waiting, abandonment, service level, speed of answer and staffing of an M/M/n+M queue.

The model extends :mod:`lib.queues.erlang` (Erlang C) by callers who hang up: calls arrive as a
Poisson process, handling times are exponential with mean ``aht_s`` seconds, ``n`` identical
agents serve one FIFO queue, and every caller has an exponential patience with mean
``patience_s`` seconds; a caller whose patience runs out before an agent takes the call hangs
up (abandons) and does not come back. Units as in :mod:`lib.queues.erlang`: the offered load in
Erlangs is ``A = calls per hour × aht_s / 3600``, times are seconds, agents whole numbers.

Notation (Garnett, Mandelbaum & Reiman 2002; Mandelbaum & Zeltyn 2007). With λ = A/AHT
arrivals per second, μ = 1/AHT, θ = 1/patience and κ = μ/θ = patience/AHT,

    x = nμ/θ = n·κ,   y = λ/θ = A·κ,   w = exp(−θt) = exp(−t/patience).

The number of calls in the system is a birth–death chain with birth rate λ and death rate
min(k, n)μ + max(k − n, 0)θ; it is stable for every n >= 1 (a long queue empties through
abandonment), so loads above the number of agents are allowed. Its stationary distribution is
π_k ∝ A^k/k! for k <= n and π_{n+j} = π_n·a_j for j >= 0, with

    a_j = y^j / ((x + 1)(x + 2)···(x + j)),
    𝒜(x, y) = Σ_j a_j = x·e^y·y^(−x)·γ(x, y) = e^y·y^(−x)·Γ(x + 1)·P(x, y)

(γ the lower incomplete gamma function, P(x, y) = γ(x, y)/Γ(x) its regularised form; 𝒜 is
the A(x, y) of Garnett et al.), and, below the n agents,

    R(n, A) = Σ_{k<n} π_k/π_n = Q(n, A)/pmf(n; A) = Σ_{m=1..n} n!/((n − m)!·A^m),

with Q(n, A) = 1 − P(n, A) = P(Poisson(A) <= n − 1) and pmf(n; A) = A^n e^(−A)/n!
(R + 1 = 1/E_{1,n}, the inverse of Erlang B). Then, as arrivals see time averages:

* wait probability  P(W > 0) = 𝒜/(R + 𝒜) = E_{1,n}·𝒜/(1 + (𝒜 − 1)·E_{1,n}).

A caller who finds all agents busy and j calls queued ahead has an offered wait V (the time
until an agent would take the call) that is a sum of exponentials with rates θ(x + j), …, θx,
so that e^(−θV) ~ Beta(x, j + 1); mixed over j ∝ a_j, U = e^(−θV) has the density

    x·u^(x−1)·e^(y(1−u)) / 𝒜   on 0 < u < 1   (given that the caller waits).

The call is answered if V is shorter than the caller's patience τ ~ Exp(θ), independent of V;
it waits min(V, τ). Hence, given that the caller waits,

* answered:          P(ans | W > 0) = E[U] = (x/y)·(1 − 1/𝒜) = (n/A)·P(x + 1, y)/P(x, y),
* abandoned:         P(ab | W > 0) = 1 − P(ans | W > 0) = Σ_j a_j·(j + 1)/(x + j + 1) / 𝒜,
* answered within t: P(ans, V <= t | W > 0) = E[U; U >= w]
                       = P(ans | W > 0)·(1 − D),  D = P(x + 1, y·w)/P(x + 1, y),
* answered, wait:    E[V·e^(−θV) | W > 0] = (1/θ)·Σ_j (a_j/𝒜)·x/(x + j + 1)·(ψ(x + j + 2) − ψ(x + 1))
                       = (1/θ)·(x/y)·(ln y − ψ(x + 1) + C)/P(x, y),
  C = E[ln(T/y); T >= y] for T ~ Gamma(x + 1), 0 <= C <= (x + 1)·Q(x + 2, y)/y

(ψ the digamma function; the sum from E[−U ln U] of the Beta(x, j + 1) law, the second form
from the density of U with t = y·u). Over all offered calls, with p_W = P(W > 0):

* abandon probability  P(ab) = p_W·P(ab | W > 0); answered 1 − P(ab) = (1 − p_W) + p_W·P(ans | W > 0),
* service level        SL = P(answered and wait <= t) = (1 − p_W) + p_W·P(ans | W > 0)·(1 − D),
  i.e. a caller who hangs up never counts as answered in time, whenever they hang up,
* answered service level  P(wait <= t | answered) = SL / (1 − P(ab)),
* average speed of answer (mean wait of the answered calls)
  ASA = p_W·E[V·e^(−θV) | W > 0] / (1 − P(ab)),
* carried load  A·(1 − P(ab)) Erlangs (the mean number of busy agents).

As patience → ∞ these tend to Erlang C (lib.queues.erlang) for n > A. With no traffic (A = 0)
nobody waits: wait and abandon probability 0, both service levels 1, ASA 0. With traffic and
no agents everybody waits and hangs up: wait and abandon probability 1, both service levels 0
and ASA inf (no call is ever answered).

Numerics: exact formulas, evaluated without factorials or powers of the load, in log space
where the magnitudes demand it. pmf-type terms ln(y^x e^(−y)/Γ(x + 1)) use Loader's (2000)
saddle-point form (Stirling error + deviance ``bd0``), accurate to about 1e-13 absolute even
for x in the hundreds of thousands. 𝒜 and R come from scipy's regularised incomplete gamma
functions (``gammainc``, ``gammaincc``) wherever these stay normal doubles (their pmf factor
above e^−650), else — far below the median, where they underflow — from their own series
(a_j above, whose terms fall geometrically there, or the finite sum for R), which need no
gamma function. p_W = expit(ln 𝒜 − ln R) and 1 − p_W = expit(ln R − ln 𝒜) carry no
cancellation; 1 − D is a difference of lower (P) or, above the median, upper (Q) incomplete
gamma values, whichever are the smaller; P(ab | W > 0) is 1 − P(ans | W > 0) only where that
cannot cancel badly (P(ans | W > 0) <= 1/2, or y above both x/2 and x − 5√x), else the series.
The wait of the answered calls takes the closed form with C where the bound on C is
negligible (y above x + 1 + 10√(x + 1), heavy overload), else the series, summed from 12
standard deviations below its largest term (rigorous bounds on the omitted tails). Series
truncate where a geometric bound on the rest is below 2^−55 of the sum; long ones are summed
hour by hour in blocks of terms (their length grows like √y only near critical load with
patience far beyond the handling time). Results agree with 50-digit arithmetic (the
birth–death chain summed and the wait densities integrated in mpmath) to better than 1e-11
relative, mostly 1e-15, for loads 0.01-1 000 Erlangs, patience 10 s - 1 h and up to 2 000
agents (tests/test_erlang_a.py asserts 1e-9); the largest errors come from scipy's incomplete
gamma functions deep in their tails. Values below the double range flush to 0.

:func:`required_agents` is vectorised: both service levels rise and the carried occupancy
falls with the number of agents (so "meets the target" is monotone in n), and it starts
every hour one below the Erlang C staffing of the same hour (:func:`lib.queues.erlang.required_agents`,
a cheap guess: hang-ups shorten the queue, so Erlang A needs that or one more), then gallops
down or up and bisects, touching only the hours still undecided; an hour whose answer is the
guess or the guess + 1 is settled in two evaluations (n meets the target, n − 1 does not).
Every decision uses the same code as the public functions; a test of the target skips the
share answered within t (1 − D) where the occupancy or the bounds 1 − p_W <= service level <=
share answered already decide it (:func:`_meets`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.special import digamma, expit, gammainc, gammaincc, gammaln

from lib.queues import erlang
from lib.queues.erlang import OCCUPANCY_RTOL, _check, _check_aht_with_load, _out, offered_load

__all__ = [
    "BASES",
    "abandon_probability",
    "answered_service_level",
    "average_speed_of_answer",
    "carried_load",
    "required_agents",
    "service_level",
    "wait_probability",
]

#: What the service level of :func:`required_agents` is counted on: all offered calls
#: (:func:`service_level`) or the answered ones (:func:`answered_service_level`).
BASES = ("offered", "answered")

# Incomplete gamma values are used where their pmf factor exceeds e^this (they are then normal
# doubles, >= ~1e-282); below it, in the far lower tail, the series take over.
_LOG_FLOOR = -650.0
# Relative tolerance for truncating a series (a rigorous bound on the omitted tail).
_SERIES_TOL = 2.0**-55
# 1 − P(ans | W > 0) is used for P(ab | W > 0) where y > x/2 and y > x − this·√x: there
# P(ab | W > 0) >~ 1/(x + 1) (x <= 4·this²) or 1/(this·√x), which bounds how much the
# subtraction amplifies rounding.
_ABANDON_SQRT = 5.0
# The ASA series starts this many standard deviations (√y) below its largest term ...
_WINDOW_SD = 12.0
# ... if the terms left out (bounded by a geometric series) are below e^this relative.
_WINDOW_LOG_TAIL = -45.0
# Series expected to need more terms than this are summed hour by hour in blocks of terms.
_LONG_SERIES = 4000.0
# The answered calls' wait uses its closed form where y > x + 1 + this·√(x + 1) (then the
# correction term is provably negligible).
_HEAVY_SD = 10.0

_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)
_TINY = np.finfo(float).tiny


# --------------------------------------------------------------------------------------
# Log pmf (Loader's saddle-point form)
# --------------------------------------------------------------------------------------
def _stirling_error(x: np.ndarray) -> np.ndarray:
    """ln Γ(x + 1) − ((x + ½)·ln x − x + ½·ln 2π) for x >= 1."""
    x2 = x * x
    series = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * x2)) / x2) / x2) / x2) / x
    small = x < 15.0  # the 5-term series is exact to < 1e-16 from 15 on
    if not small.any():
        return series
    xs = x[small]
    series[small] = gammaln(xs + 1.0) - (xs + 0.5) * np.log(xs) + xs - _HALF_LOG_2PI
    return series


def _deviance(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """x·ln(x/z) + z − x >= 0 for x, z > 0, without cancellation (Loader's bd0)."""
    d = x - z
    s = x + z
    near = np.abs(d) < 0.1 * s
    tiny = z < 1e-200  # x/z could overflow; ln x − ln z is exact enough there (|ln z| > 460)
    if tiny.any():
        log_ratio = np.empty(x.size)
        log_ratio[tiny] = np.log(x[tiny]) - np.log(z[tiny])
        log_ratio[~tiny] = np.log(x[~tiny] / z[~tiny])
    else:
        log_ratio = np.log(x / z)
    out = x * log_ratio - d
    if near.any():
        dn, xn = d[near], x[near]
        v = dn / s[near]
        v2 = v * v
        term = 2.0 * xn * v
        acc = dn * v
        for k in range(1, 10):  # |v| < 0.1: v^19 < 1e-19
            term = term * v2
            acc = acc + term / (2 * k + 1)
        out[near] = acc
    return out


def _log_pmf(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """ln(z^x·e^(−z)/Γ(x + 1)) for real x >= 0 and z > 0 (the Poisson pmf for whole x)."""
    big = x >= 1.0
    if big.all():
        return -_stirling_error(x) - _deviance(x, z) - 0.5 * np.log(x) - _HALF_LOG_2PI
    out = np.empty(x.size)
    few = ~big  # the direct form, for x < 1
    out[few] = x[few] * np.log(z[few]) - z[few] - gammaln(x[few] + 1.0)
    if big.any():
        xb = x[big]
        out[big] = -_stirling_error(xb) - _deviance(xb, z[big]) - 0.5 * np.log(xb) - _HALF_LOG_2PI
    return out


# --------------------------------------------------------------------------------------
# Series (only where the incomplete gamma functions would underflow)
# --------------------------------------------------------------------------------------
def _head_ratio(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """R(n, A) = Σ_{m=1..n} n!/((n − m)!·A^m) for whole n >= 1 and A > n − 1.

    The terms fall with ratios (n − m)/A < 1 that shrink; the sum stops at m = n or when the
    rest (at most term·r/(1 − r)) is below the tolerance.
    """
    out = np.empty(n.size)
    idx = np.arange(n.size)
    na, aa = n, a
    term = n / a
    s = term.copy()
    m = 1
    while idx.size:
        r = (na - m) / aa
        done = term * r <= _SERIES_TOL * (1.0 - r) * s
        if done.any():
            out[idx[done]] = s[done]
            keep = ~done
            idx, na, aa, term, s, r = idx[keep], na[keep], aa[keep], term[keep], s[keep], r[keep]
        term = term * r
        s = s + term
        m += 1
    return out


_PLAIN, _ABANDON, _WAIT = 0, 1, 2  # what _series weights its terms with


def _series(x: np.ndarray, z: np.ndarray, kind: int, lo: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(Σ_j a_j, Σ_j a_j·w_j) over j >= lo, in units of a_lo, for a_{j+1}/a_j = z/(x + j + 1).

    Weights w_j (all in [0, 1)): 1 for ``_PLAIN`` (then Σ_{j>=0} a_j = 𝒜(x, z)),
    (j + 1)/(x + j + 1) for ``_ABANDON`` and x·(ψ(x + j + 2) − ψ(x + 1))/(x + j + 1) for
    ``_WAIT``. The terms rise while z > x + j and fall after, with shrinking ratios r, so the
    rest after a term past the largest is at most term·r/(1 − r) (and so is its weighted
    rest); summing stops when that is below the tolerance relative to the weighted sum.

    Vectorised across hours, one term per round; hours with long series (more than
    ``_LONG_SERIES`` terms expected), and the few still running after many rounds, are
    summed one at a time, a block of terms per step (cumulative products).
    """
    lo = np.zeros(x.size) if lo is None else lo
    peak = np.maximum(np.floor(z - x), 0.0)
    h = 1.0 / (x + 1.0)  # ψ(x + j + 2) − ψ(x + 1) at j = lo
    far = lo > 0
    if kind == _WAIT and far.any():
        h[far] = digamma(x[far] + lo[far] + 2.0) - digamma(x[far] + 1.0)
    if kind == _ABANDON:
        sw = (lo + 1.0) / (x + lo + 1.0)  # the weighted sum so far: the term at lo
    elif kind == _WAIT:
        sw = x * h / (x + lo + 1.0)
    else:
        sw = np.ones(x.size)
    out_s, out_w = np.empty(x.size), np.empty(x.size)
    # Rough term counts: up to the largest term, then ~40/(1 − ratio) or ~9 standard deviations.
    r0 = np.minimum(z / (x + np.maximum(peak, lo) + 1.0), 1.0)
    est = peak - lo + np.minimum(40.0 / np.maximum(1.0 - r0, 1e-300), 9.0 * np.sqrt(z) + 40.0)
    long = np.flatnonzero(est > _LONG_SERIES)
    for k in long:  # long series: one hour at a time, in blocks of terms
        out_s[k], out_w[k] = _series_blocks(x[k], z[k], lo[k], peak[k], 1.0, h[k], 1.0, sw[k], kind)
    idx = np.flatnonzero(est <= _LONG_SERIES)
    xa, za, ja, pa, h, sw = x[idx], z[idx], lo[idx], peak[idx], h[idx], sw[idx]
    term, s = np.ones(idx.size), np.ones(idx.size)
    rounds = 0
    while idx.size:
        rounds += 1
        if idx.size <= 4 and rounds > 256:  # stragglers: blocks of terms, one hour at a time
            for m, i in enumerate(idx):
                out_s[i], out_w[i] = _series_blocks(xa[m], za[m], ja[m], pa[m], term[m], h[m], s[m], sw[m], kind)
            break
        ja = ja + 1.0
        term = term * za / (xa + ja)
        s = s + term
        if kind == _ABANDON:
            sw = sw + term * ((ja + 1.0) / (xa + ja + 1.0))
        elif kind == _WAIT:
            h = h + 1.0 / (xa + ja + 1.0)
            sw = sw + term * (xa * h / (xa + ja + 1.0))
        r = za / (xa + ja + 1.0)
        done = (ja >= pa) & (r < 1.0)
        done &= term * r <= _SERIES_TOL * (1.0 - r) * (s if kind == _PLAIN else sw)
        if done.any():
            out_s[idx[done]], out_w[idx[done]] = s[done], sw[done]
            keep = ~done
            idx, xa, za, ja, pa = idx[keep], xa[keep], za[keep], ja[keep], pa[keep]
            term, h, s, sw = term[keep], h[keep], s[keep], sw[keep]
    if kind == _PLAIN:
        out_w = out_s
    return out_s, out_w


def _series_blocks(x, z, j, peak, term, h, s, sw, kind: int, first: int = 1024) -> tuple[float, float]:
    """The rest of :func:`_series` for one hour from term j on, in blocks of terms."""
    size = first
    while True:
        jj = j + np.arange(1.0, size + 1.0)
        terms = term * np.cumprod(z / (x + jj))
        ss = s + np.cumsum(terms)
        if kind == _ABANDON:
            sws = sw + np.cumsum(terms * ((jj + 1.0) / (x + jj + 1.0)))
        elif kind == _WAIT:
            hh = h + np.cumsum(1.0 / (x + jj + 1.0))
            sws = sw + np.cumsum(terms * (x * hh / (x + jj + 1.0)))
        else:
            sws = ss
        r = z / (x + jj + 1.0)
        done = (jj >= peak) & (r < 1.0) & (terms * r <= _SERIES_TOL * (1.0 - r) * sws)
        if done.any():
            k = int(np.argmax(done))
            return float(ss[k]), float(sws[k])
        j, term, s, sw = jj[-1], terms[-1], ss[-1], sws[-1]
        if kind == _WAIT:
            h = hh[-1]
        size = min(2 * size, 1 << 16)


def _kummer(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """𝒜(x, z) = Σ_j z^j/((x + 1)···(x + j)) for 0 <= z < x + 1 (terms fall from j = 0)."""
    return _series(x, z, _PLAIN)[0]


def _abandon_series(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """P(ab | W > 0) = Σ_j a_j·(j + 1)/(x + j + 1) / 𝒜(x, z), for 0 <= z < x + 1."""
    s, sw = _series(x, z, _ABANDON)
    return sw / s


def _log_minus_digamma(z: np.ndarray) -> np.ndarray:
    """ln z − ψ(z) > 0 for z >= 1, without cancellation (asymptotic series from z = 20)."""
    z2 = z * z
    series = 1 / (2 * z) + (1 / 12 - (1 / 120 - (1 / 252 - (1 / 240 - 1 / (132 * z2)) / z2) / z2) / z2) / z2
    small = z < 20.0
    if small.any():
        series[small] = np.log(z[small]) - digamma(z[small])
    return series


def _answered_wait(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """θ·E[V·e^(−θV) | W > 0] for x, y > 0.

    With T ~ Gamma(x + 1), it is (x/y)·E[ln(y/T); T < y]/P(x, y) = (x/y)·(ln y − ψ(x + 1) + C)/P(x, y),
    C = E[ln(T/y); T >= y] in [0, (x + 1)·Q(x + 2, y)/y] (as ln(T/y) <= (T − y)/y). Where
    that bound is below the tolerance (heavy overload, y well above x) this closed form is
    used, else the series.
    """
    out = np.empty(x.size)
    x1 = x + 1.0
    heavy = np.flatnonzero(y > x1 + _HEAVY_SD * np.sqrt(x1))
    if heavy.size:
        xh, x1h, yh = x[heavy], x1[heavy], y[heavy]
        main = np.log1p((yh - x1h) / x1h) + _log_minus_digamma(x1h)  # ln y − ψ(x + 1) > 0
        c_hi = x1h * gammaincc(x1h + 1.0, yh) / yh
        ok = c_hi <= _SERIES_TOL * main
        out[heavy[ok]] = (xh / yh * (main + 0.5 * c_hi) / gammainc(xh, yh))[ok]
        heavy = heavy[ok]
    rest = np.ones(x.size, dtype=bool)
    rest[heavy] = False
    if rest.any():
        out[rest] = _answered_wait_series(x[rest], y[rest])
    return out


def _answered_wait_series(x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """θ·E[V·e^(−θV) | W > 0] = Σ_j a_j·x·(ψ(x + j + 2) − ψ(x + 1))/(x + j + 1) / 𝒜(x, z),
    for x, z > 0.

    The sum starts at ``lo``, 12 standard deviations (√z) below the largest term, where the
    terms left out are provably negligible: going down from ``lo`` they fall at least by
    r = (x + lo)/z per step, so they add at most a_lo·r/(1 − r).
    """
    peak = np.maximum(np.floor(z - x), 0.0)
    lo = np.maximum(np.floor(peak - _WINDOW_SD * np.sqrt(z)), 0.0)
    cut = lo > 0
    if cut.any():
        xc, zc, pc, lc = x[cut], z[cut], peak[cut], lo[cut]
        r = (xc + lc) / zc  # < 1 as lo < peak <= z − x
        log_head = gammaln(xc + pc + 1.0) - gammaln(xc + lc + 1.0) - (pc - lc) * np.log(zc) + np.log(r / (1.0 - r))
        lo[cut] = np.where(log_head < _WINDOW_LOG_TAIL, lc, 0.0)
    s, sw = _series(x, z, _WAIT, lo)
    return sw / s


# --------------------------------------------------------------------------------------
# Exact formulas (n >= 1, A > 0, patience > 0 on flat float arrays)
# --------------------------------------------------------------------------------------
class _Core(NamedTuple):
    x: np.ndarray  # n·κ
    y: np.ndarray  # A·κ
    wait: np.ndarray  # p_W
    no_wait: np.ndarray  # 1 − p_W
    answered_if_wait: np.ndarray  # P(ans | W > 0)
    gamma: np.ndarray  # bool: 𝒜 from the incomplete gamma function (else from the series)
    p1: np.ndarray  # P(x + 1, y) where gamma
    log_a1: np.ndarray  # ln 𝒜(x + 1, y) where not gamma


def _core(n: np.ndarray, a: np.ndarray, kappa: np.ndarray) -> _Core:
    """p_W, 1 − p_W and P(ans | W > 0), with what 1 − D needs; κ = patience/AHT."""
    x = n * kappa
    y = np.maximum(a * kappa, _TINY)  # no underflow to 0 for loads of ~1e-308 Erlangs
    lp = _log_pmf(x, y)  # ln(y^x e^−y / Γ(x + 1))
    log_y_x1 = np.log(y / (x + 1.0))
    gam = (lp + log_y_x1 > _LOG_FLOOR) | (y >= x)  # ln pmf at x + 1 (a lower bound on ln P(x + 1, y))
    log_a1 = np.zeros(x.size)
    ser = ~gam
    every = not ser.any()  # the usual case: no masks (the same values, elementwise)
    if every:
        p1 = gammainc(x + 1.0, y)
        l1 = np.log(p1) - lp  # ln(𝒜 − 1) = ln P(x + 1, y) − lp
    else:
        p1 = np.zeros(x.size)
        l1 = np.empty(x.size)
        p1[gam] = gammainc(x[gam] + 1.0, y[gam])
        l1[gam] = np.log(p1[gam]) - lp[gam]
        log_a1[ser] = np.log(_kummer(x[ser] + 1.0, y[ser]))
        l1[ser] = log_y_x1[ser] + log_a1[ser]
    log_a = np.logaddexp(0.0, l1)

    lq = _log_pmf(n - 1.0, a)  # ln pmf(n − 1; A) <= ln Q(n, A)
    gr = (lq > _LOG_FLOOR) | (a <= n)
    if gr.all():
        log_r = np.log(gammaincc(n, a)) - lq - np.log(a / n)
    else:
        log_r = np.empty(x.size)
        log_r[gr] = np.log(gammaincc(n[gr], a[gr])) - lq[gr] - np.log(a[gr] / n[gr])
        log_r[~gr] = np.log(_head_ratio(n[~gr], a[~gr]))
    d = log_a - log_r
    if every:
        return _Core(x, y, expit(d), expit(-d), n / a * expit(l1), gam, p1, log_a1)
    answered = np.empty(x.size)  # P(ans | W > 0)
    answered[gam] = n[gam] / a[gam] * expit(l1[gam])  # (x/y)·(1 − 1/𝒜)
    if ser.any():  # x·𝒜(x + 1, y)/((x + 1)·𝒜), finite however small the load
        answered[ser] = np.exp(np.log(x[ser] / (x[ser] + 1.0)) + log_a1[ser] - log_a[ser])
    return _Core(x, y, expit(d), expit(-d), answered, gam, p1, log_a1)


def _answered_in_time_share(c: _Core, theta_t: np.ndarray) -> np.ndarray:
    """1 − D: the share of the calls answered after waiting that wait at most t (θt = t/patience)."""
    out = np.empty(c.x.size)
    g = np.flatnonzero(c.gamma)
    if g.size:
        x1, y, p1 = c.x[g] + 1.0, c.y[g], c.p1[g]
        yw = y * np.exp(-theta_t[g])
        res = np.empty(g.size)
        low = p1 <= 0.5  # P values are the small ones: (P(x+1, y) − P(x+1, yw)) / P(x+1, y)
        res[low] = (p1[low] - gammainc(x1[low], yw[low])) / p1[low]
        up = ~low  # else the Q values: (Q(x+1, yw) − Q(x+1, y)) / P(x+1, y)
        if up.any():
            res[up] = (gammaincc(x1[up], yw[up]) - gammaincc(x1[up], y[up])) / p1[up]
        out[g] = res
    s = np.flatnonzero(~c.gamma)
    if s.size:
        x1, y, tt = c.x[s] + 1.0, c.y[s], theta_t[s]
        # ln D = (x + 1)·ln w + y·(1 − w) + ln 𝒜(x + 1, yw) − ln 𝒜(x + 1, y)
        log_d = -x1 * tt - y * np.expm1(-tt) + np.log(_kummer(x1, y * np.exp(-tt))) - c.log_a1[s]
        out[s] = -np.expm1(log_d)
    return np.clip(out, 0.0, 1.0)


def _abandon_if_wait(c: _Core) -> np.ndarray:
    """P(ab | W > 0) = 1 − P(ans | W > 0), from the series where the subtraction would cancel."""
    out = 1.0 - c.answered_if_wait
    x, y = c.x, c.y
    ser = (c.answered_if_wait > 0.5) & ~((y > 0.5 * x) & (y > x - _ABANDON_SQRT * np.sqrt(x)))
    if ser.any():
        out[ser] = _abandon_series(x[ser], y[ser])
    return out


def _answered(c: _Core) -> np.ndarray:
    """1 − P(ab) = (1 − p_W) + p_W·P(ans | W > 0), a sum of non-negative terms."""
    return c.no_wait + c.wait * c.answered_if_wait


def _service_levels(c: _Core, theta_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(service level over offered calls, share of all calls answered)."""
    sl = c.no_wait + c.wait * c.answered_if_wait * _answered_in_time_share(c, theta_t)
    return sl, _answered(c)


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------
def _inputs(agents, load, aht_s, patience_s, *target_s) -> list[np.ndarray]:
    """Checked, broadcast (agents, load, aht_s, patience_s[, target_s])."""
    arrays = [
        _check("agents", agents, whole=True),
        _check("load", load),
        _check("aht_s", aht_s),
        _check("patience_s", patience_s, low_open=True),
    ]
    arrays += [_check("target_s", t) for t in target_s]
    arrays = list(np.broadcast_arrays(*arrays))
    _check_aht_with_load(arrays[2], arrays[1])
    return arrays


def _queue(n, a, h, p) -> tuple[np.ndarray, _Core | None]:
    """The hours with agents and traffic, and their core quantities (None if there are none)."""
    ok = (n >= 1) & (a > 0)
    if not ok.any():
        return ok, None
    return ok, _core(n[ok], a[ok], p[ok] / h[ok])


def wait_probability(agents, load, aht_s, patience_s):
    """Probability that a call finds all agents busy (and queues), Erlang A.

    ``agents``: whole number of agents (>= 0); ``load``: offered load in Erlangs (calls per
    hour × handling time in seconds / 3600); ``aht_s``: mean handling time in seconds (> 0
    where load > 0); ``patience_s``: callers' mean patience in seconds (> 0). Broadcasts;
    returns a probability in [0, 1]: 1 with traffic and no agents, 0 when load is 0.
    """
    n, a, h, p = _inputs(agents, load, aht_s, patience_s)
    out = np.where(a > 0, 1.0, 0.0)
    ok, c = _queue(n, a, h, p)
    if c is not None:
        out[ok] = c.wait
    return _out(out)


def abandon_probability(agents, load, aht_s, patience_s):
    """Probability that a call hangs up before an agent answers it, Erlang A.

    Arguments as :func:`wait_probability`. Broadcasts; returns a probability in [0, 1]:
    1 with traffic and no agents, 0 when load is 0.
    """
    n, a, h, p = _inputs(agents, load, aht_s, patience_s)
    out = np.where(a > 0, 1.0, 0.0)
    ok, c = _queue(n, a, h, p)
    if c is not None:
        out[ok] = c.wait * _abandon_if_wait(c)
    return _out(out)


def carried_load(agents, load, aht_s, patience_s):
    """Carried load in Erlangs, load × (1 − abandon probability): the mean number of busy
    agents. Divided by ``agents`` it is the occupancy :func:`required_agents` caps.

    Arguments as :func:`wait_probability`. Broadcasts; returns Erlangs in [0, min(load, agents)].
    """
    n, a, h, p = _inputs(agents, load, aht_s, patience_s)
    out = np.zeros(a.shape)
    ok, c = _queue(n, a, h, p)
    if c is not None:
        out[ok] = a[ok] * _answered(c)
    return _out(out)


def service_level(agents, load, aht_s, patience_s, target_s):
    """Share of all offered calls answered within ``target_s`` seconds, Erlang A.

    A call counts when it is answered and waited at most ``target_s``; a call that hangs up
    never counts, however long it waited. Arguments as :func:`wait_probability`, and
    ``target_s``: answer-time target in seconds (>= 0). Broadcasts; returns a share in
    [0, 1]: 0 with traffic and no agents, 1 when load is 0.
    """
    n, a, h, p, t = _inputs(agents, load, aht_s, patience_s, target_s)
    out = np.where(a > 0, 0.0, 1.0)
    ok, c = _queue(n, a, h, p)
    if c is not None:
        out[ok] = _service_levels(c, t[ok] / p[ok])[0]
    return _out(out)


def answered_service_level(agents, load, aht_s, patience_s, target_s):
    """Share of the answered calls answered within ``target_s`` seconds, Erlang A:
    P(wait <= target_s | answered) = :func:`service_level` / (1 − abandon probability).

    Arguments as :func:`service_level`. Broadcasts; returns a share in [0, 1]: 0 with
    traffic and no agents (no call is answered), 1 when load is 0.
    """
    n, a, h, p, t = _inputs(agents, load, aht_s, patience_s, target_s)
    out = np.where(a > 0, 0.0, 1.0)
    ok, c = _queue(n, a, h, p)
    if c is not None:
        sl, answered = _service_levels(c, t[ok] / p[ok])
        out[ok] = sl / answered
    return _out(out)


def average_speed_of_answer(agents, load, aht_s, patience_s):
    """Mean wait in seconds of the answered calls (ASA), Erlang A.

    Arguments as :func:`wait_probability`. Broadcasts; returns seconds: inf with traffic and
    no agents (no call is answered), 0 when load is 0.
    """
    n, a, h, p = _inputs(agents, load, aht_s, patience_s)
    out = np.where(a > 0, np.inf, 0.0)
    ok, c = _queue(n, a, h, p)
    if c is not None:
        waited = c.wait > 0
        asa = np.zeros(c.x.size)
        if waited.any():
            theta_ewv = _answered_wait(c.x[waited], c.y[waited])  # θ·E[V e^(−θV) | W > 0]
            asa[waited] = c.wait[waited] * theta_ewv * p[ok][waited] / _answered(c)[waited]
        out[ok] = asa
    return _out(out)


def required_agents(
    calls_per_hour,
    aht_s,
    patience_s,
    target_level,
    target_s,
    max_occupancy=1.0,
    min_agents=0,
    basis="offered",
    guess=None,
):
    """Fewest agents (integer) meeting the service level and the occupancy cap, Erlang A.

    ``calls_per_hour``: arrival rate (calls per hour, >= 0); ``aht_s``: mean handling time in
    seconds (>= 0); ``patience_s``: callers' mean patience in seconds (> 0); ``target_level``:
    share to answer within ``target_s`` seconds, in (0, 1); ``max_occupancy``: highest allowed
    carried load / agents, in (0, 1]; ``min_agents``: floor on the answer (whole number >= 0;
    e.g. an array with 1 where traffic > 0, else 0); ``basis``: ``"offered"`` counts the
    target on all offered calls (:func:`service_level`), ``"answered"`` on the answered ones
    (:func:`answered_service_level`).

    Returns ``max(n*, min_agents)`` where n* is the smallest n >= 1 with the service level
    >= ``target_level`` and ``carried_load(n) / n <= max_occupancy`` (up to
    :data:`lib.queues.erlang.OCCUPANCY_RTOL`); n* = 0 when there is no traffic. With abandonment
    every n >= 1 is stable, so n* may be at or below the load. All arguments except
    ``basis`` broadcast; the result is an int64 array (a NumPy integer for scalar inputs).

    ``guess``: where the search starts per hour (e.g. the answer for nearby traffic; whole
    numbers, broadcast like the rest); the answer does not depend on it (the search verifies
    n and n − 1), only the time does. Default: one below the Erlang C staffing.
    """
    if not isinstance(basis, str) or basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}; got {basis!r}")
    calls = _check("calls_per_hour", calls_per_hour)
    aht = _check("aht_s", aht_s)
    pat = _check("patience_s", patience_s, low_open=True)
    level = _check("target_level", target_level, low_open=True, high=1.0, high_open=True)
    t = _check("target_s", target_s)
    occ = _check("max_occupancy", max_occupancy, low_open=True, high=1.0)
    floor_n = _check("min_agents", min_agents, whole=True)
    args = (calls, aht, pat, level, t, occ, floor_n)
    if guess is None:
        return _out(erlang.blockwise(_solve_block, args, answered=basis == "answered"))
    start = _check("guess", guess, whole=True)
    return _out(erlang.blockwise(_solve_block, (*args, start), answered=basis == "answered"))


def meets_target(
    agents,
    calls_per_hour,
    aht_s,
    patience_s,
    target_level,
    target_s,
    max_occupancy=1.0,
    basis="offered",
    max_abandonment=None,
):
    """Whether ``agents`` agents meet the service level and the occupancy cap of
    :func:`required_agents` (boolean array): true where there is no traffic, false where there
    is traffic and no agent. For n >= 1 the test is monotone in n, so ``required_agents(...) >
    agents`` is exactly ``~meets_target(agents, ...) | (agents < min_agents)``: one evaluation
    where :func:`required_agents` searches (the staffing surrogate's step curves, which ask
    whether a board-hour needs more than a given number of agents). Arguments as in
    :func:`required_agents`; ``agents`` a whole number >= 0. ``max_abandonment`` (a share, or
    None): also no more than this share hanging up, :func:`abandon_probability` on the same
    core quantities (the answered basis's cap, ``lib.queues.models``), so the cap costs no
    second evaluation."""
    if not isinstance(basis, str) or basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}; got {basis!r}")
    n, calls, aht, pat, level, t, occ = np.broadcast_arrays(
        _check("agents", agents, whole=True),
        _check("calls_per_hour", calls_per_hour),
        _check("aht_s", aht_s),
        _check("patience_s", patience_s, low_open=True),
        _check("target_level", target_level, low_open=True, high=1.0, high_open=True),
        _check("target_s", target_s),
        _check("max_occupancy", max_occupancy, low_open=True, high=1.0),
    )
    load = offered_load(calls, aht)
    out = load <= 0
    ok = (load > 0) & (n >= 1)
    if ok.any():
        cap = None if max_abandonment is None else _check("max_abandonment", max_abandonment, high=1.0)
        out[ok] = _meets(
            n[ok].astype(float),
            load[ok],
            pat[ok] / aht[ok],
            t[ok] / pat[ok],
            level[ok],
            occ[ok],
            basis == "answered",
            cap,
        )
    return out


def _solve_block(calls, aht, pat, level, t, occ, floor_n, start=None, *, answered: bool) -> np.ndarray:
    """required_agents on flat, equally long arrays (one block of hours)."""
    load = offered_load(calls, aht)
    n = np.zeros(load.shape)
    busy = np.flatnonzero(load > 0)
    if busy.size:
        c, h, p, lv, tb, oc = calls[busy], aht[busy], pat[busy], level[busy], t[busy], occ[busy]
        if start is None:
            # One below the Erlang C staffing: hang-ups shorten the queue, so Erlang A usually
            # needs that or one more, and either is then decided in two evaluations.
            guess = np.asarray(erlang.required_agents(c, h, lv, tb, oc), dtype=float) - 1.0
        else:
            guess = np.asarray(start[busy], dtype=float)
        n[busy] = _search(guess, load[busy], p / h, tb / p, lv, oc, answered)
    return np.maximum(n, floor_n).astype(np.int64)


#: How close (absolute) P(ab) by subtraction may come to an abandonment cap before the series of
#: :func:`_abandon_if_wait` decides: the subtraction's error is orders of magnitude smaller.
_CAP_MARGIN = 1e-9


def _meets(n, a, kappa, theta_t, lv, occ, answered: bool, max_abandon=None) -> np.ndarray:
    """Service level >= lv and carried load / n <= occ (to OCCUPANCY_RTOL), for n >= 1, A > 0.

    The same decisions as computing the service level of every hour (:func:`_service_levels`),
    but the share answered within t (1 − D, two incomplete gamma values) only where the
    occupancy and the level's bounds leave it open: the service level as computed,
    (1 − p_W) + p_W·P(ans | W > 0)·(1 − D) with 0 <= 1 − D <= 1, lies between 1 − p_W and the
    answered share (1 − p_W) + p_W·P(ans | W > 0) in floating point too (rounding is
    monotone), so an hour whose 1 − p_W already meets the level (on the answered basis
    (1 − p_W)/share), or whose answered share falls short of it (offered basis), is decided
    without it. ``max_abandon`` (a share, or None): also P(ab) = p_W·P(ab | W > 0) not above it,
    as :func:`abandon_probability` computes it, where the rest is met."""
    c = _core(n, a, kappa)
    share = _answered(c)
    ok = a * share <= occ * n * (1.0 + OCCUPANCY_RTOL)
    low = c.no_wait / share if answered else c.no_wait  # the service level's lower bound
    open_ = ok & ~(low >= lv)  # NaN (nothing answered) stays open: computed as before
    if not answered:
        open_ &= share >= lv  # the upper bound (the answered share) meets the level
    idx = np.flatnonzero(open_)
    if idx.size:
        sub = _Core(*(f[idx] for f in c))
        sl = sub.no_wait + sub.wait * sub.answered_if_wait * _answered_in_time_share(sub, theta_t[idx])
        if answered:
            sl = sl / share[idx]
        ok[idx] = sl >= lv[idx]
    if not answered:
        ok &= share >= lv  # an answered share below the level: the service level is too
    if max_abandon is not None:
        idx = np.flatnonzero(ok)
        if idx.size:
            sub = _Core(*(f[idx] for f in c))
            # P(ab) by subtraction, off by far less than 1e-9 from abandon_probability's value;
            # where it is that close to the cap (or NaN), abandon_probability's own way decides.
            lost = sub.wait * (1.0 - sub.answered_if_wait)
            near = ~(np.abs(lost - max_abandon) > _CAP_MARGIN)
            if near.any():
                close = _Core(*(f[near] for f in sub))
                lost[near] = close.wait * _abandon_if_wait(close)
            ok[idx] = ~(lost > max_abandon)  # abandon_probability's test
    return ok


def _search(guess, a, kappa, theta_t, lv, occ, answered: bool) -> np.ndarray:
    """Smallest n >= 1 with _meets(n) per hour (:func:`smallest_meeting`)."""

    def meets(idx, n):
        return _meets(n, a[idx], kappa[idx], theta_t[idx], lv[idx], occ[idx], answered)

    return smallest_meeting(guess, meets)


def smallest_meeting(guess: np.ndarray, meets) -> np.ndarray:
    """Smallest n >= 1 per hour with ``meets(idx, n)`` true, for a test monotone in n (n = 0
    never meets a target: nobody is answered). ``meets(idx, n)`` judges the hours at positions
    ``idx`` with agents ``n`` (float arrays of equal length).

    From the guess, the hours that meet the target gallop down (guess − 1, − 2, − 4, …) until
    one fails or 0 is reached, the others gallop up until one meets it; then bisection closes
    the last gap. Each round touches only the hours still undecided. Shared by Erlang A and
    the chat pool (:mod:`lib.queues.chat`).
    """
    guess = np.maximum(np.asarray(guess, dtype=float), 1.0)
    ok = meets(np.arange(guess.size), guess)
    lo = np.where(ok, 0.0, guess)  # fails (0 always does)
    hi = np.where(ok, guess, np.inf)  # meets
    step = np.ones(guess.size)
    todo = np.arange(guess.size)
    down = ok.copy()
    while todo.size:  # galloping, down from hi or up from lo
        d = down[todo]
        cand = np.where(d, hi[todo] - step[todo], lo[todo] + step[todo])
        known = d & (cand <= 0)  # reached 0: lo = 0 is known to fail
        test = ~known
        res = np.zeros(todo.size, dtype=bool)
        res[test] = meets(todo[test], cand[test])
        hi[todo[res]] = cand[res]
        fail = test & ~res
        lo[todo[fail]] = cand[fail]
        step[todo] *= 2.0
        more = np.where(d, res, fail)  # down: keep going while it meets; up: while it fails
        todo = todo[more]
    todo = np.flatnonzero(hi - lo > 1)
    while todo.size:  # bisection on (lo, hi]
        mid = np.floor((lo[todo] + hi[todo]) / 2.0)
        res = meets(todo, mid)
        hi[todo[res]] = mid[res]
        lo[todo[~res]] = mid[~res]
        todo = todo[hi[todo] - lo[todo] > 1]
    return hi
