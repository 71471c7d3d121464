"""Numbers as a language writes them: the one place that turns a number into text a person reads.

The marks come from the Unicode CLDR through Babel, by the language's code
(``es`` writes 25.088, 0,5 and 99,50 %; ``en`` 25,088, 0.5 and 99.50%), so a
translation file holds words only. One rule for signs everywhere: a negative
number has a real minus sign (U+2212, "−8"), and a value that rounds to zero
has none ("0,00", never "-0,00"). The core's texts (:mod:`cnn_core.base.texts`),
the exercises and the app (``ui/base/i18n.py``, which supplies the session's
language) all call these functions; none formats a number itself.

Not parsing: reading a typed answer back is :func:`cnn_core.lessons.exercises.parse_number`.
"""

from __future__ import annotations

import copy
import math
from decimal import Decimal, localcontext
from functools import cache, lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import NumberPattern, format_decimal, get_decimal_symbol, get_group_symbol
from babel.numbers import format_percent as _babel_percent

MINUS = "\u2212"  # −, as books print it; cnn_core.lessons.exercises.parse_number reads it back
FALLBACK = "es"  # a code CLDR does not know is written as the course's language (texts.DEFAULT_LANG)
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


@cache
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse(FALLBACK)


@cache
def _fixed(lang: str, decimals: int) -> NumberPattern:
    """The language's own number pattern (its grouping) with exactly ``decimals`` decimals."""
    pattern = copy.copy(_locale(lang).decimal_formats[None])
    pattern.frac_prec = (decimals, decimals)
    return pattern


@cache
def _percent(lang: str, decimals: int) -> NumberPattern:
    pattern = copy.copy(_locale(lang).percent_formats[None])
    pattern.frac_prec = (decimals, decimals)
    return pattern


@cache
def _marks(lang: str) -> dict[int, str] | None:
    """Python's ',' and '.' as the language writes them, where it groups by thousands (most do; None: Babel formats
    it all, e.g. hi's 1,00,000). Python's own formatting is then exact and ten times faster than Babel's."""
    locale = _locale(lang)
    if locale.decimal_formats[None].grouping != (3, 3):
        return None
    return {ord(","): get_group_symbol(locale), ord("."): get_decimal_symbol(locale)}


def decimal_mark(lang: str) -> str:
    """',' (es) or '.' (en)."""
    return get_decimal_symbol(_locale(lang))


def group_mark(lang: str) -> str:
    """'.' (es) or ',' (en): the thousands separator."""
    return get_group_symbol(_locale(lang))


def _signed(text: str) -> str:
    if not text.startswith("-"):
        return text
    return text[1:] if not any(c in "123456789" for c in text) else MINUS + text[1:]  # rounds to zero: no sign


def _exact(value, decimals: int) -> tuple[Decimal, int]:
    """The value as an exact Decimal and a precision that keeps it exact (huge ints included) while Babel rounds.

    A float's exact binary value rounds as Python's own ``f"{x:.2f}"`` does: 2.675 → 2.67.
    """
    exact = Decimal(value)
    return exact, max(len(exact.as_tuple().digits), exact.adjusted() + 1) + max(decimals, 0) + 4


def format_number(value: float, lang: str, decimals: int = 0) -> str:
    """``25088`` → ``25.088`` (es) or ``25,088`` (en); ``0.5, decimals=1`` → ``0,5`` / ``0.5``; ``-8`` → ``−8``."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value).replace("-", MINUS)  # "nan", "inf", "−inf"
    marks = _marks(lang)
    if marks is not None:
        exact = Decimal(value) if isinstance(value, int) else value  # an int exactly, however large
        return _signed(f"{exact:,.{max(decimals, 0)}f}".translate(marks))
    exact, precision = _exact(value, decimals)
    with localcontext() as ctx:
        ctx.prec = precision
        return _signed(format_decimal(exact, format=_fixed(lang, max(decimals, 0)), locale=_locale(lang)))


def format_percent(fraction: float, lang: str, decimals: int = 2) -> str:
    """``0.995`` → ``99,50 %`` (es) or ``99.50%`` (en): the language's own percent pattern."""
    if type(fraction) is float and math.isfinite(fraction):
        return _percent_of_float(fraction, lang, decimals)  # cached: a live plot's hover texts, at each refresh
    return _percent_text(fraction, lang, decimals)


@lru_cache(maxsize=8192)
def _percent_of_float(fraction: float, lang: str, decimals: int) -> str:
    return _percent_text(fraction, lang, decimals)


def _percent_text(fraction, lang: str, decimals: int) -> str:
    if not math.isfinite(fraction):
        return format_number(fraction, lang)
    exact, precision = _exact(fraction, decimals + 2)
    with localcontext() as ctx:
        ctx.prec = precision
        text = _babel_percent(exact, format=_percent(lang, max(decimals, 0)), locale=_locale(lang))
    return _signed(text.replace("\xa0", " "))  # a plain space, as the app's texts and tables have always had


def trimmed(value: float, lang: str, decimals: int = 3) -> str:
    """At most ``decimals`` decimals, trailing zeros dropped: 0.502 → '0,502'; 1.3 → '1,3'; 8.0 → '8'."""
    if isinstance(value, float) and not math.isfinite(value):
        return format_number(value, lang)
    if float(value).is_integer():
        return format_number(int(value), lang)
    text = format_number(value, lang, decimals)
    mark = decimal_mark(lang)
    return text.rstrip("0").rstrip(mark) if mark in text else text


def power_of_ten(exponent: int) -> str:
    """'10⁻⁵': a power of ten as a book prints it (not '1e-05', not '10^-5')."""
    return "10" + str(exponent).translate(SUPERSCRIPT)


def scientific(value: float, lang: str, digits: int = 3) -> str:
    """2,56 · 10⁻⁵ (es) / 2.56 · 10⁻⁵ (en), never '2.56e-05'."""
    if value == 0 or not math.isfinite(value):
        return format_number(value, lang)
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    return f"{format_number(float(mantissa), lang, digits - 1)} · {power_of_ten(int(exponent))}"


def significant(value: float, lang: str, digits: int = 3) -> str:
    """About ``digits`` significant digits: 0,482 / 12,3 / 4.917 as decimals, 9,82 · 10⁻⁶ when tiny or huge."""
    if value == 0 or not math.isfinite(value):
        return format_number(value, lang)
    magnitude = math.floor(math.log10(abs(value)))
    if -3 <= magnitude < 6:
        return format_number(value, lang, max(0, digits - 1 - magnitude))
    return scientific(value, lang, digits)


def short_decimal(value: float, lang: str) -> str:
    """A small setting as typed, in the language's mark: 0.002 → '0,002' (es), 1e-4 → '0,0001'."""
    text = f"{value:f}".rstrip("0").rstrip(".") if value < 1e-3 else f"{value:g}"
    return text.replace(".", decimal_mark(lang))
