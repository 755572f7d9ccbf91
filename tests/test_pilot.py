"""The exhaustive pilot planner: every set pooled, singles save nothing, the full set is concept III."""

from __future__ import annotations

import numpy as np
import pytest
from frames import rates_frame

from lib.core import plotstyle
from lib.core.assumptions import Assumptions
from lib.core.districts import DISTRICTS
from lib.model.concepts import board_hours, pool, traffic
from lib.model.staffing import staff
from lib.planning import pilot
from lib.queues.models import solve

A = Assumptions()
FOUR = ("Oslo", "Øst", "Agder", "Finnmark")


@pytest.fixture(scope="module")
def bh():
    """Four districts, 48 hours of uneven traffic (contacts per hour) and handling times (s)."""
    rng = np.random.default_rng(7)
    level = np.array([40.0, 25.0, 8.0, 1.5])[:, None]
    shape = 0.3 + np.sin(np.linspace(0, 2 * np.pi, 48)) ** 2
    calls = np.round(level * shape * rng.uniform(0.8, 1.2, (4, 48)), 2)
    calls[3, :6] = 0.0  # quiet hours in the smallest district
    aht = rng.uniform(150, 240, (4, 48))
    return board_hours(rates_frame(calls.tolist(), aht.tolist(), FOUR, start="2023-03-06 00:00"))


@pytest.fixture(scope="module")
def found(bh):
    return pilot.search(bh, A)


def test_membership_rows_are_bitmasks():
    m = pilot.membership(3)
    assert m.shape == (7, 3)
    assert m[0].tolist() == [True, False, False] and m[2].tolist() == [True, True, False]
    assert m[-1].all() and len({tuple(r) for r in m}) == 7


def test_pooled_traffic_is_pool_of_every_set(bh):
    calls, aht = traffic("IIb", bh, A.first_year, A)
    members = pilot.membership(4)
    total, mean_aht = pool(calls, aht, members)
    for row, m in enumerate(members):
        c, h = pool(calls[m], aht[m])
        assert np.array_equal(total[row], c[0])
        np.testing.assert_allclose(mean_aht[row], h[0], rtol=1e-12)
    # the full set is bitwise the national queue; a single district keeps its own AHT
    assert np.array_equal(mean_aht[-1], pool(calls, aht)[1][0])
    assert np.array_equal(mean_aht[1 - 1], aht[0]) and np.array_equal(mean_aht[8 - 1], aht[3])


def test_single_district_saves_exactly_nothing(found):
    assert found.saving.shape == (2, 15)
    assert (found.saving[:, found.sizes == 1] == 0).all()


def test_full_set_is_concept_iii(bh, found):
    t = found.target_index(A.service_time_centre_s)
    iii = staff("III", bh, A.first_year, A).agent_hours
    assert found.pooled[t, -1] == iii
    calls, aht = traffic("IIb", bh, A.first_year, A)
    separate_20 = int(solve(calls, aht, A.service_time_centre_s, A)[0].sum())
    assert found.full_saving[t] == separate_20 - iii
    assert pilot.consistency(found, bh, A)["equal"].all()


def test_separate_boards_at_today_target_are_iib(bh, found):
    t = found.target_index(A.service_time_today_s)
    iib = staff("IIb", bh, A.first_year, A)
    assert found.separate[t].tolist() == iib.agents.sum(axis=1).tolist()


def test_a_pair_against_a_direct_solve(bh, found):
    calls, aht = traffic("IIb", bh, A.first_year, A)
    i, j = FOUR.index("Øst"), FOUR.index("Finnmark")
    c, h = pool(calls[[i, j]], aht[[i, j]])
    for t, target in enumerate(found.targets_s):
        pooled = int(solve(c, h, target, A)[0].sum())
        separate = int(solve(calls[[i, j]], aht[[i, j]], target, A)[0].sum())
        row = found.row(("Finnmark", "Øst"))
        assert found.pooled[t, row] == pooled
        assert found.saving[t, row] == separate - pooled
        assert found.label(row) == "Øst + Finnmark"


def test_scaling_to_person_years_and_mnok(bh, found):
    s_base = staff("base", bh, None, A).agent_hours
    sets = pilot.all_sets(found)
    assert len(sets) == 2 * 15
    np.testing.assert_allclose(sets["saving_person_years"], sets["saving_agent_hours"] * A.actual_person_years / s_base)
    np.testing.assert_allclose(
        sets["saving_mnok_per_year"], sets["saving_person_years"] * A.cost_per_person_year_nok / 1e6
    )
    full = sets[sets["k"] == 4]
    assert (full["share_of_full"] == 1.0).all()


def test_best_greedy_and_curve_agree(found):
    sets = pilot.all_sets(found)
    curve = pilot.pooling_curve(found)
    chosen = pilot.pilot_sets(found)
    greedy = pilot.greedy_order(found)
    for target in found.targets_s:
        best = chosen[(chosen["selection"] == "best") & (chosen["target_s"] == target)].set_index("k")
        of_target = sets[sets["target_s"] == target]
        top = of_target.groupby("k")["saving_agent_hours"].max()
        assert best["saving_agent_hours"].tolist() == top.loc[2:].tolist()
        g = greedy[greedy["target_s"] == target]
        assert g["k"].tolist() == [2, 3, 4]
        assert (g["greedy_vs_best"] <= 1.0 + 1e-12).all()
        assert g["saving_agent_hours"].iloc[0] == best.loc[2, "saving_agent_hours"]  # starts at the best pair
        c = curve[curve["target_s"] == target]
        assert (c["best"] >= c["median"]).all() and (c["median"] >= c["worst"]).all()
        assert c["n_sets"].tolist() == [4, 6, 4, 1]
        assert c["best"].iloc[0] == 0 and c["greedy"].iloc[-1] == pytest.approx(c["best"].iloc[-1])
    assert set(pilot.SET_COLUMNS) <= set(chosen.columns)
    assert {"best", "greedy", "largest", "smallest", "Øst", "Oslo-området"} <= set(chosen["selection"])
    largest = chosen[(chosen["selection"] == "largest") & (chosen["k"] == 2)]["districts"].iloc[0]
    assert largest == "Oslo + Øst"


def test_regions_are_modelled_districts():
    for name, districts in pilot.REGIONS.items():
        assert set(districts) <= set(DISTRICTS) - set(A.excluded_districts), name
        assert len(districts) >= 2


def test_row_rejects_unknown_district(found):
    with pytest.raises(ValueError, match="Trøndelag"):
        found.row(("Oslo", "Trøndelag"))
    with pytest.raises(ValueError, match="not searched"):
        found.target_index(30.0)


def test_curve_figure_has_norwegian_title(found):
    fig = pilot.plot_curve(pilot.pooling_curve(found), A)
    assert "politidistrikt" in plotstyle.title_of(fig)
    assert fig.axes[0].get_xlabel() == "Antall politidistrikt i piloten"


@pytest.mark.parametrize("queue_model", ["erlang_c", "erlang_a"])
@pytest.mark.parametrize("districts", [("Oslo", "Øst"), ("Agder",), ("Øst", "Agder", "Finnmark"), FOUR])
def test_one_pilot_alone_is_the_searchs_row(bh, found, districts, queue_model):
    """pilot_saving (the what-if page's pilot) gives exactly the search's numbers for that set."""
    a = A.replace(queue_model=queue_model, patience_s=180.0) if queue_model == "erlang_a" else A
    one = pilot.pilot_saving(bh, a, districts)
    every = pilot.all_sets(found if a is A else pilot.search(bh, a))
    label = pilot.JOIN.join(d for d in bh.boards if d in districts)
    for row in one.itertuples():
        ref = every[(every["districts"] == label) & (every["target_s"] == row.target_s)].iloc[0]
        for col in ("separate_agent_hours", "pooled_agent_hours", "saving_agent_hours"):
            assert getattr(row, col) == ref[col]
        assert row.saving_person_years == pytest.approx(ref["saving_person_years"], rel=1e-12)
        assert row.share_of_full == pytest.approx(ref["share_of_full"], rel=1e-12, nan_ok=True)


def test_one_pilot_refuses_unknown_or_no_districts(bh):
    with pytest.raises(ValueError, match="unknown"):
        pilot.pilot_saving(bh, A, ("Oslo", "Atlantis"))
    with pytest.raises(ValueError, match="at least one"):
        pilot.pilot_saving(bh, A, ())
