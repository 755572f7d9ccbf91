"""Keep aggregates of a real export out of commits.

The committed notebooks carry outputs nbval compares; they must come from the synthetic
log. An analyst who runs the notebooks in JupyterLab on the confidential 2023 export, or
copies an executed notebook from a run folder, could commit its aggregates by mistake.
Every notebook that reads the call log prints its data source (see
:func:`source_line`); this guard, run by the git pre-commit hook that ``make setup``
installs (``.githooks/pre-commit``), refuses a staged notebook that

* was executed on anything but the synthetic log (its outputs say ``NOT the synthetic
  log``, or a data notebook's outputs carry no ``data source: synthetic log`` line), or
* is an executed copy from a run (papermill's ``injected-parameters`` cell).

``python -m lib.chain.commit_guard FILE...`` checks files; ``--staged`` checks the staged
notebooks. Exit 1 with a message naming each file and the reason.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from lib.core.paths import PROJ_ROOT

SYNTHETIC = "data source: synthetic log"
NOT_SYNTHETIC = "NOT the synthetic log"
#: Notebooks that show no call-log aggregate (nothing to check beyond the run copy).
NO_DATA = ("00_",)


def source_line(seed: int | None, raw_file: str) -> str:
    """The line a data notebook prints about its source: the synthetic log and its seed,
    or a real export (the guard refuses to commit notebooks showing the latter)."""
    if seed is not None:
        return f"{SYNTHETIC} (seed {seed}): {raw_file}"
    return f"data source: {raw_file} ({NOT_SYNTHETIC}; do not commit these outputs)"


def _outputs_text(nb: dict) -> str:
    parts = []
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            text = out.get("text")
            if text is None:
                text = out.get("data", {}).get("text/plain", "")
            parts.append("".join(text) if isinstance(text, list) else str(text))
    return "\n".join(parts)


def problems(path: Path, text: str | None = None) -> list[str]:
    """Why ``path`` (a notebook; ``text``: its content, default read from disk) must not be
    committed; empty when it may."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8") if text is None else text)
    except (OSError, ValueError) as err:
        return [f"cannot be read as a notebook ({err})"]
    found = []
    if any("injected-parameters" in c.get("metadata", {}).get("tags", []) for c in nb.get("cells", [])):
        found.append("it is an executed copy from a run (papermill's injected-parameters cell); commit the source")
    outputs = _outputs_text(nb)
    if NOT_SYNTHETIC in outputs:
        found.append(
            "its outputs come from a real export, not the synthetic log; clear its outputs or `make notebooks`"
        )
    elif outputs.strip() and not path.name.startswith(NO_DATA) and SYNTHETIC not in outputs:
        found.append("its outputs do not say they come from the synthetic log; run `make notebooks` before committing")
    return found


def staged_notebooks() -> list[tuple[Path, str]]:
    """The staged notebooks under notebooks/ and their staged content."""
    names = subprocess.run(
        ["git", "diff", "--cached", "--name-only", "--diff-filter=ACM", "--", "notebooks/*.ipynb"],
        cwd=PROJ_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    out = []
    for name in names:
        blob = subprocess.run(["git", "show", f":{name}"], cwd=PROJ_ROOT, capture_output=True, text=True, check=True)
        out.append((PROJ_ROOT / name, blob.stdout))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m lib.chain.commit_guard", description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--staged", action="store_true", help="check the notebooks staged for commit")
    args = ap.parse_args(argv)
    items = staged_notebooks() if args.staged else [(p, None) for p in args.files]
    bad = [(p, why) for p, text in items for why in problems(p, text)]
    for p, why in bad:
        print(f"refused: {p.name}: {why}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
