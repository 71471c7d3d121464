"""The session's language: the switch, and :func:`t` for every text a page shows.

Pages never write user-facing text themselves: they call :func:`t` with a key
from the translation files (``cnn_core/locales/*.toml``, one per language, read
by :mod:`cnn_core.base.texts`). Errors from the core carry a key and parameters and
are translated here too (:func:`error_text`). Numbers a reader sees go through
:func:`num` and :func:`pct`, so Spanish reads "25.088" and "99,50 %".
"""

from __future__ import annotations

import contextlib
import re
import string
from contextvars import ContextVar

import streamlit as st

from cnn_core.base import numbers, texts
from cnn_core.base.errors import PlaygroundError
from cnn_core.data import registry as datasets

_MARKDOWN_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def plain(value) -> str:
    """``value`` as text that Streamlit's Markdown shows literally: no link, image, HTML, heading or LaTeX.

    For anything a user, a file or a URL chose (class names, file names, model
    metadata) that lands in an element rendering Markdown (st.markdown,
    st.caption, st.success, widget labels, ...). CommonMark shows a backslash
    before ASCII punctuation as that character alone; line breaks become spaces.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _CONTROL.sub(" ", str(value)))


_HELD: ContextVar[str | None] = ContextVar("held_lang", default=None)  # per thread: per script run


def lang() -> str:
    return _HELD.get() or st.session_state.get("lang", texts.DEFAULT_LANG)


@contextlib.contextmanager
def held_lang():
    """Read the session's language once for a block that formats thousands of texts (an animation's frames)."""
    token = _HELD.set(lang())
    try:
        yield
    finally:
        _HELD.reset(token)


def t(key: str, **params) -> str:
    """The text for ``key`` in the session's language, with ``params`` filled in."""
    return texts.translate(lang(), key, **params)


def num(value: float, decimals: int = 0) -> str:
    """A number as the session's language writes it: 25.088 / 25,088; a real minus sign, never "-0,00"."""
    return numbers.format_number(value, lang(), decimals)


def shown_index(index: int) -> int:
    """An index as a person reads it: kernels, channels, blocks and layers count from 1 on every page.

    The code counts from 0; every label, title and number box a reader sees goes through here.
    """
    return index + 1


def sci(value: float, digits: int = 3) -> str:
    """Scientific notation the reader's way: 2,56 · 10⁻⁵ (es) / 2.56 · 10⁻⁵ (en), never '2.56e-05'."""
    return numbers.scientific(value, lang(), digits)


def short_number(value: float, digits: int = 3) -> str:
    """About ``digits`` significant digits: 0,482 / 12,3 / 4.917 as decimals, 9,82 · 10⁻⁶ when tiny or huge."""
    return numbers.significant(value, lang(), digits)


def dec(value: float) -> str:
    """A short decimal as the session's language writes it: 0.002 → '0,002' (es), 1e-4 → '0,0001'."""
    return numbers.short_decimal(value, lang())


def dec_labeller():
    """:func:`dec` fixed to the language of this run, for a widget's format_func.

    Streamlit may call a format_func again outside the run (its testing tools do, to find the option a test set),
    where the session's language cannot be read: the options must then read as the page wrote them.
    """
    code = lang()
    return lambda value: numbers.short_decimal(value, code)


def pct(fraction: float, decimals: int = 2) -> str:
    """A fraction as a percentage in the session's language: 99,50 % / 99.50%."""
    return numbers.format_percent(fraction, lang(), decimals)


def file_size(n_bytes: float) -> str:
    """A file's size as the language writes it, in units of 1024 bytes like upload limits: '12,3 KB' / '12.3 KB'."""
    value, unit = float(n_bytes), "B"
    for bigger in ("KB", "MB", "GB"):
        if value < 1024:
            break
        value, unit = value / 1024, bigger
    decimals = 0 if unit == "B" or value.is_integer() else 1
    return f"{num(value, decimals)} {unit}"


def labeller(prefix: str):
    """A widget's format_func showing ``t(prefix + option)``, fixed to the language of this run."""
    code = lang()
    return lambda option: texts.translate(code, f"{prefix}{option}")


def _literal(value):
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, texts.Message):
        return texts.Message(value.key, {k: _literal(v) for k, v in value.params.items()})
    return plain(value)


def t_literal(key: str, **params) -> str:
    """:func:`t` with every text value escaped: for notices and errors whose values came from a file or URL."""
    return t(key, **{k: _literal(v) for k, v in params.items()})


_WHOLE = re.compile(r"-?[0-9]{1,30}")


def _error_param(name: str, value):
    """A core error's parameter for the reader: a field's name in their language, a whole number grouped."""
    if isinstance(value, texts.Message):
        return texts.Message(value.key, {k: _error_param(k, v) for k, v in value.params.items()})
    if name == "field" and isinstance(value, str) and f"field.{value}" in texts.table(lang()):
        return t(f"field.{value}")  # in_height → "el alto de la entrada"
    if name == "value" and isinstance(value, str) and _WHOLE.fullmatch(value):
        return int(value)  # the bad value as written by the core: "1000000000" → 1.000.000.000
    return _literal(value)


_LEADING_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def error_text(err: PlaygroundError) -> str:
    """The error in the session's language; its text values (file names, class names, ...) shown literally.

    A sentence is capitalised where the translation files wrote its first word,
    a field's name included ("El alto de la entrada debe…"); one that starts
    with a value from a file or a user ("a/big.png del zip…") keeps it exactly.
    """
    text = t(err.key, **{k: _error_param(k, v) for k, v in err.params.items()})
    first = _LEADING_PLACEHOLDER.match(texts.table(lang())[err.key])
    if first and first[1] != "field" and not isinstance(err.params.get(first[1]), texts.Message):
        return text
    return text[:1].upper() + text[1:]


def grouped(text: str) -> str:
    """A core string whose whole numbers are grouped with ',' (a layer's formula), in the session's marks."""
    return text.replace(",", numbers.group_mark(lang()))


def layer_label(layer, short: bool = False, batch_norm: bool = False) -> str:
    """'convolución 2 + ReLU' / 'conv 2': a layer (or its name, 'conv2') in the session's language; with
    ``batch_norm`` (the network's), a convolution's long name says its BatchNorm too."""
    name = layer if isinstance(layer, str) else layer.name
    kind = name.rstrip("0123456789")  # the names are the kinds, numbered: input, conv1, pool1, flatten, dense1, output
    digits = name[len(kind):]
    key = "conv_bn" if kind == "conv" and batch_norm and not short else kind
    return t(f"{'layer_short' if short else 'layer'}.{key}", n=int(digits) if digits else "")


def filters_text(arch) -> str:
    """A network's filters as the Train page and the comparison name them, "32-64-128", with its blocks per pooling
    where it pools less often than every block ("32-64-128, pooling every 2 blocks"): the same filters pooled
    otherwise are another network. ``arch``: an :class:`~cnn_core.nn.architecture.Architecture`."""
    filters = "-".join(map(str, arch.out_channels))
    if filters and arch.pool_every != 1 and arch.pool != "none":
        return t("arch.filters_pooled", filters=filters, every=arch.pool_every)
    return filters


def shown_numbers(frame, decimals: dict[str, int]):
    """A table whose numbers stay numbers (a click on a column header sorts them as numbers), written the
    reader's way: a pandas Styler over ``frame`` showing column ``c`` with ``decimals[c]`` decimals, "–" if empty."""
    import pandas as pd

    return frame.style.format({col: (lambda v, d=d: "–" if pd.isna(v) else num(v, d)) for col, d in decimals.items()})


def separators() -> str:
    """Plotly's ``layout.separators`` for the session's language: ',.' (es) or '.,' (en)."""
    return numbers.decimal_mark(lang()) + numbers.group_mark(lang())


def dataset_name(name: str | None) -> str:
    """A built-in dataset by its name in the reader's language ('MNIST (dígitos)'), as the dataset picker names
    it; any other (an image zip's name, typed by a person) as it is: text, for tables (``plain`` it for
    Markdown)."""
    return t(f"dataset.{name}") if name and datasets.get(name) else (name or "")


def class_names(dataset: str | None, classes) -> list[str]:
    """A model's or dataset's classes as the reader should see them.

    Built-in datasets' classes in the session's language ("Botín", "pájaro");
    anything else, a user's own folder names included, as written.
    """
    from cnn_core.data.registry import display_class

    return [display_class(str(dataset or ""), i, str(c), lang()) for i, c in enumerate(classes)]
