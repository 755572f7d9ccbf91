"""One-at-a-time sensitivity of "Sum verdsatte virkninger" (Table 1) to the main assumptions.

Each :class:`Variation` sets one assumption (or a pair that moves together, such as the
first- and last-year chat shares) to a low and a high value, all else at the values in
force; Table 1 is recomputed for both and the spread of the sum per concept is reported
(:func:`one_at_a_time`) and drawn as a tornado chart (:func:`tornado`).

Assumptions that enter at the staffing stage (:meth:`lib.core.assumptions.Assumptions.stage`)
re-run the staffing model; the after-call work enters through the arrival table instead
(interface 3: ``aht_s`` = mean talk time + after-call work), so varying it shifts ``aht_s``
by the difference in every hour with traffic and re-runs the model too. Every other
assumption only revalues the same staffing result. The staffing runner is injected
(``runner(rates, a)`` returning a :class:`lib.valuation.economics.StaffingSource`:
:func:`lib.model.staffing.run_all` in the chain) so tests can use a fake.

The low/high ranges in :data:`DEFAULT_VARIATIONS` are this project's choices for a
sensitivity analysis, not numbers from the report; the base values come from the
:class:`lib.core.assumptions.Assumptions` in force.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

from lib.core.assumptions import III_WAIT_LABELS, Assumptions
from lib.core.result_csv import PRECISION
from lib.model.concepts import BoardHours, table1_concepts
from lib.valuation.economics import SUM, StaffingSource, present_values

#: Assumptions that enter the staffing model through the arrival table (shifted here).
RATE_ASSUMPTIONS: tuple[str, ...] = ("after_call_work_s",)


Runner = Callable[[pd.DataFrame | BoardHours, Assumptions], StaffingSource]
XLABEL = "Sum verdsatte virkninger (mill. kr)"
#: Columns of :func:`one_at_a_time`'s table: before the values, after them, and the values as
#: text (``first → last`` for a pair; for labels such as the tornado chart's).
LEAD_COLUMNS = ["assumption", "label"]
SUM_COLUMNS = ["concept", "sum_base", "sum_low", "sum_high", "swing"]
TEXT_COLUMNS = ["base_text", "low_text", "high_text"]


def value_columns(k: int) -> list[str]:
    """The numeric columns of the ``k``-th (1-based) assumption a variation moves: ``base_value``,
    ``low_value``, ``high_value`` for the first, ``base_value_2``, ``low_value_2``, ... for the second."""
    suffix = "" if k == 1 else f"_{k}"
    return [f"base_value{suffix}", f"low_value{suffix}", f"high_value{suffix}"]


def columns(n: int = 1) -> list[str]:
    """Columns of :func:`one_at_a_time`'s table when its largest variation moves ``n`` assumptions."""
    return [*LEAD_COLUMNS, *(c for k in range(1, n + 1) for c in value_columns(k)), *SUM_COLUMNS, *TEXT_COLUMNS]


@dataclass(frozen=True)
class Variation:
    """Low and high values of one assumption, or of several moved together.

    ``names``: the assumptions; ``low``, ``high``: their values in the same order, or
    factors on the values in force when ``relative``; a value may be a choice (text, e.g. a
    reading of :attr:`Assumptions.iii_wait_reduction`: its value columns stay empty and its
    text columns hold the choice), or None for the value in force (a discrete alternative set
    against the value in force: low = in force, high = the alternative); ``label``: Norwegian,
    for tables and the chart; ``sep``: how the values of several names are joined in tables.
    """

    label: str
    names: tuple[str, ...]
    low: tuple[float | str | None, ...]
    high: tuple[float | str | None, ...]
    relative: bool = False
    sep: str = " → "  # joins the values of several names in tables ("first → last year")

    def __post_init__(self) -> None:
        if not (len(self.names) == len(self.low) == len(self.high) > 0):
            raise ValueError(f"variation {self.label!r}: names, low and high need the same, non-zero length")
        if self.relative and any(isinstance(v, str) for v in (*self.low, *self.high)):
            raise ValueError(f"variation {self.label!r}: a choice (text) cannot be a factor (relative)")

    def values(self, side: str, a: Assumptions) -> dict[str, float | str]:
        """Assumption values of the ``"low"`` or ``"high"`` side, given the values in force ``a``."""
        given = {"low": self.low, "high": self.high}[side]
        out: dict[str, float | str] = {}
        for n, v in zip(self.names, given, strict=True):
            if v is None:
                out[n] = getattr(a, n)
            elif self.relative:
                out[n] = cast(float, v) * getattr(a, n)
            else:
                out[n] = v
        return out


DEFAULT_VARIATIONS: tuple[Variation, ...] = (
    Variation("Reduksjon i telefoner fra politiet.no", ("call_reduction_politiet_no",), (0.05,), (0.15,)),
    Variation(
        "Andel chat/chatbot (første → siste år)",
        ("chat_share_first_year", "chat_share_last_year"),
        (0.15, 0.35),
        (0.35, 0.65),
    ),
    Variation(
        "Andel overført til livechat (første → siste år)",
        ("transfer_share_first_year", "transfer_share_last_year"),
        (0.20, 0.10),
        (0.40, 0.30),
    ),
    Variation("Ressursbruk livechat / telefon", ("chat_handling_factor",), (0.4,), (0.7,)),
    Variation("Etterarbeid per henvendelse (s)", ("after_call_work_s",), (15.0,), (60.0,)),
    Variation("Maksimalt belegg", ("max_occupancy",), (0.75,), (0.85,)),
    # One-sided: any board-hour with traffic needs at least one agent anyway (Erlang C needs
    # more agents than the load), so a floor below 1 changes nothing; 1 is the low end.
    Variation("Minimumsbemanning per sentralbord", ("min_agents",), (1,), (2,)),
    Variation("Svartid kontaktsenter, 80 % innen (s)", ("service_time_centre_s",), (10.0,), (30.0,)),
    Variation("Dagens bemanning på 02800 (årsverk, ±10 %)", ("actual_person_years",), (0.9,), (1.1,), True),
    Variation("Kalkulasjonsrente", ("discount_rate",), (0.02,), (0.06,)),
    Variation("Årsverkskostnad (±10 %)", ("cost_per_person_year_nok",), (0.9,), (1.1,), True),
    Variation("Tidsbruk per telefon for innbygger (min)", ("citizen_minutes_per_call",), (4.0,), (6.0,)),
    Variation("Verdi av fritid (±10 %)", ("leisure_value_per_person_year_nok",), (0.9,), (1.1,), True),
    Variation(
        "Investeringskostnader (±50 %)",
        ("live_chat_investment_mnok", "chatbot_investment_mnok", "contact_centre_investment_mnok"),
        (0.5, 0.5, 0.5),
        (1.5, 1.5, 1.5),
        True,
        sep=", ",
    ),
    *(
        Variation(f"Kortere ventetid i III: {text}", ("iii_wait_reduction",), (None,), (reading,))
        for reading, text in (
            ("observed", "rapportens lesning (observert ventetid → III-modellens ASA)"),
            ("model", "full Erlang C (ASA IIb → ASA III)"),
            ("scaled", "skalert (W_obs × ASA_III / ASA_base)"),
        )
    ),
)
#: Columns of :func:`one_at_a_time`'s table with :data:`DEFAULT_VARIATIONS` (three value slots).
COLUMNS = columns(max(len(v.names) for v in DEFAULT_VARIATIONS))


def shift_handling_time(rates: pd.DataFrame | BoardHours, delta_s: float) -> pd.DataFrame | BoardHours:
    """``rates`` with ``delta_s`` seconds added to the handling time of every hour with traffic.

    Accepts the arrival-rate table (interface 3) or a :class:`lib.model.concepts.BoardHours`.
    """
    if isinstance(rates, pd.DataFrame):
        busy = rates["rate_per_hour"] > 0
        out = rates.copy()
        out.loc[busy, "aht_s"] = out.loc[busy, "aht_s"] + delta_s
        return out
    busy = rates.calls > 0
    return dataclasses.replace(rates, aht_s=np.where(busy, rates.aht_s + delta_s, rates.aht_s))


def sums(staffing: StaffingSource, a: Assumptions, observed_wait_s: float | None = None) -> pd.Series:
    """ "Sum verdsatte virkninger" per concept (MNOK NPV) for a staffing result and ``a``."""
    cells = present_values(staffing, a, observed_wait_s)
    return pd.Series({c: float(cells[(SUM, c)]) for c in table1_concepts()})


def _fmt(values: Iterable[float | str], sep: str = " → ") -> str:
    """Values as short text: thousands separated by spaces, small numbers to 4 digits, a choice as it is."""
    return sep.join(
        v if isinstance(v, str) else f"{v:,.0f}".replace(",", " ") if abs(v) >= 1000 else f"{v:.4g}" for v in values
    )


def _needs_rerun(names: Iterable[str]) -> bool:
    """True when a variation of ``names`` changes the staffing result (staffing-stage
    assumptions, or the rate assumptions this module shifts); refuses earlier stages."""
    rerun = False
    for name in names:
        stage = Assumptions.stage(name)
        if stage in ("cleaning", "rates") and name not in RATE_ASSUMPTIONS:
            raise ValueError(f"cannot vary {name!r} here: it enters at the {stage} stage (re-run notebooks 01-02)")
        rerun |= stage in ("staffing", "rates")
    return rerun


def _numbers(values: Iterable[float | str]) -> list[float]:
    """Values as floats for a table, rounded to :data:`lib.core.result_csv.PRECISION` decimals (a factor
    times a value in force carries float noise: 1.1 x 90 = 99.00000000000001); a choice (text) as NaN."""
    return [np.nan if isinstance(v, str) else round(float(v), PRECISION) + 0.0 for v in values]


def one_at_a_time(
    rates: pd.DataFrame | BoardHours,
    a: Assumptions,
    runner: Runner,
    variations: Iterable[Variation] = DEFAULT_VARIATIONS,
    base: StaffingSource | None = None,
    observed_wait_s: float | None = None,
) -> pd.DataFrame:
    """Sum of valued effects per concept at the low and high value of every variation.

    ``rates``: what ``runner`` takes (the arrival-rate table); ``a``: the assumptions in
    force; ``runner(rates, a)``: the staffing model; ``base``: its result at ``a`` if
    already computed; ``observed_wait_s``: passed to :func:`lib.valuation.table1.table1`. Returns one
    row per variation and concept with columns ``columns(n)``, ``n`` the most assumptions
    one variation moves (:data:`COLUMNS` for the defaults): the values in force, low and
    high as numbers (``base_value``, ``low_value``, ``high_value`` of the first assumption
    named in ``assumption``, ``..._2`` of the second and so on, NaN where a variation moves
    fewer), the sums in MNOK (``swing`` = |high - low|), and the values as text
    (``base_text``, ``low_text``, ``high_text``: ``first → last`` for pairs). Sorted by
    concept, then by swing, largest first.
    """
    variations = tuple(variations)
    base = runner(rates, a) if base is None else base
    base_sums = sums(base, a, observed_wait_s)
    concepts = table1_concepts()
    records = []
    for v in variations:
        result = {}
        for side in ("low", "high"):
            values = v.values(side, a)
            q = a.replace(**values)
            if _needs_rerun(values):
                r = rates
                for name in RATE_ASSUMPTIONS:
                    if name in values:
                        r = shift_handling_time(r, values[name] - getattr(a, name))
                staffing = runner(r, q)
            else:
                staffing = base
            result[side] = (values, sums(staffing, q, observed_wait_s))
        base_values = [getattr(a, n) for n in v.names]
        numbers: dict[str, float] = {}
        for k, triple in enumerate(
            zip(
                _numbers(base_values),
                _numbers(result["low"][0].values()),
                _numbers(result["high"][0].values()),
                strict=True,
            ),
            start=1,
        ):
            numbers.update(zip(value_columns(k), triple, strict=True))
        for c in concepts:
            lo, hi = result["low"][1][c], result["high"][1][c]
            records.append(
                {
                    "assumption": ", ".join(v.names),
                    "label": v.label,
                    **numbers,
                    "concept": c,
                    "sum_base": float(base_sums[c]),
                    "sum_low": float(lo),
                    "sum_high": float(hi),
                    "swing": float(abs(hi - lo)),
                    "base_text": _fmt(base_values, v.sep),
                    "low_text": _fmt(result["low"][0].values(), v.sep),
                    "high_text": _fmt(result["high"][0].values(), v.sep),
                }
            )
    out = pd.DataFrame(records, columns=columns(max((len(v.names) for v in variations), default=1)))
    order = out["concept"].map({c: i for i, c in enumerate(concepts)})
    out = out.assign(_c=order, _s=-out["swing"]).sort_values(["_c", "_s"], kind="stable")
    return out.drop(columns=["_c", "_s"]).reset_index(drop=True)


#: Every choice a variation reads (a text value), in Norwegian for the chart and the workbook.
CHOICE_LABELS: dict[str, str] = {**III_WAIT_LABELS}


def choice_text(text: str) -> str:
    """A text of the sensitivity table as a reader sees it: a choice (``"observed"``) in
    Norwegian (``"observert"``), several joined by " → " or ", " each; other text as it is."""
    for sep in (" → ", ", "):
        if sep in text:
            return sep.join(choice_text(part) for part in text.split(sep))
    return CHOICE_LABELS.get(text.strip(), text)


def has_range(row: dict) -> bool:
    """Whether a sensitivity row's low and high sides differ (False when both are the value in
    force, such as the reading of III's wait that is already in force): a row without a range
    stays in the table but has no bar in a tornado chart."""
    for lo, hi in (
        ("low_text", "high_text"),
        *((c, c.replace("low", "high")) for c in row if c.startswith("low_value")),
    ):
        a, b = row.get(lo), row.get(hi)
        if a is None and b is None:
            continue
        a_missing = a is None or (not isinstance(a, str) and pd.isna(a))
        b_missing = b is None or (not isinstance(b, str) and pd.isna(b))
        if a_missing and b_missing:
            continue
        if a_missing != b_missing or str(a).strip() != str(b).strip():
            try:
                if float(a) == float(b):  # type: ignore[arg-type]
                    continue
            except (TypeError, ValueError):
                pass
            return True
    return False


#: Assumptions shown in % in the tornado chart besides those whose unit is a share.
PERCENT_NAMES: tuple[str, ...] = ("discount_rate", "max_occupancy", "chat_handling_factor")


def _shown_value(name: str, value: float) -> str:
    """One assumption's value as the tornado chart shows it: shares in %, kroner in millions,
    person-years named; else Norwegian notation."""
    from lib.core import plotstyle

    unit = ""
    for f in dataclasses.fields(Assumptions):
        if f.name == name:
            unit = str(f.metadata["unit"])
    if "share" in unit or name in PERCENT_NAMES:
        pct = 100 * value
        return plotstyle.percent(value, 0 if abs(pct - round(pct)) < 1e-9 else 1)
    if unit.startswith("NOK"):
        return f"{plotstyle.number(value / 1e6, 2)} mill. kr"
    if unit == "person-years":
        return f"{plotstyle.number(value, 0)} årsverk"
    return plotstyle.number(value, None)


def range_text(row: dict, side: str) -> str | None:
    """The ``"low"`` or ``"high"`` side of a sensitivity row in readable form (None when its
    assumptions cannot be read from the row): shares in % (``15 % → 35 %`` for a first → last
    year pair), kroner in millions, several investment costs as their sum in MNOK."""
    names = [n.strip() for n in str(row.get("assumption", "")).split(",")]
    slots = [f"{side}_value"] + [f"{side}_value_{k}" for k in range(2, len(names) + 1)]
    values = [row.get(c) for c in slots]
    if not names or any(n not in Assumptions.names() for n in names):
        return None
    if any(v is None or isinstance(v, str) or pd.isna(v) for v in values):
        return None
    from lib.core import plotstyle

    numbers = [float(str(v)) for v in values]
    if len(names) > 1 and all(n.endswith("_mnok") for n in names):
        return f"{plotstyle.number(sum(numbers), 0)} mill. kr i alt"
    return " → ".join(_shown_value(n, v) for n, v in zip(names, numbers, strict=True))


def tornado(table: pd.DataFrame, concept: str = "III", ax=None):
    """Tornado chart of one concept's sum at the low and high values, widest bar on top.

    Bars start at the base sum (low value above, high value below), each with its change of
    the sum; the y labels carry, under the assumption, its low and high values in readable form
    (:func:`range_text`: shares in %, kroner in millions); where a row's assumptions cannot be
    read, from ``low_text`` / ``high_text`` (a choice in Norwegian: :func:`choice_text`) or the
    numbers in ``low_value`` / ``high_value`` (and ``low_value_2``, ...) in Norwegian notation.
    A row without a range (:func:`has_range`: low and high both the value in force) has no bar
    and is left out. The title spans the figure (a suptitle) when the chart draws its own
    figure; the legend sits below the plot. Returns the figure.
    """
    from lib.core import plotstyle

    t = table.loc[table["concept"] == concept]
    t = t[[has_range(r) for r in t.to_dict("records")]].sort_values("swing", kind="stable")
    if t.empty:
        raise ValueError(f"no sensitivity rows with a range for concept {concept!r}")

    def value_text(row: dict, side: str) -> str:
        readable = range_text(row, side)
        if readable is not None:
            return readable
        text = row.get(f"{side}_text")
        if isinstance(text, str) and text.strip():
            return plotstyle.numbers_in(choice_text(text))
        slots, k = [f"{side}_value"], 2
        while f"{side}_value_{k}" in row:
            slots.append(f"{side}_value_{k}")
            k += 1
        values = [row[c] for c in slots if c in row]
        return "; ".join(
            plotstyle.numbers_in(v) if isinstance(v, str) else plotstyle.number(v, None)
            for v in values
            if isinstance(v, str) or not pd.isna(v)
        )

    if ax is None:
        fig, ax = plotstyle.subplots(figsize=(10, 0.55 * len(t) + 2.4))
        legend_target = fig
    else:
        fig = ax.figure
        legend_target = ax
    base = float(t["sum_base"].iloc[0])
    y = np.arange(len(t))
    # side by side, so a low and a high value moving the sum the same way stay visible
    low = ax.barh(y + 0.2, t["sum_low"] - base, left=base, height=0.4, color=plotstyle.LIGHT_BLUE, label="Lav verdi")
    high = ax.barh(y - 0.2, t["sum_high"] - base, left=base, height=0.4, color=plotstyle.ORANGE, label="Høy verdi")
    for bars, sums in ((low, t["sum_low"]), (high, t["sum_high"])):
        changes = sums.to_numpy(dtype=float) - base
        for text in ax.bar_label(
            bars,
            labels=[("+" if d > 0 else "") + plotstyle.number(d, 0) if round(d) != 0 else "" for d in changes],
            fontsize=7,
            padding=2,
        ):
            text.set_gid("value")  # a value on its bar (the house style's one text on the axes)
    ax.margins(x=0.12)
    ax.axvline(base, color="black", linewidth=1, label=f"Basis: {plotstyle.number(base)} mill. kr")
    rows = t.to_dict("records")
    ax.set_yticks(y, [f"{r['label']}\nlav {value_text(r, 'low')}, høy {value_text(r, 'high')}" for r in rows])
    ax.set_xlabel(XLABEL)
    ax.set_ylabel("Forutsetning (lav og høy verdi)")
    plotstyle.axis_format(ax, "x")
    ax.grid(False)
    ax.grid(True, axis="x")
    title = f"Følsomhet, konsept {concept}: sum verdsatte virkninger (basis {plotstyle.number(base)} mill. kr)"
    if legend_target is fig:
        fig.suptitle(title)  # over the whole figure: the long y labels leave the axes too narrow for it
    else:
        ax.set_title(title)
    plotstyle.legend_below(legend_target)
    return fig
