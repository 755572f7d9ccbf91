"""``make compare`` says why two runs differ: the assumptions, parameters and inputs that differ
first (from each run's run_info.csv), then every Table 1 cell, then the other tables' values
(notebooks 03-07), in Norwegian; ``--xlsx`` writes the same as a Norwegian workbook.

Two crafted run folders stand in for two runs (seconds); ``tests/test_chain_outputs.py`` runs
the real chain.
"""

from __future__ import annotations

import os
import subprocess

import pandas as pd
import pytest
from openpyxl import load_workbook

from lib.chain import cli
from lib.core.assumptions import Assumptions
from lib.core.paths import PROJ_ROOT
from lib.report import compare as report_compare
from lib.report.run_info import IN_FORCE, PARAMETER, value_text

SUM_ROW = "Sum verdsatte virkninger"


def run_folder(root, name, occupancy=0.8, iii=456.4, draws=10000, pilot_best=20.0, old_style=False):
    """A run folder as the chain leaves it, small: run_info.csv (assumptions and parameters in
    force), Table 1, a staffing table (03), an Erlang A table (05), an uncertainty table (06)
    and a pilot curve (07)."""
    folder = root / name
    tables = folder / "tables"
    tables.mkdir(parents=True)
    a = Assumptions().replace(max_occupancy=occupancy)
    rows = [("status", "complete"), ("raw_file", "data/raw/calls_2023.parquet"), ("raw_sha256", "abc")]
    rows += [("rows_read", "1000"), ("rows_kept", "990"), ("synthetic_log", "yes"), ("synthetic_seed", "2023")]
    changed = a.overrides()
    rows += [(f"assumption {k}", f"{v} (report: {getattr(Assumptions(), k)})") for k, v in changed.items()]
    if not old_style:
        rows += [(f"{IN_FORCE}{k}", value_text(getattr(a, k))) for k in a.names()]
        rows += [(f"{PARAMETER}draws", str(draws)), (f"{PARAMETER}seed", "20240702")]
    rows += [("git_commit", "1234"), ("duration_s", "90.0")]
    pd.DataFrame(rows, columns=["item", "value"]).to_csv(folder / "run_info.csv", index=False)
    pd.DataFrame(
        {
            "row": ["Spart tid innbyggere", SUM_ROW],
            "I": [10.0, 41.4],
            "IIa": [20.0, 80.1],
            "IIb": [30.0, 113.9],
            "III": [40.0, iii],
        }
    ).to_csv(tables / "table1.csv", index=False)
    pd.DataFrame(
        {
            "concept": ["III"],
            "year": [2030],
            "agent_hours": [1000.0],
            "person_years": [50.0 + iii / 100],
            "saving_person_years": [40.0],
            "asa_s": [20.0],
        }
    ).to_csv(tables / "staffing_by_year.csv", index=False)
    pd.DataFrame({"row": [SUM_ROW], "I": [41.0], "IIa": [80.0], "IIb": [113.0], "III": [iii - 10]}).to_csv(
        tables / "table1_erlang_a.csv", index=False
    )
    pd.DataFrame({"row": [SUM_ROW], "concept": ["III"], "mean": [iii + 1], "p5": [iii - 50], "p95": [iii + 50]}).to_csv(
        tables / "table1_uncertainty.csv", index=False
    )
    pd.DataFrame(
        {"k": [2], "target_s": [60.0], "best": [pilot_best], "median": [10.0], "worst": [5.0], "greedy": [19.0]}
    ).to_csv(tables / "pilot_curve.csv", index=False)
    return folder


def test_compare_leads_with_the_assumption_that_differs_then_every_table1_cell(tmp_path):
    a = run_folder(tmp_path, "a")
    b = run_folder(tmp_path, "b", occupancy=0.7, iii=518.8, pilot_best=22.0)
    diff = report_compare.compare_runs(a, b)
    assert list(diff.columns) == report_compare.COMPARE_COLUMNS
    assert list(dict.fromkeys(diff["section"])) == ["inputs", "table1", "tables"]  # the why first
    inputs = diff[diff["section"] == "inputs"]
    assert inputs["key"].tolist() == [f"{IN_FORCE}max_occupancy"]  # only what differs
    row = inputs.iloc[0]
    assert (row["a"], row["b"]) == ("0.8", "0.7") and "Maksimalt belegg" in row["label_no"]
    assert row["difference"] == pytest.approx(-0.1) and row["relative_difference"] == pytest.approx(-0.125)
    t1 = diff[diff["section"] == "table1"]
    assert len(t1) == 8  # every cell, equal or not
    cell = t1.set_index("key").loc[f"{SUM_ROW} / III"]
    assert cell["label_no"] == f"{SUM_ROW}, Konsept III"
    assert cell["difference"] == pytest.approx(62.4) and cell["relative_difference"] == pytest.approx(62.4 / 456.4)
    assert (t1.set_index("key").loc[f"{SUM_ROW} / I", "difference"]) == 0
    tables = set(diff.loc[diff["section"] == "tables", "table"])
    assert tables == {"staffing_by_year", "table1_erlang_a", "table1_uncertainty", "pilot_curve"}  # 03, 05, 06, 07
    labels = " ".join(diff.loc[diff["section"] == "tables", "label_no"])
    assert "Forventning" in labels and "Beste sett (årsverk)" in labels  # the dictionary's Norwegian labels


def test_the_same_assumptions_agree_and_a_parameter_is_named(tmp_path):
    a, b = run_folder(tmp_path, "a"), run_folder(tmp_path, "b")
    diff = report_compare.compare_runs(a, b)
    assert report_compare.agree(diff) and set(diff["section"]) == {"table1"}
    text = report_compare.to_text(diff, "a", "b")
    assert "ingen: samme forutsetninger, parametere, logg og kode" in text
    # a run without Table 1 does not agree with one that has it
    (b / "tables" / "table1.csv").unlink()
    missing = report_compare.compare_runs(a, b)
    assert not report_compare.agree(missing)
    assert report_compare.NOT_RECORDED in report_compare.to_text(missing, "a", "b")
    c = run_folder(tmp_path, "c", draws=200)
    inputs = report_compare.compare_runs(a, c).query("section == 'inputs'")
    assert inputs[["key", "a", "b"]].values.tolist() == [[f"{PARAMETER}draws", "10000", "200"]]


def test_a_run_information_without_the_assumptions_in_force_still_names_the_change(tmp_path):
    a = run_folder(tmp_path, "a", old_style=True)
    b = run_folder(tmp_path, "b", occupancy=0.7, old_style=True)
    inputs = report_compare.compare_runs(a, b).query("section == 'inputs'")
    assert inputs[["key", "a", "b"]].values.tolist() == [[f"{IN_FORCE}max_occupancy", "0.8", "0.7"]]


def test_make_compare_prints_the_why_first_and_writes_a_norwegian_workbook(tmp_path, capsys):
    a = run_folder(tmp_path, "a")
    b = run_folder(tmp_path, "b", occupancy=0.7, iii=518.8)
    out = tmp_path / "comparisons" / "a__vs__b.csv"
    assert cli.main(["compare", str(a), str(b), "--out", str(out), "--xlsx"]) == 0
    printed = capsys.readouterr().out
    lead = printed.index("Forutsetninger, parametere og inndata som er ulike (1)")
    assert lead < printed.index("Tabell 1, hver celle") < printed.index("Bemanning, Erlang A")
    assert "Maksimalt belegg (max_occupancy)" in printed and "62,4" in printed and "13,7 %" in printed
    assert len(pd.read_csv(out)) == len(report_compare.compare_runs(a, b))
    book = load_workbook(out.with_suffix(".xlsx"))
    assert book.sheetnames == ["Hva er endret", "Tabell 1", "Andre tabeller"]
    assert book.properties.title == report_compare.TITLE
    for ws in book.worksheets:
        assert "Syntetiske data (frø 2023)" in ws["A1"].value  # each sheet shows its data source
        headers = [c.value for c in ws[2]]
        assert headers[0] == "Hva" and "Differanse (B − A)" in headers and "Relativ differanse" in headers
    first = book["Hva er endret"]
    assert (first["D3"].value, first["E3"].value) == (0.8, 0.7)  # numbers as numbers
    cells = {r[0].value: r[5].value for r in book["Tabell 1"].iter_rows(min_row=3)}
    assert cells[f"{SUM_ROW}, Konsept III"] == pytest.approx(62.4)
    # a second compare may overwrite what make compare made; a file of the user's is refused
    assert cli.main(["compare", str(a), str(b), "--out", str(out), "--xlsx"]) == 0
    (tmp_path / "comparisons" / "mine.xlsx").write_text("the user's")
    assert cli.main(["compare", str(a), str(b), "--out", str(tmp_path / "comparisons" / "mine.csv"), "--xlsx"]) == 1
    assert "mine.xlsx exists and was not made by make compare" in capsys.readouterr().err
    assert not (tmp_path / "comparisons" / "mine.csv").exists()


def test_make_passes_xlsx_through_the_environment(monkeypatch):
    monkeypatch.setenv("KONTAKT_A", "outputs")
    monkeypatch.setenv("KONTAKT_B", "outputs/x; rm -rf /")
    monkeypatch.setenv("KONTAKT_XLSX", "1")
    assert cli._argv_from_env("compare") == ["compare", "outputs", "outputs/x; rm -rf /", "--xlsx"]
    monkeypatch.setenv("KONTAKT_XLSX", "")
    assert cli._argv_from_env("compare") == ["compare", "outputs", "outputs/x; rm -rf /"]


def test_make_compare_xlsx_reaches_the_command_line_as_data():
    done = subprocess.run(
        ["make", "-n", "compare", "A=outputs", "B=outputs/b", "XLSX=1"],
        cwd=PROJ_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert "lib.chain.cli compare --env" in done.stdout and "XLSX" not in done.stdout.replace("KONTAKT_XLSX", "")


def test_a_long_section_says_how_many_rows_are_not_shown_and_where_all_are(tmp_path):
    a = run_folder(tmp_path, "a")
    b = run_folder(tmp_path, "b", occupancy=0.7, iii=518.8, pilot_best=22.0)
    diff = report_compare.compare_runs(a, b)
    n = int((diff["section"] == "table1").sum())
    text = report_compare.to_text(diff, "a", "b", full="outputs/comparisons/a__vs__b.csv", max_shown=3)
    assert f"Tabell 1, hver celle (nåverdi, mill. kr) ({n})" in text
    assert f"… {n - 3} more not shown; all {n} are in outputs/comparisons/a__vs__b.csv" in text
    assert "more not shown" not in report_compare.to_text(diff, "a", "b")


def test_one_number_of_decimals_per_table():
    assert report_compare.decimals_of(pd.Series([105.0, 36.59])) == 1
    assert report_compare.decimals_of(pd.Series([105.0, 36.59, "7"])) == 2
    assert report_compare.decimals_of(pd.Series([1000, 990, "12"])) == 0
    assert report_compare.decimals_of(pd.Series([0.0123, 0.5])) == 3
    diff = pd.DataFrame(
        [("tables", "t", "k1", "x", 105.0, 106.0, 1.0, 0.01), ("tables", "t", "k2", "y", 36.59, 36.0, -0.59, -0.016)],
        columns=report_compare.COMPARE_COLUMNS,
    )
    text = report_compare.to_text(diff, "a", "b")
    assert "105,0" in text and "36,6" in text and "36,59" not in text


def test_the_workbook_names_the_runs_sheet_as_the_run_workbook_does(tmp_path):
    from lib.report import workbook

    a = run_folder(tmp_path, "a")
    b = run_folder(tmp_path, "b", occupancy=0.7)
    out = report_compare.write_xlsx(report_compare.compare_runs(a, b), tmp_path / "c.xlsx", "a", "b", ("x", "y"))
    ws = load_workbook(out)["Hva er endret"]
    assert ws[2][1].value == "Ark i kjøringens arbeidsbok" and ws["B3"].value == workbook.RUN_SHEET == "Kjøring"


def test_a_log_of_several_files_is_compared_file_by_file(tmp_path):
    # run_info records raw_sha256_N per file of a monthly log (and no raw_sha256): a corrected file
    # with the same row count must still show as a different log
    a, b = run_folder(tmp_path, "a"), run_folder(tmp_path, "b")
    for folder, digest in ((a, "aaa"), (b, "bbb")):
        info = pd.read_csv(folder / "run_info.csv", dtype=str)
        extra = pd.DataFrame({"item": ["raw_files", "raw_file_1", "raw_sha256_1"], "value": ["1", "m01.csv", digest]})
        pd.concat([info, extra]).to_csv(folder / "run_info.csv", index=False)
    inputs = report_compare.compare_runs(a, b).query("section == 'inputs'")
    assert inputs["key"].tolist() == ["raw_sha256_1"]
    assert inputs["label_no"].iloc[0] == "Inndata: SHA-256 fil 1"


def test_a_runs_source_comes_from_its_own_run_information(tmp_path):
    from lib.chain.compare import source_of

    a = run_folder(tmp_path, "a")  # the synthetic log, seed 2023
    assert source_of(a) == "Syntetiske data (frø 2023)"
    info = pd.read_csv(a / "run_info.csv", dtype=str).set_index("item")
    info.loc["synthetic_log", "value"] = "no"
    info.loc["raw_file", "value"] = "data/raw/eksport 2023.csv"
    info.reset_index().to_csv(a / "run_info.csv", index=False)
    assert source_of(a) == "Kilde: eksport 2023.csv"
