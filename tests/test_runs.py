"""Runs are units: staged, locked, replaced only on success, traceable, and kept apart.

A fake chain of two tiny notebooks stands in for the real one (fast); each writes a table
and a processed file through the same folder parameters the real notebooks use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from frames import fake_chain as chain

from lib.chain import notebooks, pipeline, runs
from lib.core import paths
from lib.core.paths import PROJ_ROOT
from lib.report import run_info as run_report

#: Their two-cell notebooks run in this process (tests/conftest.py: notebooks_in_process).
pytestmark = pytest.mark.usefixtures("notebooks_in_process")


def run(tmp_path, raw, nbs, **kw):
    return pipeline.run({"raw_path": str(raw)}, tmp_path / "out", tmp_path / "proc", nbs=nbs, html=False, **kw)


def test_tests_write_to_a_sandbox_never_to_the_projects_outputs():
    # conftest points KONTAKT_WRITE_ROOT at a temporary folder before lib is imported
    assert paths.OUTPUTS != PROJ_ROOT / "outputs" and paths.DATA_PROCESSED != PROJ_ROOT / "data" / "processed"
    assert paths.resolve("outputs/tables") == paths.WRITE_ROOT / "outputs" / "tables"
    assert paths.resolve("data/raw/x.csv") == PROJ_ROOT / "data" / "raw" / "x.csv"


def test_refreshing_notebooks_writes_to_a_temporary_folder(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(
        notebooks, "execute", lambda nb, out, params: seen.append(os.environ["KONTAKT_WRITE_ROOT"]) or 0
    )
    monkeypatch.setattr(notebooks, "scrub", lambda *a, **k: None)
    before = os.environ["KONTAKT_WRITE_ROOT"]
    nb = tmp_path / "01_x.ipynb"
    nb.write_text("committed")
    notebooks.refresh([nb])
    assert seen and seen[0] not in (before, str(PROJ_ROOT)) and not os.path.exists(seen[0])
    assert os.environ["KONTAKT_WRITE_ROOT"] == before


def test_a_failed_refresh_leaves_the_committed_notebook_as_it_was(monkeypatch, tmp_path):
    def fail(nb, out, params):
        out.write_text("half-run, with an error")
        raise notebooks.PipelineError("cell 3 failed")

    monkeypatch.setattr(notebooks, "execute", fail)
    nb = tmp_path / "01_x.ipynb"
    nb.write_text("committed")
    with pytest.raises(notebooks.PipelineError):
        notebooks.refresh([nb])
    assert nb.read_text() == "committed"


def test_a_successful_run_replaces_the_previous_results_whole(tmp_path, raw):
    run(tmp_path, raw, chain(tmp_path / "c1", value=1))
    out = tmp_path / "out"
    assert (out / "tables" / "a.csv").read_text() == "value\n1\n"
    (out / "user_notes.txt").write_text("mine")  # not the run's: never touched
    run(tmp_path, raw, chain(tmp_path / "c2", value=2)[:1])  # a run that writes only a.csv
    assert (out / "tables" / "a.csv").read_text() == "value\n2\n"
    assert not (out / "tables" / "b.csv").exists()  # the earlier run's table is not left looking current
    assert (out / "user_notes.txt").read_text() == "mine"
    assert not (out / runs.STAGING).exists() and not (tmp_path / "proc" / runs.STAGING).exists()
    info = pd.read_csv(out / "run_info.csv").set_index("item")["value"]
    assert info["status"] == "complete" and info["raw_file"].endswith("export.csv")
    assert info["synthetic_log"] == "no" and len(info["raw_sha256"]) == 64
    # the workbook opens on the run information, without the duration
    book = pd.ExcelFile(out / "tables" / "results.xlsx")
    assert book.sheet_names[0] == "Innhold" and "Kjøring" in book.sheet_names
    run_sheet = pd.read_excel(book, "Kjøring")  # the run information, headed in Norwegian
    assert "Status" in set(run_sheet["Post"]) and "duration_s" not in set(run_sheet["Navn i run_info.csv"])


def test_a_failed_run_leaves_the_previous_results_and_says_where_it_failed(tmp_path, raw):
    run(tmp_path, raw, chain(tmp_path / "c1", value=1))
    out, proc = tmp_path / "out", tmp_path / "proc"
    before = {p: p.read_bytes() for p in [*out.rglob("*.csv"), *proc.rglob("*.parquet")]}
    with pytest.raises(pipeline.PipelineError) as err:
        run(tmp_path, raw, chain(tmp_path / "c2", value=2, fail_second=True))
    msg = str(err.value)
    assert "02_b.ipynb" in msg and "ZeroDivisionError" in msg and "unchanged" in msg and runs.FAILED in msg
    assert {p: p.read_bytes() for p in before} == before  # every earlier file, byte for byte
    failed = out / runs.FAILED
    assert "ZeroDivisionError" in (failed / runs.FAILED_NOTE).read_text()
    assert (failed / "notebooks" / "02_b.ipynb").exists() and (failed / "tables" / "a.csv").read_text() == "value\n2\n"
    assert not (proc / runs.STAGING).exists()  # no partial call-level data left behind
    run(tmp_path, raw, chain(tmp_path / "c3", value=3))  # the next success clears the failure
    assert not failed.exists()


def test_a_second_run_into_the_same_folder_is_refused(tmp_path, raw):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / runs.LOCK).write_text(f"{sleeper.pid}\n")
        with pytest.raises(pipeline.PipelineError, match=f"another run \\(process {sleeper.pid}\\) is writing"):
            run(tmp_path, raw, chain(tmp_path / "c1"))
        assert not (tmp_path / "proc" / "calls_clean.parquet").exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    run(tmp_path, raw, chain(tmp_path / "c2"))  # a lock of a dead process is taken over


def test_runs_into_different_folders_keep_their_processed_data_apart():
    a = runs.RunFolders.of("outputs")
    b = runs.RunFolders.of("outputs/export-2023")
    assert a.processed == paths.DATA_PROCESSED
    assert b.processed == paths.DATA_PROCESSED / "runs" / "export-2023"
    assert a.outputs != b.outputs and a.processed != b.processed


@pytest.mark.parametrize(
    "outputs, processed", [("outputs/x", "outputs/x"), ("outputs/x", "outputs/x/data"), ("elsewhere", "outputs/p")]
)
def test_processed_data_are_never_written_inside_an_outputs_folder(tmp_path, raw, outputs, processed):
    with pytest.raises(runs.RunError, match="never go into an outputs folder"):
        runs.RunFolders.of(outputs, processed)
    with pytest.raises(pipeline.PipelineError, match="never go into an outputs folder"):
        pipeline.run(
            {"raw_path": str(raw), "outputs_dir": outputs, "processed_dir": processed},
            nbs=chain(tmp_path / "c"),
            html=False,
        )


def test_an_unwritable_outputs_folder_stops_the_run_before_anything_is_written(tmp_path, raw):
    blocker = tmp_path / "out"
    blocker.write_text("a file where the outputs folder should be")
    with pytest.raises(pipeline.PipelineError, match="is a file, not a folder"):
        run(tmp_path, raw, chain(tmp_path / "c1"))
    assert not (tmp_path / "proc" / "calls_clean.parquet").exists()


def test_rerun_from_a_notebook_uses_the_runs_own_data_and_refuses_other_data(tmp_path, raw):
    nbs = chain(tmp_path / "c1", value=1)
    with pytest.raises(pipeline.PipelineError, match="holds no complete processed data"):
        run(tmp_path, raw, nbs, start_from="02")
    run(tmp_path, raw, nbs)
    prov = json.loads((tmp_path / "proc" / runs.PROVENANCE).read_text())
    assert prov["raw_files"][0]["size_bytes"] == raw.stat().st_size
    report = run(tmp_path, raw, chain(tmp_path / "c2", value=5), start_from="02")
    assert list(report.seconds) == ["02_b.ipynb"]
    out = tmp_path / "out"
    assert (out / "tables" / "a.csv").read_text() == "value\n1\n"  # kept from the full run
    assert (out / "tables" / "b.csv").read_text() == "value\n5\n"  # rerun
    assert (out / "notebooks" / "01_a.ipynb").exists()
    other = tmp_path / "other.csv"
    other.write_text("call_id;district\n2;Agder\n")
    with pytest.raises(pipeline.PipelineError, match=r"came from .*export\.csv, not from .*other\.csv"):
        run(tmp_path, other, nbs, start_from="02")
    with pytest.raises(pipeline.PipelineError, match=r"differ .*\(outlier_threshold_s: not set then, 1200 now\)"):
        pipeline.run(
            {"raw_path": str(raw), "outlier_threshold_s": 1200},
            tmp_path / "out",
            tmp_path / "proc",
            nbs=nbs,
            html=False,
            start_from="02",
        )


def test_run_info_lists_overrides_and_failed_plausibility_checks(tmp_path, raw):
    tables = tmp_path / "tables"
    tables.mkdir()
    pd.DataFrame(
        {
            "check": ["volume", "months"],
            "passed": [False, True],
            "detail": ["4 008 rows read, outside 0.5-1.5 x 1 765 909", "ok"],
        }
    ).to_csv(tables / "plausibility.csv", index=False)
    info = run_report.run_info(str(raw), [raw], tables, {"chat_share_last_year": 0.4}, "01_a", 12.3)
    v = info.set_index("item")["value"]
    assert v["assumption chat_share_last_year"] == "0.4 (report: 0.5)"
    assert v["plausibility"] == "1 check(s) FAILED" and v["warning 1"].startswith("volume: 4 008 rows")
    assert "ADVARSEL" in run_report.html_banner(info)


def test_a_file_in_a_staging_folder_is_shown_where_the_run_puts_it(tmp_path):
    # executed notebooks print display_path of what they write: the final path, not .staging/
    stage = runs.RunFolders.of(paths.OUTPUTS / "shown", tmp_path / "proc").staging
    stage.outputs.mkdir(parents=True)
    figure = stage.outputs / "figures" / "a.png"
    assert paths.display_path(figure) == "outputs/shown/.staging/figures/a.png"  # not marked: not a run's
    (stage.outputs / runs.STAGING_MARK).write_bytes(b"")
    assert paths.display_path(figure) == "outputs/shown/figures/a.png"
    assert paths.final_path(tmp_path / "x.csv") == tmp_path / "x.csv"


@pytest.mark.parametrize("how", ["Ctrl-C", "SIGTERM"])
def test_an_interrupted_or_terminated_run_cleans_up_and_says_whether_there_were_results(
    tmp_path, raw, monkeypatch, how
):
    import signal

    nbs = chain(tmp_path / "c")
    real = notebooks.execute

    def stopped(nb, out, parameters):
        if nb.name.startswith("02"):
            if how == "SIGTERM":
                os.kill(os.getpid(), signal.SIGTERM)  # the handler raises here
            raise KeyboardInterrupt
        return real(nb, out, parameters)

    monkeypatch.setattr(notebooks, "execute", stopped)
    handler = signal.getsignal(signal.SIGTERM)
    with pytest.raises(pipeline.PipelineError) as first:
        run(tmp_path, raw, nbs)
    word = "was stopped (SIGTERM)" if how == "SIGTERM" else "was interrupted (Ctrl-C)"
    assert word in str(first.value) and "There were no previous results in" in str(first.value)
    assert "are unchanged" not in str(first.value)
    for folder in (tmp_path / "out", tmp_path / "proc"):
        assert not (folder / runs.LOCK).exists() and not (folder / runs.STAGING).exists()
    assert signal.getsignal(signal.SIGTERM) == handler  # restored after the run
    monkeypatch.setattr(notebooks, "execute", real)
    run(tmp_path, raw, nbs)
    monkeypatch.setattr(notebooks, "execute", stopped)
    with pytest.raises(pipeline.PipelineError, match=r"The previous results in .* are unchanged"):
        run(tmp_path, raw, nbs)
    assert (tmp_path / "out" / "tables" / "b.csv").exists() and not (tmp_path / "out" / runs.LOCK).exists()


def test_the_end_of_a_run_names_the_note_to_send_on_first(tmp_path):
    from lib.chain import cli

    out = tmp_path / "o"
    text = cli.finished_text(out, [out / "tables" / "t.csv", out / "notat.html", out / "notat.pdf"])
    first, rest = text.splitlines()
    shown = paths.display_path(out)
    assert first == f"to send on: {shown}/notat.html and {shown}/notat.pdf" and "run_info.csv" in rest
    assert "notat.pdf" not in cli.finished_text(out, [out / "notat.html"])


def test_a_failed_runs_message_names_where_its_partial_files_are(tmp_path):
    # A notebook names a staged file where a successful run would have put it; after a failure
    # the file is in failed_run/, and the message must say so.
    folders = runs.RunFolders.of(tmp_path / "out", tmp_path / "proc")
    stage = folders.staging
    (stage.outputs / "figures").mkdir(parents=True)
    (stage.outputs / runs.STAGING_MARK).write_bytes(b"")
    (stage.outputs / "figures" / "y.png").write_bytes(b"png")
    shown = paths.display_path(stage.outputs / "figures" / "y.png")
    assert shown == paths.display_path(folders.outputs / "figures" / "y.png")  # as the notebook printed it
    failed = folders.outputs / runs.FAILED
    text = runs.failure_text(f"wrote {shown}, then failed", folders, failed, None)
    assert text == f"wrote {paths.display_path(failed / 'figures' / 'y.png')}, then failed"


def test_a_rerun_from_a_later_notebook_records_the_earlier_notebooks_parameters(tmp_path, raw):
    # run_info names every notebook's parameters, so make compare of a FROM= rerun against a full
    # run does not list the earlier notebooks' parameters as not recorded
    from frames import FAKE_BODY, notebook

    folder = tmp_path / "c"
    folder.mkdir()
    params = 'raw_path = "raw.csv"\noutputs_dir = "outputs"\nprocessed_dir = "data/processed"\nseed = 1'
    a = notebook(folder / "01_a.ipynb", params, FAKE_BODY.format(name="a", value=1))
    b = notebook(
        folder / "02_b.ipynb",
        'outputs_dir = "outputs"\nprocessed_dir = "data/processed"\ndraws = 10',
        FAKE_BODY.format(name="b", value=1),
    )
    pipeline.run({"raw_path": str(raw), "seed": 7}, tmp_path / "out", tmp_path / "proc", nbs=[a, b], html=False)
    pipeline.run(
        {"raw_path": str(raw), "draws": 20},
        tmp_path / "out",
        tmp_path / "proc",
        nbs=[a, b],
        html=False,
        start_from="02",
    )
    info = pd.read_csv(tmp_path / "out" / run_report.RUN_INFO, dtype=str).set_index("item")["value"]
    assert info[f"{run_report.PARAMETER}seed"] == "7" and info[f"{run_report.PARAMETER}draws"] == "20"
