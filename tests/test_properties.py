"""Property tests on any string: cleaning never crashes and is idempotent, segmentation of every
entry path keeps every character, language id never crashes. (tests/test_segment_properties.py
covers segment() on one raw part and detect() on plain text; these extend it.)"""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.clean import collapse_whitespace, join_hyphenated, normalize_unicode
from pipeline.document import Document, Part
from pipeline.language import LANGS, clear_lang, detect, detect_part_langs, guess, id_en_score
from pipeline.readers.text import _clean as clean_text_file
from pipeline.readers.text import strip_markdown
from pipeline.segment import segment, split_bilingual, split_keywords

# Any code point, lone surrogates included: a file decoded with surrogateescape can carry them.
any_char = st.characters(codec=None, categories=None)
wild = st.text(alphabet=any_char)
# Text steered into the cases cleaning cares about: combining marks, invisibles, odd spaces, ligatures.
TRICKY = [
    "e",
    "\u0301",
    "\u0308",
    "\u200b",
    "\u00ad",
    "\ufeff",
    "\u2060",
    "\u00a0",
    "\u3000",
    "\u2003",
    "ﬁ",
    "Å",
    "ǅ",
    "①",
    "²",
    "\u1100",
    "\u1161",
    "\u11a8",
    "\t",
    "\n",
    "\r",
    " ",
    "-",
    "a",
    "A",
    "ı",
    "ß",
    "İ",
]
tricky = st.lists(st.sampled_from(TRICKY) | st.text(max_size=3), max_size=40).map("".join)
texty = st.one_of(wild, tricky)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def non_space(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace())


# -- cleaning -----------------------------------------------------------------------------------------
@SETTINGS
@given(texty)
@example("e\u200b\u0301")  # an invisible between a letter and its accent
@example("\u1100\u00ad\u1161")  # Hangul jamo split by a soft hyphen
def test_normalize_unicode_is_idempotent(text):
    once = normalize_unicode(text)
    assert normalize_unicode(once) == once
    assert not any(ch in once for ch in "\u200b\u00ad\ufeff\u2060")
    assert "  " not in once and "\u00a0" not in once


@SETTINGS
@given(texty)
def test_collapse_whitespace_is_idempotent(text):
    once = collapse_whitespace(text)
    assert collapse_whitespace(once) == once
    assert non_space(once) == non_space(text)


@SETTINGS
@given(texty)
@example("e\u200b\u0301")
def test_text_file_cleaning_is_idempotent_and_keeps_lines(text):
    once = clean_text_file(text)
    assert clean_text_file(once) == once
    assert "\r" not in once and not any(ord(c) < 32 and c not in "\t\n" for c in once)


@SETTINGS
@given(texty, texty)
def test_join_hyphenated_never_crashes_and_keeps_both_sides(left, right):
    left = left + "-"
    joined = join_hyphenated(left, right)
    # the seam loses at most the hyphen (or turns a soft hyphen into one): nothing else
    assert non_space(left[:-1]) + non_space(right) <= non_space(joined) + Counter("-")


@SETTINGS
@given(texty)
def test_markdown_stripping_never_crashes(text):
    plain, title = strip_markdown(text)
    assert isinstance(plain, str) and (title is None or isinstance(title, str))


# -- segmentation: the entry paths test_segment_properties.py does not walk --------------------------
def _kept(doc: Document) -> Counter:
    return non_space("".join(p.text + (p.heading or "") for p in doc.parts))


@SETTINGS
@given(st.lists(texty, min_size=1, max_size=4))
def test_segmentation_of_paged_raw_parts_keeps_every_character(pages):
    """A PDF gives one raw part per page: every character of every page ends in some part."""
    parts = [Part(kind="raw", text=t, page_start=i + 1, page_end=i + 1) for i, t in enumerate(pages)]
    doc = segment(Document(id="p", path="a.pdf", format="pdf", parts=parts))
    assert not (non_space("".join(pages)) - _kept(doc))
    assert all(p.kind != "raw" for p in doc.parts)


@SETTINGS
@given(texty, texty)
@example("Judul", "0")
def test_segmentation_of_a_record_keeps_title_and_abstract(title, abstract):
    parts = [Part(kind="title", text=title), Part(kind="abstract", text=abstract)]
    doc = segment(Document(id="r", path="r.csv", format="csv", parts=parts))
    kept = _kept(doc) + non_space(" ".join(k.text for k in doc.keywords))
    assert not (non_space(title + abstract) - kept)


@SETTINGS
@given(texty)
def test_bilingual_split_invents_nothing(text):
    for p in split_bilingual(text):
        assert p.kind in ("abstract", "keywords") and p.lang in LANGS
        assert all(piece in text for piece in p.text.split("\n\n"))


@SETTINGS
@given(texty, st.sampled_from([None, "id", "en"]))
def test_keyword_split_gives_clean_keywords(text, lang):
    for k in split_keywords(text, lang):
        assert k.text == k.text.strip() and k.text and k.lang in LANGS


# -- language id ------------------------------------------------------------------------------------------
@SETTINGS
@given(texty)
def test_language_id_never_crashes_on_any_string(text):
    lang, conf = guess(text)
    assert lang in LANGS and 0.0 <= conf <= 1.0
    # detect() may settle a text on clear stop-word evidence before the model (guess) is asked.
    assert detect(text) == (clear_lang(text) or lang)
    assert -1.0 <= id_en_score(text) <= 1.0
    doc = detect_part_langs(Document(id="x", path="x", format="txt", parts=[Part("abstract", text)]))
    assert doc.parts[0].lang in LANGS


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["desa ", "the ", "\u0301", "x", "ﬁ "]), st.integers(10_000, 200_000))
def test_language_id_on_long_strings(piece, times):
    assert detect(piece * times) in LANGS
