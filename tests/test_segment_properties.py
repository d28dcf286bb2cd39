"""Property tests: segmentation never crashes and never loses a character of raw input."""

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.document import Document, Part
from pipeline.language import LANGS, detect
from pipeline.segment import _KW_LABEL, _kw_label_matches, segment, split_bilingual, split_keywords

# Fragments that steer generated text into the interesting branches: labels, markers, headings,
# keyword separators, DOIs, years, emails, Indonesian and English words.
FRAGMENTS = [
    "Abstrak",
    "ABSTRACT",
    "Abstract\u2014",
    "Keywords:",
    "Kata kunci:",
    "Kata kunci?",
    "Key words",
    "Title:",
    "Judul:",
    "DOI:",
    "Penulis:",
    "Received:",
    "10.1234/abc.5",
    " 2019 ",
    "PENDAHULUAN\n",
    "Daftar Pustaka\n",
    "References\n",
    "\n\n",
    "\n",
    ". ",
    "; ",
    ", ",
    " / ",
    "budi@ui.ac.id",
    "transparansi",
    "akuntabilitas",
    "transparency",
    "accountability",
    "e-government",
    "Penelitian ini mengkaji pelayanan publik di daerah. ",
    "This study examines public services in the regions. ",
    "Universitas Indonesia",
    "Budi Santoso1, Siti Aminah2",
    "\u00a9 2020",
    "ﬁ",
    "\u200b",
    "?",
]
texty = st.one_of(
    st.text(),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=60).map("".join),
)


def non_space(text: str) -> Counter:
    return Counter(ch for ch in text if not ch.isspace())


def raw(text: str) -> Document:
    return segment(Document(id="x", path="a.txt", format="txt", parts=[Part(kind="raw", text=text)]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texty)
def test_segmentation_keeps_every_character_of_raw_input(text):
    doc = raw(text)
    kept = non_space("".join(p.text + (p.heading or "") for p in doc.parts))
    assert not (non_space(text) - kept)
    assert all(p.kind != "raw" for p in doc.parts)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texty)
def test_record_and_helper_paths_never_crash(text):
    parts = [
        Part(kind="title", text=text),
        Part(kind="abstract", text=text),
        Part(kind="keywords", text=text),
    ]
    doc = segment(Document(id="r", path="r.jsonl", format="jsonl", parts=parts))
    assert all(p.lang in (None, *LANGS) for p in doc.parts)
    assert all(k.lang in LANGS and k.text for k in doc.keywords)
    assert all(p.kind in ("abstract", "keywords") and p.lang in LANGS for p in split_bilingual(text))
    for k in split_keywords(text):
        assert k.text.strip() and k.lang in LANGS


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_language_detection_returns_one_of_three_codes(text):
    assert detect(text) in LANGS


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "kata",
                "KUNCI",
                "kunci",
                "key",
                "Key",
                "words",
                "index",
                "Index",
                "terms",
                "-",
                " ",
                ":",
                ".",
                "K",
                "\u0130",
                "x",
                "?",
                "\u2014",
            ]
        ),
        max_size=30,
    ).map("".join)
)
def test_keyword_label_search_matches_the_regex(text):
    # The fast label search must find exactly what _KW_LABEL.finditer finds.
    fast = [(m.start(), m.end()) for m in _kw_label_matches(text, text.lower())]
    assert fast == [(m.start(), m.end()) for m in _KW_LABEL.finditer(text)]
