"""The call log: read an export, validate and clean it; the opening hours, the plausibility checks, Table A.2's description and the synthetic log.

May import lib.core only; never a sibling (queues, traffic) or a higher layer.

The call log: find the files (:mod:`.files`: a file, a folder or a glob), find the
contract's columns (:mod:`.mapping`: names, a mapping file, built-in aliases), read each
file (:mod:`.read`), validate every row against the contract (:mod:`.validate`), and clean
it by appendix B's rules (:mod:`.rules`, one ordered table) with every row accounted for
(:mod:`.clean`). Interval statistics have their own contract and cleaning
(:mod:`.intervals`); :mod:`.inspect` checks an export without running anything.

The public API is re-exported here (``from lib.calllog import clean_call_log``); a cleaning
rule is added in :data:`lib.calllog.rules.RULES`.
"""

from lib.calllog.clean import (
    CLEAN_COLUMNS,
    CLEAN_FILES,
    INPUT_FORMAT_ITEMS,
    CleaningResult,
    InvalidRowsError,
    MixedKindsError,
    NoRowsLeftError,
    UnknownOutcomeError,
    check_dirs,
    clean_call_log,
    clean_frame,
    input_format,
    read_clean,
    read_logs,
)
from lib.calllog.files import resolve_raw
from lib.calllog.intervals import INTERVAL_CLEAN_COLUMNS, clean_intervals, is_interval_frame
from lib.calllog.mapping import ColumnPlan, Mapping, read_mapping
from lib.calllog.read import CONTRACT_COLUMNS, CallLogError, RawLog, read_call_log, sniff_delimiter
from lib.calllog.rules import (
    AccountingError,
    CleaningRule,
    Thresholds,
    check_identity,
    cleaning_report,
    identity_text,
    kept_mask,
    report_items,
)
from lib.calllog.validate import DISTRICT_ALIASES, canonical_district, parse_boolean, parse_call_log, rule_hint


def file_error_names() -> frozenset[str]:
    """Names of the exceptions that mean the export cannot be used as it is (a problem of the
    file, which the analyst fixes), not a defect of the project: :class:`CallLogError` and its
    subclasses (invalid rows, nothing left, unknown outcome words, mixed kinds), but not
    :class:`AccountingError` (the row accounting failing is a defect). For a runner that sees
    only an executed notebook's error name (papermill's ``PapermillExecutionError.ename``)."""
    names, todo = set(), [CallLogError]
    while todo:
        cls = todo.pop()
        if cls is not AccountingError:
            names.add(cls.__name__)
        todo += cls.__subclasses__()
    return frozenset(names)


__all__ = [
    "CLEAN_COLUMNS",
    "CLEAN_FILES",
    "CONTRACT_COLUMNS",
    "DISTRICT_ALIASES",
    "INPUT_FORMAT_ITEMS",
    "INTERVAL_CLEAN_COLUMNS",
    "AccountingError",
    "CallLogError",
    "CleaningResult",
    "CleaningRule",
    "ColumnPlan",
    "InvalidRowsError",
    "Mapping",
    "MixedKindsError",
    "NoRowsLeftError",
    "RawLog",
    "Thresholds",
    "UnknownOutcomeError",
    "canonical_district",
    "check_dirs",
    "check_identity",
    "clean_call_log",
    "clean_frame",
    "clean_intervals",
    "cleaning_report",
    "file_error_names",
    "identity_text",
    "input_format",
    "is_interval_frame",
    "kept_mask",
    "parse_boolean",
    "parse_call_log",
    "read_call_log",
    "read_clean",
    "read_logs",
    "read_mapping",
    "report_items",
    "resolve_raw",
    "rule_hint",
    "sniff_delimiter",
]
