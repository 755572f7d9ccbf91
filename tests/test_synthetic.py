"""The synthetic 2023 call log: contract, calibration, determinism, routing and defects."""

from __future__ import annotations

import gzip
import hashlib
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from lib.calllog import CONTRACT_COLUMNS, Thresholds, kept_mask
from lib.calllog import synthetic as syn
from lib.calllog.opening_hours import is_open
from lib.core.assumptions import PUBLISHED
from lib.core.districts import DISTRICTS, OPS, SWITCHBOARD
from lib.core.oslo_calendar import TIMEZONE, day_type, hour_starts


@pytest.fixture(scope="module")
def full():
    """The default log once per session, with the planted-defect labels."""
    return syn.generate(seed=2023, keep_kind=True)


@pytest.fixture(scope="module")
def raw(full):
    return full[list(CONTRACT_COLUMNS)]


@pytest.fixture(scope="module")
def cleaned(raw):
    # the project's cleaning rules (lib.calllog.rules) at App. B's 30 minutes, as the calibration uses them
    return raw[kept_mask(raw, Thresholds(outlier_threshold_s=1800.0))]


@pytest.fixture(scope="module")
def table(raw):
    return syn.calibration_table(raw)


def _hash(df: pd.DataFrame) -> str:
    return hashlib.sha256(pd.util.hash_pandas_object(df, index=True).to_numpy().tobytes()).hexdigest()


# --- contract --------------------------------------------------------------------------------
def test_schema_and_dtypes(raw):
    assert tuple(raw.columns) == CONTRACT_COLUMNS
    assert pd.api.types.is_string_dtype(raw["call_id"])
    assert pd.api.types.is_string_dtype(raw["district"]) and pd.api.types.is_string_dtype(raw["queue"])
    assert isinstance(raw["arrived_at"].dtype, pd.DatetimeTZDtype) and str(raw["arrived_at"].dt.tz) == TIMEZONE
    assert raw["wait_s"].dtype == np.float64 and raw["talk_s"].dtype == np.float64
    assert raw["answered"].dtype == bool
    assert raw["call_id"].str.fullmatch(r"SYN\d{8}").all()
    assert set(raw["district"].unique()) == set(DISTRICTS) and set(raw["queue"].unique()) == {SWITCHBOARD, OPS}
    assert (raw["wait_s"] >= 0).all() and (raw["talk_s"] >= 0).all()
    assert (raw.loc[~raw["answered"], "talk_s"] == 0).all()  # contract: unanswered has no talk
    assert raw["arrived_at"].dt.year.eq(2023).all()
    assert raw["arrived_at"].is_monotonic_increasing


def test_exact_registered_counts_per_queue(raw):
    counts = raw["queue"].value_counts()
    assert counts[SWITCHBOARD] == PUBLISHED["switchboard_calls"].value
    assert counts[OPS] == PUBLISHED["ops_calls"].value


def test_calibration_table_is_all_ok(table):
    checked = table[table["rule"] != "report"]
    assert len(checked) >= 20
    bad = checked[~checked["ok"].astype(bool)]
    assert bad.empty, bad.to_string()


def test_calibration_table_can_fail():
    # a log that answers everything must fail the answered-share checks
    small = syn.generate(seed=1, switchboard_calls=30_000, ops_calls=18_000)
    t = syn.calibration_table(small.assign(answered=True, talk_s=small["talk_s"].clip(lower=1)))
    bad = set(t.loc[t["ok"].eq(False), "fact"])
    assert {"switchboard_answered_share", "ops_answered_share"} <= bad


def test_hand_checkable_calibration_aggregates():
    # 4 switchboard calls (3 answered: waits 10, 20, 120) and 2 OPS calls (1 answered: 200).
    df = pd.DataFrame(
        {
            "call_id": [f"SYN{i:08d}" for i in range(6)],
            "district": ["Oslo"] * 6,
            "queue": [SWITCHBOARD] * 4 + [OPS] * 2,
            "arrived_at": pd.date_range("2023-03-06 10:00", periods=6, freq="min", tz=TIMEZONE),
            "wait_s": [10.0, 20.0, 120.0, 30.0, 200.0, 40.0],
            "talk_s": [60.0, 60.0, 60.0, 0.0, 60.0, 0.0],
            "answered": [True, True, True, False, True, False],
        }
    )
    f = syn._facts(df)
    assert f["switchboard_answered_share"] == 0.75 and f["ops_answered_share"] == 0.5
    assert f["switchboard_mean_access_s"] == 50.0 and f["ops_mean_access_s"] == 200.0
    assert f["total_mean_access_s"] == 87.5 and f["service_level_95s"] == 0.5


# --- determinism ---------------------------------------------------------------------------------
def test_same_seed_same_log_and_other_seed_other_log():
    small = {"switchboard_calls": 30_000, "ops_calls": 18_000}
    a, b = syn.generate(seed=7, **small), syn.generate(seed=7, **small)
    c = syn.generate(seed=8, **small)
    assert _hash(a) == _hash(b)
    assert _hash(a) != _hash(c)


@settings(max_examples=4, deadline=None)
@given(st.integers(2_000, 20_000), st.integers(2_000, 20_000), st.integers(0, 2**32 - 1))
def test_counts_are_exact_for_any_size_and_seed(n_sb, n_ops, seed):
    df = syn.generate(seed=seed, switchboard_calls=n_sb, ops_calls=n_ops)
    assert (df["queue"] == SWITCHBOARD).sum() == n_sb and (df["queue"] == OPS).sum() == n_ops


# --- time ----------------------------------------------------------------------------------------
def test_daylight_saving_days_have_23_and_25_hours(raw):
    local = raw["arrived_at"]
    for day, n_hours in (("2023-03-26", 23), ("2023-10-29", 25)):
        on_day = local[local.dt.tz_localize(None).dt.normalize() == pd.Timestamp(day)]
        elapsed_hours = on_day.dt.tz_convert("UTC").dt.floor("h").nunique()
        assert elapsed_hours == n_hours
    spring = local[local.dt.tz_localize(None).dt.normalize() == pd.Timestamp("2023-03-26")]
    assert 2 not in set(spring.dt.hour)


def test_every_elapsed_hour_of_the_year_has_calls(raw):
    hours = raw["arrived_at"].dt.tz_convert("UTC").dt.floor("h").nunique()
    assert hours == len(hour_starts(2023)) == 8760


# --- routing ---------------------------------------------------------------------------------------
def test_trondelag_has_only_ops_calls(raw):
    trd = raw[raw["district"] == "Trøndelag"]
    assert len(trd) > 10_000 and (trd["queue"] == OPS).all()


def test_switchboard_calls_inside_opening_hours_ops_calls_outside(raw):
    open_ = is_open(raw["district"].to_numpy(), raw["arrived_at"])
    sb = (raw["queue"] == SWITCHBOARD).to_numpy()
    assert open_[sb].all()
    # no OPS call inside opening hours, not even in Trøndelag: the calls its open
    # switchboard took are the ones missing from the log
    assert not (open_ & ~sb).any()
    assert ((~open_) == ~sb).all()


def test_natural_ops_share_is_close_to_the_published_one():
    # the volume shape itself puts ≈ 37.7 % of the logged calls outside opening hours,
    # so the exact counts hardly distort it
    published = PUBLISHED["ops_calls"].value / PUBLISHED["total_calls"].value
    assert syn.natural_ops_share() == pytest.approx(published, abs=0.005)


# --- defects ---------------------------------------------------------------------------------------
def test_defects_present_in_the_documented_amounts(full, raw, cleaned):
    expected = syn.defect_counts()
    kinds = full["kind"].value_counts()
    assert kinds["duplicate"] == expected.loc["duplicate"].sum() > 0
    assert kinds["zero_total"] == expected.loc["zero_total"].sum() > 0
    assert kinds["talk_outlier"] + kinds["wait_outlier"] == expected.loc[["talk_outlier", "wait_outlier"]].sum().sum()
    # what the cleaning rules find, counted independently of the labels
    dup = raw.duplicated(keep="first")
    assert dup.sum() == expected.loc["duplicate"].sum()
    rest = raw[~dup]
    zero = (rest["wait_s"] + rest["talk_s"]) == 0
    assert zero.sum() == expected.loc["zero_total"].sum()
    rest = rest[~zero]
    outlier = (rest["talk_s"] > 1800) | (rest["wait_s"] > 1800)
    assert outlier.sum() == expected.loc[["talk_outlier", "wait_outlier"]].sum().sum()
    assert (rest["wait_s"] > 1800).sum() == expected.loc["wait_outlier"].sum() > 0
    # id conflicts: ids shared by rows that are not exact duplicates
    kept = raw[~dup]
    shared = kept["call_id"].duplicated(keep=False)
    assert shared.sum() == 2 * syn.SyntheticParams().id_conflicts
    assert not kept[shared].duplicated(subset=["district", "queue", "arrived_at", "wait_s", "talk_s", "answered"]).any()
    assert len(cleaned) == len(raw) - expected.drop("id_conflict").sum().sum()
    assert cleaned.index.equals(outlier.index[~outlier.to_numpy()])


def test_normal_rows_never_trip_a_cleaning_rule(full):
    normal = full[full["kind"].isin(["normal", "id_conflict"])]
    assert ((normal["wait_s"] + normal["talk_s"]) > 0).all()
    assert (normal["wait_s"] <= 1800).all() and (normal["talk_s"] <= 1800).all()
    assert (normal.loc[normal["answered"], "talk_s"] >= 1).all()


# --- distributions and patterns ------------------------------------------------------------------
def test_talk_time_mean_from_footnote_11(cleaned):
    talk = cleaned.loc[cleaned["answered"], "talk_s"]
    assert syn.SyntheticParams().talk_mean_s == pytest.approx(147.5)  # 5 min − 1.5 min − 62.5 s
    assert talk.mean() == pytest.approx(147.5, abs=1.0)
    assert talk.median() < talk.mean()  # right-skewed (lognormal)


def test_access_time_has_an_exponential_tail(raw):
    w = raw.loc[raw["answered"] & (raw["queue"] == OPS) & (raw["wait_s"] <= 1800), "wait_s"].to_numpy()
    # beyond the ring of at-once answers, survival falls by a roughly constant factor per minute
    surv = np.array([(w > t).mean() for t in (60, 120, 180, 240)])
    ratios = surv[1:] / surv[:-1]
    assert np.all((ratios > 0.35) & (ratios < 0.7)) and np.ptp(ratios) < 0.1


def test_weekly_monthly_and_holiday_patterns(raw):
    local = raw["arrived_at"].dt.tz_localize(None)
    daily = local.dt.normalize().value_counts().sort_index()
    dates = daily.index
    kinds = day_type(dates)
    ordinary = daily[kinds == 0]
    by_weekday = ordinary.groupby(ordinary.index.day_of_week).mean()
    assert by_weekday.idxmax() == 0  # Monday highest
    monthly = daily.groupby(dates.month).mean()
    assert monthly.idxmin() == 7 and monthly[12] < monthly.drop([7, 12]).min()
    sundays = daily[(dates.day_of_week == 6) & (dates.month.isin([5, 6]))].mean()
    wednesdays = ordinary[(ordinary.index.day_of_week == 2) & (ordinary.index.month.isin([5, 6]))].mean()
    may17 = daily[pd.Timestamp("2023-05-17")]  # a Wednesday, Constitution Day
    assert may17 == pytest.approx(sundays, rel=0.1)
    assert abs(may17 - sundays) < 0.25 * abs(may17 - wednesdays)


def test_weekday_shape_as_figure_a1(raw):
    prof = syn.hourly_profile(raw).set_index(["group", "hour"])
    wd = prof.loc["weekday", "calls_per_hour"]
    assert 200 < wd.max() < 600 and 8 <= wd.idxmax() <= 14
    assert wd.loc[16] < wd.loc[15] and wd.loc[0:7].max() < wd.loc[8:15].min()
    we = prof.loc["weekend", "calls_per_hour"]
    assert we.max() < wd.max() and we.loc[2:5].mean() < 0.3 * we.max()


# --- helpers, checked by hand or by quadrature ---------------------------------------------------
def test_period_codes():
    hours = np.array([6, 7, 15, 16, 19, 20, 23, 6, 7, 12, 13, 20, 21])
    day_type = np.array([0] * 7 + [2] * 6)
    assert syn.period_code(hours, day_type).tolist() == [2, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 2]


def test_truncated_distributions():
    assert syn._trunc_expon_mean(50.0, 1e9) == pytest.approx(50.0)
    # mean of an exponential(mean 100) given ≤ 100: 100 − 100 e^-1 / (1 − e^-1) = 41.802
    assert syn._trunc_expon_mean(100.0, 100.0) == pytest.approx(41.802, abs=1e-3)
    mu = syn._lognormal_mu(147.5, 0.9, 1800.0)

    def dens(x):
        return np.exp(-((np.log(x) - mu) ** 2) / (2 * 0.81)) / (x * 0.9 * np.sqrt(2 * np.pi))

    num, _ = integrate.quad(lambda x: x * dens(x), 0, 1800, limit=200)
    den, _ = integrate.quad(dens, 0, 1800, limit=200)
    assert num / den == pytest.approx(147.5, rel=1e-6)
    assert syn._solve_level(np.array([1.0]), np.array([0.0]), 0.79) == pytest.approx(special.logit(0.79))


@settings(max_examples=30, deadline=None)
@given(st.floats(1.0, 600.0), st.floats(60.0, 3600.0))
def test_truncated_exponential_draws_stay_under_the_cap(mean, cap):
    rng = np.random.default_rng(0)
    x = syn._trunc_expon(rng, np.full(2_000, mean), cap)
    assert (x >= 0).all() and (x <= cap).all()


def test_parquet_round_trip_keeps_the_contract(tmp_path):
    df = syn.generate(seed=3, switchboard_calls=5_000, ops_calls=3_000)
    df.to_parquet(tmp_path / "calls.parquet", index=False)
    back = pd.read_parquet(tmp_path / "calls.parquet")
    pd.testing.assert_frame_equal(back, df)
    assert str(back["arrived_at"].dtype) == "datetime64[us, Europe/Oslo]"


# --- the synthetic marker: the generated log can be told from a real export ----------------------
def test_written_log_carries_the_marker_and_keeps_the_rows(tmp_path):
    df = syn.generate(seed=5, switchboard_calls=3_000, ops_calls=2_000)
    marked = syn.write_log(df, tmp_path / "sub" / "calls.parquet", seed=5)
    assert syn.synthetic_seed(marked) == 5
    meta = pq.read_schema(marked).metadata
    assert json.loads(meta[syn.MARKER_KEY.encode()]) == {"generator": "lib.calllog.synthetic", "seed": 5}
    # the rows are what a plain to_parquet writes: same table, same DataFrame read back
    df.to_parquet(tmp_path / "plain.parquet", index=False)
    assert pq.read_table(marked).equals(pq.read_table(tmp_path / "plain.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(marked), df)
    assert b"pandas" in meta  # the pandas schema (dtypes, time zone) is kept


def test_main_writes_through_the_marking_writer(tmp_path, monkeypatch, capsys):
    tiny = syn.generate(seed=9, switchboard_calls=3_000, ops_calls=2_000)
    monkeypatch.setattr(syn, "generate", lambda seed, progress=False: tiny)
    assert syn.main(["--out", str(tmp_path / "calls.parquet"), "--seed", "9"]) == 0
    assert syn.synthetic_seed(tmp_path / "calls.parquet") == 9
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "calls.parquet"), tiny)
    assert "wrote 5,000 rows" in capsys.readouterr().out


def test_anything_else_has_no_seed(tmp_path):
    df = syn.generate(seed=5, switchboard_calls=3_000, ops_calls=2_000)
    df.to_parquet(tmp_path / "plain.parquet", index=False)  # e.g. a real export, or a copy
    df.head(50).to_csv(tmp_path / "log.csv", index=False)
    with gzip.open(tmp_path / "log.csv.gz", "wt", encoding="utf-8") as fh:
        fh.write((tmp_path / "log.csv").read_text(encoding="utf-8"))
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really parquet")
    (tmp_path / "empty.parquet").write_bytes(b"")
    # a marker from another generator, or one without a whole-number seed
    table = pa.table({"x": [1]})
    for name, marker in (
        ("other.parquet", {"generator": "elsewhere", "seed": 1}),
        ("noseed.parquet", {"generator": "lib.calllog.synthetic", "seed": "1"}),
    ):
        pq.write_table(table.replace_schema_metadata({syn.MARKER_KEY: json.dumps(marker)}), tmp_path / name)
    (tmp_path / "folder").mkdir()
    names = ["plain.parquet", "log.csv", "log.csv.gz", "broken.parquet", "empty.parquet", "other.parquet"]
    for name in [*names, "noseed.parquet", "folder", "missing.parquet"]:
        assert syn.synthetic_seed(tmp_path / name) is None, name


def test_seed_is_read_from_the_footer_alone(tmp_path, monkeypatch):
    df = syn.generate(seed=5, switchboard_calls=3_000, ops_calls=2_000)
    path = syn.write_log(df, tmp_path / "calls.parquet", seed=123)

    def no_rows(*args, **kwargs):
        raise AssertionError("synthetic_seed read the rows")

    monkeypatch.setattr(pq, "read_table", no_rows)
    monkeypatch.setattr(pd, "read_parquet", no_rows)
    assert syn.synthetic_seed(path) == 123


def test_the_generator_says_which_step_it_is_at(capsys):
    syn.generate(seed=9, switchboard_calls=3_000, ops_calls=2_000, progress=True)
    err = capsys.readouterr().err
    assert [line.split("]")[0].strip() for line in err.splitlines()] == ["[1/4", "[2/4", "[3/4", "[4/4"]
