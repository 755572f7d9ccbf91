"""Every figure speaks one language (issue 10): a title, labelled axes, the report's Norwegian
terms, Norwegian numbers, legends off the data; and every PNG a run writes carries its title.

The figure functions are drawn on small hand-made inputs; the PNGs of the session's chain run
are read in tests/test_chain_outputs.py.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from frames import rates_frame
from matplotlib.figure import Figure
from PIL import Image

from lib.calllog import describe
from lib.core import plotstyle
from lib.core.assumptions import TABLE1_PUBLISHED, Assumptions, analysis_years
from lib.core.districts import DISTRICTS
from lib.core.oslo_calendar import hour_grid
from lib.model import concepts
from lib.planning import pilot, roster
from lib.report import figures
from lib.traffic import arrivals
from lib.valuation import sensitivity as sens
from lib.valuation import uncertainty
from lib.valuation.economics import SUM

A = Assumptions()
TARGETS = (A.service_time_today_s, A.service_time_centre_s)
YEARS = list(range(2026, 2034))
#: English words that have a Norwegian term in the report (belegg, telefoner, ventetid, ...).
ENGLISH = re.compile(
    r"\b(occupancy|calls?|waiting|wait|handling|person-years?|contacts?|observed|fitted|staffing|"
    r"service level|hours?|year|agents)\b",
    re.IGNORECASE,
)
#: A decimal point between digits, or an English thousands comma (1,060,110; not the decimal
#: comma of 0,001); the report's figure numbers ("Figur 6.1.") are names, not numbers.
ENGLISH_NUMBER = re.compile(r"\d\.\d|(?<![\d,])[1-9]\d{0,2}(?:,\d{3})+(?![\d,])")
FIGURE_NUMBER = re.compile(r"Figur [A-Z]?\.?\d+(\.\d+)?\.?")


# --- inputs --------------------------------------------------------------------------------


def _effects() -> pd.DataFrame:
    k = np.arange(len(YEARS))
    return pd.DataFrame(
        {
            "Spart tid politiet.no": 4.6,
            "Spart tid livechat (IIa)": 6.0 + 0.8 * k,
            "Spart tid chatbot": 7.0 + 1.2 * k,
            "Spart tid livechat (IIb, III)": 1.8 + 0.1 * k,
            "Spart tid kontaktsenter": 40.0 - 0.2 * k,
        },
        index=pd.Index(YEARS, name="year"),
    )


def _channels() -> tuple[pd.DataFrame, float]:
    n_zero = A.registered_calls_2023 + A.trondelag_switchboard_calls_2023
    mix = pd.DataFrame(
        [
            {"year": y, "concept": c, **vars(concepts.channel_mix(c, y, A))}
            for y in analysis_years(A)
            for c in ("IIa", "IIb")
        ]
    )
    return mix.assign(**{k: mix[k] * n_zero for k in ("remaining", "phone", "chatbot_answered", "live_chat")}), n_zero


def _weekday_profile() -> pd.DataFrame:
    h = np.arange(24)
    day = np.exp(-(((h - 11) / 4.0) ** 2))
    return pd.DataFrame(
        {"Basemodell": 11 + 27 * day, "Konsept IIb 2033": 11 + 15 * day, "Konsept III 2033": 2 + 12 * day},
        index=pd.Index(h, name="hour"),
    )


def _comparison() -> pd.DataFrame:
    rows = [
        {"row": row, "concept": c, "published": v, "reproduced": v * 1.05}
        for row, by_concept in TABLE1_PUBLISHED.items()
        for c, v in by_concept.items()
        if v is not None
    ]
    return pd.DataFrame(rows)


def _hourly_profile() -> pd.DataFrame:
    h = np.arange(24)
    return pd.DataFrame(
        {
            "hour": h,
            "calls_per_hour": 20 + 380 * np.exp(-(((h - 11) / 4.0) ** 2)),
            "answer_rate": np.where((h >= 8) & (h < 16), 0.9, 0.67),
        }
    )


@pytest.fixture(scope="module")
def arrival_rates() -> arrivals.ArrivalRates:
    """A small Poisson year (≈ 30 000 calls, all districts) through the arrival model."""
    grid = hour_grid(2023)
    rng = np.random.default_rng(np.random.SeedSequence(1010))
    prof = (0.5 + np.exp(-(((grid["hour"].to_numpy() - 11) / 4.0) ** 2))) * np.where(
        grid["day_type"] == "weekday", 1.0, 0.5
    )
    lam = np.outer(np.ones(len(DISTRICTS)), prof) * 30_000 / (len(DISTRICTS) * prof.sum())
    n = rng.poisson(lam).ravel()
    h = np.repeat(np.tile(np.arange(len(grid)), len(DISTRICTS)), n)
    d = np.repeat(np.repeat(np.arange(len(DISTRICTS)), len(grid)), n)
    districts = np.array(DISTRICTS, dtype=object)[d]
    arrived = pd.Series(pd.DatetimeIndex(grid["hour_start"].iloc[h])) + pd.to_timedelta(
        rng.uniform(0, 3599, n.sum()), unit="s"
    )
    calls = pd.DataFrame(
        {
            "call_id": [f"T{i:08d}" for i in range(n.sum())],
            "district": districts,
            "queue": "sentralbord",
            "arrived_at": arrived,
            "wait_s": 10.0,
            "talk_s": 150.0,
            "answered": True,
            "in_scope": districts != "Trøndelag",
            "id_conflict": False,
        }
    )
    return arrivals.build_rates(
        calls,
        year=2023,
        excluded_districts=("Trøndelag",),
        arrival_model="glm",
        after_call_work_s=30.0,
        min_answered=30,
    )


def _sensitivity_table(new_format: bool) -> pd.DataFrame:
    """A sensitivity table as :func:`lib.valuation.sensitivity.one_at_a_time` writes it: values as text
    (``new_format=False``: low_value "0.02"), or as numbers with low_text/high_text beside."""
    rows = [
        ("Kalkulasjonsrente", (0.02,), (0.06,), " → ", 480.0, 430.0),
        ("Årsverkskostnad (±10 %)", (1_060_110.0,), (1_295_690.0,), " → ", 415.0, 498.0),
        ("Andel chat/chatbot (første → siste år)", (0.15, 0.35), (0.35, 0.65), " → ", 416.0, 497.0),
        ("Investeringskostnader (±50 %)", (2.0, 5.0, 4.0), (6.0, 15.0, 12.0), ", ", 466.0, 447.0),
    ]

    def text(values, sep):
        return sep.join(f"{v:,.0f}".replace(",", " ") if abs(v) >= 1000 else f"{v:.4g}" for v in values)

    records = []
    for label, low, high, sep, s_low, s_high in rows:
        r = {"assumption": label, "label": label, "concept": "III", "sum_base": 456.4, "sum_low": s_low}
        r |= {"sum_high": s_high, "swing": abs(s_high - s_low)}
        if new_format:
            for k in range(3):
                suffix = "" if k == 0 else f"_{k + 1}"
                r[f"low_value{suffix}"] = low[k] if k < len(low) else np.nan
                r[f"high_value{suffix}"] = high[k] if k < len(high) else np.nan
            r |= {"low_text": text(low, sep), "high_text": text(high, sep)}
        else:
            r |= {"low_value": text(low, sep), "high_value": text(high, sep)}
        records.append(r)
    return pd.DataFrame(records)


# --- what every figure must satisfy ---------------------------------------------------------


def _texts(fig: Figure) -> list[str]:
    """Every text a reader sees: titles, axis labels, tick labels, legend entries."""
    out = [fig.get_suptitle()]
    for ax in fig.get_axes():
        out += [ax.get_title(loc=loc) for loc in ("left", "center", "right")]
        out += [ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        out += [t.get_text() for t in ax.texts]
    for leg in _legends(fig):
        out += [t.get_text() for t in leg.get_texts()]
    return [t for t in out if t]


def _legends(fig: Figure) -> list:
    return [*fig.legends, *(ax.get_legend() for ax in fig.get_axes() if ax.get_legend() is not None)]


def check_figure(fig: Figure) -> None:
    """The house rules of lib.core.plotstyle, asserted on a drawn figure."""
    assert isinstance(fig, Figure)
    fig.canvas.draw()
    assert plotstyle.title_of(fig)
    for ax in fig.get_axes():
        # a panel sharing its y axis with others in its row (sharey) may leave the y label to them
        y_siblings = ax.get_shared_y_axes().get_siblings(ax)
        assert any(s.get_ylabel().strip() for s in y_siblings), (
            f"an axes without a y label in {plotstyle.title_of(fig)!r}"
        )
        # a panel sharing its x axis (sharex, twinx) may leave the x label to its sibling
        siblings = ax.get_shared_x_axes().get_siblings(ax)
        assert any(s.get_xlabel().strip() for s in siblings), f"no x label in {plotstyle.title_of(fig)!r}"
        # values on their bars and a group's heading above the data are the only text on the axes
        free = [t for t in ax.texts if t.get_gid() not in (figures.VALUE_LABEL, figures.HEADING)]
        assert not free, "no free text over the data: put it in the legend"
    texts = _texts(fig)
    for text in texts:
        assert not ENGLISH.search(text), f"English term in {text!r}"
        assert not ENGLISH_NUMBER.search(FIGURE_NUMBER.sub("", text)), f"English number notation in {text!r}"
    legends = _legends(fig)
    assert legends, "every figure explains its symbols"
    fig_box = fig.bbox
    for leg in legends:
        box = leg.get_window_extent()
        for ax in fig.get_axes():
            assert not box.overlaps(ax.get_window_extent()), f"legend over the axes {ax.get_title()!r}"
        assert fig_box.x0 - 1 <= box.x0 and box.x1 <= fig_box.x1 + 1, "legend cut off at the side"
        assert fig_box.y0 - 1 <= box.y0 and box.y1 <= fig_box.y1 + 1, "legend cut off at the bottom"


def all_text(fig: Figure) -> str:
    return " ".join(_texts(fig))


def _week_of_rates(n: int):
    """``n`` districts over one week of hours (from Monday 2023-01-02), uneven traffic."""
    rng = np.random.default_rng(n)
    shape = 0.2 + np.sin(np.linspace(0, 7 * np.pi, 168)) ** 2
    calls = np.round(rng.uniform(5, 30, (n, 1)) * shape, 2)
    aht = rng.uniform(150, 240, (n, 168))
    return concepts.board_hours(rates_frame(calls.tolist(), aht.tolist(), DISTRICTS[:n], start="2023-01-02 00:00"))


def _monte_carlo():
    rng = np.random.default_rng(3)
    sums = {c: rng.normal(m, 20, 500) for c, m in zip(["I", "IIa", "IIb", "III"], [40, 80, 114, 456], strict=True)}
    return uncertainty.MonteCarlo(
        pd.DataFrame({"chat_share_last_year": rng.uniform(0.25, 0.6, 500)}),
        pd.DataFrame({uncertainty.cell(SUM, c): v for c, v in sums.items()}),
        {},
        np.array([2026]),
        A,
    )


def _uncertainty_summary():
    mc = _monte_carlo()
    det = pd.DataFrame({"row": [SUM], "I": [41.4], "IIa": [80.1], "IIb": [113.9], "III": [456.4]})
    return uncertainty.table1_uncertainty(mc, det)


def _drivers():
    return uncertainty.uncertainty_drivers(_monte_carlo())


def _simulation_detail():
    """by_group rows of a small simulation check: base and III under both models, the log's
    departures together for the base model."""
    from lib.model import plan_check
    from lib.model.staffing import staff

    rates = rates_frame(np.full((2, 24 * 14), 9.0).tolist(), np.full((2, 24 * 14), 180.0).tolist(), DISTRICTS[:2])
    log = plan_check.LogShape(np.array([60.0, 300.0]), None, 150.0)
    parts = []
    for name, a in (("Erlang C", A), ("Erlang A", A.replace(queue_model="erlang_a", patience_s=180.0))):
        for concept in ("base", "III"):
            year = None if concept == "base" else 2026
            plan = staff(concept, rates, year, a)
            c = plan_check.check_plan(plan, a, log if concept == "base" else None, replications=3, seed=1)
            parts.append(plan_check.by_group(c, list(c.runs)).assign(model=name))
    return pd.concat(parts, ignore_index=True)


# --- the figure functions ---------------------------------------------------------------------

FIGURES = {
    "typical_hour": lambda: figures.typical_hour(300.0, 180.0, TARGETS, A.service_level_target, A.max_occupancy),
    "staffing_curve": lambda: figures.staffing_curve(
        np.arange(0.0, 601.0, 5.0), 180.0, TARGETS, A.service_level_target, A.max_occupancy
    ),
    "pooling": lambda: figures.pooling(
        np.arange(5.0, 101.0, 5.0), 11, 180.0, TARGETS, A.service_level_target, A.max_occupancy
    ),
    "effects_by_year": lambda: figures.effects_by_year(_effects(), 177.4),
    "contacts_by_channel": lambda: figures.contacts_by_channel(*_channels()),
    "weekday_profile": lambda: figures.weekday_profile(_weekday_profile(), 11, 1, 177.4),
    "table1_vs_report": lambda: figures.table1_vs_report(_comparison(), 2026, 2033),
    "figur_a1": lambda: describe.plot_hourly_profile(_hourly_profile(), "weekday", year=2023),
    "figur_a2": lambda: describe.plot_hourly_profile(_hourly_profile(), "weekend", year=2023),
    "tornado_text_values": lambda: sens.tornado(_sensitivity_table(new_format=False), "III"),
    "tornado_numeric_values": lambda: sens.tornado(_sensitivity_table(new_format=True), "III"),
    "simulation_by_hour": lambda: figures.simulation_by_hour(
        _simulation_detail(), ["base", "III"], ["Erlang C", "Erlang A"], 2026, {"base": "Basemodell"}
    ),
    "uncertainty_sums": lambda: uncertainty.interval_chart(_uncertainty_summary()),
    "uncertainty_difference": lambda: uncertainty.difference_histogram(_monte_carlo()),
    "uncertainty_drivers": lambda: uncertainty.drivers_chart(_drivers()),
    "pilot_curve": lambda: pilot.plot_curve(pilot.pooling_curve(pilot.search(_week_of_rates(3), A)), A),
    "roster_coverage": lambda: roster.plot_coverage(roster.plan(_week_of_rates(2), A)),
}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("name", list(FIGURES))
def test_figure_follows_the_house_style(name):
    check_figure(FIGURES[name]())


@pytest.mark.parametrize("draw", [arrivals.plot_hour_of_week, arrivals.plot_month_and_days])
def test_arrival_figures_follow_the_house_style(arrival_rates, draw):
    fig = draw(arrival_rates)
    check_figure(fig)
    assert "telefoner" in all_text(fig).lower() and "12 politidistrikter" not in all_text(fig)


@pytest.mark.parametrize("name", ["typical_hour", "staffing_curve", "pooling", "effects_by_year", "weekday_profile"])
def test_curves_that_depend_on_the_handling_time_state_it(name):
    fig = FIGURES[name]()
    title = plotstyle.title_of(fig)
    assert "behandlingstid" in title and re.search(r"behandlingstid (180|177) s", title), title


def test_the_primer_says_belegg_and_agenter():
    for name in ("typical_hour", "staffing_curve", "pooling"):
        text = all_text(FIGURES[name]())
        assert "belegg" in text and "agenter" in text, name
        assert "occupancy" not in text.lower()


def test_the_typical_hour_formats_service_level_and_wait_in_norwegian():
    fig = FIGURES["typical_hour"]()
    fig.canvas.draw()
    left, right = fig.axes
    assert "80 %" in [t.get_text() for t in left.get_yticklabels()]
    assert {"0,01", "0,1", "1", "10", "100"} <= {t.get_text() for t in right.get_yticklabels()}
    assert "15,0 Erlang" in plotstyle.title_of(fig)


def test_tornado_labels_read_alike_from_either_table_format():
    labels = {}
    for new_format in (False, True):
        fig = sens.tornado(_sensitivity_table(new_format), "III")
        labels[new_format] = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[False] == labels[True]
    text = " ".join(labels[True])
    # rows whose assumption column names no assumption: their own numbers, in Norwegian notation
    assert "Kalkulasjonsrente\nlav 0,02, høy 0,06" in text
    assert "Årsverkskostnad (±10 %)\nlav 1 060 110, høy 1 295 690" in text
    assert "lav 0,15 → 0,35, høy 0,35 → 0,65" in text
    assert "lav 2; 5; 4, høy 6; 15; 12" in text  # a list separator is no decimal comma


NAMES = {
    "Kalkulasjonsrente": "discount_rate",
    "Årsverkskostnad (±10 %)": "cost_per_person_year_nok",
    "Andel chat/chatbot (første → siste år)": "chat_share_first_year, chat_share_last_year",
    "Investeringskostnader (±50 %)": "live_chat_investment_mnok, chatbot_investment_mnok, contact_centre_investment_mnok",
}


def test_tornado_shows_shares_in_percent_and_kroner_in_millions():
    table = _sensitivity_table(new_format=True)
    table["assumption"] = table["label"].map(NAMES)
    text = " ".join(t.get_text() for t in sens.tornado(table, "III").axes[0].get_yticklabels())
    assert "Kalkulasjonsrente\nlav 2 %, høy 6 %" in text
    assert "Årsverkskostnad (±10 %)\nlav 1,06 mill. kr, høy 1,30 mill. kr" in text
    assert "lav 15 % → 35 %, høy 35 % → 65 %" in text
    assert "lav 11 mill. kr i alt, høy 33 mill. kr i alt" in text


def test_a_tornado_row_without_known_assumptions_keeps_its_own_text():
    row = {"assumption": "not_an_assumption", "low_value": 0.02, "low_text": "0.02"}
    assert sens.range_text(row, "low") is None
    assert sens.range_text({"assumption": "discount_rate", "low_value": 0.025}, "low") == "2,5 %"


def test_table1_chart_has_values_on_its_bars_the_sums_apart_and_costs_marked():
    comparison = _comparison()
    fig = figures.table1_vs_report(comparison, 2026, 2033)
    cells, sums = fig.axes
    values = [t.get_text() for t in cells.texts if t.get_gid() == figures.VALUE_LABEL and t.get_text()]
    assert len(values) == 2 * int((comparison["row"] != SUM).sum())  # the report's and ours, every cell
    assert [t.get_text() for t in sums.get_xticklabels()] == [f"Konsept {c}" for c in ("I", "IIa", "IIb", "III")]
    assert {t.get_text() for t in cells.texts if t.get_gid() == figures.HEADING} == {"Nytte (spart tid)", "Kostnader"}
    hatched = [p for p in cells.patches if p.get_hatch()]
    assert len(hatched) == 2 * int(comparison["row"].isin(["Investeringskostnader", "Driftskostnader"]).sum())
    assert "Kostnad" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_tornado_formats_numbers_without_text_columns():
    table = _sensitivity_table(new_format=True).drop(columns=["low_text", "high_text"])
    fig = sens.tornado(table, "III")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Kalkulasjonsrente\nlav 0,02, høy 0,06" in labels
    assert "Årsverkskostnad (±10 %)\nlav 1 060 110, høy 1 295 690" in labels
    assert "Andel chat/chatbot (første → siste år)\nlav 0,15; 0,35, høy 0,35; 0,65" in labels


def test_the_simulation_checks_error_bars_are_the_95_percent_interval_and_the_legend_says_so():
    detail = _simulation_detail()
    fig = figures.simulation_by_hour(detail, ["base", "III"], ["Erlang C", "Erlang A"], 2026, {})
    text = all_text(fig)
    assert "95 %-intervall" in text and "over 3 simulerte år" in text
    ax = fig.axes[0]
    bars = [c for c in ax.containers if c.__class__.__name__ == "ErrorbarContainer"]
    assert bars, "the simulated points carry error bars"
    hourly = detail[(detail["group"] == "hour_of_day") & (detail["model"] == "Erlang C")]
    hourly = hourly[(hourly["concept"] == "base") & (hourly["departure"] == "none")]
    segments = bars[0].lines[2][0].get_segments()
    lows = sorted(float(s[0][1]) for s in segments)
    np.testing.assert_allclose(lows, sorted(hourly["simulated_low"]), rtol=1e-12)
    low, high = ax.get_ylim()  # the shared axis spans the values shown, not 0-100 %
    shown = detail[detail["group"] == "hour_of_day"]
    assert low >= shown[["predicted", "simulated_low"]].min().min() - 0.05
    assert high <= shown[["predicted", "simulated_high"]].max().max() + 0.05


def test_figure_keeps_the_legend_off_a_given_axes():
    fig, ax = plt.subplots(figsize=(6, 4))
    describe.plot_hourly_profile(_hourly_profile(), "weekday", year=2023, ax=ax)
    fig.canvas.draw()
    leg = ax.get_legend()
    assert leg is not None and not leg.get_window_extent().overlaps(ax.get_window_extent())


# --- lib.core.plotstyle -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1_060_110, 0, "1 060 110"),
        (1_060_110.0, None, "1 060 110"),
        (0.02, 2, "0,02"),
        (0.02, None, "0,02"),
        (0.15, None, "0,15"),
        (81.0, None, "81"),
        (1234.5678, 2, "1 234,57"),
        (15.0, 1, "15,0"),
        (-3.5, 1, "\u22123,5"),
        (-0.0001, 1, "0,0"),
        (0, None, "0"),
    ],
)
def test_number_is_norwegian(value, decimals, text):
    assert plotstyle.number(value, decimals) == text


def test_tick_formatters():
    assert plotstyle.formatter(0)(1_060_110, 0) == "1 060 110"
    assert plotstyle.formatter(2)(0.02, 0) == "0,02"
    assert plotstyle.formatter(0, percent=True)(0.8, 0) == "80 %"
    assert plotstyle.formatter(2, scale=1e6)(1_750_000, 0) == "1,75"
    _fig, ax = plt.subplots()
    ax.plot([0, 1_060_110], [0, 0.02])
    plotstyle.axis_format(ax, "x")
    plotstyle.axis_format(ax, "y", decimals=2)
    assert ax.xaxis.get_major_formatter()(1_060_110, 0) == "1 060 110"
    assert ax.yaxis.get_major_formatter()(0.02, 0) == "0,02"
    with pytest.raises(ValueError, match="axis"):
        plotstyle.axis_format(ax, "z")


def test_numbers_in_rewrites_english_notation():
    assert plotstyle.numbers_in("0.02") == "0,02"
    assert plotstyle.numbers_in("1 060 110") == "1 060 110"
    assert plotstyle.numbers_in("0.15 → 0.35") == "0,15 → 0,35"
    assert plotstyle.numbers_in("2, 5, 4") == "2; 5; 4"
    assert plotstyle.numbers_in("politiet.no 02800") == "politiet.no 02800"
    # a year, also in a date, keeps its four digits; other numbers get the thousands space
    assert plotstyle.numbers_in("2026 (report: 2025)") == "2026 (report: 2025)"
    assert plotstyle.numbers_in("first call 2023-01-01, 12345 rows") == "first call 2023-01-01; 12 345 rows"


def test_save_stores_the_title_and_refuses_a_figure_without_one(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="Telefoner")
    with pytest.raises(ValueError, match="title"):
        plotstyle.save(fig, tmp_path / "untitled.png")
    assert not (tmp_path / "untitled.png").exists()
    ax.set_title("Nåverdi 2026–2033:\nbelegg 80 %")  # an en dash is not latin-1: stored as iTXt
    path = plotstyle.save(fig, tmp_path / "titled.png")
    assert Image.open(path).text["Title"] == "Nåverdi 2026–2033: belegg 80 %"
    fig.suptitle("Overskrift")
    assert Image.open(plotstyle.save(fig, tmp_path / "sup.png")).text["Title"] == "Overskrift"


def test_legend_below_needs_labels():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    with pytest.raises(ValueError, match="label"):
        plotstyle.legend_below(fig)


def test_sum_row_is_left_out_of_the_table1_chart():
    comparison = _comparison()
    assert (comparison["row"] == SUM).any()
    fig = figures.table1_vs_report(comparison, 2026, 2033)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert len(labels) == int((comparison["row"] != SUM).sum()) and not any(SUM in t for t in labels)


def test_a_negative_sum_stays_inside_the_table1_chart():
    comparison = _comparison()
    first = comparison.index[comparison["row"] == SUM][0]
    comparison.loc[first, "reproduced"] = -25.0  # e.g. a low politiet.no reduction, by override
    fig = figures.table1_vs_report(comparison, 2026, 2033)
    assert min(ax.get_ylim()[0] for ax in fig.axes) < -25.0


# --- a real run ------------------------------------------------------------------------------


def test_save_stamps_the_source_line_under_the_figure_and_in_the_metadata(tmp_path):
    fig, ax = plotstyle.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    fig.suptitle("Med kilde")
    try:
        plotstyle.set_source(lambda: "Syntetiske data (frø 2023)")
        path = plotstyle.save(fig, tmp_path / "a.png")
        plotstyle.save(fig, tmp_path / "b.png")  # stamped once, however often it is saved
    finally:
        plotstyle.set_source(None)
    meta = Image.open(path).text
    assert meta["Title"] == "Med kilde" and meta["Source"] == "Syntetiske data (frø 2023)"
    texts = [t.get_text() for t in fig.texts if t.get_gid() == plotstyle.SOURCE_GID]
    assert texts == ["Syntetiske data (frø 2023)"]
    assert tuple(fig.get_size_inches()) == pytest.approx((4, 3 + plotstyle.SOURCE_STRIP_IN))
    fig2, _ax2 = plotstyle.subplots(figsize=(4, 3))
    fig2.suptitle("Uten kilde")
    assert "Source" not in Image.open(plotstyle.save(fig2, tmp_path / "c.png")).text


@pytest.mark.parametrize("below", ["figure", "axes"])
def test_the_source_line_never_overlaps_a_legend_below_the_plot(tmp_path, below):
    """Issue 25: the pilot curve's source line was printed on its legend's last entry (a figure
    legend below the plot sits at the figure's edge): the legend moves up, clear of the strip."""
    fig, ax = plotstyle.subplots(figsize=(7.5, 4.6))
    for i in range(8):
        ax.plot([1, 11], [0, 40 + i], label=f"Grådig rekkefølge, 80/{20 + i}")
    ax.set_xlabel("Antall politidistrikt i piloten")
    fig.suptitle("Innsparing ved å samle politidistrikt i ett sentralbord")
    plotstyle.legend_below(fig if below == "figure" else ax, ncol=4)
    try:
        plotstyle.set_source("Syntetiske data (frø 2023)")
        plotstyle.save(fig, tmp_path / "pilot.png")
    finally:
        plotstyle.set_source(None)
    renderer = fig.canvas.get_renderer()
    (source,) = [t for t in fig.texts if t.get_gid() == plotstyle.SOURCE_GID]
    legend = (fig.legends[0] if below == "figure" else ax.get_legend()).get_window_extent(renderer)
    box = source.get_window_extent(renderer)
    assert not box.overlaps(legend), (box, legend)
    assert legend.y0 >= 0 and box.y1 <= legend.y0  # the source under the legend, both inside the figure
    if below == "figure":  # and the legend still off the plot
        assert not legend.overlaps(ax.get_tightbbox(renderer))


def test_the_figures_source_line_comes_from_the_processed_data(tmp_path):
    import json

    from lib.chain import data_source

    (tmp_path / data_source.SOURCE_FILE).write_text(json.dumps({"raw_file": "data/raw/x.parquet", "synthetic_seed": 7}))
    assert data_source.label(tmp_path) == "Syntetiske data (frø 7)"
    (tmp_path / data_source.SOURCE_FILE).write_text(
        json.dumps({"raw_file": "data/raw/eksport 2023.csv", "synthetic_seed": None})
    )
    pd.DataFrame(
        {"arrived_at": pd.to_datetime(["2023-01-01 00:30", "2023-12-31 23:10"]).tz_localize("Europe/Oslo")}
    ).to_parquet(tmp_path / "calls_clean.parquet")
    assert data_source.label(tmp_path) == "Kilde: eksport 2023.csv, 01.01.2023–31.12.2023"
    try:
        data_source.line(tmp_path)  # what every data notebook prints first
        assert plotstyle.source() == "Kilde: eksport 2023.csv, 01.01.2023–31.12.2023"
    finally:
        plotstyle.set_source(None)
