"""The command line of the chain: ``python -m lib.chain.cli run | check | compare | clean | refresh``.

``make`` calls it with ``--env``: the variables a user types (``RAW``, ``OUT``, ``FROM``,
``PARAMS``, ``A``, ``B``, ``DRY``, ``XLSX``) arrive in the environment, unexpanded, and are read here as
data (``PARAMS`` split like a shell line, never run). Every failure is one line on stderr, headed by
the command (``pipeline stopped: ...`` for a run, ``check: ...``, ``inspect: ...``, ``compare: ...``,
``clean: ...``), and exit code 1. The parameters a run sets itself (``raw_path``, ``outputs_dir``,
``processed_dir``) are refused as ``-p``: ``RAW``, ``OUT`` and ``PROCESSED`` set them.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from lib.chain import pipeline, runs
from lib.chain.clean import clean
from lib.chain.compare import compare
from lib.chain.errors import PipelineError
from lib.chain.notebooks import declared_parameters, notebooks, refresh
from lib.chain.parameters import check_assumptions, parameters_of, parse_value, refuse_run_managed, route_parameters
from lib.chain.pipeline import run
from lib.core import manifest
from lib.core.assumptions import Assumptions
from lib.core.paths import OUTPUTS, PROJ_ROOT, display_path, resolve
from lib.report.compare import agree, to_text
from lib.report.note import NOTE, PDF


def _parameters(pairs: list[list[str]]) -> dict[str, object]:
    """The ``-p`` pairs of the command line as values: run-managed names refused
    (:func:`lib.chain.parameters.refuse_run_managed`), a name given twice refused."""
    refuse_run_managed(pairs)
    return parameters_of(pairs)


#: The environment variables ``make`` hands its variables over in (``--env``): a value a user
#: types reaches Python as data, never through a shell command line.
ENV = {
    "raw": "KONTAKT_RAW",
    "outputs": "KONTAKT_OUT",
    "processed": "KONTAKT_PROCESSED",
    "start_from": "KONTAKT_FROM",
    "params": "KONTAKT_PARAMS",
    "a": "KONTAKT_A",
    "b": "KONTAKT_B",
    "dry": "KONTAKT_DRY",
    "xlsx": "KONTAKT_XLSX",
}


def params_from_text(text: str) -> list[list[str]]:
    """``make``'s ``PARAMS`` as ``[[NAME, VALUE], ...]``: split like a shell line (quotes group
    words; nothing is run or expanded) and read as ``-p NAME VALUE`` triples; anything else
    is refused with a one-line message."""
    try:
        words = shlex.split(text)
    except ValueError as err:
        raise PipelineError(
            f"PARAMS cannot be read ({err}); quote a value that holds spaces: -p NAME 'A VALUE'"
        ) from None
    pairs = []
    for i in range(0, len(words), 3):
        group = words[i : i + 3]
        if group[0] in ("-p", "--parameter") and len(group) < 3:
            what = f"{group[0]} {group[1]}" if len(group) == 2 else group[0]
            raise PipelineError(f"PARAMS: {what} needs a value: -p NAME VALUE")
        if group[0] not in ("-p", "--parameter"):
            raise PipelineError(
                f"PARAMS takes -p NAME VALUE triples (quote a value that holds spaces or ;); word {i + 1} "
                f"({group[0]!r}) does not start one"
            )
        pairs.append(group[1:])
    return pairs


def _argv_from_env(command: str) -> list[str]:
    """The command line ``make`` means, read from :data:`ENV` (for ``--env``)."""
    env = {k: os.environ.get(v, "") for k, v in ENV.items()}
    argv = [command]
    if command in ("run", "check"):
        argv += ["--raw", env["raw"]] if env["raw"] else []
        argv += ["--outputs", env["outputs"]] if env["outputs"] else []
        argv += ["--processed", env["processed"]] if env["processed"] else []
    if command == "run":
        argv += ["--from", env["start_from"]] if env["start_from"] else []
    if command in ("run", "check"):
        argv += [w for pair in params_from_text(env["params"]) for w in ("-p", *pair)]
    if command == "compare":
        if not (env["a"] and env["b"]):
            raise PipelineError("make compare needs two run folders: make compare A=outputs B=outputs/NAME")
        argv += [env["a"], env["b"]]
        argv += ["--xlsx"] if env["xlsx"] not in ("", "0") else []
    if command == "inspect":
        argv += [env["raw"]] if env["raw"] else []
        argv += [w for pair in params_from_text(env["params"]) for w in ("-p", *pair)]
    if command == "clean" and env["dry"] not in ("", "0"):
        argv.append("--dry-run")
    return argv


def _inspect_command(raw: str | None, params: dict[str, object]) -> int:
    """``make inspect``: print what a run would use of the export, and every problem; exit 1 when
    it cannot be used as it is. The parameters ``columns`` and ``on_invalid`` and assumption
    overrides count as in a run."""
    from lib.calllog.inspect import inspect

    route_parameters(params, notebooks())
    overrides, rest = check_assumptions(params)
    if raw is not None:
        rest["raw_path"] = raw
    given = pipeline.raw_input(rest, notebooks())
    if given is None:
        raise PipelineError("make inspect needs an export: make inspect RAW=data/raw/export_2023.csv")
    columns = rest.get("columns")
    result = inspect(
        given.given,
        None if columns is None else str(columns),
        on_invalid=str(rest.get("on_invalid", "error")),
        a=Assumptions().replace(**overrides),
    )
    print(result.to_text())
    return 0 if result.usable else 1


#: How a command's one-line error begins: only a run (or a refresh) has a pipeline to stop.
HEADING = {"run": "pipeline stopped", "refresh": "pipeline stopped"}


def _heading(argv: list[str]) -> str:
    command = next((a for a in argv if not a.startswith("-")), "run")
    return HEADING.get(command, command)


def _raw_path(given: str) -> str:
    """``RAW`` as the ``raw_path`` parameter: relative paths are taken from the project root
    (make runs there) and kept relative, so executed notebooks show no machine-specific path."""
    raw = Path(given)
    return given if raw.is_absolute() or (PROJ_ROOT / raw).exists() else str(raw.resolve())


def finished_text(outputs_dir: Path, written: list[Path]) -> str:
    """The end of ``make report``: the note to send on first (``notat.html``, and ``notat.pdf``
    when it was written), then where everything else is."""
    shown = display_path(outputs_dir)
    names = {p.name for p in written}
    note = [f"{shown}/{n}" for n in (NOTE, PDF) if n in names]
    lines = [f"to send on: {' and '.join(note)}"] if note else []
    lines.append(f"everything in {shown}/ (run_info.csv, tables/ with results.xlsx, figures/, notebooks/, html/)")
    return "\n".join(lines)


def _is_default_log(raw: str) -> bool:
    """Whether ``raw`` is notebook 01's default ``raw_path`` (the synthetic log, which
    ``make report`` generates when it is missing)."""
    defaults = [notebooks_declared.get("raw_path") for notebooks_declared in map(declared_parameters, notebooks())]
    return any(d is not None and resolve(str(parse_value(str(d)))) == resolve(raw) for d in defaults)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    heading = _heading(argv)
    if "--env" in argv:  # make's variables, from the environment
        try:
            argv = _argv_from_env(next(a for a in argv if a != "--env"))
        except PipelineError as err:
            print(f"{heading}: {err}", file=sys.stderr)
            return 1
    parser = argparse.ArgumentParser(prog="python -m lib.chain.pipeline", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add_parameter(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "-p",
            "--parameter",
            nargs=2,
            action="append",
            default=[],
            metavar=("NAME", "VALUE"),
            help="notebook parameter or assumption override (repeatable)",
        )

    r = sub.add_parser("run", help="run the notebooks in order as one run into a run folder")
    r.add_argument("--raw", help="path of the call-log export (parameter raw_path)")
    add_parameter(r)
    r.add_argument("--outputs", default="outputs", help="the run folder (default: outputs)")
    r.add_argument("--processed", help="the run's processed folder (default: data/processed[/runs/NAME])")
    r.add_argument("--from", dest="start_from", help="rerun from this notebook number (e.g. 03) on the run's data")
    r.add_argument("--no-html", action="store_true", help="skip the HTML rendering")
    sub.add_parser("refresh", help="re-execute the committed notebooks in place (writes to a temporary folder)")
    c = sub.add_parser("check", help="check parameters and assumption overrides; run nothing")
    add_parameter(c)
    c.add_argument("--raw", help="the call-log export the run would read (must exist)")
    c.add_argument("--outputs", default=None, help="the run folder the run would use (default: outputs)")
    c.add_argument("--processed", default=None, help="the processed folder the run would use")
    k = sub.add_parser("compare", help="what differs between two run folders")
    k.add_argument("a")
    k.add_argument("b")
    k.add_argument("--out", help="CSV to write (default: outputs/comparisons/A__vs__B.csv)")
    k.add_argument("--xlsx", action="store_true", help="also write a Norwegian workbook beside the CSV (.xlsx)")
    ins = sub.add_parser("inspect", help="check a call-log export (file, folder or glob) without running anything")
    ins.add_argument("raw", nargs="?", default=None, help="the export (default: notebook 01's raw_path)")
    add_parameter(ins)
    cl = sub.add_parser("clean", help="remove what the project made (run manifests, the synthetic log); nothing else")
    cl.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            params = _parameters(args.parameter)
            route_parameters(params, notebooks())
            overrides, _ = check_assumptions(params)
            if args.outputs or args.processed:
                runs.RunFolders.of(args.outputs or OUTPUTS, args.processed)
            if args.raw and not _is_default_log(args.raw):  # make report generates the synthetic log
                pipeline.raw_input({"raw_path": _raw_path(args.raw)}, notebooks())
            print("parameters accepted" + (f"; assumptions overridden: {overrides}" if overrides else ""))
        elif args.command == "run":
            params = _parameters(args.parameter)
            if args.raw:
                params["raw_path"] = _raw_path(args.raw)
            outputs_dir = resolve(args.outputs)
            report = run(params, outputs_dir, args.processed, html=not args.no_html, start_from=args.start_from)
            print("seconds per notebook: " + ", ".join(f"{k} {v:.1f}" for k, v in report.seconds.items()))
            print(finished_text(outputs_dir, report.written))
        elif args.command == "compare":
            diff, out, book = compare(args.a, args.b, args.out, xlsx=args.xlsx)
            a, b = display_path(resolve(args.a)), display_path(resolve(args.b))
            print(to_text(diff, a, b, full=display_path(out)), end="")
            if agree(diff):
                print(f"{a} and {b} agree on every compared value")
            print(f"the whole comparison: {display_path(out)}")
            if book is not None:
                print(f"as a Norwegian workbook: {display_path(book)}")
        elif args.command == "clean":
            clean(dry=args.dry_run)
        elif args.command == "inspect":
            return _inspect_command(args.raw, _parameters(args.parameter))
        else:
            refresh()
    except (PipelineError, manifest.ManifestError) as err:
        print(f"{heading}: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # a folder that cannot be written, a file where a folder should be
        print(f"{heading}: {err.strerror or err}: {display_path(err.filename or '')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
