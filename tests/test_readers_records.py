import csv
import hashlib
import json
import sys
from pathlib import Path

import pytest

from pipeline.document import Document, Keyword, Part, ReadError, RecordError
from pipeline.readers import ReadOptions, detect_format, get_reader
from pipeline.readers.records import detect_fields, latex_to_text, split_authors


def read(path: Path, **opts) -> list[Document | RecordError]:
    return list(get_reader(detect_format(path))(path, ReadOptions(**opts)))


def docs(items):
    return [x for x in items if isinstance(x, Document)]


def errors(items):
    return [x for x in items if isinstance(x, RecordError)]


def canon_id(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def test_extensions_registered():
    for name, fmt in [
        ("a.jsonl", "jsonl"), ("a.ndjson", "jsonl"), ("a.json", "json"), ("a.CSV", "csv"),
        ("a.tsv", "tsv"), ("a.tab", "tsv"), ("a.ris", "ris"), ("a.bib", "bib"), ("a.bibtex", "bib"),
    ]:  # fmt: skip
        assert detect_format(Path(name)) == fmt


# --- field detection -----------------------------------------------------------------------------


def test_detect_fields_english_and_indonesian():
    fm = detect_fields(
        ["Judul", "ABSTRAK", "Kata Kunci", "penulis", "Tahun", "DOI", "ID", "Nama Jurnal", "halaman"]
    )
    assert fm.columns == {
        "title": ["Judul"], "abstrak": ["ABSTRAK"], "keywords": ["Kata Kunci"], "authors": ["penulis"],
        "year": ["Tahun"], "doi": ["DOI"], "id": ["ID"], "journal": ["Nama Jurnal"],
    }  # fmt: skip
    fm = detect_fields(
        ["article.title", " article.abstract", "issue.year", "author1", "author2", "ARTICLE_ID"]
    )
    assert fm.get("title") == ["article.title"] and fm.get("abstract") == [" article.abstract"]
    assert fm.get("year") == ["issue.year"] and fm.get("authors") == ["author1", "author2"]
    assert fm.get("id") == []  # ARTICLE_ID is a per-journal counter in real exports, not an id
    fm = detect_fields(["abstract_en", "Abstrak-ID", "keywords_id", "KW", "summary", "intisari"])
    assert fm.columns == {
        "abstract_en": ["abstract_en"], "abstract_id": ["Abstrak-ID"], "keywords_id": ["keywords_id"],
        "keywords": ["KW"], "abstract": ["summary"], "abstrak": ["intisari"],
    }  # fmt: skip


def test_generic_text_column_is_a_fallback():
    assert detect_fields(["judul", "konten"]).columns == {"title": ["judul"], "abstract": ["konten"]}
    assert detect_fields(["title", "abstract", "text"]).columns == {
        "title": ["title"],
        "abstract": ["abstract"],
    }


def test_detect_fields_override():
    fm = detect_fields(["judul", "abstract", "isi"], {"abstract": "ISI"})
    assert fm.get("abstract") == ["isi"] and fm.get("title") == ["judul"]
    with pytest.raises(ReadError, match="column 'nope' not found"):
        detect_fields(["a"], {"abstract": "nope"})
    with pytest.raises(ReadError, match="unknown field"):
        detect_fields(["a"], {"colour": "a"})


def test_split_authors():
    assert split_authors("Dawes, Sharon S.") == ["Dawes, Sharon S."]
    assert split_authors("Davies, Jim; Janowski, Tomasz") == ["Davies, Jim", "Janowski, Tomasz"]
    assert split_authors("Ann Lee and Budi Santoso") == ["Ann Lee", "Budi Santoso"]
    assert split_authors("Ann Lee, Budi Santoso, Citra Dewi") == ["Ann Lee", "Budi Santoso", "Citra Dewi"]
    assert split_authors(["A B", " ", "C D"]) == ["A B", "C D"]


# --- JSONL / JSON --------------------------------------------------------------------------------

REC_EN = {
    "id": "r-1",
    "title": "E-government  adoption",
    "abstract": "We study adoption.\nSecond line.",
    "keywords": ["e-government", "adoption"],
    "authors": "Lee, Ann; Santoso, Budi",
    "year": 2016,
    "doi": "https://doi.org/10.1145/1234.5678",
    "venue": "ICEGOV",
}
REC_ID = {
    "id": "r-2",
    "judul": "Akuntabilitas desa",
    "abstract": "Penelitian ini membahas akuntabilitas.",
    "abstract_id": "Penelitian ini membahas akuntabilitas.",
    "abstract_en": "This study discusses accountability.",
    "keywords": ["akuntabilitas", "desa", "accountability"],
    "keywords_id": "akuntabilitas; desa",
    "keywords_en": ["accountability"],
    "tanggal": "12 Maret 2019",
    "journal": "Jurnal Pemerintahan",
}


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_document_shape(tmp_path):
    p = write_jsonl(tmp_path / "a.jsonl", [json.dumps(REC_EN), json.dumps(REC_ID)])
    a, b = read(p)
    assert a.id == canon_id(REC_EN) and a.source_id == "r-1"
    assert (a.format, a.doc_type, a.path) == ("jsonl", "abstract_record", str(p))
    assert a.title == "E-government adoption"
    assert a.parts == [
        Part("title", "E-government adoption"),
        Part("abstract", "We study adoption.\nSecond line.", lang=None),
    ]
    assert a.keywords == [Keyword("e-government"), Keyword("adoption")]
    assert a.authors == ["Lee, Ann", "Santoso, Budi"]
    assert (a.year, a.doi) == (2016, "10.1145/1234.5678")
    assert a.meta == {"record": 0, "journal": "ICEGOV"}

    assert (
        b.source_id == "r-2" and b.year == 2019 and b.meta == {"record": 1, "journal": "Jurnal Pemerintahan"}
    )
    # abstract == abstract_id: one part, tagged by the column's language; abstract_en kept.
    assert b.parts == [
        Part("title", "Akuntabilitas desa"),
        Part("abstract", "Penelitian ini membahas akuntabilitas.", lang="id"),
        Part("abstract", "This study discusses accountability.", lang="en"),
    ]
    # tagged keyword columns win; the generic list only adds what they lack
    assert b.keywords == [
        Keyword("accountability", "en"), Keyword("akuntabilitas", "id"), Keyword("desa", "id"),
    ]  # fmt: skip


def test_string_keywords_kept_whole(tmp_path):
    rec = {"title": "T", "abstract": "A", "keywords": "Kata kunci: a; b. Keywords: c; d"}
    (doc,) = read(write_jsonl(tmp_path / "k.jsonl", [json.dumps(rec)]))
    assert doc.keywords == []
    assert doc.parts[-1] == Part("keywords", "Kata kunci: a; b. Keywords: c; d")


def test_jsonl_broken_line_in_middle(tmp_path):
    lines = [json.dumps({"id": str(i), "title": f"T{i}", "abstract": "x"}) for i in range(100)]
    lines[56] = '{"id": "56", "title": "broken'
    lines[70] = "[1, 2]"
    lines.insert(30, "")
    p = write_jsonl(tmp_path / "b.jsonl", lines)
    out = read(p)
    errs = errors(out)
    assert [e.message.split(":")[0] for e in errs] == ["line 58", "line 72"]
    assert "invalid JSON" in errs[0].message and errs[0].stage == "read" and errs[0].path == str(p)
    ds = docs(out)
    assert len(ds) == 98
    assert ds[-1].source_id == "99" and ds[-1].meta["record"] == 99  # broken lines keep their index


def test_jsonl_record_without_text(tmp_path):
    lines = [json.dumps({"title": "T", "abstract": "A"})] * 12 + [
        json.dumps({"title": " ", "abstract": None})
    ]
    out = read(write_jsonl(tmp_path / "c.jsonl", lines))
    assert len(docs(out)) == 12
    (err,) = errors(out)
    assert err.message == "line 13: record 12: no title or abstract"


def test_jsonl_whole_file_failures(tmp_path):
    p = write_jsonl(tmp_path / "d.jsonl", ["not json"] * 6)
    with pytest.raises(ReadError, match="not JSON Lines"):
        read(p)
    p = write_jsonl(tmp_path / "e.jsonl", [json.dumps({"a": 1, "b": 2})])
    with pytest.raises(ReadError, match=r"no title or abstract column \(columns: a, b\); use --column"):
        read(p)
    (doc,) = read(p, columns={"abstract": "b"})
    assert doc.parts == [Part("abstract", "2")]


def test_jsonl_override_column_missing_in_later_record(tmp_path):
    lines = [json.dumps({"isi": "Teks satu"}), json.dumps({"judul": "Dua"})]
    one, two = read(write_jsonl(tmp_path / "o.jsonl", lines), columns={"abstrak": "isi"})
    assert one.parts == [Part("abstract", "Teks satu", lang="id")]  # "abstrak" names an Indonesian abstract
    assert two.parts == [Part("title", "Dua")]


def test_jsonl_utf16_bom(tmp_path):
    p = tmp_path / "f.jsonl"
    p.write_bytes(
        (json.dumps({"title": "Café", "abstract": "über"}, ensure_ascii=False) + "\n").encode("utf-16")
    )
    (doc,) = read(p)
    assert doc.title == "Café" and doc.parts[1].text == "über"


@pytest.mark.parametrize(
    "payload",
    [[REC_EN, REC_ID], {"records": [REC_EN, REC_ID]}],
)
def test_json_list_and_wrapper(tmp_path, payload):
    p = tmp_path / "a.json"
    p.write_text(json.dumps(payload), encoding="utf-8")
    out = read(p)
    assert [d.source_id for d in out] == ["r-1", "r-2"]
    assert out[0].format == "json" and out[0].id == canon_id(REC_EN) and out[1].meta["record"] == 1


def test_json_single_object_and_errors(tmp_path):
    p = tmp_path / "one.json"
    p.write_text(json.dumps(REC_EN), encoding="utf-8")
    (doc,) = read(p)
    assert doc.source_id == "r-1"
    p.write_text('[{"title": "x"}, 3]', encoding="utf-8")
    out = read(p)
    assert docs(out)[0].title == "x" and errors(out)[0].message == "record 1: not a JSON object"
    p.write_text('{"title": "x",', encoding="utf-8")
    with pytest.raises(ReadError, match="invalid JSON"):
        read(p)


# --- CSV / TSV -----------------------------------------------------------------------------------


def test_csv_extra_and_missing_columns(tmp_path):
    p = tmp_path / "a.csv"
    p.write_text(
        "Judul,Abstrak,Tahun,Kata_Kunci\nSatu,Isi satu,2020,a; b,EXTRA\nDua\n\nTiga,Isi tiga\n",
        encoding="utf-8",
    )
    one, two, three = read(p)
    assert one.id == canon_id(
        {"Judul": "Satu", "Abstrak": "Isi satu", "Tahun": "2020", "Kata_Kunci": "a; b", "_extra": ["EXTRA"]}
    )
    assert one.parts == [Part("title", "Satu"), Part("abstract", "Isi satu"), Part("keywords", "a; b")]
    assert one.year == 2020 and one.format == "csv" and one.source_id is None
    assert two.parts == [Part("title", "Dua")] and two.meta == {"record": 1}
    assert three.parts[1].text == "Isi tiga" and three.year is None


def test_csv_broken_quoting_resyncs(tmp_path):
    p = tmp_path / "b.csv"
    p.write_text('title,abstract\nA,"never closed\nB,second\nC,third "quoted" word\n', encoding="utf-8")
    out = read(p)
    (err,) = errors(out)
    assert err.message == "line 2: record 0: unterminated quote (line skipped)"
    assert [(d.title, d.parts[1].text) for d in docs(out)] == [("B", "second"), ("C", 'third "quoted" word')]


def test_csv_multiline_quoted_field_is_fine(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text('title,abstract\nA,"line one\nline ""two"""\nB,x\n', encoding="utf-8")
    out = read(p)
    assert not errors(out)
    assert out[0].parts[1].text == 'line one\nline "two"'


def test_csv_semicolon_cp1252_override_and_large_field(tmp_path):
    p = tmp_path / "d.csv"
    big = "kata " * 60000  # over the csv module's default 131072-character field limit
    p.write_bytes(f"no;judul;isi\n1;“Reformasi” birokrasi;{big}\n".encode("cp1252"))
    (doc,) = read(p, columns={"abstract": "isi"})
    assert doc.title == "“Reformasi” birokrasi"
    assert doc.parts[1] == Part("abstract", big.strip())
    with pytest.raises(ReadError, match=r"no title or abstract column \(columns: no, isi\)"):
        p.write_text("no;isi\n1;x\n", encoding="utf-8")
        read(p)


def test_csv_utf8_bom_header_and_tsv(tmp_path):
    p = tmp_path / "e.csv"
    p.write_bytes("\ufefftitle,abstract\nT,A\n".encode())
    assert read(p)[0].parts == [Part("title", "T"), Part("abstract", "A")]
    t = tmp_path / "f.tsv"
    t.write_text("ID\tTitle\tAbstract_EN\nx1\tT, with comma\tAbs\n", encoding="utf-8")
    (doc,) = read(t)
    assert doc.format == "tsv" and doc.source_id == "x1" and doc.title == "T, with comma"
    assert doc.parts[1] == Part("abstract", "Abs", lang="en")


def test_csv_empty_file(tmp_path):
    p = tmp_path / "g.csv"
    p.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ReadError, match="empty file"):
        read(p)


# --- RIS -----------------------------------------------------------------------------------------

RIS = """TY  - JOUR
ID  - ris-1
TI  - Collaborative governance in
  Indonesian villages
AU  - Santoso, Budi
AU  - Lee, Ann
PY  - 2018///
AB  - Abstract text.
N2  - Abstract text.
KW  - collaboration
KW  - village
JO  - Policy & Governance Review
DO  - 10.30589/pgr.v2i1.1
ER  -

TY  - JOUR
AN  - 0042
T1  - Second
N2  - Abstrak kedua.
DA  - 2020/05/01
ER  -

TY  - JOUR
ER  -

TY  - JOUR
TI  - Never ended
"""


def test_ris(tmp_path):
    p = tmp_path / "a.ris"
    p.write_text(RIS, encoding="utf-8")
    out = read(p)
    a, b = docs(out)
    assert a.source_id == "ris-1" and a.format == "ris"
    assert a.title == "Collaborative governance in Indonesian villages"
    assert a.parts == [Part("title", a.title), Part("abstract", "Abstract text.")]  # AB == N2: one part
    assert a.keywords == [Keyword("collaboration"), Keyword("village")]
    assert a.authors == ["Santoso, Budi", "Lee, Ann"] and a.year == 2018 and a.doi == "10.30589/pgr.v2i1.1"
    assert a.meta == {"record": 0, "journal": "Policy & Governance Review"}
    assert b.source_id == "0042" and b.year == 2020 and b.parts[1].text == "Abstrak kedua."
    assert [e.message for e in errors(out)] == [
        "line 23: record 2: no title or abstract",
        "line 26: RIS record without ER",
    ]
    assert a.id != b.id


def test_ris_without_records(tmp_path):
    p = tmp_path / "b.ris"
    p.write_text("just text\n", encoding="utf-8")
    with pytest.raises(ReadError, match="no RIS records"):
        read(p)


# --- BibTeX --------------------------------------------------------------------------------------

BIB = r"""% a comment line
@string{pgr = "Policy {\&} Governance Review"}
@comment{@article{ignored, title={no}}}

@article{santoso2019,
  title   = {{E}-Government and {V}illage {A}ccountability in Sch\"{o}nefeld},
  author  = {Santoso, Budi and M{\"u}ller, J{\"o}rg},
  journal = pgr,
  year    = 2019,
  abstract = "Village funds {\em matter}: 50\% of cases -- see \cite{x}.",
  keywords = {accountability, village funds},
  doi = {10.1000/xyz}
}

@article{broken2020,
  title = {Missing a closing brace,
  year = {2020}
}

@inproceedings{lee2021,
  title = {Third} # { part},
  abstract = {Ok}}
@misc{extra2022,
  title = {Closed early}},
  abstract = {lost}
}
@book{notext, year = 2000}
"""


def test_bibtex(tmp_path):
    p = tmp_path / "refs.bib"
    p.write_text(BIB, encoding="utf-8")
    out = read(p)
    a, c = docs(out)
    assert a.source_id == "santoso2019" and a.format == "bib" and a.doc_type == "abstract_record"
    assert a.title == "E-Government and Village Accountability in Schönefeld"
    assert a.authors == ["Santoso, Budi", "Müller, Jörg"]
    assert a.year == 2019 and a.doi == "10.1000/xyz"
    assert a.meta == {"record": 0, "journal": "Policy & Governance Review", "entry_type": "article"}
    assert a.parts[1] == Part("abstract", "Village funds matter: 50% of cases \u2013 see x.")
    assert a.parts[2] == Part("keywords", "accountability, village funds")
    assert c.source_id == "lee2021" and c.title == "Third part" and c.meta["record"] == 1
    msgs = [e.message for e in errors(out)]
    assert msgs[0] == "line 15: BibTeX entry '@article{broken2020,': unbalanced braces"
    assert msgs[1] == "line 23: BibTeX entry 'extra2022': unbalanced braces"
    assert msgs[2].startswith("line 27: record 2: no title or abstract")
    raw = {"ENTRYTYPE": "inproceedings", "ID": "lee2021", "title": "Third part", "abstract": "Ok"}
    assert c.id == canon_id(raw)


def test_latex_to_text():
    assert (
        latex_to_text(r"\'{E}cole \c{c}a \v{S}ko {\ss} \textbf{\emph{x}} a~b \_ \{y\}")
        == "École ça Ško ß x a b _ {y}"
    )


def test_bib_without_entries(tmp_path):
    p = tmp_path / "x.bib"
    p.write_text("nothing here\n", encoding="utf-8")
    with pytest.raises(ReadError, match="no BibTeX entries"):
        read(p)


# --- the real corpora ----------------------------------------------------------------------------


@pytest.mark.slow
def test_real_icegov_jsonl(shared_corpora):
    out = read(shared_corpora / "en-abstracts" / "icegov-proceedings.jsonl")
    assert not errors(out)
    assert len(out) == 825
    assert all(d.title and d.parts_of("abstract") for d in out)
    assert out[0].source_id == "icegov-0000" and out[0].year == 2007
    assert out[0].title == "Advancing e-governance: connecting learning and action"
    assert len({d.source_id for d in out}) == 825 and len({d.id for d in out}) == 825
    assert sum(bool(d.keywords) for d in out) > 800 and all(k.lang is None for d in out for k in d.keywords)
    assert out[3].authors == ["Davies, Jim", "Janowski, Tomasz", "Ojo, Adegboyega", "Shukla, Aadya"]
    assert all(d.doi and d.doi.startswith("10.") for d in out)


@pytest.mark.slow
def test_real_sinta_governance_subset(shared_corpora):
    out = read(shared_corpora / "id-abstracts" / "sinta_governance_subset.jsonl")
    assert not errors(out) and len(out) == 346
    assert all(d.source_id.startswith("sinta-") and d.title for d in out)
    assert all(len(d.parts_of("abstract")) == 1 for d in out)  # abstract_id/_en copies folded in
    langs = [d.parts_of("abstract")[0].lang for d in out]
    assert (langs.count("id"), langs.count("en"), langs.count(None)) == (312, 8, 26)
    assert all(d.meta["journal"] for d in out)
    tagged = [k for d in out for k in d.keywords if k.lang]
    assert {k.lang for k in tagged} == {"id", "en"}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "n_docs", "n_errors", "first"),
    [
        ("en-abstracts/raw/icegov-proceedings-all-editions.csv", 825, 0, "Advancing e-governance"),
        ("en-abstracts/raw/meta_ps-bjps_data.csv", 1697, 4, "Human Rights Institutions"),
        ("en-abstracts/raw/meta_ps-wpo_data.csv", 2287, 1, "The Logic of Party Collusion"),
        (
            "id-abstracts/original/IbnuAhsani__data__deprecated-dataset-sinta.csv",
            2655,
            0,
            "Kinerja dan Fungsi",
        ),
        (
            "id-abstracts/original/IbnuAhsani__output__dataset-master-sinta-bilingual-v2.csv",
            868,
            0,
            "Sistem Panjaminan",
        ),
        ("id-abstracts/original/IbnuAhsani__output__output.csv", 500, 0, "Analisis Pengambilan Keputusan"),
        ("id-abstracts/original/achmadalif11__Webmining__abstrak.csv", 34, 0, None),  # one column: abstrak
    ],
)
def test_real_csv(shared_corpora, name, n_docs, n_errors, first):
    path = shared_corpora / name
    out = read(path)
    ds, errs = docs(out), errors(out)
    assert (len(ds), len(errs)) == (n_docs, n_errors)
    assert all("no title or abstract" in e.message for e in errs)
    # independent count with the csv module: every data row is a Document or a RecordError
    csv.field_size_limit(sys.maxsize)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == n_docs + n_errors
    assert all(d.parts_of("title", "abstract") for d in ds)
    if first:
        assert ds[0].title.startswith(first) and all(d.title for d in ds)
    else:
        assert all(d.title is None and d.parts_of("abstract") for d in ds)
    assert (
        ds[0].parts_of("abstract")[0].text[:20]
        == rows[0][[k for k in rows[0] if "bstra" in k.lower()][0]].strip()[:20]
    )
    assert sum(bool(d.parts_of("abstract")) for d in ds) > 0.75 * n_docs
    assert all(d.source_id is None and d.doc_type == "abstract_record" for d in ds)
    assert [d.meta["record"] for d in out if isinstance(d, Document)][:3] == [0, 1, 2]


@pytest.mark.slow
def test_real_icegov_csv_matches_jsonl(shared_corpora):
    raw = docs(read(shared_corpora / "en-abstracts" / "raw" / "icegov-proceedings-all-editions.csv"))
    norm = read(shared_corpora / "en-abstracts" / "icegov-proceedings.jsonl")
    assert [d.title for d in raw] == [d.title for d in norm]
    assert [d.year for d in raw] == [d.year for d in norm]
    assert raw[3].authors == norm[3].authors and raw[0].meta["journal"] == norm[0].meta["journal"]
    assert raw[0].parts_of("keywords")[0].text.startswith("actions; governance")


@pytest.mark.slow
def test_real_csv_without_text_columns(shared_corpora):
    path = shared_corpora / "id-abstracts" / "original" / "IbnuAhsani__data__subject__journal-subject.csv"
    with pytest.raises(ReadError, match=r"columns: JOURNAL_TITLE, JOURNAL_SUBJECTS"):
        read(path)
