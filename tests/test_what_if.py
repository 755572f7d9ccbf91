"""The what-if page: its numbers equal a batch run with the same assumptions, through the
widgets' Python API and through the PARAMS line it writes; the line is safe to paste."""

from __future__ import annotations

import shlex

import numpy as np
import pandas as pd
import pytest
from frames import rates_frame

from lib.chain.cli import params_from_text
from lib.chain.parameters import check_assumptions, parse_value
from lib.core.assumptions import Assumptions
from lib.model import staffing
from lib.model.concepts import board_hours
from lib.planning import pilot
from lib.report import what_if
from lib.report.what_if import CONTROLS, WhatIf
from lib.valuation import table1

DISTRICTS = ("Oslo", "Øst", "Agder", "Finnmark")
WAIT_S = 61.0


@pytest.fixture(scope="module")
def rates():
    """Four districts, a week of uneven traffic (contacts per hour) and handling times (s)."""
    rng = np.random.default_rng(11)
    hours = 24 * 7
    level = np.array([40.0, 25.0, 8.0, 1.5])[:, None]
    shape = 0.2 + np.sin(np.linspace(0, 7 * np.pi, hours)) ** 2
    calls = np.round(level * shape * rng.uniform(0.8, 1.2, (4, hours)), 2)
    aht = rng.uniform(150, 240, (4, hours))
    return board_hours(rates_frame(calls.tolist(), aht.tolist(), DISTRICTS, start="2023-03-06 00:00"))


@pytest.fixture(scope="module")
def model(rates):
    return WhatIf(rates, WAIT_S, patience_s=180.0, source="Syntetiske data (frø 1)")


def batch(rates, a: Assumptions) -> pd.DataFrame:
    """Table 1 as the chain makes it (notebooks 03 and 04): run_all, then the valuation."""
    return table1.table1(staffing.run_all(rates, a), a, observed_wait_s=WAIT_S)


def via_params(line: str) -> Assumptions:
    """The assumptions ``make report PARAMS=line`` runs with (the chain's own parsing and checks)."""
    params = {name: parse_value(value) for name, value in params_from_text(line)}
    overrides, rest = check_assumptions(params)
    assert not rest
    return Assumptions().replace(**overrides)


CHANGES = [
    {},
    {"min_agents": 2},
    {"service_level_target": 0.85, "service_time_today_s": 60.0},
    {"max_occupancy": 0.7, "service_time_centre_s": 30.0},
    {"chat_share_first_year": 0.1, "chat_share_last_year": 0.65, "transfer_share_last_year": 0.4},
    {"call_reduction_politiet_no": 0.2, "discount_rate": 0.025, "cost_per_person_year_nok": 1_000_000.0},
    {"queue_model": "erlang_a"},
    # Erlang A with the channels moved (the page re-solves only the points a change moves)
    {"queue_model": "erlang_a", "chat_share_first_year": 0.3, "call_reduction_politiet_no": 0.15},
    {"queue_model": "erlang_a", "chat_share_first_year": 0.3, "transfer_share_last_year": 0.4},
    {"queue_model": "erlang_a", "service_level_target": 0.85, "min_agents": 2},
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: ",".join(c) or "report")
def test_the_page_equals_a_batch_run_with_the_same_assumptions(rates, model, change):
    a = model.assumptions(change)
    outcome = model.evaluate(a, ("Oslo", "Øst"))
    expected = batch(rates, via_params(what_if.params_line(a)))
    pd.testing.assert_frame_equal(outcome.table1, expected, rtol=1e-12, atol=1e-9)
    result = staffing.run_all(rates, a)
    last = result.by_year[result.by_year["year"] == a.last_year].set_index("concept")["person_years"]
    for row in outcome.person_years.itertuples(index=False):
        concept = {"I dag": "base"}.get(row[0], row[0].removeprefix("Konsept "))
        assert row[2] == pytest.approx(last[concept] if concept != "base" else a.actual_person_years, rel=1e-12)


def test_the_widgets_drive_the_same_numbers(rates, model):
    from lib.report.what_if_app import WhatIfApp

    app = WhatIfApp(model)
    assert set(app.controls) == {c.name for c in CONTROLS}
    assert app.outcome is not None and app.outcome.a == Assumptions()
    app.controls["min_agents"].value = 2
    app.controls["chat_share_last_year"].value = 0.6000000000000001  # a slider's float
    app.controls["discount_rate"].value = 0.03
    app.pilot.value = ("Oslo", "Agder")
    a = Assumptions().replace(min_agents=2, chat_share_last_year=0.6, discount_rate=0.03)
    assert app.outcome.a == a
    pd.testing.assert_frame_equal(app.outcome.table1, batch(rates, a), rtol=1e-12, atol=1e-9)
    ref = pilot.pilot_saving(rates, a, ("Oslo", "Agder"))
    pd.testing.assert_frame_equal(app.outcome.pilot.reset_index(drop=True), ref, rtol=1e-12)
    for concept, value in app.outcome.sums.items():
        assert f'id="whatif-sum-{concept}">{what_if.plotstyle.number(value, 1)}<' in app.table.value
    assert "Minimumsbemanning" in app.changes.value and "Kalkulasjonsrente" in app.changes.value
    command = app.write_params()
    assert command.startswith("make report PARAMS=")
    assert via_params(shlex.split(command)[2].removeprefix("PARAMS=")) == a
    assert app.chart.value[:4] == b"\x89PNG"
    app.reset()
    assert app.outcome.a == Assumptions() and "rapportens" in app.changes.value


def test_an_impossible_value_is_said_and_changes_nothing(model, monkeypatch):
    from lib.report.what_if_app import WhatIfApp

    app = WhatIfApp(model)
    before = app.outcome

    def refuse(values, base=None):
        raise ValueError("max_occupancy=0.6 is out of range")

    monkeypatch.setattr(model, "assumptions", refuse)
    app.controls["service_time_today_s"].value = 60.0
    assert app.outcome is before
    assert "Ikke mulig" in app.status.value


def test_a_valuation_change_reuses_the_staffing(model):
    a = model.assumptions({"min_agents": 3})
    first = model.evaluate(a)
    again = model.evaluate(
        model.assumptions({"min_agents": 3, "discount_rate": 0.02, "leisure_value_per_person_year_nok": 400_000})
    )
    assert not again.restaffed
    assert again.sums != first.sums


def test_params_line_is_quoted_data_and_round_trips():
    a = Assumptions().replace(excluded_districts=("Trøndelag", "Finnmark"), chat_share_last_year=0.4)
    line = what_if.params_line(a)
    assert line == "-p chat_share_last_year 0.4 -p excluded_districts 'Trøndelag,Finnmark'"
    assert via_params(line) == a
    assert what_if.params_line(Assumptions()) == ""
    assert what_if.make_command(Assumptions()) == "make report"
    command = what_if.make_command(a, out="outputs/min kjøring; rm -rf x")
    words = shlex.split(command)
    assert words[2] == "OUT=outputs/min kjøring; rm -rf x"  # one word: the shell runs nothing
    assert words[3] == "PARAMS=" + line


def test_every_control_starts_at_the_reports_value_inside_its_range():
    default = Assumptions()
    for c in CONTROLS:
        value = getattr(default, c.name)
        if c.kind == "choice":
            assert value in dict(c.options), c.name
        else:
            assert c.low <= value <= c.high, c.name
            assert abs((value - c.low) / c.step - round((value - c.low) / c.step)) < 1e-9, f"{c.name} off the grid"
            assert c.coerce(value) == value


def test_steps_are_differences_of_the_concepts(model):
    o = model.evaluate(Assumptions())
    t = o.table1.set_index("row").fillna(0.0)
    s = o.steps.set_index("row")
    assert np.allclose(s["III − IIb"], t["III"] - t["IIb"])
    assert np.allclose(s["IIa − I"], t["IIa"] - t["I"])


def test_erlang_a_needs_the_logs_patience(rates):
    bare = WhatIf(rates, WAIT_S, patience_s=None)
    with pytest.raises(ValueError, match="patience"):
        bare.assumptions({"queue_model": "erlang_a"})
    from lib.report.what_if_app import WhatIfApp

    assert "queue_model" not in WhatIfApp(bare).controls
