"""The twelve police districts, the two queues, and which districts the model covers.

Residents per district (``lib/core/data/population_2024.csv``): Statistics Norway, residents on
1 January 2024 summed by the districts' municipality lists (Svalbard not included;
national total 5 550 203). Used only as the volume proxy of the synthetic call log.
"""

from __future__ import annotations

import pandas as pd

from lib.core.paths import LIB_DATA

#: District names exactly as the call-log contract spells them, in the report's order.
DISTRICTS: tuple[str, ...] = (
    "Oslo",
    "Øst",
    "Innlandet",
    "Sør-Øst",
    "Agder",
    "Sør-Vest",
    "Vest",
    "Møre og Romsdal",
    "Trøndelag",
    "Nordland",
    "Troms",
    "Finnmark",
)
SWITCHBOARD = "sentralbord"
OPS = "operasjonssentral"
QUEUES: tuple[str, ...] = (SWITCHBOARD, OPS)
#: Norwegian labels for tables and figures.
QUEUE_LABELS = {SWITCHBOARD: "Sentralbord", OPS: "Operasjonssentral"}


def modelled_districts(excluded: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Districts in the staffing model: all but ``excluded`` (appendix B excludes Trøndelag:
    the ``excluded_districts`` assumption), in :data:`DISTRICTS` order."""
    unknown = set(excluded) - set(DISTRICTS)
    if unknown:
        raise ValueError(f"excluded: unknown district(s) {sorted(unknown)}")
    return tuple(d for d in DISTRICTS if d not in excluded)


def population() -> pd.Series:
    """Residents on 2024-01-01 by district (persons), indexed in :data:`DISTRICTS` order."""
    s = pd.read_csv(LIB_DATA / "population_2024.csv", index_col="district")["residents"]
    assert tuple(s.index) == DISTRICTS and s.sum() == 5_550_203, "population_2024.csv is damaged"
    return s


#: The label of a total row in a table by district or queue: the report's (Tabell A.2, "Total").
TOTAL = "Total"
