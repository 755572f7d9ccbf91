"""The seam between the staffing model and the queue model of a board-hour.

:mod:`lib.model.staffing` asks one question of a queue model, for arrays of board-hours: how many
agents does each hour need, and what mean wait (speed of answer) do they give? A queue
model is anything with the two methods of :class:`QueueModel`; :func:`queue_model` picks
one by the assumption ``queue_model`` (:class:`lib.core.assumptions.Assumptions`). Erlang C
(:class:`ErlangC`, appendix B's method) is the default; Erlang A (:class:`ErlangA`,
callers hang up after an exponential patience ``patience_s``) plugs in beside it.

Units: contacts per hour, seconds, agents (whole numbers).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from lib.core.assumptions import ERLANG_A, ERLANG_C, SERVICE_LEVEL_BASES, Assumptions
from lib.queues import chat, erlang, erlang_a
from lib.queues.erlang import offered_load


class QueueModel(Protocol):
    """What the staffing model needs of a queue model; arrays of hours broadcast."""

    name: str

    def required_agents(
        self, calls_per_hour: np.ndarray, aht_s: np.ndarray, target_s: float, a: Assumptions
    ) -> np.ndarray:
        """Fewest agents (int64) per hour meeting ``a``'s service level within ``target_s``
        seconds, its occupancy cap and its minimum staffing; only hours with traffic are passed.
        A model with ``warm_start = True`` also takes ``guess=``: agents per hour to start its
        search from (e.g. the answer for nearby traffic), which never changes the answer."""
        ...

    def mean_wait_s(
        self, agents: np.ndarray, calls_per_hour: np.ndarray, aht_s: np.ndarray, a: Assumptions
    ) -> np.ndarray:
        """Mean wait in seconds (speed of answer of the calls answered) per hour with ``agents`` agents."""
        ...

    def answered_share(
        self, agents: np.ndarray, calls_per_hour: np.ndarray, aht_s: np.ndarray, a: Assumptions
    ) -> np.ndarray:
        """Share of the offered calls answered per hour with ``agents`` agents (1 where nobody
        hangs up)."""
        ...

    def service_level(
        self,
        agents: np.ndarray,
        calls_per_hour: np.ndarray,
        aht_s: np.ndarray,
        target_s: float,
        a: Assumptions,
        basis: str,
    ) -> np.ndarray:
        """The model's own share answered within ``target_s`` seconds per hour with ``agents``
        agents, among the offered calls (``basis="offered"``) or the answered ones (``"answered"``)."""
        ...


class ErlangC:
    """Erlang C (M/M/n, nobody hangs up): :mod:`lib.queues.erlang`."""

    name = ERLANG_C

    def required_agents(
        self, calls_per_hour: np.ndarray, aht_s: np.ndarray, target_s: float, a: Assumptions
    ) -> np.ndarray:
        return np.asarray(
            erlang.required_agents(
                calls_per_hour,
                aht_s,
                a.service_level_target,
                target_s,
                max_occupancy=a.max_occupancy,
                min_agents=a.min_agents,
            )
        )

    def mean_wait_s(
        self, agents: np.ndarray, calls_per_hour: np.ndarray, aht_s: np.ndarray, a: Assumptions
    ) -> np.ndarray:
        return np.asarray(erlang.average_speed_of_answer(agents, offered_load(calls_per_hour, aht_s), aht_s))

    def answered_share(
        self, agents: np.ndarray, calls_per_hour: np.ndarray, aht_s: np.ndarray, a: Assumptions
    ) -> np.ndarray:
        return np.ones(np.broadcast_shapes(np.shape(agents), np.shape(calls_per_hour), np.shape(aht_s)))

    def service_level(
        self,
        agents: np.ndarray,
        calls_per_hour: np.ndarray,
        aht_s: np.ndarray,
        target_s: float,
        a: Assumptions,
        basis: str,
    ) -> np.ndarray:
        _check_basis(basis)  # nobody hangs up: the two bases agree
        return np.asarray(erlang.service_level(agents, offered_load(calls_per_hour, aht_s), aht_s, target_s))


class ErlangA:
    """Erlang A (M/M/n+M: exponential patience ``a.patience_s``): :mod:`lib.queues.erlang_a`. The
    service level is counted on ``a.service_level_basis`` (answered or offered calls); the
    occupancy cap on the carried load."""

    name = ERLANG_A
    #: takes ``guess=`` in :meth:`required_agents` (its search starts there, and verifies n and n − 1)
    warm_start = True

    @staticmethod
    def _patience(a: Assumptions) -> float:
        if a.patience_s <= 0:
            raise ValueError(
                "queue_model='erlang_a' needs patience_s, the callers' mean patience (s): fit it from the log "
                "(lib.traffic.patience.model_patience_s, notebook 05) and set it"
            )
        return a.patience_s

    def required_agents(
        self,
        calls_per_hour: np.ndarray,
        aht_s: np.ndarray,
        target_s: float,
        a: Assumptions,
        guess: np.ndarray | None = None,
    ) -> np.ndarray:
        patience = self._patience(a)
        agents = np.asarray(
            erlang_a.required_agents(
                calls_per_hour,
                aht_s,
                patience,
                a.service_level_target,
                target_s,
                max_occupancy=a.max_occupancy,
                min_agents=a.min_agents,
                basis=a.service_level_basis,
                guess=guess,
            )
        )
        if a.service_level_basis == "answered":
            agents = _cap_abandonment(agents, calls_per_hour, aht_s, patience, a.max_abandonment)
        return agents

    def mean_wait_s(
        self, agents: np.ndarray, calls_per_hour: np.ndarray, aht_s: np.ndarray, a: Assumptions
    ) -> np.ndarray:
        load = offered_load(calls_per_hour, aht_s)
        return np.asarray(erlang_a.average_speed_of_answer(agents, load, aht_s, self._patience(a)))

    def answered_share(
        self, agents: np.ndarray, calls_per_hour: np.ndarray, aht_s: np.ndarray, a: Assumptions
    ) -> np.ndarray:
        load = offered_load(calls_per_hour, aht_s)
        return 1.0 - np.asarray(erlang_a.abandon_probability(agents, load, aht_s, self._patience(a)), dtype=float)

    def service_level(
        self,
        agents: np.ndarray,
        calls_per_hour: np.ndarray,
        aht_s: np.ndarray,
        target_s: float,
        a: Assumptions,
        basis: str,
    ) -> np.ndarray:
        _check_basis(basis)
        level = erlang_a.service_level if basis == "offered" else erlang_a.answered_service_level
        return np.asarray(level(agents, offered_load(calls_per_hour, aht_s), aht_s, self._patience(a), target_s))


def _cap_abandonment(
    agents: np.ndarray, calls_per_hour: np.ndarray, aht_s: np.ndarray, patience_s: float, cap: float
) -> np.ndarray:
    """``agents`` raised, hour by hour, until Erlang A's predicted share of hang-ups is at most
    ``cap`` (the answered basis's guard rail, ``max_abandonment``). Each pass adds one agent to
    every hour still above the cap (vectorised over the hours); the share falls below any cap
    > 0 within about load + a few agents."""
    shape = np.broadcast_shapes(np.shape(agents), np.shape(calls_per_hour), np.shape(aht_s))
    n = np.array(np.broadcast_to(agents, shape), dtype=np.int64).ravel()
    aht = np.broadcast_to(aht_s, shape).ravel()
    load = offered_load(np.broadcast_to(calls_per_hour, shape).ravel(), aht)

    def above(idx: np.ndarray) -> np.ndarray:
        return idx[np.asarray(erlang_a.abandon_probability(n[idx], load[idx], aht[idx], patience_s)) > cap]

    todo = above(np.flatnonzero(load > 0))
    while todo.size:  # one more agent in every hour still above the cap
        n[todo] += 1
        todo = above(todo)
    return n.reshape(shape)


def _check_basis(basis: str) -> None:
    if basis not in SERVICE_LEVEL_BASES:
        raise ValueError(f"basis must be one of {SERVICE_LEVEL_BASES}; got {basis!r}")


#: The assumptions a phone queue model reads (:class:`ErlangC`, :class:`ErlangA`, and
#: :func:`queue_model` the model's name): what the staffing of a board-hour depends on besides
#: its traffic and target time. :class:`lib.model.engine.Engine` keys its results on them; a
#: test checks the models read no other.
SOLVE_SETTINGS: tuple[str, ...] = (
    "queue_model",
    "service_level_target",
    "max_occupancy",
    "min_agents",
    "patience_s",
    "service_level_basis",
    "max_abandonment",
)


def solve_settings(a: Assumptions) -> tuple:
    """The values of :data:`SOLVE_SETTINGS` in ``a``."""
    return tuple(getattr(a, name) for name in SOLVE_SETTINGS)


#: Queue models by the name the assumption ``queue_model`` gives (the names live once, in
#: :data:`lib.core.assumptions.QUEUE_MODELS`; a test checks the two agree).
REGISTRY: dict[str, QueueModel] = {m.name: m for m in (ErlangC(), ErlangA())}


def queue_model(a: Assumptions) -> QueueModel:
    """The queue model ``a.queue_model`` names."""
    return REGISTRY[a.queue_model]


def required_agents(
    calls_per_hour: np.ndarray,
    aht_s: np.ndarray,
    target_s: float,
    a: Assumptions,
    guess: np.ndarray | None = None,
) -> np.ndarray:
    """Agents (int64) for arrays of board-hours under ``a``'s queue model, without the mean
    wait (which costs about as much again). Hours without traffic get 0 agents; only the
    others reach the queue model. ``guess`` (broadcast to ``calls_per_hour``): where a
    warm-starting model's search starts (:meth:`QueueModel.required_agents`; others ignore
    it); never changes the answer."""
    model = queue_model(a)
    busy = calls_per_hour > 0
    warm: dict[str, np.ndarray] = {}
    if guess is not None and getattr(model, "warm_start", False):
        warm["guess"] = np.broadcast_to(guess, calls_per_hour.shape)
    if busy.all():
        return np.asarray(model.required_agents(calls_per_hour, aht_s, target_s, a, **warm), dtype=np.int64)
    agents = np.zeros(calls_per_hour.shape, dtype=np.int64)
    warm = {k: v[busy] for k, v in warm.items()}
    agents[busy] = model.required_agents(calls_per_hour[busy], aht_s[busy], target_s, a, **warm)
    return agents


def needs_more(
    agents: np.ndarray, calls_per_hour: np.ndarray, aht_s: np.ndarray, target_s: float, a: Assumptions
) -> np.ndarray:
    """Whether each board-hour needs more than ``agents`` agents under ``a``'s queue model:
    exactly ``required_agents(calls_per_hour, aht_s, target_s, a) > agents`` (a test holds the two
    together). Erlang A answers it with one evaluation of the target (the abandonment cap
    of the answered basis on the same evaluation) instead of a search, which the staffing surrogate's step curves
    (:func:`lib.model.engine.step_curve`) ask tens of times per step; Erlang C searches."""
    agents = np.asarray(agents)
    if not isinstance(queue_model(a), ErlangA):
        return required_agents(calls_per_hour, aht_s, target_s, a) > agents
    patience = ErlangA._patience(a)
    meets = erlang_a.meets_target(
        agents,
        calls_per_hour,
        aht_s,
        patience,
        a.service_level_target,
        target_s,
        max_occupancy=a.max_occupancy,
        basis=a.service_level_basis,
        max_abandonment=a.max_abandonment if a.service_level_basis == "answered" else None,
    )
    return ~meets | (agents < a.min_agents) & (calls_per_hour > 0)


def solve(
    calls_per_hour: np.ndarray, aht_s: np.ndarray, target_s: float, a: Assumptions
) -> tuple[np.ndarray, np.ndarray]:
    """Agents (int64, :func:`required_agents`) and mean wait (s) for arrays of board-hours
    under ``a``'s queue model; hours without traffic get 0 agents and 0 s."""
    agents = required_agents(calls_per_hour, aht_s, target_s, a)
    busy = calls_per_hour > 0
    wait = np.zeros(calls_per_hour.shape)
    wait[busy] = queue_model(a).mean_wait_s(agents[busy], calls_per_hour[busy], aht_s[busy], a)
    return agents, wait


# --- The chat pool (chat_model="concurrency", chat_pool="dedicated"; docs/model.md §19) ----------


def chat_efficiency(a: Assumptions) -> tuple[float, ...]:
    """e_1..e_k of the chat pool: e_j = (1 - chat_efficiency_decline)^(j - 1), k = chat_concurrency."""
    return tuple((1.0 - a.chat_efficiency_decline) ** j for j in range(a.chat_concurrency))


def chat_queue_patience_s(a: Assumptions) -> float:
    """The chat queue's patience (s): silent abandoners (``chat_silent_abandon_share`` of those who
    leave) stay in the queue as far as the pool knows, so only the others leave it:
    ``chat_patience_s / (1 - chat_silent_abandon_share)``."""
    return a.chat_patience_s / (1.0 - a.chat_silent_abandon_share)


def chat_required_agents(chats_per_hour: np.ndarray, aht_s: np.ndarray, a: Assumptions) -> np.ndarray:
    """Chat agents (int64) per hour of a dedicated chat pool: :func:`lib.queues.chat.required_agents`
    at ``a``'s chat target, k, efficiencies and patience, the occupancy cap ``max_occupancy`` on the
    share of chat slots in use, ``min_agents`` in every hour with chats, the service level counted on
    ``service_level_basis``; 0 in hours without chats (``aht_s`` > 0 where there are chats)."""
    chats, aht = np.broadcast_arrays(np.asarray(chats_per_hour, dtype=float), np.asarray(aht_s, dtype=float))
    out = np.zeros(chats.shape, dtype=np.int64)
    busy = chats > 0
    if busy.any():
        out[busy] = chat.required_agents(
            chats[busy],
            aht[busy],
            chat_queue_patience_s(a),
            a.chat_service_level_target,
            a.chat_service_time_s,
            max_chats=a.chat_concurrency,
            efficiency=chat_efficiency(a),
            max_occupancy=a.max_occupancy,
            min_agents=a.min_agents,
            basis=a.service_level_basis,
        )
    return out


def chat_mean_wait_s(agents: np.ndarray, chats_per_hour: np.ndarray, aht_s: np.ndarray, a: Assumptions) -> np.ndarray:
    """Mean wait (s) of the answered chats per hour with ``agents`` chat agents; 0 without chats."""
    agents, chats, aht = np.broadcast_arrays(
        agents, np.asarray(chats_per_hour, dtype=float), np.asarray(aht_s, dtype=float)
    )
    out = np.zeros(chats.shape)
    busy = chats > 0
    if busy.any():
        out[busy] = chat.average_speed_of_answer(
            agents[busy],
            chats[busy],
            aht[busy],
            chat_queue_patience_s(a),
            max_chats=a.chat_concurrency,
            efficiency=chat_efficiency(a),
        )
    return out
