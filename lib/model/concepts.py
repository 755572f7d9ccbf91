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

* ``"chatbot_first"`` (the default; docs/model.md §6): chatbot = S(I) -
  S(IIb_chatbot), IIb_chatbot being IIb's scaled arrivals without the live-chat efficiency;
  live chat = S(IIb_chatbot) - S(IIb).
* ``"livechat_first"``: live chat = S(I) - S(IIb_livechat), IIb_livechat being I's arrivals
  with the transferred share s_y r_y as live chats; chatbot = S(IIb_livechat) - S(IIb).

Both sum to S(I) - S(IIb).

Table 1. A concept with ``table1=True`` is a column of Table 1. Its valued effects are
those of every step of its chain back to the base model (I builds on base, IIb on I, III on
IIb: concepts build on each other, §5.2.1). A step's staffing saving S(previous) - S(c) is
valued as one :class:`Effect` (``saving``: name, label and Table 1 row), or, for IIb, split
in two by :data:`DECOMPOSITIONS`. :mod:`lib.valuation.economics` derives every police-time cell from
these entries, so a new concept (say a regional centre pooling three districts,
``pool_districts``) is a new entry here and a new column of Table 1, with no new code.

All rates are in contacts per hour, handling times in seconds. Assumption values come from
an :class:`lib.core.assumptions.Assumptions`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.core.assumptions import Assumptions
from lib.core.districts import DISTRICTS
from lib.queues.models import chat_efficiency
from lib.traffic.population import volume_growth

CHAT_EFFICIENCY = ("none", "all_chat", "transferred")
SERVICE_TIMES = ("today", "centre")
#: Board label of the pooled national queue in per-district tables.
NATIONAL = "Nasjonalt"
#: Board label of the dedicated national chat pool (chat_model="concurrency", docs/model.md §19).
CHAT_POOL = "Livechat"


@dataclass(frozen=True)
class Effect:
    """A staffing effect of Table 1: S(before) - S(after), in person-years once scaled.

    ``row``: the Table 1 row it is valued in; ``concept``: the Table 1 concept whose step
    it belongs to (it is valued for that concept and every concept building on it).
    """

    name: str
    label: str
    before: str
    after: str
    row: str
    concept: str


@dataclass(frozen=True)
class Saving:
    """How a concept's step saving S(previous) - S(concept) is valued: one effect's name,
    label (Norwegian) and Table 1 row."""

    name: str
    label: str
    row: str


@dataclass(frozen=True)
class Concept:
    """One staffing-model specification (see the module docstring for the fields).

    ``pool_districts``: with ``pooled``, the districts pooled into one board (empty: all);
    the others keep their own boards (every board of a concept is staffed to the concept's
    ``service_time``). ``pool_label``: that board's name in tables.
    ``table1``: a column of Table 1; ``saving``: how its step saving is valued (None for
    base, the intermediate models, and IIb, whose saving :data:`DECOMPOSITIONS` splits).
    """

    name: str
    label: str
    previous: str | None
    call_reduction: bool = False
    chatbot: bool = False
    chat_efficiency: str = "none"
    pooled: bool = False
    service_time: str = "today"
    pool_districts: tuple[str, ...] = ()
    pool_label: str = NATIONAL
    table1: bool = False
    saving: Saving | None = None

    def __post_init__(self) -> None:
        if self.chat_efficiency not in CHAT_EFFICIENCY:
            raise ValueError(f"chat_efficiency={self.chat_efficiency!r}; expected one of {CHAT_EFFICIENCY}")
        if self.service_time not in SERVICE_TIMES:
            raise ValueError(f"service_time={self.service_time!r}; expected one of {SERVICE_TIMES}")
        if self.chat_efficiency == "all_chat" and self.chatbot:
            raise ValueError(f"concept {self.name!r}: 'all_chat' live chat excludes a chatbot")

    @property
    def year_dependent(self) -> bool:
        """True when the concept's channel shares change over the years (chat and chatbot);
        :func:`year_dependent` also counts the volume's growth."""
        return self.chatbot or self.chat_efficiency != "none"


# Table 1 rows of the police's time (the report's labels).
POLITIET_NO = "Spart tid politiet.no"
LIVECHAT = "Spart tid livechat"
CHATBOT = "Spart tid chatbot"
CONTACT_CENTRE = "Spart tid kontaktsenter"

_CONCEPTS = [
    Concept("base", "Basemodell", None),
    Concept(
        "I",
        "Konsept I",
        "base",
        call_reduction=True,
        table1=True,
        saving=Saving("politiet_no", "Spart tid politiet.no", POLITIET_NO),
    ),
    Concept(
        "IIa",
        "Konsept IIa",
        "I",
        call_reduction=True,
        chat_efficiency="all_chat",
        table1=True,
        saving=Saving("livechat_IIa", "Spart tid livechat (IIa)", LIVECHAT),
    ),
    Concept("IIb_chatbot", "Konsept IIb (kun chatbot)", "I", call_reduction=True, chatbot=True),
    Concept("IIb_livechat", "Konsept IIb (kun livechat)", "I", call_reduction=True, chat_efficiency="transferred"),
    Concept("IIb", "Konsept IIb", "I", call_reduction=True, chatbot=True, chat_efficiency="transferred", table1=True),
    Concept(
        "III",
        "Konsept III",
        "IIb",
        call_reduction=True,
        chatbot=True,
        chat_efficiency="transferred",
        pooled=True,
        service_time="centre",
        table1=True,
        saving=Saving("kontaktsenter", "Spart tid kontaktsenter", CONTACT_CENTRE),
    ),
]

#: Every concept by name, in the order tables list them.
CONCEPTS: dict[str, Concept] = {c.name: c for c in _CONCEPTS}


def _iib_split(chatbot: tuple[str, str], livechat: tuple[str, str]) -> tuple[Effect, ...]:
    return (
        Effect("chatbot", "Spart tid chatbot", *chatbot, row=CHATBOT, concept="IIb"),
        Effect("livechat_IIb", "Spart tid livechat (IIb, III)", *livechat, row=LIVECHAT, concept="IIb"),
    )


#: IIb's saving S(I) - S(IIb), split into chatbot and live chat, for each order of the split.
DECOMPOSITIONS: dict[str, tuple[Effect, ...]] = {
    "chatbot_first": _iib_split(chatbot=("I", "IIb_chatbot"), livechat=("IIb_chatbot", "IIb")),
    "livechat_first": _iib_split(chatbot=("IIb_livechat", "IIb"), livechat=("I", "IIb_livechat")),
}


def effects_for(split: str) -> dict[str, Effect]:
    """The effects Table 1 values, by name, in table order, with IIb split in the order
    ``split`` ("chatbot_first" or "livechat_first"): each concept's :class:`Saving`, and
    the split's effects in the place of IIb."""
    try:
        split_effects = DECOMPOSITIONS[split]
    except KeyError:
        raise ValueError(f"iib_split={split!r}; expected one of {', '.join(DECOMPOSITIONS)}") from None
    out: list[Effect] = []
    for c in CONCEPTS.values():
        if c.saving is not None and c.previous is not None:
            out.append(Effect(c.saving.name, c.saving.label, c.previous, c.name, row=c.saving.row, concept=c.name))
        out.extend(e for e in split_effects if e.concept == c.name)
    return {e.name: e for e in out}


def table1_concepts() -> tuple[str, ...]:
    """The concepts that are columns of Table 1, in table order (I, IIa, IIb, III)."""
    return tuple(n for n, c in CONCEPTS.items() if c.table1)


def chain(concept: str | Concept) -> tuple[str, ...]:
    """``concept`` and every concept it builds on, back to the base model, base first."""
    out: list[str] = []
    c: Concept | None = get(concept)
    while c is not None:
        out.append(c.name)
        c = get(c.previous) if c.previous is not None else None
    return tuple(reversed(out))


def get(concept: str | Concept) -> Concept:
    """The :class:`Concept` of a name (or the concept itself)."""
    if isinstance(concept, Concept):
        return concept
    try:
        return CONCEPTS[concept]
    except KeyError:
        raise KeyError(f"unknown concept {concept!r}; known: {', '.join(CONCEPTS)}") from None


# --- Shares over the analysis period ----------------------------------------------------


def _linear(year: int | None, first: float, last: float, a: Assumptions) -> float:
    """Linear interpolation from ``first`` in a.first_year to ``last`` in a.last_year."""
    if year is None:
        raise ValueError("year is required for a year-dependent share")
    if not a.first_year <= year <= a.last_year:
        raise ValueError(f"year={year} is outside the analysis period {a.first_year}-{a.last_year}")
    if a.last_year == a.first_year:
        return float(first)
    value = first + (last - first) * (year - a.first_year) / (a.last_year - a.first_year)
    # Clipped to the path's ends: rounding can otherwise leave the last year a hair outside
    # them (0.907 + (0 - 0.907) x 1 = -1.1e-16, a negative share). np.clip keeps a batch of
    # assumption sets (arrays, lib.valuation.uncertainty) working; for floats it returns a float.
    return np.clip(value, np.minimum(first, last), np.maximum(first, last))


def chat_share(year: int | None, a: Assumptions) -> float:
    """s_y: share of contacts using live chat (IIa) or the chatbot (IIb, III) in ``year``."""
    return _linear(year, a.chat_share_first_year, a.chat_share_last_year, a)


def transfer_share(year: int | None, a: Assumptions) -> float:
    """r_y: share of chatbot contacts transferred to live chat in ``year``."""
    return _linear(year, a.transfer_share_first_year, a.transfer_share_last_year, a)


@dataclass(frozen=True)
class ChannelMix:
    """Contacts by channel per zero-alternative contact of the data year (all by phone).

    ``phone + chatbot_answered + live_chat == remaining`` (the contacts left after the
    politiet.no reduction, x the year's volume growth: 1 unless ``population_growth="on"``).
    ``handled = phone + live_chat`` are the contacts staff answer; ``chat_share_handled`` is the share q of them handled at the chat factor (0 for
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


def year_dependent(concept: str | Concept, a: Assumptions) -> bool:
    """True when ``concept``'s traffic changes over the analysis years under ``a``: its channel
    shares do (:attr:`Concept.year_dependent`), or every concept's volume grows
    (``population_growth="on"``). A year-independent concept is staffed once for all years."""
    return get(concept).year_dependent or a.population_growth == "on"


def channel_mix(concept: str | Concept, year: int | None, a: Assumptions) -> ChannelMix:
    """Contacts by channel of ``concept`` in ``year`` per zero-alternative contact of the data year
    (``year`` None: the data year's volume, for a concept the years do not change)."""
    c = get(concept)
    remaining = (1.0 - a.call_reduction_politiet_no if c.call_reduction else 1.0) * volume_growth(year, a)
    s = chat_share(year, a) if (c.chatbot or c.chat_efficiency != "none") else 0.0
    if c.chatbot:
        r = transfer_share(year, a)
        phone, bot, chat = remaining * (1 - s), remaining * s * (1 - r), remaining * s * r
    elif c.chat_efficiency == "transferred":  # the transferred contacts' live chat, no chatbot
        r = transfer_share(year, a)
        phone, bot, chat = remaining * (1 - s * r), 0.0, remaining * s * r
    else:
        phone, bot, chat = remaining * (1 - s), 0.0, remaining * s
    handled = phone + chat
    # chat <= handled, so a floor on the divisor gives q = 0 where nothing is handled (and
    # works element-wise on a batch of assumption sets)
    q = chat / np.maximum(handled, 1e-300) if c.chat_efficiency != "none" else 0.0
    return ChannelMix(remaining=remaining, phone=phone, chatbot_answered=bot, live_chat=chat, chat_share_handled=q)


def arrival_factor(concept: str | Concept, year: int | None, a: Assumptions) -> float:
    """Contacts on the phone boards per zero-alternative call: the handled contacts,
    ``(1 - reduction) (1 - s_y + s_y r_y)`` for IIb; with a dedicated chat pool
    (:func:`has_chat_pool`) the phone calls alone."""
    m = channel_mix(concept, year, a)
    return m.phone if has_chat_pool(concept, a) else m.handled


def aht_factor(concept: str | Concept, year: int | None, a: Assumptions) -> float:
    """Mean handling time of the phone boards' contacts per phone AHT: ``1 - q + q f``
    (f = :func:`chat_factor`); 1 with a dedicated chat pool (the boards carry calls only)."""
    if has_chat_pool(concept, a):
        return 1.0
    q = channel_mix(concept, year, a).chat_share_handled
    # handling_time_factor (1 unless drawn, issue 24) scales talk + after-call work of every contact
    return (1.0 - q + q * chat_factor(a)) * a.handling_time_factor


# --- Live chat as a queue of its own (docs/model.md §19) -------------------------------------


def has_chat_pool(concept: str | Concept, a: Assumptions) -> bool:
    """True when ``concept``'s live chats go to a dedicated chat pool of their own
    (``chat_model="concurrency"``, ``chat_pool="dedicated"`` and the concept has live chat with
    its efficiency; IIb_chatbot's transferred chats take a phone call's time on the boards)."""
    c = get(concept)
    return a.chat_model == "concurrency" and a.chat_pool == "dedicated" and c.chat_efficiency != "none"


def chat_factor(a: Assumptions) -> float:
    """Agent time of a live chat in the phone queue per phone AHT: the report's
    ``chat_handling_factor`` (proxy), or under ``chat_model="concurrency"`` (blended) the agent
    time a chat takes at full concurrency, ``chat_aht_factor / (k e_k)``: an agent holding k
    chats finishes k e_k of them in the time one takes alone."""
    if a.chat_model == "proxy":
        return a.chat_handling_factor
    e = chat_efficiency(a)
    return a.chat_aht_factor / (len(e) * e[-1])


def chat_arrival_factor(concept: str | Concept, year: int | None, a: Assumptions) -> float:
    """Live chats in the dedicated chat pool per zero-alternative call (0 without one)."""
    return channel_mix(concept, year, a).live_chat if has_chat_pool(concept, a) else 0.0


def chat_traffic(
    concept: str | Concept, rates: pd.DataFrame | BoardHours, year: int | None, a: Assumptions
) -> tuple[np.ndarray, np.ndarray]:
    """The dedicated chat pool's traffic: (chats per hour, handling time per chat at one chat
    per agent, s), arrays of shape (1, hours). The chats follow the phone traffic's hourly
    profile (no published profile of police chat), summed over the districts (one national
    pool); a chat handled alone takes ``chat_aht_factor`` x the hour's phone AHT (the pooled,
    call-weighted mean)."""
    bh = board_hours(rates)
    calls, aht = pool(bh.calls, bh.aht_s)
    return calls * chat_arrival_factor(concept, year, a), aht * a.chat_aht_factor


def phone_share_handled(concept: str | Concept, year: int | None, a: Assumptions) -> float:
    """Share of the handled contacts that are phone calls (the rest is live chat)."""
    m = channel_mix(concept, year, a)
    return m.phone / m.handled if m.handled > 0 else 0.0


def service_time_s(concept: str | Concept, a: Assumptions) -> float:
    """Target answer time in seconds of the concept's service level."""
    c = get(concept)
    return float(a.service_time_centre_s if c.service_time == "centre" else a.service_time_today_s)


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
    def from_rates(cls, rates: pd.DataFrame) -> BoardHours:
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
            raise ValueError(
                f"rates: need exactly one row per district and hour ({n_b} x {n_h}); got {len(rates)} rows"
            )
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


def pool(calls: np.ndarray, aht_s: np.ndarray, members: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pooled queues per hour: summed arrivals, arrival-weighted mean AHT (the load is kept);
    AHT 0 where there is no traffic.

    ``calls``, ``aht_s``: (boards, hours). ``members``: (sets, boards) boolean, one pooled board
    per set (None: one set of every board). Returns two (sets, hours) arrays. The sums run
    board by board in board order, one vectorised pass over all sets each (:mod:`lib.planning.pilot`
    pools all 2 047 sets of the districts at once), so a set gets bitwise the same traffic
    whatever other sets are pooled beside it; a set of one board keeps that board's own
    handling time."""
    members = np.ones((1, calls.shape[0]), dtype=bool) if members is None else np.asarray(members, dtype=bool)
    n_sets, n_hours = members.shape[0], calls.shape[1]
    total = np.zeros((n_sets, n_hours))
    work = np.zeros((n_sets, n_hours))
    for i in range(calls.shape[0]):
        rows = members[:, i : i + 1]
        np.add(total, calls[i], out=total, where=rows)
        np.add(work, calls[i] * aht_s[i], out=work, where=rows)
    aht = np.divide(work, total, out=np.zeros_like(work), where=total > 0)
    single = members.sum(axis=1) == 1
    aht[single] = aht_s[members[single].argmax(axis=1)]
    return total, aht


def _pooled_members(c: Concept, bh: BoardHours) -> np.ndarray:
    """Which of ``bh``'s boards a pooled concept pools (all when ``pool_districts`` is empty)."""
    if not c.pool_districts:
        return np.ones(len(bh.boards), dtype=bool)
    unknown = set(c.pool_districts) - set(bh.boards)
    if unknown:
        raise ValueError(f"concept {c.name!r} pools district(s) {sorted(unknown)} that the rates do not hold")
    return np.isin(np.array(bh.boards, dtype=object), list(c.pool_districts))


def boards_of(concept: str | Concept, rates: pd.DataFrame | BoardHours) -> tuple[str, ...]:
    """The boards of ``concept``, in the row order of :func:`traffic`: the pooled board first
    (when pooled), then the districts that keep their own."""
    c = get(concept)
    bh = board_hours(rates)
    if not c.pooled:
        return bh.boards
    members = _pooled_members(c, bh)
    return (c.pool_label, *(b for b, m in zip(bh.boards, members, strict=True) if not m))


def traffic(
    concept: str | Concept, rates: pd.DataFrame | BoardHours, year: int | None, a: Assumptions
) -> tuple[np.ndarray, np.ndarray]:
    """Offered traffic of ``concept`` in ``year``: (contacts per hour, mean handling time s).

    Arrays of shape (boards, hours), the boards of :func:`boards_of`: the
    :class:`BoardHours` order, or the pooled board followed by the districts left out of
    the pool. The contacts are those staff handle (phone calls + live chats); the handling
    time is the contact-weighted mean of phone AHT and chat AHT.
    """
    c = get(concept)
    bh = board_hours(rates)
    return on_boards(c, bh, bh.calls * arrival_factor(c, year, a), bh.aht_s * aht_factor(c, year, a))


def on_boards(
    concept: str | Concept, bh: BoardHours, calls: np.ndarray, aht_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """District traffic (``bh``'s boards x hours) laid out on ``concept``'s boards
    (:func:`boards_of`): unchanged, or the pooled board first, then the districts left out."""
    c = get(concept)
    if not c.pooled:
        return calls, aht_s
    members = _pooled_members(c, bh)
    pooled_calls, pooled_aht = pool(calls[members], aht_s[members])
    return np.concatenate([pooled_calls, calls[~members]]), np.concatenate([pooled_aht, aht_s[~members]])
