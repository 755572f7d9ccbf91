"""The one home of every assumption of the analysis: :class:`Assumptions`.

Each assumption is one field of a frozen, keyword-only dataclass, with its default (the
report's value, or this project's choice where the report is silent), unit, source (the
report section, or "project choice") and note as field metadata, and the range it must
lie in. Building an :class:`Assumptions` checks every field: a value of the wrong type or
out of range raises a :class:`ValueError` that names the field, the value and the allowed
range. ``Assumptions()`` is the report's analysis; ``Assumptions().replace(**overrides)``
an override of it; :meth:`Assumptions.table` the values in force beside the defaults, to
print wherever they are used. Every function of ``lib`` that needs an assumption takes an
``Assumptions`` (typed, so mypy checks every access) or the plain value: there are no
hidden defaults.

Published *results* of the report (Table 1, the 2023 facts of appendix A.1) are not
assumptions: they live in :data:`PUBLISHED` and :data:`TABLE1_PUBLISHED` and are used only
as the column a reproduced value is compared against, never as an input to a computation.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from lib.core.districts import DISTRICTS

#: Columns of :meth:`Assumptions.table`.
TABLE_COLUMNS = ["assumption", "value", "unit", "source", "report_value", "overridden"]
#: Choices of the queue model behind :mod:`lib.queues.models` (Erlang C is the report's method).
#: The queue models the staffing model may use (the seam's registry, :mod:`lib.queues.models`,
#: is keyed by these names).
ERLANG_C, ERLANG_A = "erlang_c", "erlang_a"
QUEUE_MODELS = (ERLANG_C, ERLANG_A)
SERVICE_LEVEL_BASES = ("answered", "offered")
IIB_SPLITS = ("chatbot_first", "livechat_first")
III_WAIT_REDUCTIONS = ("observed", "model", "scaled")
#: The readings of III's shorter wait as a reader meets them (tornado chart, workbook): the
#: observed wait, the model's ASA, the observed wait scaled as the model's.
III_WAIT_LABELS = {"observed": "observert", "model": "modellens", "scaled": "skalert"}
TAX_FINANCING = ("off", "on")
#: How model agent-hours become person-years (docs/model.md §5): the report's relative reading
#: (today's person-years / the base model's agent-hours) or today's person-years / the agent-hours
#: today's observed service implies (notebook 05, lib.model.implied).
SCALINGS = ("relative", "implied")
POPULATION_GROWTH = ("off", "on")
ARRIVAL_MODELS = ("glm", "empirical")
#: How live chat is staffed (docs/model.md §19): the report's proxy (chats in the phone queue at
#: ``chat_handling_factor`` x AHT) or the chat pool's own queue model (lib.queues.chat).
CHAT_MODELS = ("proxy", "concurrency")
#: Under ``chat_model="concurrency"``: chat agents of their own, or the phone agents take the chats too.
CHAT_POOLS = ("dedicated", "blended")


@dataclass(frozen=True)
class Bounds:
    """The range a numeric assumption must lie in (``None``: unbounded on that side)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def contains(self, x: float) -> bool:
        """True when ``x`` lies in the range."""
        if self.low is not None and (x < self.low or (self.low_open and x == self.low)):
            return False
        return not (self.high is not None and (x > self.high or (self.high_open and x == self.high)))

    def __str__(self) -> str:
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"{'(' if self.low_open or self.low is None else '['}{lo}, {hi}{')' if self.high_open or self.high is None else ']'}"


SHARE = Bounds(0.0, 1.0)
NON_NEGATIVE = Bounds(0.0)
POSITIVE = Bounds(0.0, low_open=True)
YEAR = Bounds(2000, 2100)


#: The stage of the chain an assumption enters first: a change re-runs that stage and
#: everything after it (cleaning -> rates -> staffing -> valuation).
STAGES = ("cleaning", "rates", "staffing", "valuation")


def _a(
    default: Any,
    unit: str,
    source: str,
    note: str = "",
    *,
    bounds: Bounds | None = None,
    choices: tuple[str, ...] | None = None,
    stage: str = "valuation",
) -> Any:
    """A field of :class:`Assumptions` with its metadata."""
    assert stage in STAGES, stage
    meta = {"unit": unit, "source": source, "note": note, "bounds": bounds, "choices": choices, "stage": stage}
    return field(default=default, metadata=meta)


@dataclass(frozen=True, kw_only=True)
class Assumptions:
    """Every assumption of the analysis, checked when built (see the module docstring).

    Units are in each field's metadata (``Assumptions.describe()`` lists them): years,
    seconds, shares 0-1, person-years, NOK and MNOK.
    """

    # --- Analysis frame (§5.2.1) -----------------------------------------------------
    first_year: int = _a(
        2026, "year", "§5.2.1", "first year of the analysis period, discounted as year 0", bounds=YEAR, stage="staffing"
    )
    last_year: int = _a(2033, "year", "§5.2.1", "last year of the analysis period", bounds=YEAR, stage="staffing")
    data_year: int = _a(
        2023, "year", "App. B", "year of the call log the staffing model is fitted on", bounds=YEAR, stage="cleaning"
    )
    hours_per_person_year: int = _a(1400, "hours per person-year", "§5.2.1", bounds=POSITIVE, stage="staffing")
    cost_per_person_year_nok: float = _a(
        1_177_900.0,
        "NOK per person-year (2023 NOK, constant real)",
        "§5.2.1",
        "civilian adviser; also used for the savings in staffing, as Table 1 does",
        bounds=NON_NEGATIVE,
    )
    leisure_value_per_person_year_nok: float = _a(
        473_000.0,
        "NOK per person-year (2023 NOK)",
        "§5.2.1",
        "net average wage; per hour = this / hours_per_person_year = 337.857 NOK/h",
        bounds=NON_NEGATIVE,
    )
    discount_rate: float = _a(0.04, "per year, real", "§5.2.1", bounds=Bounds(0.0, 1.0, high_open=True))
    investment_year: int = _a(
        2026,
        "year",
        "project choice (docs/model.md §12)",
        "the report does not date the investments; they fall in the first year, undiscounted",
        bounds=YEAR,
    )
    # --- Call volume (§5.2.2.1, A.1) -------------------------------------------------
    registered_calls_2023: int = _a(
        1_765_909,
        "calls per year",
        "A.1, Tabell A.2",
        "switchboards excl. Trøndelag + all OPS 02800 calls",
        bounds=NON_NEGATIVE,
    )
    trondelag_switchboard_calls_2023: int = _a(
        90_000,
        "calls per year",
        "A.1, fn 21",
        "missing from the log (system change); added to get the ≈ 1.85 million of §5.2.2.1",
        bounds=NON_NEGATIVE,
    )
    # --- Citizen time (§5.2.2.1, §6.2.2.2) -------------------------------------------
    citizen_minutes_per_call: float = _a(
        5.0, "minutes per phone call", "§5.2.2.1, fn 11", "waiting + talk + ≈ 1.5 min preparation", bounds=NON_NEGATIVE
    )
    preparation_minutes_per_call: float = _a(1.5, "minutes per phone call", "§5.2.2.1, fn 11", bounds=NON_NEGATIVE)
    citizen_minutes_per_chatbot_contact: float = _a(3.0, "minutes per chatbot contact", "§6.2.2.2", bounds=NON_NEGATIVE)
    citizen_extra_minutes_transfer: float = _a(
        2.0,
        "minutes per transferred contact",
        "§6.2.2.2",
        "added when the chatbot transfers to live chat",
        bounds=NON_NEGATIVE,
    )
    # --- Concepts (chapters 5-7) -----------------------------------------------------
    call_reduction_politiet_no: float = _a(
        0.10,
        "share of calls",
        "§5.2.2.1",
        "permanent reduction from a better politiet.no (concept I)",
        bounds=SHARE,
        stage="staffing",
    )
    chat_share_first_year: float = _a(
        0.25,
        "share of contacts",
        "§6.2.1.1, §6.2.2.1",
        "s_y in the first year; rises linearly",
        bounds=SHARE,
        stage="staffing",
    )
    chat_share_last_year: float = _a(
        0.50, "share of contacts", "§6.2.1.1, §6.2.2.1", "s_y in the last year", bounds=SHARE, stage="staffing"
    )
    transfer_share_first_year: float = _a(
        0.30,
        "share of chatbot contacts",
        "§6.2.2.1",
        "r_y in the first year: chatbot contacts transferred to live chat; falls linearly",
        bounds=SHARE,
        stage="staffing",
    )
    transfer_share_last_year: float = _a(
        0.20, "share of chatbot contacts", "§6.2.2.1", "r_y in the last year", bounds=SHARE, stage="staffing"
    )
    chat_handling_factor: float = _a(
        0.51,
        "live-chat handling time / phone handling time",
        "§6.2.1.1, App. B",
        "ContactBabel (2023): a chat needs 51 % of a call's resources",
        bounds=Bounds(0.0, 2.0, low_open=True),
        stage="staffing",
    )
    iib_split: str = _a(
        "chatbot_first",
        "order",
        "project choice (the report is silent)",
        "order of splitting IIb's saving S(I) - S(IIb) into chatbot and live chat",
        choices=IIB_SPLITS,
        stage="staffing",
    )
    iii_wait_reduction: str = _a(
        "observed",
        "baseline",
        "project choice, §7.2.1.2",
        "III's shorter wait measured from today's observed mean wait in the log "
        "(the report's ≈ 50 s), from the model's ASA of IIb ('model'), or from today's observed wait to the "
        "observed wait scaled as the model's waits scale ('scaled': W_III = W_observed × ASA_III / ASA_base, "
        "the reading consistent with the relatively scaled person-years; docs/model.md §12)",
        choices=III_WAIT_REDUCTIONS,
    )
    # --- Staffing model (appendix B) -------------------------------------------------
    queue_model: str = _a(
        "erlang_c",
        "model",
        "App. B",
        "queue model of each board-hour (lib.queues.models)",
        choices=QUEUE_MODELS,
        stage="staffing",
    )
    patience_s: float = _a(
        0.0,
        "seconds (mean time a caller waits before hanging up)",
        "fitted from the log (notebook 05, lib.traffic.patience)",
        "exponential patience of Erlang A (queue_model='erlang_a'); 0 = not set: notebook 05 fits it from the "
        "abandoned and answered calls of the log and sets it",
        bounds=NON_NEGATIVE,
        stage="staffing",
    )
    service_level_basis: str = _a(
        "offered",
        "basis",
        "project choice, A.1",
        "under Erlang A, the target share of calls answered within the target time is counted among all "
        "offered calls, abandoned ones counting as late ('offered', the default: a caller who hangs up was not "
        "served), or among the answered calls only ('answered', as A.1 measures today's 80 % within 95 s; it "
        "rewards hang-ups, so it is capped by max_abandonment)",
        choices=SERVICE_LEVEL_BASES,
        stage="staffing",
    )
    max_abandonment: float = _a(
        0.10,
        "share of offered calls",
        "project choice",
        "under Erlang A with service_level_basis='answered', the largest predicted share of callers who hang "
        "up that a board-hour's staffing may leave (without it the answered basis staffs thin and lets callers "
        "leave: 13 % of them on the base plan); no effect on the offered basis or on Erlang C",
        bounds=Bounds(0.0, 1.0, low_open=True),
        stage="staffing",
    )
    arrival_model: str = _a(
        "glm",
        "model",
        "project choice",
        "hourly rates from the Poisson log-linear fit (glm) or the raw counts (empirical)",
        choices=ARRIVAL_MODELS,
        stage="rates",
    )
    min_answered_per_cell: int = _a(
        30,
        "answered calls",
        "project choice",
        "fewest answered calls for an hour type's own handling time",
        bounds=Bounds(1),
        stage="rates",
    )
    after_call_work_s: float = _a(30.0, "seconds per handled contact", "App. B", bounds=NON_NEGATIVE, stage="rates")
    max_occupancy: float = _a(
        0.80, "offered load / agents, per hour", "App. B", bounds=Bounds(0.0, 1.0, low_open=True), stage="staffing"
    )
    service_level_target: float = _a(
        0.80,
        "share answered within the target time",
        "App. B, A.1",
        bounds=Bounds(0.0, 1.0, low_open=True, high_open=True),
        stage="staffing",
    )
    service_time_today_s: float = _a(
        95.0, "seconds", "App. B, A.1", "today's level: base, I, IIa, IIb", bounds=NON_NEGATIVE, stage="staffing"
    )
    service_time_centre_s: float = _a(
        20.0,
        "seconds",
        "§7.2.1.1, App. B",
        "industry standard (Koole 2013): III",
        bounds=NON_NEGATIVE,
        stage="staffing",
    )
    min_agents: int = _a(
        1,
        "agents per open board per hour",
        "project choice, §7.2.1.1",
        "each board staffs at least one agent in every hour with expected traffic; Erlang C "
        "needs more agents than the load anyway, so 1 only documents the floor and 2 raises it",
        bounds=NON_NEGATIVE,
        stage="staffing",
    )
    actual_person_years: float = _a(
        90.0,
        "person-years",
        "App. B, A.1.1",
        "today's actual 02800 staffing (≈ 55 switchboard + ≈ 37.6 OPS)",
        bounds=POSITIVE,
        stage="staffing",
    )
    population_growth: str = _a(
        "off",
        "option",
        "project choice (issue 24); SSB table 14288 (2024, MMMM), lib.traffic.population",
        "'off' (the report): every year has the data year's volume apart from the concepts' channel shifts; "
        "'on': each year's volume (staffing model and valuation alike) grows as the modelled districts' "
        "population does from the data year (persons on 1 January), x population_growth_scale",
        choices=POPULATION_GROWTH,
        stage="staffing",
    )
    population_growth_scale: float = _a(
        1.0,
        "share of the projected growth",
        "project choice (issue 24)",
        "under population_growth='on', the share of SSB's projected growth that happens (1 = the main "
        "alternative MMMM); the Monte Carlo draws it",
        bounds=Bounds(0.0, 3.0),
        stage="staffing",
    )
    scaling: str = _a(
        "relative",
        "reading",
        "App. B; project choice (issue 24)",
        "'relative' (the report): person-years = actual_person_years x S / S_base, S_base the base model's "
        "agent-hours; 'implied': actual_person_years x S / implied_agent_hours, today's person-years per "
        "agent-hour the log's service implies (an absolute reading; with Erlang A only, whose agent-hours "
        "are comparable with those implied)",
        choices=SCALINGS,
        stage="staffing",
    )
    implied_agent_hours: float = _a(
        0.0,
        "agent-hours per year",
        "estimated from the log (notebook 05, lib.model.implied)",
        "the staffing today's observed service implies, summed over the modelled districts' board-hours of "
        "the data year; 0 = not set (scaling='implied' then refuses to run): notebook 06 reads notebook 05's",
        bounds=NON_NEGATIVE,
        stage="staffing",
    )
    excluded_districts: tuple[str, ...] = _a(
        ("Trøndelag",),
        "districts",
        "App. B",
        "no comparable data; kept in the cleaned log but out of the model",
        stage="cleaning",
    )
    outlier_threshold_s: float = _a(
        1800.0,
        "seconds of talk time or of access time",
        "App. B",
        "calls with talk or access time over 30 minutes are outliers and removed in cleaning",
        bounds=POSITIVE,
        stage="cleaning",
    )
    # --- Live chat as a queue of its own (issue 26; docs/model.md §19) --------------------
    chat_model: str = _a(
        "proxy",
        "model",
        "App. B (proxy); project choice (concurrency)",
        "'proxy': chats join the phone queue at chat_handling_factor x AHT, as the report does; "
        "'concurrency': chats are staffed by the chat pool's own model (lib.queues.chat), agents holding "
        "up to chat_concurrency chats",
        choices=CHAT_MODELS,
        stage="staffing",
    )
    chat_pool: str = _a(
        "dedicated",
        "pool",
        "project choice (docs/model.md §19)",
        "under chat_model='concurrency': 'dedicated' = one national chat team of its own (chat is not tied to a "
        "district, and the report plans live chat as one national service, §6.2.3.2), staffed by the chat model "
        "to its own target; 'blended' = the phone agents take the chats too, approximated as chats in the phone "
        "queue at the agent time a chat takes at full concurrency (chat_aht_factor / (k x e_k) x AHT), to the "
        "phone target",
        choices=CHAT_POOLS,
        stage="staffing",
    )
    chat_concurrency: int = _a(
        2,
        "chats an agent holds at most (k)",
        "App. B; Tezcan & Zhang (2014)",
        "App. B reads the 51 % proxy as an agent serving about two chats at once; chat centres typically "
        "allow 2-3 (Tezcan & Zhang 2014, Long, Tezcan & Zhang 2024)",
        bounds=Bounds(1, 6),
        stage="staffing",
    )
    chat_efficiency_decline: float = _a(
        0.15,
        "share of speed lost per extra chat held (δ)",
        "project choice after Tezcan & Zhang (2014), Long, Tezcan & Zhang (2024)",
        "an agent holding j chats works on each at e_j = (1 - δ)^(j - 1) of full speed: each chat goes "
        "slower the more the agent holds (the cited studies find such a slowdown; δ = 0.15 is this project's "
        "reading, not their estimate)",
        bounds=Bounds(0.0, 1.0, high_open=True),
        stage="staffing",
    )
    chat_aht_factor: float = _a(
        1.0,
        "chat handling time at one chat per agent / phone AHT of the hour",
        "project choice (no published handling time of police chats)",
        "a chat handled alone takes the agent time of the call it replaces; Comm100's benchmarks (mean chat "
        "duration 8 min 50 s in 2025, 11 min 53 s in 2019, agents holding several chats) are longer than "
        "02800's ≈ 3 min calls; the break-even (notebook 04) shows which factor matches the 51 % proxy",
        bounds=Bounds(0.0, 5.0, low_open=True),
        stage="staffing",
    )
    chat_patience_s: float = _a(
        600.0,
        "seconds (mean time a chat customer waits before leaving)",
        "project choice (Castellanos, Yom-Tov & Goldberg 2023: text customers wait minutes)",
        "exponential patience of the chat pool; longer than the callers' (≈ 230-340 s fitted on the log, "
        "notebook 05), as a chat customer can do other things while waiting",
        bounds=POSITIVE,
        stage="staffing",
    )
    chat_silent_abandon_share: float = _a(
        0.695,
        "share of abandoning chat customers who leave silently",
        "Castellanos, Yom-Tov & Goldberg (2023), 33 companies",
        "a silent abandoner stays in the queue as far as the pool knows and takes a slot when answered: "
        "the queue's patience becomes chat_patience_s / (1 - share), and such a chat costs a chat's work "
        "(an upper bound: the agent gives up on it sooner)",
        bounds=Bounds(0.0, 1.0, high_open=True),
        stage="staffing",
    )
    chat_service_level_target: float = _a(
        0.80,
        "share of chats answered within chat_service_time_s",
        "project choice (as the phone target)",
        bounds=Bounds(0.0, 1.0, low_open=True, high_open=True),
        stage="staffing",
    )
    chat_service_time_s: float = _a(
        60.0,
        "seconds to the first answer",
        "project choice (chat benchmarks aim at a first response within 30-90 s)",
        bounds=NON_NEGATIVE,
        stage="staffing",
    )
    # --- Plausibility of the input (lib.calllog.plausibility; warnings, never a stop) --------
    plausible_volume_low: float = _a(
        0.5,
        "share of registered_calls_2023",
        "project choice around Tabell A.2's 1 765 909 calls",
        "fewest rows read, as a share of registered_calls_2023, for a log that looks like a year of 02800 calls",
        bounds=SHARE,
        stage="cleaning",
    )
    plausible_volume_high: float = _a(
        1.5,
        "share of registered_calls_2023",
        "project choice around Tabell A.2's 1 765 909 calls",
        "most rows read, as a share of registered_calls_2023, for a log that looks like a year of 02800 calls",
        bounds=Bounds(1.0),
        stage="cleaning",
    )
    max_quarantined_share: float = _a(
        0.01,
        "share of rows read",
        "project choice",
        "largest share of the rows read that may be quarantined (on_invalid='quarantine') before the log "
        "is flagged as implausible",
        bounds=SHARE,
        stage="cleaning",
    )
    # --- Today's resources (A.1.1) ---------------------------------------------------
    switchboard_person_years: float = _a(55.0, "person-years", "A.1.1", bounds=NON_NEGATIVE)
    ops_person_years: float = _a(37.6, "person-years", "A.1.1", "OPS time on 02800 calls", bounds=NON_NEGATIVE)
    ops_hours_per_person_year: float = _a(1104.0, "hours per person-year", "A.1.1 (POD 2020, p. 46)", bounds=POSITIVE)
    ops_cost_per_person_year_nok: float = _a(
        55.6e6 / 37.6,
        "NOK per person-year",
        "A.1.1, fn 27",
        "police average rate, implied by 37.6 person-years ≈ 55.6 MNOK",
        bounds=NON_NEGATIVE,
    )
    police_minutes_per_answered_call: float = _a(
        5.0,
        "minutes per answered call",
        "A.1.1",
        "switchboard work per answered call, incl. time outside the conversation",
        bounds=NON_NEGATIVE,
    )
    # --- Costs of the concepts (§5.2.3, §6.2.3, §7.2.2) ------------------------------
    concept_i_running_person_years: float = _a(4.0, "person-years per year", "§5.2.3.2", bounds=NON_NEGATIVE)
    live_chat_investment_mnok: float = _a(4.0, "MNOK", "§6.2.3.1", bounds=NON_NEGATIVE)
    chat_running_person_years: float = _a(
        3.0,
        "person-years per year",
        "§6.2.3.2, §6.2.3.5",
        "the same 3 person-years run live chat alone or chatbot + live chat",
        bounds=NON_NEGATIVE,
    )
    live_chat_licence_mnok_per_year: float = _a(1.0, "MNOK per year", "§6.2.3.2", bounds=NON_NEGATIVE)
    chatbot_investment_mnok: float = _a(
        10.0,
        "MNOK",
        "§6.2.3.4",
        "Table 1 shows 10 for IIb, not 4 + 10: the chatbot investment includes live chat",
        bounds=NON_NEGATIVE,
    )
    chatbot_licence_mnok_per_year: float = _a(
        6.0,
        "MNOK per year",
        "§6.2.3.5",
        "replaces the live-chat licence (Table 1: 100 = 33 + (3 × 1.1779 + 6) × 7.002)",
        bounds=NON_NEGATIVE,
    )
    contact_centre_investment_mnok: float = _a(
        8.0, "MNOK", "§7.2.2.1", "as stated; the listed staff composition would cost more", bounds=NON_NEGATIVE
    )
    atb_nok_per_person_year: float = _a(
        40_000.0,
        "NOK per person-year per year",
        "§7.2.2.2",
        "ATB allowance on every person-year of the contact centre (2024 NOK, taken as given)",
        bounds=NON_NEGATIVE,
    )

    # --- Uncertainty and options beyond the report (issue 24; docs/model.md §14) ------------
    handling_time_factor: float = _a(
        1.0,
        "factor on the handling time (talk + after-call work) of every board-hour",
        "project choice, App. B",
        "1 = the log's talk time + after_call_work_s; the Monte Carlo draws it (the after-call work's 30 s is "
        "not measured, App. B), the staffing model multiplies every handling time by it",
        bounds=Bounds(0.5, 1.5),
        stage="staffing",
    )
    tax_financing_cost: str = _a(
        "off",
        "option",
        "project choice; DFØ, Veileder i samfunnsøkonomiske analyser (2023)",
        "the report adds no tax-financing cost; 'on' counts tax_financing_share of the net change in public "
        "spending as a cost in the Monte Carlo's sums (Table 1 stays the report's; the expected-value table and "
        "the scenarios always show the row)",
        choices=TAX_FINANCING,
    )
    tax_financing_share: float = _a(
        0.20,
        "NOK per NOK of net change in public spending",
        "DFØ, Veileder i samfunnsøkonomiske analyser (2023); Finansdepartementet, Rundskriv R-109/2021",
        "skattefinansieringskostnad: 20 øre per krone",
        bounds=SHARE,
    )
    roster_shrinkage: float = _a(
        0.0,
        "share of paid hours lost to absence and training beyond hours_per_person_year",
        "§5.2.1 (1 400 productive hours per person-year)",
        "the like-for-like roster (notebook 07) grosses both rosters' paid hours up by 1 / (1 - this); the "
        "report's 1 400 hours per person-year are productive hours, well below a full-time year of about 1 950 "
        "(37.5 h x 52), so holidays, absence and training are already out of them: 0 counts them once, an "
        "override shows a further loss (it cancels in the roster's ratio to the base)",
        bounds=Bounds(0.0, 1.0, high_open=True),
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _checked(f, getattr(self, f.name)))
        if self.first_year > self.last_year:
            raise ValueError(
                f"first_year={self.first_year} is after last_year={self.last_year}; allowed: first_year <= last_year"
            )
        if not self.first_year <= self.investment_year <= self.last_year:
            raise ValueError(
                f"investment_year={self.investment_year} is outside the analysis period; "
                f"allowed: [{self.first_year}, {self.last_year}]"
            )
        if set(self.excluded_districts) >= set(DISTRICTS):
            raise ValueError(
                "excluded_districts excludes every district; allowed: at most "
                f"{len(DISTRICTS) - 1} of {', '.join(DISTRICTS)}"
            )

    # --- building and reading -------------------------------------------------------

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """Every assumption's name, in the order of the fields."""
        return tuple(f.name for f in dataclasses.fields(cls))

    def replace(self, **overrides: Any) -> Assumptions:
        """A copy with ``overrides`` (name=value) applied and checked.

        An unknown name raises a :class:`ValueError` with the closest names ("did you mean").
        """
        for name in overrides:
            if name not in self.names():
                raise ValueError(unknown_name_message(name, self.names()))
        return dataclasses.replace(self, **overrides)

    def overrides(self) -> dict[str, Any]:
        """The assumptions whose value differs from the default (the report's value)."""
        default = Assumptions()
        return {n: getattr(self, n) for n in self.names() if getattr(self, n) != getattr(default, n)}

    def table(self, names: tuple[str, ...] | list[str] | None = None) -> pd.DataFrame:
        """The values in force beside the defaults: columns :data:`TABLE_COLUMNS`.

        ``names``: the assumptions to show (default: all, in field order).
        """
        default = Assumptions()
        fields = {f.name: f for f in dataclasses.fields(self)}
        rows = []
        for name in self.names() if names is None else names:
            if name not in fields:
                raise ValueError(unknown_name_message(name, self.names()))
            value, report = getattr(self, name), getattr(default, name)
            rows.append(
                {
                    "assumption": name,
                    "value": _shown(value),
                    "unit": fields[name].metadata["unit"],
                    "source": fields[name].metadata["source"],
                    "report_value": _shown(report),
                    "overridden": value != report,
                }
            )
        return pd.DataFrame(rows, columns=TABLE_COLUMNS).astype({"value": object, "report_value": object})

    @classmethod
    def stage(cls, name: str) -> str:
        """The stage of the chain assumption ``name`` enters first (:data:`STAGES`)."""
        for f in dataclasses.fields(cls):
            if f.name == name:
                return str(f.metadata["stage"])
        raise ValueError(unknown_name_message(name, cls.names()))

    @classmethod
    def describe(cls) -> pd.DataFrame:
        """Every assumption with its default, unit, source, allowed range and note."""
        default = cls()
        rows = []
        for f in dataclasses.fields(cls):
            m = f.metadata
            allowed = (
                " | ".join(m["choices"]) if m["choices"] else str(m["bounds"]) if m["bounds"] else "district names"
            )
            rows.append(
                {
                    "assumption": f.name,
                    "default": _shown(getattr(default, f.name)),
                    "unit": m["unit"],
                    "source": m["source"],
                    "allowed": allowed,
                    "stage": m["stage"],
                    "note": m["note"],
                }
            )
        return pd.DataFrame(rows)


def _shown(value: Any) -> Any:
    """A value as a table shows it (a tuple of districts as comma-separated text)."""
    return ", ".join(value) if isinstance(value, tuple) else value


#: More known names than this are not listed in an error message; it says where to list them.
MAX_LISTED = 20

#: Where the assumptions are listed (for a name that is close to none of them).
WHERE_LISTED = "Assumptions.describe() lists the assumptions (README: Where the assumptions live)"


def unknown_name_message(
    name: str, known: tuple[str, ...] | list[str], what: str = "assumption", where: str = WHERE_LISTED
) -> str:
    """'unknown assumption X; did you mean Y?'; when none is close, the known names if they
    are few (:data:`MAX_LISTED`), else ``where`` they are listed."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    if close:
        hint = f"did you mean {' or '.join(repr(c) for c in close)}?"
    elif len(known) <= MAX_LISTED:
        hint = f"known: {', '.join(known)}"
    else:
        hint = f"none is close; {where}"
    return f"unknown {what} {name!r}; {hint}"


def _checked(f: dataclasses.Field, value: Any) -> Any:
    """``value`` of field ``f`` in the field's type, or a ValueError naming field, value and range."""
    m, default = f.metadata, f.default
    name = f.name
    if isinstance(default, tuple):
        return _districts(name, value)
    if isinstance(default, str):
        if not isinstance(value, str) or value not in m["choices"]:
            raise ValueError(f"{name}={value!r} is not allowed; allowed: {', '.join(m['choices'])}")
        return value
    bounds: Bounds = m["bounds"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        hint = " (write a share as a fraction, e.g. 0.4 for 40 %)" if bounds == SHARE else ""
        raise ValueError(f"{name}={value!r} is not a finite number{hint}; allowed: {bounds} ({m['unit']})")
    if isinstance(default, int):
        if float(value) != int(value):
            raise ValueError(
                f"{name}={value!r} is not a whole number; allowed: whole numbers in {bounds} ({m['unit']})"
            )
        value = int(value)
    else:
        value = float(value)
    if not bounds.contains(value):
        raise ValueError(f"{name}={value!r} is out of range; allowed: {bounds} ({m['unit']})")
    return value


def _districts(name: str, value: Any) -> tuple[str, ...]:
    """District names from one name, a comma-separated text or a list; each must be known."""
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",") if v.strip()]
    elif isinstance(value, (list, tuple)):
        items = [str(v).strip() for v in value]
    else:
        raise ValueError(f"{name}={value!r} is not a district name or a list of them; allowed: {', '.join(DISTRICTS)}")
    for item in items:
        if item not in DISTRICTS:
            raise ValueError(f"{name}: {unknown_name_message(item, DISTRICTS, 'district')}")
    return tuple(d for d in DISTRICTS if d in items)  # the contract's order, once each


@dataclass(frozen=True)
class Published:
    """A value the report publishes as a result: compared against, never computed from."""

    name: str
    value: float
    unit: str
    source: str


_PUBLISHED = [
    Published("switchboard_calls", 1_100_746, "calls", "Tabell A.2"),
    Published("ops_calls", 665_163, "calls", "Tabell A.2"),
    Published("total_calls", 1_765_909, "calls", "Tabell A.2"),
    Published("switchboard_answered_share", 0.790, "share", "Tabell A.2"),
    Published("ops_answered_share", 0.749, "share", "Tabell A.2"),
    Published("total_answered_share", 0.774, "share", "Tabell A.2"),
    Published("switchboard_mean_access_s", 43.9, "seconds", "Tabell A.2"),
    Published("ops_mean_access_s", 81.2, "seconds", "Tabell A.2"),
    Published("total_mean_access_s", 62.5, "seconds", "Tabell A.2"),
    Published("service_level_95s", 0.80, "share of answered calls within 95 s", "A.1"),
    Published("weekday_daytime_answered_share", 0.90, "share answered, weekday daytime (≈)", "A.1, Figur A.1 text"),
    Published(
        "off_hours_answered_share_max",
        0.70,
        "share answered per hour, weekdays 16-07 and weekends (below)",
        "A.1, Figur A.1/A.2 text",
    ),
    Published("police_cost_today_mnok", 120.0, "MNOK per year (at least)", "A.1.1"),
    Published("citizen_cost_today_mnok", 50.0, "MNOK per year", "A.1.1"),
    Published("citizen_waiting_cost_today_mnok", 10.0, "MNOK per year (more than)", "A.1.1"),
    Published("concept_i_person_years", 4.0, "person-years per year", "§5.2.2.1"),
    Published("concept_iii_fewer_person_years_2033", 60.0, "person-years", "§7.2.1.1"),
    Published("concept_iii_wait_reduction_s", 50.0, "seconds per phone call", "§7.2.1.2"),
    Published("concept_iii_wait_part_mnok", 36.0, "MNOK NPV", "§7.2.1.2"),
]

PUBLISHED: dict[str, Published] = {p.name: p for p in _PUBLISHED}

# Table 1 of the report (NPV 2026-2033, MNOK); None where the report shows "–".
TABLE1_PUBLISHED: dict[str, dict[str, float | None]] = {
    "Spart tid innbyggere": {"I": 37, "IIa": 37, "IIb": 73, "III": 109},
    "Spart tid politiet.no": {"I": 35, "IIa": 35, "IIb": 35, "III": 35},
    "Spart tid livechat": {"I": None, "IIa": 73, "IIb": 30, "III": 30},
    "Spart tid chatbot": {"I": None, "IIa": None, "IIb": 77, "III": 77},
    "Spart tid kontaktsenter": {"I": None, "IIa": None, "IIb": None, "III": 316},
    "Investeringskostnader": {"I": 0, "IIa": 4, "IIb": 10, "III": 18},
    "Driftskostnader": {"I": 33, "IIa": 65, "IIb": 100, "III": 108},
    "Sum verdsatte virkninger": {"I": 39, "IIa": 76, "IIb": 105, "III": 442},
}


def analysis_years(a: Assumptions) -> np.ndarray:
    """The analysis years ``a.first_year .. a.last_year`` (int array): the one definition the
    staffing model and the valuation use."""
    return np.arange(a.first_year, a.last_year + 1)
