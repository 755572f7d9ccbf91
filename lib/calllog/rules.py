"""The cleaning rules of appendix B as data: one ordered table, :data:`RULES`.

Each :class:`CleaningRule` names a kind of row the report washes out of the log and gives
the mask of such rows. Everything that depends on the set of rules is derived from the
table, so a rule is added by adding one entry to :data:`RULES`:

* the cleaning report's items (:func:`report_items`: rows_read, the rules in order,
  quarantined, kept, id_conflict, out_of_scope),
* the masks of removed rows (:func:`removed_by`: each row is removed by the first rule, in
  table order, that flags it) and of the kept rows (:func:`kept_mask`),
* the accounting identity (:func:`identity_terms`, :func:`check_identity`,
  :func:`identity_text`),
* the columns of the per-queue table (:func:`by_queue_columns`).

Rule masks are judged on the valid rows (parsed, typed: see :mod:`lib.calllog.validate`)
all at once; the order of the table then decides which rule counts a row flagged by more
than one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.calllog.read import CONTRACT_COLUMNS, CallLogError


@dataclass(frozen=True, kw_only=True)
class Thresholds:
    """The limits the rules compare against, plain values from the assumptions.
    ``outlier_threshold_s``: seconds of talk time or of access time above which a call is an
    outlier (App. B: 1 800 s = 30 minutes). A rule with a limit of its own adds a field here."""

    outlier_threshold_s: float


@dataclass(frozen=True)
class CleaningRule:
    """One cleaning rule: ``name`` (its item in the cleaning report and column of the
    per-queue table), ``description`` (English, one line), ``label`` (the report's own
    Norwegian words, App. B) and ``mask(valid, thresholds)``: boolean array over the rows of
    ``valid`` (parsed contract columns), True where the rule removes the row."""

    name: str
    description: str
    label: str
    mask: Callable[[pd.DataFrame, Thresholds], np.ndarray]


def _duplicate(valid: pd.DataFrame, thresholds: Thresholds) -> np.ndarray:
    """Rows identical in every contract column to an earlier row. Only rows whose call_id
    repeats can be duplicates, so the full-row comparison runs on those alone."""
    dup = np.zeros(len(valid), dtype=bool)
    shared = valid["call_id"].duplicated(keep=False).to_numpy()
    if shared.any():
        dup[shared] = valid.loc[shared, list(CONTRACT_COLUMNS)].duplicated(keep="first").to_numpy()
    return dup


def _zero_total(valid: pd.DataFrame, thresholds: Thresholds) -> np.ndarray:
    return (valid["wait_s"].to_numpy() + valid["talk_s"].to_numpy()) == 0


def _outlier(valid: pd.DataFrame, thresholds: Thresholds) -> np.ndarray:
    limit = thresholds.outlier_threshold_s
    return (valid["talk_s"].to_numpy() > limit) | (valid["wait_s"].to_numpy() > limit)


#: The rules in appendix-B order; a row is counted by the first rule that flags it.
RULES: tuple[CleaningRule, ...] = (
    CleaningRule(
        "duplicate", "identical in every contract column to an earlier row", "duplikater i datasettet", _duplicate
    ),
    CleaningRule("zero_total", "wait_s + talk_s == 0 s", "anrop med totaltid på 0 sekunder", _zero_total),
    CleaningRule(
        "outlier",
        "talk_s or wait_s above outlier_threshold_s (App. B: 1 800 s)",
        "uteliggere: samtaletid eller aksesstid på over 30 minutter",
        _outlier,
    ),
)


class AccountingError(CallLogError):
    """The cleaning report's terms do not add up to the rows read."""


def rule_names() -> tuple[str, ...]:
    """The names of :data:`RULES`, in order."""
    return tuple(r.name for r in RULES)


def report_items() -> tuple[str, ...]:
    """Items of the cleaning report, in order."""
    return ("rows_read", *rule_names(), "quarantined", "kept", "id_conflict", "out_of_scope")


def identity_terms() -> tuple[str, ...]:
    """The items that must add up to rows_read: kept, each rule, quarantined."""
    return ("kept", *rule_names(), "quarantined")


def by_queue_columns() -> tuple[str, ...]:
    """Columns of the per-queue table of the cleaning."""
    return ("queue", "valid_rows", *rule_names(), "kept")


def removed_by(valid: pd.DataFrame, thresholds: Thresholds) -> dict[str, np.ndarray]:
    """Rule name -> mask of the rows of ``valid`` that rule removes; each row is removed by
    the first rule, in :data:`RULES` order, that flags it (so the masks are disjoint)."""
    taken = np.zeros(len(valid), dtype=bool)
    out = {}
    for rule in RULES:  # a handful of rules; each mask is vectorised over the rows
        m = np.asarray(rule.mask(valid, thresholds), dtype=bool) & ~taken
        out[rule.name] = m
        taken |= m
    return out


def kept_mask(valid: pd.DataFrame, thresholds: Thresholds) -> np.ndarray:
    """The rows of ``valid`` no rule removes (boolean array)."""
    return ~np.logical_or.reduce([np.zeros(len(valid), dtype=bool), *removed_by(valid, thresholds).values()])


def cleaning_report(counts: dict[str, int]) -> pd.DataFrame:
    """The report DataFrame ``item, count`` in :func:`report_items` order."""
    items = report_items()
    return pd.DataFrame({"item": list(items), "count": [int(counts[i]) for i in items]})


def _identity(report: pd.DataFrame) -> tuple[pd.Series, int]:
    """The counts by item and the sum of the identity's terms (a term that cannot be counted,
    such as ``zero_total`` of interval statistics, is empty and adds nothing)."""
    c = report.set_index("item")["count"]
    return c, sum(int(c[t]) for t in identity_terms() if pd.notna(c[t]))


def check_identity(report: pd.DataFrame, source: str = "call log") -> None:
    """Raise :class:`AccountingError` unless rows_read = kept + each rule + quarantined."""
    c, total = _identity(report)
    if c["rows_read"] != total:
        terms = " + ".join(f"{t} {c[t]}" for t in identity_terms())
        raise AccountingError(f"{source}: accounting identity fails: rows_read {c['rows_read']} != {terms} = {total}")


def identity_text(report: pd.DataFrame) -> str:
    """One line stating the accounting identity with the report's numbers and whether it holds,
    e.g. ``identity: rows_read 10 = kept + duplicate + zero_total + outlier + quarantined = 10: True``."""
    c, total = _identity(report)
    return f"identity: rows_read {c['rows_read']} = {' + '.join(identity_terms())} = {total}: {c['rows_read'] == total}"
