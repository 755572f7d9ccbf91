"""A run never deletes what it did not make, nothing a user types runs as a command, and a
full disk fails like any other failure (issue 19's five cases, and the smaller ones).

The fake chain of :func:`frames.fake_chain` stands in for the real one (fast).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from frames import fake_chain

from lib.chain import clean, cli, notebooks, pipeline, runs
from lib.core import manifest
from lib.core.paths import PROJ_ROOT

#: A user's files, one in every folder that a run, a failed run or make clean touches.
USER_FILES = (
    "notes.txt",
    "tables/my_table.csv",
    "figures/holiday.png",
    "notebooks/my_analysis.ipynb",
    "html/my_page.html",
    "failed_run/keep.txt",
    "comparisons/mine.csv",
    "archive_2022/tables/table1.csv",  # a name that looks generated, kept from an earlier year
    "archive_2022/run_info.csv",
)
USER_PROCESSED = ("mine.parquet", "failed_run/keep.parquet", "my_work/calls_clean.parquet", "runs/x/mine.txt")


#: Their two-cell notebooks run in this process (tests/conftest.py: notebooks_in_process).
pytestmark = pytest.mark.usefixtures("notebooks_in_process")


def _place(root: Path, names) -> dict[Path, bytes]:
    placed = {}
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"the user's {name}".encode())
        placed[path] = path.read_bytes()
    return placed


def _intact(placed: dict[Path, bytes]) -> bool:
    return all(p.is_file() and p.read_bytes() == b for p, b in placed.items())


def _run(tmp_path, raw, nbs, out="out", proc="proc", **kw):
    return pipeline.run({"raw_path": str(raw)}, tmp_path / out, tmp_path / proc, nbs=nbs, **kw)


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# --- 1 and 2: a run, a failed run and make clean touch only what runs made --------------------


def test_user_files_in_every_folder_survive_runs_a_failed_run_and_clean(tmp_path, raw):
    out, proc, data_raw = tmp_path / "out", tmp_path / "proc", tmp_path / "raw"
    data_raw.mkdir()
    placed = _place(out, USER_FILES) | _place(proc, USER_PROCESSED) | _place(data_raw, ["export_2023.csv"])
    _run(tmp_path, raw, fake_chain(tmp_path / "c1", value=1), html=True)
    assert _intact(placed)
    assert (out / "tables" / "a.csv").read_text() == "value\n1\n" and (out / "html" / "01_a.html").exists()
    listed = json.loads((out / manifest.MANIFEST).read_text())["files"]
    assert "tables/a.csv" in listed and "tables/my_table.csv" not in listed
    _run(tmp_path, raw, fake_chain(tmp_path / "c2", value=2)[:1], html=True)  # a second run replaces the first
    assert _intact(placed)
    assert (out / "tables" / "a.csv").read_text() == "value\n2\n" and not (out / "tables" / "b.csv").exists()
    with pytest.raises(pipeline.PipelineError):
        _run(tmp_path, raw, fake_chain(tmp_path / "c3", value=3, fail_second=True), html=True)
    assert _intact(placed)
    assert (out / "failed_run" / runs.FAILED_NOTE).exists() and (out / "failed_run" / "tables" / "a.csv").exists()
    with pytest.raises(pipeline.PipelineError):  # a second failure replaces the first, and only it
        _run(tmp_path, raw, fake_chain(tmp_path / "c4", value=4, fail_second=True), html=True)
    assert _intact(placed) and (out / "failed_run" / "tables" / "a.csv").read_text() == "value\n4\n"
    compared = tmp_path / "out" / "comparisons" / "a__vs__b.csv"
    assert cli.main(["compare", str(out), str(out), "--out", str(compared)]) == 0

    shown: list[str] = []
    listed = clean.clean(out, proc, data_raw, dry=True, show=shown.append)
    assert listed and all(p.exists() for p in listed) and _intact(placed)  # a dry run lists, removes nothing
    assert shown[0].startswith(f"make clean would remove {len(listed)} file(s)")
    removed = clean.clean(out, proc, data_raw, show=shown.append)
    assert removed == listed and not any(p.exists() for p in removed)
    assert _intact(placed)
    # nothing the project made is left, and nothing else is gone
    assert _files(out) == set(USER_FILES)
    assert _files(proc) == set(USER_PROCESSED)
    assert any("leaving" in line and "no run manifest lists" in line for line in shown)


def test_a_run_never_overwrites_a_file_it_did_not_make(tmp_path, raw):
    out = tmp_path / "out"
    placed = _place(out, ["tables/a.csv"])  # the user's file, under the name a run writes
    with pytest.raises(pipeline.PipelineError) as err:
        _run(tmp_path, raw, fake_chain(tmp_path / "c1"), html=False)
    msg = str(err.value)
    assert "not listed in a run_manifest.json" in msg and "tables/a.csv" in msg and "Nothing was replaced" in msg
    assert _intact(placed) and not (out / manifest.MANIFEST).exists()
    assert (out / "failed_run" / "tables" / "a.csv").read_text() == "value\n1\n"  # the run's result is not lost


def test_files_the_notebooks_write_outside_a_run_are_the_projects(tmp_path, raw):
    # A notebook run in JupyterLab writes straight into outputs/ and data/processed/: the
    # library's writers record those files, so the next run replaces them.
    import pandas as pd

    from lib.core.result_csv import write_csv

    (tmp_path / "out" / "tables").mkdir(parents=True)
    write_csv(pd.DataFrame({"value": [0]}), tmp_path / "out" / "tables" / "a.csv")
    assert "tables/a.csv" in manifest.read_manifest(tmp_path / "out").files
    _run(tmp_path, raw, fake_chain(tmp_path / "c1", value=7), html=False)
    assert (tmp_path / "out" / "tables" / "a.csv").read_text() == "value\n7\n"


def test_results_of_a_run_without_a_manifest_are_refused_before_the_run(tmp_path, raw):
    placed = _place(tmp_path / "out", ["run_info.csv", "tables/table1.csv"])
    with pytest.raises(pipeline.PipelineError, match="made before runs kept manifests"):
        _run(tmp_path, raw, fake_chain(tmp_path / "c1"), html=False)
    assert _intact(placed) and not (tmp_path / "out" / "failed_run").exists()


def test_clean_refuses_a_manifest_it_did_not_write(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / manifest.MANIFEST).write_text(json.dumps({"files": ["../../etc/passwd"]}))
    with pytest.raises(pipeline.PipelineError, match="not a manifest this project wrote"):
        clean.clean(tmp_path / "out", tmp_path / "proc", tmp_path / "raw", show=lambda _: None)
    forged = {"made_by": manifest.MADE_BY, "files": ["../outside.txt"], "folders": []}
    (tmp_path / "out" / manifest.MANIFEST).write_text(json.dumps(forged))
    with pytest.raises(pipeline.PipelineError, match="not a manifest this project wrote"):
        clean.clean(tmp_path / "out", tmp_path / "proc", tmp_path / "raw", show=lambda _: None)


def test_clean_removes_the_folders_a_run_made_and_the_synthetic_log(tmp_path, raw, monkeypatch):
    out, proc, data_raw = tmp_path / "out" / "deep", tmp_path / "proc" / "runs" / "deep", tmp_path / "raw"
    _run(tmp_path, raw, fake_chain(tmp_path / "c1"), out="out/deep", proc="proc/runs/deep", html=False)
    data_raw.mkdir()
    (data_raw / "synthetic.parquet").write_bytes(b"PAR1")
    (data_raw / "real.parquet").write_bytes(b"PAR1")
    from lib.calllog import synthetic

    monkeypatch.setattr(synthetic, "synthetic_seed", lambda p: 2023 if Path(p).name == "synthetic.parquet" else None)
    clean.clean(tmp_path / "out", tmp_path / "proc", data_raw, show=lambda _: None)
    assert not out.exists() and not proc.exists()  # made by the run, left empty
    assert (tmp_path / "out").is_dir()  # not made by the run (the test made it)
    assert not (data_raw / "synthetic.parquet").exists() and (data_raw / "real.parquet").exists()


# --- 3: what a user types is data ------------------------------------------------------------


#: What a user might type into a make variable: shell syntax that must stay characters.
INJECTIONS = [
    "-p on_invalid x; touch {flag}",
    '-p on_invalid "x; touch {flag}"',
    "-p on_invalid `touch {flag}`",
    "-p on_invalid $(touch {flag})",
    "-p on_invalid '$(touch {flag})'",
    "-p on_invalid $(shell touch {flag})",
    "-p on_invalid ${{HOME}}; touch {flag}",
    "-p on_invalid 'x' && touch {flag}",
    '-p on_invalid "unbalanced',
]
#: make's variables and the environment variables they reach Python in.
MAKE_VARIABLES = {
    "PARAMS": "KONTAKT_PARAMS",
    "RAW": "KONTAKT_RAW",
    "OUT": "KONTAKT_OUT",
    "PROCESSED": "KONTAKT_PROCESSED",
    "FROM": "KONTAKT_FROM",
    "A": "KONTAKT_A",
    "B": "KONTAKT_B",
    "DRY": "KONTAKT_DRY",
    "LAB_ARGS": "KONTAKT_LAB_ARGS",
}


def _make(*args, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(["make", "-s", *args], cwd=PROJ_ROOT, capture_output=True, text=True, env=env, timeout=120)


def test_make_hands_every_variable_to_python_unexpanded(tmp_path):
    # The project's Makefile with one more target that prints the environment its recipes get.
    probe = tmp_path / "probe.mk"
    names = " ".join(MAKE_VARIABLES.values())
    probe.write_text(
        f"probe:\n\t@python3 -c 'import json, os; print(json.dumps({{k: os.environ.get(k) for k in \"{names}\".split()}}))'\n"
    )
    flags = {var: tmp_path / f"FLAG_{var}" for var in MAKE_VARIABLES}
    given = {var: INJECTIONS[i].format(flag=flags[var]) for i, var in enumerate(MAKE_VARIABLES)}
    done = _make(
        "-f", "Makefile", "-f", str(probe), "probe", *(f"{k}={v}" for k, v in given.items()), tmp_path=tmp_path
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert {k: seen[MAKE_VARIABLES[k]] for k in given} == given  # every value as typed, nothing expanded
    assert not any(f.exists() for f in flags.values()), "a make variable ran as a command"


@pytest.mark.parametrize("params", INJECTIONS)
def test_params_are_data_for_the_command_line(tmp_path, monkeypatch, capsys, params):
    flag = tmp_path / "FLAG"
    monkeypatch.setenv("KONTAKT_PARAMS", params.format(flag=flag))
    assert cli.main(["check", "--env"]) == 1
    err = capsys.readouterr().err
    assert not flag.exists() and err.startswith("check:") and "Traceback" not in err


def test_make_check_refuses_a_shell_line_in_params_end_to_end(tmp_path):
    flag = tmp_path / "FLAG"
    done = _make("check", f"PARAMS=-p on_invalid x; touch {flag}", tmp_path=tmp_path)
    assert not flag.exists(), "a value in PARAMS ran as a command"
    assert done.returncode != 0 and "parameters accepted" not in done.stdout
    assert "check:" in done.stderr and "Traceback" not in done.stderr


def test_params_are_split_like_a_shell_line_but_taken_literally():
    assert cli.params_from_text("-p raw_path 'data/raw/min eksport ø.csv' -p x \"a;b\"") == [
        ["raw_path", "data/raw/min eksport ø.csv"],
        ["x", "a;b"],
    ]
    assert cli.params_from_text("-p x `date`") == [["x", "`date`"]]
    assert cli.params_from_text("-p x $(date)") == [["x", "$(date)"]]
    with pytest.raises(pipeline.PipelineError, match="word 4 \\('touch'\\) does not start one"):
        cli.params_from_text("-p x y touch FILE")
    with pytest.raises(pipeline.PipelineError, match=r"^PARAMS: -p min_agents needs a value"):
        cli.params_from_text("-p min_agents")
    with pytest.raises(pipeline.PipelineError, match=r"^PARAMS: -p needs a value"):
        cli.params_from_text("-p x 1 -p")


RUN_MANAGED = [
    ("raw_path", "data/raw/export.csv", "RAW="),
    ("outputs_dir", "{tmp}/x", "OUT="),
    ("processed_dir", "{tmp}/p", "PROCESSED="),
]


@pytest.mark.parametrize("command", ["check", "run", "inspect"])
@pytest.mark.parametrize("name, value, variable", RUN_MANAGED)
def test_run_managed_parameters_are_refused_in_params_before_anything_is_written(
    tmp_path, monkeypatch, capsys, command, name, value, variable
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KONTAKT_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("KONTAKT_PARAMS", f"-p {name} {value.format(tmp=tmp_path)}")
    monkeypatch.setattr(pipeline, "run", lambda *a, **k: pytest.fail("a run started"))
    before = set(tmp_path.rglob("*"))
    assert cli.main([command, "--env"]) == 1
    err = capsys.readouterr().err
    heading = "pipeline stopped" if command == "run" else command
    assert err.startswith(f"{heading}: {name} cannot be given in PARAMS") and variable in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert set(tmp_path.rglob("*")) == before  # no .lock, no .staging, no processed folder


def test_a_parameter_given_twice_is_refused_by_name(capsys):
    assert cli.main(["check", "-p", "max_occupancy", "0.85", "-p", "max_occupancy", "0.9"]) == 1
    assert capsys.readouterr().err.startswith("check: parameter max_occupancy is given twice")


def test_check_refuses_a_raw_that_names_no_file_like_a_run(tmp_path, monkeypatch, capsys):
    for raw in (str(tmp_path / "nope.csv"), str(tmp_path / "nope" / "*.csv")):
        monkeypatch.setenv("KONTAKT_RAW", raw)
        assert cli.main(["check", "--env"]) == 1
        out = capsys.readouterr()
        assert out.err.startswith("check: ") and "parameters accepted" not in out.out
        assert "nothing was run" in out.err and out.err.count("\n") == 1
    good = tmp_path / "export.csv"
    good.write_text("call_id;district\n1;Oslo\n")
    monkeypatch.setenv("KONTAKT_RAW", str(good))
    assert cli.main(["check", "--env"]) == 0
    assert "parameters accepted" in capsys.readouterr().out


def test_make_variables_reach_python_unexpanded(tmp_path, monkeypatch):
    monkeypatch.setenv("KONTAKT_RAW", "data/raw/min eksport ø; rm -rf x.csv")
    monkeypatch.setenv("KONTAKT_OUT", "outputs/kjøring 2023")
    monkeypatch.setenv("KONTAKT_FROM", "")
    monkeypatch.setenv("KONTAKT_PARAMS", "-p on_invalid quarantine")
    assert cli._argv_from_env("run") == [
        "run",
        "--raw",
        "data/raw/min eksport ø; rm -rf x.csv",
        "--outputs",
        "outputs/kjøring 2023",
        "-p",
        "on_invalid",
        "quarantine",
    ]


def test_paths_with_spaces_and_norwegian_letters_run(tmp_path):
    raw = tmp_path / "min eksport ø" / "samtaler 2023 æå.csv"
    raw.parent.mkdir()
    raw.write_text("call_id;district\n1;Oslo\n")
    pipeline.run(
        {"raw_path": str(raw)},
        tmp_path / "ut data ø",
        tmp_path / "behandlet å",
        nbs=fake_chain(tmp_path / "c"),
        html=False,
    )
    assert (tmp_path / "ut data ø" / "tables" / "a.csv").exists()
    assert (tmp_path / "behandlet å" / "calls_clean.parquet").exists()


# --- 4: a full disk ------------------------------------------------------------------------------


def test_the_space_check_refuses_a_run_before_it_writes_anything(tmp_path, raw, monkeypatch):
    monkeypatch.setattr(runs, "estimate_rows", lambda path: 10**15)  # a log no disk holds
    with pytest.raises(pipeline.PipelineError, match=r"not enough free space for this run on .* the run needs about"):
        _run(tmp_path, raw, fake_chain(tmp_path / "c"), html=False)
    assert not (tmp_path / "out").exists() and not (tmp_path / "proc").exists()


def test_a_full_disk_while_saving_a_notebook_fails_cleanly(tmp_path, raw, monkeypatch):
    nbs = fake_chain(tmp_path / "c1", value=1)
    _run(tmp_path, raw, nbs, html=False)
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    real = notebooks.execute

    def full(nb, out, parameters):
        if nb.name.startswith("02"):
            raise OSError(errno.ENOSPC, "No space left on device", str(out))
        return real(nb, out, parameters)

    monkeypatch.setattr(notebooks, "execute", full)
    with pytest.raises(pipeline.PipelineError) as err:
        _run(tmp_path, raw, fake_chain(tmp_path / "c2", value=2), html=False)
    msg = str(err.value)
    assert msg.startswith("notebook 02_b.ipynb stopped: no space left on ")
    assert "a run needs about" in msg and "unchanged" in msg and "Traceback" not in msg
    assert {p: p.read_bytes() for p in before} == before
    assert not (tmp_path / "proc" / runs.STAGING).exists() and not (tmp_path / "out" / runs.STAGING).exists()


def _small_file_system(folder: Path, size: str) -> None:
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        folder.rmdir()
        pytest.skip(
            "a full disk is tested on a small tmpfs, which needs root to mount (CI runs as root; run "
            "`sudo .venv/bin/python -m pytest tests/test_run_safety.py -k full_file_system` to try it here)"
        )


FILL = """
from lib.core.paths import resolve
proc = resolve(processed_dir); proc.mkdir(parents=True, exist_ok=True)
(proc / "calls_clean.parquet").write_bytes(b"c" * 2_500_000)
out = resolve(outputs_dir) / "tables"; out.mkdir(parents=True, exist_ok=True)
(out / "huge.csv").write_bytes(b"x" * 8_000_000)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="tmpfs is Linux's")
def test_a_full_file_system_fails_like_any_other_failure(tmp_path, raw, monkeypatch):
    disk = tmp_path / "disk"
    _small_file_system(disk, "6m")
    try:
        monkeypatch.setattr(runs, "OUTPUTS_BYTES", 1000)  # the fake chain is small; the real one needs more
        out, proc = disk / "out", disk / "proc"
        pipeline.run({"raw_path": str(raw)}, out, proc, nbs=fake_chain(tmp_path / "c1", value=1), html=False)
        before = {p: p.read_bytes() for p in [*out.rglob("*"), *proc.rglob("*")] if p.is_file()}
        placed = _place(out, ["tables/my_table.csv"])
        nbs = fake_chain(tmp_path / "c2", value=2, second_body=FILL)
        with pytest.raises(pipeline.PipelineError) as err:
            pipeline.run({"raw_path": str(raw)}, out, proc, nbs=nbs, html=False)
        msg = str(err.value)
        assert msg.startswith("notebook 02_b.ipynb stopped: no space left on ")
        assert "unchanged" in msg and "Traceback" not in msg
        assert {p: p.read_bytes() for p in before} == before and _intact(placed)
        assert not (proc / runs.STAGING).exists() and not (out / runs.STAGING).exists()  # partial data removed
        note = out / runs.FAILED / runs.FAILED_NOTE
        assert not note.exists() or "no space left" in note.read_text()  # never an empty note
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# --- 5 is in test_calllog_exports (naive Parquet times); the smaller things ------------------------


def test_nested_and_flattened_run_names_get_different_processed_folders():
    folders = {runs.default_processed(runs.resolve(f"outputs/{n}")) for n in ("a/b", "a__b", "a", "b", "a__b-x")}
    assert len(folders) == 5
    assert runs.default_processed(runs.resolve("outputs/export-2023")).name == "export-2023"


def test_refused_runs_leave_nothing_behind(tmp_path, raw):
    # a processed folder another (live) run holds: no lock and no folder left in OUT
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (tmp_path / "proc").mkdir()
        (tmp_path / "proc" / runs.LOCK).write_text(f"{sleeper.pid}\n")
        with pytest.raises(pipeline.PipelineError, match="another run"):
            _run(tmp_path, raw, fake_chain(tmp_path / "c1"), html=False)
        assert not (tmp_path / "out").exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    # a run from a later notebook without the data it needs: no lock, no staging
    with pytest.raises(pipeline.PipelineError, match="holds no complete processed data"):
        _run(tmp_path, raw, fake_chain(tmp_path / "c2"), out="out2", proc="proc2", html=False, start_from="02")
    assert not (tmp_path / "out2").exists() and not (tmp_path / "proc2").exists()


def test_check_refuses_a_bad_notebook_parameter_and_a_processed_folder_in_outputs_in_one_line(capsys):
    assert cli.main(["check", "-p", "on_invalid", "delete"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("check: parameter on_invalid='delete' refused: allowed values are error")
    assert cli.main(["check", "--processed", "outputs/x"]) == 1
    err = capsys.readouterr().err
    assert "never go into an outputs folder" in err and "Traceback" not in err and err.count("\n") == 1


def test_a_folder_as_raw_and_an_outside_out_are_named_whole(tmp_path, raw):
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(pipeline.PipelineError, match="the folder holds no call-log file"):
        pipeline.run({"raw_path": str(folder)}, tmp_path / "out", tmp_path / "proc", nbs=fake_chain(tmp_path / "c"))
    blocked = tmp_path / "somewhere" / "out"
    blocked.parent.mkdir()
    blocked.write_text("a file where the folder should be")
    with pytest.raises(pipeline.PipelineError) as err:
        pipeline.run({"raw_path": str(raw)}, blocked, tmp_path / "proc", nbs=fake_chain(tmp_path / "c"))
    assert str(blocked) in str(err.value)  # the whole path, not only its last component


# --- found by an adversarial battery after the first version ---------------------------------------


def test_a_symbolic_link_is_never_followed_to_remove_or_replace_a_file(tmp_path, raw):
    out, proc = tmp_path / "out", tmp_path / "proc"
    _run(tmp_path, raw, fake_chain(tmp_path / "c1"), html=False)
    # the user swaps the run's tables/ for a link to a folder of theirs holding a file of the same name
    (out / "tables").rename(tmp_path / "old_tables")
    share = tmp_path / "share"
    share.mkdir()
    (share / "a.csv").write_text("the user's")
    (out / "tables").symlink_to(share)
    clean.clean(out, proc, tmp_path / "raw", show=lambda _: None)
    assert (share / "a.csv").read_text() == "the user's"  # not reached through the link
    with pytest.raises(pipeline.PipelineError, match=r"not listed in a run_manifest.json.*tables"):
        _run(tmp_path, raw, fake_chain(tmp_path / "c2"), html=False)
    assert (share / "a.csv").read_text() == "the user's"


def test_known_results_in_the_way_are_refused_before_anything_runs(tmp_path, raw, monkeypatch):
    # an executed notebook saved by hand where the run puts its own, and a processed file of the user's
    placed = _place(tmp_path / "out", ["notebooks/01_a.ipynb"]) | _place(tmp_path / "proc", ["calls_clean.parquet"])
    ran = []
    monkeypatch.setattr(notebooks, "execute", lambda *a: ran.append(a) or 0.0)
    with pytest.raises(pipeline.PipelineError) as err:
        _run(tmp_path, raw, fake_chain(tmp_path / "c1"), html=False)
    msg = str(err.value)
    assert not ran and "this run would write" in msg
    assert "notebooks/01_a.ipynb" in msg and "calls_clean.parquet" in msg  # both folders named at once
    assert _intact(placed) and not (tmp_path / "out" / "failed_run").exists()


def test_a_rerun_from_a_later_notebook_refuses_files_changed_outside_a_run(tmp_path, raw):
    nbs = fake_chain(tmp_path / "c1", value=1)
    _run(tmp_path, raw, nbs, html=False)
    from lib.core.manifest import claim

    # a notebook run in JupyterLab rewrites the cleaned log in place (and records it, undigested)
    claim(tmp_path / "proc" / "calls_clean.parquet").write_text("changed in Lab")
    with pytest.raises(pipeline.PipelineError, match=r"changed after it.*calls_clean.parquet"):
        _run(tmp_path, raw, nbs, html=False, start_from="02")
    _run(tmp_path, raw, nbs, html=False)  # the whole chain makes it consistent again
    _run(tmp_path, raw, nbs, html=False, start_from="02")


def test_clean_goes_past_a_dead_runs_lock_but_not_a_live_one(tmp_path, raw):
    out, proc = tmp_path / "out", tmp_path / "proc"
    _run(tmp_path, raw, fake_chain(tmp_path / "c1"), html=False)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (out / runs.LOCK).write_text(f"{dead.pid}\n")
    (out / "notes").mkdir()
    (out / "notes" / runs.LOCK).write_text("the user's own file named .lock")
    clean.clean(out, proc, tmp_path / "raw", show=lambda _: None)
    assert not (out / runs.LOCK).exists() and (out / "notes" / runs.LOCK).exists()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (proc).mkdir(exist_ok=True)
        (proc / runs.LOCK).write_text(f"{live.pid}\n")
        with pytest.raises(pipeline.PipelineError, match=f"process {live.pid}"):
            clean.clean(out, proc, tmp_path / "raw", show=lambda _: None)
    finally:
        live.kill()
        live.wait()


def test_clean_removes_the_folders_runs_made_above_their_run_folder(tmp_path, raw, monkeypatch):
    outputs, processed = tmp_path / "outputs", tmp_path / "processed"
    outputs.mkdir()
    processed.mkdir()
    monkeypatch.setattr(runs, "OUTPUTS", outputs)
    monkeypatch.setattr(runs, "DATA_PROCESSED", processed)
    _run(tmp_path, raw, fake_chain(tmp_path / "c1"), out="outputs/a/b", proc="processed/runs/ab", html=False)
    with pytest.raises(pipeline.PipelineError):  # a failed run into a new folder
        _run(tmp_path, raw, fake_chain(tmp_path / "c2", fail_second=True), out="outputs/c", proc="processed/runs/c")
    clean.clean(outputs, processed, tmp_path / "raw", show=lambda _: None)
    assert sorted(p.name for p in outputs.iterdir()) == [] and sorted(p.name for p in processed.iterdir()) == []


@pytest.mark.parametrize("out", ["outputs/failed_run", "outputs/comparisons", "outputs/x/tables", "outputs/.staging"])
def test_the_projects_own_folder_names_are_refused_as_run_folders(out):
    with pytest.raises(runs.RunError, match="named like the project's own folder"):
        runs.RunFolders.of(out)


def test_an_out_that_is_a_file_is_named_as_such(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(runs.RunError, match="is a file, not a folder"):
        runs.RunFolders.of(tmp_path / "notes.txt", tmp_path / "proc")


def test_out_paths_are_normalised():
    assert runs.RunFolders.of("outputs/../outputs/a") == runs.RunFolders.of("outputs/a")


def test_a_failed_runs_note_and_notebooks_never_take_the_place_of_the_users_files(tmp_path, raw):
    placed = _place(tmp_path / "out", ["failed_run/FAILED.txt", "failed_run/notebooks/02_b.ipynb"])
    with pytest.raises(pipeline.PipelineError) as err:
        _run(tmp_path, raw, fake_chain(tmp_path / "c1", fail_second=True), html=False)
    msg = str(err.value)
    assert "FAILED.txt could not be written" in msg and "notebooks/02_b.ipynb" in msg and "hold their place" in msg
    assert _intact(placed)


def test_the_failure_note_names_where_the_rows_set_aside_are_now(tmp_path):
    from lib.core.paths import NOTEBOOKS

    bad = tmp_path / "bad.csv"
    bad.write_text("call_id,district,queue,arrived_at,wait_s,talk_s,answered\nA,Oslo,sentralbord,nonsense,1,2,true\n")
    with pytest.raises(pipeline.PipelineError) as err:
        pipeline.run(
            {"raw_path": str(bad), "on_invalid": "quarantine"},
            tmp_path / "out",
            tmp_path / "proc",
            nbs=[NOTEBOOKS / "01_clean_call_log.ipynb"],
            html=False,
        )
    note = (tmp_path / "out" / runs.FAILED / runs.FAILED_NOTE).read_text()
    assert runs.STAGING not in note and runs.STAGING not in str(err.value)
    assert "failed_run/rejected_rows.parquet" in note
    assert str(err.value).count("rejected_rows.parquet") == 1  # named once


def test_space_check_message_reads_well(tmp_path, raw, monkeypatch):
    monkeypatch.setattr(runs, "estimate_rows", lambda path: 10**15)
    with pytest.raises(pipeline.PipelineError) as err:
        _run(tmp_path, raw, fake_chain(tmp_path / "c"), html=False)
    msg = str(err.value)
    assert "  " not in msg and ", " in msg and "PROCESSED=PATH" in msg


def test_check_judges_the_run_folder_too(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("KONTAKT_OUT", str(tmp_path / "o"))
    monkeypatch.setenv("KONTAKT_PROCESSED", str(tmp_path / "o" / "p"))
    assert cli.main(["check", "--env"]) == 1
    assert "never go into an outputs folder" in capsys.readouterr().err


def test_a_list_in_params_that_lost_its_quotes_gets_a_hint(capsys):
    assert cli.main(["check", "-p", "excluded_districts", "[Trøndelag]"]) == 1
    assert "wrap the whole value in single quotes" in capsys.readouterr().err


def test_compare_into_a_comparisons_file_is_one_line(tmp_path, capsys):
    for name in ("a", "b"):
        (tmp_path / name / "tables").mkdir(parents=True)
    (tmp_path / "comparisons").write_text("a file where the folder goes")
    code = cli.main(
        ["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "comparisons" / "x.csv")]
    )
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("compare:") and "Traceback" not in err


# --- issue 20 in the chain: several files, the check before anything runs, whose problem it is ----


def test_a_folder_of_files_is_one_log_and_run_info_names_each(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    for month in ("01", "02"):
        (folder / f"calls_2023_{month}.csv").write_text("call_id;district\n1;Oslo\n")
    pipeline.run(
        {"raw_path": str(folder)}, tmp_path / "out", tmp_path / "proc", nbs=fake_chain(tmp_path / "c"), html=False
    )
    info = pd.read_csv(tmp_path / "out" / "run_info.csv").set_index("item")["value"]
    assert info["raw_file"] == str(folder) and info["raw_files"] == "2"
    assert info["raw_file_1"].endswith("calls_2023_01.csv") and info["raw_file_2"].endswith("calls_2023_02.csv")
    assert len(info["raw_sha256_2"]) == 64


def test_a_bad_export_stops_the_real_chain_before_notebook_00(tmp_path, monkeypatch):
    bad = tmp_path / "vendor.csv"
    bad.write_text("Samtale-ID;Noe annet\nSECRET-ID-1;x\n")
    ran = []
    monkeypatch.setattr(notebooks, "execute", lambda *a: ran.append(a) or 0.0)
    with pytest.raises(pipeline.PipelineError) as err:
        pipeline.run({"raw_path": str(bad)}, tmp_path / "out", tmp_path / "proc", html=False)
    msg = str(err.value)
    assert not ran and "cannot be used as it is; nothing was run" in msg and "SECRET-ID-1" not in msg
    assert not (tmp_path / "out").exists()


def test_make_inspect_prints_aggregates_and_fails_on_a_bad_export(tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_text(
        "call_id,district,queue,arrived_at,wait_s,talk_s,answered\nCALL-7,Oslo,sentralbord,2023-03-01 10:00:00,5,60,true\n"
    )
    assert cli.main(["inspect", str(good)]) == 0
    out = capsys.readouterr().out
    assert "Verdict:" in out and "CALL-7" not in out
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing,here\n1,2\n")
    assert cli.main(["inspect", str(bad)]) == 1


@pytest.mark.parametrize(
    "body, whose",
    [
        ("raise ValueError('a bug')", "defect of the project"),
        (
            "from lib.calllog import CallLogError\nraise CallLogError('call log x: missing column(s)')",
            "problem of the export",
        ),
    ],
)
def test_a_failure_says_whose_problem_it_is(tmp_path, raw, body, whose):
    with pytest.raises(pipeline.PipelineError) as err:
        _run(tmp_path, raw, fake_chain(tmp_path / "c", second_body=body), html=False)
    assert whose in str(err.value)
    assert whose in (tmp_path / "out" / runs.FAILED / runs.FAILED_NOTE).read_text()


def test_a_name_close_to_none_says_where_the_names_are_listed(capsys):
    assert cli.main(["check", "-p", "zzzz_qqqq", "1"]) == 1
    err = capsys.readouterr().err
    assert "unknown parameter 'zzzz_qqqq'" in err and "Assumptions.describe()" in err
    assert "max_occupancy" not in err and err.count("\n") == 1


def test_make_help_lists_every_target_the_readme_names(tmp_path):
    import re

    done = _make("help", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    listed = set(re.findall(r"^  make (\S+)", done.stdout, flags=re.M))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", (PROJ_ROOT / "README.md").read_text(encoding="utf-8")))
    assert "test-fast" in named and named <= listed, sorted(named - listed)
