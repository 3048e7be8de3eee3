"""The interface's words in English and Korean, from gettext catalogs read with Babel.

English is the source language: a message id is its English text, with `{named}` placeholders filled by
`str.format`. The translations live in `geo/locales/<lang>/LC_MESSAGES/*.po`, one file per area of the
interface (map, pages, presenter, …), merged when loaded; `tests/test_i18n.py` extracts every message from
the code (Python and `static/crossings/*.js`) and fails when one has no translation or its placeholders
differ. Another language (Chinese, simplified) is a new folder of `.po` files and a line in `LANGUAGES`.

Marking messages:
- `_("Showing {shown} of {total} features", shown=6, total=67)` translates and fills at once;
- `ngettext("{n} row", "{n} rows", n)` for a number of things (`n` is filled in);
- `N_("Border crossing")` marks a constant defined at import time; it is translated where it is shown,
  with `_(CONSTANT)`;
- JavaScript calls `t("…")` on the strings the page sends it (`js_messages`), never on English literals
  kept in the file.

The active language is a context variable that `geo/ui` sets once at the top of every script run
(`activate`). A function whose result is cached takes the language as an explicit argument and runs inside
`use_language(lang)`, so a cache never hands one language's words to the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from gettext import c2py
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LANGUAGES: dict[str, str] = {"en": "English", "ko": "한국어"}  # code -> its name in itself
DEFAULT_LANGUAGE = "en"
SOURCE_LANGUAGE = "en"  # the language of the message ids: needs no catalog
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
JS_DIR = Path(__file__).resolve().parents[1] / "static" / "crossings"

_active: ContextVar[str] = ContextVar("crossings_language", default=DEFAULT_LANGUAGE)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^{}]*)?\}")


def N_(message: str) -> str:
    """Marks a message for the catalogs without translating it (a constant defined at import time)."""
    return message


def placeholders(message: str) -> frozenset[str]:
    """The `{named}` placeholders of a message."""
    return frozenset(_PLACEHOLDER.findall(message))


@cache
def catalog(lang: str) -> Mapping[str, str | tuple[str, ...]]:
    """Message id -> translation (a tuple of plural forms for a plural message) for one language.

    Untranslated and fuzzy entries are left out, so their English shows (and the catalog test fails)."""
    if lang == SOURCE_LANGUAGE:
        return {}
    messages: dict[str, str | tuple[str, ...]] = {}
    for path in sorted((LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            entries = read_po(handle, locale=lang)
        for message in entries:
            if not message.id or message.fuzzy:
                continue
            key = message.id[0] if isinstance(message.id, tuple | list) else message.id
            if isinstance(message.string, tuple | list):
                if all(message.string):
                    messages[key] = tuple(message.string)
            elif message.string:
                messages[key] = message.string
    return messages


@cache
def _plural_rule(lang: str) -> Callable[[int], int]:
    """The catalog's Plural-Forms expression as a function (Korean has one form; English two)."""
    expression = Catalog(locale=Locale.parse(lang)).plural_expr
    return c2py(expression)


def plural_index(lang: str, n: int) -> int:
    return int(_plural_rule(lang)(abs(n)))


def language() -> str:
    """The active language's code."""
    return _active.get()


def activate(lang: str) -> None:
    """Make `lang` the language of this script run (a context variable: other sessions are not touched)."""
    _active.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)


@contextmanager
def use_language(lang: str) -> Iterator[None]:
    """Run a block in `lang`, then restore the previous language."""
    token = _active.set(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _active.reset(token)


def _fill(text: str, values: Mapping[str, object]) -> str:
    return text.format(**values) if values else text


def gettext(message: str, **values: object) -> str:
    """The message in the active language, its placeholders filled from `values`."""
    translated = catalog(language()).get(message, message)
    if isinstance(translated, tuple):
        translated = translated[0]
    return _fill(translated, values)


_ = gettext


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    """The form of a message for `n` things in the active language (`{n}` is filled in, with thousands
    separators: "Showing 120,027 of 120,027 features")."""
    lang = language()
    forms = catalog(lang).get(singular)
    if isinstance(forms, tuple):
        text = forms[min(plural_index(lang, n), len(forms) - 1)]
    elif isinstance(forms, str):
        text = forms
    else:
        text = singular if n == 1 else plural
    return _fill(text, {"n": f"{n:,}" if isinstance(n, int) else n, **values})


def negotiate(requested: object, browser_locale: object) -> str:
    """The language to use: the URL's `lang` when it names one we have, else the browser's, else English."""
    for candidate in (requested, browser_locale):
        if isinstance(candidate, str) and candidate:
            code = candidate.replace("_", "-").split("-")[0].lower()
            if code in LANGUAGES:
                return code
    return DEFAULT_LANGUAGE


@cache
def js_message_ids() -> tuple[str, ...]:
    """Every `t("…")` message of the map code in static/crossings/*.js, in file order."""
    from babel.messages.extract import extract_from_dir

    found: list[str] = []
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(JS_DIR), method_map=[("*.js", "javascript")], keywords={"t": None}
    ):
        if isinstance(message, str) and message not in found:
            found.append(message)
    return tuple(found)


def js_messages(lang: str) -> dict[str, str]:
    """The map code's messages in `lang` (message id -> text), for the page to send with its settings."""
    with use_language(lang):
        return {message: gettext(message) for message in js_message_ids()}
