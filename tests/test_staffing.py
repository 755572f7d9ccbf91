"""The staffing model: hand-checked agents, pooling, the floor, relative savings, effects, files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from frames import rates_frame
from hypothesis import given, settings
from hypothesis import strategies as st

from lib.core.assumptions import Assumptions
from lib.model.staffing import StaffingResult, run_all, staff


def brute_agents(calls, aht, target_s, level=0.8, occ=0.8, floor=1):
    """Smallest n meeting the SL and occupancy, by a loop over n with Erlang B's recursion."""
    if calls == 0:
        return 0
    a = calls * aht / 3600.0
    b, n = 1.0, 0
    while True:
        n += 1
        b = a * b / (n + a * b)  # Erlang B(n)
        if n <= a or a / n > occ + 1e-12:
            continue
        c = n * b / (n - a * (1 - b))  # Erlang C(n)
        if 1 - c * math.exp(-(n - a) * target_s / aht) >= level and n >= floor:
            return n


P = Assumptions()


# --- one board-hour by hand ------------------------------------------------------------------


def test_params_are_the_reports():
    assert (
        P.max_occupancy,
        P.service_level_target,
        P.service_time_today_s,
        P.service_time_centre_s,
        P.min_agents,
        P.actual_person_years,
    ) == (0.8, 0.8, 95.0, 20.0, 1, 90.0)
    q = P.replace(min_agents=2)
    assert q.min_agents == 2 and q.table().set_index("assumption").loc["min_agents", "overridden"]


def test_hand_case_ten_calls_of_three_minutes():
    # A = 0.5 Erl. n = 1: C = 0.5, SL95 = 1 - 0.5 e^(-0.5 x 95/180) = 0.616 < 0.8.
    # n = 2: B = 0.125/1.625, C = 0.1, SL95 = 1 - 0.1 e^(-1.5 x 95/180) = 0.955 -> 2 agents;
    # ASA = C x AHT / (n - A) = 0.1 x 180 / 1.5 = 12 s.
    s = staff("base", rates_frame([[10]], [[180]], ("Oslo",)), None, P)
    assert s.agents.tolist() == [[2]]
    assert s.asa_s[0, 0] == pytest.approx(12.0)
    assert s.load[0, 0] == pytest.approx(0.5)


def test_pooling_two_boards_by_hand():
    # Two boards of 10 calls/h at 180 s: 2 agents each. Pooled: 20 calls/h, A = 1:
    # n = 2: C = 1/3; SL95 = 1 - e^(-95/180)/3 = 0.803 -> 2 agents (80/95),
    # SL20 = 1 - e^(-20/180)/3 = 0.702 < 0.8; n = 3: C = 1/11, SL20 = 0.927 -> 3 agents (80/20).
    rates = rates_frame([[10], [10]], [[180], [180]])
    assert staff("base", rates, None, P).agents.tolist() == [[2], [2]]
    # Board rates chosen so that 2033's IIb traffic is 10 calls/h at 180 s per board
    # (arrivals x 0.54, handling time x (1 - 0.49/6)); III pools it to 20 calls/h at 180 s.
    rates = rates.assign(rate_per_hour=10 / 0.54, aht_s=180 / (1 - 0.49 / 6))
    separate = staff("IIb", rates, 2033, P)
    assert separate.calls.ravel() == pytest.approx([10, 10]) and separate.aht_s.ravel() == pytest.approx([180, 180])
    assert separate.agents.tolist() == [[2], [2]]
    pooled = staff("III", rates, 2033, P)
    assert pooled.calls.ravel() == pytest.approx([20]) and pooled.aht_s.ravel() == pytest.approx([180])
    assert pooled.agents.tolist() == [[3]]  # 80/20
    assert staff("III", rates, 2033, P.replace(service_time_centre_s=95.0)).agents.tolist() == [[2]]


def test_separate_and_pooled_against_brute_force():
    calls = [[0, 3.5, 40, 250, 12.2, 0.4], [7, 0, 90, 20, 300, 1.0]]
    aht = [[150, 200, 180, 240, 90, 300], [210, 100, 160, 200, 175, 120]]
    rates = rates_frame(calls, aht)
    for name, year in (("base", None), ("I", None), ("IIa", 2028), ("IIb", 2030), ("III", 2031)):
        s = staff(name, rates, year, P)
        c, a = s.calls, s.aht_s
        target = 20.0 if name == "III" else 95.0
        expect = [[brute_agents(c[i, j], a[i, j], target) for j in range(c.shape[1])] for i in range(c.shape[0])]
        assert s.agents.tolist() == expect, name
    # pooled traffic of III 2031, by hand: s = 0.25 + 0.25 x 5/7, r = 0.30 - 0.10 x 5/7,
    # summed calls x 0.9 (1 - s + s r), load-weighted AHT x (1 - 0.49 q), q = s r / (1 - s + s r)
    sy, ry = 0.25 + 0.25 * 5 / 7, 0.30 - 0.10 * 5 / 7
    c, a = np.array(calls, float), np.array(aht, float)
    h = 1 - sy + sy * ry
    pc = c.sum(axis=0) * 0.9 * h
    pa = np.divide((c * a).sum(axis=0), c.sum(axis=0)) * (1 - 0.49 * sy * ry / h)
    s = staff("III", rates, 2031, P)
    assert s.boards == ("Nasjonalt",) and s.calls.shape == (1, 6)
    assert s.calls[0] == pytest.approx(pc) and s.aht_s[0] == pytest.approx(pa)
    assert s.agents[0].tolist() == [brute_agents(x, y, 20.0) for x, y in zip(pc, pa, strict=True)]


def test_min_agents_floor_only_in_hours_with_traffic():
    rates = rates_frame([[0, 0.01, 50]], [[180, 180, 180]], ("Finnmark",))
    # 0.01 calls/h need one agent (n > A); 50 calls/h at 180 s: A = 2.5 -> brute force
    n50 = brute_agents(50, 180, 95)
    assert staff("base", rates, None, P.replace(min_agents=0)).agents.tolist() == [[0, 1, n50]]
    assert staff("base", rates, None, P).agents.tolist() == [[0, 1, n50]]
    assert staff("base", rates, None, P.replace(min_agents=3)).agents.tolist() == [[0, 3, max(3, n50)]]


# --- run_all: relative savings and effects ------------------------------------------------------

RATES = rates_frame(
    [[0, 3.5, 40, 250, 12.2, 0.4], [7, 0, 90, 20, 300, 1.0]],
    [[150, 200, 180, 240, 90, 300], [210, 100, 160, 200, 175, 120]],
)
SMALL = P.replace(
    first_year=2026,
    last_year=2028,
    chat_share_last_year=0.25 + 0.25 * 2 / 7,
    transfer_share_last_year=0.30 - 0.10 * 2 / 7,
)


@pytest.fixture(scope="module")
def result():
    return run_all(RATES, SMALL)


def test_by_year_schema_and_rows(result):
    by = result.by_year
    assert list(by.columns) == [
        "concept",
        "year",
        "agent_hours",
        "model_person_years",
        "person_years",
        "saving_person_years",
        "asa_s",
        "phone_calls",
    ]
    assert list(by.concept.unique()) == ["base", "I", "IIa", "IIb_chatbot", "IIb_livechat", "IIb", "III"]
    assert list(zip(by.concept, by.year, strict=True)) == [
        (c, y) for c in by.concept.unique() for y in (2026, 2027, 2028)
    ]
    # base and I do not depend on the year
    for c in ("base", "I"):
        assert by[by.concept == c].drop(columns="year").nunique().max() == 1
    assert list(result.effects.columns) == ["year", "effect", "saving_person_years"]
    assert list(result.by_district.columns) == ["concept", "year", "district", "agent_hours", "person_years"]


def test_savings_arithmetic_by_hand(result):
    by = result.by_year.set_index(["concept", "year"])
    # S per concept from the independent brute force on hand-scaled traffic
    calls = RATES.rate_per_hour.to_numpy().reshape(2, 6)
    aht = RATES.aht_s.to_numpy().reshape(2, 6)
    s_base = sum(brute_agents(c, a, 95) for c, a in zip(calls.ravel(), aht.ravel(), strict=True))
    s_i = sum(brute_agents(0.9 * c, a, 95) for c, a in zip(calls.ravel(), aht.ravel(), strict=True))
    # IIa 2027: s = 0.25 + 0.25/7, chats at 0.51 -> AHT x (1 - 0.49 s)
    s27 = 0.25 + 0.25 / 7
    s_iia = sum(
        brute_agents(0.9 * c, a * (1 - 0.49 * s27), 95) for c, a in zip(calls.ravel(), aht.ravel(), strict=True)
    )
    assert result.base_agent_hours == s_base
    assert by.loc[("base", 2027), "agent_hours"] == s_base
    assert by.loc[("I", 2027), "agent_hours"] == s_i
    assert by.loc[("IIa", 2027), "agent_hours"] == s_iia
    assert by.loc[("base", 2027), "person_years"] == pytest.approx(90.0)
    assert by.loc[("I", 2027), "person_years"] == pytest.approx(90 * s_i / s_base)
    assert by.loc[("I", 2027), "saving_person_years"] == pytest.approx(90 * (s_base - s_i) / s_base)
    assert by.loc[("IIa", 2027), "saving_person_years"] == pytest.approx(90 * (s_i - s_iia) / s_base)
    assert by.loc[("I", 2027), "model_person_years"] == pytest.approx(s_i / 1400)
    assert np.isnan(by.loc[("base", 2027), "saving_person_years"])


def test_implied_scaling_divides_by_todays_implied_agent_hours():
    # scaling="implied": person-years = actual x S / implied agent-hours, S unchanged; with Erlang A,
    # whose agent-hours are comparable with the implied ones (Erlang C with it is refused)
    erlang_a = SMALL.replace(queue_model="erlang_a", patience_s=240.0)
    result = run_all(RATES, erlang_a)
    implied = 0.6 * result.base_agent_hours
    absolute = run_all(RATES, erlang_a.replace(scaling="implied", implied_agent_hours=implied))
    pd.testing.assert_series_equal(absolute.by_year["agent_hours"], result.by_year["agent_hours"])
    by, rel = absolute.by_year.set_index(["concept", "year"]), result.by_year.set_index(["concept", "year"])
    ratio = result.base_agent_hours / implied
    np.testing.assert_allclose(by["person_years"], rel["person_years"] * ratio, rtol=1e-12)
    assert by.loc[("base", 2027), "person_years"] == pytest.approx(90 * result.base_agent_hours / implied)
    np.testing.assert_allclose(
        absolute.effects["saving_person_years"], result.effects["saving_person_years"] * ratio, rtol=1e-12
    )
    assert absolute.person_years_per_agent_hour == pytest.approx(90 / implied)
    # a drawn handling-time factor moves today's implied staffing with it (first order), as it moves S_base
    from lib.model.staffing import person_years_per_agent_hour

    longer = erlang_a.replace(scaling="implied", implied_agent_hours=implied, handling_time_factor=1.08)
    assert person_years_per_agent_hour(longer, 1.0) == pytest.approx(90 / (1.08 * implied), rel=1e-15)
    assert result.person_years_per_agent_hour == pytest.approx(90 / result.base_agent_hours)
    with pytest.raises(ValueError, match="implied_agent_hours"):
        run_all(RATES, erlang_a.replace(scaling="implied"))
    with pytest.raises(ValueError, match="erlang_a"):
        run_all(RATES, SMALL.replace(scaling="implied", implied_agent_hours=implied))


def test_chatbot_live_chat_and_pooling_by_hand(result):
    by = result.by_year.set_index(["concept", "year"])
    calls = RATES.rate_per_hour.to_numpy().reshape(2, 6)
    aht = RATES.aht_s.to_numpy().reshape(2, 6)
    s, r = 0.25 + 0.25 / 7, 0.30 - 0.10 / 7  # 2027 on the linear paths
    keep = 0.9 * (1 - s + s * r)  # I's reduction, then the chatbot
    q = s * r / (1 - s + s * r)  # transferred chats among handled contacts
    bot = sum(brute_agents(keep * c, a, 95) for c, a in zip(calls.ravel(), aht.ravel(), strict=True))
    iib = sum(brute_agents(keep * c, a * (1 - 0.49 * q), 95) for c, a in zip(calls.ravel(), aht.ravel(), strict=True))
    # III: one queue per hour, summed arrivals, load-weighted handling time, 80/20
    pooled_calls = calls.sum(axis=0)
    pooled_aht = (calls * aht).sum(axis=0) / np.where(pooled_calls > 0, pooled_calls, 1)
    iii = sum(brute_agents(keep * c, a * (1 - 0.49 * q), 20) for c, a in zip(pooled_calls, pooled_aht, strict=True))
    assert by.loc[("IIb_chatbot", 2027), "agent_hours"] == bot
    assert by.loc[("IIb", 2027), "agent_hours"] == iib
    assert by.loc[("III", 2027), "agent_hours"] == iii


def test_effects_sum_identities(result):
    by = result.by_year.set_index(["concept", "year"])
    eff = result.effects.pivot(index="year", columns="effect", values="saving_person_years")
    assert list(result.effects.effect.unique()) == [
        "politiet_no",
        "livechat_IIa",
        "chatbot",
        "livechat_IIb",
        "kontaktsenter",
    ]
    for y in (2026, 2027, 2028):

        def pyr(c, y=y):
            return by.loc[(c, y), "person_years"]

        assert eff.loc[y, "politiet_no"] == pytest.approx(90 - pyr("I"))
        assert eff.loc[y, "chatbot"] + eff.loc[y, "livechat_IIb"] == pytest.approx(pyr("I") - pyr("IIb"))
        assert eff.loc[y, "chatbot"] + eff.loc[y, "livechat_IIb"] == pytest.approx(
            by.loc[("IIb", y), "saving_person_years"]
        )
        assert eff.loc[y, "livechat_IIa"] == pytest.approx(by.loc[("IIa", y), "saving_person_years"])
        assert eff.loc[y, "kontaktsenter"] == pytest.approx(by.loc[("III", y), "saving_person_years"])
        assert eff.loc[y, ["politiet_no", "chatbot", "livechat_IIb", "kontaktsenter"]].sum() == pytest.approx(
            90 - pyr("III")
        )


def test_by_district_adds_up(result):
    bd = result.by_district
    assert set(bd[bd.concept == "III"].district) == {"Nasjonalt"}
    assert set(bd[bd.concept == "IIb"].district) == {"Oslo", "Agder"}
    sums = bd.groupby(["concept", "year"], sort=False)[["agent_hours", "person_years"]].sum()
    by = result.by_year.set_index(["concept", "year"])
    assert (sums["agent_hours"] == by.loc[sums.index, "agent_hours"]).all()
    assert sums["person_years"].to_numpy() == pytest.approx(by.loc[sums.index, "person_years"].to_numpy())


def test_asa_and_phone_calls(result):
    by = result.by_year.set_index(["concept", "year"])
    s = staff("IIb", RATES, 2027, SMALL)
    w = s.calls.ravel()
    assert by.loc[("IIb", 2027), "asa_s"] == pytest.approx((w * s.asa_s.ravel()).sum() / w.sum())
    total = RATES.rate_per_hour.sum()
    assert by.loc[("base", 2026), "phone_calls"] == pytest.approx(total)
    assert by.loc[("I", 2026), "phone_calls"] == pytest.approx(0.9 * total)
    # phone calls: 0.9 x (1 - s_y); chats are not phone calls
    for c in ("IIa", "IIb_chatbot", "IIb", "III"):
        assert by.loc[(c, 2026), "phone_calls"] == pytest.approx(0.9 * 0.75 * total)
    # the national centre at 80/20 answers faster than the boards at 80/95
    assert (by.xs("III", level="concept").asa_s < by.xs("IIb", level="concept").asa_s).all()


def test_keep_hourly_sums_boards():
    r = run_all(RATES, SMALL, concepts=["III"], keep_hourly=True)
    assert set(r.by_year.concept) == {"base", "I", "IIb", "III"}  # III needs IIb, IIb needs I
    h = r.hourly
    base = h[(h.concept == "base") & (h.year == 2026)]
    assert base.agents.sum() == r.base_agent_hours
    assert base.calls_per_hour.to_numpy() == pytest.approx(RATES.rate_per_hour.to_numpy().reshape(2, 6).sum(axis=0))
    assert {"hour_start", "hour", "day_type", "load"} <= set(h.columns)


def test_no_traffic_or_missing_params_are_errors():
    with pytest.raises(ValueError, match="no traffic"):
        run_all(RATES.assign(rate_per_hour=0.0), SMALL)
    with pytest.raises(ValueError, match="min_agents"):  # refused when built, before any solve
        run_all(RATES, P.replace(min_agents=-1))


@settings(max_examples=15, deadline=None)
@given(scale=st.floats(0.2, 5.0), seed=st.integers(0, 2**16))
def test_more_traffic_never_needs_fewer_agents(scale, seed):
    rng = np.random.default_rng(seed)
    calls = rng.uniform(0, 200, size=(2, 5)) * (rng.uniform(size=(2, 5)) > 0.2)
    aht = rng.uniform(90, 300, size=(2, 5))
    low = staff("base", rates_frame(calls, aht), None, P).agents
    high = staff("base", rates_frame(calls * (1 + scale), aht), None, P).agents
    assert (high >= low).all()
    # pooling never needs more agents than separate boards at the same target (one AHT per hour)
    same = np.repeat(aht[:1], 2, axis=0)
    pooled = staff("III", rates_frame(calls, same), 2026, P.replace(service_time_centre_s=95.0)).agents
    separate = staff("IIb", rates_frame(calls, same), 2026, P).agents
    assert (pooled[0] <= separate.sum(axis=0)).all()


# --- files -------------------------------------------------------------------------------------


def test_written_tables_are_deterministic_and_read_back_as_the_same_result(result, tmp_path):
    paths = result.write(tmp_path)
    assert [p.name for p in paths] == ["staffing_by_year.csv", "staffing_effects.csv", "staffing_by_district.csv"]
    first = [p.read_bytes() for p in paths]
    run_all(RATES, SMALL).write(tmp_path)
    assert [p.read_bytes() for p in paths] == first
    back = StaffingResult.read(tmp_path)
    for attr in ("by_year", "effects", "by_district"):
        pd.testing.assert_frame_equal(getattr(back, attr), getattr(result, attr), check_dtype=False)
    assert back.base_agent_hours == result.base_agent_hours
    for concept in ("base", "III"):  # the contract the valuation reads, from the tables as from the run
        assert back.staffing(concept, "person_years") == pytest.approx(result.staffing(concept, "person_years"))
    assert back.effect("kontaktsenter") == pytest.approx(result.effect("kontaktsenter"))


def test_compare_inputs_gives_one_row_per_variant_and_scales_to_actual():
    from lib.model.staffing import compare_inputs

    p = Assumptions()
    rates = _compare_rates()
    out = compare_inputs({"a": rates, "b": rates.assign(rate_per_hour=rates["rate_per_hour"] * 2)}, p)
    assert list(out["variant"]) == ["a", "b"]
    # base is the yardstick: its scaled person-years are today's actual in every variant
    assert out[f"person_years_base_{p.last_year}"].tolist() == [p.actual_person_years] * 2
    # doubling the traffic needs more agent-hours
    assert out["base_agent_hours"].iloc[1] > out["base_agent_hours"].iloc[0]


def _compare_rates():
    hours = 48
    daily = [1 + math.sin(h / 24 * 2 * math.pi) for h in range(hours)]
    return rates_frame([[40 * d + 0.5 for d in daily], [6 * d + 0.5 for d in daily]], [[180.0] * hours] * 2)


def test_a_subset_of_concepts_brings_what_its_savings_need():
    r = run_all(RATES, SMALL, concepts=["III", "III"])
    assert list(r.by_year.concept.unique()) == ["base", "I", "IIb", "III"]
    assert not r.by_year.loc[r.by_year.concept == "III", "saving_person_years"].isna().any()


# --- a concept is data all the way to Table 1 ------------------------------------------------------


def test_a_new_concept_is_one_entry_and_a_new_column_of_table1(monkeypatch):
    """A regional centre pooling two of three districts at 80/20: one Concept entry, no code."""
    from lib.model import concepts
    from lib.model.concepts import CONCEPTS, Concept, Saving
    from lib.valuation import economics, table1

    regional = Concept(
        "IIIr",
        "Regionalt kontaktsenter",
        "IIb",
        call_reduction=True,
        chatbot=True,
        chat_efficiency="transferred",
        pooled=True,
        pool_districts=("Oslo", "Øst"),
        pool_label="Region",
        service_time="centre",
        table1=True,
        saving=Saving("regionsenter", "Spart tid regionsenter", concepts.CONTACT_CENTRE),
    )
    monkeypatch.setitem(CONCEPTS, "IIIr", regional)
    rates = rates_frame(
        [[40, 3, 120], [25, 0, 80], [10, 2, 30]],
        [[180, 200, 240], [150, 1, 200], [170, 160, 210]],
        districts=("Oslo", "Øst", "Agder"),
    )
    a = P.replace(iii_wait_reduction="model")
    r = run_all(rates, a)
    d = r.by_district[(r.by_district.concept == "IIIr") & (r.by_district.year == 2026)]
    assert d["district"].tolist() == ["Region", "Agder"]
    saved = r.effects[r.effects.effect == "regionsenter"].set_index("year")["saving_person_years"]
    by = r.by_year.set_index(["concept", "year"])
    assert saved[2026] == pytest.approx(by.loc[("IIb", 2026), "person_years"] - by.loc[("IIIr", 2026), "person_years"])

    t = table1.table1(r, a).set_index("row")
    assert list(t.columns) == ["I", "IIa", "IIb", "III", "IIIr"]
    # it builds on IIb: IIb's cells plus its own step, no costs of its own
    for row in ("Spart tid politiet.no", "Spart tid chatbot", "Spart tid livechat", "Investeringskostnader"):
        assert t.loc[row, "IIIr"] == pytest.approx(t.loc[row, "IIb"])
    per_py = economics.mnok_per_person_year(a)
    assert t.loc["Spart tid kontaktsenter", "IIIr"] == pytest.approx(
        sum(saved[y] * per_py / 1.04 ** (y - 2026) for y in range(2026, 2034))
    )
    assert "Konsept IIIr" not in table1.table1_rendered(t.reset_index()).columns
    assert "Regionalt kontaktsenter" in table1.table1_rendered(t.reset_index()).columns
    assert "IIIr" not in set(table1.table1_vs_report(t.reset_index())["concept"])  # nothing published to compare
