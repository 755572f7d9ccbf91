"""What a run is given, checked before anything runs: notebook parameters (each reaches the
notebooks that declare it; a name no notebook declares, a value of the wrong type, outside
its choices or below its bound is refused) and assumption overrides (checked by
:class:`lib.core.assumptions.Assumptions`: type, range, a "did you mean" for a misspelt
name; every notebook gets the same ``overrides`` dict)."""

from __future__ import annotations

import ast
from pathlib import Path

from lib.chain.errors import PipelineError
from lib.chain.notebooks import declared_parameters
from lib.core.assumptions import WHERE_LISTED, Assumptions, unknown_name_message

#: The notebook parameter that carries assumption overrides (a dict name -> value).
OVERRIDES = "overrides"


#: Run-managed notebook parameters: the pipeline sets them to the run's staging folders.
FOLDER_PARAMETERS = ("outputs_dir", "processed_dir")

#: Notebook parameters the run sets itself (the call log it reads, the folders it writes), with
#: the ``make`` variable (and the command-line option) that sets each: never given as ``-p``
#: on the command line, where the run would ignore or misplace them.
RUN_MANAGED = {
    "raw_path": ("RAW", "--raw"),
    "outputs_dir": ("OUT", "--outputs"),
    "processed_dir": ("PROCESSED", "--processed"),
}


def refuse_run_managed(params: dict[str, object] | list[list[str]]) -> None:
    """Refuse, in one line, a run-managed parameter (:data:`RUN_MANAGED`) given as ``-p NAME VALUE``,
    naming the ``make`` variable to use instead."""
    names = [p[0] for p in params] if isinstance(params, list) else list(params)
    for name in names:
        if name in RUN_MANAGED:
            var, option = RUN_MANAGED[name]
            raise PipelineError(
                f"{name} cannot be given in PARAMS (-p {name}): the run sets it; use {var}=... instead "
                f"(make report {var}=PATH; python -m lib.chain.cli: {option} PATH); nothing was written"
            )


def parameters_of(pairs: list[list[str]]) -> dict[str, object]:
    """``-p NAME VALUE`` pairs as a dict of values (:func:`parse_value`); a name given twice is
    refused (naming it), never last-wins."""
    out: dict[str, object] = {}
    for name, value in pairs:
        if name in out:
            raise PipelineError(f"parameter {name} is given twice (-p {name} ...); give it once")
        out[name] = parse_value(value)
    return out


def parse_value(text: str) -> object:
    """A command-line parameter value: a Python literal if it parses as one, else the string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def check_assumptions(params: dict[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """Split ``params`` into assumption overrides and notebook parameters; check the overrides.

    Names that are fields of :class:`Assumptions` (and the entries of an ``overrides``
    dict) are assumptions: they must build a valid :class:`Assumptions`, or a
    :class:`PipelineError` says which value is wrong and what is allowed.
    """
    overrides: dict[str, object] = {}
    given = params.get(OVERRIDES, {})
    if not isinstance(given, dict):
        raise PipelineError(
            f"parameter {OVERRIDES} must be a dict of assumption overrides, not {given!r}; in PARAMS, wrap the "
            """dict in single quotes: -p overrides '{"max_occupancy": 0.85}'"""
        )
    overrides.update(given)
    rest = {}
    for name, value in params.items():
        if name in Assumptions.names():
            overrides[name] = value
        elif name != OVERRIDES:
            rest[name] = value
    try:
        Assumptions().replace(**overrides)
    except ValueError as err:
        hint = ""
        if any(isinstance(v, str) and v.strip()[:1] in "[{(" for v in overrides.values()):
            hint = (
                "; a list or dict given in PARAMS lost its inner quotes to the shell-like splitting: "
                'wrap the whole value in single quotes, e.g. -p excluded_districts \'["Trøndelag", "Finnmark"]\''
            )
        raise PipelineError(f"assumption refused: {err}{hint}") from None
    return overrides, rest


def route_parameters(params: dict[str, object], nbs: list[Path]) -> dict[Path, dict[str, object]]:
    """Give every notebook the parameters it declares; refuse parameters that none declares.

    Assumption overrides are checked (:func:`check_assumptions`) and given, as one
    ``overrides`` dict, to every notebook that declares ``overrides``.
    """
    overrides, rest = check_assumptions(params)
    declared = {nb: declared_parameters(nb) for nb in nbs}
    known = set().union(*[set(d) for d in declared.values()]) if declared else set()
    for name in rest:
        if name not in known:
            candidates = sorted((known - {OVERRIDES}) | set(Assumptions.names()))
            where = f"{WHERE_LISTED}; docs/architecture.md lists each notebook's parameters"
            raise PipelineError(unknown_name_message(name, candidates, "parameter", where))
    for name, value in rest.items():
        defaults = [declared[nb][name] for nb in nbs if name in declared[nb]]
        check_parameter(name, value, defaults[0])
    routed = {nb: {k: v for k, v in rest.items() if k in declared[nb]} for nb in nbs}
    if overrides:
        for nb in nbs:
            if OVERRIDES in declared[nb]:
                routed[nb][OVERRIDES] = dict(overrides)
    return routed


def _choices() -> dict[str, tuple[object, ...]]:
    """Notebook parameters (not assumptions) that take one of a few values."""
    from lib.calllog.clean import ON_INVALID
    from lib.model.concepts import CONCEPTS

    return {"on_invalid": ON_INVALID, "sensitivity_concept": tuple(c.name for c in CONCEPTS.values() if c.table1)}


#: Notebook parameters (not assumptions) with a lower bound (counts and seeds).
AT_LEAST: dict[str, int] = {
    "draws": 1,
    "exact_check_draws": 0,
    "sobol_base": 2,
    "structural_draws": 0,
    "erlang_a_draws": 0,
    "simulation_replications": 2,
    "isa_replications": 1,
    "seed": 0,
    "simulation_seed": 0,
}


def check_parameter(name: str, value: object, default: object) -> None:
    """Refuse a notebook parameter of the wrong type (judged by the notebook's default: a
    number where a number is expected, and so on), outside its choices or below its bound,
    with a one-line message."""
    try:
        expected = ast.literal_eval(str(default))
    except (ValueError, SyntaxError):
        expected = None
    kinds: dict[type, tuple[type, ...]] = {bool: (bool,), int: (int,), float: (int, float), str: (str,), dict: (dict,)}
    allowed = kinds.get(type(expected))
    if allowed is not None and (not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed)):
        raise PipelineError(
            f"parameter {name}={value!r} refused: expected {type(expected).__name__} like its default {default}"
        )
    choices = _choices().get(name)
    if choices is not None and value not in choices:
        raise PipelineError(f"parameter {name}={value!r} refused: allowed values are {', '.join(map(str, choices))}")
    if name in AT_LEAST and isinstance(value, int | float) and value < AT_LEAST[name]:
        raise PipelineError(f"parameter {name}={value!r} refused: must be at least {AT_LEAST[name]}")
