"""The what-if page's logic: Table 1, the steps between the concepts, the person-years per
concept and a pilot's saving for one set of assumptions, in well under a second, on a run's
processed data (notebook 08, ``make app``; the widgets are :mod:`lib.report.what_if_app`).

Nothing here reruns the chain. :class:`WhatIf` holds the run's arrival rates (compressed once
by :class:`lib.model.engine.Engine`), today's observed mean wait and the callers' patience
from the log, and for each set of assumptions

* staffs the concepts Table 1 reads exactly on the engine
  (:func:`lib.valuation.batch.staffing_arrays`, the Monte Carlo's batch path; the same numbers
  as :func:`lib.model.staffing.run_all`, a test checks it), once per set of the assumptions
  the staffing depends on (a change of wage, hourly value or discount rate only revalues);
* values it (:func:`lib.valuation.table1.table1`);
* staffs the chosen pilot alone (:func:`lib.planning.pilot.pilot_saving`).

:data:`CONTROLS` are the assumptions a reader may turn, each with a Norwegian label and the
range of its control; every default is :class:`lib.core.assumptions.Assumptions`' own.
:func:`params_line` writes the assumptions as the ``PARAMS`` that reproduce them in
``make report`` (quoted for the shell: what a user typed is data).

Units: MNOK (net present value over the analysis period), person-years, seconds.
"""

from __future__ import annotations

import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lib.core import output_tables, plotstyle
from lib.core.assumptions import TABLE1_PUBLISHED, Assumptions, analysis_years
from lib.core.paths import resolve
from lib.model.concepts import CONCEPTS, BoardHours, board_hours, table1_concepts
from lib.model.engine import Engine
from lib.planning.pilot import REGIONS, pilot_saving
from lib.valuation import batch, table1
from lib.valuation.economics import SUM, VALUED_ROWS

# --- the controls ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Control:
    """One assumption a reader may turn: ``kind`` "slider" (``low``..``high`` by ``step``, shown
    with ``decimals``, as % when ``percent``) or "choice" (``options``: value → Norwegian text)."""

    name: str
    label: str
    kind: str
    low: float = 0.0
    high: float = 1.0
    step: float = 0.01
    decimals: int = 2
    percent: bool = False
    options: tuple[tuple[Any, str], ...] = ()
    group: str = ""

    def coerce(self, value: Any) -> Any:
        """The control's value as the assumption takes it: sliders rounded to their step's
        decimals (a slider's 0.30000000000000004 is 0.3), whole numbers as int."""
        if self.kind == "choice":
            return value
        default = getattr(Assumptions(), self.name)
        if isinstance(default, int) and not isinstance(default, bool):
            return round(float(value))
        return round(float(value), self.decimals + (2 if self.percent else 0))


GROUPS = ("Servicenivå og bemanning", "Kanaler", "Verdsetting")

#: The assumptions the what-if page turns, in the order it shows them.
CONTROLS: tuple[Control, ...] = (
    Control(
        "service_level_target",
        "Servicenivå (andel besvart innen svartiden)",
        "slider",
        0.5,
        0.95,
        0.05,
        0,
        True,
        group=GROUPS[0],
    ),
    Control("service_time_today_s", "Svartid i dag og i I–IIb (s)", "slider", 20, 180, 5, 0, group=GROUPS[0]),
    Control("service_time_centre_s", "Svartid i kontaktsenteret, III (s)", "slider", 10, 95, 5, 0, group=GROUPS[0]),
    Control("max_occupancy", "Maksimalt belegg", "slider", 0.6, 0.95, 0.05, 0, True, group=GROUPS[0]),
    Control(
        "min_agents",
        "Minimumsbemanning per sentralbord (agenter)",
        "choice",
        options=((0, "0"), (1, "1"), (2, "2"), (3, "3")),
        group=GROUPS[0],
    ),
    Control(
        "queue_model",
        "Kømodell",
        "choice",
        options=(("erlang_c", "Erlang C (rapporten)"), ("erlang_a", "Erlang A (med tålmodighet fra loggen)")),
        group=GROUPS[0],
    ),
    Control(
        "call_reduction_politiet_no",
        "Færre telefoner med bedre politiet.no",
        "slider",
        0.0,
        0.3,
        0.01,
        0,
        True,
        group=GROUPS[1],
    ),
    Control(
        "chat_share_first_year", "Andel chat/chatbot, første år", "slider", 0.0, 0.8, 0.05, 0, True, group=GROUPS[1]
    ),
    Control("chat_share_last_year", "Andel chat/chatbot, siste år", "slider", 0.0, 0.8, 0.05, 0, True, group=GROUPS[1]),
    Control(
        "transfer_share_first_year",
        "Overført fra chatbot til livechat, første år",
        "slider",
        0.0,
        0.6,
        0.05,
        0,
        True,
        group=GROUPS[1],
    ),
    Control(
        "transfer_share_last_year",
        "Overført fra chatbot til livechat, siste år",
        "slider",
        0.0,
        0.6,
        0.05,
        0,
        True,
        group=GROUPS[1],
    ),
    Control("cost_per_person_year_nok", "Årsverkskostnad (kr)", "slider", 800_000, 1_600_000, 100, 0, group=GROUPS[2]),
    Control(
        "leisure_value_per_person_year_nok",
        "Verdi av innbyggernes tid per årsverk (kr)",
        "slider",
        300_000,
        700_000,
        1_000,
        0,
        group=GROUPS[2],
    ),
    Control("discount_rate", "Kalkulasjonsrente", "slider", 0.0, 0.08, 0.005, 1, True, group=GROUPS[2]),
)
#: The pilot shown first: the capital region (the best pair on the synthetic log).
DEFAULT_PILOT: tuple[str, ...] = REGIONS["Oslo-området"]
STEPS: tuple[tuple[str, str], ...] = (("IIa", "I"), ("IIb", "IIa"), ("III", "IIb"))


def control(name: str) -> Control:
    """The control of assumption ``name``."""
    for c in CONTROLS:
        if c.name == name:
            return c
    raise KeyError(f"no what-if control for {name!r}; controls: {[c.name for c in CONTROLS]}")


def label_of(name: str) -> str:
    """The Norwegian label of an assumption on the page (its name when it has no control)."""
    try:
        return control(name).label
    except KeyError:
        return name


def shown(name: str, value: Any) -> str:
    """An assumption's value as the page shows it: Norwegian numbers, shares in %, the
    option's text for a choice."""
    try:
        c = control(name)
    except KeyError:
        return str(value)
    if c.kind == "choice":
        return dict(c.options).get(value, str(value))
    if c.percent:
        return plotstyle.percent(float(value), c.decimals)
    return plotstyle.number(float(value), c.decimals)


# --- PARAMS ----------------------------------------------------------------------------------


def _param_text(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def params_line(a: Assumptions) -> str:
    """The ``PARAMS`` of ``make report`` that reproduce ``a``: ``-p NAME VALUE`` for every
    assumption that differs from the report's, in field order, each value quoted for the shell
    (:func:`shlex.quote`); empty when none differs."""
    return " ".join(f"-p {name} {shlex.quote(_param_text(value))}" for name, value in a.overrides().items())


def make_command(a: Assumptions, out: str | None = None) -> str:
    """The whole command: ``make report PARAMS='...'`` (and ``OUT=...``), safe to paste into a shell."""
    words = ["make", "report"]
    if out:
        words.append("OUT=" + shlex.quote(out))
    line = params_line(a)
    if line:
        words.append("PARAMS=" + shlex.quote(line))
    return " ".join(words)


# --- one evaluation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the page shows for one set of assumptions.

    ``table1``: row, I, IIa, IIb, III (unrounded MNOK, :func:`lib.valuation.table1.table1`);
    ``steps``: row and one column per step ("IIa − I", ...), the difference of each row between
    a concept and the one before it (a missing benefit counts 0); ``person_years``: concept
    (label), and the scaled person-years in the first and the last year; ``pilot``: the pilot's
    saving per target (:data:`lib.planning.pilot.SET_COLUMNS`); ``seconds``: the time taken.
    """

    a: Assumptions
    pilot_districts: tuple[str, ...]
    table1: pd.DataFrame
    steps: pd.DataFrame
    person_years: pd.DataFrame
    pilot: pd.DataFrame
    seconds: float
    restaffed: bool

    @property
    def sums(self) -> dict[str, float]:
        """Sum verdsatte virkninger per concept (MNOK)."""
        return self.table1.set_index("row").loc[SUM].astype(float).to_dict()


def steps(t1: pd.DataFrame) -> pd.DataFrame:
    """The difference of every valued row between each concept and the one before it
    (:data:`STEPS`); a benefit a concept does not have counts 0."""
    wide = t1.set_index("row").astype(float).fillna(0.0)
    out = pd.DataFrame({f"{after} − {before}": wide[after] - wide[before] for after, before in STEPS})
    return out.reset_index()


def changed(a: Assumptions) -> pd.DataFrame:
    """The assumptions that differ from the report's: label, value, report value (as shown)."""
    default = Assumptions()
    rows = [
        {"Forutsetning": label_of(n), "Her": shown(n, v), "Rapporten": shown(n, getattr(default, n))}
        for n, v in a.overrides().items()
    ]
    return pd.DataFrame(rows, columns=["Forutsetning", "Her", "Rapporten"])


def _staffing_key(a: Assumptions) -> tuple:
    """The assumptions the staffing depends on (all but the valuation's; the wait readings
    decide which concepts' waits are computed)."""
    names = [n for n in Assumptions.names() if Assumptions.stage(n) != "valuation"]
    return (*(getattr(a, n) for n in names), a.iii_wait_reduction)


@dataclass
class WhatIf:
    """Table 1 and the rest for any set of assumptions, on one run's processed data.

    ``rates``: the run's arrival rates; ``observed_wait_s``: today's mean wait in the log (s,
    :func:`lib.valuation.economics.observed_mean_wait_s`); ``patience_s``: the callers' mean
    patience from the log (s; Erlang A needs it, None disables it); ``source``: the data's
    source line (figures and page).
    """

    rates: pd.DataFrame | BoardHours
    observed_wait_s: float
    patience_s: float | None = None
    source: str = ""
    cache_size: int = 16
    _bh: BoardHours = field(init=False, repr=False)
    _engine: Engine = field(init=False, repr=False)
    _staffing: dict = field(init=False, repr=False, default_factory=dict)
    _pilots: dict = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._bh = board_hours(self.rates)
        self._engine = Engine(self._bh, Assumptions())

    @classmethod
    def from_run(cls, processed_dir: str | Path, outputs_dir: str | Path, source: str = "") -> WhatIf:
        """The what-if of the run whose folders are ``processed_dir`` and ``outputs_dir``: its
        arrival rates, its cleaned log's mean wait, and the patience notebook 05 fitted (fitted
        here when that table is missing)."""
        from lib import calllog
        from lib.traffic import patience
        from lib.valuation.economics import observed_mean_wait_s

        processed = resolve(processed_dir)
        rates = pd.read_parquet(processed / "arrival_rates.parquet")
        calls = calllog.read_clean(processed_dir, columns=["queue", "wait_s", "answered"])
        wait = observed_mean_wait_s(calls)
        fitted: float | None = None
        table = output_tables.path("patience", outputs_dir)
        if table.exists():
            fits = pd.read_csv(table)
            by_queue = fits[fits["level"] == "queue"] if "level" in fits else fits
            if not by_queue.empty:
                fitted = patience.model_patience_s(by_queue)
        if fitted is None and not calllog.is_interval_frame(calls):
            columns = ["district", "queue", "arrived_at", "wait_s", "talk_s", "answered", "in_scope"]
            fitted = patience.model_patience_s(
                patience.fit_patience(calllog.read_clean(processed_dir, columns=columns), ["queue"])
            )
        return cls(rates, wait, fitted if fitted and fitted > 0 else None, source)

    @property
    def districts(self) -> tuple[str, ...]:
        """The modelled districts (the pilot's choices)."""
        return self._bh.boards

    def assumptions(self, values: dict[str, Any], base: Assumptions | None = None) -> Assumptions:
        """``base`` (default the report's) with the controls' ``values`` (coerced); Erlang A gets
        the log's patience unless one is set."""
        a = base or Assumptions()
        values = {n: control(n).coerce(v) for n, v in values.items()}
        if values.get("queue_model", a.queue_model) == "erlang_a" and a.patience_s <= 0:
            if self.patience_s is None:
                raise ValueError(
                    "Erlang A needs the callers' patience: this run has no patience table and no call-level log"
                )
            values["patience_s"] = round(float(self.patience_s), 1)
        return a.replace(**values)

    def staffing(self, a: Assumptions) -> tuple[batch.StaffingArrays, bool]:
        """The staffing of Table 1's concepts under ``a`` (cached by :func:`_staffing_key`),
        and whether it was solved now."""
        key = _staffing_key(a)
        if key in self._staffing:
            return self._staffing[key], False
        self._engine.a = a  # the compressed traffic does not depend on the assumptions
        result = batch.staffing_arrays(self._engine, a)
        if len(self._staffing) >= self.cache_size:
            self._staffing.pop(next(iter(self._staffing)))
        self._staffing[key] = result
        return result, True

    def evaluate(self, a: Assumptions, pilot_districts: tuple[str, ...] | list[str] = DEFAULT_PILOT) -> Outcome:
        """Table 1, the steps, the person-years and the pilot's saving under ``a``."""
        start = time.perf_counter()
        s, restaffed = self.staffing(a)
        t1 = table1.table1(s, a, observed_wait_s=self.observed_wait_s)
        years = analysis_years(a)
        py = s.person_years()
        rows = [{"concept": "I dag", f"{years[0]}": a.actual_person_years, f"{years[-1]}": a.actual_person_years}]
        for c in table1_concepts():
            values = np.broadcast_to(np.asarray(py[c], dtype=float), (len(years),))
            rows.append({"concept": CONCEPTS[c].label, f"{years[0]}": values[0], f"{years[-1]}": values[-1]})
        chosen = tuple(d for d in self.districts if d in set(pilot_districts))
        pilot = self.pilot(a, chosen, round(float(np.asarray(s.base_agent_hours).ravel()[0])))  # one set: one S_base
        return Outcome(a, chosen, t1, steps(t1), pd.DataFrame(rows), pilot, time.perf_counter() - start, restaffed)

    def pilot(self, a: Assumptions, chosen: tuple[str, ...], base_agent_hours: int) -> pd.DataFrame:
        """The pilot's saving (:func:`lib.planning.pilot.pilot_saving`), staffed once per set of
        staffing assumptions and districts; a change of the wage only revalues it."""
        if not chosen:
            return pd.DataFrame()
        key = (_staffing_key(a), chosen)
        if key not in self._pilots:
            if len(self._pilots) >= self.cache_size:
                self._pilots.pop(next(iter(self._pilots)))
            self._pilots[key] = pilot_saving(self._bh, a, chosen, base_agent_hours=base_agent_hours)
        out = self._pilots[key].copy()
        out["saving_mnok_per_year"] = out["saving_person_years"] * a.cost_per_person_year_nok / 1e6
        return out


# --- what the page shows --------------------------------------------------------------------


def table1_frame(o: Outcome) -> pd.DataFrame:
    """Table 1's valued rows as the page shows them: whole MNOK in the report's row order, the
    report's sum beside (text, Norwegian numbers)."""
    t = o.table1.set_index("row").reindex(list(VALUED_ROWS))
    labels = table1.concept_labels()
    out = pd.DataFrame(index=t.index)
    for c in t.columns:
        out[labels[c]] = [table1.DASH if pd.isna(v) else plotstyle.number(float(v), 1) for v in t[c]]
    out.index.name = "Virkning (nåverdi, mill. kr)"
    return out


def report_sums() -> dict[str, float]:
    """The report's "Sum verdsatte virkninger" per concept (MNOK)."""
    return {c: float(v) for c in table1_concepts() if (v := TABLE1_PUBLISHED[SUM][c]) is not None}


def plot(o: Outcome) -> Figure:
    """The sums of Table 1 under the page's assumptions beside the report's, and the steps
    between the concepts (MNOK)."""
    # Fixed margins, not the house's constrained layout: the page redraws this chart on every
    # change, and measuring every text for the layout took as long as drawing it (the margins
    # leave room for the widest tick labels, "−1 000", and the two-line title).
    fig, (ax, bx) = plotstyle.subplots(1, 2, figsize=(9.0, 3.6), width_ratios=(1.1, 1.0), layout="none")
    fig.subplots_adjust(left=0.085, right=0.99, bottom=0.14, top=0.84, wspace=0.28)
    concepts = list(table1_concepts())
    labels = [CONCEPTS[c].label.replace("Konsept ", "") for c in concepts]
    x = np.arange(len(concepts))
    here = [o.sums[c] for c in concepts]
    report = [report_sums()[c] for c in concepts]
    ax.bar(x - 0.2, report, 0.4, color=plotstyle.LIGHT_GREY, label="Rapporten")
    bars = ax.bar(x + 0.2, here, 0.4, color=plotstyle.BLUE, label="Her")
    for b, v in zip(bars, here, strict=True):
        ax.annotate(
            plotstyle.number(v, 0),
            (b.get_x() + b.get_width() / 2, v),
            ha="center",
            va="bottom" if v >= 0 else "top",
            fontsize=8,
            xytext=(0, 2 if v >= 0 else -2),
            textcoords="offset points",
        )
    ax.set_xticks(x, labels)
    ax.set_xlabel("Konsept")
    ax.set_ylabel("Sum verdsatte virkninger (mill. kr)")
    ax.axhline(0, color="black", lw=0.6)
    plotstyle.axis_format(ax, "y", decimals=0)
    ax.set_title("Sum per konsept")
    ax.legend(loc="upper left")
    step = o.steps.set_index("row").loc[SUM]
    colours = [plotstyle.GREEN if v >= 0 else plotstyle.ORANGE for v in step]
    sb = bx.bar(np.arange(len(step)), step.to_numpy(dtype=float), color=colours)
    for b, v in zip(sb, step, strict=True):
        bx.annotate(
            plotstyle.number(float(v), 0),
            (b.get_x() + b.get_width() / 2, float(v)),
            ha="center",
            va="bottom" if v >= 0 else "top",
            fontsize=8,
            xytext=(0, 2 if v >= 0 else -2),
            textcoords="offset points",
        )
    bx.set_xticks(np.arange(len(step)), list(step.index))
    bx.axhline(0, color="black", lw=0.6)
    bx.set_xlabel("Steg")
    bx.set_ylabel("Endring i sum (mill. kr)")
    plotstyle.axis_format(bx, "y", decimals=0)
    bx.set_title("Hva hvert steg tilfører")
    fig.suptitle(f"Hva om? Tabell 1 med forutsetningene på siden (nåverdi {o.a.first_year}–{o.a.last_year})")
    return fig
