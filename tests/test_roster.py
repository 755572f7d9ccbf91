"""The centre's roster: hand-checked covers, every hour covered, fewer shift types never cheaper."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from frames import rates_frame

from lib.core import plotstyle
from lib.core.assumptions import Assumptions
from lib.model.concepts import board_hours
from lib.model.staffing import staff
from lib.planning import roster
from lib.planning.roster import DEFAULT_SHIFTS, ShiftType, solve_week

A = Assumptions()
ALL_DAY = ShiftType("Hel", 8, 0, 23, break_h=0)
MIDDLE = ShiftType("Mellom", 8, 11, 13)


def week(profile_by_hour, weekdays=range(7)) -> np.ndarray:
    """A 168-hour requirement: ``profile_by_hour`` (24 values) on ``weekdays``, 0 elsewhere."""
    req = np.zeros(168, dtype=int)
    for d in weekdays:
        req[d * 24 : d * 24 + 24] = profile_by_hour
    return req


def daily_curve(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = np.round(2 + 14 * np.exp(-(((np.arange(24) - 12.5) / 4.5) ** 2)))
    return np.concatenate([base + rng.integers(0, 3, 24) for _ in range(7)]).astype(int)


# --- shift types ---------------------------------------------------------------------------


def test_break_in_the_middle_unpaid_by_default():
    day = ShiftType("Dag", 8, 6, 10)
    assert day.on_duty_offsets.tolist() == [0, 1, 2, 3, 5, 6, 7] and day.paid_hours == 7
    assert ShiftType("Dag", 8, 6, 10, paid_break=True).paid_hours == 8
    assert ShiftType("Natt", 10, 21, 23).on_duty_offsets.tolist() == [0, 1, 2, 3, 4, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="starts"):
        ShiftType("X", 8, 10, 6)
    with pytest.raises(ValueError, match="break_h"):
        ShiftType("X", 2, 0, 1, break_h=2)


def test_sunday_night_covers_monday_morning():
    cover, paid, cols = roster.shift_columns([ShiftType("Natt", 10, 23, 23)])
    sunday = int(np.flatnonzero(cols["weekday"] == 6)[0])
    assert np.flatnonzero(cover[:, sunday]).tolist() == [0, 1, 2, 3, 5, 6, 7, 8, 167]
    assert paid.tolist() == [9.0] * 7


# --- hand-checked optima -------------------------------------------------------------------


def test_flat_two_around_the_clock_needs_six_shifts_a_day():
    # 2 agents x 168 h = 336 agent-hours; an 8-hour shift on duty every hour covers 8 of them,
    # so at least 42 shifts (6 a day), reached by starts at 00, 08, 16 with 2 each: paid 336 h.
    w = solve_week(np.full(168, 2), [ALL_DAY])
    assert w.paid_hours == 336.0
    assert w.starts["staff"].sum() == 42
    assert (w.on_duty == 2).all() and w.efficiency == 1.0


def test_office_hours_need_two_shifts_because_of_the_break():
    # one agent 08-16 on weekdays; every 8-hour day shift has its break hour inside those 8 hours,
    # so one shift covers at most 7 of them: two shifts (7 paid h each) a weekday, 70 h a week.
    req = week(np.r_[np.zeros(8), np.ones(8), np.zeros(8)], weekdays=range(5))
    w = solve_week(req, [ShiftType("Dag", 8, 6, 10)])
    assert w.paid_hours == 70.0 and w.starts["staff"].sum() == 10
    # without the break one shift starting at 08 does it: 5 shifts, 40 h
    w0 = solve_week(req, [ShiftType("Dag", 8, 6, 10, break_h=0)])
    assert w0.paid_hours == 40.0 and w0.starts["start_hour"].tolist() == [8] * 5


# --- properties ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_hour_is_covered(seed):
    req = daily_curve(seed)
    w = solve_week(req, DEFAULT_SHIFTS)
    assert (w.on_duty >= req).all()
    assert w.required_agent_hours == req.sum() and 0 < w.efficiency <= 1


@pytest.mark.parametrize("seed", [4, 5])
def test_removing_a_shift_type_never_lowers_the_cost(seed):
    req = daily_curve(seed)
    shifts = (*DEFAULT_SHIFTS, MIDDLE, ShiftType("Lang natt", 12, 19, 20))
    full = solve_week(req, shifts).paid_hours
    tried = 0
    for drop in range(len(shifts)):
        fewer = shifts[:drop] + shifts[drop + 1 :]
        try:
            cost = solve_week(req, fewer).paid_hours
        except ValueError:
            continue  # that set leaves an hour uncovered
        tried += 1
        assert cost >= full
    assert tried >= 2


def test_uncovered_hours_give_a_clear_error():
    req = np.ones(168, dtype=int)
    with pytest.raises(ValueError, match=r"is on duty in 84 hour\(s\) .*\(mandag 00:00, "):
        solve_week(req, [ShiftType("Dag", 8, 6, 10)])
    with pytest.raises(ValueError, match="168"):
        solve_week(np.ones(24), DEFAULT_SHIFTS)


# --- the typical week ----------------------------------------------------------------------


def _hourly(start: str, days: int, value) -> pd.DataFrame:
    """Every elapsed hour of ``days`` local calendar days from ``start``, agents ``value(stamps)``."""
    first = pd.Timestamp(start).tz_localize("Europe/Oslo")
    end = (pd.Timestamp(start) + pd.Timedelta(days=days)).tz_localize("Europe/Oslo")
    stamps = pd.date_range(first, end, freq="h", inclusive="left")
    return pd.DataFrame({"hour_start": stamps, "agents": value(stamps)})


def test_autumn_repeated_hour_takes_the_larger():
    # 2023-10-29: 02:00 occurs twice; the requirement is the elapsed-hour index, so the second is larger
    hourly = _hourly("2023-10-23", 7, lambda s: np.arange(len(s)))
    assert len(hourly) == 169
    req = roster.weekly_requirement(hourly)
    sunday_2 = req[(req["weekday_label"] == "søndag") & (req["hour"] == 2)]["required"].item()
    second = hourly[hourly["hour_start"] == pd.Timestamp("2023-10-29 02:00:00+01:00")]["agents"].item()
    assert sunday_2 == second and req["season"].unique().tolist() == ["høst"]


def test_spring_missing_hour_uses_the_other_sundays():
    one_week = _hourly("2023-03-20", 7, lambda s: np.full(len(s), 3))
    assert len(one_week) == 167
    with pytest.raises(ValueError, match="no requirement"):
        roster.weekly_requirement(one_week)
    two_weeks = _hourly("2023-03-20", 14, lambda s: np.full(len(s), 3))
    req = roster.weekly_requirement(two_weeks)
    assert len(req) == 168 and (req["required"] == 3).all()
    assert req[(req["weekday"] == 6) & (req["hour"] == 2)]["days"].item() == 1


def test_quantile_takes_an_observed_value():
    # Mondays 1, 2, 3, 4 agents in every hour: the maximum is 4, the 0.5-quantile ("higher") 3
    hourly = _hourly("2023-01-02", 28, lambda s: (np.asarray(s.day) - 2) // 7 + 1)
    assert roster.weekly_requirement(hourly, 1.0)["required"].eq(4).all()
    assert roster.weekly_requirement(hourly, 0.5)["required"].eq(3).all()


# --- the centre -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned():
    """Four weeks across the winter/spring border for two districts, rostered."""
    hours = 28 * 24
    t = np.arange(hours)
    curve = 0.2 + np.exp(-((((t % 24) - 12.5) / 4.0) ** 2))
    calls = [list(30 * curve), list(12 * curve)]
    aht = [[180.0] * hours, [200.0] * hours]
    rates = board_hours(rates_frame(calls, aht, ("Oslo", "Agder"), start="2023-02-13 00:00"))
    return rates, roster.plan(rates, A)


def test_plan_covers_every_season_and_sums_to_the_model(planned):
    rates, r = planned
    assert list(r.week_rosters) == ["vinter", "vår"]
    for w in r.week_rosters.values():
        assert (w.on_duty >= w.required).all()
    summary = roster.roster_summary(r, A)
    year = summary.set_index("season").loc[roster.YEAR_ROW]
    assert year["model_agent_hours"] == staff("III", rates, A.first_year, A).agent_hours
    assert year["weeks"] == pytest.approx(4.0)
    assert year["paid_hours"] == pytest.approx(summary["paid_hours"].iloc[:-1].sum())
    assert year["person_years_roster"] == pytest.approx(year["paid_hours"] / A.hours_per_person_year)
    s_base = staff("base", rates, None, A).agent_hours
    assert year["person_years_scaled"] == pytest.approx(A.actual_person_years * year["model_agent_hours"] / s_base)
    assert (summary["schedule_efficiency"] <= 1).all()
    table = roster.roster_table(r)
    assert list(table.columns) == ["season", "weekday", "weekday_label", "shift", "start_hour", "staff"]
    assert (table["staff"] > 0).all()


def test_coverage_figure(planned):
    _, r = planned
    fig = roster.plot_coverage(r)
    assert "Bemanning" in plotstyle.title_of(fig)
    assert len(fig.axes) == 4


def test_like_for_like_rosters_the_base_boards_as_the_centre(planned):
    rates, r = planned
    t = roster.like_for_like(rates, A).set_index("model")
    base, centre = t.loc[roster.BASE_ROW], t.loc[roster.CENTRE_ROW]
    assert base["boards"] == 2 and centre["boards"] == 1
    # the centre's row is the centre's roster of roster.plan
    year = roster.roster_summary(r, A).set_index("season").loc[roster.YEAR_ROW]
    assert centre["paid_hours"] == pytest.approx(year["paid_hours"])
    assert centre["model_agent_hours"] == year["model_agent_hours"]
    # the base's paid hours: each board rostered on its own, the same way
    s = staff("base", rates, None, A)
    one = [
        roster._rostered_hours(
            pd.DataFrame({"hour_start": rates.hours["hour_start"], "agents": s.agents[i]}),
            1.0,
            DEFAULT_SHIFTS,
            roster.SEASONS,
        )
        for i in range(2)
    ]
    assert base["paid_hours"] == pytest.approx(sum(one))
    assert base["model_agent_hours"] == s.agent_hours
    assert (t["schedule_efficiency"] <= 1).all()
    # the roster reading scales today's 90 person-years by rostered hours; the base is 90 by construction
    assert base["person_years_roster_scaled"] == pytest.approx(A.actual_person_years)
    assert centre["person_years_roster_scaled"] == pytest.approx(
        A.actual_person_years * centre["paid_hours"] / base["paid_hours"]
    )
    assert centre["saving_share"] == pytest.approx(1 - centre["paid_hours"] / base["paid_hours"])
    # shrinkage grosses both up alike: the ratio, and so the scaled person-years, do not move
    shrunk = roster.like_for_like(rates, A.replace(roster_shrinkage=0.2)).set_index("model")
    assert shrunk.loc[roster.CENTRE_ROW, "person_years_roster"] == pytest.approx(centre["person_years_roster"] / 0.8)
    assert shrunk.loc[roster.CENTRE_ROW, "person_years_roster_scaled"] == pytest.approx(
        centre["person_years_roster_scaled"]
    )
