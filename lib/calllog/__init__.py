"""The call log: read an export, validate and clean it; the opening hours, the plausibility checks, Table A.2's description and the synthetic log.

May import lib.core only; never a sibling (queues, traffic) or a higher layer.

Read a file (:mod:`.read`), validate every row against the contract
(:mod:`.validate`), and clean it by appendix B's rules (:mod:`.rules`, one ordered table)
with every row accounted for (:mod:`.clean`).

The public API is re-exported here (``from lib.calllog import clean_call_log``); a cleaning
rule is added in :data:`lib.calllog.rules.RULES`.
"""

from lib.calllog.clean import (
    CLEAN_COLUMNS,
    INPUT_FORMAT_ITEMS,
    CleaningResult,
    InvalidRowsError,
    NoRowsLeftError,
    check_dirs,
    clean_call_log,
    clean_frame,
    input_format,
)
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

__all__ = [
    "CLEAN_COLUMNS",
    "CONTRACT_COLUMNS",
    "DISTRICT_ALIASES",
    "INPUT_FORMAT_ITEMS",
    "AccountingError",
    "CallLogError",
    "CleaningResult",
    "CleaningRule",
    "InvalidRowsError",
    "NoRowsLeftError",
    "RawLog",
    "Thresholds",
    "canonical_district",
    "check_dirs",
    "check_identity",
    "clean_call_log",
    "clean_frame",
    "cleaning_report",
    "identity_text",
    "input_format",
    "kept_mask",
    "parse_boolean",
    "parse_call_log",
    "read_call_log",
    "report_items",
    "rule_hint",
    "sniff_delimiter",
]
