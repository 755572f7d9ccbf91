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


# --- the option population_growth (issue 24): every year's volume x the modelled districts' growth


def test_volume_growth_is_the_modelled_districts_population_ratio_times_the_drawn_share():
    from lib.core.assumptions import Assumptions
    from lib.core.districts import modelled_districts

    off, on = Assumptions(), Assumptions(population_growth="on")
    assert pp.volume_growth(2033, off) == 1.0 and pp.volume_growth(None, on) == 1.0
    p = pp.projection()
    modelled = list(modelled_districts(on.excluded_districts))
    g = p.loc[modelled, 2033].sum() / p.loc[modelled, 2023].sum()
    assert pp.volume_growth(2033, on) == pytest.approx(g, rel=1e-15)
    half = on.replace(population_growth_scale=0.5)
    assert pp.volume_growth(2033, half) == pytest.approx(1 + 0.5 * (g - 1), rel=1e-15)
    with pytest.raises(ValueError, match="outside"):
        pp.volume_growth(2040, on.replace(last_year=2040))


def test_growth_on_staffs_every_year_as_if_its_rates_were_scaled_and_keeps_the_data_years_scale():
    # The option is one factor on every board's arrivals in a year: run_all with it equals run_all,
    # for that year alone, on rates scaled by the factor; person-years keep the data year's S_base.
    import numpy as np
    from frames import rates_frame

    from lib.core.assumptions import Assumptions
    from lib.model.staffing import run_all
    from lib.valuation.economics import CITIZEN, SUM
    from lib.valuation.table1 import table1

    rates = rates_frame(
        [[0, 3.5, 40, 250, 12.2, 0.4], [7, 0, 90, 20, 300, 1.0]],
        [[150, 200, 180, 240, 90, 300], [210, 100, 160, 200, 175, 120]],
    )
    off = Assumptions(first_year=2026, last_year=2028)
    on = off.replace(population_growth="on")
    grown = run_all(rates, on)
    plain = run_all(rates, off)
    for year in (2026, 2028):
        g = pp.volume_growth(year, on)
        scaled = rates.assign(rate_per_hour=rates["rate_per_hour"] * g)
        want = run_all(scaled, off, years=[year]).by_year.set_index("concept")["agent_hours"]
        got = grown.by_year[grown.by_year["year"] == year].set_index("concept")["agent_hours"]
        assert got.to_dict() == want.to_dict()
    assert grown.person_years_per_agent_hour == plain.person_years_per_agent_hour  # 90 / the data year's S_base
    base = grown.by_year[grown.by_year["concept"] == "base"]
    assert base["agent_hours"].is_monotonic_increasing and base["agent_hours"].iloc[-1] > plain.base_agent_hours
    # the citizens' time of the calls politiet.no removes grows with the volume, year by year
    t_on, t_off = table1(grown, on, 50.0).set_index("row"), table1(plain, off, 50.0).set_index("row")
    years = np.arange(2026, 2029)
    weights = 1.04 ** -(years - 2026)
    growth = (weights * [pp.volume_growth(int(y), on) for y in years]).sum() / weights.sum()
    assert t_on.loc[CITIZEN, "I"] == pytest.approx(t_off.loc[CITIZEN, "I"] * growth, rel=1e-12)
    assert np.isfinite(t_on.loc[SUM].to_numpy(dtype=float)).all()


def test_the_district_growth_check_scales_each_district_by_its_own_growth():
    from frames import rates_frame

    from lib.core.assumptions import Assumptions
    from lib.model.growth import district_growth_check
    from lib.model.staffing import run_all

    rates = rates_frame(
        [[0, 3.5, 40, 250, 12.2, 0.4], [7, 0, 90, 20, 300, 1.0]],
        [[150, 200, 180, 240, 90, 300], [210, 100, 160, 200, 175, 120]],
    )  # Oslo and Agder
    a = Assumptions(first_year=2026, last_year=2033)
    check = district_growth_check(rates, a, 2033).set_index("effect")
    g = pp.growth(2023, [2033])[2033]
    assert g["Oslo"] != g["Agder"]
    by_hand = rates.assign(rate_per_hour=rates["rate_per_hour"] * rates["district"].map(g))
    s = run_all(by_hand, a, years=[2033]).by_year.set_index("concept")["agent_hours"]
    assert check.loc["politiet_no", "by_district"] == s["base"] - s["I"]
    assert check.loc["kontaktsenter", "by_district"] == s["IIb"] - s["III"]
    flat = run_all(rates, a, years=[2033]).by_year.set_index("concept")["agent_hours"]
    assert check.loc["politiet_no", "flat"] == flat["base"] - flat["I"]
    assert (check["difference"] == check["uniform"] - check["by_district"]).all()
