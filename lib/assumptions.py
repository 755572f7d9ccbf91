"""The one home of every number taken from POD-rapport 7/2024.

Each assumption is stored once, with its unit and the report section it comes from.
Notebooks take them as papermill parameters that default to ``None`` ("use the report's
value") and call :func:`resolve`, which returns the values in force and a table to print
beside the results, so an override is always visible.

Published *results* of the report (Table 1, the 2023 facts of appendix A.1) are not
assumptions: they live in :data:`PUBLISHED` and are used only as the column a reproduced
value is compared against, never as an input to a computation.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Assumption:
    """One named input of the analysis."""

    name: str
    value: Any
    unit: str
    source: str
    note: str = ""


_ASSUMPTIONS = [
    # --- Analysis frame (§5.2.1) -----------------------------------------------------
    Assumption("first_year", 2026, "year", "§5.2.1", "first year of the analysis period, discounted as year 0"),
    Assumption("last_year", 2033, "year", "§5.2.1", "last year of the analysis period"),
    Assumption("data_year", 2023, "year", "App. B", "year of the call log the staffing model is fitted on"),
    Assumption("hours_per_person_year", 1400, "hours per person-year", "§5.2.1"),
    Assumption("cost_per_person_year_nok", 1_177_900, "NOK per person-year (2023 NOK, constant real)", "§5.2.1",
               "civilian adviser; also used for the savings in staffing, as Table 1 does"),
    Assumption("leisure_value_per_person_year_nok", 473_000, "NOK per person-year (2023 NOK)", "§5.2.1",
               "net average wage; per hour = this / hours_per_person_year = 337.857 NOK/h"),
    Assumption("discount_rate", 0.04, "per year, real", "§5.2.1"),
    Assumption("investment_year", 2026, "year", "spec §3 (assumption)",
               "the report does not date the investments; they fall in the first year, undiscounted"),
    # --- Call volume (§5.2.2.1, A.1) -------------------------------------------------
    Assumption("registered_calls_2023", 1_765_909, "calls per year", "A.1, Tabell A.2",
               "switchboards excl. Trøndelag + all OPS 02800 calls"),
    Assumption("trondelag_switchboard_calls_2023", 90_000, "calls per year", "A.1, fn 21",
               "missing from the log (system change); added to get the ≈ 1.85 million of §5.2.2.1"),
    # --- Citizen time (§5.2.2.1, §6.2.2.2) -------------------------------------------
    Assumption("citizen_minutes_per_call", 5.0, "minutes per phone call", "§5.2.2.1, fn 11",
               "waiting + talk + ≈ 1.5 min preparation"),
    Assumption("preparation_minutes_per_call", 1.5, "minutes per phone call", "§5.2.2.1, fn 11"),
    Assumption("citizen_minutes_per_chatbot_contact", 3.0, "minutes per chatbot contact", "§6.2.2.2"),
    Assumption("citizen_extra_minutes_transfer", 2.0, "minutes per transferred contact", "§6.2.2.2",
               "added when the chatbot transfers to live chat"),
    # --- Concepts (chapters 5-7) -----------------------------------------------------
    Assumption("call_reduction_politiet_no", 0.10, "share of calls", "§5.2.2.1",
               "permanent reduction from a better politiet.no (concept I)"),
    Assumption("chat_share_first_year", 0.25, "share of contacts", "§6.2.1.1, §6.2.2.1",
               "s_y in 2026; rises linearly"),
    Assumption("chat_share_last_year", 0.50, "share of contacts", "§6.2.1.1, §6.2.2.1", "s_y in 2033"),
    Assumption("transfer_share_first_year", 0.30, "share of chatbot contacts", "§6.2.2.1",
               "r_y in 2026: chatbot contacts transferred to live chat; falls linearly"),
    Assumption("transfer_share_last_year", 0.20, "share of chatbot contacts", "§6.2.2.1", "r_y in 2033"),
    Assumption("chat_handling_factor", 0.51, "live-chat handling time / phone handling time", "§6.2.1.1, App. B",
               "ContactBabel (2023): a chat needs 51 % of a call's resources"),
    # --- Staffing model (appendix B) -------------------------------------------------
    Assumption("after_call_work_s", 30.0, "seconds per handled contact", "App. B"),
    Assumption("max_occupancy", 0.80, "offered load / agents, per hour", "App. B"),
    Assumption("service_level_target", 0.80, "share answered within the target time", "App. B, A.1"),
    Assumption("service_time_today_s", 95.0, "seconds", "App. B, A.1", "today's level: base, I, IIa, IIb"),
    Assumption("service_time_centre_s", 20.0, "seconds", "§7.2.1.1, App. B", "industry standard (Koole 2013): III"),
    Assumption("min_agents", 1, "agents per open board per hour", "spec §2 (assumption), §7.2.1.1",
               "each board staffs at least one agent in every hour with expected traffic; Erlang C "
               "needs more agents than the load anyway, so 1 only documents the floor and 2 raises it"),
    Assumption("actual_person_years", 90.0, "person-years", "App. B, A.1.1",
               "today's actual 02800 staffing (≈ 55 switchboard + ≈ 37.6 OPS)"),
    Assumption("excluded_districts", ("Trøndelag",), "districts", "App. B",
               "no comparable data; kept in the cleaned log but out of the model"),
    Assumption("outlier_threshold_s", 1800.0, "seconds of talk time or of access time", "App. B",
               "calls with talk or access time over 30 minutes are outliers and removed in cleaning"),
    # --- Today's resources (A.1.1) ---------------------------------------------------
    Assumption("switchboard_person_years", 55.0, "person-years", "A.1.1"),
    Assumption("ops_person_years", 37.6, "person-years", "A.1.1", "OPS time on 02800 calls"),
    Assumption("ops_hours_per_person_year", 1104.0, "hours per person-year", "A.1.1 (POD 2020, p. 46)"),
    Assumption("ops_cost_per_person_year_nok", 55.6e6 / 37.6, "NOK per person-year", "A.1.1, fn 27",
               "police average rate, implied by 37.6 person-years ≈ 55.6 MNOK"),
    Assumption("police_minutes_per_answered_call", 5.0, "minutes per answered call", "A.1.1",
               "switchboard work per answered call, incl. time outside the conversation"),
    # --- Costs of the concepts (§5.2.3, §6.2.3, §7.2.2) ------------------------------
    Assumption("concept_i_running_person_years", 4.0, "person-years per year", "§5.2.3.2"),
    Assumption("live_chat_investment_mnok", 4.0, "MNOK", "§6.2.3.1"),
    Assumption("chat_running_person_years", 3.0, "person-years per year", "§6.2.3.2, §6.2.3.5",
               "the same 3 person-years run live chat alone or chatbot + live chat"),
    Assumption("live_chat_licence_mnok_per_year", 1.0, "MNOK per year", "§6.2.3.2"),
    Assumption("chatbot_investment_mnok", 10.0, "MNOK", "§6.2.3.4",
               "Table 1 shows 10 for IIb, not 4 + 10: the chatbot investment includes live chat"),
    Assumption("chatbot_licence_mnok_per_year", 6.0, "MNOK per year", "§6.2.3.5",
               "replaces the live-chat licence (Table 1: 100 = 33 + (3 × 1.1779 + 6) × 7.002)"),
    Assumption("contact_centre_investment_mnok", 8.0, "MNOK", "§7.2.2.1",
               "as stated; the listed staff composition would cost more"),
    Assumption("atb_nok_per_person_year", 40_000.0, "NOK per person-year per year", "§7.2.2.2",
               "ATB allowance on every person-year of the contact centre (2024 NOK, taken as given)"),
]

ASSUMPTIONS: dict[str, Assumption] = {a.name: a for a in _ASSUMPTIONS}


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
    Published("off_hours_answered_share_max", 0.70, "share answered per hour, weekdays 16-07 and weekends (below)",
              "A.1, Figur A.1/A.2 text"),
    Published("police_cost_today_mnok", 120.0, "MNOK per year (at least)", "A.1.1"),
    Published("citizen_cost_today_mnok", 50.0, "MNOK per year", "A.1.1"),
    Published("citizen_waiting_cost_today_mnok", 10.0, "MNOK per year (more than)", "A.1.1"),
    Published("concept_i_person_years", 4.0, "person-years per year", "§5.2.2.1"),
    Published("concept_iii_fewer_person_years_2033", 60.0, "person-years", "§7.2.1.1"),
    Published("concept_iii_wait_reduction_s", 50.0, "seconds per phone call", "§7.2.1.2"),
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


def value(name: str) -> Any:
    """The report's value of assumption ``name`` (KeyError names the unknown assumption)."""
    try:
        return ASSUMPTIONS[name].value
    except KeyError:
        raise KeyError(f"unknown assumption {name!r}; known: {', '.join(sorted(ASSUMPTIONS))}") from None


def resolve(**given: Any) -> SimpleNamespace:
    """Values in force for the named assumptions: the given value, or the report's when ``None``.

    Returns a namespace with one attribute per name and ``.table``, a DataFrame with
    columns ``assumption, value, unit, source, report_value, overridden`` to print.
    """
    rows, values = [], {}
    for name, v in given.items():
        a = ASSUMPTIONS.get(name)
        if a is None:
            raise KeyError(f"unknown assumption {name!r}; known: {', '.join(sorted(ASSUMPTIONS))}")
        used = a.value if v is None else v
        values[name] = used
        rows.append({"assumption": name, "value": used, "unit": a.unit, "source": a.source,
                     "report_value": a.value, "overridden": v is not None and v != a.value})
    ns = SimpleNamespace(**values)
    ns.table = pd.DataFrame(rows, columns=["assumption", "value", "unit", "source", "report_value", "overridden"])
    return ns


def table() -> pd.DataFrame:
    """Every assumption with its unit, source and note."""
    return pd.DataFrame([a.__dict__ for a in _ASSUMPTIONS])
