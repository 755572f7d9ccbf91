"""Aggregates of the cleaned call log that the report shows in appendix A.1.

* :func:`table_a2`: Tabell A.2 (calls, answered share, mean access time of answered calls,
  and the share of answered calls answered within the service time, 95 s) per queue and in
  total, and :func:`table_a2_vs_report` beside the published values.
* :func:`hourly_profile` and :func:`plot_hourly_profile`: Figur A.1 (average weekday,
  Monday-Friday) and Figur A.2 (average weekend day, Saturday-Sunday): calls per hour and
  answer rate by local hour of day, nationally.

Population: as the report's Tabell A.2 and figures (their footnotes), all rows of the log
except switchboard calls of the districts whose switchboard log is missing (Trøndelag),
that is the modelled districts plus Trøndelag's OPS calls. The synthetic log has no
Trøndelag switchboard rows, so there this is every kept row.

Interval statistics (:mod:`lib.calllog.intervals`) give the same tables from their sums: the
mean access time needs the answered calls' waiting time and the share within 95 s an
``answered_within_95s`` column; where the export lacks them the cell is empty (NaN).

Only aggregates leave this module; never call-level rows.
"""

from __future__ import annotations

import textwrap
from typing import cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from lib.core import plotstyle
from lib.core.assumptions import PUBLISHED
from lib.core.districts import OPS, QUEUE_LABELS, SWITCHBOARD, TOTAL
from lib.core.oslo_calendar import DAY_KINDS, days_of_kind, in_day_kind

ROWS = (QUEUE_LABELS[SWITCHBOARD], QUEUE_LABELS[OPS], TOTAL)
CALLS = "Anrop (besvart og ubesvart)"
ANSWERED = "Andel besvart"
ACCESS = "Gjennomsnittlig aksesstid (sekunder)"


def within_label(service_time_s: float) -> str:
    """Column label of the service-level share, e.g. 'Andel besvart innen 95 sekunder'."""
    return f"Andel besvart innen {service_time_s:g} sekunder"


# Published value names (lib.core.assumptions.PUBLISHED) per Tabell A.2 cell; None = not published.
_PUBLISHED_NAMES = {
    CALLS: ("switchboard_calls", "ops_calls", "total_calls"),
    ANSWERED: ("switchboard_answered_share", "ops_answered_share", "total_answered_share"),
    ACCESS: ("switchboard_mean_access_s", "ops_mean_access_s", "total_mean_access_s"),
    "within": (None, None, "service_level_95s"),
}

FIGURE_TITLES = {
    "weekday": "Figur A.1. Fordeling av antall telefoner og svarprosent per time på en gjennomsnittlig "
    "hverdag (mandag-fredag). {year}, alle politidistrikt",
    "weekend": "Figur A.2. Fordeling av antall telefoner og svarprosent per time på en gjennomsnittlig "
    "helgedag (lørdag-søndag). {year}, alle politidistrikt",
}
BAR_LABEL = "Telefoner per time (gjennomsnitt)"
LINE_LABEL = "Svarprosent"
X_LABEL = "Klokkeslett"


def report_rows(clean: pd.DataFrame, missing_switchboards: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """The rows the report's Tabell A.2 and Figur A.1/A.2 count: all but the switchboard
    calls of ``missing_switchboards`` (the report: Trøndelag, the ``excluded_districts``
    assumption)."""
    missing = clean["district"].isin(list(missing_switchboards)).to_numpy()
    drop = missing & (clean["queue"] == SWITCHBOARD).to_numpy()
    return clean.loc[~drop] if drop.any() else clean


def _interval_measures(df: pd.DataFrame, service_time_s: float) -> dict[str, float]:
    """:func:`_measures` of an interval table: sums; NaN where the export lacks the column."""
    calls, n_ans = int(df["offered"].sum()), int(df["answered"].sum())
    wait = df["wait_answered_s"].to_numpy(dtype=float)
    within = df["answered_within"].to_numpy(dtype=float)
    same_x = bool(len(df)) and bool((df["service_time_s"].to_numpy(dtype=float) == service_time_s).all())
    return {
        CALLS: float(calls),
        ANSWERED: n_ans / calls if calls else np.nan,
        ACCESS: float(wait.sum()) / n_ans if n_ans and np.isfinite(wait).all() else np.nan,
        within_label(service_time_s): float(within.sum()) / n_ans if n_ans and same_x else np.nan,
    }


def _measures(df: pd.DataFrame, service_time_s: float) -> dict[str, float]:
    if "offered" in df.columns:
        return _interval_measures(df, service_time_s)
    answered = df["answered"].to_numpy(dtype=bool)
    wait = df["wait_s"].to_numpy(dtype="float64")[answered]
    n_ans = int(answered.sum())
    return {
        CALLS: float(len(df)),
        ANSWERED: n_ans / len(df) if len(df) else np.nan,
        ACCESS: float(wait.mean()) if n_ans else np.nan,
        within_label(service_time_s): float((wait <= service_time_s).mean()) if n_ans else np.nan,
    }


def table_a2(
    clean: pd.DataFrame, *, service_time_s: float, missing_switchboards: tuple[str, ...] | list[str]
) -> pd.DataFrame:
    """Tabell A.2 from the cleaned log: rows Sentralbord, Operasjonssentral, Total.

    Columns: calls (answered and unanswered), answered share (0-1), mean access time of
    answered calls (seconds), and share of answered calls with access time <=
    ``service_time_s`` (seconds; the report: today's 95 s, ``service_time_today_s``).
    ``missing_switchboards``: see :func:`report_rows`.
    """
    df = report_rows(clean, missing_switchboards)
    queue = df["queue"].to_numpy()
    rows = {QUEUE_LABELS[q]: _measures(df.loc[queue == q], service_time_s) for q in (SWITCHBOARD, OPS)}
    rows[TOTAL] = _measures(df, service_time_s)
    out = pd.DataFrame.from_dict(rows, orient="index")
    out[CALLS] = out[CALLS].astype("int64")
    out.index.name = "Kø"
    return out


def table_a2_vs_report(a2: pd.DataFrame) -> pd.DataFrame:
    """Tabell A.2 beside the report's published values, long form.

    Columns: Kø, Mål (measure), Beregnet (this log), Rapport (published; NaN where the
    report publishes none), Differanse (Beregnet - Rapport).
    """
    lines = []
    for col in a2.columns:
        names = _PUBLISHED_NAMES.get(col) or _PUBLISHED_NAMES["within"]
        for row, name in zip(ROWS, names, strict=True):
            published = PUBLISHED[name].value if name else np.nan
            lines.append({"Kø": row, "Mål": col, "Beregnet": float(a2.loc[row, col]), "Rapport": published})
    out = pd.DataFrame(lines)
    out["Differanse"] = out["Beregnet"] - out["Rapport"]
    return out


def hourly_profile(
    clean: pd.DataFrame, kind: str, *, year: int, missing_switchboards: tuple[str, ...] | list[str]
) -> pd.DataFrame:
    """Average calls per hour and answer rate by local hour of day for one day kind, national.

    ``kind``: 'weekday' (Monday-Friday, Figur A.1) or 'weekend' (Saturday-Sunday, Figur A.2);
    public holidays count by their weekday, as the report's figures define the day kinds
    (:data:`lib.core.oslo_calendar.DAY_KINDS`). ``missing_switchboards``: see :func:`report_rows`.
    calls_per_hour = calls arriving in that local hour on such days / number of such days in
    ``year`` (so the missing 02:00 of the spring-forward Sunday and the doubled 02:00 of the
    autumn Sunday are averaged in, as any calendar-day average does).
    answer_rate = answered / calls in that hour (0-1). Columns: hour, days, calls, answered,
    calls_per_hour, answer_rate. ``clean`` may be an interval table (its intervals' sums, by the
    hour of the interval's start).
    """
    if kind not in DAY_KINDS:
        raise ValueError(f"kind must be one of {list(DAY_KINDS)}, not {kind!r}")
    df = report_rows(clean, missing_switchboards)
    intervals = "offered" in df.columns
    t = df["interval_start"] if intervals else df["arrived_at"]
    sel = in_day_kind(t, kind)
    hours = t.dt.hour.to_numpy()[sel]
    answered = df["answered"].to_numpy(dtype=np.int64 if intervals else bool)[sel]
    if intervals:  # sums per interval
        offered = df["offered"].to_numpy(dtype=float)[sel]
        calls = np.rint(np.bincount(hours, weights=offered, minlength=24)).astype(np.int64)
    else:
        calls = np.bincount(hours, minlength=24)
    ans = np.bincount(hours, weights=answered, minlength=24)
    n_days = days_of_kind(year, kind)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(calls > 0, ans / np.maximum(calls, 1), np.nan)
    return pd.DataFrame(
        {
            "hour": np.arange(24),
            "days": n_days,
            "calls": calls,
            "answered": ans.astype("int64"),
            "calls_per_hour": calls / n_days,
            "answer_rate": rate,
        }
    )


def plot_hourly_profile(
    profile: pd.DataFrame, kind: str, *, year: int, ymax_calls: float = 600, ax: plt.Axes | None = None
) -> plt.Figure:
    """The report's Figur A.1/A.2: blue bars = average calls per hour (right axis, 0-600 as in
    the report, raised in steps of 100 if the data need it), yellow line = answer rate
    (left axis, 0-100 %), x = local hour of day; ``year`` goes in the title. Norwegian
    numbers and the legend below the plot (:mod:`lib.core.plotstyle`)."""
    own = ax is None
    if ax is None:
        fig, ax = plotstyle.subplots(figsize=(9, 5.2))
    else:
        fig = cast(plt.Figure, ax.figure)  # a SubFigure only if the caller drew into one
    bars_ax = ax.twinx()
    top = max(ymax_calls, float(np.ceil(np.nanmax(profile["calls_per_hour"]) / 100) * 100))
    bars = bars_ax.bar(profile["hour"], profile["calls_per_hour"], color="#1f4e9c", width=0.7, label=BAR_LABEL)
    bars_ax.set_ylim(0, top)
    bars_ax.set_ylabel(BAR_LABEL)
    plotstyle.axis_format(bars_ax, "y")
    (line,) = ax.plot(
        profile["hour"], 100 * profile["answer_rate"], color="#f2b705", lw=2.5, marker="o", ms=4, label=LINE_LABEL
    )
    ax.set_ylim(0, 100)
    ax.set_ylabel(f"{LINE_LABEL} (%)")
    plotstyle.axis_format(ax, "y")
    ax.set_zorder(bars_ax.get_zorder() + 1)  # the line above the bars
    ax.patch.set_visible(False)
    for scale_ax in (ax, bars_ax):  # two scales, no grid (as the report's figure)
        scale_ax.grid(False)
    ax.set_xticks(range(24))
    ax.set_xticklabels([f"{h:02d}" for h in range(24)])
    ax.set_xlim(-0.6, 23.6)
    ax.set_xlabel(X_LABEL)
    ax.set_title("\n".join(textwrap.wrap(FIGURE_TITLES[kind].format(year=year), 80)))
    plotstyle.legend_below(fig if own else ax, handles=[bars, line], labels=[BAR_LABEL, LINE_LABEL])
    return fig
