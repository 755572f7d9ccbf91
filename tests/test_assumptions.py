"""The one typed set of assumptions: defaults, checks, overrides, the printed table."""

from __future__ import annotations

import dataclasses

import pytest

from lib.core.assumptions import STAGES, Assumptions

A = Assumptions()


def test_defaults_are_the_reports_values():
    assert (A.first_year, A.last_year, A.data_year) == (2026, 2033, 2023)
    assert (A.discount_rate, A.hours_per_person_year, A.cost_per_person_year_nok) == (0.04, 1400, 1_177_900)
    assert (A.chat_share_first_year, A.chat_share_last_year) == (0.25, 0.50)
    assert (A.transfer_share_first_year, A.transfer_share_last_year) == (0.30, 0.20)
    assert (A.max_occupancy, A.service_level_target, A.service_time_today_s, A.service_time_centre_s) == (
        0.8,
        0.8,
        95.0,
        20.0,
    )
    assert A.excluded_districts == ("Trøndelag",)
    assert A.queue_model == "erlang_c" and A.overrides() == {}


def test_every_field_states_unit_source_and_stage():
    d = Assumptions.describe()
    assert list(d["assumption"]) == list(Assumptions.names())
    assert (d["unit"].str.len() > 0).all() and (d["source"].str.len() > 0).all()
    assert set(d["stage"]) <= set(STAGES)


def test_frozen_and_keyword_only():
    with pytest.raises(dataclasses.FrozenInstanceError):
        A.discount_rate = 0.05  # type: ignore[misc]
    with pytest.raises(TypeError):
        Assumptions(2026)  # type: ignore[misc]


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"chat_share_last_year": 1.4}, r"chat_share_last_year=1.4 is out of range; allowed: \[0, 1\]"),
        ({"chat_share_last_year": "40%"}, r"chat_share_last_year='40%' is not a finite number.*0.4 for 40 %"),
        ({"max_occupancy": 1.7}, r"max_occupancy=1.7 is out of range; allowed: \(0, 1\]"),
        ({"max_occupancy": 0.0}, r"max_occupancy=0.0 is out of range"),
        ({"after_call_work_s": -5}, r"after_call_work_s=-5.0 is out of range; allowed: \[0, inf\)"),
        ({"discount_rate": float("nan")}, r"discount_rate=nan is not a finite number"),
        ({"min_agents": 1.5}, r"min_agents=1.5 is not a whole number"),
        ({"min_agents": True}, r"min_agents=True is not a finite number"),
        ({"first_year": 2034}, r"first_year=2034 is after last_year=2033"),
        ({"investment_year": 2040}, r"investment_year=2040 is outside the analysis period; allowed: \[2026, 2033\]"),
        ({"iib_split": "bot_last"}, r"iib_split='bot_last' is not allowed; allowed: chatbot_first, livechat_first"),
        ({"excluded_districts": "Trondelag"}, r"unknown district 'Trondelag'; did you mean 'Trøndelag'"),
        (
            {"chat_share_lst_year": 0.4},
            r"unknown assumption 'chat_share_lst_year'; did you mean 'chat_share_last_year'",
        ),
    ],
)
def test_bad_values_are_refused_naming_field_value_and_range(overrides, message):
    with pytest.raises(ValueError, match=message):
        A.replace(**overrides)


def test_values_are_taken_in_the_fields_type():
    a = A.replace(hours_per_person_year=1500.0, actual_person_years=81, min_agents=2.0)
    assert (type(a.hours_per_person_year), type(a.actual_person_years), type(a.min_agents)) == (int, float, int)


@pytest.mark.parametrize(
    "given, expected",
    [
        ("Trøndelag", ("Trøndelag",)),
        ("Trøndelag, Oslo", ("Oslo", "Trøndelag")),
        (["Finnmark", "Oslo"], ("Oslo", "Finnmark")),
        ((), ()),
    ],
)
def test_excluded_districts_take_one_name_or_a_comma_separated_list(given, expected):
    assert A.replace(excluded_districts=given).excluded_districts == expected


def test_every_district_excluded_is_refused():
    from lib.core.districts import DISTRICTS

    with pytest.raises(ValueError, match="excludes every district"):
        A.replace(excluded_districts=",".join(DISTRICTS))


def test_table_shows_values_in_force_beside_the_reports():
    t = A.replace(chat_share_last_year=0.4).table().set_index("assumption")
    assert t.loc["chat_share_last_year", "value"] == 0.4
    assert t.loc["chat_share_last_year", "report_value"] == 0.5
    assert bool(t.loc["chat_share_last_year", "overridden"]) and t["overridden"].sum() == 1
    assert t.loc["chat_share_last_year", "source"] == "§6.2.1.1, §6.2.2.1"
    assert list(A.table(["max_occupancy", "min_agents"])["assumption"]) == ["max_occupancy", "min_agents"]
    with pytest.raises(ValueError, match="did you mean 'min_agents'"):
        A.table(["min_agent"])


def test_overrides_lists_what_differs():
    assert A.replace(discount_rate=0.02, min_agents=1).overrides() == {"discount_rate": 0.02}


def test_stage_of_an_assumption():
    assert Assumptions.stage("outlier_threshold_s") == "cleaning"
    assert Assumptions.stage("after_call_work_s") == "rates"
    assert Assumptions.stage("max_occupancy") == "staffing"
    assert Assumptions.stage("discount_rate") == "valuation"
