import time
from pathlib import Path

import pytest

from pipeline.document import NeedsOCR, ReadError
from pipeline.pdf import guard, layout
from pipeline.pdf.ocr import tesseract_available, text_quality
from pipeline.readers import ReadOptions, detect_format
from pipeline.readers import pdf as pdf_reader
from tests import pdf_factory as pf

OFF = ReadOptions(ocr="off")


def read_one(path: Path, options: ReadOptions = OFF):
    docs = list(pdf_reader.read(path, options))
    assert len(docs) == 1
    return docs[0]


def body_text(doc) -> str:
    return "\n".join(p.text for p in doc.parts)


def test_registered_for_pdf_extension(tmp_path):
    assert detect_format(tmp_path / "x.PDF") == "pdf"


def test_one_column_paragraphs(tmp_path):
    doc = read_one(pf.one_column(tmp_path / "a.pdf", [pf.LOREM_ID, pf.LOREM_EN]))
    assert doc.format == "pdf" and doc.pages == 1 and len(doc.id) == 64
    text = body_text(doc)
    assert "wawancara mendalam kepada aparatur sipil negara." in text
    # Two source paragraphs come back as two paragraphs, not one run-on block.
    assert "negara.\n\nThis study" in text


def test_two_columns_read_left_then_right(tmp_path):
    left = [f"left column line {i} alpha beta gamma" for i in range(12)]
    right = [f"right column line {i} delta epsilon" for i in range(12)]
    path = pf.two_column(tmp_path / "b.pdf", left, right)
    doc = read_one(path)
    text = body_text(doc)
    assert doc.meta["two_column_pages"] == 1
    assert text.index("A full-width abstract line") < text.index("left column line 0")
    assert text.index("left column line 11") < text.index("right column line 0")


def test_hyphenation_joined_but_real_hyphens_kept(tmp_path):
    text = body_text(read_one(pf.hyphenation(tmp_path / "h.pdf")))
    assert "pelayanan publik" in text
    assert "e-government" in text
    assert "good-governance" in text
    assert "kebijakan-kebijakan" in text
    assert "inovatif" in text


def test_running_heads_and_page_numbers_removed(tmp_path):
    doc = read_one(pf.running_heads(tmp_path / "r.pdf", pages=4))
    text = body_text(doc)
    assert "Jurnal Administrasi Publik" not in text
    assert "Halaman isi nomor 3" in text
    assert not any(line.strip() in {"1", "2", "3", "4"} for line in text.splitlines())
    assert doc.meta["running_lines_removed"] >= 8


def test_bilingual_article_fields(tmp_path):
    doc = read_one(pf.bilingual_article(tmp_path / "j.pdf"))
    assert doc.doc_type == "journal_article"
    assert doc.title == "Tata Kelola Pemerintahan Daerah dan Layanan Publik"
    assert doc.authors == ["Siti Rahma", "Budi Santoso"]
    assert doc.doi == "10.1234/jap.v3i2.567"
    abstracts = {p.lang: p.text for p in doc.parts_of("abstract")}
    assert abstracts["en"].startswith("This study examines")
    assert abstracts["id"].startswith("Penelitian ini membahas")
    assert {(k.text, k.lang) for k in doc.keywords} >= {("governance", "en"), ("tata kelola", "id")}
    headings = [p.heading for p in doc.parts_of("section")]
    assert headings == ["1. PENDAHULUAN", "2. METODE", "3. HASIL DAN PEMBAHASAN", "4. KESIMPULAN"]
    refs = doc.parts_of("references")
    assert len(refs) == 1 and "Santoso, B. (2020)" in refs[0].text
    assert all(p.page_start == 1 for p in doc.parts)


def test_regulation_structure(tmp_path):
    doc = read_one(pf.regulation(tmp_path / "perda.pdf"))
    assert doc.doc_type == "regulation"
    assert {k: doc.regulation[k] for k in ("type", "number", "year")} == {
        "type": "Perda",
        "number": "5",
        "year": 2019,
    }
    assert doc.title == "PELAYANAN PUBLIK" and doc.year == 2019
    headings = [p.heading for p in doc.parts_of("section")]
    assert "BAB I KETENTUAN UMUM" in headings and "Pasal 3" in headings and "Menimbang" in headings
    pasal1 = next(p for p in doc.parts if p.heading == "Pasal 1")
    assert pasal1.text.startswith("Dalam Peraturan Daerah ini")


def test_image_only_page_with_ocr_off_says_so(tmp_path):
    path = pf.image_only(tmp_path / "scan.pdf")
    with pytest.raises(NeedsOCR, match=r"^no text layer \(OCR is off\)$"):
        read_one(path, OFF)


def test_image_only_page_without_tesseract_says_how_to_get_it(tmp_path, monkeypatch):
    from pipeline.pdf import ocr

    monkeypatch.setattr(ocr, "tesseract_available", lambda: False)
    with pytest.raises(NeedsOCR, match="needs OCR \\(install tesseract-ocr"):
        read_one(pf.image_only(tmp_path / "scan.pdf"), ReadOptions(ocr="auto"))


@pytest.mark.skipif(not tesseract_available(), reason="tesseract not installed")
def test_image_only_page_is_ocred(tmp_path):
    doc = read_one(pf.image_only(tmp_path / "scan.pdf"), ReadOptions(ocr="auto"))
    assert doc.meta["ocr_pages"] == 1
    assert "PERATURAN DAERAH" in body_text(doc) or (doc.regulation or {}).get("number") == "7"


@pytest.mark.parametrize(
    "kind, message",
    [
        ("empty", "empty file"),
        ("html", "not a PDF (looks like HTML)"),
        ("zip", "not a PDF (looks like a ZIP archive)"),
        ("truncated", "truncated"),
        ("encrypted", "encrypted"),
    ],
)
def test_bad_files_raise_clear_errors(tmp_path, kind, message):
    files = pf.bad_files(tmp_path)
    with pytest.raises(ReadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_one(files[kind])


def test_page_cap(tmp_path):
    path = pf.running_heads(tmp_path / "r.pdf", pages=3)
    opts = ReadOptions(ocr="off")
    opts.max_pages = 2  # not yet a ReadOptions field: the reader reads it through getattr
    with pytest.raises(ReadError, match=r"too many pages \(3 > 2"):
        read_one(path, opts)


def test_time_limit_interrupts_a_slow_page(tmp_path, monkeypatch):
    path = pf.running_heads(tmp_path / "r.pdf", pages=3)
    real = layout.page_lines

    def slow(page, number):
        if number == 2:
            end = time.monotonic() + 5
            while time.monotonic() < end:  # pure-Python busy page, like a pdfminer hang
                pass
        return real(page, number)

    monkeypatch.setattr(pdf_reader, "page_lines", slow)
    t0 = time.monotonic()
    with pytest.raises(ReadError, match=r"time limit of 0.5 s exceeded at page 2"):
        read_one(path, ReadOptions(ocr="off", time_limit=0.5))
    assert time.monotonic() - t0 < 3


def test_deadline_fallback_check_between_pages():
    d = guard.Deadline(0.01)
    d._start = time.monotonic() - 1
    d.page = 4
    with pytest.raises(ReadError, match="at page 4"):
        d.check()


def test_text_quality_separates_words_from_garbage():
    assert text_quality("Menimbang bahwa pelayanan publik perlu ditingkatkan") > 0.9
    assert text_quality("-;:-,,;f1(Ltt'r,^-:,.{t-tt:L+ :6.-=/;;I;'J,.,\\0,'") < 0.3
