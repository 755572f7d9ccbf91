"""The figures of notebooks 00 (Erlang C primer), 03 (staffing) and 04 (Table 1).

Each function takes the data and the assumption values it needs as plain values and
returns the :class:`matplotlib.figure.Figure`; the notebook saves it with
:func:`lib.core.plotstyle.save` under an unchanged file name in ``outputs/figures/``. Every
figure has a title, axis labels with units, Norwegian numbers and the report's terms
(:mod:`lib.core.plotstyle`), its legend below the plot, and states the handling time
(*behandlingstid*) where a curve depends on it.

* 00_erlang_c_primer: :func:`typical_hour` (``erlang_typical_hour.png``), :func:`staffing_curve`
  (``erlang_staffing_curve.png``), :func:`pooling` (``erlang_pooling.png``).
* 03_staffing: :func:`effects_by_year` (``staffing_effects_by_year.png``), :func:`contacts_by_channel`
  (the report's figures 6.1 and 6.2, ``staffing_fig6_contacts_by_channel.png``), :func:`weekday_profile`
  (``staffing_weekday_profile.png``).
* 04_report_tables: :func:`table1_vs_report` (``table1_vs_report.png``).
* 05_abandonment: :func:`patience_fit` (``patience_fit.png``), :func:`erlang_c_vs_a`
  (``erlang_c_vs_a.png``), :func:`simulation_by_hour` (``simulation_by_hour.png``),
  :func:`isa_comparison` (``isa_staffing.png``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from lib.core.plotstyle import (
    GREEN,
    GREY,
    LIGHT_BLUE,
    LIGHT_GREY,
    YELLOW,
    axis_format,
    legend_below,
    number,
    percent,
    subplots,
    years,
)
from lib.queues import erlang
from lib.valuation.economics import SUM

#: The gid of a value written on its bar, and of a group's heading above the data: the only
#: text a figure puts on its axes (tests/test_figures.py checks it).
VALUE_LABEL, HEADING = "value", "heading"
#: y label of every figure counting agents on duty in an hour.
AGENTS = "Antall agenter"


def target_label(service_level_target: float, service_time_s: float) -> str:
    """A service-level target as the figures name it: ``80 % innen 95 s``."""
    return f"{percent(service_level_target)} innen {number(service_time_s)} s"


def _aht(aht_s: float) -> str:
    return f"behandlingstid {number(aht_s)} s"


def _integer_axis(ax, axis: str = "x") -> None:
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axis_format(ax, axis)


# --- 00 Erlang C primer ------------------------------------------------------------------


def typical_hour(
    calls_per_hour: float,
    aht_s: float,
    service_times_s: Sequence[float],
    service_level_target: float,
    max_occupancy: float,
    extra_agents: int = 15,
) -> Figure:
    """Service level (left) and mean wait (right, log scale) against the number of agents in
    one hour of ``calls_per_hour`` telephones at ``aht_s`` seconds of handling time, for each
    answer-time target in ``service_times_s`` (seconds); the agents below the occupancy cap
    ``max_occupancy`` (share) are shaded. ``extra_agents``: how many agent counts to draw,
    from the first above the load."""
    load = float(erlang.offered_load(calls_per_hour, aht_s))
    agents = np.arange(math.floor(load) + 1, math.floor(load) + 1 + extra_agents)
    cap = int(erlang.occupancy_floor(load, max_occupancy))
    fig, (ax1, ax2) = subplots(1, 2, figsize=(10, 4.6))
    for t in service_times_s:
        level = erlang.service_level(agents, load, aht_s, t)
        ax1.plot(agents, level, marker="o", ms=4, label=target_label(service_level_target, t))
    ax1.axhline(service_level_target, color="k", ls=":", lw=1, label=f"Mål: {percent(service_level_target)} besvart")
    ax2.plot(agents, erlang.average_speed_of_answer(agents, load, aht_s), marker="o", ms=4, color=GREEN)
    ax2.set_yscale("log")
    for ax in (ax1, ax2):
        if cap > agents[0]:
            ax.axvspan(
                agents[0] - 0.5,
                cap - 0.5,
                color=LIGHT_GREY,
                zorder=0,
                label=f"For få agenter: belegg over {percent(max_occupancy)}",
            )
        ax.set_xlabel(AGENTS)
        _integer_axis(ax, "x")
    ax1.set_ylim(0, 1.02)
    axis_format(ax1, "y", percent=True)
    ax1.set_ylabel("Andel besvart innen svartiden (%)")
    ax1.set_title("Servicenivå")
    axis_format(ax2, "y", decimals=None)
    ax2.set_ylabel("Gjennomsnittlig ventetid (s, logaritmisk skala)")
    ax2.set_title("Ventetid")
    fig.suptitle(
        f"En typisk time: {number(calls_per_hour)} telefoner per time, {_aht(aht_s)} ({number(load, 1)} Erlang)"
    )
    legend_below(fig)
    return fig


def staffing_curve(
    traffic: np.ndarray,
    aht_s: float,
    service_times_s: Sequence[float],
    service_level_target: float,
    max_occupancy: float,
) -> Figure:
    """Required agents against telephones per hour (``traffic``) at ``aht_s`` seconds of
    handling time, one step curve per answer-time target in ``service_times_s``, with the
    agents the occupancy cap ``max_occupancy`` alone requires."""
    traffic = np.asarray(traffic, dtype=float)
    fig, ax = subplots(figsize=(8, 4.6))
    for t in service_times_s:
        n = erlang.required_agents(traffic, aht_s, service_level_target, t, max_occupancy)
        ax.step(traffic, n, where="post", label=target_label(service_level_target, t))
    cap_only = erlang.occupancy_floor(erlang.offered_load(traffic, aht_s), max_occupancy)
    ax.plot(traffic, cap_only, color="k", ls=":", lw=1, label=f"Maksimalt belegg {percent(max_occupancy)} alene")
    ax.set_xlabel("Telefoner per time")
    ax.set_ylabel(AGENTS)
    axis_format(ax, "x")
    _integer_axis(ax, "y")
    ax.set_title(f"Nødvendige agenter etter trafikk ({_aht(aht_s)}, maksimalt belegg {percent(max_occupancy)})")
    legend_below(fig)
    return fig


def pooling(
    per_board: np.ndarray,
    n_boards: int,
    aht_s: float,
    service_times_s: Sequence[float],
    service_level_target: float,
    max_occupancy: float,
) -> Figure:
    """The pooling effect: agents for ``n_boards`` separate switchboards, each with
    ``per_board`` telephones per hour at the first target of ``service_times_s``, against one
    national contact centre with all their traffic at every target (``aht_s`` seconds of
    handling time, occupancy at most ``max_occupancy``)."""
    per_board = np.asarray(per_board, dtype=float)
    first = service_times_s[0]
    separate = n_boards * erlang.required_agents(per_board, aht_s, service_level_target, first, max_occupancy)
    fig, ax = subplots(figsize=(8, 4.8))
    ax.plot(
        per_board,
        separate,
        marker="o",
        ms=4,
        label=f"{n_boards} sentralbord, {target_label(service_level_target, first)}",
    )
    for t in service_times_s:
        n = erlang.required_agents(n_boards * per_board, aht_s, service_level_target, t, max_occupancy)
        ax.plot(
            per_board,
            n,
            marker="s",
            ms=4,
            label=f"Ett nasjonalt kontaktsenter, {target_label(service_level_target, t)}",
        )
    ax.set_xlabel("Telefoner per time per sentralbord")
    ax.set_ylabel(f"{AGENTS} (sum)")
    axis_format(ax, "x")
    _integer_axis(ax, "y")
    ax.set_title(
        f"Stordriftsfordeler: {n_boards} sentralbord mot ett nasjonalt kontaktsenter\n"
        f"({_aht(aht_s)}, maksimalt belegg {percent(max_occupancy)})"
    )
    legend_below(fig, ncol=1)
    return fig


# --- 03 Staffing -------------------------------------------------------------------------

#: The effects stacked in :func:`effects_by_year` (concept III's chain), with their colours.
EFFECT_COLOURS = {
    "Spart tid politiet.no": GREY,
    "Spart tid chatbot": YELLOW,
    "Spart tid livechat (IIb, III)": "#1f77b4",
    "Spart tid kontaktsenter": GREEN,
}
IIA_LINE = ("Spart tid politiet.no", "Spart tid livechat (IIa)")


def effects_by_year(eff: pd.DataFrame, aht_s: float) -> Figure:
    """Person-years saved per year by each effect of concept III's chain (stacked bars) and
    concept IIa's saving (politiet.no + live chat, line).

    ``eff``: one row per year (index), one column per effect label (as notebook 03's table:
    :data:`EFFECT_COLOURS` and :data:`IIA_LINE`), person-years per year; ``aht_s``: the
    call-weighted mean handling time of the arrival rates (seconds), stated in the title.
    """
    missing = [c for c in [*EFFECT_COLOURS, *IIA_LINE] if c not in eff.columns]
    if missing:
        raise ValueError(f"effects table lacks {missing}")
    fig, ax = subplots(figsize=(8, 4.8))
    yrs = [int(y) for y in eff.index]
    bottom = np.zeros(len(eff))
    for col, colour in EFFECT_COLOURS.items():
        ax.bar(yrs, eff[col], bottom=bottom, color=colour, label=col)
        bottom += eff[col].to_numpy(dtype=float)
    iia = eff[IIA_LINE[0]] + eff[IIA_LINE[1]]
    ax.plot(yrs, iia, "k--", marker="o", ms=5, label="Konsept IIa: politiet.no + livechat")
    ax.set_xlabel("År")
    ax.set_ylabel("Spart tid politiet (årsverk per år)")
    years(ax, yrs)
    axis_format(ax, "y")
    ax.set_title(f"Konsept III: årsverk spart per virkning og år\n({_aht(aht_s)} i snitt, samtale + etterarbeid)")
    legend_below(fig, ncol=3)
    return fig


def contacts_by_channel(channels: pd.DataFrame, n_zero: float) -> Figure:
    """The report's figures 6.1 (concept IIa: telephone and live chat) and 6.2 (concept IIb:
    telephone, chatbot, live chat): contacts per year by channel, nationally.

    ``channels``: one row per year and concept (``IIa``, ``IIb``), columns ``year``,
    ``concept``, ``phone``, ``live_chat``, ``chatbot_answered`` (contacts per year);
    ``n_zero``: the zero alternative's contacts per year (dashed line).
    """
    panels = (
        (
            "IIa",
            "Figur 6.1. Henvendelser fordelt på telefon og\nlivechat i konsept IIa",
            (("phone", "Telefon", "#a6a6a6"), ("live_chat", "Livechat", "#1f77b4")),
        ),
        (
            "IIb",
            "Figur 6.2. Henvendelser fordelt på livechat,\nchatbot og telefon i konsept IIb",
            (
                ("phone", "Telefon", "#a6a6a6"),
                ("chatbot_answered", "Besvart i chatbot", YELLOW),
                ("live_chat", "Overført til livechat", "#1f77b4"),
            ),
        ),
    )
    fig, axes = subplots(1, 2, figsize=(11, 5.0), sharey=True)
    for ax, (concept, title, parts) in zip(axes, panels, strict=True):
        df = channels[channels["concept"] == concept].sort_values("year")
        yrs = [int(y) for y in df["year"]]
        bottom = np.zeros(len(df))
        for col, name, colour in parts:
            ax.bar(yrs, df[col] / 1e6, bottom=bottom, color=colour, label=name)
            bottom += df[col].to_numpy(dtype=float) / 1e6
        ax.plot(yrs, np.full(len(df), n_zero / 1e6), ls="--", color="grey", label="Nullalternativet")
        ax.set_ylim(0, n_zero / 1e6 * 1.1)
        ax.set_xlabel("År")
        ax.set_ylabel("Henvendelser (millioner per år)")
        ax.yaxis.set_tick_params(labelleft=True)
        years(ax, yrs)
        axis_format(ax, "y", decimals=2)
        ax.set_title(title)
    fig.suptitle("Henvendelser per kanal og år, hele landet")
    for ax in axes:  # each panel's own legend, under its x label
        legend_below(ax, ncol=2)
    return fig


def weekday_profile(profile: pd.DataFrame, n_boards: int, min_agents: int, aht_s: float) -> Figure:
    """Agents on duty over an average weekday, summed over the boards, one step line per
    column of ``profile`` (index: local hour of day 0-23; values: agents). The minimum
    staffing of ``n_boards`` boards at ``min_agents`` each is drawn as a line; ``aht_s``:
    the call-weighted mean handling time (seconds), stated in the title."""
    fig, ax = subplots(figsize=(8, 4.8))
    for (name, s), style in zip(profile.items(), ("-", ":", "--", "-."), strict=False):
        ax.step([*s.index, 24], [*s.to_numpy(), s.iloc[-1]], where="post", ls=style, lw=1.6, label=str(name))
    ax.axhline(
        n_boards * min_agents,
        color="grey",
        lw=0.9,
        label=f"Minimumsbemanning: {n_boards} sentralbord à {min_agents} agent",
    )
    ax.set_xlabel("Klokkeslett")
    ax.set_ylabel(f"{AGENTS} (sum over sentralbordene)")
    ax.set_xticks(range(0, 25, 3), [f"{h:02d}" for h in range(0, 25, 3)])
    ax.set_xlim(0, 24)
    ax.set_ylim(bottom=0)
    axis_format(ax, "y")
    ax.set_title(f"Bemanning en gjennomsnittlig hverdag\n({_aht(aht_s)} i snitt, samtale + etterarbeid)")
    legend_below(fig, ncol=2)
    return fig


# --- 04 Table 1 --------------------------------------------------------------------------


def table1_vs_report(comparison: pd.DataFrame, first_year: int, last_year: int) -> Figure:
    """Table 1's cells, the report's value beside the reproduced one (MNOK, net present value
    ``first_year``-``last_year``), each bar with its value: the benefits and the costs (marked
    as costs: hatched, on a grey ground, under "Kostnader") in the wide panel, the sums apart in
    the narrow one (their scale would hide the rest).

    ``comparison``: :func:`lib.valuation.table1.table1_vs_report` (columns ``row``, ``concept``,
    ``published``, ``reproduced``).
    """
    from lib.valuation.economics import COST_ROWS

    cells = comparison[comparison["row"] != SUM].reset_index(drop=True)
    cost = cells["row"].isin(COST_ROWS).to_numpy()
    cells = pd.concat([cells[~cost], cells[cost]], ignore_index=True)  # the benefits first, then the costs
    cost = cells["row"].isin(COST_ROWS).to_numpy()
    sums = comparison[comparison["row"] == SUM].reset_index(drop=True)
    fig, (ax, right) = subplots(
        1, 2, figsize=(12, 6.2), gridspec_kw={"width_ratios": [len(cells), 2.2 * max(len(sums), 1)]}
    )
    period = f"{first_year}–{last_year}"

    def bars(axis, frame: pd.DataFrame, hatched: np.ndarray) -> None:
        x = np.arange(len(frame))
        for offset, column, colour, name in (
            (-0.2, "published", GREY, "Rapporten"),
            (0.2, "reproduced", LIGHT_BLUE, "Gjenskapt"),
        ):
            values = frame[column].to_numpy(dtype=float)
            drawn = axis.bar(x + offset, values, width=0.4, color=colour, label=name, edgecolor="white", linewidth=0.3)
            for bar, h in zip(drawn, hatched, strict=True):
                if h:
                    bar.set_hatch("///")
            for text in axis.bar_label(
                drawn,
                labels=[number(v, 0) if np.isfinite(v) else "" for v in values],
                fontsize=6.5,
                rotation=90,
                padding=2,
            ):
                text.set_gid(VALUE_LABEL)
        axis.set_xlim(-0.6, len(frame) - 0.4)
        values = frame[["published", "reproduced"]].to_numpy(dtype=float)
        top, low = (np.nanmax(values), np.nanmin(values)) if len(frame) else (1.0, 0.0)
        axis.set_ylim(min(0.0, low) * 1.18, max(0.0, top) * 1.18)  # a negative sum (an override) stays visible
        axis_format(axis, "y")

    bars(ax, cells, cost)
    labels = [f"{r.replace('Spart tid ', 'Tid ')} ({c})" for r, c in zip(cells["row"], cells["concept"], strict=True)]
    ax.set_xticks(list(range(len(cells))), labels, rotation=70, ha="right", rotation_mode="anchor", fontsize=8)
    if cost.any():
        first_cost = int(np.argmax(cost))
        ax.axvspan(first_cost - 0.5, len(cells) - 0.4, color=LIGHT_GREY, alpha=0.35, zorder=0, lw=0)
        for x, heading in (
            ((first_cost + len(cells) - 1) / 2, "Kostnader"),
            ((first_cost - 1) / 2, "Nytte (spart tid)"),
        ):
            ax.text(
                x,
                0.97,
                heading,
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="top",
                fontsize=9,
                fontweight="bold",
                gid=HEADING,
            )
    ax.set_xlabel("Rad i tabell 1 (konsept)")
    ax.set_ylabel(f"Nåverdi {period} (mill. kr)")
    ax.set_title("Nytte og kostnader (kostnadene skravert)", fontsize=10)
    bars(right, sums, np.zeros(len(sums), dtype=bool))
    right.set_xticks(
        list(range(len(sums))),
        [f"Konsept {c}" for c in sums["concept"]],
        rotation=70,
        ha="right",
        rotation_mode="anchor",
        fontsize=8,
    )
    right.set_xlabel("Konsept")
    right.set_ylabel(f"Nåverdi {period} (mill. kr)")
    right.set_title("Sum verdsatte virkninger\n(nytte − kostnader)", fontsize=10)
    fig.suptitle(f"Tabell 1: gjenskapt mot rapporten (nåverdi {period}, mill. kr)")
    handles, names = ax.get_legend_handles_labels()
    if cost.any():
        from matplotlib.patches import Patch

        handles.append(Patch(facecolor="white", edgecolor=GREY, hatch="///"))
        names.append("Kostnad")
    legend_below(fig, handles, names)
    return fig


# --- Patience (issue 11, lib.traffic.patience) ---------------------------------------------------


def patience_fit(km_curves: pd.DataFrame, fitted: pd.DataFrame) -> Figure:
    """Callers' patience per group: the Kaplan–Meier curve (share still waiting, steps) against
    the fitted exponential ``exp(−t / patience_s)`` (dashed, same colour), each from 0 to the
    group's ``gof_t_max_s`` (the horizon of its goodness-of-fit distance).

    ``km_curves``: :func:`lib.traffic.patience.kaplan_meier`; ``fitted``: :func:`lib.traffic.patience.fit_patience`
    with the same ``by`` (e.g. ``["queue"]``), one colour per row. The legend names each group
    with its fitted mean patience and its largest distance from Kaplan–Meier (percentage points).
    """
    from lib.core.districts import QUEUE_LABELS
    from lib.traffic.patience import KM_COLUMNS, PATIENCE_COLUMNS, PERIOD_LABELS

    by = [c for c in fitted.columns if c not in PATIENCE_COLUMNS]
    missing = [c for c in [*by, *KM_COLUMNS] if c not in km_curves.columns]
    if not by or missing or fitted.empty:
        raise ValueError(f"patience_fit: fitted needs group columns and rows; km_curves lacks {missing}")
    names = {**QUEUE_LABELS, **PERIOD_LABELS}
    curves = {tuple(k): c for k, c in km_curves.groupby(by, sort=False)}
    fig, ax = subplots(figsize=(8, 4.4 + 0.2 * (len(fitted) + 2)))
    handles, labels = [], []
    for k, (key, patience, gap, t_max) in enumerate(
        zip(
            fitted[by].itertuples(index=False, name=None),
            fitted["patience_s"].to_numpy(dtype=float),
            fitted["gof_km_max_diff"].to_numpy(dtype=float),
            fitted["gof_t_max_s"].to_numpy(dtype=float),
            strict=True,
        )
    ):
        colour = f"C{k % 10}"
        c = curves.get(tuple(key), km_curves.iloc[:0])
        c = c[c["time_s"] <= t_max]
        s = c["survival"].to_numpy(dtype=float)
        t_steps = np.concatenate([[0.0], c["time_s"].to_numpy(dtype=float), [t_max]])
        s_steps = np.concatenate([[1.0], s, [s[-1] if len(s) else 1.0]])
        (line,) = ax.step(t_steps, s_steps, where="post", color=colour, lw=1.6)
        rate = 0.0 if not np.isfinite(patience) else 1.0 / patience
        grid = np.linspace(0.0, t_max, 241)
        ax.plot(grid, np.exp(-rate * grid), color=colour, ls="--", lw=1.2)
        name = ", ".join(names.get(str(v), str(v)) for v in key)
        handles.append(line)
        labels.append(
            f"{name}: snitt {number(patience)} s; største avvik {number(100 * gap, 1)} prosentpoeng "
            f"(0–{number(t_max)} s)"
        )
    handles += [Line2D([], [], color="k", lw=1.6), Line2D([], [], color="k", ls="--", lw=1.2)]
    labels += ["Kaplan–Meier (fra loggen)", "Eksponentiell fordeling (tilpasset)"]
    ax.set_xlim(0, float(fitted["gof_t_max_s"].max()))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Ventetid (s)")
    ax.set_ylabel("Andel som ikke har lagt på (%)")
    axis_format(ax, "x")
    axis_format(ax, "y", percent=True)
    ax.set_title("Tålmodighet: andel som fortsatt venter\n(Kaplan–Meier mot eksponentiell fordeling)")
    legend_below(fig, handles, labels, ncol=1)
    return fig


# --- Erlang A against Erlang C, and the simulation check (notebook 05) -----------------------


def erlang_c_vs_a(by_year: pd.DataFrame, concepts: Sequence[str], year: int, labels: dict[str, str]) -> Figure:
    """Person-years per concept in ``year`` under the two queue models, scaled as the model
    does (actual person-years × S_c / S_base, left) and unscaled (agent-hours / hours per
    person-year, right). ``by_year``: the staffing tables of both models stacked, with a
    column ``model`` ("Erlang C", "Erlang A")."""
    fig, axes = subplots(1, 2, figsize=(11, 4.6))
    sel = by_year[(by_year["year"] == year) & by_year["concept"].isin(list(concepts))]
    models = list(dict.fromkeys(sel["model"]))
    x = np.arange(len(concepts))
    width = 0.8 / max(len(models), 1)
    for ax, column, title in (
        (axes[0], "person_years", "Skalert til dagens årsverk (rapportens metode)"),
        (axes[1], "model_person_years", "Uskalert: modellens egne årsverk"),
    ):
        for k, model in enumerate(models):
            v = sel[sel["model"] == model].set_index("concept").reindex(list(concepts))[column]
            ax.bar(
                x + (k - (len(models) - 1) / 2) * width,
                v.to_numpy(dtype=float),
                width=width,
                label=model,
                color=(LIGHT_BLUE, YELLOW, GREEN)[k % 3],
            )
        ax.set_xticks(list(x), [labels.get(c, c) for c in concepts], rotation=20, ha="right")
        ax.set_xlabel("Konsept")
        ax.set_ylabel(f"Årsverk {year}")
        axis_format(ax, "y")
        ax.set_title(title, fontsize=10)
    fig.suptitle(f"Bemanning per konsept {year}: Erlang C mot Erlang A (med tålmodighet fra loggen)")
    legend_below(fig, *axes[0].get_legend_handles_labels())
    return fig


def _hourly(detail: pd.DataFrame, **where: object) -> pd.DataFrame:
    sel = detail[detail["group"] == "hour_of_day"]
    for k, v in where.items():
        sel = sel[sel[k].isna()] if v is None else sel[sel[k] == v]
    return sel.assign(hour=sel["value"].astype(int)).sort_values("hour")


def simulation_by_hour(
    detail: pd.DataFrame, concepts: Sequence[str], models: Sequence[str], year: int, labels: dict[str, str]
) -> Figure:
    """Predicted (the queue model on the plan) and simulated service level by hour of day, one
    panel per queue model (rows) and concept (columns), for the plans of ``year`` (a
    year-independent concept's single plan). ``detail``: :func:`lib.model.plan_check.by_group`
    rows; the log's departures together (departure "all") where simulated. Each simulated
    point carries its 95 % interval over the simulated years as an error bar (``simulated_low``,
    ``simulated_high``), which the legend explains; the shared y axis spans the values shown."""
    fig, axes = subplots(
        len(models),
        len(concepts),
        figsize=(2.6 * len(concepts), 2.6 * len(models) + 1),
        sharex=True,
        sharey=True,
        squeeze=False,
    )
    for i, model in enumerate(models):
        for j, concept in enumerate(concepts):
            ax = axes[i][j]
            d = detail[(detail["model"] == model) & (detail["concept"] == concept)]
            d = d[d["year"].isna() | (d["year"] == year)]
            m = _hourly(d, departure="none")
            ax.plot(m["hour"], m["predicted"], color=GREY, ls="--", lw=1.2, label="Forventet av kømodellen")
            _simulated_with_interval(ax, m, LIGHT_BLUE, "o", "Simulert, modellens forutsetninger")
            g = _hourly(d, departure="all")
            if not g.empty:
                _simulated_with_interval(ax, g, YELLOW, "s", "Simulert, slik loggen viser")
            ax.set_title(f"{labels.get(concept, concept)} ({model})", fontsize=8)
            ax.set_xticks([0, 6, 12, 18, 23])
            if i == len(models) - 1:
                ax.set_xlabel("Time på døgnet")
            if j == 0:
                ax.set_ylabel("Andel innen målet (%)")
            axis_format(ax, "y", percent=True)
    handles, names = [], []
    for ax in (a for row in axes for a in row):
        for h, n in zip(*ax.get_legend_handles_labels(), strict=True):
            if n not in names:
                handles.append(h)
                names.append(n)
    if "simulated_low" in detail:
        reps = sorted({int(r) for r in detail["replications"].dropna()})
        years = f"{reps[0]}" if len(reps) == 1 else f"{reps[0]}–{reps[-1]}"
        handles.append(Line2D([], [], color=GREY, ls="none", marker="|", ms=9, markeredgewidth=0.9))
        names.append(f"Loddrett strek: 95 %-intervall for det simulerte over {years} simulerte år")
    fig.suptitle(f"Servicenivå per time på døgnet, hele året ({year}): forventet mot simulert")
    legend_below(fig, handles, names, ncol=2 if len(concepts) >= 4 else 1)
    return fig


def _simulated_with_interval(ax, rows: pd.DataFrame, colour: str, marker: str, label: str) -> None:
    """The simulated share by hour with its 95 % interval over the replications as error bars
    (where the detail has it)."""
    ax.plot(rows["hour"], rows["simulated"], color=colour, marker=marker, ms=2.5, lw=1, label=label)
    if "simulated_low" in rows and rows["simulated_low"].notna().any():
        sim = rows["simulated"].to_numpy(dtype=float)
        err = np.vstack(
            [sim - rows["simulated_low"].to_numpy(dtype=float), rows["simulated_high"].to_numpy(dtype=float) - sim]
        )
        ax.errorbar(rows["hour"], sim, yerr=err, fmt="none", ecolor=colour, elinewidth=0.8, capsize=1.5, capthick=0.8)


def isa_comparison(isa: pd.DataFrame, detail: pd.DataFrame, target: float, labels: dict[str, str]) -> Figure:
    """The formula plan against the simulation-confirmed plan (ISA): agent-hours per concept
    (left) and the simulated service level by hour of day of each (right, every concept).
    ``isa``: :data:`lib.model.plan_check.ISA_COLUMNS`; ``detail``: the by-hour rows of both
    plans with a column ``plan`` ("formel" / "ISA")."""
    fig, (left, right) = subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [1, 1.4]})
    concepts = list(dict.fromkeys(isa["concept"]))
    x = np.arange(len(concepts))
    for k, (plan, colour, name) in enumerate(
        (("formel", LIGHT_BLUE, "Formelen time for time"), ("ISA", YELLOW, "Bekreftet i simulering (ISA)"))
    ):
        v = isa[isa["plan"] == plan].set_index("concept").reindex(concepts)["person_years"]
        left.bar(x + (k - 0.5) * 0.38, v.to_numpy(dtype=float), width=0.38, color=colour, label=name)
    left.set_xticks(list(x), [labels.get(c, c) for c in concepts], rotation=20, ha="right")
    left.set_ylabel("Årsverk (uskalert)")
    left.set_xlabel("Konsept")
    axis_format(left, "y")
    left.set_title("Bemanning", fontsize=10)
    for k, concept in enumerate(concepts):
        for plan, ls in (("formel", "-"), ("ISA", "--")):
            h = _hourly(detail[(detail["concept"] == concept) & (detail["plan"] == plan)], departure="none")
            right.plot(
                h["hour"], h["simulated"], ls=ls, lw=1, color=f"C{k}", label=f"{labels.get(concept, concept)}, {plan}"
            )
    right.axhline(target, color="k", lw=0.8)
    right.set_xlabel("Time på døgnet")
    right.set_ylabel("Simulert andel innen målet (%)")
    axis_format(right, "y", percent=True)
    right.set_title("Simulert servicenivå, heltrukket: formelen, stiplet: ISA (strek: målet)", fontsize=10)
    fig.suptitle("Bemanning etter formelen mot bemanning bekreftet i simulering")
    legend_below(fig, *left.get_legend_handles_labels())
    right.legend(fontsize=6, ncol=2, loc="lower right")
    return fig
