"""The README's examples run as written: its papermill command (notebook 03 on the chain's
processed data, with the example change) runs, and the change it names moves the results.

The command is read from README.md, never copied here; only its /tmp paths are pointed at
this test's temporary folder, and its ``data/processed`` at the chain run's (through
``KONTAKT_WRITE_ROOT``), so nothing reaches outputs/ or data/.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd

from lib.core.paths import PROJ_ROOT


def readme_papermill_command() -> list[str]:
    text = (PROJ_ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"`(\.venv/bin/papermill [^`]+)`", text)
    assert len(found) == 1, f"the README shows {len(found)} papermill commands; this test runs one"
    return shlex.split(found[0])


def test_the_readmes_papermill_example_runs_as_written_and_moves_the_staffing(chain_run: Path, tmp_path):
    words = readme_papermill_command()
    assert words[:2] == [".venv/bin/papermill", "notebooks/03_staffing.ipynb"]
    assert "-y" in words and "overrides" in words[words.index("-y") + 1]  # the form that works (issue 25)
    out_nb, out_dir = tmp_path / "03.ipynb", tmp_path / "out"
    words = [str(out_nb) if w == "/tmp/03.ipynb" else str(out_dir) if w == "/tmp/out" else w for w in words]
    assert str(out_nb) in words and str(out_dir) in words
    words[0] = str(Path(sys.executable).with_name("papermill"))  # this environment's .venv/bin/papermill
    root = tmp_path / "root"
    (root / "data").mkdir(parents=True)
    (root / "data" / "processed").symlink_to(chain_run / "processed", target_is_directory=True)
    env = {**os.environ, "KONTAKT_WRITE_ROOT": str(root)}
    done = subprocess.run(words, cwd=PROJ_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert out_nb.exists()
    changed = pd.read_csv(out_dir / "tables" / "staffing_by_year.csv")
    base = pd.read_csv(chain_run / "outputs" / "tables" / "staffing_by_year.csv")
    assert not changed["person_years"].equals(base["person_years"])  # the README's change moves the results
