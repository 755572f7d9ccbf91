"""lib/'s layers are kept by import-linter (the contract in pyproject.toml, run by make lint):
the contract holds on the code, and it is live: an upward import in a copy of lib is refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lib.core.paths import PROJ_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(PROJ_ROOT / "lib", root / "lib", ignore=shutil.ignore_patterns("__pycache__", "*.csv"))
    shutil.copy(PROJ_ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def test_the_layers_hold(copy):
    done = _lint(copy)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    "module, upward",
    [
        ("core/paths.py", "import lib.chain.runs"),  # the ground floor reaching up
        ("queues/erlang.py", "import lib.calllog.read"),  # a level-1 sibling
        ("valuation/economics.py", "import lib.planning.pilot"),  # a level-3 sibling
        ("model/staffing.py", "import lib.report.figures"),  # a level up
    ],
)
def test_an_upward_or_sideways_import_is_refused(copy, tmp_path, module, upward):
    root = tmp_path / "broken"
    shutil.copytree(copy, root)
    path = root / "lib" / module
    path.write_text(path.read_text() + f"\n{upward}  # deliberately against the layers\n")
    done = _lint(root)
    assert done.returncode != 0 and "BROKEN" in done.stdout
    assert upward.split()[1].rsplit(".", 1)[0] in done.stdout
