"""Valuation of the concepts' effects: discounting, unit values, per-year cash flows, today's cost.

Conventions (§5.2.1, spec §3): amounts in million NOK (MNOK), 2023 kroner held constant
in real terms; the period is ``first_year``..``last_year`` (2026-2033) with the first year
as year 0, undiscounted, so ``NPV = sum_y X_y / (1 + r) ** (y - first_year)``; with
r = 4 % and eight years a constant 1 per year is worth the annuity factor 7.00205.

:func:`cash_flows` is the one place where every valued cell of Table 1 is built: a long
table with one row per Table 1 row, concept, component and year, holding the undiscounted
amount, the discount factor and the present value. :mod:`lib.table1` sums it into the
table; the same rows, exported, let an analyst follow every cell in Excel.

Every number comes from ``p``, a namespace from :func:`lib.assumptions.resolve` holding
(at least) :data:`ECONOMIC_ASSUMPTIONS`; staffing results come from
:func:`lib.staffing.run_all` (its ``.by_year`` and ``.effects`` tables).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from lib import assumptions
from lib.concepts import chat_share, transfer_share
from lib.districts import OPS, SWITCHBOARD

CONCEPTS: tuple[str, ...] = ("I", "IIa", "IIb", "III")

#: Assumptions the valuation reads from ``p``.
ECONOMIC_ASSUMPTIONS: tuple[str, ...] = (
    "first_year", "last_year", "hours_per_person_year", "cost_per_person_year_nok",
    "leisure_value_per_person_year_nok", "discount_rate", "investment_year",
    "registered_calls_2023", "trondelag_switchboard_calls_2023",
    "citizen_minutes_per_call", "citizen_minutes_per_chatbot_contact", "citizen_extra_minutes_transfer",
    "call_reduction_politiet_no", "chat_share_first_year", "chat_share_last_year",
    "transfer_share_first_year", "transfer_share_last_year",
    "concept_i_running_person_years", "live_chat_investment_mnok", "chat_running_person_years",
    "live_chat_licence_mnok_per_year", "chatbot_investment_mnok", "chatbot_licence_mnok_per_year",
    "contact_centre_investment_mnok", "atb_nok_per_person_year",
)

#: Assumptions of today's picture (appendix A.1.1), besides the economic ones.
TODAY_ASSUMPTIONS: tuple[str, ...] = (
    "switchboard_person_years", "ops_person_years", "ops_hours_per_person_year",
    "ops_cost_per_person_year_nok", "police_minutes_per_answered_call",
)

# Table 1 rows that carry money (the report's labels), in the report's order.
CITIZEN = "Spart tid innbyggere"
POLITIET_NO = "Spart tid politiet.no"
LIVECHAT = "Spart tid livechat"
CHATBOT = "Spart tid chatbot"
CONTACT_CENTRE = "Spart tid kontaktsenter"
INVESTMENT = "Investeringskostnader"
RUNNING = "Driftskostnader"
SUM = "Sum verdsatte virkninger"
BENEFIT_ROWS: tuple[str, ...] = (CITIZEN, POLITIET_NO, LIVECHAT, CHATBOT, CONTACT_CENTRE)
COST_ROWS: tuple[str, ...] = (INVESTMENT, RUNNING)
VALUED_ROWS: tuple[str, ...] = BENEFIT_ROWS + COST_ROWS + (SUM,)

# Which staffing effect is valued in which row for which concept (concepts build on each
# other, §5.2.1: IIb and III keep only the transferred contacts' live-chat effect, §6.2.2.1).
EFFECT_CELLS: dict[tuple[str, str], str] = {
    **{(POLITIET_NO, c): "politiet_no" for c in CONCEPTS},
    (LIVECHAT, "IIa"): "livechat_IIa",
    (LIVECHAT, "IIb"): "livechat_IIb",
    (LIVECHAT, "III"): "livechat_IIb",
    (CHATBOT, "IIb"): "chatbot",
    (CHATBOT, "III"): "chatbot",
    (CONTACT_CENTRE, "III"): "kontaktsenter",
}

CASH_FLOW_COLUMNS = ["row", "concept", "component", "year", "amount_mnok", "discount_factor", "present_value_mnok"]


def default_params(**overrides) -> SimpleNamespace:
    """Economic and today's-picture assumptions at the report's values, with ``overrides``."""
    names = dict.fromkeys(ECONOMIC_ASSUMPTIONS + TODAY_ASSUMPTIONS)
    unknown = set(overrides) - set(names)
    if unknown:
        raise KeyError(f"not an economic assumption: {sorted(unknown)}")
    return assumptions.resolve(**{**names, **overrides})


# --- discounting ---------------------------------------------------------------------------

def period(p) -> np.ndarray:
    """The analysis years ``first_year..last_year`` (int array)."""
    if p.last_year < p.first_year:
        raise ValueError(f"last_year {p.last_year} is before first_year {p.first_year}")
    return np.arange(p.first_year, p.last_year + 1)


def discount_factor(year, p):
    """``1 / (1 + r) ** (year - first_year)``: 1 in the first year (year 0). Broadcasts."""
    return (1.0 + p.discount_rate) ** -(np.asarray(year, dtype=float) - p.first_year)


def annuity_factor(p) -> float:
    """Present value of 1 per year over the period (7.00205 for 8 years at 4 %)."""
    return float(discount_factor(period(p), p).sum())


def npv(flows: pd.Series, p) -> float:
    """Net present value of amounts indexed by year (any unit in, the same unit out)."""
    flows = pd.Series(flows)
    return float((flows.to_numpy(dtype=float) * discount_factor(flows.index.to_numpy(), p)).sum())


# --- unit values ---------------------------------------------------------------------------

def mnok_per_person_year(p) -> float:
    """MNOK per person-year (civilian adviser, §5.2.1)."""
    return p.cost_per_person_year_nok / 1e6


def nok_per_citizen_hour(p) -> float:
    """Value of a citizen's hour, NOK per hour (leisure person-year / hours: 337.857)."""
    return p.leisure_value_per_person_year_nok / p.hours_per_person_year


def zero_alternative_calls(p) -> float:
    """Calls per year in the zero alternative, national (registered + Trøndelag switchboard)."""
    return float(p.registered_calls_2023 + p.trondelag_switchboard_calls_2023)


def chat_shares(years, p) -> tuple[np.ndarray, np.ndarray]:
    """``(s_y, r_y)`` for ``years``: chat (or chatbot) share of contacts and transfer share.

    Delegates to :mod:`lib.concepts` so the staffing model and the valuation share one
    definition (linear from the first to the last year).
    """
    years = np.asarray(years)
    return (np.array([chat_share(int(y), p) for y in years], dtype=float),
            np.array([transfer_share(int(y), p) for y in years], dtype=float))


# --- cash flows behind Table 1 ---------------------------------------------------------------

def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}; has {list(frame.columns)}")


def _by_year(frame: pd.DataFrame, key: str, value: str, label: str, years: np.ndarray, what: str) -> pd.Series:
    """One staffing quantity per analysis year (error naming what is missing)."""
    s = frame.loc[frame[key] == label].set_index("year")[value]
    if s.index.duplicated().any():
        raise ValueError(f"{what}: {key}={label!r} has duplicate years")
    missing = sorted(set(years.tolist()) - set(s.index.astype(int).tolist()))
    if missing:
        raise ValueError(f"{what}: no {value} for {key}={label!r} in year(s) {missing}")
    s.index = s.index.astype(int)
    return s.reindex(years).astype(float)


def cash_flows(by_year: pd.DataFrame, effects: pd.DataFrame, p, wait_baseline_s: float | None = None) -> pd.DataFrame:
    """Per-year amounts behind every valued cell of Table 1 (MNOK, positive = as shown).

    Benefits and costs are both positive; :mod:`lib.table1` subtracts the cost rows.
    Columns: row, concept, component (Norwegian description), year, amount_mnok
    (undiscounted), discount_factor, present_value_mnok. Only cells that exist for a
    concept appear (concept I has no live chat, etc.).

    ``by_year`` needs concept, year, person_years, asa_s for IIb and III (wait reduction,
    ATB); ``effects`` needs year, effect, saving_person_years (person-years per year).

    III's wait reduction per phone call is, by default, the staffing model's mean speed of
    answer of IIb minus that of III (spec §3). ``wait_baseline_s`` (seconds) replaces the
    first term by a fixed wait, e.g. today's observed mean access time from the log: an
    alternative reading of the report's "about 50 s" (§7.2.1.2), shown beside the default.
    """
    _require(by_year, ["concept", "year", "person_years", "asa_s"], "by_year")
    _require(effects, ["year", "effect", "saving_person_years"], "effects")
    years = period(p)
    zeros = np.zeros(len(years))
    n = zero_alternative_calls(p)
    red = p.call_reduction_politiet_no
    s, r = chat_shares(years, p)
    per_minute = nok_per_citizen_hour(p) / 60 / 1e6  # MNOK per citizen minute
    per_py = mnok_per_person_year(p)
    rows: list[tuple[str, str, str, np.ndarray]] = []

    def add(row: str, concepts, component: str, amount) -> None:
        amount = np.broadcast_to(np.asarray(amount, dtype=float), years.shape)
        for c in concepts:
            rows.append((row, c, component, amount))

    # Citizen time (§5.2.2.2, §6.2.2.2, §7.2.1.2). Live chat saves police time, not the
    # citizen's, so IIa equals I.
    add(CITIZEN, CONCEPTS, "Færre telefoner (politiet.no)", n * red * p.citizen_minutes_per_call * per_minute + zeros)
    chatbot_contacts = n * (1 - red) * s
    add(CITIZEN, ("IIb", "III"), "Chatbot, ikke overført",
        chatbot_contacts * (1 - r) * (p.citizen_minutes_per_call - p.citizen_minutes_per_chatbot_contact) * per_minute)
    add(CITIZEN, ("IIb", "III"), "Chatbot, overført til livechat",
        chatbot_contacts * r * (p.citizen_minutes_per_call - p.citizen_minutes_per_chatbot_contact
                                - p.citizen_extra_minutes_transfer) * per_minute)
    wait_before = (_by_year(by_year, "concept", "asa_s", "IIb", years, "by_year").to_numpy()
                   if wait_baseline_s is None else float(wait_baseline_s) + zeros)
    wait_cut_s = wait_before - _by_year(by_year, "concept", "asa_s", "III", years, "by_year").to_numpy()
    phone_calls = n * (1 - red) * (1 - s)  # national phone calls left after politiet.no and chat
    add(CITIZEN, ("III",), "Kortere ventetid (kontaktsenter)", wait_cut_s / 60 * phone_calls * per_minute)

    # Police time: the staffing model's savings, valued at the person-year cost.
    for (row, concept), effect in EFFECT_CELLS.items():
        saved = _by_year(effects, "effect", "saving_person_years", effect, years, "effects")
        add(row, (concept,), f"Spart bemanning ({effect})", saved.to_numpy() * per_py)

    # Investments, all in the investment year (the report does not date them).
    in_year = (years == p.investment_year).astype(float)
    if not in_year.any():
        raise ValueError(f"investment_year {p.investment_year} is outside the period {years[0]}-{years[-1]}")
    add(INVESTMENT, ("I",), "Ingen investering", zeros)
    add(INVESTMENT, ("IIa",), "Livechat", p.live_chat_investment_mnok * in_year)
    add(INVESTMENT, ("IIb", "III"), "Chatbot og livechat", p.chatbot_investment_mnok * in_year)
    add(INVESTMENT, ("III",), "Nasjonalt kontaktsenter", p.contact_centre_investment_mnok * in_year)

    # Running costs: each concept carries the previous one's (§5.2.1).
    add(RUNNING, CONCEPTS, "politiet.no, årsverk", p.concept_i_running_person_years * per_py + zeros)
    add(RUNNING, ("IIa", "IIb", "III"), "Chat, årsverk", p.chat_running_person_years * per_py + zeros)
    add(RUNNING, ("IIa",), "Livechat, lisens", p.live_chat_licence_mnok_per_year + zeros)
    add(RUNNING, ("IIb", "III"), "Chatbot og livechat, lisens", p.chatbot_licence_mnok_per_year + zeros)
    centre_py = _by_year(by_year, "concept", "person_years", "III", years, "by_year").to_numpy()
    add(RUNNING, ("III",), "ATB-tillegg kontaktsenter", p.atb_nok_per_person_year * centre_py / 1e6)

    df = discount_factor(years, p)
    out = pd.DataFrame({
        "row": np.repeat([x[0] for x in rows], len(years)),
        "concept": np.repeat([x[1] for x in rows], len(years)),
        "component": np.repeat([x[2] for x in rows], len(years)),
        "year": np.tile(years, len(rows)),
        "amount_mnok": np.concatenate([x[3] for x in rows]),
        "discount_factor": np.tile(df, len(rows)),
    })
    out["present_value_mnok"] = out["amount_mnok"] * out["discount_factor"]
    # Report order of rows and concepts; a stable sort keeps the components in the order above.
    rank = out["row"].map({r: i for i, r in enumerate(VALUED_ROWS)}) * 10 + out["concept"].map(
        {c: i for i, c in enumerate(CONCEPTS)})
    out = out.iloc[np.argsort(rank.to_numpy(), kind="stable")]
    return out.reset_index(drop=True)[CASH_FLOW_COLUMNS]


# --- today's picture (appendix A.1.1) -------------------------------------------------------

def todays_picture(calls: pd.DataFrame, p) -> pd.DataFrame:
    """Police and citizen cost of 02800 in 2023 (appendix A.1.1), beside the published values.

    ``calls``: the cleaned log, all rows (Table A.2 counts them all, Trøndelag's OPS
    included), with at least ``queue``, ``wait_s`` (seconds) and ``answered``. Citizen time
    is valued on the national call count (registered + Trøndelag switchboard); the log's
    waiting time is scaled up to it. Returns rows ``item`` (Norwegian), ``value``,
    ``unit``, ``published`` (from :data:`lib.assumptions.PUBLISHED`, NaN where the report
    gives none), ``basis``.
    """
    _require(calls, ["queue", "wait_s", "answered"], "calls")
    pub = {k: v.value for k, v in assumptions.PUBLISHED.items()}
    n_log = len(calls)
    if n_log == 0:
        raise ValueError("calls: the log is empty")
    answered = calls["answered"].to_numpy(dtype=bool)
    queue = calls["queue"].to_numpy()
    ops_answered = int((answered & (queue == OPS)).sum())
    sb_answered = int((answered & (queue == SWITCHBOARD)).sum())
    per_hour = nok_per_citizen_hour(p)
    n_nat = zero_alternative_calls(p)

    sb_mnok = p.switchboard_person_years * p.cost_per_person_year_nok / 1e6
    ops_mnok = p.ops_person_years * p.ops_cost_per_person_year_nok / 1e6
    ops_py_log = ops_answered * p.police_minutes_per_answered_call / 60 / p.ops_hours_per_person_year
    sb_minutes = p.switchboard_person_years * p.hours_per_person_year * 60 / sb_answered if sb_answered else np.nan
    citizen_mnok = n_nat * p.citizen_minutes_per_call / 60 * per_hour / 1e6
    wait_hours_nat = float(calls["wait_s"].sum()) / 3600 * n_nat / n_log
    nan = np.nan
    rows = [
        ("Sentralbord, årsverk", p.switchboard_person_years, "årsverk", nan, "A.1.1 (forutsetning)"),
        ("Sentralbord, kostnad", sb_mnok, "mill. kr per år", nan, "årsverk × årsverkskostnad"),
        ("Sentralbord, besvarte anrop i loggen", sb_answered, "anrop", nan, "renset logg, alle rader"),
        ("Sentralbord, minutter per besvart anrop", sb_minutes, "minutter", nan,
         "årsverk × timer per årsverk / besvarte anrop (rapporten: om lag 5)"),
        ("Operasjonssentral, årsverk på 02800", p.ops_person_years, "årsverk", nan, "A.1.1 (forutsetning)"),
        ("Operasjonssentral, kostnad", ops_mnok, "mill. kr per år", nan, "årsverk × politiets årsverkssats"),
        ("Operasjonssentral, besvarte anrop i loggen", ops_answered, "anrop", nan, "renset logg, alle rader"),
        ("Operasjonssentral, årsverk beregnet fra loggen", ops_py_log, "årsverk", nan,
         "besvarte anrop × minutter per anrop / timer per årsverk (OPS)"),
        ("Politiets kostnad, 02800", sb_mnok + ops_mnok, "mill. kr per år", pub["police_cost_today_mnok"],
         "rapporten: minst 120"),
        ("Anrop, nasjonalt", n_nat, "anrop per år", nan, "registrerte + Trøndelag sentralbord"),
        ("Anrop i loggen", n_log, "anrop", pub["total_calls"], "renset logg, alle rader"),
        ("Innbyggernes tidskostnad", citizen_mnok, "mill. kr per år", pub["citizen_cost_today_mnok"],
         "nasjonale anrop × minutter per anrop × verdi per time"),
        ("Herav ventetid", wait_hours_nat * per_hour / 1e6, "mill. kr per år",
         pub["citizen_waiting_cost_today_mnok"], "loggens ventetid skalert til nasjonalt antall (rapporten: over 10)"),
        ("Gjennomsnittlig ventetid", float(calls["wait_s"].mean()), "sekunder", pub["total_mean_access_s"],
         "alle anrop i loggen, også ubesvarte"),
    ]
    return pd.DataFrame(rows, columns=["item", "value", "unit", "published", "basis"])
