"""Text that is lost, scrambled or doubled (issue 12): one generated PDF per failure class,
through the real reader (pypdfium2, pdfminer), the segment and language stages and the CLI."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

from pipeline import language, segment
from pipeline.cli import app
from pipeline.document import Document, NeedsOCR, Part, ReadError, RecordError
from pipeline.pdf import layout, ocr
from pipeline.pdf.cleanup import strip_running
from pipeline.pdf.layout import Line, PageLines
from pipeline.readers import ReadOptions
from pipeline.readers import pdf as pdf_reader
from tests import pdf_factory as pf

OFF = ReadOptions(ocr="off")
runner = CliRunner()


def read_all(path: Path, options: ReadOptions = OFF) -> tuple[Document, list[RecordError]]:
    items = list(pdf_reader.read(path, options))
    docs = [i for i in items if isinstance(i, Document)]
    assert len(docs) == 1 and isinstance(items[0], Document)  # the document comes first
    return docs[0], [i for i in items if isinstance(i, RecordError)]


def text_of(doc: Document) -> str:
    return "\n".join(f"{p.heading}\n{p.text}" if p.heading else p.text for p in doc.parts)


def in_order(text: str, pieces: list[str]) -> bool:
    at = 0
    for piece in pieces:
        at = text.find(piece, at)
        if at < 0:
            return False
        at += len(piece)
    return True


def pdfium_words(path: Path) -> list[str]:
    doc = pdfium.PdfDocument(str(path))
    try:
        return [w for i in range(len(doc)) for w in doc[i].get_textpage().get_text_range().split()]
    finally:
        doc.close()


# -- 1. work bounded by characters, not by page coordinates --------------------------------------------
def test_gutter_search_work_grows_with_segments_not_page_width(monkeypatch):
    calls = Counter()
    real = layout.bisect_right

    def counting(*args):
        calls["n"] += 1
        return real(*args)

    monkeypatch.setattr(layout, "bisect_right", counting)
    segs = [(72.0, 400.0), (500.0, 900.0)] * 10
    layout._gutter(segs, 595.0)
    small = calls["n"]
    calls.clear()
    layout._gutter([(x0 * 1e6, x1 * 1e6) for x0, x1 in segs], 595.0 * 1e6)
    # The old search stepped 3 points at a time: 60 steps on A4, 60 million on this page.
    assert calls["n"] <= max(small, 2 * (2 * len(segs) + 2))


@pytest.mark.parametrize("maker", [pf.huge_page, pf.user_unit_page], ids=["huge-mediabox", "user-unit"])
def test_giant_pages_are_read_whole(tmp_path, maker):
    path = maker(tmp_path / "giant.pdf")
    doc, problems = read_all(path)
    words = Counter(text_of(doc).split())
    want = Counter(pdfium_words(path))
    assert not problems
    assert sum((want & words).values()) >= 0.95 * sum(want.values())


# -- 2. rotated pages read in their display orientation ---------------------------------------------
@pytest.mark.parametrize("rotate", [90, 270])
def test_rotated_landscape_page_reads_in_order(tmp_path, rotate):
    doc, _ = read_all(pf.rotated(tmp_path / "rot.pdf", rotate))
    text = text_of(doc)
    assert in_order(text, ["LAMPIRAN: TABEL YANG DICETAK MELINTANG", *pf.ROTATED_LINES]), text[:400]


def test_text_drawn_sideways_reads_in_order_and_a_margin_stamp_stays_whole(tmp_path):
    doc, _ = read_all(pf.sideways_table(tmp_path / "side.pdf"))
    text = " ".join(text_of(doc).split())
    assert in_order(text, pf.ROTATED_LINES)
    assert "Diunduh dari jdih.contoh.go.id pada tanggal 12 Maret 2024" in text


# -- 3. no word of a page emitted twice -------------------------------------------------------------
def test_unmapped_glyphs_on_tight_lines_give_every_word_once(tmp_path):
    path = pf.tight_unmapped(tmp_path / "tight.pdf", lines=24)
    doc, _ = read_all(path)
    words = Counter(re.findall(r"\w+", text_of(doc)))
    for k in range(24):
        assert words[f"item{k}"] == words[f"alpha{k}"] == words[f"beta{k}"] == 1, k
    page = pdfium.PdfDocument(str(path))[0]
    tp = page.get_textpage()
    n = tp.count_chars()
    assert len(tp.get_text_range()) != n  # the case: pdfium's text leaves characters out
    assert len(layout._chars(tp, n)) == n  # ...and positions still line up with character indices


def test_text_drawn_twice_a_few_points_apart_is_kept_once():
    frags = [
        (159.0, 436.1, 120.2, 145.8, "BUPATI BENGKULU SELATAN"),
        (195.2, 399.9, 141.3, 166.9, "PROVINSI BENGKULU"),
        (156.2, 435.1, 120.2, 145.8, "BUPATI BENGKULU SELATAN"),  # the page drawn again, offset
        (182.8, 494.5, 150.0, 166.0, "PROVINSI"),  # a partial copy
        (60.0, 300.0, 300.0, 312.0, "Pasal 1"),
        (320.0, 540.0, 300.0, 312.0, "Pasal 1"),  # the same words elsewhere on the row: kept
    ]
    kept = layout._drop_overdrawn(frags)
    assert [f[4] for f in kept] == ["BUPATI BENGKULU SELATAN", "PROVINSI BENGKULU", "Pasal 1", "Pasal 1"]


# -- 4. pages with text are never dropped silently; the check is script-neutral -----------------------
def test_pages_in_other_scripts_tables_contents_and_names_are_all_kept(tmp_path):
    doc, problems = read_all(pf.mixed_pages(tmp_path / "mixed.pdf"))
    text = text_of(doc)
    assert not problems, problems
    assert pf.CJK_TEXT[:10] in text and pf.JAPANESE_TEXT[:8] in text
    for lines in pf.MIXED_PAGES.values():
        for ln in lines:
            assert " ".join(ln.split()[:3]) in " ".join(text.split()), ln
    assert doc.meta.get("pages_without_text", 0) == 0


def test_a_file_of_clean_chinese_is_not_called_a_scan(tmp_path):
    doc, problems = read_all(pf.chinese_only(tmp_path / "zh.pdf"))
    assert pf.CJK_TEXT[:12] in text_of(doc) and not problems


def test_text_quality_is_script_neutral():
    for clean in (
        pf.CJK_TEXT,
        pf.JAPANESE_TEXT,
        "Δημόσια διοίκηση και πολιτική",
        "Государственное управление и политика",
        "Dédé Sétiawan, Ñoman Wíjaya, Zoë Müller, São Paulo, Kraków",
        "PeduliLindungi, eGovernment, McKinsey, GovTech, NGOs and LinkedIn",
        "BAB I PENDAHULUAN ................................................ 1",
        "Bantul 12.5 13.1 14.8 +18% Sleman 10.2 11.0 11.4 +12%",
    ):
        assert ocr.text_quality(clean) >= 0.7, clean
    for garbage in (
        "-;:-,,;f1(Ltt'r,^-:,.{t-tt:L+ :6.-=/;;I;'J,.,\\0,'",
        "N o co LO I N O N o N N v c.l O NtJ) N O N N o €T€€E$,H (goCdLc= (U - boi: PC-",
    ):
        assert ocr.text_quality(garbage) < 0.3, garbage


def test_a_page_left_without_its_text_is_never_silent(tmp_path):
    """A text page and a scanned page: the text is kept, the scan is named in a page error, and the
    run counts it (errors table, summary, exit code)."""
    from PIL import Image
    from reportlab.pdfgen import canvas

    png = tmp_path / "scan.png"
    Image.new("L", (800, 1100), 200).save(png)
    path = tmp_path / "half-scan.pdf"
    c = canvas.Canvas(str(path), pagesize=pf.A4)
    pf._lines(c, 72, pf.H - 100, pf._wrap(pf.LOREM_ID, 90))
    c.showPage()
    c.drawImage(str(png), 0, 0, width=pf.W, height=pf.H)
    c.save()
    doc, problems = read_all(path)
    assert "tata kelola pemerintahan daerah" in text_of(doc)
    assert [(p.stage, p.message) for p in problems] == [("read-page", "page 2: no text layer (OCR is off)")]
    db = tmp_path / "c.db"
    r = runner.invoke(app, ["ingest", str(path), "--db", str(db), "--workers", "1", "--ocr", "off"])
    assert r.exit_code == 1, r.output
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT stage, message FROM errors").fetchall()
        counts = con.execute("SELECT counts FROM runs").fetchone()[0]
    assert rows == [("read-page", "page 2: no text layer (OCR is off)")]
    assert '"errors": 1' in counts and '"files_done": 1' in counts


def test_lines_no_field_took_are_kept_out_of_the_way(tmp_path):
    doc, _ = read_all(pf.bilingual_article(tmp_path / "article.pdf"))
    (kept,) = doc.parts_of("discarded")
    assert "Universitas Contoh, Jakarta, Indonesia" in kept.text  # the affiliation under the authors
    assert "This study examines" not in kept.text  # nothing a part holds is kept twice


# -- 5. any number of columns; pdfium's order when the analysis is unsure ------------------------------
@pytest.mark.parametrize("k", [3, 4])
def test_k_columns_are_read_column_by_column(tmp_path, k):
    doc, _ = read_all(pf.columns(tmp_path / "cols.pdf", k=k, lines=20))
    text = text_of(doc)
    order = [f"c{col}r{i:02d}" for col in range(1, k + 1) for i in range(20)]
    assert in_order(text, [f"A Title Across All {k} Columns", *order])


def test_short_boxes_side_by_side_follow_pdfium_order(tmp_path):
    path = pf.staggered_blocks(tmp_path / "boxes.pdf")
    page = pdfium.PdfDocument(str(path))[0]
    pl = layout.page_lines(page, 1)
    assert pl.order == "pdfium"
    texts = [ln.text for ln in pl.lines]
    assert texts == [f"left box sentence {i} about village budgets" for i in range(4)] + [
        f"right box sentence {i} about health services" for i in range(4)
    ]


# -- 6. unknown scripts are "other"; short lines take their language from context --------------------
def test_unknown_scripts_are_other_and_short_lines_follow_their_neighbours():
    doc = Document(
        id="x",
        path="x",
        format="pdf",
        parts=[
            Part("abstract", pf.CJK_TEXT),
            Part("abstract", "Η δημόσια διοίκηση στην Ελλάδα μετά την κρίση χρέους και οι μεταρρυθμίσεις."),
            Part("abstract", "تحليل الحوكمة المحلية في إندونيسيا بعد اللامركزية"),
            Part("section", pf.LOREM_EN, heading="Introduction"),
            Part("section", "Kulon Progo"),
            Part("section", "Bantul Sleman"),
            Part("section", pf.LOREM_EN),
        ],
    )
    language.detect_part_langs(doc)
    assert [p.lang for p in doc.parts] == ["other", "other", "other", "en", "en", "en", "en"]


def test_a_chinese_pdf_is_labelled_other_end_to_end(tmp_path):
    doc, _ = read_all(pf.chinese_only(tmp_path / "zh.pdf"))
    doc = language.detect_part_langs(segment.segment(doc))
    assert doc.parts and {p.lang for p in doc.parts if p.kind != "discarded"} == {"other"}


# -- 7. padding after %%EOF is no truncation ----------------------------------------------------------
@pytest.mark.parametrize("padding", [b"\x00" * 8192, b" \r\n" * 3000], ids=["nul", "whitespace"])
def test_padding_after_eof_is_read(tmp_path, padding):
    doc, problems = read_all(pf.eof_padding(tmp_path / "padded.pdf", padding))
    assert "tata kelola pemerintahan daerah" in text_of(doc) and not problems


def test_a_file_cut_short_is_still_called_truncated(tmp_path):
    files = pf.bad_files(tmp_path)
    with pytest.raises(ReadError, match=r"^truncated PDF \(no end-of-file marker\)$"):
        read_all(files["truncated"])


# -- 8. one bad page does not cost the file ----------------------------------------------------------
def test_a_bad_page_is_recorded_and_the_others_kept(tmp_path):
    doc, problems = read_all(pf.bad_page(tmp_path / "bad-page.pdf"))
    text = text_of(doc)
    assert "Halaman 1 berisi" in text and "Halaman 3 berisi" in text
    assert doc.pages == 3 and doc.meta["pages_failed"] == 1
    (p,) = problems
    assert p.stage == "read-page" and p.message.startswith("page 2: could not be read (")
    assert "\n" not in p.message and not re.search(r"\b[A-Z]\w*(Error|Exception)\b", p.message)


# -- 9. pdfminer when pdfium cannot open the file -----------------------------------------------------
def test_a_file_pdfium_refuses_is_read_with_pdfminer(tmp_path):
    path = pf.junk_prefix(tmp_path / "junk.pdf")
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(str(path))
    doc, _ = read_all(path)
    assert doc.meta["read_with"] == "pdfminer"
    assert "tata kelola pemerintahan daerah" in " ".join(text_of(doc).split())


# -- 10. running-head removal never takes all the text --------------------------------------------------
def test_a_document_of_repeated_lines_keeps_its_text(tmp_path):
    doc, _ = read_all(pf.all_running(tmp_path / "form.pdf"))
    assert "FORMULIR PERMOHONAN INFORMASI PUBLIK" in text_of(doc)


def test_strip_running_never_removes_most_of_a_document():
    def page(n: int, texts: list[str]) -> PageLines:
        return PageLines(
            n, 600, 800, [Line(t, 50, 500, 20 + 14 * i, 30 + 14 * i, 10, n) for i, t in enumerate(texts)], 1
        )

    pages = [page(n, ["Slide title repeated on every slide", f"{n}"]) for n in range(1, 6)]
    strip_running(pages)
    assert all([ln.text for ln in p.lines] == ["Slide title repeated on every slide"] for p in pages)


def test_numbered_headings_at_page_tops_are_not_running_heads():
    def page(n: int) -> PageLines:
        body = [f"Ayat {k} pasal {n + 3} mengatur hal {pf.PAGE_TOPICS[(n + k) % 7]}" for k in range(30)]
        texts = ["PRESIDEN REPUBLIK INDONESIA", f"Pasal {n + 3}", *body]
        return PageLines(
            n, 600, 800, [Line(t, 50, 500, 20 + 14 * i, 30 + 14 * i, 10, n) for i, t in enumerate(texts)], 1
        )

    pages = [page(n) for n in range(1, 7)]
    strip_running(pages)
    assert all([ln.text for ln in p.lines][0] == f"Pasal {p.number + 3}" for p in pages)


def test_running_heads_that_change_page_to_page_are_removed(tmp_path):
    doc, _ = read_all(pf.differing_heads(tmp_path / "heads.pdf"))
    text = text_of(doc)
    for gone in (
        "Downloaded from",
        "PEMERINTAH KABUPATEN CONTOH",
        "DINAS KOMUNIKASI",
        "Jurnal Tata Kelola Daerah",
    ):
        assert gone not in text, gone
    assert all(f"Isi halaman {i}." in text for i in range(1, 7))


# -- 11. no control characters in stored text ----------------------------------------------------------
def test_control_characters_are_not_stored(tmp_path):
    path = pf.control_chars(tmp_path / "ctl.pdf")
    assert "\x07" in pdfium.PdfDocument(str(path))[0].get_textpage().get_text_range()  # the case
    doc, _ = read_all(path)
    text = text_of(doc) + (doc.title or "")
    assert "Control characters hide in line 5" in text
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", text)


# -- 12. clear messages --------------------------------------------------------------------------------
def test_drawings_are_not_a_scan(tmp_path):
    with pytest.raises(ReadError) as err:
        read_all(pf.vector_only(tmp_path / "drawing.pdf"))
    assert not isinstance(err.value, NeedsOCR)
    assert str(err.value) == "no text (every page is blank or holds only drawings)"


# -- 13. the same folder gives the same exit code and summary every time -----------------------------
def test_rerun_on_the_same_folder_says_the_same_thing(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    pf.one_column(folder / "good.pdf", [pf.LOREM_ID])
    pf.bad_page(folder / "bad-page.pdf")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    db = tmp_path / "c.db"
    args = ["ingest", str(folder), "--db", str(db), "--workers", "1", "--ocr", "off"]
    runs = [runner.invoke(app, args) for _ in range(3)]
    assert [r.exit_code for r in runs] == [1, 1, 1], runs[1].output
    with sqlite3.connect(db) as con:
        per_run = [
            sorted(con.execute("SELECT path, stage, message FROM errors WHERE run = ?", (run,)).fetchall())
            for (run,) in con.execute("SELECT id FROM runs ORDER BY id").fetchall()
        ]
        status = dict(con.execute("SELECT path, status FROM sources").fetchall())
    assert len(per_run) == 3 and per_run[0] == per_run[1] == per_run[2] and len(per_run[0]) == 2
    assert status == {
        str(folder / "good.pdf"): "done",
        str(folder / "bad-page.pdf"): "partial",
        str(folder / "broken.pdf"): "failed",
    }
    assert "1 failed (1 failed before and unchanged" in " ".join(runs[2].output.split())
    # --retry-failed reads them again (and they fail again).
    r = runner.invoke(app, [*args, "--retry-failed"])
    assert r.exit_code == 1 and "failed before" not in r.output


# -- 14. folder links out of the input folder are not followed unless asked ---------------------------
def test_folder_links_out_of_the_input_are_not_followed(tmp_path):
    outside = tmp_path / "outside.pdf"
    pf.one_column(outside, [pf.LOREM_EN])
    folder = tmp_path / "in"
    folder.mkdir()
    pf.one_column(folder / "inside.pdf", [pf.LOREM_ID])
    (folder / "up").symlink_to("..", target_is_directory=True)
    (folder / "self").symlink_to(".", target_is_directory=True)  # inside: followed, a loop
    db = tmp_path / "c.db"
    args = ["ingest", str(folder), "--db", str(db), "--workers", "1", "--ocr", "off"]
    r = runner.invoke(app, args)
    with sqlite3.connect(db) as con:
        paths = {p for (p,) in con.execute("SELECT path FROM documents")}
        errors = con.execute("SELECT path, stage, message FROM errors").fetchall()
    assert paths == {str(folder / "inside.pdf")}
    assert (
        str(folder / "up"),
        "discover",
        "folder link leads outside the folders given; not followed (--follow-links)",
    ) in errors
    assert r.exit_code == 1
    r = runner.invoke(app, [*args, "--follow-links"])
    with sqlite3.connect(db) as con:
        paths = {p for (p,) in con.execute("SELECT path FROM documents")}
    assert str(folder / "up" / "outside.pdf") in paths
