"""Tests of lib.model.engine (the compressed exact solve, step curves) and lib.valuation.batch
(the batch of assumption sets, exactly and through the surrogate)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from frames import rates_frame

from lib.core.assumptions import Assumptions
from lib.model import engine as se
from lib.model import staffing
from lib.model.concepts import board_hours, traffic
from lib.queues.models import solve
from lib.valuation import batch as vb

A = Assumptions()
RNG = np.random.default_rng(11)
# Three districts over two days of hours, with repeated (calls, AHT) pairs and idle hours.
_CALLS = np.round(RNG.uniform(0, 40, (3, 48)), 1)
_CALLS[:, ::7] = 0.0
_CALLS[1, :10] = _CALLS[0, :10]
_AHT = np.round(RNG.uniform(150, 260, (3, 48)), 0)
_AHT[1, :10] = _AHT[0, :10]
RATES = rates_frame(_CALLS, _AHT, districts=("Oslo", "Agder", "Vest"))


def test_compression_keeps_every_busy_board_hour_and_its_traffic():
    bh = board_hours(RATES)
    c = se.Compressed.of(bh.calls, bh.aht_s)
    busy = bh.calls > 0
    assert c.count.sum() == busy.sum()
    assert len(c.calls) < busy.sum()  # the repeated hours share a pair
    assert c.contacts == pytest.approx(bh.calls.sum(), rel=1e-12)
    assert (c.count * c.calls * c.aht_s).sum() == pytest.approx((bh.calls * bh.aht_s).sum(), rel=1e-12)


@pytest.mark.parametrize("overrides", [{}, {"min_agents": 2, "max_occupancy": 0.75}, {"queue_model": "erlang_a"}])
def test_every_board_hour_equals_a_direct_solve_of_its_traffic(overrides):
    # the engine solves each distinct pair of a layout once: the same agents as solving every
    # board-hour of the concept's traffic, for every concept and year
    a = A.replace(**overrides, patience_s=180.0)
    engine = se.Engine(RATES, a)
    for concept in ("base", "I", "IIb", "III"):
        years = [None] if concept in ("base", "I") else [a.first_year, a.last_year]
        for y, (agents, wait) in zip(years, engine.board_hours(concept, years), strict=True):
            calls, aht = traffic(concept, board_hours(RATES), y, a)
            direct, direct_wait = solve(calls, aht, engine_target(concept, a), a)
            np.testing.assert_array_equal(agents, direct)
            np.testing.assert_allclose(wait, direct_wait, rtol=1e-12, atol=1e-12)


def engine_target(concept, a):
    from lib.model.concepts import service_time_s

    return service_time_s(concept, a)


@pytest.mark.parametrize("overrides", [{}, {"iib_split": "livechat_first"}, {"min_agents": 2, "max_occupancy": 0.75}])
def test_the_batch_arrays_at_one_set_equal_run_all(overrides):
    a = A.replace(**overrides)
    full = staffing.run_all(RATES, a)
    arrays = vb.staffing_arrays(se.Engine(RATES, a), a)
    assert set(arrays.agent_hours) == set(vb.needed_concepts(a))
    assert arrays.base_agent_hours == full.base_agent_hours
    for concept in vb.needed_concepts(a):
        np.testing.assert_allclose(
            arrays.staffing(concept, "person_years"), full.staffing(concept, "person_years"), rtol=1e-12
        )
    for concept in vb.wait_concepts(a):
        np.testing.assert_allclose(arrays.staffing(concept, "asa_s"), full.staffing(concept, "asa_s"), rtol=1e-12)
    for name in arrays.effects:
        np.testing.assert_allclose(arrays.effect(name), full.effect(name), rtol=1e-12, atol=1e-12)


def test_engine_points_equal_direct_solves():
    engine = se.Engine(RATES, A)
    alpha, beta = np.array([0.5, 0.9, 1.0, 1.3]), np.array([1.0, 0.7, 1.0, 0.8])
    s, _ = engine.agent_hours("IIb", alpha, beta)
    bh = board_hours(RATES)
    for k in range(len(alpha)):
        agents, _ = solve(bh.calls * alpha[k], bh.aht_s * beta[k], A.service_time_today_s, A)
        assert s[k] == agents.sum()


@pytest.mark.parametrize("concept, beta", [("I", 1.0), ("IIb", 0.8), ("III", 0.9)])
def test_step_curve_is_exact_along_alpha(concept, beta):
    engine = se.Engine(RATES, A)
    curve = se.step_curve(engine, concept, beta, 0.3, 1.2)
    alpha = np.concatenate([[0.3, 1.2], RNG.uniform(0.3, 1.2, 200)])
    exact, _ = engine.agent_hours(concept, alpha, np.full(len(alpha), beta))
    np.testing.assert_array_equal(curve(alpha), exact)
    with pytest.raises(ValueError, match="outside the curve's range"):
        curve(np.array([1.5]))


@pytest.mark.parametrize("iterations", [0, 2, 6])
def test_step_curve_is_exact_however_coarse_its_brackets(iterations):
    # Coarse brackets leave most α inside some step's bracket: the queue model decides those.
    engine = se.Engine(RATES, A)
    curve = se.step_curve(engine, "IIb", 0.9, 0.3, 1.2, iterations=iterations)
    alpha = np.concatenate([[0.3, 1.2], RNG.uniform(0.3, 1.2, 100), curve.above[:20], curve.below[-20:]])
    exact, _ = engine.agent_hours("IIb", alpha, np.full(len(alpha), 0.9))
    np.testing.assert_array_equal(curve(alpha), exact)


def test_lagrange_reproduces_a_cubic():
    nodes = np.linspace(0.5, 1.0, 6)
    cubic = lambda x: 3 * x**3 - 2 * x**2 + x - 7  # noqa: E731
    x = RNG.uniform(0.5, 1.0, 50)
    values = np.tile(cubic(nodes), (50, 1))
    np.testing.assert_allclose(vb._lagrange(nodes, values, x), cubic(x), rtol=1e-12)


def test_surrogate_is_exact_at_the_anchor_and_close_nearby():
    engine = se.Engine(RATES, A)
    batch = A.replace(chat_share_last_year=0.45)  # a one-set "batch" away from the anchor
    sur = vb.Surrogate(engine, A).fit(batch)
    for concept in vb.needed_concepts(A):
        a0, b0 = vb.factors(concept, A)
        s, _ = sur.evaluate(concept, a0, b0)
        exact, _ = vb._exact(engine, concept, a0, b0, False)
        np.testing.assert_array_equal(s, exact)
        a1, b1 = vb.factors(concept, batch)
        s1, _ = sur.evaluate(concept, a1, b1)
        exact1, _ = vb._exact(engine, concept, a1, b1, False)
        np.testing.assert_allclose(s1, exact1, rtol=0.01)


def test_factors_follow_the_concepts_traffic():
    alpha, beta = vb.factors("IIb", A)
    assert alpha.shape == beta.shape == (A.last_year - A.first_year + 1,)
    s, r, red = A.chat_share_first_year, A.transfer_share_first_year, A.call_reduction_politiet_no
    assert alpha[0] == pytest.approx((1 - red) * (1 - s + s * r))
    q = s * r / (1 - s + s * r)
    assert beta[0] == pytest.approx(1 - q + q * A.chat_handling_factor)
    assert vb.factors("base", A)[0].tolist() == [1.0] * len(alpha)


def test_a_batch_may_not_vary_the_queue_model_settings():
    vb.check_batch(["chat_share_last_year", "actual_person_years", "discount_rate"])
    with pytest.raises(ValueError, match="max_occupancy"):
        vb.check_batch(["max_occupancy", "chat_share_last_year"])


def test_empty_rates_are_refused():
    empty = rates_frame([[0.0, 0.0]], [[0.0, 0.0]], districts=("Oslo",))
    with pytest.raises(ValueError, match="no agent-hours"):
        vb.staffing_arrays(se.Engine(empty, A), A)


def test_the_engine_takes_board_hours_and_frames_alike():
    a = staffing.run_all(RATES, A).by_year
    b = staffing.run_all(board_hours(RATES), A).by_year
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("overrides", [{}, {"queue_model": "erlang_a", "patience_s": 180.0}])
def test_a_remembered_point_gives_what_a_fresh_solve_gives(overrides):
    # the engine remembers points (the what-if page re-solves only what a change moves), keyed
    # on the exact inputs: every setting of the queue model and the target are in the key
    a = A.replace(**overrides)
    engine = se.Engine(RATES, a)
    alpha, beta = np.array([0.6, 0.9, 1.0]), np.array([1.0, 0.8, 1.0])
    first, _ = engine.agent_hours("IIb", alpha, beta)
    again, wait = engine.agent_hours("IIb", alpha[::-1], beta[::-1], with_wait=True)
    np.testing.assert_array_equal(again, first[::-1])
    fresh, fresh_wait = se.Engine(RATES, a).agent_hours("IIb", alpha[::-1], beta[::-1], with_wait=True)
    np.testing.assert_array_equal(again, fresh)
    np.testing.assert_allclose(wait, fresh_wait, rtol=1e-12)
    changes = [
        {"service_level_target": 0.9},
        {"max_occupancy": 0.6},
        {"min_agents": 3},
        {"service_time_today_s": 20.0},
        {"queue_model": "erlang_a", "patience_s": 60.0},
        {"queue_model": "erlang_a", "patience_s": 60.0, "service_level_basis": "answered", "max_abandonment": 0.02},
    ]
    for change in changes:
        engine.a = a.replace(**change)
        moved, _ = engine.agent_hours("IIb", alpha, beta)
        np.testing.assert_array_equal(moved, se.Engine(RATES, engine.a).agent_hours("IIb", alpha, beta)[0])
        assert not np.array_equal(moved, first), change  # each change moves the staffing here


def test_a_warm_started_point_gives_what_a_fresh_solve_gives():
    # Erlang A starts a new point's search at the agents of the nearest remembered point (of
    # any concept on the same boards and target): the same integers as a cold solve
    a = A.replace(queue_model="erlang_a", patience_s=150.0)
    engine = se.Engine(RATES, a)
    engine.agent_hours("I", np.array([0.9]), np.array([1.0]))
    alpha, beta = np.array([0.5, 0.88, 0.93, 1.4]), np.array([1.0, 0.8, 1.05, 1.2])
    for concept in ("IIa", "IIb"):
        warm, warm_wait = engine.agent_hours(concept, alpha, beta, with_wait=True)
        cold, cold_wait = se.Engine(RATES, a).agent_hours(concept, alpha, beta, with_wait=True)
        np.testing.assert_array_equal(warm, cold)
        np.testing.assert_allclose(warm_wait, cold_wait, rtol=1e-12)
        alpha = alpha * 0.97


def test_the_queue_models_read_only_their_solve_settings():
    # the engine's memory is keyed on SOLVE_SETTINGS: a queue model reading any other
    # assumption would be served stale numbers
    from lib.queues import models

    class Recording:
        def __init__(self, a):
            self._a, self.read = a, set()

        def __getattr__(self, name):
            self.read.add(name)
            return getattr(self._a, name)

    calls, aht = np.array([0.0, 3.0, 30.0, 120.0]), np.array([0.0, 180.0, 200.0, 240.0])
    for overrides in (
        {},
        {"queue_model": "erlang_a", "patience_s": 120.0},
        {"queue_model": "erlang_a", "patience_s": 120.0, "service_level_basis": "answered"},
    ):
        r = Recording(A.replace(**overrides))
        agents, _ = models.solve(calls, aht, 60.0, r)
        model = models.queue_model(r)
        model.answered_share(agents, calls, aht, r)
        model.service_level(agents[1:], calls[1:], aht[1:], 60.0, r, "offered")
        assert r.read <= set(models.SOLVE_SETTINGS), r.read - set(models.SOLVE_SETTINGS)


def test_distinct_board_hours_are_solved_once_with_the_same_agents():
    bh = board_hours(RATES)
    for a in (A, A.replace(queue_model="erlang_a", patience_s=180.0)):
        np.testing.assert_array_equal(
            se.required_agents_distinct(bh.calls, bh.aht_s, 60.0, a), solve(bh.calls, bh.aht_s, 60.0, a)[0]
        )
