"""Tabell A.2 and Figur A.1/A.2 aggregates (lib.calllog.describe), on hand-made cleaned logs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from lib.calllog import describe
from lib.core.assumptions import PUBLISHED, Assumptions

#: The rows of Tabell A.2 and Figur A.1/A.2 leave out Trøndelag's switchboard calls (the report's value).
MISSING = ("Trøndelag",)


def clean(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["district", "queue", "arrived_at", "wait_s", "talk_s", "answered"])
    df.insert(0, "call_id", [f"X{i}" for i in range(len(df))])
    df["arrived_at"] = pd.to_datetime(df["arrived_at"]).dt.tz_localize("Europe/Oslo", ambiguous=True)
    df["wait_s"] = df["wait_s"].astype(float)
    df["talk_s"] = df["talk_s"].astype(float)
    df["in_scope"] = df["district"] != "Trøndelag"
    df["id_conflict"] = False
    return df


MON, SAT = "2023-01-02", "2023-01-07"  # a Monday and a Saturday

# Switchboard: 4 calls, 3 answered with waits 10, 20, 100 -> mean 43.333, 2/3 within 95 s.
# OPS: 2 calls (one in Trøndelag, included), 1 answered with wait 95 -> within (<= 95 s).
# Trøndelag switchboard: excluded from Tabell A.2 as in the report.
ROWS = [
    ("Oslo", "sentralbord", f"{MON} 09:15", 10, 100, True),
    ("Agder", "sentralbord", f"{MON} 09:45", 20, 50, True),
    ("Oslo", "sentralbord", f"{MON} 10:00", 100, 60, True),
    ("Vest", "sentralbord", f"{SAT} 10:00", 40, 0, False),
    ("Oslo", "operasjonssentral", f"{SAT} 23:00", 95, 30, True),
    ("Trøndelag", "operasjonssentral", f"{MON} 09:30", 300, 0, False),
    ("Trøndelag", "sentralbord", f"{MON} 09:30", 1, 1, True),
]


def test_table_a2_by_hand():
    a2 = describe.table_a2(clean(ROWS), service_time_s=95, missing_switchboards=MISSING)
    assert list(a2.index) == ["Sentralbord", "Operasjonssentral", "Total"]
    assert a2[describe.CALLS].tolist() == [4, 2, 6]
    assert a2[describe.ANSWERED].tolist() == pytest.approx([3 / 4, 1 / 2, 4 / 6])
    assert a2[describe.ACCESS].tolist() == pytest.approx([130 / 3, 95.0, 225 / 4])
    within = describe.within_label(95)
    assert within == "Andel besvart innen 95 sekunder"
    assert a2[within].tolist() == pytest.approx([2 / 3, 1.0, 3 / 4])


def test_table_a2_service_time_default_is_the_reports():
    report = Assumptions()
    a2 = describe.table_a2(
        clean(ROWS), service_time_s=report.service_time_today_s, missing_switchboards=report.excluded_districts
    )
    assert "Andel besvart innen 95 sekunder" in a2.columns


def test_missing_switchboards_is_a_parameter():
    a2 = describe.table_a2(clean(ROWS), service_time_s=95, missing_switchboards=())
    assert a2[describe.CALLS].tolist() == [5, 2, 7]


def test_comparison_with_the_report():
    a2 = describe.table_a2(clean(ROWS), service_time_s=95, missing_switchboards=MISSING)
    cmp = describe.table_a2_vs_report(a2)
    assert list(cmp.columns) == ["Kø", "Mål", "Beregnet", "Rapport", "Differanse"]
    assert len(cmp) == 12
    line = cmp[(cmp["Kø"] == "Operasjonssentral") & (cmp["Mål"] == describe.CALLS)].iloc[0]
    assert line["Rapport"] == PUBLISHED["ops_calls"].value
    assert line["Differanse"] == 2 - PUBLISHED["ops_calls"].value
    sl = cmp[cmp["Mål"] == describe.within_label(95)]
    assert sl["Rapport"].isna().tolist() == [True, True, False]
    assert sl["Differanse"].iloc[2] == pytest.approx(0.75 - PUBLISHED["service_level_95s"].value)


def test_hourly_profile_by_hand():
    prof = describe.hourly_profile(clean(ROWS), "weekday", year=2023, missing_switchboards=MISSING)
    assert list(prof.columns) == ["hour", "days", "calls", "answered", "calls_per_hour", "answer_rate"]
    assert prof["hour"].tolist() == list(range(24))
    # weekday rows without Trøndelag's switchboard: 09:15, 09:45, 10:00 (switchboard), 09:30 (OPS)
    assert prof.loc[9, "calls"] == 3 and prof.loc[9, "answered"] == 2
    assert prof.loc[10, "calls"] == 1
    assert prof.loc[9, "calls_per_hour"] == pytest.approx(3 / 260)
    assert prof.loc[9, "answer_rate"] == pytest.approx(2 / 3)
    assert np.isnan(prof.loc[3, "answer_rate"]) and prof.loc[3, "calls"] == 0
    wk = describe.hourly_profile(clean(ROWS), "weekend", year=2023, missing_switchboards=MISSING)
    assert wk.loc[10, "calls"] == 1 and wk.loc[23, "calls"] == 1 and wk["calls"].sum() == 2
    assert wk.loc[23, "calls_per_hour"] == pytest.approx(1 / 105)


def test_hourly_profile_uses_local_hours_on_dst_days():
    rows = [
        ("Oslo", "sentralbord", "2023-03-26 03:30", 5, 5, True),  # Sunday after the jump
        ("Oslo", "sentralbord", "2023-10-29 02:30", 5, 5, True),
    ]  # Sunday, in the fold
    prof = describe.hourly_profile(clean(rows), "weekend", year=2023, missing_switchboards=MISSING)
    assert prof.loc[3, "calls"] == 1 and prof.loc[2, "calls"] == 1


def test_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        describe.hourly_profile(clean(ROWS), "holiday", year=2023, missing_switchboards=MISSING)


def test_plot_follows_the_report():
    prof = describe.hourly_profile(clean(ROWS), "weekday", year=2023, missing_switchboards=MISSING)
    fig = describe.plot_hourly_profile(prof, "weekday", year=2023)
    ax = fig.axes[0]
    bars_ax = fig.axes[1]
    assert ax.get_title().startswith("Figur A.1.") and "hverdag (mandag-fredag). 2023" in ax.get_title().replace(
        "\n", " "
    )
    assert ax.get_xlabel() == "Klokkeslett" and ax.get_ylim() == (0, 100)
    assert bars_ax.get_ylim() == (0, 600) and bars_ax.get_ylabel() == describe.BAR_LABEL
    assert len(bars_ax.patches) == 24
    big = prof.assign(calls_per_hour=prof["calls_per_hour"] + 650)
    fig2 = describe.plot_hourly_profile(big, "weekend", year=2023)
    assert fig2.axes[1].get_ylim() == (0, 700)
    assert fig2.axes[0].get_title().startswith("Figur A.2.")
    matplotlib.pyplot.close("all")
