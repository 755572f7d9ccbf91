"""Live chat under the chat model against the report's proxy: agent time per chat and the
break-even (docs/model.md §19).

The report staffs live chat by putting the chats into the phone queue at
``chat_handling_factor`` (51 %) of a call's handling time. Under ``chat_model="concurrency"``
a dedicated chat pool is staffed by its own queue model (:mod:`lib.queues.chat`). Both give
the agent-hours live chat costs, so both can be read as **agent time per chat**:

* the proxy: S(concept) − S(its phone calls alone), both in the phone queue (Erlang C), per chat;
* the chat model: the dedicated pool's agent-hours per chat, for each concurrency k.

The **break-even** is the handling time of a chat handled alone (``chat_aht_factor``, per phone
AHT) at which the chat pool costs as many agent-hours as the proxy says, for each k: below it
the chat model values live chat higher than the report, above it lower. Everything is summed over
the analysis years of one concept (IIa by default: the largest chat volume).

Units: agent-hours, chats, seconds; factors per phone AHT.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lib.core import plotstyle
from lib.core.assumptions import Assumptions, analysis_years
from lib.model.concepts import BoardHours, aht_factor, arrival_factor, board_hours, channel_mix
from lib.model.engine import Engine

#: Columns of :func:`break_even`.
BREAK_EVEN_COLUMNS = [
    "concept",
    "max_chats",
    "chat_aht_factor",
    "chats",
    "chat_agent_hours",
    "agent_minutes_per_chat",
    "proxy_agent_minutes_per_chat",
    "break_even_chat_aht_factor",
]


def _years(a: Assumptions) -> list[int]:
    return [int(y) for y in analysis_years(a)]


def chats_per_year(engine: Engine, concept: str, a: Assumptions) -> np.ndarray:
    """Live chats of ``concept`` per analysis year (all districts)."""
    total = float(engine.board_hours_of_rates.calls.sum())
    return np.array([channel_mix(concept, y, a).live_chat * total for y in _years(a)])


def proxy_chat_agent_hours(engine: Engine, concept: str, a: Assumptions) -> np.ndarray:
    """Agent-hours per analysis year the proxy gives ``concept``'s live chats: S with the chats
    in the phone queue at ``chat_handling_factor`` minus S of its phone calls alone."""
    proxy = a.replace(chat_model="proxy")
    dedicated = a.replace(chat_model="concurrency", chat_pool="dedicated")
    years = _years(a)
    alpha = np.array([arrival_factor(concept, y, proxy) for y in years])
    beta = np.array([aht_factor(concept, y, proxy) for y in years])
    phone = np.array([arrival_factor(concept, y, dedicated) for y in years])  # the calls alone
    e = Engine(engine.board_hours_of_rates, proxy)
    with_chats, _ = e.agent_hours(concept, alpha, beta)
    calls_only, _ = e.agent_hours(concept, phone, np.ones(len(years)))
    return with_chats - calls_only


def chat_pool_agent_hours(engine: Engine, concept: str, a: Assumptions) -> np.ndarray:
    """Agent-hours per analysis year of ``concept``'s live chats in a dedicated chat pool under
    ``a``'s chat settings (k, efficiencies, ``chat_aht_factor``, patience, target)."""
    dedicated = a.replace(chat_model="concurrency", chat_pool="dedicated")
    alpha = np.array([channel_mix(concept, y, dedicated).live_chat for y in _years(a)])
    return engine.chat_agent_hours(alpha, dedicated)


def break_even(
    rates: pd.DataFrame | BoardHours,
    a: Assumptions,
    concept: str = "IIa",
    max_chats: Sequence[int] = (1, 2, 3, 4),
    factors: Sequence[float] = (),
    iterations: int = 12,
    bracket: tuple[float, float] = (0.02, 5.0),
) -> pd.DataFrame:
    """Agent time per chat under the chat model and the proxy, and the break-even handling time.

    One row per k in ``max_chats`` and chat handling-time factor (``chat_aht_factor`` in force,
    then ``factors``): the concept's chats and the chat pool's agent-hours over the analysis
    years, agent-minutes per chat under the chat model and under the proxy, and the
    ``chat_aht_factor`` at which the two agree (bisection in ``bracket``, ``iterations`` steps:
    the smallest factor at which the chat pool needs at least the proxy's agent-hours; NaN
    when outside the bracket). Columns :data:`BREAK_EVEN_COLUMNS`.
    """
    bh = board_hours(rates)
    engine = Engine(bh, a)
    chats = chats_per_year(engine, concept, a).sum()
    proxy = proxy_chat_agent_hours(engine, concept, a).sum()
    rows = []
    for k in max_chats:
        ak = a.replace(chat_concurrency=int(k))

        def pool_hours(f: float, ak: Assumptions = ak) -> float:
            return float(chat_pool_agent_hours(engine, concept, ak.replace(chat_aht_factor=f)).sum())

        lo, hi = bracket
        if pool_hours(lo) >= proxy or pool_hours(hi) < proxy:
            even = float("nan")
        else:
            for _ in range(iterations):
                mid = (lo + hi) / 2
                lo, hi = (lo, mid) if pool_hours(mid) >= proxy else (mid, hi)
            even = hi
        for f in dict.fromkeys([a.chat_aht_factor, *factors]):
            s = pool_hours(float(f))
            rows.append(
                {
                    "concept": concept,
                    "max_chats": int(k),
                    "chat_aht_factor": float(f),
                    "chats": chats,
                    "chat_agent_hours": s,
                    "agent_minutes_per_chat": 60.0 * s / chats,
                    "proxy_agent_minutes_per_chat": 60.0 * proxy / chats,
                    "break_even_chat_aht_factor": even,
                }
            )
    return pd.DataFrame(rows, columns=BREAK_EVEN_COLUMNS)


def break_even_chart(table: pd.DataFrame):
    """Agent-minutes per chat against k: the chat model for each handling-time factor, the
    proxy as a level line, and the break-even factor written at each k."""
    fig, ax = plotstyle.subplots(figsize=(8, 4.8))
    for f, part in table.groupby("chat_aht_factor", sort=True):
        ax.plot(
            part["max_chats"],
            part["agent_minutes_per_chat"],
            marker="o",
            label=f"chatmodell, behandlingstid {plotstyle.number(f, 2)} × telefon",
        )
    proxy = float(table["proxy_agent_minutes_per_chat"].iloc[0])
    ax.axhline(proxy, color="black", linestyle="--", label="rapportens tilnærming (51 % av en samtale)")
    first = table.drop_duplicates("max_chats")
    for row in first.itertuples():
        if np.isfinite(row.break_even_chat_aht_factor):
            ax.annotate(
                f"likt ved {plotstyle.number(row.break_even_chat_aht_factor, 2)} ×",
                (row.max_chats, proxy),
                textcoords="offset points",
                xytext=(0, -14),
                ha="center",
                fontsize=8,
            )
    ks = sorted(table["max_chats"].unique())
    ax.set_xticks(ks)
    ax.set_xlim(ks[0] - 0.4, ks[-1] + 0.4)
    ax.set_xlabel("Samtidige chatter per agent (k)")
    ax.set_ylabel("Agentminutter per chat")
    plotstyle.axis_format(ax, "y", decimals=1)
    concept = table["concept"].iloc[0]
    ax.set_title(f"Agenttid per chat: chatmodellen mot rapportens tilnærming (konsept {concept}, hele perioden)")
    plotstyle.legend_below(fig, ncol=2)
    return fig
