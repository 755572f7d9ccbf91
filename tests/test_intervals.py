"""Interval statistics as input (issue 20, part 4): the reader, its rules and cleaning report, the
waiting-time estimate, and the chain from the arrival rates on, checked against the call log.

The small cases are hand-made; the full-year cases aggregate the synthetic log to 15-minute
intervals, write them as a vendor would, and compare Table 1 with the call-level run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from frames import CLEANING_SETTINGS

from lib.calllog import CallLogError, InvalidRowsError, clean_call_log, describe, forms, is_interval_frame, read_clean
from lib.calllog.intervals import (
    ANSWERED_ABOVE_OFFERED,
    BAD_LENGTH,
    COUNTS_DISAGREE,
    DST_GAP_START,
    INTERVAL_CLEAN_COLUMNS,
    NOT_ALIGNED,
    START_OUTSIDE_YEAR,
    WAIT_ESTIMATED,
    WITHIN_ABOVE_ANSWERED,
    wait_basis,
)
from lib.core.assumptions import Assumptions
from lib.model import implied, plan_check, staffing
from lib.model.concepts import board_hours
from lib.traffic import arrivals, patience
from lib.valuation import economics, table1

A = Assumptions()
HEADER = "interval_start;district;queue;offered;answered;abandoned;wait_total_s;talk_total_s"


def write(path, lines, header=HEADER):
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def clean(tmp_path, path, **kw):
    return clean_call_log(path, tmp_path / "processed", tmp_path / "outputs", **{**CLEANING_SETTINGS, **kw})


def counts(result) -> dict[str, object]:
    return dict(zip(result.report["item"], result.report["count"], strict=True))


def fmt(result) -> dict[str, str]:
    return dict(zip(result.input_format["item"], result.input_format["value"], strict=True))


QUARTERS = [
    "2023-02-01 10:00;Oslo;sentralbord;4;3;1;120;600",
    "2023-02-01 10:15;Oslo;sentralbord;2;2;0;10;300",
    "2023-02-01 10:30;Oslo;Sentralbord;0;0;0;0;0",
    "2023-02-01 10:45;Trøndelag;operasjonssentral;1;0;1;30;0",
]


# --- the reader ----------------------------------------------------------------------------------


def test_interval_statistics_are_recognised_and_cleaned(tmp_path):
    res = clean(tmp_path, write(tmp_path / "iv.csv", QUARTERS))
    assert res.kind == "intervals" and is_interval_frame(res.clean)
    assert list(res.clean.columns) == list(INTERVAL_CLEAN_COLUMNS)
    c = counts(res)
    assert (c["rows_read"], c["kept"], c["duplicate"], c["quarantined"], c["out_of_scope"]) == (4, 4, 0, 0, 1)
    assert (c["calls_offered"], c["calls_answered"], c["calls_abandoned"]) == (7, 5, 2)
    for item in ("zero_total", "outlier", "id_conflict"):  # what intervals cannot do is said, not skipped
        assert pd.isna(c[item])
        assert res.report.set_index("item").loc[item, "note"].startswith("not possible from interval statistics")
    f = fmt(res)
    assert f["interval_minutes"] == "15 minutes, inferred from the interval starts"
    assert f["waiting_time"] == "given for all callers: 4 row(s)"
    assert res.written["intervals_clean"].name == "intervals_clean.parquet"
    written = pd.read_csv(res.written["cleaning_report"])
    assert list(written.columns) == ["item", "count", "note"]
    pd.testing.assert_frame_equal(read_clean(tmp_path / "processed"), res.clean)


def test_a_call_log_run_and_an_interval_run_never_leave_both_files(tmp_path):
    clean(tmp_path, write(tmp_path / "iv.csv", QUARTERS))
    calls = tmp_path / "calls.csv"
    calls.write_text(
        "call_id,district,queue,arrived_at,wait_s,talk_s,answered\nA,Oslo,sentralbord,2023-02-01 10:00,1,2,ja\n"
    )
    clean(tmp_path, calls)
    assert sorted(p.name for p in (tmp_path / "processed").glob("*_clean.parquet")) == ["calls_clean.parquet"]
    clean(tmp_path, tmp_path / "iv.csv")
    assert sorted(p.name for p in (tmp_path / "processed").glob("*_clean.parquet")) == ["intervals_clean.parquet"]


def test_vendor_headers_means_and_clock_durations(tmp_path):
    header = "Intervall;Politidistrikt;Kø;Tilbudt;Besvart;Gjennomsnittlig svartid;Gjennomsnittlig samtaletid;Besvart innen 20 sek"
    lines = [
        "01.02.2023 10:00;Oslo politidistrikt;Sentralbordet;4;3;00:20;03:20;2",
        "01.02.2023 10:30;Oslo politidistrikt;Sentralbordet;2;0;;;0",  # no answered call: means left empty
        "01.02.2023 11:00;Oslo politidistrikt;Sentralbordet;2;2;10,5;100;2",
    ]
    res = clean(tmp_path, write(tmp_path / "iv.csv", lines, header=header))
    got = res.clean
    assert got["interval_minutes"].tolist() == [30, 30, 30]
    assert got["abandoned"].tolist() == [1, 2, 0]  # offered - answered
    assert got["talk_total_s"].tolist() == [600.0, 0.0, 200.0]
    assert got["wait_answered_s"].tolist() == [60.0, 0.0, 21.0]
    # only the answered calls' wait: the abandoned callers are taken to have waited as long
    # (an interval without an answered call: the district's and queue's answered-weighted mean)
    assert got["wait_total_s"].tolist() == pytest.approx([80.0, 2 * 81.0 / 5, 21.0])
    assert got["wait_total_estimated"].all() and fmt(res)["waiting_time"] == f"{WAIT_ESTIMATED}: 3 row(s)"
    assert got["answered_within"].tolist() == [2, 0, 2] and (got["service_time_s"] == 20).all()
    assert "estimated for 100% of the calls" in wait_basis(got)


def test_answered_and_abandoned_waiting_add_up_to_all_callers(tmp_path):
    header = "interval_start;district;queue;answered;abandoned;answered_wait_total_s;abandoned_wait_mean_s;talk_mean_s"
    line = "2023-02-01 10:00;Oslo;sentralbord;3;2;90;45;200"
    # a start off every boundary, and no step between starts that is an interval length
    with pytest.raises(CallLogError, match="the interval length cannot be told from the interval starts"):
        clean(tmp_path, write(tmp_path / "iv.csv", [line.replace("10:00", "10:07")], header))
    res = clean(tmp_path, write(tmp_path / "iv.csv", [line + ";60"], header + ";interval_minutes"))
    got = res.clean.iloc[0]
    assert (got["offered"], got["wait_total_s"], got["wait_answered_s"], got["talk_total_s"]) == (5, 180.0, 90.0, 600.0)
    assert not got["wait_total_estimated"] and got["interval_minutes"] == 60
    assert fmt(res)["interval_minutes"] == "from the column interval_minutes"


@pytest.mark.parametrize(
    "line, rule",
    [
        ("2023-02-01 10:00;Oslo;sentralbord;4;3;2;10;10", COUNTS_DISAGREE),
        ("2023-02-01 10:05;Agder;sentralbord;4;3;1;10;10", NOT_ALIGNED),
        ("2023-03-26 02:15;Oslo;sentralbord;4;3;1;10;10", DST_GAP_START),
        ("2024-01-01 00:00;Oslo;sentralbord;4;3;1;10;10", START_OUTSIDE_YEAR(2023)),
        ("2023-02-01 10:00;Oslo;sentralbord;4,5;3;1;10;10", "not a whole number in offered"),
        ("2023-02-01 10:00;Oslo;sentralbord;4;3;1;-10;10", "negative duration in wait_total_s"),
        ("2023-02-01 10:00;Narnia;sentralbord;4;3;1;10;10", "unknown district"),
    ],
)
def test_interval_rules(tmp_path, line, rule):
    path = write(tmp_path / "iv.csv", [*QUARTERS[:2], line])
    with pytest.raises(InvalidRowsError) as err:
        clean(tmp_path, path)
    assert f"{rule}: 1 row(s), first at row(s) 3" in str(err.value)
    res = clean(tmp_path, path, on_invalid="quarantine")
    assert counts(res)["quarantined"] == 1 and res.count("kept") == 2


def test_rules_of_derived_counts_lengths_and_service_levels(tmp_path):
    header = (
        "interval_start;interval_minutes;district;queue;offered;answered;wait_total_s;talk_total_s;answered_within_95s"
    )
    lines = [
        "2023-02-01 10:00;15;Oslo;sentralbord;2;3;10;10;1",
        "2023-02-01 10:00;20;Agder;sentralbord;2;1;10;10;1",
        "2023-02-01 10:00;60;Vest;sentralbord;2;1;10;10;2",
    ]
    with pytest.raises(InvalidRowsError) as err:
        clean(tmp_path, write(tmp_path / "iv.csv", lines, header))
    msg = str(err.value)
    assert f"{ANSWERED_ABOVE_OFFERED}: 1 row(s), first at row(s) 1" in msg
    assert f"{BAD_LENGTH}: 1 row(s), first at row(s) 2" in msg
    assert f"{WITHIN_ABOVE_ANSWERED}: 1 row(s), first at row(s) 3" in msg


def test_duplicates_are_removed_and_rows_of_one_interval_summed(tmp_path):
    lines = [*QUARTERS, QUARTERS[0], "2023-02-01 10:00;Oslo;sentralbord;1;1;0;5;50"]
    res = clean(tmp_path, write(tmp_path / "iv.csv", lines))
    c = counts(res)
    assert (c["rows_read"], c["duplicate"], c["kept"], c["shared_interval"]) == (6, 1, 5, 2)
    assert c["calls_offered"] == 8
    rates = arrivals.count_arrivals(res.clean[res.clean["in_scope"]], ("Oslo",), 2023)
    assert rates.sum() == 7 and rates.max() == 7  # one hour: 4 + 1 + 2 + 0


def test_the_autumn_fold_is_read_in_file_order(tmp_path):
    lines = [
        "29.10.2023 01:45;Oslo;sentralbord;1;1;0;1;1",
        "29.10.2023 02:00;Oslo;sentralbord;2;2;0;1;1",
        "29.10.2023 02:45;Oslo;sentralbord;3;3;0;1;1",
        "29.10.2023 02:00;Oslo;sentralbord;4;4;0;1;1",  # the same local time again: winter time
        "29.10.2023 03:00;Oslo;sentralbord;5;5;0;1;1",
    ]
    res = clean(tmp_path, write(tmp_path / "iv.csv", lines))
    offsets = res.clean["interval_start"].dt.strftime("%H:%M%z").tolist()
    assert offsets == ["01:45+0200", "02:00+0200", "02:45+0200", "02:00+0100", "03:00+0100"]
    assert counts(res)["shared_interval"] == 0


def test_several_interval_files_are_one_table(tmp_path):
    write(tmp_path / "raw" / "a.csv", QUARTERS[:2]) if (tmp_path / "raw").mkdir() is None else None
    write(tmp_path / "raw" / "b.csv", QUARTERS[1:])
    res = clean(tmp_path, tmp_path / "raw")
    report = res.report.set_index("item")
    assert list(report.columns) == ["count", "a.csv", "b.csv", "note"]
    assert report.loc["duplicate"].tolist()[:3] == [1, 0, 1]
    assert report.loc["calls_offered"].tolist()[:3] == [7, 6, 1]


# --- the chain on intervals, against the call log ------------------------------------------------


def _calls():
    """A small call log over two days of Oslo and Agder, both queues, with waits and talk."""
    rng = np.random.default_rng(7)
    n = 3_000
    t = pd.Timestamp("2023-03-01", tz="Europe/Oslo") + pd.to_timedelta(rng.integers(0, 60 * 86_400, n), unit="s")
    answered = rng.random(n) < 0.8
    return pd.DataFrame(
        {
            "call_id": [f"C{i}" for i in range(n)],
            "district": rng.choice(["Oslo", "Agder", "Trøndelag"], n),
            "queue": rng.choice(["sentralbord", "operasjonssentral"], n),
            "arrived_at": t,
            "wait_s": rng.integers(1, 300, n).astype(float),
            "talk_s": np.where(answered, rng.integers(20, 900, n), 0).astype(float),
            "answered": answered,
        }
    )


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same calls cleaned as a call log and as 15-minute interval statistics."""
    work = tmp_path_factory.mktemp("pair")
    calls = _calls()
    calls.to_parquet(work / "calls.parquet")
    by_calls = clean_call_log(work / "calls.parquet", work / "p1", work / "o1", **CLEANING_SETTINGS).clean
    path = forms.write_form(by_calls.drop(columns=["in_scope", "id_conflict"]), "intervals", work)
    by_intervals = clean_call_log(path, work / "p2", work / "o2", **CLEANING_SETTINGS).clean
    return by_calls, by_intervals


def test_rates_and_handling_times_from_intervals_equal_the_call_log_s(pair):
    calls, intervals = pair
    kw = {"year": 2023, "excluded_districts": ("Trøndelag",), "arrival_model": "glm", "after_call_work_s": 30.0}
    a, b = (arrivals.build_rates(x, min_answered=5, **kw) for x in (calls, intervals))
    pd.testing.assert_frame_equal(a.rates, b.rates)
    assert b.counts.set_index("item").loc["calls of the modelled districts", "count"] == int(calls["in_scope"].sum())


def test_patience_today_and_tabell_a2_from_intervals(pair):
    calls, intervals = pair
    for by in (["queue"], ["queue", "period"], ["district"]):
        got, want = patience.fit_patience(intervals, by), patience.fit_patience(calls, by)
        pd.testing.assert_frame_equal(
            got.drop(columns=["gof_km_max_diff", "gof_t_max_s"]), want.drop(columns=["gof_km_max_diff", "gof_t_max_s"])
        )
        assert got["gof_km_max_diff"].isna().all()
    with pytest.raises(ValueError, match="Kaplan–Meier needs each call's waiting time"):
        patience.kaplan_meier(intervals, ["queue"])
    assert economics.observed_mean_wait_s(intervals) == pytest.approx(economics.observed_mean_wait_s(calls), rel=1e-12)
    pd.testing.assert_frame_equal(economics.todays_picture(intervals, A), economics.todays_picture(calls, A))
    kw = {"service_time_s": 95.0, "missing_switchboards": ("Trøndelag",)}
    pd.testing.assert_frame_equal(describe.table_a2(intervals, **kw), describe.table_a2(calls, **kw))
    other = describe.table_a2(intervals, service_time_s=60.0, missing_switchboards=("Trøndelag",))
    assert other[describe.within_label(60.0)].isna().all()  # the export counts within 95 s only
    for kind in ("weekday", "weekend"):
        kw2 = {"year": 2023, "missing_switchboards": ("Trøndelag",)}
        pd.testing.assert_frame_equal(
            describe.hourly_profile(intervals, kind, **kw2), describe.hourly_profile(calls, kind, **kw2)
        )
    cells = [implied.observed_cells(x[x["in_scope"]], ("Oslo", "Agder"), 2023) for x in (calls, intervals)]
    pd.testing.assert_frame_equal(cells[1], cells[0], check_dtype=False)
    mean = plan_check.handling_times(intervals, 30.0, np.random.default_rng(1))
    used = calls[calls["in_scope"] & calls["answered"]]
    assert mean == pytest.approx(used["talk_s"].mean() + 30.0)


# --- the full synthetic year ---------------------------------------------------------------------


def _table1(clean: pd.DataFrame) -> pd.DataFrame:
    r = arrivals.build_rates(
        clean,
        year=A.data_year,
        excluded_districts=A.excluded_districts,
        arrival_model=A.arrival_model,
        after_call_work_s=A.after_call_work_s,
        min_answered=A.min_answered_per_cell,
    )
    run = staffing.run_all(board_hours(r.rates), A)
    return table1.table1(run, A, economics.observed_mean_wait_s(clean)).set_index("row")


@pytest.fixture(scope="module")
def call_level_table1(synthetic_cleaning):
    return _table1(synthetic_cleaning.clean)


def _relative(got: pd.DataFrame, want: pd.DataFrame) -> float:
    rel = ((got - want).abs() / want.abs()).to_numpy(dtype=float)
    return float(np.nanmax(rel))


def test_the_cleaned_year_as_15_minute_intervals_gives_table1_within_1_percent(
    synthetic_cleaning, call_level_table1, tmp_path
):
    # The calls the call-level run models, exported as a system's interval statistics
    # (Windows-1252, semicolon, vendor headers, hh:mm:ss totals, naive local starts)
    calls = synthetic_cleaning.clean.drop(columns=["in_scope", "id_conflict"])
    path = forms.write_form(calls, "intervals", tmp_path)
    res = clean(tmp_path, path)
    assert counts(res)["calls_offered"] == len(calls)
    got = _table1(res.clean)
    assert _relative(got, call_level_table1) <= 0.01
    assert np.allclose(got.to_numpy(dtype=float), call_level_table1.to_numpy(dtype=float), rtol=1e-9, equal_nan=True)


def test_the_raw_year_as_intervals_keeps_what_the_cleaning_would_remove(
    synthetic_year, synthetic_cleaning, call_level_table1, tmp_path
):
    # A real system's intervals hold every call, the defects the call-level cleaning removes
    # included; on the synthetic year the 936 calls over 30 minutes (0.05 %) raise the handling
    # time and move Table 1 by up to 3.5 % (docs/call_log_contract.md). Stated, and bounded here.
    res = clean(tmp_path, forms.write_form(synthetic_year, "intervals", tmp_path))
    assert counts(res)["calls_offered"] == len(synthetic_year)
    got = _table1(res.clean)
    assert 0.01 < _relative(got, call_level_table1) <= 0.04


def test_the_waiting_time_estimate_from_the_answered_calls_alone(synthetic_cleaning, tmp_path):
    # An export with only the answered calls' mean wait (ASA): the abandoned callers are taken to
    # have waited as long. On the synthetic year (the twin) they waited longer, so the estimate of
    # all callers' waiting time comes out ~6 % low; the patience fitted from it ~20 % low at the
    # operations centres (whose abandoned callers wait longest) and ~10 % high at the
    # switchboards (whose abandoned callers waited less than the answered ones).
    iv = forms.aggregate_intervals(synthetic_cleaning.clean.drop(columns=["in_scope", "id_conflict"]))
    asa = np.divide(iv["answered_wait_total_s"], iv["answered"], out=np.zeros(len(iv)), where=iv["answered"] > 0)
    table = pd.DataFrame(
        {
            "interval_start": iv["interval_start"].dt.strftime("%Y-%m-%dT%H:%M%z"),
            "district": iv["district"],
            "queue": iv["queue"],
            "offered": iv["offered"],
            "answered": iv["answered"],
            "answered_wait_mean_s": np.round(asa, 3),
            "talk_total_s": iv["talk_total_s"],
        }
    )
    path = tmp_path / "asa.csv"
    table.to_csv(path, index=False)
    res = clean(tmp_path, path)
    assert res.clean["wait_total_estimated"].all()
    ratio = res.clean["wait_total_s"].sum() / iv["wait_total_s"].sum()
    assert 0.91 < ratio < 0.97, ratio
    fitted = (
        patience.fit_patience(res.clean, ["queue"])["patience_s"]
        / patience.fit_patience(synthetic_cleaning.clean, ["queue"])["patience_s"]
    )
    assert 1.05 < fitted[0] < 1.15 and 0.75 < fitted[1] < 0.85, fitted
