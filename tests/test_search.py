"""Place-name search: every alias of the crosswalk finds its place, diacritics and case do not
matter, results are ranked, and the alias table is checked like every data file."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.io import DATA_DIR, load_dataset
from geo.manifest import ManifestError, write_manifest
from geo.search import (
    ALIASES_FILE,
    AliasError,
    load_index,
    match_score,
    normalise,
    read_aliases,
    search,
)

# Every alias of the crosswalk (facts.md §7 and the issue), with the town it must find.
ALIASES = {
    "Tumen": ["Tumen", "Domun", "图们", "도문"],
    "Helong": ["Helong", "Hwaryong", "和龙", "화룡"],
    "Longjing": ["Longjing", "Yongjeong", "龙井", "용정"],
    "Sinuiju": ["Sinuiju", "Sinŭiju", "新义州", "신의주"],
    "Onsong": ["Onsong", "Onsŏng", "稳城", "온성"],
    "Namyang": ["Namyang", "南阳", "남양"],
    "Hoeryong": ["Hoeryong", "Hoeryŏng", "会宁", "회령"],
    "Manpo": ["Manpo", "Manp'o", "满浦", "만포"],
    "Kyongwon": ["Kyongwon", "Kyŏngwŏn", "庆源", "경원", "Saebyol"],
    "Chongjin": ["Chongjin", "清津", "청진"],
    "Changbai": ["Changbai", "Jangbaek", "长白", "장백"],
    "Baishan": ["Baishan", "Baeksan", "白山", "백산", "바이산"],
    "Yanji": ["Yanji", "Yeongil", "延吉", "연길"],
    "Nanping": ["Nanping", "Nampyeong", "南坪", "남평"],
    "Dandong": ["Dandong", "丹东", "단둥"],
    "Hunchun": ["Hunchun", "珲春", "훈춘"],
    "Musan": ["Musan", "茂山", "무산"],
    "Hyesan": ["Hyesan", "惠山", "혜산"],
}


@pytest.fixture(scope="module")
def index():
    return load_index(load_dataset())


def town_labels(hits) -> list[str]:
    return [h.place.label for h in hits if h.place.kind == "town"]


@pytest.mark.parametrize(("town", "alias"), [(t, a) for t, aliases in ALIASES.items() for a in aliases])
def test_every_alias_finds_its_town(index, town, alias):
    hits = search(index, alias)
    assert hits, alias
    towns = town_labels(hits)
    assert towns and towns[0].split(" (")[0] == town, (alias, towns)


@pytest.mark.parametrize(
    ("query", "feature"),
    [
        ("Domun", "x-tumen-namyang"),
        ("도문", "dc-tumen"),
        ("图们", "x-tumen-namyang"),
        ("Hwaryong", "dc-helong"),
        ("Yongjeong", "dc-longjing"),
        ("Sinŭiju", "rf-sinuiju"),
        ("Onsŏng", "rf-onsong"),
        ("Jangbaek", "x-changbai-hyesan"),
        ("Baeksan", "dc-baishan"),
        ("Nampyeong", "x-nanping-musan"),
        ("Kyongwon", "x-hunchun-kyongwon"),
        ("Hoeryong", "x-sanhe-hoeryong"),
        ("Manp'o", "x-jian-manpo"),
        ("Friendship Bridge", "x-dandong-sinuiju"),
    ],
)
def test_aliases_and_place_names_find_features(index, query, feature):
    hits = search(index, query, limit=10)
    assert feature in [h.place.key for h in hits if h.place.kind == "feature"], [h.place.key for h in hits]


def test_case_and_diacritics_do_not_matter(index):
    keys = [h.place.key for h in search(index, "Sinŭiju")]
    assert [h.place.key for h in search(index, "SINUIJU")] == keys
    assert [h.place.key for h in search(index, "  sinuiju ")] == keys
    assert normalise("Manp’o") == normalise("Manpo") == "manpo"
    assert normalise("Hoeryŏng") == "hoeryong"
    assert normalise("도문") == "도문"  # Hangul survives decomposition
    assert normalise("Ｔｕｍｅｎ") == "tumen"  # full-width letters


def test_ranking_exact_before_prefix_before_word_before_inside():
    assert match_score("tumen", "tumen") > match_score("tumen", "tumen namyang")
    assert match_score("tumen", "tumen namyang") > match_score("namyang", "tumen namyang")
    assert match_score("namyang", "tumen namyang") > match_score("yang", "tumen namyang")
    assert match_score("yang", "tumen namyang") > 0
    assert match_score("ya", "tumen namyang") == 0  # two Latin letters inside a word are noise
    assert match_score("南", "图们 南阳") > 0  # but one Chinese character is a word


def test_a_direct_match_ranks_above_an_alias_match(index):
    hits = search(index, "Tumen")
    assert hits[0].place.label == "Tumen" and hits[0].via is None
    via_alias = search(index, "Domun")
    assert via_alias[0].place.label == "Tumen" and via_alias[0].via == "Tumen"
    assert via_alias[0].score < hits[0].score
    assert "another name for Tumen" in via_alias[0].explanation


def test_results_carry_what_the_ui_needs(index):
    hits = search(index, "Tumen")
    town = next(h for h in hits if h.place.kind == "town")
    assert town.place.key.startswith("town:")
    assert 42 < town.place.lat < 43.5 and 129 < town.place.lon < 130.5
    crossing = next(h for h in hits if h.place.key == "x-tumen-namyang")
    assert crossing.place.layer == "crossings"
    assert "Border crossing" in crossing.place.detail
    assert crossing.place.lat is not None


def test_nothing_for_empty_or_unknown_queries(index):
    assert search(index, "") == []
    assert search(index, "   ") == []
    assert search(index, "Atlantis") == []
    assert len(search(index, "a", limit=3)) <= 3


def test_routes_are_not_places(index):
    assert all(h.place.layer != "routes" for h in search(index, "Baishan", limit=50))


def test_alias_table_is_text_and_complete():
    table = read_aliases(DATA_DIR / ALIASES_FILE)
    assert list(table.columns[:4]) == ["place", "alias", "language", "note"]
    assert set(ALIASES) <= set(table["place"])
    assert not table.duplicated(["place", "alias"]).any()


def test_a_broken_alias_table_is_refused(tmp_path):
    path = tmp_path / "aliases.csv"
    pd.DataFrame({"place": ["Tumen"], "alias": [""], "language": ["en"], "note": [""]}).to_csv(path, index=False)
    with pytest.raises(AliasError, match="line 2"):
        read_aliases(path)
    path.write_text("place,alias\nNA,None\n", encoding="utf-8")
    with pytest.raises(AliasError, match="missing column"):
        read_aliases(path)


def test_an_edited_alias_table_is_refused_until_the_manifest_is_rewritten(data_copy):
    dataset = load_dataset(data_copy)
    with (data_copy / ALIASES_FILE).open("a", encoding="utf-8") as handle:
        handle.write("Atlantis,Atlantis,en,made up\n")
    with pytest.raises(ManifestError, match=r"aliases\.csv"):
        load_index(dataset, data_copy)
    write_manifest(data_copy)
    index = load_index(load_dataset(data_copy), data_copy)
    assert search(index, "Atlantis") == []  # an alias of a place that exists nowhere finds nothing
