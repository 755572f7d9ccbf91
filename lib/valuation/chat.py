"""Table 1 under the chat model (issue 26; docs/model.md §19): beside the report's proxy, the
chat split, and the chat pool's parameters in the one-at-a-time sensitivity and a Monte Carlo.

``chat_model="proxy"`` (the default) staffs live chat as the report does: chats in the phone
queue at ``chat_handling_factor`` x AHT. ``chat_model="concurrency"`` staffs a chat pool by its
own queue model (:mod:`lib.queues.chat`), dedicated (a national chat team) or blended (the phone
agents take the chats at the agent time a chat needs at full concurrency). Everything else —
the relative scaling, the valuation, the phone queue's model — is unchanged, so the tables here
differ from Table 1 only by how live chat is staffed.

* :func:`table1_chat_model`: every valued cell under the proxy, the dedicated and the blended
  chat pool, beside the report's published value.
* :func:`chat_split`: IIb's chatbot and live-chat cells under each chat model and split order.
* :data:`CHAT_VARIATIONS`: the chat pool's assumptions for
  :func:`lib.valuation.sensitivity.one_at_a_time` (run under the chat model).
* :data:`CHAT_DISTRIBUTIONS` and :func:`chat_monte_carlo`: the chat pool's assumptions drawn
  (everything else at the values in force); each draw's chat pools are solved exactly, the phone
  boards once (they do not depend on the chat pool's assumptions).

Units: MNOK (NPV), person-years, agent-hours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core.assumptions import TABLE1_PUBLISHED, Assumptions, analysis_years
from lib.model.concepts import CHAT_POOL, BoardHours, board_hours, chat_arrival_factor, effects_for
from lib.model.engine import Engine
from lib.model.staffing import StaffingResult, run_all
from lib.valuation.batch import StaffingArrays, needed_concepts, wait_concepts
from lib.valuation.economics import SUM, present_values
from lib.valuation.sensitivity import Variation
from lib.valuation.table1 import PUBLISHED_COLUMN, SPLIT_ROWS, iib_split_comparison, table1
from lib.valuation.uncertainty import QUANTILE_COLUMNS, QUANTILES, Uncertain, draw

#: The chat models compared: column name → assumption overrides.
VARIANTS: dict[str, dict[str, str]] = {
    "proxy": {"chat_model": "proxy"},
    "dedicated": {"chat_model": "concurrency", "chat_pool": "dedicated"},
    "blended": {"chat_model": "concurrency", "chat_pool": "blended"},
}
#: Columns of :func:`table1_chat_model` (table ``table1_chat_model``).
TABLE1_CHAT_COLUMNS = ["row", "concept", "published", *VARIANTS, "difference"]


def runs(rates: pd.DataFrame | BoardHours, a: Assumptions) -> dict[str, StaffingResult]:
    """The staffing model under each chat model of :data:`VARIANTS` (the rest of ``a`` in force)."""
    bh = board_hours(rates)
    return {name: run_all(bh, a.replace(**over)) for name, over in VARIANTS.items()}


def table1_chat_model(
    staffed: dict[str, StaffingResult], a: Assumptions, observed_wait_s: float | None = None
) -> pd.DataFrame:
    """Table 1's valued cells under each chat model beside the report's: one row per row and
    concept the report values, columns :data:`TABLE1_CHAT_COLUMNS` (MNOK NPV; ``difference`` =
    dedicated − proxy). ``staffed``: :func:`runs`."""
    tables = {
        name: table1(staffed[name], a.replace(**over), observed_wait_s).set_index("row")
        for name, over in VARIANTS.items()
    }
    first = next(iter(tables.values()))
    rows = []
    for row in first.index:
        for concept in first.columns:
            published = TABLE1_PUBLISHED.get(row, {}).get(concept)
            values = {name: float(t.loc[row, concept]) for name, t in tables.items()}
            if all(np.isnan(v) for v in values.values()):
                continue
            rows.append(
                {
                    "row": row,
                    "concept": concept,
                    "published": np.nan if published is None else float(published),
                    **values,
                    "difference": values["dedicated"] - values["proxy"],
                }
            )
    return pd.DataFrame(rows, columns=TABLE1_CHAT_COLUMNS)


def chat_split(rates: pd.DataFrame | BoardHours, a: Assumptions, observed_wait_s: float | None = None) -> pd.DataFrame:
    """IIb's chatbot and live-chat cells (MNOK NPV) under each chat model (column level 0) and
    each order of the split (level 1), with the report's values."""
    bh = board_hours(rates)
    parts = {name: iib_split_comparison(bh, a.replace(**over), observed_wait_s) for name, over in VARIANTS.items()}
    out = pd.concat({name: p.drop(columns=PUBLISHED_COLUMN) for name, p in parts.items()}, axis=1)
    out[(PUBLISHED_COLUMN, "")] = next(iter(parts.values()))[PUBLISHED_COLUMN]
    return out


# --- the chat pool's assumptions in the sensitivity and the Monte Carlo --------------------------

#: One-at-a-time ranges of the chat pool's assumptions (project choices around the sources of
#: :class:`lib.core.assumptions.Assumptions`); run under ``chat_model="concurrency"``.
CHAT_VARIATIONS: tuple[Variation, ...] = (
    Variation("Samtidige chatter per agent (k)", ("chat_concurrency",), (1,), (3,)),
    Variation("Tempotap per ekstra chat (δ)", ("chat_efficiency_decline",), (0.0,), (0.3,)),
    Variation("Behandlingstid per chat / telefon", ("chat_aht_factor",), (0.5,), (1.5,)),
    Variation("Tålmodighet i chat (s)", ("chat_patience_s",), (180.0,), (1800.0,)),
    Variation("Andel stille frafall", ("chat_silent_abandon_share",), (0.3,), (0.9,)),
    Variation("Svartid chat, 80 % innen (s)", ("chat_service_time_s",), (30.0,), (120.0,)),
)

#: The chat pool's uncertain assumptions; ``chat_concurrency`` is drawn on a continuous scale and
#: rounded to a whole number of chats.
CHAT_DISTRIBUTIONS: tuple[Uncertain, ...] = (
    Uncertain(
        "Samtidige chatter per agent (k)",
        ("chat_concurrency",),
        (0.5,),
        (4.49,),
        "App. B: about two chats at once behind the 51 % proxy; chat centres allow 2-3 (Tezcan & Zhang 2014, "
        "Long, Tezcan & Zhang 2024); 1 (a police agent who takes one chat at a time) to 4, rounded",
        worse="low",
    ),
    Uncertain(
        "Tempotap per ekstra chat (δ)",
        ("chat_efficiency_decline",),
        (0.0,),
        (0.35,),
        "Tezcan & Zhang (2014), Long, Tezcan & Zhang (2024): each chat slows as an agent holds more; "
        "no estimate for police chat, so from none to a third per extra chat",
        worse="high",
    ),
    Uncertain(
        "Behandlingstid per chat / telefon",
        ("chat_aht_factor",),
        (0.5,),
        (2.0,),
        "no police figure; Comm100's mean chat durations (8 min 50 s - 11 min 53 s) are several 02800 calls "
        "long, typing is slower than talking, while many police questions are short: half to twice a call",
        worse="high",
    ),
    Uncertain(
        "Tålmodighet i chat (s)",
        ("chat_patience_s",),
        (180.0,),
        (1800.0,),
        "Castellanos, Yom-Tov & Goldberg (2023): text customers wait minutes; from the callers' ≈ 3 min "
        "(notebook 05) to half an hour",
        worse="low",
    ),
    Uncertain(
        "Andel stille frafall",
        ("chat_silent_abandon_share",),
        (0.3,),
        (0.9,),
        "Castellanos, Yom-Tov & Goldberg: 69.5 % on average over 33 companies, 30-67 % in the companies "
        "studied in detail",
        worse="high",
    ),
)


@dataclass(frozen=True)
class ChatMonteCarlo:
    """Draws of the chat pool's assumptions (``draws``) and Table 1's cells per draw (``cells``:
    column ``row|concept``, MNOK NPV), under ``a`` (the chat model in force)."""

    draws: pd.DataFrame
    cells: pd.DataFrame
    a: Assumptions


def _phone_agent_hours(result: StaffingResult, concept: str, years: np.ndarray) -> np.ndarray:
    """A concept's agent-hours per year without its dedicated chat pool."""
    d = result.by_district
    d = d[(d["concept"] == concept) & (d["district"] != CHAT_POOL)]
    return d.groupby("year")["agent_hours"].sum().reindex(years).to_numpy(dtype=float)


def chat_monte_carlo(
    rates: pd.DataFrame | BoardHours,
    a: Assumptions,
    n: int = 40,
    seed: int = 2026,
    observed_wait_s: float | None = None,
    distributions: tuple[Uncertain, ...] = CHAT_DISTRIBUTIONS,
) -> ChatMonteCarlo:
    """``n`` draws of the chat pool's assumptions under a dedicated chat pool, every other
    assumption at its value in ``a``; each draw's chat pools solved exactly (about 0.6 s a draw)."""
    a = a.replace(chat_model="concurrency", chat_pool="dedicated")
    bh = board_hours(rates)
    base = run_all(bh, a)
    years = analysis_years(a)
    draws = draw(n, seed, a, distributions)
    if "chat_concurrency" in draws:
        draws["chat_concurrency"] = np.clip(np.rint(draws["chat_concurrency"]), 1, 6).astype(int)
    engine = Engine(bh, a)
    concepts = needed_concepts(a)
    phone = {c: _phone_agent_hours(base, c, years) for c in concepts}
    alphas = {c: np.array([chat_arrival_factor(c, int(y), a) for y in years]) for c in concepts}
    agent_hours = {c: np.tile(phone[c], (n, 1)) for c in concepts}
    for i, values in enumerate(draws.to_dict("records")):
        ai = a.replace(**values)
        solved: dict[bytes, np.ndarray] = {}
        for c in concepts:
            if not alphas[c].any():
                continue
            key = alphas[c].tobytes()
            if key not in solved:
                solved[key] = engine.chat_agent_hours(alphas[c], ai)
            agent_hours[c][i] += solved[key]
    by_year = base.by_year
    wait = {
        c: by_year[by_year["concept"] == c].set_index("year")["asa_s"].reindex(years).to_numpy(dtype=float)
        for c in wait_concepts(a)
    }
    s_base = float(base.base_agent_hours)
    effects = {name: (e.before, e.after) for name, e in effects_for(a.iib_split).items()}
    arrays = StaffingArrays(agent_hours, wait, s_base, np.asarray(base.person_years_per_agent_hour), effects)
    values = present_values(arrays, a, observed_wait_s)
    cells = pd.DataFrame({f"{row}|{c}": np.broadcast_to(v, (n,)) for (row, c), v in values.items()})
    return ChatMonteCarlo(draws, cells, a)


def chat_uncertainty(
    mc: ChatMonteCarlo, point: pd.DataFrame, rows: tuple[str, ...] = (*SPLIT_ROWS, SUM)
) -> pd.DataFrame:
    """Mean and quantiles of the live-chat, chatbot and sum cells over the draws, beside the value
    at the assumptions in force (``point``: :func:`table1_chat_model`) and the report's."""
    out = []
    for r in point.itertuples():
        col = f"{r.row}|{r.concept}"
        if r.row not in rows or col not in mc.cells:
            continue
        x = mc.cells[col].to_numpy()
        out.append(
            {
                "row": r.row,
                "concept": r.concept,
                "published": r.published,
                "proxy": r.proxy,
                "dedicated": r.dedicated,
                "mean": float(x.mean()),
                **{q: float(np.quantile(x, p)) for q, p in zip(QUANTILE_COLUMNS, QUANTILES, strict=True)},
            }
        )
    return pd.DataFrame(out)
