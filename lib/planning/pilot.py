"""Which districts to pool first: every pilot of a national contact centre, exhaustively.

The report recommends one national contact centre and suggests trying it out "i mindre
skala ... ut fra geografi (antall politidistrikt)". A pilot pools a set P of the modelled
districts into one board; the other districts keep their own boards. Its staffing saving
is

    saving(P) = S_separate(P) - S_pooled(P)    (agent-hours per year)

where S_separate(P) is the agent-hours of P's districts, each staffed on its own board, and
S_pooled(P) those of one board carrying their summed arrivals at the arrival-weighted mean
handling time (:func:`lib.model.concepts.pool`: the offered load is kept). Both are staffed to
the same target answer time and the same traffic (by default concept IIb's handled traffic
of one year: the traffic before concept III's pooling step). Districts outside P are
staffed alike in both and cancel.

All 2^n - 1 sets of the n (= 11) modelled districts are evaluated at once: a (sets, n)
membership matrix M gives every set's hourly arrivals (M @ calls) and work (M @ calls x
AHT), and one vectorised queue-model call per target staffs all sets x hours. A set of one
district is that district's own board, so it saves exactly 0; the set of all districts at
the centre's target is concept III. Savings are not guaranteed to be >= 0 (the minimum
staffing and whole agents can make a pooled board need more), so none is clipped.

Savings are scaled as the report scales (appendix B): person-years =
``actual_person_years x agent-hours / S_base`` (S_base: the base model's agent-hours),
MNOK per year = person-years x ``cost_per_person_year_nok`` / 1e6. ``share_of_full`` is a
pilot's saving as a share of the saving of pooling every modelled district at the same
target, so a pilot's measured result can be scaled up to the full centre.

Units: contacts per hour, seconds, agent-hours per year, person-years, MNOK per year.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from lib.core import plotstyle
from lib.core.assumptions import Assumptions
from lib.model.concepts import BoardHours, board_hours, pool, traffic
from lib.model.engine import required_agents_distinct
from lib.model.staffing import person_years_per_agent_hour, staff
from lib.queues.models import required_agents

#: Contiguous groups of neighbouring police districts (Trøndelag is outside the model), a
#: pilot "by geography": North Norway; the western coast from Rogaland to Møre og Romsdal;
#: the Oslo area (Oslo and Øst share the capital region); eastern Norway around Oslo; the
#: south from Telemark/Vestfold to Rogaland; and all of southern Norway. Groups may overlap.
REGIONS: dict[str, tuple[str, ...]] = {
    "Nord": ("Nordland", "Troms", "Finnmark"),
    "Vest": ("Sør-Vest", "Vest", "Møre og Romsdal"),
    "Oslo-området": ("Oslo", "Øst"),
    "Øst": ("Oslo", "Øst", "Innlandet", "Sør-Øst"),
    "Sør": ("Sør-Øst", "Agder", "Sør-Vest"),
    "Sør-Norge": ("Oslo", "Øst", "Innlandet", "Sør-Øst", "Agder", "Sør-Vest", "Vest", "Møre og Romsdal"),
}
#: Separator of district names in a set's text ("Oslo + Øst").
JOIN = " + "
#: Sets per queue-model call (bounds the memory of one call to about sets x hours x 8 bytes x a few).
CHUNK_SETS = 512


def membership(n: int) -> np.ndarray:
    """Every non-empty subset of n items: a (2^n - 1, n) boolean matrix.

    Row ``m - 1`` is the set whose bit i of the integer ``m`` says whether item i is in it,
    so a set's row is found from its bitmask.
    """
    masks = np.arange(1, 2**n, dtype=np.int64)
    return ((masks[:, None] >> np.arange(n)) & 1).astype(bool)


@dataclass(frozen=True)
class PilotSearch:
    """Every pilot set at every target: the output of :func:`search`.

    ``districts``: the modelled districts (the columns of ``members``); ``members``:
    (sets, districts) boolean, row m - 1 the set of bitmask m; ``targets_s``: target answer
    times (s); ``separate``: (targets, districts) agent-hours per year of each district on its
    own board; ``pooled``: (targets, sets) agent-hours per year of each set's pooled board;
    ``calls_per_year``: (districts,) handled contacts per year; ``base_agent_hours``: S_base;
    ``person_years_per_agent_hour``: actual_person_years / S_base; ``mnok_per_person_year``.
    """

    concept: str
    year: int | None
    districts: tuple[str, ...]
    members: np.ndarray
    targets_s: tuple[float, ...]
    separate: np.ndarray
    pooled: np.ndarray
    calls_per_year: np.ndarray
    base_agent_hours: int
    person_years_per_agent_hour: float
    mnok_per_person_year: float

    @property
    def sizes(self) -> np.ndarray:
        """k: the number of districts of every set, shape (sets,)."""
        return self.members.sum(axis=1)

    @property
    def saving(self) -> np.ndarray:
        """Agent-hours per year saved by pooling each set, (targets, sets): its districts'
        separate agent-hours minus the pooled board's."""
        return self.separate @ self.members.T.astype(np.int64) - self.pooled

    @property
    def full_saving(self) -> np.ndarray:
        """Agent-hours per year saved by pooling every modelled district, (targets,)."""
        return self.saving[:, -1]

    def row(self, districts: tuple[str, ...] | list[str]) -> int:
        """The row of ``members`` holding the set of ``districts``."""
        unknown = set(districts) - set(self.districts)
        if unknown or not districts:
            raise ValueError(f"not a non-empty set of modelled districts: unknown {sorted(unknown)}")
        return sum(1 << self.districts.index(d) for d in set(districts)) - 1

    def label(self, row: int) -> str:
        """The districts of set ``row`` as text, in district order ("Oslo + Øst")."""
        return JOIN.join(d for d, m in zip(self.districts, self.members[row], strict=True) if m)

    def target_index(self, target_s: float) -> int:
        """The index of ``target_s`` in ``targets_s``."""
        for i, t in enumerate(self.targets_s):
            if t == target_s:
                return i
        raise ValueError(f"target {target_s} s was not searched; searched: {self.targets_s}")


def search(
    rates: pd.DataFrame | BoardHours,
    a: Assumptions,
    year: int | None = None,
    concept: str = "IIb",
    targets_s: tuple[float, ...] | None = None,
) -> PilotSearch:
    """Staff every non-empty set of the modelled districts pooled, at every target.

    ``concept``'s traffic in ``year`` (default: IIb, the handled traffic before III's pooling;
    ``year`` defaults to ``a.first_year``, when a pilot would run). ``targets_s`` default to
    today's and the centre's target answer time (``a.service_time_today_s``,
    ``a.service_time_centre_s``), both at the service level ``a.service_level_target``.
    """
    bh = board_hours(rates)
    year = a.first_year if year is None else year
    targets = (a.service_time_today_s, a.service_time_centre_s) if targets_s is None else tuple(targets_s)
    calls, aht = traffic(concept, bh, year, a)
    members = membership(len(bh.boards))
    total, pooled_aht = pool(calls, aht, members)
    separate = np.empty((len(targets), len(bh.boards)), dtype=np.int64)
    pooled = np.empty((len(targets), len(members)), dtype=np.int64)
    for t, target in enumerate(targets):
        separate[t] = required_agents_distinct(calls, aht, target, a).sum(axis=1)
        for start in range(0, len(members), CHUNK_SETS):
            block = slice(start, start + CHUNK_SETS)
            pooled[t, block] = required_agents(total[block], pooled_aht[block], target, a).sum(axis=1)
    s_base = staff("base", bh, None, a).agent_hours
    if s_base <= 0:
        raise ValueError("the base model staffs no agent-hours: the rates hold no traffic")
    return PilotSearch(
        concept=concept,
        year=year,
        districts=bh.boards,
        members=members,
        targets_s=targets,
        separate=separate,
        pooled=pooled,
        calls_per_year=calls.sum(axis=1),
        base_agent_hours=s_base,
        person_years_per_agent_hour=float(person_years_per_agent_hour(a, s_base)),
        mnok_per_person_year=a.cost_per_person_year_nok / 1e6,
    )


def pilot_saving(
    rates: pd.DataFrame | BoardHours,
    a: Assumptions,
    districts: tuple[str, ...] | list[str],
    year: int | None = None,
    concept: str = "IIb",
    targets_s: tuple[float, ...] | None = None,
    base_agent_hours: int | None = None,
) -> pd.DataFrame:
    """The saving of one pilot set (``districts`` pooled, the rest on their own boards) at every
    target, as :func:`search` gives it for that set, without searching the other 2 046: the
    districts' separate boards, the set's pooled board and the board of every district (for
    ``share_of_full``), each distinct board-hour solved once
    (:func:`lib.model.engine.required_agents_distinct`), in tens of milliseconds (the what-if page).

    Columns :data:`SET_COLUMNS` (``selection`` "pilot"). ``base_agent_hours``: S_base when the
    caller has it (else the base model is staffed here); other arguments as :func:`search`.
    """
    bh = board_hours(rates)
    chosen = tuple(d for d in bh.boards if d in set(districts))
    unknown = sorted(set(districts) - set(bh.boards))
    if unknown or not chosen:
        raise ValueError(
            f"a pilot needs at least one modelled district; unknown: {unknown}; modelled: {list(bh.boards)}"
        )
    year = a.first_year if year is None else year
    targets = (a.service_time_today_s, a.service_time_centre_s) if targets_s is None else tuple(targets_s)
    calls, aht = traffic(concept, bh, year, a)
    members = np.array([[d in chosen for d in bh.boards], [True] * len(bh.boards)])
    total, pooled_aht = pool(calls, aht, members)
    s_base = staff("base", bh, None, a).agent_hours if base_agent_hours is None else int(base_agent_hours)
    if s_base <= 0:
        raise ValueError("the base model staffs no agent-hours: the rates hold no traffic")
    scale = float(person_years_per_agent_hour(a, s_base))
    rows = []
    for target in targets:
        separate = required_agents_distinct(calls, aht, target, a).sum(axis=1)
        pooled = required_agents_distinct(total, pooled_aht, target, a).sum(axis=1)
        saving = int(separate[members[0]].sum() - pooled[0])
        full = int(separate.sum() - pooled[1])
        rows.append(
            {
                "selection": "pilot",
                "districts": JOIN.join(chosen),
                "k": len(chosen),
                "target_s": target,
                "separate_agent_hours": int(separate[members[0]].sum()),
                "pooled_agent_hours": int(pooled[0]),
                "saving_agent_hours": saving,
                "saving_person_years": saving * scale,
                "saving_mnok_per_year": saving * scale * a.cost_per_person_year_nok / 1e6,
                "share_of_full": _share(float(saving), float(full)),
            }
        )
    return pd.DataFrame(rows, columns=SET_COLUMNS)


# --- Tables ------------------------------------------------------------------------------

SET_COLUMNS = [
    "selection",
    "districts",
    "k",
    "target_s",
    "separate_agent_hours",
    "pooled_agent_hours",
    "saving_agent_hours",
    "saving_person_years",
    "saving_mnok_per_year",
    "share_of_full",
]


def _share(saving: np.ndarray | float, full: float) -> np.ndarray | float:
    return saving / full if full != 0 else np.full_like(np.asarray(saving, dtype=float), np.nan)


def _rows(s: PilotSearch, t: int, rows: list[int] | np.ndarray, selection: list[str] | str) -> pd.DataFrame:
    """Table rows (:data:`SET_COLUMNS`) of sets ``rows`` at target index ``t``."""
    rows = np.asarray(rows, dtype=np.int64)
    saving = s.saving[t, rows]
    separate = (s.members[rows] * s.separate[t]).sum(axis=1)
    person_years = saving * s.person_years_per_agent_hour
    return pd.DataFrame(
        {
            "selection": selection,
            "districts": [s.label(r) for r in rows],
            "k": s.sizes[rows],
            "target_s": s.targets_s[t],
            "separate_agent_hours": separate,
            "pooled_agent_hours": s.pooled[t, rows],
            "saving_agent_hours": saving,
            "saving_person_years": person_years,
            "saving_mnok_per_year": person_years * s.mnok_per_person_year,
            "share_of_full": _share(saving.astype(float), float(s.full_saving[t])),
        },
        columns=SET_COLUMNS,
    )


def all_sets(s: PilotSearch) -> pd.DataFrame:
    """Every set at every target (:data:`SET_COLUMNS`, ``selection`` "all"), by target, k and
    saving (largest first)."""
    out = pd.concat([_rows(s, t, np.arange(len(s.members)), "all") for t in range(len(s.targets_s))])
    return out.sort_values(["target_s", "k", "saving_agent_hours"], ascending=[False, True, False], kind="stable")


def best_row(s: PilotSearch, t: int, k: int) -> int:
    """The row of the set of ``k`` districts saving most at target index ``t`` (the first
    in bitmask order on ties)."""
    rows = np.flatnonzero(s.sizes == k)
    return int(rows[np.argmax(s.saving[t, rows])])


def greedy_rows(s: PilotSearch, t: int) -> list[int]:
    """The greedy join order at target index ``t``: the rows of its sets of size 2..n.

    It starts from the best pair (every single district saves 0, so there is no best first
    district to start from), then adds at each step the district that raises the saving most
    (the first in district order on ties).
    """
    saving = s.saving[t]
    rows = [best_row(s, t, 2)]
    for _ in range(len(s.districts) - 2):
        mask = rows[-1] + 1
        outside = [1 << i for i in range(len(s.districts)) if not mask & (1 << i)]
        candidates = np.array([mask | bit for bit in outside]) - 1
        rows.append(int(candidates[np.argmax(saving[candidates])]))
    return rows


def greedy_order(s: PilotSearch) -> pd.DataFrame:
    """The greedy join order (:func:`greedy_rows`) at every target: :data:`SET_COLUMNS` plus
    ``added`` (the district that joins at that step; both of the first pair at k = 2),
    ``best_saving_person_years`` of that size and ``greedy_vs_best`` (greedy saving / best)."""
    parts = []
    for t in range(len(s.targets_s)):
        rows = greedy_rows(s, t)
        df = _rows(s, t, rows, "greedy")
        best = np.array([s.saving[t, best_row(s, t, k)] for k in df["k"]])
        added = [s.label(rows[0])] + [
            s.districts[int(np.flatnonzero(s.members[r] & ~s.members[p])[0])] for p, r in itertools.pairwise(rows)
        ]
        df.insert(2, "added", added)
        df["best_saving_person_years"] = best * s.person_years_per_agent_hour
        df["greedy_vs_best"] = np.divide(
            df["saving_agent_hours"], best, where=best != 0, out=np.full(len(best), np.nan)
        )
        parts.append(df)
    return pd.concat(parts, ignore_index=True)


def _by_calls(s: PilotSearch, k: int, largest: bool) -> tuple[str, ...]:
    order = np.argsort(-s.calls_per_year if largest else s.calls_per_year, kind="stable")
    return tuple(s.districts[i] for i in order[:k])


def pilot_sets(s: PilotSearch, regions: dict[str, tuple[str, ...]] | None = None) -> pd.DataFrame:
    """The candidate pilots at every target (:data:`SET_COLUMNS`): for every k = 2..n the
    best set ("best"), the greedy set ("greedy"), the k districts with most and fewest
    contacts ("largest", "smallest"), and the natural regions (``selection`` the region's
    name; default :data:`REGIONS`, districts outside the model dropped)."""
    regions = REGIONS if regions is None else regions
    n = len(s.districts)
    parts = []
    for t in range(len(s.targets_s)):
        sizes = range(2, n + 1)
        parts.append(_rows(s, t, [best_row(s, t, k) for k in sizes], "best"))
        parts.append(_rows(s, t, greedy_rows(s, t), "greedy"))
        parts.append(_rows(s, t, [s.row(_by_calls(s, k, True)) for k in sizes], "largest"))
        parts.append(_rows(s, t, [s.row(_by_calls(s, k, False)) for k in sizes], "smallest"))
        named = {name: tuple(d for d in ds if d in s.districts) for name, ds in regions.items()}
        named = {name: ds for name, ds in named.items() if ds}
        parts.append(_rows(s, t, [s.row(ds) for ds in named.values()], list(named)))
    return pd.concat(parts, ignore_index=True)


CURVE_STATS = ("best", "median", "worst", "greedy")


def pooling_curve(s: PilotSearch) -> pd.DataFrame:
    """Saving (person-years) against the number k of pooled districts, at every target:
    columns k, target_s, best, median, worst (over all sets of size k), greedy (the greedy
    order's set of size k; 0 at k = 1, where every set saves 0), n_sets, and each statistic's
    ``*_share_of_full``."""
    rows = []
    for t, target in enumerate(s.targets_s):
        saving = s.saving[t] * s.person_years_per_agent_hour
        full = float(saving[-1])
        greedy = {1: 0.0} | {int(s.sizes[r]): float(saving[r]) for r in greedy_rows(s, t)}
        for k in range(1, len(s.districts) + 1):
            of_k = saving[s.sizes == k]
            stats = {"best": of_k.max(), "median": np.median(of_k), "worst": of_k.min(), "greedy": greedy[k]}
            rows.append(
                {"k": k, "target_s": target, **stats, "n_sets": len(of_k)}
                | {f"{name}_share_of_full": _share(float(v), full) for name, v in stats.items()}
            )
    return pd.DataFrame(rows)


def consistency(s: PilotSearch, rates: pd.DataFrame | BoardHours, a: Assumptions) -> pd.DataFrame:
    """The search against the staffing model at the centre's target: the set of all districts
    against concept III's agent-hours, and the full saving against III's pooling step (IIb's
    traffic on separate boards at the centre's target minus III). Columns quantity, search,
    model, equal. Meaningful for the default concept IIb."""
    bh = board_hours(rates)
    t = s.target_index(a.service_time_centre_s)
    iii = staff("III", bh, s.year, a).agent_hours
    calls, aht = traffic(s.concept, bh, s.year, a)
    separate = int(required_agents(calls, aht, a.service_time_centre_s, a).sum())
    rows = [
        ("pooled_all_agent_hours", int(s.pooled[t, -1]), iii),
        ("pooling_step_agent_hours", int(s.full_saving[t]), separate - iii),
    ]
    df = pd.DataFrame(rows, columns=["quantity", "search", "model"])
    return df.assign(equal=df["search"] == df["model"])


# --- Figure ------------------------------------------------------------------------------


def target_label(target_s: float, a: Assumptions) -> str:
    """The service level as the report writes it: "80/95" (80 % answered within 95 s)."""
    return f"{round(100 * a.service_level_target)}/{target_s:g}"


def plot_curve(curve: pd.DataFrame, a: Assumptions) -> Figure:
    """The pooling curve: saved staffing (person-years, the report's scaling) against the
    number of districts in the pilot: best set, median set, greedy order and the range from
    the worst to the best set, per target."""
    fig, ax = plotstyle.subplots(figsize=(7.5, 4.6))
    colours = [plotstyle.BLUE, plotstyle.ORANGE, plotstyle.GREEN, plotstyle.GREY]
    for target, colour in zip(sorted(curve["target_s"].unique(), reverse=True), colours, strict=False):
        c = curve[curve["target_s"] == target].sort_values("k")
        name = target_label(target, a)
        ax.fill_between(c["k"], c["worst"], c["best"], color=colour, alpha=0.12, lw=0, label=f"Alle sett, {name}")
        ax.plot(c["k"], c["best"], "-o", color=colour, ms=4, label=f"Beste sett, {name}")
        ax.plot(c["k"], c["median"], "--", color=colour, label=f"Median, {name}")
        ax.plot(c["k"], c["greedy"], "x", color=colour, ms=7, label=f"Grådig rekkefølge, {name}")
    ax.set_xlabel("Antall politidistrikt i piloten")
    ax.set_ylabel("Spart bemanning (årsverk)")
    ax.set_xticks(sorted(curve["k"].unique()))
    plotstyle.axis_format(ax, "y", decimals=0)
    fig.suptitle("Innsparing ved å samle politidistrikt i ett sentralbord")
    plotstyle.legend_below(fig, ncol=4)
    return fig
