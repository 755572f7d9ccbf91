"""SSB's 2024 population projection (table 14288, MMMM) by police district: the data file, the
municipality-to-district rule, and the library's projection() and growth()."""

from __future__ import annotations

import pandas as pd
import pytest

from lib.core.districts import DISTRICTS
from lib.traffic import population as pp


def _raw() -> pd.DataFrame:
    return pd.read_csv(pp.PROJECTION_CSV, dtype={"municipality": str, "district": str})


def test_the_rule_gives_population_2024_exactly_in_every_district():
    # The rule, applied here by hand to the file's municipality codes, summed over the registered
    # 2024 column, must give the repository's independent residents by district to the person.
    raw, rules = _raw(), pd.read_csv(pp.RULES_CSV, dtype=str)
    own = rules[rules["level"] == "municipality"].set_index("code")["district"]
    county = rules[rules["level"] == "county"].set_index("code")["district"]
    district = raw["municipality"].map(own).fillna(raw["municipality"].str[:2].map(county))
    sums = raw.groupby(district)["2024"].sum()
    expected = pd.read_csv(pp.LIB_DATA / "population_2024.csv", index_col="district")["residents"]
    pd.testing.assert_series_equal(sums.loc[list(DISTRICTS)], expected, check_names=False)
    pd.testing.assert_series_equal(pp.projection()[2024], expected, check_names=False)


def test_national_totals_of_the_registered_years():
    p = pp.projection()
    assert p[2023].sum() == 5_488_984 == pp.NATIONAL_TOTALS[2023]
    assert p[2024].sum() == 5_550_203 == pp.NATIONAL_TOTALS[2024]


def test_every_municipality_once_in_a_known_district_by_the_rule():
    raw = _raw()
    assert len(raw) == pp.N_MUNICIPALITIES == 357
    assert raw["municipality"].is_unique and raw["municipality"].str.fullmatch(r"\d{4}").all()
    assert set(raw["district"]) == set(DISTRICTS)
    assert (raw["district"].to_numpy() == pp.police_district(raw["municipality"]).to_numpy()).all()
    # Every rule is used, and every exception differs from its county's district (else it is noise).
    rules = pp.rules()
    counties = rules[rules["level"] == "county"].set_index("code")["district"]
    own = rules[rules["level"] == "municipality"]
    assert set(counties.index) == set(raw["municipality"].str[:2])
    assert set(own["code"]) <= set(raw["municipality"])
    assert (own["district"].to_numpy() != own["code"].str[:2].map(counties).to_numpy()).all()
    with pytest.raises(ValueError, match="no district"):
        pp.police_district(["2111"])  # Svalbard: not a municipality, not in any rule


def test_projection_is_districts_by_years():
    p = pp.projection()
    assert tuple(p.index) == DISTRICTS
    assert list(p.columns) == list(range(2023, 2034)) == list(pp.YEARS)
    assert (p > 0).all().all()
    assert (pp.TABLE, pp.ALTERNATIVE, pp.VINTAGE) == ("14288", "MMMM", 2024)


def test_growth_is_one_at_the_base_year():
    for base in (2023, 2024, 2030):
        g = pp.growth(base)
        assert (g[base] == 1.0).all()
        assert tuple(g.index) == DISTRICTS


def test_growth_2023_to_2033_is_sane():
    g = pp.growth(2023, [2026, 2033])
    print("\n" + g.round(4).to_string())
    assert list(g.columns) == [2026, 2033]
    assert ((g > 1.0) & (g < 1.15)).all().all()  # every district grows, none by more than 15 %
    p = pp.projection()
    national = p[2033].sum() / p[2023].sum()
    print(f"national 2023->2033: {national:.4f}")
    assert 1.05 < national < 1.07  # about +6 %
    assert g.loc["Øst", 2033] == g[2033].max()  # Akershus and Østfold grow fastest
    assert g.loc["Nordland", 2033] == g[2033].min()


@pytest.mark.parametrize("base, years", [(2022, [2024]), (2023, [2034]), (2023, [2026, 1990])])
def test_growth_refuses_a_year_outside_the_file(base, years):
    with pytest.raises(ValueError, match=r"outside .*2023\.\.2033"):
        pp.growth(base, years)


def _damage(tmp_path, change):
    """A copy of the file, changed, in tmp_path (never the file itself)."""
    raw = change(_raw())
    path = tmp_path / "population_projection_14288.csv"
    raw.to_csv(path, index=False)
    return path


def _one_more_in_2024(t):
    t.loc[5, "2024"] += 1
    return t


def _a_row_dropped(t):
    return t.drop(index=3)


def _baerum_in_ost(t):
    t.loc[t["municipality"] == "3201", "district"] = "Øst"
    return t


def _halves_in_2030(t):
    return t.assign(**{"2030": t["2030"] / 2})


def _no_2033(t):
    return t.drop(columns="2033")


@pytest.mark.parametrize(
    "change, why",
    [
        (_one_more_in_2024, "2024 total"),
        (_a_row_dropped, "357 municipalities"),
        (_baerum_in_ost, "police_district_rules"),
        (_halves_in_2030, "whole numbers"),
        (_no_2033, "columns"),
    ],
)
def test_a_damaged_file_is_named_in_the_error(tmp_path, monkeypatch, change, why):
    path = _damage(tmp_path, change)
    with pytest.raises(ValueError, match=rf"population_projection_14288\.csv is damaged: .*{why}"):
        pp.projection(path)
    # and through the default path, as growth() reads it
    monkeypatch.setattr(pp, "PROJECTION_CSV", path)
    with pytest.raises(ValueError, match=r"population_projection_14288\.csv is damaged"):
        pp.growth(2023)


def test_a_district_sum_off_population_2024_is_refused(tmp_path):
    # Moving one person between two districts keeps the national totals but not the districts.
    def move(t):
        t.loc[t["municipality"] == "0301", "2024"] -= 1
        t.loc[t["municipality"] == "5601", "2024"] += 1
        return t

    with pytest.raises(ValueError, match=r"population_projection_14288\.csv is damaged: 2024 differs .*Oslo"):
        pp.projection(_damage(tmp_path, move))
