"""The national contact centre's roster: its hourly Erlang C requirement turned into shifts.

The report (§7.1): "Ressursbehov må utredes nærmere. Bemanning vil være mindre på kveld og
natt". The staffing model gives the centre (concept III) a whole number of agents in every
hour of the year; people work shifts. This module

1. reduces the hourly requirement to a typical week per season (:data:`SEASONS`): for every
   weekday and local hour of day, a quantile (default the maximum) of that hour's
   requirement over the season's days of that weekday;
2. covers each season's week with shifts (:class:`ShiftType`, :data:`DEFAULT_SHIFTS`) at
   minimum paid hours, one small integer program per season (``scipy.optimize.milp``,
   HiGHS): variables are the staff starting each allowed (shift type, weekday, start hour),
   and in each of the week's 168 hours the staff on duty must be at least the requirement.
   Shifts crossing midnight cover the next day's first hours and the week wraps (Sunday
   night's shift covers Monday morning): a typical week repeats;
3. compares the roster's paid hours with the requirement (schedule efficiency =
   required agent-hours / paid hours) and its person-years (annual paid hours /
   ``hours_per_person_year``) with the model's agent-hour person-years.

Requirement quantile. The maximum (1.0, the default) covers every modelled hour of the
season: no hour of the year is staffed below what Erlang C asks for. A lower quantile (say
0.9) staffs for a typical rather than the busiest such day and leaves the rest to
overtime or a lower service level on the busiest days. Quantiles use the "higher" observed
value, so a requirement is always a whole number of agents the model staffed.

Local time. Hours are grouped by local (Europe/Oslo) date and hour of day. On the spring
daylight-saving day the hour 02 does not exist: that day simply contributes no value to
hour 02; on the autumn day the hour 02 occurs twice: it counts once, with the larger of
its two requirements.

Breaks. A shift of ``length_h`` hours has ``break_h`` whole hours (default 1) in its middle
during which the person is not on duty (not counted against the requirement); the break is
unpaid unless ``paid_break``. This is coarse (real breaks are 30 minutes and staggered) but
keeps the hour grid of the staffing model; set ``break_h=0`` for shifts on duty every hour.

Units: agents (whole persons on duty in an hour), hours, agent-hours, paid hours,
person-years.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from scipy.optimize import Bounds, LinearConstraint, milp

from lib.core import plotstyle
from lib.core.assumptions import Assumptions
from lib.core.oslo_calendar import SEASONS, TIMEZONE
from lib.model.concepts import BoardHours, board_hours, boards_of, get, year_dependent
from lib.model.staffing import Staffing, person_years_per_agent_hour, staff

HOURS_PER_WEEK = 168
#: Weekday labels, Monday first (pandas' dayofweek 0..6).
WEEKDAYS: tuple[str, ...] = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")


@dataclass(frozen=True)
class ShiftType:
    """A kind of shift: ``length_h`` hours from start to end (break included), starting on
    the hour between ``earliest_start`` and ``latest_start`` (hours of day, both included).

    ``break_h`` whole hours in the middle of the shift are off duty, unpaid unless
    ``paid_break`` (see the module docstring).
    """

    name: str
    length_h: int
    earliest_start: int
    latest_start: int
    break_h: int = 1
    paid_break: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.length_h <= 24:
            raise ValueError(f"shift {self.name!r}: length_h={self.length_h}; allowed 1..24 hours")
        if not 0 <= self.earliest_start <= self.latest_start <= 23:
            raise ValueError(
                f"shift {self.name!r}: starts {self.earliest_start}..{self.latest_start}; "
                "allowed 0 <= earliest_start <= latest_start <= 23"
            )
        if not 0 <= self.break_h < self.length_h:
            raise ValueError(f"shift {self.name!r}: break_h={self.break_h}; allowed 0..length_h - 1")

    @property
    def on_duty_offsets(self) -> np.ndarray:
        """Hours after the start in which the person is on duty (the break hours left out)."""
        first_break = (self.length_h - self.break_h + 1) // 2
        offsets = np.arange(self.length_h)
        return offsets[(offsets < first_break) | (offsets >= first_break + self.break_h)]

    @property
    def paid_hours(self) -> int:
        """Paid hours of one shift: its length, less the break unless the break is paid."""
        return self.length_h - (0 if self.paid_break else self.break_h)


#: Day, evening and night shifts with a one-hour unpaid break in the middle (7, 7 and 9 paid
#: hours): day 06-14 to 10-18, evening 14-22 to 17-01, night 21-07 to 23-09.
DEFAULT_SHIFTS: tuple[ShiftType, ...] = (
    ShiftType("Dag", 8, 6, 10),
    ShiftType("Kveld", 8, 14, 17),
    ShiftType("Natt", 10, 21, 23),
)


# --- The requirement ---------------------------------------------------------------------


def hourly_requirement(
    rates: pd.DataFrame | BoardHours, a: Assumptions, year: int | None = None, concept: str = "III"
) -> pd.DataFrame:
    """The pooled centre's agents in every hour of ``year`` (default ``a.first_year``, the
    year with the most traffic to handle): columns hour_start, agents (from
    :func:`lib.model.staffing.staff`, the pooled board, the first of a pooled concept)."""
    c = get(concept)
    if not c.pooled:
        raise ValueError(f"concept {concept!r} has no pooled centre to roster")
    bh = board_hours(rates)
    s = staff(c.name, bh, a.first_year if year is None else year, a)
    return pd.DataFrame({"hour_start": bh.hours["hour_start"].to_numpy(), "agents": s.agents[0]})


def season_of(month: pd.Series | np.ndarray, seasons: dict[str, tuple[int, ...]] | None = None) -> np.ndarray:
    """The season name of each calendar month (1-12); raises when a month is in no season."""
    seasons = SEASONS if seasons is None else seasons
    lookup = {m: name for name, months in seasons.items() for m in months}
    month = np.asarray(month)
    missing = sorted(set(month.tolist()) - set(lookup))
    if missing:
        raise ValueError(f"month(s) {missing} belong to no season of {list(seasons)}")
    return np.array([lookup[int(m)] for m in month], dtype=object)


def local_day_hours(hourly: pd.DataFrame, seasons: dict[str, tuple[int, ...]] | None = None) -> pd.DataFrame:
    """``hourly`` (hour_start, agents) as one row per local date and hour of day: date,
    hour, weekday (0 = Monday), season, agents. The hour repeated when clocks go back keeps
    the larger of its two values; the hour skipped when they go forward has no row."""
    stamps = pd.DatetimeIndex(hourly["hour_start"])
    local = stamps.tz_convert(TIMEZONE) if stamps.tz is not None else stamps
    df = pd.DataFrame(
        {"date": local.normalize().tz_localize(None), "hour": local.hour, "agents": hourly["agents"].to_numpy()}
    )
    df = df.groupby(["date", "hour"], as_index=False)["agents"].max()
    dates = pd.DatetimeIndex(df["date"])
    return df.assign(weekday=dates.day_of_week, season=season_of(dates.month, seasons))


def weekly_requirement(
    hourly: pd.DataFrame, quantile: float = 1.0, seasons: dict[str, tuple[int, ...]] | None = None
) -> pd.DataFrame:
    """The typical week of each season: for every season, weekday and hour of day, the
    ``quantile`` (0-1; 1 = maximum) of the hourly requirement (agents) over the season's
    days of that weekday ("higher" observed value, so whole agents).

    Columns season, weekday (0 = Monday), weekday_label, hour, hour_of_week (0..167), required,
    days (the days the quantile is taken over). Seasons in the order of ``seasons``, those
    without data left out; raises when a season with data lacks a weekday-hour.
    """
    if not 0.0 <= quantile <= 1.0:
        raise ValueError(f"quantile={quantile}; allowed 0..1")
    seasons = SEASONS if seasons is None else seasons
    days = local_day_hours(hourly, seasons)
    grouped = days.groupby(["season", "weekday", "hour"])["agents"]
    req = pd.DataFrame(
        {"required": grouped.quantile(quantile, interpolation="higher").astype(np.int64), "days": grouped.size()}
    ).reset_index()
    present = [s for s in seasons if s in set(req["season"])]
    grid = pd.MultiIndex.from_product([present, range(7), range(24)], names=["season", "weekday", "hour"])
    req = req.set_index(["season", "weekday", "hour"]).reindex(grid)
    if req["required"].isna().any():
        gaps = req[req["required"].isna()].index[:5].tolist()
        raise ValueError(f"no requirement for (season, weekday, hour) {gaps}...: the hours cover no whole week")
    req = req.reset_index().astype({"required": np.int64, "days": np.int64})
    req.insert(2, "weekday_label", [WEEKDAYS[d] for d in req["weekday"]])
    req.insert(4, "hour_of_week", req["weekday"] * 24 + req["hour"])
    return req


def season_weeks(hourly: pd.DataFrame, seasons: dict[str, tuple[int, ...]] | None = None) -> pd.Series:
    """Weeks of each season in the data (local days / 7), by season in the order of ``seasons``."""
    seasons = SEASONS if seasons is None else seasons
    days = local_day_hours(hourly, seasons).drop_duplicates("date")
    return (days.groupby("season").size() / 7.0).reindex([s for s in seasons if s in set(days["season"])])


# --- The integer program -----------------------------------------------------------------


def shift_columns(shifts: tuple[ShiftType, ...] | list[ShiftType]) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """The integer program's columns: every allowed (shift type, weekday, start hour).

    Returns the (168, columns) 0/1 matrix of on-duty hours of the week (wrapping from Sunday
    into Monday), the paid hours of each column, and the columns as a frame (shift, weekday,
    start_hour).
    """
    names, weekdays, starts, cover_rows, paid = [], [], [], [], []
    for st in shifts:
        for day in range(7):
            for hour in range(st.earliest_start, st.latest_start + 1):
                names.append(st.name)
                weekdays.append(day)
                starts.append(hour)
                cover_rows.append((day * 24 + hour + st.on_duty_offsets) % HOURS_PER_WEEK)
                paid.append(st.paid_hours)
    cover = np.zeros((HOURS_PER_WEEK, len(names)))
    for j, hours in enumerate(cover_rows):
        cover[hours, j] = 1.0
    columns = pd.DataFrame({"shift": names, "weekday": weekdays, "start_hour": starts})
    return cover, np.array(paid, dtype=float), columns


def _hour_name(hour_of_week: int) -> str:
    return f"{WEEKDAYS[hour_of_week // 24]} {hour_of_week % 24:02d}:00"


@dataclass(frozen=True)
class WeekRoster:
    """The optimal roster of one typical week.

    ``starts``: shift, weekday, weekday_label, start_hour, staff (columns with staff > 0);
    ``required`` and ``on_duty``: agents in each hour of the week (168, Monday 00:00 first);
    ``paid_hours``: paid hours of the week.
    """

    starts: pd.DataFrame
    required: np.ndarray
    on_duty: np.ndarray
    paid_hours: float

    @property
    def required_agent_hours(self) -> int:
        """Agent-hours the typical week requires."""
        return int(self.required.sum())

    @property
    def efficiency(self) -> float:
        """Schedule efficiency: required agent-hours / paid hours (1 = no slack)."""
        return self.required_agent_hours / self.paid_hours if self.paid_hours > 0 else float("nan")


def solve_week(
    required: np.ndarray | pd.Series | list[int],
    shifts: tuple[ShiftType, ...] | list[ShiftType] = DEFAULT_SHIFTS,
    time_limit_s: float = 60.0,
) -> WeekRoster:
    """Cover ``required`` (agents in each of the 168 hours of the week, Monday 00:00 first)
    with ``shifts`` at minimum paid hours (``scipy.optimize.milp``, HiGHS, solved to a zero
    optimality gap).

    Raises ``ValueError`` when an hour that needs staff is covered by no shift, and
    ``RuntimeError`` when the solver does not return an optimal solution.
    """
    req = np.asarray(required, dtype=float)
    if req.shape != (HOURS_PER_WEEK,) or not np.all(np.isfinite(req)) or (req < 0).any():
        raise ValueError(f"required: need 168 finite values >= 0 (agents per hour of the week); got shape {req.shape}")
    cover, paid, columns = shift_columns(shifts)
    uncovered = np.flatnonzero((req > 0) & (cover.sum(axis=1) == 0))
    if uncovered.size:
        names = ", ".join(_hour_name(int(h)) for h in uncovered[:6])
        raise ValueError(
            f"no shift of the types {[s.name for s in shifts]} is on duty in {uncovered.size} hour(s) of the week "
            f"that need staff ({names}{', ...' if uncovered.size > 6 else ''}): add a shift type or widen its "
            "start hours"
        )
    res = milp(
        c=paid,
        integrality=np.ones_like(paid),
        bounds=Bounds(0, np.inf),
        constraints=LinearConstraint(cover, lb=req, ub=np.inf),
        options={"mip_rel_gap": 0.0, "time_limit": time_limit_s},
    )
    if res.status != 0 or res.x is None:
        raise RuntimeError(f"the roster MILP is not solved to optimality (status {res.status}): {res.message}")
    x = np.rint(res.x).astype(np.int64)
    on_duty = (cover @ x).astype(np.int64)
    assert (on_duty >= req).all(), "rounded roster leaves an hour under-covered"
    starts = columns.assign(staff=x)[x > 0].reset_index(drop=True)
    starts.insert(2, "weekday_label", [WEEKDAYS[d] for d in starts["weekday"]])
    return WeekRoster(starts=starts, required=req.astype(np.int64), on_duty=on_duty, paid_hours=float(paid @ x))


# --- The centre's roster -----------------------------------------------------------------


@dataclass(frozen=True)
class Roster:
    """Rosters of every season (:func:`plan`).

    ``hourly``: hour_start, agents (the model's requirement in every hour of the year);
    ``requirement``: :func:`weekly_requirement`; ``weeks``: weeks per season;
    ``weeks_rosters``: season -> :class:`WeekRoster`; ``base_agent_hours``: S_base.
    """

    year: int
    quantile: float
    shifts: tuple[ShiftType, ...]
    hourly: pd.DataFrame
    requirement: pd.DataFrame
    weeks: pd.Series
    week_rosters: dict[str, WeekRoster]
    model_agent_hours: pd.Series
    base_agent_hours: int


def plan(
    rates: pd.DataFrame | BoardHours,
    a: Assumptions,
    year: int | None = None,
    quantile: float = 1.0,
    shifts: tuple[ShiftType, ...] = DEFAULT_SHIFTS,
    seasons: dict[str, tuple[int, ...]] | None = None,
    concept: str = "III",
) -> Roster:
    """Roster the pooled centre of ``concept`` in ``year`` (default ``a.first_year``): one
    :func:`solve_week` per season of the typical week at ``quantile``."""
    seasons = SEASONS if seasons is None else seasons
    bh = board_hours(rates)
    year = a.first_year if year is None else year
    hourly = hourly_requirement(bh, a, year, concept)
    requirement = weekly_requirement(hourly, quantile, seasons)
    rosters = {
        season: solve_week(g.sort_values("hour_of_week")["required"].to_numpy(), shifts)
        for season, g in requirement.groupby("season", sort=False)
    }
    stamps = pd.DatetimeIndex(hourly["hour_start"])
    months = (stamps.tz_convert(TIMEZONE) if stamps.tz is not None else stamps).month
    model = hourly["agents"].groupby(season_of(months, seasons)).sum().reindex(list(rosters))
    return Roster(
        year=year,
        quantile=quantile,
        shifts=tuple(shifts),
        hourly=hourly,
        requirement=requirement,
        weeks=season_weeks(hourly, seasons),
        week_rosters=rosters,
        model_agent_hours=model,
        base_agent_hours=staff("base", bh, None, a).agent_hours,
    )


def roster_table(r: Roster) -> pd.DataFrame:
    """Every shift start with staff: season, weekday, weekday_label, shift, start_hour, staff."""
    parts = [w.starts.assign(season=season) for season, w in r.week_rosters.items()]
    cols = ["season", "weekday", "weekday_label", "shift", "start_hour", "staff"]
    return pd.concat(parts, ignore_index=True)[cols]


#: Label of the whole-year row of :func:`roster_summary`.
YEAR_ROW = "hele året"


def roster_summary(r: Roster, a: Assumptions) -> pd.DataFrame:
    """Per season and for the whole year: weeks; required agent-hours, paid hours and shifts
    per typical week; schedule efficiency (required / paid); the model's agent-hours of the
    season's actual hours; paid hours of the season (paid per week x weeks); model efficiency
    (model agent-hours / paid hours); person-years with the roster (paid hours /
    ``hours_per_person_year``) and of the model (agent-hours / ``hours_per_person_year``); and
    both scaled as the report scales (``actual_person_years`` x hours / S_base)."""
    rows = []
    for season, w in r.week_rosters.items():
        weeks = float(r.weeks[season])
        rows.append(
            {
                "season": season,
                "weeks": weeks,
                "required_agent_hours_per_week": float(w.required_agent_hours),
                "paid_hours_per_week": w.paid_hours,
                "shifts_per_week": int(w.starts["staff"].sum()),
                "model_agent_hours": float(r.model_agent_hours[season]),
                "paid_hours": w.paid_hours * weeks,
            }
        )
    df = pd.DataFrame(rows)
    year = df.drop(columns="season").sum()
    per_week = ["required_agent_hours_per_week", "paid_hours_per_week", "shifts_per_week"]
    year[per_week] = (df[per_week].mul(df["weeks"], axis=0)).sum() / df["weeks"].sum()
    df = pd.concat([df, pd.DataFrame([{"season": YEAR_ROW, **year.to_dict()}])], ignore_index=True)
    scale = float(person_years_per_agent_hour(a, r.base_agent_hours))
    return df.assign(
        schedule_efficiency=df["required_agent_hours_per_week"] / df["paid_hours_per_week"],
        model_efficiency=df["model_agent_hours"] / df["paid_hours"],
        person_years_roster=df["paid_hours"] / a.hours_per_person_year,
        model_person_years=df["model_agent_hours"] / a.hours_per_person_year,
        person_years_roster_scaled=df["paid_hours"] * scale,
        person_years_scaled=df["model_agent_hours"] * scale,
    )


# --- Like for like: the base's eleven boards rostered as the centre is (issue 24) --------

#: Rows of :func:`like_for_like`.
BASE_ROW, CENTRE_ROW = "Basemodell (sentralbordene)", "Konsept III (nasjonalt kontaktsenter)"
LIKE_FOR_LIKE_COLUMNS = [
    "model",
    "boards",
    "model_agent_hours",
    "paid_hours",
    "schedule_efficiency",
    "paid_hours_with_shrinkage",
    "person_years_roster",
    "person_years_model_scaled",
    "person_years_roster_scaled",
    "saving_share",
]


def _rostered_hours(
    hourly: pd.DataFrame, quantile: float, shifts: tuple[ShiftType, ...], seasons: dict[str, tuple[int, ...]]
) -> float:
    """Paid hours over the year of one board's roster: one :func:`solve_week` per season of its
    typical week, times the season's weeks."""
    requirement = weekly_requirement(hourly, quantile, seasons)
    weeks = season_weeks(hourly, seasons)
    return float(
        sum(
            solve_week(g.sort_values("hour_of_week")["required"].to_numpy(), shifts).paid_hours * weeks[season]
            for season, g in requirement.groupby("season", sort=False)
        )
    )


def like_for_like(
    rates: pd.DataFrame | BoardHours,
    a: Assumptions,
    year: int | None = None,
    quantile: float = 1.0,
    shifts: tuple[ShiftType, ...] = DEFAULT_SHIFTS,
    seasons: dict[str, tuple[int, ...]] | None = None,
    concept: str = "III",
) -> pd.DataFrame:
    """The base model's boards (one roster per district board, the data year's traffic, or
    ``year``'s under ``population_growth="on"``) and the centre of ``concept`` in ``year``
    rostered the same way (the same shift types, typical weeks and quantile), so that both carry
    their scheduling losses.

    Rows :data:`BASE_ROW`, :data:`CENTRE_ROW`; columns :data:`LIKE_FOR_LIKE_COLUMNS`: boards
    rostered, the model's agent-hours of the year, rostered paid hours, schedule efficiency
    (agent-hours / paid hours), paid hours grossed up by ``roster_shrinkage`` (absence and
    training beyond the 1 400 productive hours), person-years on the roster (grossed-up paid
    hours / ``hours_per_person_year``), person-years as the report scales the model
    (``actual_person_years`` x S / S_base) and as a roster reading scales them
    (``actual_person_years`` x paid / paid of the base: today's 90 person-years stand for the
    base's rostered hours), and the share of the base's rostered hours the centre saves (the
    base row: the share of its model agent-hours the centre saves)."""
    seasons = SEASONS if seasons is None else seasons
    bh = board_hours(rates)
    year = a.first_year if year is None else year
    stamps = bh.hours["hour_start"].to_numpy()

    def rostered(base: Staffing) -> float:
        return sum(
            _rostered_hours(pd.DataFrame({"hour_start": stamps, "agents": base.agents[i]}), quantile, shifts, seasons)
            for i in range(base.agents.shape[0])
            if base.agents[i].sum() > 0
        )

    # Like for like: the base in the centre's year (under population_growth its volume grows too);
    # the scales are today's, the data year's base (its agent-hours S_base, its rostered hours).
    today = staff("base", bh, None, a)
    base = staff("base", bh, year, a) if year_dependent("base", a) else today
    base_paid = rostered(base)
    today_paid = base_paid if base is today else rostered(today)
    centre = hourly_requirement(bh, a, year, concept)
    centre_paid = _rostered_hours(centre, quantile, shifts, seasons)
    s_base, s_centre = float(base.agents.sum()), float(staff(concept, bh, year, a).agents.sum())
    scale = float(person_years_per_agent_hour(a, today.agent_hours))
    gross = 1.0 / (1.0 - a.roster_shrinkage)
    rows = []
    for label, boards, model, paid in (
        (BASE_ROW, int((base.agents.sum(axis=1) > 0).sum()), s_base, base_paid),
        (CENTRE_ROW, len(boards_of(concept, bh)), s_centre, centre_paid),
    ):
        rows.append(
            {
                "model": label,
                "boards": boards,
                "model_agent_hours": model,
                "paid_hours": paid,
                "schedule_efficiency": model / paid,
                "paid_hours_with_shrinkage": paid * gross,
                "person_years_roster": paid * gross / a.hours_per_person_year,
                "person_years_model_scaled": scale * model,
                "person_years_roster_scaled": a.actual_person_years * paid / today_paid,
                "saving_share": 1 - paid / base_paid if label == CENTRE_ROW else 1 - s_centre / s_base,
            }
        )
    return pd.DataFrame(rows, columns=LIKE_FOR_LIKE_COLUMNS)


# --- Figure ------------------------------------------------------------------------------


def plot_coverage(r: Roster, weekdays: tuple[str, ...] = ("onsdag", "søndag")) -> Figure:
    """Staff on duty against the requirement, hour by hour, for ``weekdays`` (columns) in
    every season (rows)."""
    seasons = list(r.week_rosters)
    fig, axes = plotstyle.subplots(
        len(seasons), len(weekdays), figsize=(3.6 * len(weekdays) + 1, 2.1 * len(seasons) + 1.2), sharex=True
    )
    axes = np.atleast_2d(axes).reshape(len(seasons), len(weekdays))
    hours = np.arange(25)
    for i, season in enumerate(seasons):
        w = r.week_rosters[season]
        for j, day in enumerate(weekdays):
            ax = axes[i, j]
            window = slice(WEEKDAYS.index(day) * 24, WEEKDAYS.index(day) * 24 + 24)
            req, duty = w.required[window], w.on_duty[window]
            ax.step(hours, np.append(duty, duty[-1]), where="post", color=plotstyle.BLUE, label="Bemanning på vakt")
            ax.step(
                hours, np.append(req, req[-1]), where="post", color=plotstyle.ORANGE, lw=1.2, label="Behov (Erlang C)"
            )
            ax.fill_between(
                hours,
                np.append(req, req[-1]),
                np.append(duty, duty[-1]),
                step="post",
                color=plotstyle.LIGHT_GREY,
                alpha=0.8,
                label="Overdekning",
            )
            ax.set_title(f"{season.capitalize()}, {day}", loc="left")
            ax.set_xticks(range(0, 25, 6))
            ax.set_xlim(0, 24)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            plotstyle.axis_format(ax, "y", decimals=0)
            ax.set_ylabel("Agenter")
            if i == len(seasons) - 1:
                ax.set_xlabel("Time")
    fig.suptitle(f"Bemanning på vakt mot behov, nasjonalt kontaktsenter {r.year}")
    plotstyle.legend_below(fig)
    return fig
