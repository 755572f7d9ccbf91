"""Statistics Norway's 2024 regional population projection, summed by the twelve police districts.

The option ``population_growth="on"`` scales every year's volume by :func:`volume_growth`:
the modelled districts' persons in the year over those in the data year (docs/model.md §14).

**The data** (``lib/core/data/population_projection_14288.csv``): one row per municipality
(the 357 municipalities of 1 January 2024, Svalbard not included), with its 4-digit code
(``municipality``, a string: Oslo is ``"0301"``), its name, its police district (spelled as
:data:`lib.core.districts.DISTRICTS`) and persons on 1 January of each year 2023-2033 (columns
``"2023"``..``"2033"``): 2023 and 2024 registered, 2025 onwards projected.

**The source chain.** Statistics Norway (SSB), StatBank table 14288 (regional population
projections 2024, base population 1 January 2024), main alternative MMMM
(:data:`TABLE`, :data:`ALTERNATIVE`, :data:`VINTAGE`). The numbers are not taken from StatBank
directly but from a copy of it (:data:`SECONDARY_SOURCE`): ``data-raw/fcKomPop.csv`` in the
Norwegian Institute for Nature Research's repository for Simensen et al. (2025), whose README
says its population columns are "Based on: https://www.ssb.no/statbank/table/14288". The file
was made from it by taking ``kommunenummer`` (the leading zero restored) and ``KomNavn``, and
``pop2023``..``pop2033`` unchanged; its ``txtFylke`` column (old county codes) is not used.
Why it is believed to be table 14288's main alternative (:data:`SOURCE_CHECKS`):

* the national totals of 2023 and 2024 equal SSB's official residents on 1 January
  (:data:`NATIONAL_TOTALS`);
* its county sums for 2024 and 2050 equal, for all 15 counties, a separate file labelled
  "Hovedalternativet (MMMM) 2024/2050" (:data:`MMMM_COUNTY_CHECK`); 2024 is registered in every
  alternative, so 2050 is the figure that tells MMMM from the others;
* its 2024 sums by police district equal ``population_2024.csv`` exactly (below).

The years 2025-2033 have no check of their own beyond coming from the same file. Ålesund and
Haram (split on 1 January 2024) are two rows; how the copy split their 2023 figures is not
documented there, but both are in Møre og Romsdal, so no district sum depends on it.

**The police districts** (``lib/core/data/police_district_rules.csv``): a municipality belongs to
the district of its county (the first two digits of its code; level ``county``), except the
twelve municipalities listed by their own code (level ``municipality``): Bærum and Asker (Oslo),
Lunner (Innlandet), Jevnaker (Sør-Øst), Sirdal and Etne, Sveio, Bømlo, Stord, Fitjar (Sør-Vest),
Bindal (Trøndelag), Gratangen (Nordland). The rule was reconstructed, not copied from a police
list; the evidence that it is right is that the 2024 sums it gives equal the independent
``lib/core/data/population_2024.csv`` (:func:`lib.core.districts.population`) in all twelve
districts, to the person. :func:`municipalities` checks the file's district column against
the rule and :func:`projection` checks the 2024 sums, on every read.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pandas as pd

from lib.core.assumptions import Assumptions
from lib.core.districts import DISTRICTS, modelled_districts, population
from lib.core.paths import LIB_DATA, display_path

PROJECTION_CSV = LIB_DATA / "population_projection_14288.csv"
RULES_CSV = LIB_DATA / "police_district_rules.csv"

#: Statistics Norway's StatBank table, its alternative (main: medium fertility, life expectancy,
#: internal migration and immigration) and the year of the projection (base 1 January 2024).
TABLE = "14288"
ALTERNATIVE = "MMMM"
VINTAGE = 2024
#: The years of the file, persons on 1 January; the first two are registered, the rest projected.
YEARS: tuple[int, ...] = tuple(range(2023, 2034))
REGISTERED_YEARS: tuple[int, ...] = (2023, 2024)
#: Residents on 1 January, Norway without Svalbard (SSB's official figures; persons).
NATIONAL_TOTALS: dict[int, int] = {2023: 5_488_984, 2024: 5_550_203}
#: Municipalities on 1 January 2024 (Svalbard is not a municipality).
N_MUNICIPALITIES = 357

#: Where the numbers were copied from (the file's SHA-1 is that of the raw file as downloaded).
SECONDARY_SOURCE: dict[str, str] = {
    "repository": "https://github.com/NINAnor/arealbruksscenarier",
    "path": "data-raw/fcKomPop.csv",
    "commit": "2c89e6619ccf117e2fb9b51f6b42f66a2da9a5f4",
    "sha1": "34dd6117d73ce5cf732b52f27ecf481a332145c6",
    "archive": "https://doi.org/10.5281/zenodo.15370391",
    "study": "Simensen et al. (2025), Samlet utbyggingsareal i Kommune-Norge: Historisk utvikling "
    "og framtidige scenarioer, 2000-2050 (NINA)",
    "statbank": "https://www.ssb.no/statbank/table/14288",
}
#: The county file the MMMM reading was checked against (2024 and 2050 sums by county, all 15 equal).
MMMM_COUNTY_CHECK: dict[str, str] = {
    "repository": "https://github.com/Tjaitil/react-globe",
    "path": "src/datasets/NorwayPopulation.csv",
    "commit": "3cca0cb198e00198c51039c10a3b89356cdaa658",
    "columns": "Hovedalternativet (MMMM) 2024, Hovedalternativet (MMMM) 2050",
}
#: The checks made when the file was built, in words (the first and last are repeated on every read).
SOURCE_CHECKS: tuple[str, ...] = (
    "national totals 2023 and 2024 equal SSB's residents on 1 January (5 488 984; 5 550 203)",
    "county sums 2024 and 2050 equal the MMMM county file (MMMM_COUNTY_CHECK) in all 15 counties",
    "2024 sums by police district equal population_2024.csv in all 12 districts",
)


def _year_columns() -> list[str]:
    return [str(y) for y in YEARS]


def rules(path: str | Path | None = None) -> pd.DataFrame:
    """The police-district rule: ``level`` (``county`` or ``municipality``), ``code`` (2 or 4
    digits, a string), ``name`` and ``district``; every district a known one, every code once."""
    path = Path(path) if path is not None else RULES_CSV
    t = pd.read_csv(path, dtype=str, keep_default_na=False)
    where = display_path(path)
    if list(t.columns) != ["level", "code", "name", "district"]:
        raise ValueError(f"{where}: columns must be level, code, name, district")
    width = t["level"].map({"county": 2, "municipality": 4})
    if width.isna().any():
        raise ValueError(f"{where}: level must be 'county' or 'municipality'")
    if not (t["code"].str.fullmatch(r"\d+") & (t["code"].str.len() == width)).all():
        raise ValueError(f"{where}: a county code has 2 digits, a municipality code 4")
    if t["code"].duplicated().any() or not set(t["district"]) <= set(DISTRICTS):
        raise ValueError(f"{where}: a code listed twice, or a district not in {DISTRICTS}")
    return t


def police_district(codes: Iterable[str], path: str | Path | None = None) -> pd.Series:
    """The police district of each 4-digit municipality code (2024 codes), by the rule
    (:func:`rules`): the municipality's own row if it has one, else its county's. A code the
    rule does not cover raises."""
    r = rules(path)
    own = r[r["level"] == "municipality"].set_index("code")["district"]
    county = r[r["level"] == "county"].set_index("code")["district"]
    c = pd.Series(list(codes), dtype=str)
    out = c.map(own).fillna(c.str[:2].map(county))
    if out.isna().any():
        raise ValueError(f"{display_path(path or RULES_CSV)}: no district for {sorted(c[out.isna()])}")
    return out.set_axis(c)


def municipalities(path: str | Path | None = None) -> pd.DataFrame:
    """The file as it is, checked: one row per municipality (:data:`N_MUNICIPALITIES`), columns
    ``municipality`` (4-digit code, a string), ``name``, ``district`` and the :data:`YEARS` as int
    columns (persons on 1 January). The district column must be the rule's (:func:`police_district`)."""
    path = Path(path) if path is not None else PROJECTION_CSV
    where = display_path(path)
    years = _year_columns()
    try:
        t = pd.read_csv(path, dtype=dict.fromkeys(("municipality", "name", "district"), str))
        if list(t.columns) != ["municipality", "name", "district", *years]:
            raise ValueError(f"columns must be municipality, name, district, {years[0]}..{years[-1]}")
        if len(t) != N_MUNICIPALITIES or not t["municipality"].is_unique:
            raise ValueError(f"expected {N_MUNICIPALITIES} municipalities, each once; got {len(t)} rows")
        if not t["municipality"].str.fullmatch(r"\d{4}").all():
            raise ValueError("a municipality code is not 4 digits")
        persons = t[years]
        if persons.isna().any().any() or not all(pd.api.types.is_integer_dtype(d) for d in persons.dtypes):
            raise ValueError("persons must be whole numbers, none missing")
        if (persons <= 0).any().any():
            raise ValueError("persons must be positive")
        rule = police_district(t["municipality"]).to_numpy()
        wrong = t.loc[t["district"].to_numpy() != rule, "municipality"].tolist()
        if wrong:
            raise ValueError(f"district differs from police_district_rules.csv for {wrong}")
    except (ValueError, KeyError) as e:
        raise ValueError(f"{where} is damaged: {e}") from None
    return t.rename(columns={str(y): y for y in YEARS})


def projection(path: str | Path | None = None) -> pd.DataFrame:
    """Persons on 1 January by police district (rows, :data:`DISTRICTS` order) and year (int
    columns 2023..2033): 2023-2024 registered, 2025 onwards SSB's projection (table 14288, MMMM).

    Checked on every read: all twelve districts; the national totals of 2023 and 2024 equal
    :data:`NATIONAL_TOTALS`; the 2024 sums equal ``population_2024.csv`` district by district.
    A failed check raises ``ValueError`` naming the file."""
    path = Path(path) if path is not None else PROJECTION_CSV
    t = municipalities(path)
    by_district = t.groupby("district")[list(YEARS)].sum()
    where = display_path(path)
    if set(by_district.index) != set(DISTRICTS):
        raise ValueError(f"{where} is damaged: districts {sorted(by_district.index)}, expected {DISTRICTS}")
    by_district = by_district.loc[list(DISTRICTS)]
    by_district.index.name = "district"
    by_district.columns.name = "year"
    for year, total in NATIONAL_TOTALS.items():
        if by_district[year].sum() != total:
            raise ValueError(f"{where} is damaged: {year} total {by_district[year].sum()}, expected {total}")
    off = by_district[2024] - population()
    if (off != 0).any():
        raise ValueError(f"{where} is damaged: 2024 differs from population_2024.csv by {off[off != 0].to_dict()}")
    return by_district


def growth(base_year: int, years: Iterable[int] | None = None, path: str | Path | None = None) -> pd.DataFrame:
    """Persons in each of ``years`` over persons in ``base_year``, by district (rows, :data:`DISTRICTS`
    order; int year columns; a ratio, 1 at the base year). ``years`` defaults to all :data:`YEARS`.
    A year outside 2023..2033 raises ``ValueError``."""
    years = list(YEARS) if years is None else [int(y) for y in years]
    outside = sorted({int(base_year), *years} - set(YEARS))
    if outside:
        raise ValueError(f"year(s) {outside} outside the projection file's {YEARS[0]}..{YEARS[-1]}")
    p = projection(path)
    return p[years].div(p[int(base_year)], axis=0)


@cache
def _modelled_growth(year: int, base_year: int, excluded: tuple[str, ...]) -> float:
    """The modelled districts' persons in ``year`` over those in ``base_year`` (read once per key)."""
    outside = sorted({year, base_year} - set(YEARS))
    if outside:
        raise ValueError(
            f"population_growth='on': year(s) {outside} outside the projection's {YEARS[0]}..{YEARS[-1]} "
            f"({display_path(PROJECTION_CSV)})"
        )
    p = projection()
    modelled = list(modelled_districts(excluded))
    return float(p.loc[modelled, year].sum() / p.loc[modelled, base_year].sum())


def volume_growth(year: int | None, a: Assumptions) -> float:
    """Contacts in ``year`` per contact of the data year: 1 under ``population_growth="off"`` (the
    report) and for the data year itself (``year`` None); under ``"on"``,
    ``1 + population_growth_scale x (P(year) / P(data_year) - 1)``, P the persons of the modelled
    districts (all but ``excluded_districts``) on 1 January. One factor for every board: the
    districts' own growth differs (Øst +10.7 %, Nordland +1.6 % from 2023 to 2033), which this
    leaves out (docs/model.md §14 measures what that costs). An ``(n, 1)`` array when a batch
    draws the scale."""
    if year is None or a.population_growth != "on":
        return 1.0
    g = _modelled_growth(int(year), int(a.data_year), tuple(a.excluded_districts))
    return 1.0 + a.population_growth_scale * (g - 1.0)
