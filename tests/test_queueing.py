"""The queue-model seam: Erlang C behind it, and any model plugged in without touching staffing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from frames import rates_frame

from lib.core.assumptions import Assumptions
from lib.model.staffing import run_all, staff
from lib.queues import erlang
from lib.queues import models as queueing

A = Assumptions()


def test_erlang_c_is_the_default_and_the_reports_method():
    assert isinstance(queueing.queue_model(A), queueing.ErlangC)
    calls = np.array([0.0, 10.0, 250.0])
    aht = np.array([0.0, 180.0, 240.0])
    agents, wait = queueing.solve(calls, aht, 95.0, A)
    assert agents[0] == 0 and wait[0] == 0.0  # no traffic, no agent, no wait
    expected = erlang.required_agents(calls[1:], aht[1:], 0.8, 95.0, max_occupancy=0.8, min_agents=1)
    assert agents[1:].tolist() == expected.tolist()
    assert wait[1:] == pytest.approx(erlang.average_speed_of_answer(expected, calls[1:] * aht[1:] / 3600, aht[1:]))


class Doubling:
    """A stand-in queue model: twice Erlang C's agents, half its wait."""

    name = "erlang_c"

    def required_agents(self, calls_per_hour, aht_s, target_s, a):
        return 2 * queueing.ErlangC().required_agents(calls_per_hour, aht_s, target_s, a)

    def mean_wait_s(self, agents, calls_per_hour, aht_s, a):
        return queueing.ErlangC().mean_wait_s(agents // 2, calls_per_hour, aht_s, a) / 2


def test_a_queue_model_plugs_in_without_touching_concepts_or_staffing(monkeypatch):
    rates = rates_frame([[10, 40], [5, 0]], [[180, 200], [150, 0]])
    before = staff("III", rates, 2030, A)
    monkeypatch.setitem(queueing.REGISTRY, "erlang_c", Doubling())
    after = staff("III", rates, 2030, A)
    assert after.agents.tolist() == (2 * before.agents).tolist()
    assert after.asa_s == pytest.approx(before.asa_s / 2)
    # relative scaling: doubling every staffing leaves the scaled person-years unchanged
    r = run_all(rates, A)
    assert r.by_year["person_years"].notna().all()


def test_the_registry_holds_exactly_the_queue_models_the_assumption_names():
    from lib.core.assumptions import QUEUE_MODELS

    assert tuple(queueing.REGISTRY) == QUEUE_MODELS
    assert all(m.name == name for name, m in queueing.REGISTRY.items())


def test_the_seam_gives_each_models_own_service_level():
    from lib.queues import erlang_a

    a = Assumptions().replace(patience_s=120.0)
    n, calls, aht = np.array([3, 5]), np.array([40.0, 90.0]), np.array([180.0, 150.0])
    load = erlang.offered_load(calls, aht)
    c = queueing.REGISTRY["erlang_c"]
    for basis in ("offered", "answered"):
        assert np.array_equal(c.service_level(n, calls, aht, 95.0, a, basis), erlang.service_level(n, load, aht, 95.0))
    m = queueing.REGISTRY["erlang_a"]
    assert np.array_equal(
        m.service_level(n, calls, aht, 95.0, a, "offered"), erlang_a.service_level(n, load, aht, 120.0, 95.0)
    )
    assert np.array_equal(
        m.service_level(n, calls, aht, 95.0, a, "answered"),
        erlang_a.answered_service_level(n, load, aht, 120.0, 95.0),
    )
    with pytest.raises(ValueError, match="basis"):
        c.service_level(n, calls, aht, 95.0, a, "all")


def test_erlang_a_counts_all_calls_by_default_and_caps_hang_ups_on_the_answered_basis():
    from lib.queues import erlang_a

    a = Assumptions().replace(queue_model="erlang_a", patience_s=60.0)
    assert a.service_level_basis == "offered"
    calls, aht = np.array([30.0, 120.0, 400.0]), np.array([180.0, 180.0, 180.0])
    load = erlang.offered_load(calls, aht)
    m = queueing.REGISTRY["erlang_a"]
    answered = a.replace(service_level_basis="answered", max_abandonment=1.0)  # no cap
    loose = m.required_agents(calls, aht, 95.0, answered)
    assert (loose <= m.required_agents(calls, aht, 95.0, a)).all()  # the answered basis rewards hang-ups
    capped = m.required_agents(calls, aht, 95.0, answered.replace(max_abandonment=0.02))
    assert (np.asarray(erlang_a.abandon_probability(capped, load, aht, 60.0)) <= 0.02).all()
    assert (np.asarray(erlang_a.abandon_probability(capped - 1, load, aht, 60.0)) > 0.02).any() or (
        capped == loose
    ).all()
    assert (capped >= loose).all()
    with pytest.raises(ValueError):
        Assumptions().replace(max_abandonment=0.0)


def test_table1_under_erlang_a_splits_into_model_and_basis_effects():
    from lib.valuation.table1 import EFFECT_SPLIT_COLUMNS, model_and_basis_effects

    c = pd.DataFrame({"row": ["x", "Sum"], "I": [10.0, 20.0], "III": [np.nan, 40.0]})
    off = c.assign(I=[12.0, 25.0], III=[np.nan, 30.0])
    ans = c.assign(I=[11.0, 21.0], III=[np.nan, 20.0])
    e = model_and_basis_effects(c, off, ans)
    assert tuple(e.columns) == EFFECT_SPLIT_COLUMNS and len(e) == 3  # the empty cell is left out
    s = e.set_index(["row", "concept"])
    assert s.loc[("Sum", "III"), "model_effect"] == -10.0 and s.loc[("Sum", "III"), "basis_effect"] == -10.0
    assert (s["erlang_c"] + s["model_effect"] + s["basis_effect"] == s["erlang_a_answered"]).all()


@pytest.mark.parametrize(
    ("model", "basis", "floor"),
    [("erlang_a", "offered", 1), ("erlang_a", "answered", 2), ("erlang_c", "offered", 1), ("erlang_a", "offered", 3)],
)
def test_needs_more_is_required_agents_above_the_agents_given(model, basis, floor):
    """The step curves of the staffing surrogate ask whether a board-hour needs more than k agents;
    Erlang A answers with one evaluation instead of a search. It must be the search's answer exactly,
    at, below and above the requirement, with the floor and (answered basis) the abandonment cap."""
    rng = np.random.default_rng(11)
    calls = np.round(rng.uniform(0, 90, 6000), 3)
    calls[:200] = 0.0
    aht = rng.uniform(90, 320, 6000)
    a = Assumptions().replace(queue_model=model, service_level_basis=basis, patience_s=300.0, min_agents=floor)
    required = queueing.required_agents(calls, aht, 95.0, a)
    for shift in (-3, -1, 0, 1, 2):
        k = np.maximum(required + shift, 0)
        np.testing.assert_array_equal(queueing.needs_more(k, calls, aht, 95.0, a), required > k)
