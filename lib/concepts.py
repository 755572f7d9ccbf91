"""The report's concepts as data, and the hourly traffic each one offers the staffing model.

A concept is one frozen :class:`Concept` entry in :data:`CONCEPTS`; a new concept is a new
entry, not new code. Each says which of the report's measures it applies (appendix B):

* ``call_reduction`` - a better politiet.no removes a share of all contacts for good
  (concept I, §5.2.2.1): every hourly arrival rate is scaled by ``1 - call_reduction_politiet_no``.
* ``chatbot`` - a share s_y of the contacts goes to the chatbot and r_y of those are
  transferred to live chat (§6.2.2.1): arrivals are scaled by ``1 - s_y + s_y r_y``. Like
  the reduction, the scaling is even over the year and keeps the traffic pattern (App. B).
* ``chat_efficiency`` - which contacts are live chats handled at
  ``chat_handling_factor`` x the phone handling time (§6.2.1.1): ``"none"``; ``"all_chat"``
  (IIa: a share s_y of all contacts uses live chat); ``"transferred"`` (IIb, III: the
  contacts the chatbot transfers, s_y r_y of all contacts, i.e. a share
  ``s_y r_y / (1 - s_y + s_y r_y)`` of the contacts the staff handle when the chatbot
  answers the rest; without the chatbot, those s_y r_y contacts are live chats among
  otherwise unchanged arrivals).
* ``pooled`` - one national queue per hour instead of one per district (concept III).
* ``service_time`` - ``"today"`` (80 % within 95 s) or ``"centre"`` (80 % within 20 s).

Live chat in the Erlang C queue. The report's proxy (App. B) for an agent serving about
two chats at once is to give the chats f x AHT of handling time. Phone calls at AHT and
chats at f x AHT arriving together are then approximated by one M/M/n queue with the
contact-weighted mean handling time ``AHT x (1 - q + q f)``, q being the chat share of the
handled contacts; Erlang C's formulas take the handling time only through that mean (a
mixture of two exponential times is not itself exponential, so this is an approximation,
as the report's proxy is). Chats are assumed to arrive in the same hourly pattern as the calls they
replace, so the arrival rate of the handled contacts is unchanged by live chat alone.

Pooling. The national queue of an hour receives the sum of the districts' arrivals and
the arrival-weighted mean of their handling times, so the offered load (Erlangs) of the
hour is exactly the sum of the districts' loads.

``IIb_chatbot`` and ``IIb_livechat`` are not concepts of the report but the intermediate
models behind Table 1's split of IIb's saving S(I) - S(IIb) into a chatbot and a live-chat
part. The report does not say in which order it took the two measures, and the split
depends on it (:data:`DECOMPOSITIONS`):

* ``"chatbot_first"`` (MODEL_SPEC.md's digest, the default): chatbot = S(I) -
  S(IIb_chatbot), IIb_chatbot being IIb's scaled arrivals without the live-chat efficiency;
  live chat = S(IIb_chatbot) - S(IIb).
* ``"livechat_first"``: live chat = S(I) - S(IIb_livechat), IIb_livechat being I's arrivals
  with the transferred share s_y r_y as live chats; chatbot = S(IIb_livechat) - S(IIb).

Both sum to S(I) - S(IIb).

All rates are in contacts per hour, handling times in seconds. The assumption values
come from a namespace ``p`` of :func:`lib.assumptions.resolve` (see
:data:`lib.staffing.STAFFING_ASSUMPTIONS`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lib.districts import DISTRICTS

CHAT_EFFICIENCY = ("none", "all_chat", "transferred")
SERVICE_TIMES = ("today", "centre")
#: Board label of the pooled national queue in per-district tables.
NATIONAL = "Nasjonalt"


@dataclass(frozen=True)
class Concept:
    """One staffing-model specification (see the module docstring for the fields)."""

    name: str
    label: str
    previous: str | None
    call_reduction: bool = False
    chatbot: bool = False
    chat_efficiency: str = "none"
    pooled: bool = False
    service_time: str = "today"

    def __post_init__(self) -> None:
        if self.chat_efficiency not in CHAT_EFFICIENCY:
            raise ValueError(f"chat_efficiency={self.chat_efficiency!r}; expected one of {CHAT_EFFICIENCY}")
        if self.service_time not in SERVICE_TIMES:
            raise ValueError(f"service_time={self.service_time!r}; expected one of {SERVICE_TIMES}")
        if self.chat_efficiency == "all_chat" and self.chatbot:
            raise ValueError(f"concept {self.name!r}: 'all_chat' live chat excludes a chatbot")

    @property
    def year_dependent(self) -> bool:
        """True when the traffic changes over the years (chat and chatbot shares)."""
        return self.chatbot or self.chat_efficiency != "none"


_CONCEPTS = [
    Concept("base", "Basemodell", None),
    Concept("I", "Konsept I", "base", call_reduction=True),
    Concept("IIa", "Konsept IIa", "I", call_reduction=True, chat_efficiency="all_chat"),
    Concept("IIb_chatbot", "Konsept IIb (kun chatbot)", "I", call_reduction=True, chatbot=True),
    Concept("IIb_livechat", "Konsept IIb (kun livechat)", "I", call_reduction=True, chat_efficiency="transferred"),
    Concept("IIb", "Konsept IIb", "I", call_reduction=True, chatbot=True, chat_efficiency="transferred"),
    Concept("III", "Konsept III", "IIb", call_reduction=True, chatbot=True, chat_efficiency="transferred",
            pooled=True, service_time="centre"),
]

#: Every concept by name, in the order tables list them.
CONCEPTS: dict[str, Concept] = {c.name: c for c in _CONCEPTS}


@dataclass(frozen=True)
class Effect:
    """A staffing effect of Table 1: S(before) - S(after), in person-years once scaled."""

    name: str
    label: str
    before: str
    after: str


def _effects(chatbot: tuple[str, str], livechat: tuple[str, str]) -> dict[str, Effect]:
    return {e.name: e for e in [
        Effect("politiet_no", "Spart tid politiet.no", "base", "I"),
        Effect("livechat_IIa", "Spart tid livechat (IIa)", "I", "IIa"),
        Effect("chatbot", "Spart tid chatbot", *chatbot),
        Effect("livechat_IIb", "Spart tid livechat (IIb, III)", *livechat),
        Effect("kontaktsenter", "Spart tid kontaktsenter", "IIb", "III"),
    ]}


#: The effects Table 1 values, by name, in table order, for each order of splitting IIb.
DECOMPOSITIONS: dict[str, dict[str, Effect]] = {
    "chatbot_first": _effects(chatbot=("I", "IIb_chatbot"), livechat=("IIb_chatbot", "IIb")),
    "livechat_first": _effects(chatbot=("IIb_livechat", "IIb"), livechat=("I", "IIb_livechat")),
}
#: The default decomposition (MODEL_SPEC.md §2).
EFFECTS: dict[str, Effect] = DECOMPOSITIONS["chatbot_first"]


def effects_for(split: str) -> dict[str, Effect]:
    """The effects of Table 1 under ``split`` ("chatbot_first" or "livechat_first")."""
    try:
        return DECOMPOSITIONS[split]
    except KeyError:
        raise ValueError(f"iib_split={split!r}; expected one of {', '.join(DECOMPOSITIONS)}") from None


def get(concept: str | Concept) -> Concept:
    """The :class:`Concept` of a name (or the concept itself)."""
    if isinstance(concept, Concept):
        return concept
    try:
        return CONCEPTS[concept]
    except KeyError:
        raise KeyError(f"unknown concept {concept!r}; known: {', '.join(CONCEPTS)}") from None


# --- Shares over the analysis period ----------------------------------------------------

def _linear(year: int | None, first: float, last: float, p: Any) -> float:
    """Linear interpolation from ``first`` in p.first_year to ``last`` in p.last_year."""
    if year is None:
        raise ValueError("year is required for a year-dependent share")
    if not p.first_year <= year <= p.last_year:
        raise ValueError(f"year={year} is outside the analysis period {p.first_year}-{p.last_year}")
    if p.last_year == p.first_year:
        return float(first)
    return float(first + (last - first) * (year - p.first_year) / (p.last_year - p.first_year))


def chat_share(year: int, p: Any) -> float:
    """s_y: share of contacts using live chat (IIa) or the chatbot (IIb, III) in ``year``."""
    return _linear(year, p.chat_share_first_year, p.chat_share_last_year, p)


def transfer_share(year: int, p: Any) -> float:
    """r_y: share of chatbot contacts transferred to live chat in ``year``."""
    return _linear(year, p.transfer_share_first_year, p.transfer_share_last_year, p)


@dataclass(frozen=True)
class ChannelMix:
    """Contacts by channel as shares of the zero alternative's contacts (all by phone).

    ``phone + chatbot_answered + live_chat == remaining`` (the contacts left after the
    politiet.no reduction). ``handled = phone + live_chat`` are the contacts staff answer;
    ``chat_share_handled`` is the share q of them handled at the chat factor (0 for
    IIb_chatbot, whose transferred chats count as live chat but take a phone call's time).
    """

    remaining: float
    phone: float
    chatbot_answered: float
    live_chat: float
    chat_share_handled: float

    @property
    def handled(self) -> float:
        """Contacts staff answer (phone + live chat), per zero-alternative contact."""
        return self.phone + self.live_chat


def channel_mix(concept: str | Concept, year: int | None, p: Any) -> ChannelMix:
    """Channel shares of ``concept`` in ``year`` (``year`` may be None for base and I)."""
    c = get(concept)
    remaining = 1.0 - p.call_reduction_politiet_no if c.call_reduction else 1.0
    s = chat_share(year, p) if (c.chatbot or c.chat_efficiency != "none") else 0.0
    if c.chatbot:
        r = transfer_share(year, p)
        phone, bot, chat = remaining * (1 - s), remaining * s * (1 - r), remaining * s * r
    elif c.chat_efficiency == "transferred":  # the transferred contacts' live chat, no chatbot
        r = transfer_share(year, p)
        phone, bot, chat = remaining * (1 - s * r), 0.0, remaining * s * r
    else:
        phone, bot, chat = remaining * (1 - s), 0.0, remaining * s
    handled = phone + chat
    q = chat / handled if (c.chat_efficiency != "none" and handled > 0) else 0.0
    return ChannelMix(remaining=remaining, phone=phone, chatbot_answered=bot, live_chat=chat,
                      chat_share_handled=q)


def arrival_factor(concept: str | Concept, year: int | None, p: Any) -> float:
    """Handled contacts per zero-alternative call: ``(1 - reduction) (1 - s_y + s_y r_y)`` for IIb."""
    return channel_mix(concept, year, p).handled


def aht_factor(concept: str | Concept, year: int | None, p: Any) -> float:
    """Mean handling time of the handled contacts per phone AHT: ``1 - q + q f``."""
    q = channel_mix(concept, year, p).chat_share_handled
    return 1.0 - q + q * p.chat_handling_factor


def phone_share_handled(concept: str | Concept, year: int | None, p: Any) -> float:
    """Share of the handled contacts that are phone calls (the rest is live chat)."""
    m = channel_mix(concept, year, p)
    return m.phone / m.handled if m.handled > 0 else 0.0


def service_time_s(concept: str | Concept, p: Any) -> float:
    """Target answer time in seconds of the concept's service level."""
    c = get(concept)
    return float(p.service_time_centre_s if c.service_time == "centre" else p.service_time_today_s)


# --- Board-hour traffic ----------------------------------------------------------------

@dataclass(frozen=True)
class BoardHours:
    """The arrival-rate table as arrays: ``calls`` and ``aht_s`` of shape (boards, hours).

    ``hours`` holds one row per elapsed hour (hour_start and, when the rates carry them,
    date, hour, day_type) in the order of the columns of the arrays.
    """

    boards: tuple[str, ...]
    hours: pd.DataFrame
    calls: np.ndarray
    aht_s: np.ndarray

    @classmethod
    def from_rates(cls, rates: pd.DataFrame) -> "BoardHours":
        """Arrays from an arrival-rate table (interface 3: one row per district and hour)."""
        missing = {"district", "hour_start", "rate_per_hour", "aht_s"} - set(rates.columns)
        if missing:
            raise ValueError(f"rates: missing column(s) {sorted(missing)}")
        present = pd.unique(rates["district"])
        boards = tuple(d for d in DISTRICTS if d in set(present)) + tuple(d for d in present if d not in DISTRICTS)
        b = pd.Categorical(rates["district"], categories=list(boards)).codes
        h, stamps = pd.factorize(rates["hour_start"], sort=True)
        n_b, n_h = len(boards), len(stamps)
        if len(rates) != n_b * n_h or len(np.unique(b.astype(np.int64) * n_h + h)) != len(rates):
            raise ValueError(f"rates: need exactly one row per district and hour ({n_b} x {n_h}); got {len(rates)} rows")
        calls = np.empty((n_b, n_h))
        aht = np.empty((n_b, n_h))
        calls[b, h] = rates["rate_per_hour"].to_numpy(dtype=float)
        aht[b, h] = rates["aht_s"].to_numpy(dtype=float)
        if not np.all(np.isfinite(calls)) or (calls < 0).any():
            raise ValueError("rates: rate_per_hour must be finite and >= 0 (calls per hour)")
        busy = calls > 0
        if not np.all(np.isfinite(aht[busy])) or (aht[busy] <= 0).any():
            raise ValueError("rates: aht_s must be finite and > 0 seconds in every hour with traffic")
        aht = np.where(busy, aht, 0.0)
        meta = [c for c in ("hour_start", "date", "hour", "day_type") if c in rates.columns]
        _, first = np.unique(h, return_index=True)  # first row of every hour
        hours = rates[meta].iloc[first].reset_index(drop=True)
        return cls(boards=boards, hours=hours, calls=calls, aht_s=aht)


def board_hours(rates: pd.DataFrame | BoardHours) -> BoardHours:
    """``rates`` as :class:`BoardHours` (converted once; pass the result on to save time)."""
    return rates if isinstance(rates, BoardHours) else BoardHours.from_rates(rates)


def pool(calls: np.ndarray, aht_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One national queue per hour: summed arrivals, arrival-weighted mean AHT (load kept).

    Inputs of shape (boards, hours); outputs of shape (1, hours); AHT 0 where no traffic.
    """
    total = calls.sum(axis=0, keepdims=True)
    work = (calls * aht_s).sum(axis=0, keepdims=True)
    aht = np.divide(work, total, out=np.zeros_like(work), where=total > 0)
    return total, aht


def traffic(concept: str | Concept, rates: pd.DataFrame | BoardHours, year: int | None,
            p: Any) -> tuple[np.ndarray, np.ndarray]:
    """Offered traffic of ``concept`` in ``year``: (contacts per hour, mean handling time s).

    Arrays of shape (boards, hours) in :class:`BoardHours` order, or (1, hours) when the
    concept is pooled. The contacts are those staff handle (phone calls + live chats);
    the handling time is the contact-weighted mean of phone AHT and chat AHT.
    """
    c = get(concept)
    bh = board_hours(rates)
    calls = bh.calls * arrival_factor(c, year, p)
    aht = bh.aht_s * aht_factor(c, year, p)
    if c.pooled:
        calls, aht = pool(calls, aht)
    return calls, aht
