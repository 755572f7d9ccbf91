"""The pip pins and the conda environment must not drift apart."""

import re

import yaml  # shipped with jupyter's dependencies (pyyaml)

from lib.core.paths import PROJ_ROOT


def _pins() -> dict[str, str]:
    pins = {}
    for line in (PROJ_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"requirements.txt: {line!r} is not pinned with =="
            pins[name.lower()] = version
    return pins


def test_every_requirement_is_pinned():
    pins = _pins()
    for pkg in ["jupyterlab", "papermill", "pandas", "numpy", "scipy", "matplotlib", "nbval"]:
        assert pkg in pins, f"design-card package {pkg} missing from requirements.txt"


def test_environment_yml_delegates_to_the_same_pins():
    env = yaml.safe_load((PROJ_ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    pip_block = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert "-r requirements.txt" in pip_block and "-e ." in pip_block
    # Nothing in environment.yml may pin a package differently from requirements.txt.
    pins = _pins()
    for d in deps:
        if isinstance(d, str):
            m = re.match(r"^([A-Za-z0-9_.\-]+)\s*[=<>]=?\s*(.+)$", d)
            if m and m.group(1).lower() in pins:
                assert pins[m.group(1).lower()] == m.group(2), f"{d} differs from requirements.txt"


def test_python_version_matches_pyproject():
    text = (PROJ_ROOT / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11"' in text
