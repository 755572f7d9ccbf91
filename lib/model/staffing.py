"""The staffing model of appendix B: Erlang C hour by hour, summed over a year, used relatively.

For every board (11 district switchboards, or one national centre for pooled concepts)
and every elapsed hour of the data year, the model staffs the smallest whole number of
agents that answers ``service_level_target`` of the contacts within the concept's target
time while keeping the hour's occupancy (load / agents) at most ``max_occupancy``; every
board-hour with expected traffic gets at least ``min_agents`` (the minimum staffing of an
independent board, §7.2.1.1), hours without traffic get none. The agent-hours of a
concept are summed over boards and hours: S_c.

Erlang C ignores callers who hang up and so overstates staffing; the report therefore
uses the model relatively (App. B): a concept's person-years are
``actual_person_years x S_c / S_base`` and its saving against the concept it builds on is
``actual_person_years x (S_prev - S_c) / S_base``, S_base being the base model (2023
traffic, all by phone, 80/95). Under ``scaling="implied"`` the divisor is instead the
agent-hours today's observed service implies (:func:`person_years_per_agent_hour`).

Units: traffic in contacts per hour, handling and waiting times in seconds, load in
Erlangs, staffing in agent-hours per year and person-years.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lib.core import output_tables
from lib.core.assumptions import Assumptions, analysis_years
from lib.model.concepts import (
    CHAT_POOL,
    CONCEPTS,
    BoardHours,
    board_hours,
    boards_of,
    chat_traffic,
    effects_for,
    get,
    has_chat_pool,
    phone_share_handled,
    traffic,
    year_dependent,
)
from lib.model.engine import Engine
from lib.queues.erlang import offered_load

# --- One concept, one year ----------------------------------------------------------------


@dataclass(frozen=True)
class Staffing:
    """Board-hour staffing of one concept and year; arrays of shape (boards, hours).

    ``calls`` are handled contacts per hour (phone + live chat), ``aht_s`` their mean
    handling time (s), ``load`` the offered load (Erlangs), ``agents`` the staffed agents,
    ``asa_s`` the mean speed of answer (s; the same for a call and a chat of the hour).
    """

    concept: str
    year: int | None
    boards: tuple[str, ...]
    hours: pd.DataFrame
    calls: np.ndarray
    aht_s: np.ndarray
    agents: np.ndarray
    asa_s: np.ndarray

    @property
    def load(self) -> np.ndarray:
        """Offered load in Erlangs (contacts per hour x handling time / 3 600 s)."""
        return offered_load(self.calls, self.aht_s)

    @property
    def agent_hours(self) -> int:
        """S: agents summed over boards and hours (agent-hours per year)."""
        return int(self.agents.sum())

    def to_frame(self) -> pd.DataFrame:
        """One row per board and hour: district, hour_start, calls_per_hour, aht_s, load, agents, asa_s."""
        n_b, n_h = self.calls.shape
        return pd.DataFrame(
            {
                "district": np.repeat(np.array(self.boards, dtype=object), n_h),
                "hour_start": np.tile(self.hours["hour_start"].to_numpy(), n_b),
                "calls_per_hour": self.calls.ravel(),
                "aht_s": self.aht_s.ravel(),
                "load": self.load.ravel(),
                "agents": self.agents.ravel(),
                "asa_s": self.asa_s.ravel(),
            }
        )


def staff(concept: str, rates: pd.DataFrame | BoardHours, year: int | None, a: Assumptions) -> Staffing:
    """Staff every board-hour of ``concept`` in ``year`` (None for year-independent concepts)."""
    return _staff(Engine(board_hours(rates), a), concept, [year])[0]


def _staff(engine: Engine, concept: str, years: list[int | None]) -> list[Staffing]:
    """:class:`Staffing` of ``concept`` in each of ``years``, every year in one engine call."""
    c = get(concept)
    bh = engine.board_hours_of_rates
    out = []
    chat = has_chat_pool(c, engine.a)
    chat_solved = engine.chat_board_hours(c.name, years) if chat else [None] * len(years)
    for y, (agents, asa), chat_y in zip(years, engine.board_hours(c.name, years), chat_solved, strict=True):
        calls, aht = traffic(c, bh, y, engine.a)
        boards = boards_of(c, bh)
        if chat_y is not None:  # the dedicated chat pool: one more board, the last
            chat_calls, chat_aht = chat_traffic(c, bh, y, engine.a)
            calls, aht = np.concatenate([calls, chat_calls]), np.concatenate([aht, chat_aht])
            agents, asa = np.concatenate([agents, chat_y[0]]), np.concatenate([asa, chat_y[1]])
            boards = (*boards, CHAT_POOL)
        out.append(Staffing(c.name, y, boards, bh.hours, calls, aht, agents, asa))
    return out


# --- All concepts, all years ---------------------------------------------------------------


@dataclass(frozen=True)
class StaffingResult:
    """The staffing of every concept and year: the one result valuation, sensitivity,
    uncertainty and the notebooks read (a :class:`StaffingSource`, via :meth:`staffing` and
    :meth:`effect`). :func:`run_all` makes it; :meth:`read` reads it back from the tables a
    run wrote.

    ``by_year``: concept, year, agent_hours, model_person_years, person_years,
    saving_person_years (versus the concept's previous; NaN for base), asa_s (mean speed
    of answer of phone calls, s), phone_calls (expected phone calls per year in the model).
    ``effects``: year, effect, saving_person_years. ``by_district``: concept, year,
    district (the pooled board's label, "Nasjonalt", for pooled concepts), agent_hours,
    person_years (empty when not computed). ``hourly`` (only with ``keep_hourly``): concept,
    year, hour_start (+ date, hour, day_type when the rates have them), calls_per_hour,
    load, agents - summed over boards.
    """

    by_year: pd.DataFrame
    effects: pd.DataFrame
    by_district: pd.DataFrame = field(default_factory=pd.DataFrame)
    hourly: pd.DataFrame | None = None

    @property
    def years(self) -> np.ndarray:
        """The years the result covers (int array)."""
        return np.sort(self.by_year["year"].astype(int).unique())

    @property
    def person_years_per_agent_hour(self) -> float:
        """The scale of the result: the base model's person-years per its agent-hour
        (:func:`person_years_per_agent_hour` of the assumptions it was made with)."""
        base = self.by_year.loc[self.by_year["concept"] == "base", "person_years"]
        if base.empty:
            raise ValueError("the staffing result has no base model (concept 'base')")
        return float(base.iloc[0]) / self.base_agent_hours

    @property
    def base_agent_hours(self) -> int:
        """The base model's agent-hours per year: S_base, the data year's, unless
        ``population_growth="on"`` made the base grow, when it is the first analysis year's (the
        scale is then :attr:`person_years_per_agent_hour`, on the data year's S_base)."""
        base = self.by_year.loc[self.by_year["concept"] == "base", "agent_hours"]
        if base.empty:
            raise ValueError("the staffing result has no base model (concept 'base')")
        return int(base.iloc[0])

    def staffing(self, concept: str, value: str) -> np.ndarray:
        """``value`` (a column of ``by_year``: person_years, asa_s, ...) of ``concept`` per year."""
        return _per_year(self.by_year, "concept", value, concept, self.years, "by_year")

    def effect(self, name: str) -> np.ndarray:
        """Person-years saved per year by the staffing effect ``name``."""
        return _per_year(self.effects, "effect", "saving_person_years", name, self.years, "effects")

    def write(self, outputs_dir: str | Path) -> list[Path]:
        """Write ``by_year``, ``effects`` and ``by_district`` as the result tables of
        :data:`TABLES` (:func:`lib.core.output_tables.write`)."""
        return [output_tables.write(name, getattr(self, attr), outputs_dir) for attr, name in self.tables().items()]

    def tables(self) -> dict[str, str]:
        """Attribute → result table name of what :meth:`write` writes."""
        return {attr: name for attr, name in TABLES.items() if attr != "by_district" or not self.by_district.empty}

    @classmethod
    def read(cls, outputs_dir: str | Path, tables: dict[str, str] | None = None) -> StaffingResult:
        """The result a run wrote into ``outputs_dir`` (``tables``: attribute → table name, by
        default :data:`TABLES`; e.g. the Erlang A tables of notebook 05)."""
        names = TABLES if tables is None else tables
        frames = {attr: output_tables.read(name, outputs_dir) for attr, name in names.items()}
        return cls(**frames)


#: The result tables of a :class:`StaffingResult`: attribute → table name.
TABLES = {"by_year": "staffing_by_year", "effects": "staffing_effects", "by_district": "staffing_by_district"}


def _per_year(frame: pd.DataFrame, key: str, value: str, label: str, years: np.ndarray, what: str) -> np.ndarray:
    """One staffing quantity per year (error naming what is missing)."""
    if value not in frame.columns or key not in frame.columns:
        raise ValueError(
            f"{what}: no column {value if value not in frame.columns else key!r}; it has {list(frame.columns)}"
        )
    s = frame.loc[frame[key] == label].set_index("year")[value]
    if s.index.duplicated().any():
        raise ValueError(f"{what}: {key}={label!r} has duplicate years")
    missing = sorted(set(years.tolist()) - set(s.index.astype(int).tolist()))
    if missing:
        raise ValueError(f"{what}: no {value} for {key}={label!r} in year(s) {missing}")
    s.index = s.index.astype(int)
    return s.reindex(years).astype(float).to_numpy()


def _order(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Rows in concept order (CONCEPTS), then ``by``."""
    key = df["concept"].map({name: i for i, name in enumerate(CONCEPTS)})
    return df.assign(_k=key).sort_values(["_k", *by], kind="stable").drop(columns="_k").reset_index(drop=True)


def person_years_per_agent_hour(a: Assumptions, s_base: float | np.ndarray) -> float | np.ndarray:
    """Person-years per model agent-hour: ``actual_person_years / S_base`` (``scaling="relative"``,
    the report's, App. B) or ``actual_person_years / implied_agent_hours`` (``"implied"``: today's
    person-years per agent-hour that today's observed service implies, an absolute reading).
    ``s_base``: the base model's agent-hours per year (an array for a batch; so may
    ``a.actual_person_years`` be). The one place model agent-hours become person-years.

    Today's implied staffing is estimated at the log's handling times; a ``handling_time_factor``
    other than 1 (the Monte Carlo's unmeasured after-call work) would have implied more or fewer
    agents today as well, so the divisor moves with it, to first order in proportion (the load
    does), as S_base does under the relative reading."""
    if a.scaling == "implied":
        if a.queue_model != "erlang_a":
            raise ValueError(
                f"scaling='implied' needs queue_model='erlang_a', not {a.queue_model!r}: today's implied staffing "
                "is counted with callers who hang up, and Erlang C's agent-hours, with nobody hanging up, are not "
                "comparable with it (the report's relative scaling is for Erlang C)"
            )
        if not a.implied_agent_hours > 0:
            raise ValueError(
                "scaling='implied' needs implied_agent_hours, the agent-hours today's observed service implies "
                "(notebook 05 writes them to implied_staffing.csv); it is not set"
            )
        implied = a.implied_agent_hours * np.asarray(a.handling_time_factor, dtype=float)
        return np.asarray(a.actual_person_years, dtype=float) / implied
    return np.asarray(a.actual_person_years, dtype=float) / s_base


def run_all(
    rates: pd.DataFrame | BoardHours,
    a: Assumptions,
    years: Iterable[int] | None = None,
    concepts: Iterable[str] | None = None,
    keep_hourly: bool = False,
) -> StaffingResult:
    """Staff every concept in every year and scale to today's actual person-years.

    Year-independent concepts (base, I) are solved once and repeated for every year.
    All solves sharing a target answer time go to the queue model (``a.queue_model``) in
    one vectorised call. ``concepts`` defaults to all of :data:`lib.model.concepts.CONCEPTS`
    (base is always added). IIb's saving is split into chatbot and live chat in the order
    ``a.iib_split`` (:data:`lib.model.concepts.DECOMPOSITIONS`).
    """
    effects_of = effects_for(a.iib_split)
    bh = board_hours(rates)
    years = analysis_years(a).tolist() if years is None else [int(y) for y in years]
    names = list(CONCEPTS) if concepts is None else _with_prerequisites([get(c).name for c in concepts])

    # Every distinct concept-year, staffed once by the engine (year-independent ones once).
    engine = Engine(bh, a)
    tasks = [(name, y) for name in names for y in ([None] if not year_dependent(name, a) else years)]
    staffed: dict[tuple[str, int | None], Staffing] = {}
    for name in names:
        ys: list[int | None] = [y for n, y in tasks if n == name]
        if name == "base" and None not in ys:  # S_base is the data year's base model, whatever the years' volume
            ys.append(None)
        staffed.update(((name, s.year), s) for s in _staff(engine, name, ys))
    solved = {t: (s.agents, s.asa_s) for t, s in staffed.items()}
    boards = {t: s.boards for t, s in staffed.items()}
    traffic_of = {t: (s.calls, s.aht_s) for t, s in staffed.items()}

    s_base = int(solved[("base", None)][0].sum())
    if s_base <= 0:
        raise ValueError("the base model staffs no agent-hours: the rates hold no traffic")
    scale = float(person_years_per_agent_hour(a, s_base))

    rows, district_rows, hourly = [], [], []
    total: dict[tuple[str, int], int] = {}
    for name, y0 in tasks:
        c = get(name)
        calls, _ = traffic_of[(name, y0)]
        agents, asa = solved[(name, y0)]
        s = int(agents.sum())
        # A dedicated chat pool is the last board: the phone's wait and calls are the other boards'.
        phone = slice(0, -1) if has_chat_pool(c, a) else slice(None)
        contacts = float(calls[phone].sum())
        # Calls and chats of an hour share one queue (one ASA); phone calls are a fixed share
        # of the hour's contacts, so the phone-weighted mean equals the contact-weighted one.
        asa_mean = float((calls[phone] * asa[phone]).sum() / contacts) if contacts > 0 else float("nan")
        per_board = agents.sum(axis=1)
        for y in years if y0 is None else [y0]:
            total[(name, y)] = s
            rows.append(
                {
                    "concept": name,
                    "year": y,
                    "agent_hours": s,
                    "model_person_years": s / float(a.hours_per_person_year),
                    "person_years": scale * s,
                    "asa_s": asa_mean,
                    "phone_calls": contacts * (1.0 if has_chat_pool(c, a) else phone_share_handled(c, y, a)),
                }
            )
            for board, sb in zip(boards[(name, y0)], per_board, strict=True):
                district_rows.append(
                    {
                        "concept": name,
                        "year": y,
                        "district": board,
                        "agent_hours": int(sb),
                        "person_years": scale * int(sb),
                    }
                )
            if keep_hourly:
                hourly.append(
                    bh.hours.assign(
                        concept=name,
                        year=y,
                        calls_per_hour=calls.sum(axis=0),
                        load=offered_load(calls, traffic_of[(name, y0)][1]).sum(axis=0),
                        agents=agents.sum(axis=0),
                    )
                )

    by_year = pd.DataFrame(rows)
    prev = [get(n).previous for n in by_year["concept"]]
    by_year["saving_person_years"] = [
        scale * (total[(pc, y)] - s) if pc is not None and (pc, y) in total else np.nan
        for pc, y, s in zip(prev, by_year["year"], by_year["agent_hours"], strict=True)
    ]
    by_year = _order(
        by_year[
            [
                "concept",
                "year",
                "agent_hours",
                "model_person_years",
                "person_years",
                "saving_person_years",
                "asa_s",
                "phone_calls",
            ]
        ],
        ["year"],
    )

    effect_rows = [
        {"year": y, "effect": e.name, "saving_person_years": scale * (total[(e.before, y)] - total[(e.after, y)])}
        for y in years
        for e in effects_of.values()
        if (e.before, y) in total and (e.after, y) in total
    ]
    effects = pd.DataFrame(effect_rows, columns=["year", "effect", "saving_person_years"])

    by_district = _order(pd.DataFrame(district_rows), ["year"])
    hourly_df = None
    if keep_hourly:
        hourly_df = _order(pd.concat(hourly, ignore_index=True), ["year"])
        front = ["concept", "year"]
        hourly_df = hourly_df[front + [c for c in hourly_df.columns if c not in front]]
    return StaffingResult(by_year=by_year, effects=effects, by_district=by_district, hourly=hourly_df)


def _with_prerequisites(names: list[str]) -> list[str]:
    """``names`` plus every concept their savings are measured against, once each, in table order."""
    wanted, todo = set(), ["base", *names]
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            prev = get(name).previous
            if prev is not None:
                todo.append(prev)
    return [n for n in CONCEPTS if n in wanted]


# --- Inputs compared -------------------------------------------------------------------


def compare_inputs(variants: dict[str, pd.DataFrame | BoardHours], a: Assumptions) -> pd.DataFrame:
    """Run the model on several versions of the arrival rates (e.g. fitted vs raw counts).

    ``variants``: name → rates table (interface 3). Returns one row per variant: the base
    model's agent-hours and modelled person-years, each concept's scaled person-years in the
    last year, and each effect's saving summed over the analysis years (person-years), so
    the choice of input can be judged by what it does to the results that are valued.
    """
    rows = []
    for name, rates in variants.items():
        r = run_all(rates, a)
        last = r.by_year[r.by_year["year"] == a.last_year].set_index("concept")["person_years"]
        saved = r.effects.groupby("effect", sort=False)["saving_person_years"].sum()
        rows.append(
            {
                "variant": name,
                "base_agent_hours": r.base_agent_hours,
                "base_model_person_years": r.base_agent_hours / float(a.hours_per_person_year),
                **{f"person_years_{c}_{a.last_year}": last[c] for c in last.index},
                **{f"saving_{e}_sum": v for e, v in saved.items()},
            }
        )
    return pd.DataFrame(rows)
