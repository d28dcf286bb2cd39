import json
import re
import textwrap
from collections import Counter

import pytest

from pipeline.document import Document, Keyword, Part
from pipeline.segment import VERSION, segment, split_bilingual, split_keywords

EN = (
    "This study examines the transparency and accountability of village fund management in East Java. "
    "Using interviews with village officials and a survey of residents, we find that public participation "
    "remains low and that reporting is done mainly to satisfy the district government. "
    "The findings suggest that accountability mechanisms need stronger community oversight."
)
ID = (
    "Penelitian ini mengkaji transparansi dan akuntabilitas pengelolaan dana desa di Jawa Timur. "
    "Dengan wawancara terhadap aparat desa dan survei warga, kami menemukan bahwa partisipasi masyarakat "
    "masih rendah dan pelaporan dilakukan terutama untuk memenuhi kewajiban kepada pemerintah kabupaten. "
    "Temuan ini menunjukkan bahwa mekanisme akuntabilitas memerlukan pengawasan masyarakat yang lebih kuat."
)
TITLE = "Transparansi Pengelolaan Dana Desa di Jawa Timur"


def raw_doc(text: str) -> Document:
    return segment(Document(id="x", path="a.txt", format="txt", parts=[Part(kind="raw", text=text)]))


def kinds(doc: Document, kind: str) -> list[Part]:
    return [p for p in doc.parts if p.kind == kind]


def abstract_langs(doc: Document) -> dict[str, str]:
    return {p.lang: p.text for p in kinds(doc, "abstract")}


def kw(doc: Document) -> list[tuple[str, str | None]]:
    return [(k.text, k.lang) for k in doc.keywords]


def test_version_is_part_of_the_pipeline_version():
    from pipeline.stages import default_stages, pipeline_version

    assert isinstance(VERSION, str) and f"segment:{VERSION}" in pipeline_version(default_stages())


@pytest.mark.parametrize("id_first", [True, False])
def test_unlabelled_pasted_abstract(id_first):
    first, second = (ID, EN) if id_first else (EN, ID)
    text = (
        f"{TITLE}\n"
        "Budi Santoso1, Siti Aminah2*\n"
        "1Universitas Airlangga, Surabaya; budi@unair.ac.id\n"
        "Received: 12 January 2021; Accepted: 3 March 2021\n\n"
        f"{first}\n\n{second}\n\n"
        "transparansi; akuntabilitas; dana desa; transparency; accountability; village funds\n"
    )
    doc = raw_doc(text)
    assert doc.title == TITLE
    assert doc.authors == ["Budi Santoso", "Siti Aminah"]
    assert doc.year == 2021
    abstracts = abstract_langs(doc)
    assert abstracts == {"id": ID, "en": EN}
    assert [p.lang for p in kinds(doc, "abstract")] == (["id", "en"] if id_first else ["en", "id"])
    assert kw(doc) == [
        ("transparansi", "id"),
        ("akuntabilitas", "id"),
        ("dana desa", "id"),
        ("transparency", "en"),
        ("accountability", "en"),
        ("village funds", "en"),
    ]
    discarded = " ".join(p.text for p in kinds(doc, "discarded"))
    assert "budi@unair.ac.id" in discarded and "Accepted" in discarded


def test_labelled_abstract_with_doi():
    text = textwrap.dedent(
        f"""\
        Judul: {TITLE}
        Penulis: Budi Santoso, Siti Aminah
        DOI: 10.1234/jkap.v5i2.5678

        ABSTRAK
        {ID}
        Kata Kunci: transparansi; akuntabilitas

        ABSTRACT
        {EN}
        Keywords: transparency; accountability
        """
    )
    doc = raw_doc(text)
    assert doc.title == TITLE
    assert doc.authors == ["Budi Santoso", "Siti Aminah"]
    assert doc.doi == "10.1234/jkap.v5i2.5678"
    assert abstract_langs(doc) == {"id": ID, "en": EN}
    assert kw(doc) == [
        ("transparansi", "id"),
        ("akuntabilitas", "id"),
        ("transparency", "en"),
        ("accountability", "en"),
    ]
    assert [p.text for p in kinds(doc, "title")] == [TITLE]
    # The labels themselves are kept aside, not in the fields.
    assert "Judul:" in kinds(doc, "discarded")[0].text


def test_labels_on_same_line_and_ieee_dash():
    text = (
        f"Title: Village Fund Accountability\nAuthors: A. Rahman and B. Lestari\n\n"
        f"Abstract\u2014{EN}\n\nAbstrak: {ID}\n\n"
        "Keywords: transparency; accountability / Kata kunci: transparansi; akuntabilitas\n"
        "How to cite: Rahman, A. (2019). Village Fund Accountability. JKAP, 5(2).\n"
    )
    doc = raw_doc(text)
    assert doc.title == "Village Fund Accountability"
    assert doc.authors == ["A. Rahman", "B. Lestari"]
    assert doc.year == 2019
    assert abstract_langs(doc) == {"en": EN, "id": ID}
    assert kw(doc) == [
        ("transparency", "en"),
        ("accountability", "en"),
        ("transparansi", "id"),
        ("akuntabilitas", "id"),
    ]
    # The bilingual keyword line becomes one keywords part per language.
    assert [(p.lang, p.text) for p in kinds(doc, "keywords")] == [
        ("en", "Keywords: transparency; accountability /"),
        ("id", "Kata kunci: transparansi; akuntabilitas"),
    ]


def test_wrapped_lines_are_joined_into_one_paragraph():
    wrapped = "\n".join(textwrap.wrap(EN, 70))
    doc = raw_doc(f"{TITLE}\nBudi Santoso\n\n{wrapped}\n")
    abstracts = kinds(doc, "abstract")
    assert len(abstracts) == 1 and abstracts[0].lang == "en"
    assert " ".join(abstracts[0].text.split()) == EN


def test_run_together_paragraph_in_raw_text():
    doc = raw_doc(f"{TITLE}\n\n{ID}Kata kunci: transparansi, akuntabilitas.{EN}\n")
    assert abstract_langs(doc) == {"id": ID, "en": EN}
    assert kw(doc) == [("transparansi", "id"), ("akuntabilitas", "id")]


def test_article_with_sections_and_references():
    text = (
        f"{TITLE}\n\nAbstrak\n{ID}\n\n"
        f"PENDAHULUAN\n{ID}\n\nII. METODE PENELITIAN\n{ID}\n\n"
        "Hasil dan Pembahasan\nHasil menunjukkan peningkatan.\n\n"
        "Daftar Pustaka\nRahman, A. (2019). Akuntabilitas Desa. Jakarta: Pustaka.\n"
    )
    doc = raw_doc(text)
    sections = kinds(doc, "section")
    assert [s.heading for s in sections] == ["PENDAHULUAN", "II. METODE PENELITIAN", "Hasil dan Pembahasan"]
    assert sections[0].text == ID and sections[0].lang == "id"
    refs = kinds(doc, "references")
    assert len(refs) == 1 and refs[0].text.startswith("Rahman, A. (2019)")
    assert abstract_langs(doc) == {"id": ID}


def test_markdown_markup_is_not_part_of_fields():
    text = (
        f"# {TITLE}\n\n**Budi Santoso** and **Siti Aminah**\n\n## Abstract\n{EN}\n\n"
        f"**Kata kunci:** transparansi; akuntabilitas\n\n## Pendahuluan\n{ID}\n\n## Metode\n{ID}\n"
    )
    doc = raw_doc(text)
    assert doc.title == TITLE
    assert doc.authors == ["Budi Santoso", "Siti Aminah"]
    assert abstract_langs(doc) == {"en": EN}
    assert [s.heading for s in kinds(doc, "section")] == ["Pendahuluan", "Metode"]
    assert kw(doc) == [("transparansi", "id"), ("akuntabilitas", "id")]


def test_single_paragraph_text_is_an_abstract():
    doc = raw_doc(EN)
    assert abstract_langs(doc) == {"en": EN}
    assert doc.title is None


def test_empty_raw_part():
    doc = raw_doc("   \n\n ")
    assert [p.kind for p in doc.parts] == []


# ----------------------------------------------------------------------------- keywords


def test_split_keywords_bilingual_without_labels():
    got = split_keywords("transparansi; akuntabilitas; transparency; accountability")
    assert [(k.text, k.lang) for k in got] == [
        ("transparansi", "id"),
        ("akuntabilitas", "id"),
        ("transparency", "en"),
        ("accountability", "en"),
    ]


def test_ambiguous_keyword_takes_its_neighbours_language():
    got = split_keywords(
        "e-government, globalisasi, investasi asing, pasar properti global, sistem informasi"
    )
    assert [k.lang for k in got] == ["id"] * 5
    assert got[0].text == "e-government"


def test_commas_only_split_when_there_is_no_semicolon():
    got = split_keywords("Keywords: public service, quality; citizen satisfaction")
    assert [k.text for k in got] == ["public service, quality", "citizen satisfaction"]
    assert {k.lang for k in got} == {"en"}


def test_labelled_keyword_line_trims_punctuation():
    got = split_keywords("Kata-kata kunci: pelayanan publik, birokrasi.")
    assert [(k.text, k.lang) for k in got] == [("pelayanan publik", "id"), ("birokrasi", "id")]


def test_split_keywords_nothing():
    assert split_keywords("") == []
    assert split_keywords(" ; , ") == []


# ----------------------------------------------------------------------------- run-together records


def test_split_bilingual_with_glued_markers():
    text = f"Abstrak {ID}Kata kunci? transparansi, akuntabilitas.Abstract{EN} Keywords: transparency, accountability"
    parts = split_bilingual(text)
    assert [(p.kind, p.lang) for p in parts] == [
        ("abstract", "id"),
        ("abstract", "en"),
        ("keywords", "id"),
        ("keywords", "en"),
    ]
    assert parts[0].text == ID and parts[1].text == EN


def test_split_bilingual_without_markers_finds_switch_point():
    parts = split_bilingual(ID + EN)
    assert [(p.lang, p.text) for p in parts] == [("id", ID), ("en", EN)]
    parts = split_bilingual(EN + " " + ID)
    assert [(p.lang, p.text) for p in parts] == [("en", EN), ("id", ID)]


def test_english_quotation_does_not_split_an_indonesian_abstract():
    quote = ' Seperti dikatakan, "the rule of law must protect human rights". '
    parts = split_bilingual(ID + quote + ID)
    assert [p.lang for p in parts] == ["id"]


def test_keyword_list_glued_to_next_abstract_without_full_stop():
    text = f"{ID}Kata kunci: dana desa, transparansi, akuntabilitas{EN}"
    parts = split_bilingual(text)
    assert [(p.kind, p.lang) for p in parts] == [("abstract", "id"), ("abstract", "en"), ("keywords", "id")]
    assert parts[1].text == EN
    assert parts[2].text == "dana desa, transparansi, akuntabilitas"


def test_sentence_about_keywords_is_not_a_marker():
    text = "Kata kunci merupakan hal terpenting dalam mencari sebuah informasi di mesin pencari. " + ID
    parts = split_bilingual(text)
    assert [p.kind for p in parts] == ["abstract"]
    assert parts[0].text.startswith("Kata kunci merupakan")


def record_doc(abstract: str, keywords: str | None = None, lang: str | None = None) -> Document:
    parts = [Part(kind="title", text=TITLE), Part(kind="abstract", text=abstract, lang=lang)]
    if keywords is not None:
        parts.append(Part(kind="keywords", text=keywords))
    return segment(Document(id="r", path="r.jsonl", format="jsonl", parts=parts))


def test_record_abstract_run_together():
    doc = record_doc(
        f"{ID}Kata kunci: transparansi; akuntabilitas.{EN}Keywords? transparency; accountability"
    )
    assert abstract_langs(doc) == {"id": ID, "en": EN}
    assert kw(doc) == [
        ("transparansi", "id"),
        ("akuntabilitas", "id"),
        ("transparency", "en"),
        ("accountability", "en"),
    ]
    assert [p.kind for p in doc.parts] == ["title", "abstract", "abstract", "discarded"]


def test_record_keywords_part_and_dedup():
    doc = record_doc(ID, keywords="transparansi; akuntabilitas; transparency; accountability")
    assert [(p.kind, p.lang) for p in doc.parts] == [
        ("title", None),
        ("abstract", "id"),
        ("keywords", "id"),
        ("keywords", "en"),
    ]
    assert len(doc.keywords) == 4
    doc.keywords.insert(0, Keyword("Transparansi", "id"))
    again = segment(doc)
    assert len(again.keywords) == 5  # nothing added twice on a re-run


def test_record_part_with_language_kept_unless_bilingual():
    doc = record_doc(ID, lang="id")
    assert [(p.lang, p.text) for p in kinds(doc, "abstract")] == [("id", ID)]
    doc = record_doc(ID + EN, lang="id")
    assert [(p.lang, p.text) for p in kinds(doc, "abstract")] == [("id", ID), ("en", EN)]


def test_pdf_parts_keep_their_kinds():
    parts = [
        Part(kind="title", text=TITLE),
        Part(kind="abstract", text=ID),
        Part(kind="keywords", text="Kata kunci: transparansi; akuntabilitas"),
        Part(kind="section", text=ID + " " + EN, heading="Pendahuluan"),
        Part(kind="references", text="Rahman, A. (2019)."),
    ]
    doc = segment(Document(id="p", path="a.pdf", format="pdf", parts=parts))
    assert [p.kind for p in doc.parts] == ["title", "abstract", "keywords", "section", "references"]
    assert doc.parts[3].text == ID + " " + EN  # body is not re-segmented
    assert kw(doc) == [("transparansi", "id"), ("akuntabilitas", "id")]


# ----------------------------------------------------------------------------- real records

_MARKER = re.compile(r"(?i)(kata[\s-]*kunci|key[\s-]*words?)\s*[:?]")


def _sinta(shared_corpora, lang: str) -> list[dict]:
    out = []
    for path in sorted((shared_corpora / "id-abstracts").glob("sinta_broad_abstracts.part*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            out += [r for r in map(json.loads, fh) if r.get("lang") == lang and r.get("abstract")]
    return out


@pytest.mark.slow
def test_sinta_mixed_records_split_into_both_languages(shared_corpora):
    records = _sinta(shared_corpora, "mixed")
    assert len(records) > 200
    both = leaks = 0
    for r in records:
        doc = record_doc(r["abstract"])
        abstracts = kinds(doc, "abstract")
        both += {"id", "en"} <= {p.lang for p in abstracts}
        leaks += any(_MARKER.search(p.text) for p in abstracts)
    # Measured 301/308 (97.7%); the rest are Indonesian abstracts with English phrases, not pairs.
    assert both / len(records) >= 0.93
    assert leaks == 0


@pytest.mark.slow
def test_sinta_embedded_keywords_recovered(shared_corpora):
    found = total = same_lang = 0
    for r in _sinta(shared_corpora, "mixed"):
        lists = {
            lang: {k.strip().casefold() for k in r.get(f"keywords_{lang}") or []} for lang in ("id", "en")
        }
        # A term in both lists ("SAW", "e-government") has no single reference language.
        gold = {k: lang for lang, ks in lists.items() for k in ks - lists["en" if lang == "id" else "id"]}
        if not gold:
            continue
        got = {k.text.casefold(): k.lang for k in record_doc(r["abstract"]).keywords}
        total += len(gold)
        hits = [k for k in gold if k in got]
        found += len(hits)
        same_lang += sum(got[k] == gold[k] for k in hits)
    # Measured: recall 0.99 (638/642); language agrees with the reference for 0.81. Most
    # disagreements are English technical terms listed under "Kata kunci" that the reference's
    # regex missed, which we call id-listed, so this is a floor, not an accuracy.
    assert found / total >= 0.95
    assert same_lang / found >= 0.75


@pytest.mark.slow
def test_sinta_mixed_records_pasted_as_free_text(shared_corpora):
    """Title + run-together abstract pasted into a .txt file: the raw path on real text."""
    records = _sinta(shared_corpora, "mixed")
    both = titles = 0
    for r in records:
        text = f"{r['title']}\n\n{r['abstract']}\n"
        doc = raw_doc(text)
        kept = "".join(p.text + (p.heading or "") for p in doc.parts)
        assert not Counter("".join(text.split())) - Counter("".join(kept.split()))
        titles += doc.title == " ".join(r["title"].split())
        both += {"id", "en"} <= {p.lang for p in kinds(doc, "abstract")}
    # Measured: titles 307/308, both languages 301/308.
    assert titles / len(records) >= 0.95
    assert both / len(records) >= 0.93


def test_monolingual_record_needs_no_model_call(monkeypatch):
    # Clear single-language abstracts are settled by word evidence; the n-gram model is the
    # expensive part of ingest and is kept for unclear text.
    from pipeline import language

    calls = []
    real = language._model_probs
    monkeypatch.setattr(language, "_model_probs", lambda t: calls.append(t) or real(t))
    for text in (ID, EN, ID + " " + ID):
        doc = record_doc(text)
        assert [p.lang for p in kinds(doc, "abstract")] == ["en" if text == EN else "id"]
    assert calls == []
