"""Tests of lib.valuation.sensitivity with a fake staffing runner (no Erlang C here)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from lib.core.assumptions import Assumptions
from lib.model.staffing import StaffingResult
from lib.valuation import sensitivity as sens

# III's shorter wait model against model: the fake staffing has no observed wait to offer.
P = Assumptions(iii_wait_reduction="model")
YEARS = range(2026, 2034)
ANNUITY = sum(1.04**-k for k in range(8))


class FakeRunner:
    """Staffing whose contact-centre saving is ``actual_person_years / 90 x 10 x (mean aht of busy
    hours) / 100`` person-years a year and nothing else; records every call."""

    def __init__(self):
        self.calls = []

    def __call__(self, rates, p):
        self.calls.append((rates, p))
        saving = p.actual_person_years / 90 * 10 * float(rates.loc[rates["rate_per_hour"] > 0, "aht_s"].mean()) / 100
        by_year = pd.DataFrame(
            [
                {"concept": c, "year": y, "person_years": 0.0, "asa_s": 0.0}
                for c in ("base", "I", "IIa", "IIb_chatbot", "IIb", "III")
                for y in YEARS
            ]
        )
        effects = pd.DataFrame(
            [
                {"year": y, "effect": e, "saving_person_years": saving if e == "kontaktsenter" else 0.0}
                for e in ("politiet_no", "livechat_IIa", "chatbot", "livechat_IIb", "kontaktsenter")
                for y in YEARS
            ]
        )
        return StaffingResult(by_year, effects)


RATES = pd.DataFrame({"rate_per_hour": [1.0, 0.0, 2.0], "aht_s": [100.0, 0.0, 100.0]})


def run(variations):
    runner = FakeRunner()
    table = sens.one_at_a_time(RATES, P, runner, variations=variations)
    return table, runner


def test_economic_variation_revalues_without_rerunning_and_is_hand_checkable():
    v = sens.Variation("Årsverkskostnad", ("cost_per_person_year_nok",), (0.9,), (1.1,), relative=True)
    table, runner = run([v])
    assert len(runner.calls) == 1  # the base run only
    row = table.set_index("concept").loc["I"]
    # concept I: no staffing saving here; its only cost tied to the person-year cost is 4 person-years a year
    assert row["sum_low"] - row["sum_base"] == pytest.approx(0.1 * 4 * 1.1779 * ANNUITY)
    assert row["sum_base"] - row["sum_high"] == pytest.approx(0.1 * 4 * 1.1779 * ANNUITY)
    assert row["swing"] == pytest.approx(0.8 * 1.1779 * ANNUITY)
    # the values as numbers, free of float noise (0.9 x 1 177 900), and as text for labels
    assert (row["base_value"], row["low_value"], row["high_value"]) == (1_177_900.0, 1_060_110.0, 1_295_690.0)
    assert row["low_text"] == "1 060 110" and row["high_text"] == "1 295 690"


def test_low_and_high_are_not_swapped():
    v = sens.Variation("Kalkulasjonsrente", ("discount_rate",), (0.02,), (0.06,))
    table, _ = run([v])
    iii = table.set_index("concept").loc["III"]
    assert (iii["low_value"], iii["high_value"]) == (0.02, 0.06)
    assert (iii["low_text"], iii["high_text"]) == ("0.02", "0.06")
    # the contact centre saves 10 person-years a year: positive flows are worth more at a lower rate
    assert iii["sum_low"] > iii["sum_base"] > iii["sum_high"]


def test_staffing_variation_reruns_the_model_with_the_overridden_value():
    v = sens.Variation("Dagens bemanning", ("actual_person_years",), (0.9,), (1.1,), relative=True)
    table, runner = run([v])
    assert [c[1].actual_person_years for c in runner.calls] == pytest.approx([90, 81, 99])
    iii = table.set_index("concept").loc["III"]
    assert 1.1 * 90 != 99.0 and iii["high_value"] == 99.0  # stored without the factor's float noise
    unit = 1.1779 * ANNUITY
    assert iii["sum_high"] - iii["sum_low"] == pytest.approx(0.2 * 10 * unit)
    assert iii["swing"] == pytest.approx(0.2 * 10 * unit)
    # concept I has no contact-centre saving: no swing
    assert table.set_index("concept").loc["I", "swing"] == pytest.approx(0.0)


def test_after_call_work_shifts_the_handling_time_of_busy_hours():
    v = sens.Variation("Etterarbeid", ("after_call_work_s",), (15.0,), (60.0,))
    _, runner = run([v])
    low_rates, high_rates = runner.calls[1][0], runner.calls[2][0]
    assert low_rates["aht_s"].tolist() == [85.0, 0.0, 85.0]
    assert high_rates["aht_s"].tolist() == [130.0, 0.0, 130.0]
    assert RATES["aht_s"].tolist() == [100.0, 0.0, 100.0]  # the input is not changed


def test_pairs_move_together_and_rows_are_sorted_by_swing():
    variations = [
        sens.Variation("Rente", ("discount_rate",), (0.03,), (0.05,)),
        sens.Variation("Andel chat", ("chat_share_first_year", "chat_share_last_year"), (0.15, 0.35), (0.35, 0.65)),
        sens.Variation("Dagens bemanning", ("actual_person_years",), (0.5,), (1.5,), relative=True),
    ]
    table, _ = run(variations)
    # two value slots: the largest variation moves two assumptions
    assert list(table.columns) == sens.columns(2)
    assert sens.columns(2)[2:8] == [
        "base_value",
        "low_value",
        "high_value",
        "base_value_2",
        "low_value_2",
        "high_value_2",
    ]
    value_cols = [c for c in table.columns if "_value" in c]
    assert all(pd.api.types.is_float_dtype(table[c]) for c in value_cols)
    # a variation of one assumption leaves the second slot empty
    assert table.loc[table["label"] == "Rente", ["base_value_2", "low_value_2", "high_value_2"]].isna().all().all()
    assert table["concept"].unique().tolist() == ["I", "IIa", "IIb", "III"]
    for _, g in table.groupby("concept"):
        assert (np.diff(g["swing"].to_numpy()) <= 1e-12).all()
    assert np.allclose(table["swing"], (table["sum_high"] - table["sum_low"]).abs())
    chat = table[(table["label"] == "Andel chat") & (table["concept"] == "IIb")].iloc[0]
    assert chat["low_text"] == "0.15 → 0.35" and chat["base_text"] == "0.25 → 0.5"
    assert (chat["base_value"], chat["low_value"], chat["high_value"]) == (0.25, 0.15, 0.35)
    assert (chat["base_value_2"], chat["low_value_2"], chat["high_value_2"]) == (0.5, 0.35, 0.65)
    bemanning = table[table["label"] == "Dagens bemanning"].iloc[0]
    assert (bemanning["low_value"], bemanning["high_value"]) == (45.0, 135.0)
    # more chatbot contacts save citizens more time in IIb
    assert chat["sum_high"] > chat["sum_low"]
    assert table.loc[table["concept"] == "III", "label"].iloc[0] == "Dagens bemanning"


def test_values_of_several_names_are_joined_with_the_variations_separator():
    v = sens.Variation(
        "Investeringer",
        ("live_chat_investment_mnok", "chatbot_investment_mnok"),
        (0.5, 0.5),
        (1.5, 1.5),
        relative=True,
        sep=", ",
    )
    table, runner = run([v])
    assert len(runner.calls) == 1
    row = table.set_index("concept").loc["IIb"]
    assert (row["base_text"], row["low_text"], row["high_text"]) == ("4, 10", "2, 5", "6, 15")
    assert list(row[["base_value", "low_value", "high_value"]]) == [4.0, 2.0, 6.0]
    assert list(row[["base_value_2", "low_value_2", "high_value_2"]]) == [10.0, 5.0, 15.0]
    # IIb pays the chatbot investment (10) in 2026, undiscounted
    assert row["sum_low"] - row["sum_base"] == pytest.approx(5.0)


def test_unknown_assumption_and_bad_variation_are_refused():
    with pytest.raises(ValueError, match="no_such"):
        run([sens.Variation("x", ("no_such",), (1.0,), (2.0,))])
    with pytest.raises(ValueError, match="rates stage"):  # fitted in notebook 02, not re-run here
        run([sens.Variation("x", ("min_answered_per_cell",), (10,), (50,))])
    with pytest.raises(ValueError, match="same"):
        sens.Variation("x", ("discount_rate",), (0.02, 0.03), (0.06,))


def test_default_columns_have_a_value_slot_per_assumption_of_the_largest_variation():
    assert max(len(v.names) for v in sens.DEFAULT_VARIATIONS) == 3
    assert sens.COLUMNS == sens.columns(3)
    assert sens.COLUMNS[:2] == ["assumption", "label"] and sens.COLUMNS[-3:] == ["base_text", "low_text", "high_text"]
    assert {"label", "low_text", "high_text", "sum_base", "sum_low", "sum_high", "swing"} <= set(sens.COLUMNS)


def test_default_variations_name_known_assumptions():
    for v in sens.DEFAULT_VARIATIONS:
        for n in v.names:
            assert n in Assumptions.names(), n
        lo, hi = v.values("low", P), v.values("high", P)
        if None in v.low:  # a discrete alternative against the value in force (none when it is in force)
            continue
        # the range must move the assumption off the value in force on at least one side
        assert any(lo[n] != getattr(P, n) or hi[n] != getattr(P, n) for n in v.names), v.label


def test_shift_handling_time_moves_only_busy_hours_of_board_hours():
    from frames import rates_frame

    from lib.model.concepts import board_hours

    bh = board_hours(rates_frame([[0.0, 10.0], [5.0, 0.0]], [[180.0, 200.0], [150.0, 170.0]]))
    out = sens.shift_handling_time(bh, 30.0)
    # BoardHours carries no handling time in hours without traffic
    assert bh.aht_s.tolist() == [[0.0, 200.0], [150.0, 0.0]]
    assert out.aht_s.tolist() == [[0.0, 230.0], [180.0, 0.0]]
    assert out.calls.tolist() == bh.calls.tolist()


def test_tornado_draws_one_bar_pair_per_variation():
    import matplotlib

    matplotlib.use("Agg")
    table, _ = run(
        [
            sens.Variation("Rente", ("discount_rate",), (0.02,), (0.06,)),
            sens.Variation("Dagens bemanning", ("actual_person_years",), (0.9,), (1.1,), relative=True),
            sens.Variation("Årsverkskostnad", ("cost_per_person_year_nok",), (0.9,), (1.1,), relative=True),
        ]
    )
    fig = sens.tornado(table, "III")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "Sum verdsatte virkninger (mill. kr)"
    assert fig.get_suptitle().startswith("Følsomhet, konsept III") and ax.get_ylabel()
    assert len(ax.patches) == 6
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[-1].startswith("Dagens bemanning")  # the widest bar on top
    # readable ranges: shares in %, kroner in millions (Norwegian notation)
    assert "Rente\nlav 2 %, høy 6 %" in labels and "Årsverkskostnad\nlav 1,06 mill. kr, høy 1,30 mill. kr" in labels
    # the legend below the plot, off the bars
    fig.canvas.draw()
    (legend,) = fig.legends
    assert not legend.get_window_extent().overlaps(ax.get_window_extent())
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_the_three_readings_of_iiis_shorter_wait_are_rows_with_their_effect_on_the_sum():
    """Issue 24 §3: the report's reading (today's observed wait down to III's modelled ASA), the full
    Erlang C reading (ASA of IIb down to III's) and the scaled one (W_obs x ASA_III / ASA_base), each a
    row set against the reading in force. The III sum is linear in the wait cut (same phone calls,
    same value of a minute), so the rows' effects stand in the ratio of the cuts: with W_obs = 60 s,
    ASA base / IIb / III = 30 / 25 / 10 s the cuts are 50, 15 and 60 x (1 - 10/30) = 40 s."""
    asa = {"base": 30.0, "I": 30.0, "IIa": 30.0, "IIb_chatbot": 30.0, "IIb": 25.0, "III": 10.0}

    def runner(rates, p):
        r = FakeRunner()(rates, p)
        by_year = r.by_year.assign(asa_s=r.by_year["concept"].map(asa))
        return StaffingResult(by_year, r.effects)

    readings = [v for v in sens.DEFAULT_VARIATIONS if v.names == ("iii_wait_reduction",)]
    assert [v.high for v in readings] == [("observed",), ("model",), ("scaled",)]
    a = Assumptions()  # the report's reading in force
    table = sens.one_at_a_time(RATES, a, runner, variations=readings, observed_wait_s=60.0)
    iii = table[table["concept"] == "III"].set_index("high_text")
    assert set(iii.index) == {"observed", "model", "scaled"} and (iii["low_text"] == "observed").all()
    assert iii[["base_value", "low_value", "high_value"]].isna().all().all()  # a choice is no number
    effect = iii["sum_high"] - iii["sum_base"]
    assert effect["observed"] == 0.0 and (iii["sum_low"] == iii["sum_base"]).all()
    assert effect["model"] < effect["scaled"] < 0
    assert effect["model"] / effect["scaled"] == pytest.approx((15 - 50) / (40 - 50))
    assert np.allclose(iii["swing"], effect.abs())
    # only III values a shorter wait
    others = table[table["concept"] != "III"]
    assert np.allclose(others["sum_high"], others["sum_base"])
    with pytest.raises(ValueError, match="factor"):
        sens.Variation("x", ("iii_wait_reduction",), ("model",), ("scaled",), relative=True)


def test_the_tornado_names_the_iii_wait_readings_in_norwegian_and_leaves_out_a_row_without_range(tmp_path):
    """Issue 25: the three readings of III's shorter wait in Norwegian ("observert", "modellens",
    "skalert"); the reading already in force (low = high) has no bar, so it is not drawn (it stays
    in the table); the title lies inside the figure."""
    import matplotlib

    matplotlib.use("Agg")
    readings = [v for v in sens.DEFAULT_VARIATIONS if v.names == ("iii_wait_reduction",)]
    assert len(readings) == 3
    table, _ = run([sens.Variation("Rente", ("discount_rate",), (0.02,), (0.06,))])
    rente = table[table["concept"] == "III"].iloc[0].to_dict()
    rows = [rente] + [  # the readings as one_at_a_time writes them: no numbers, the choice as text
        {
            **{k: np.nan for k in rente if k.endswith(("_value", "_value_2", "_value_3"))},
            "assumption": "iii_wait_reduction",
            "label": v.label,
            "concept": "III",
            "sum_base": rente["sum_base"],
            "sum_low": rente["sum_base"],
            "sum_high": rente["sum_base"] + 10 * k,
            "swing": 10.0 * k,
            "base_text": "observed",
            "low_text": "observed",
            "high_text": v.high[0],
        }
        for k, v in enumerate(readings)
    ]
    table = pd.DataFrame(rows)
    iii = table[table["concept"] == "III"]
    assert len(iii) == 4  # the table keeps every row
    assert [sens.has_range(r) for r in iii.to_dict("records")].count(False) == 1
    fig = sens.tornado(table, "III")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 3 and len(ax.patches) == 6
    assert not any("rapportens lesning" in label for label in labels)
    text = " ".join(labels)
    assert "lav observert, høy modellens" in text and "lav observert, høy skalert" in text
    assert not re.search(r"\b(observed|model|scaled)\b", text)
    fig.canvas.draw()
    title = fig._suptitle.get_window_extent()
    assert title.x0 >= 0 and title.x1 <= fig.bbox.x1, (title, fig.bbox)
    assert sens.choice_text("observed → scaled") == "observert → skalert" and sens.choice_text("0.5") == "0.5"
