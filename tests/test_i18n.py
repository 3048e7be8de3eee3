"""The message catalogs (every message of the code translated, placeholders kept) and the language machinery."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

from babel.messages.pofile import read_po

from geo import i18n
from geo.i18n import N_, _, ngettext, use_language
from geo.messages import code_messages, missing, placeholder_mismatches, unused
from geo.text import format_count, format_dates, location_label
from geo.vocab import kind_label

TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE_LANGUAGE]


def test_the_code_marks_messages_in_python_and_javascript() -> None:
    where = {message.where.split(":")[0] for message in code_messages()}
    assert "app.py" in where
    assert any(path.startswith("geo/") for path in where)


def test_every_message_of_the_code_has_a_translation() -> None:
    for lang in TRANSLATED:
        lacking = [f"{m.where}: {m.id!r}" for m in missing(lang)]
        assert not lacking, f"{len(lacking)} messages lack a {lang} translation (python -m geo messages {lang}):\n" + (
            "\n".join(lacking[:40])
        )


def test_translations_keep_the_placeholders() -> None:
    for lang in TRANSLATED:
        assert placeholder_mismatches(lang) == []


def test_catalogs_hold_no_unused_or_doubled_entries() -> None:
    for lang in TRANSLATED:
        assert unused(lang) == [], "entries no code uses any more: remove them from the .po files"
        ids: Counter[str] = Counter()
        translations: dict[str, set[str]] = {}
        for path in (i18n.LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po"):
            with path.open("rb") as handle:
                for message in read_po(handle, locale=lang):
                    if message.id:
                        key = message.id if isinstance(message.id, str) else message.id[0]
                        ids[key] += 1
                        translations.setdefault(key, set()).add(str(message.string))
        conflicting = {key: values for key, values in translations.items() if len(values) > 1}
        assert conflicting == {}, "a message translated differently in two catalog files"


def test_language_comes_from_the_url_then_the_browser_then_english() -> None:
    assert i18n.negotiate("ko", "en-US") == "ko"
    assert i18n.negotiate("en", "ko-KR") == "en"
    assert i18n.negotiate(None, "ko-KR") == "ko"
    assert i18n.negotiate("", "ko_KR") == "ko"
    assert i18n.negotiate("fr", "de-DE") == "en"
    assert i18n.negotiate("xx", None) == "en"


def test_words_follow_the_active_language_and_come_back() -> None:
    assert _("Map") == "Map"
    with use_language("ko"):
        assert _("Map") == "지도"
        assert kind_label("crossing") == "국경 통과 지점"
        assert _(
            "Showing the data as of revision {revision}; this page updates by itself when it is back.", revision=7
        ).startswith("개정판 7 기준")
    assert _("Map") == "Map"
    assert kind_label("crossing") == "Border crossing"


def test_a_message_missing_from_the_catalog_shows_its_english() -> None:
    with use_language("ko"):
        assert _("A sentence nobody translated, {n}", n=3) == "A sentence nobody translated, 3"


def test_each_thread_has_its_own_language() -> None:
    seen: dict[str, str] = {}

    def run(lang: str) -> None:
        i18n.activate(lang)
        seen[lang] = _("Map")

    threads = [threading.Thread(target=run, args=(lang,)) for lang in ("ko", "en")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"ko": "지도", "en": "Map"}
    assert _("Map") == "Map"  # this thread was not touched


def test_plural_forms() -> None:
    assert ngettext("{n} row", "{n} rows", 1) == "1 row"
    assert ngettext("{n} row", "{n} rows", 3) == "3 rows"
    assert ngettext("{n} row", "{n} rows", 120027) == "120,027 rows"  # read aloud at a briefing, so separated
    assert i18n.plural_index("ko", 5) == 0  # Korean has one form


def test_dates_and_counts_in_korean() -> None:
    with use_language("ko"):
        assert format_dates("2023-10-09", None, "day") == "2023년 10월 9일"
        assert format_dates("2023-10", None, "month") == "2023년 10월"
        assert format_dates("2003", "2016", "year") == "2003년–2016년"
        assert format_dates("2023", None, "approximate") == "2023년경"
        assert format_dates(None, None, "day") == "날짜 미상"
        assert format_count(500, 600) == "500–600"
        assert format_count(300, 300) == "약 300"
        assert format_count(None, None) == "알 수 없음"  # unknown stays unknown, never 0
        assert format_count(1500, None) == "최소 1,500"
        assert location_label("city", 10000) == "시 수준 (시설 위치 미확인), 반경 약 10km 이내"
    assert format_dates("2023-10-09", None, "day") == "9 Oct 2023"
    assert format_count(None, None) == "unknown"


def test_marked_constants_are_translated_where_they_are_shown() -> None:
    label = N_("Crossings used on 9 Oct 2023")
    assert label == "Crossings used on 9 Oct 2023"  # N_ marks, it does not translate
    with use_language("ko"):
        assert _(label) == "2023년 10월 9일 사용된 통과 지점"


def test_javascript_messages_are_sent_in_the_page_language() -> None:
    ids = i18n.js_message_ids()
    for lang in TRANSLATED:
        sent = i18n.js_messages(lang)
        assert set(sent) == set(ids)
        assert all(sent[message] for message in ids)


def test_catalog_files_are_valid_po_with_a_plural_rule() -> None:
    for lang in TRANSLATED:
        files = sorted(Path(i18n.LOCALES_DIR / lang / "LC_MESSAGES").glob("*.po"))
        assert files
        for path in files:
            with path.open("rb") as handle:
                parsed = read_po(handle, locale=lang)
            assert parsed.plural_forms.startswith("nplurals=")
