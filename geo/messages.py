"""The message ids of the code, extracted with Babel, and what a language's catalog lacks.

Used by the catalog test and by `python -m geo messages LANG` (which prints what is left to translate).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import extract_from_dir

from geo.i18n import JS_DIR, catalog, placeholders

ROOT = Path(__file__).resolve().parents[1]
# Where interface words are written: the core, the Streamlit glue, the pages and the entrypoint.
PYTHON_DIRS = (ROOT / "geo", ROOT / "views")
PYTHON_FILES = (ROOT / "app.py",)
PYTHON_KEYWORDS = {"_": None, "gettext": None, "N_": None, "ngettext": (1, 2)}
SKIPPED_DIRS = ("migrations", "locales", "templates")


@dataclass(frozen=True)
class Message:
    id: str
    plural: str | None
    where: str  # "geo/text.py:88"


def _python_messages(directory: Path, pattern: str = "**.py") -> Iterator[Message]:
    def skip(path: str) -> bool:
        return any(part in SKIPPED_DIRS for part in Path(path).parts)

    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(directory),
        method_map=[(pattern, "python")],
        keywords=PYTHON_KEYWORDS,
        directory_filter=lambda path: not skip(path),
    ):
        where = f"{(directory / filename).relative_to(ROOT)}:{lineno}"
        if isinstance(message, tuple):
            if message[0]:
                yield Message(message[0], message[1], where)
        elif message:
            yield Message(message, None, where)


def code_messages() -> list[Message]:
    """Every message the code marks, once each (the first place it appears), Python and JavaScript."""
    found: dict[str, Message] = {}
    for directory in PYTHON_DIRS:
        for message in _python_messages(directory):
            found.setdefault(message.id, message)
    for path in PYTHON_FILES:
        for message in _python_messages(path.parent, path.name):
            found.setdefault(message.id, message)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(JS_DIR), method_map=[("*.js", "javascript")], keywords={"t": None}
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, Message(message, None, f"static/crossings/{filename}:{lineno}"))
    return list(found.values())


def missing(lang: str) -> list[Message]:
    """Messages of the code with no translation in `lang`."""
    translations = catalog(lang)
    return [message for message in code_messages() if message.id not in translations]


def placeholder_mismatches(lang: str) -> list[tuple[Message, str]]:
    """Messages whose translation does not have exactly the placeholders of the English."""
    translations = catalog(lang)
    problems: list[tuple[Message, str]] = []
    for message in code_messages():
        translated = translations.get(message.id)
        if translated is None:
            continue
        expected = placeholders(message.id) | (placeholders(message.plural) if message.plural else frozenset())
        for form in translated if isinstance(translated, tuple) else (translated,):
            # A plural message may leave {n} out of a form ("one row" has no number to show).
            if placeholders(form) - expected or (expected - {"n"}) - placeholders(form):
                problems.append((message, form))
    return problems


def unused(lang: str) -> list[str]:
    """Catalog entries no code uses any more (left over after a message changed)."""
    used = {message.id for message in code_messages()}
    return sorted(set(catalog(lang)) - used)


def po_entry(message: Message) -> str:
    """A .po entry with an empty translation, to paste into a catalog and fill in."""

    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [f"#: {message.where}", f"msgid {quoted(message.id)}"]
    if message.plural:
        lines += [f"msgid_plural {quoted(message.plural)}", 'msgstr[0] ""']
    else:
        lines.append('msgstr ""')
    return "\n".join(lines) + "\n"
