"""Numbers in Norwegian notation, for every reader-facing text: a decimal comma, a space between
thousands, the minus sign U+2212, percentages with a space before "%", and English-notation
numbers inside a text rewritten. No matplotlib here, so the call-log checks and the comparison
of runs use it without loading plotting (:mod:`lib.core.plotstyle` re-exports it for figures).
"""

from __future__ import annotations

import functools
import math
import re

import pandas as pd

from lib.core.paths import LIB_DATA

#: The minus sign of a negative number (U+2212), not the hyphen.
MINUS = "\u2212"


def number(x: float, decimals: int | None = 0) -> str:
    """``x`` in Norwegian notation: decimal comma, a space between thousands.

    ``decimals``: digits after the comma; ``None`` for as many as four significant digits
    need, trailing zeros dropped (``0.02`` -> ``0,02``, ``1060110.0`` -> ``1 060 110``,
    ``0.15`` -> ``0,15``). Negative numbers take the minus sign U+2212; NaN gives ``–``.
    """
    x = float(x)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return ("" if x > 0 else MINUS) + "∞"
    if decimals is None:
        decimals = 0 if x == 0 else max(0, 3 - math.floor(math.log10(abs(x))))
        text = f"{abs(x):,.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = f"{abs(x):,.{decimals}f}"
    text = text.replace(",", " ").replace(".", ",")
    negative = x < 0 and any(c not in "0, " for c in text)  # no "−0"
    return (MINUS if negative else "") + text


#: A year, left as it is in a text (:func:`numbers_in`).
_YEAR = re.compile(r"19\d\d|20\d\d|2100")
#: A number written in English notation: optional minus, digits (thousands may be space-separated),
#: optional decimal point and exponent. Digits with a leading zero (02800, a phone number) are no number.
_ENGLISH_NUMBER = re.compile(r"(?<![\w.,])-?(?:[1-9]\d{0,2}(?: \d{3})+|[1-9]\d*|0)(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")


def numbers_in(text: str) -> str:
    """``text`` with every number in English notation (``0.02``, ``1 060 110``, ``0.15 → 0.35``)
    rewritten by :func:`number` (``0,02``, ``1 060 110``, ``0,15 → 0,35``). A comma between two
    numbers, a list separator there (``2, 5, 4``), becomes a semicolon, so it cannot be read as
    a decimal comma (``2; 5; 4``). A year (a whole number 1900-2100, also the year of a date
    such as ``2023-01-01``) is left as it is: "2 026" is no year."""
    text = re.sub(r"(?<=\d), (?=-?\d)", "; ", str(text))
    return _ENGLISH_NUMBER.sub(_norwegian_number, text)


def _norwegian_number(m: re.Match[str]) -> str:
    """One match of :data:`_ENGLISH_NUMBER` in Norwegian notation; a year as it is."""
    if _YEAR.fullmatch(m.group()):
        return m.group()
    return number(float(m.group().replace(" ", "")), None)


def percent(share: float, decimals: int = 0) -> str:
    """A share (0-1) as a Norwegian percentage: ``0.8`` -> ``80 %``."""
    return f"{number(100 * share, decimals)} %"


#: The Norwegian of the fixed English phrases the code writes about an input (how a file was
#: read: its separator, encoding, time format, ...): ``english,norsk``.
WORDS_NB = "input_format_nb.csv"


@functools.cache
def _words() -> tuple[re.Pattern[str], dict[str, str]]:
    """The English phrases of :data:`WORDS_NB` as one pattern (longest first, whole words only:
    not inside a file or column name), and each phrase's Norwegian."""
    table = pd.read_csv(LIB_DATA / WORDS_NB, dtype=str, keep_default_na=False)
    nb = dict(zip(table["english"], table["norsk"], strict=True))
    phrases = sorted(nb, key=len, reverse=True)
    return re.compile(r"(?<![\w./-])(?:" + "|".join(re.escape(p) for p in phrases) + r")(?![\w./-])"), nb


def words(v: object) -> object:
    """A value the code wrote in its fixed English vocabulary (e.g. input_format's ``value``) with
    every phrase of :data:`WORDS_NB` in Norwegian; numbers, file and column names as they are;
    anything but a text as it is."""
    if not isinstance(v, str):
        return v
    pattern, nb = _words()
    return pattern.sub(lambda m: nb[m.group(0)], v)
