"""Fields on layouts beyond the journal article: legal instruments of every kind, documents with no
label before their title, years outside the title block, abstract ends (issue 12)."""

from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from pipeline.pdf import abstract, citation, regulation, title
from pipeline.pdf.fields import extract
from pipeline.pdf.layout import Line
from pipeline.readers import ReadOptions
from pipeline.readers.pdf import read

OFF = ReadOptions(ocr="off")


def _lines(texts: list[str], size: float = 10.0, page: int = 1, top: float = 40.0, **font) -> list[Line]:
    return [
        Line(t, 60, 400, top + 14 * i, top + 14 * i + size, size, page, **font) for i, t in enumerate(texts)
    ]


def _reg(texts: list[str]) -> tuple[regulation.RegulationInfo, int]:
    found = regulation.detect(_lines(texts))
    assert found, texts
    return found


# --- legal instruments -------------------------------------------------------------------------


def test_joint_decree_takes_the_first_number_after_its_issuers():
    info, _ = _reg(
        [
            "KEPUTUSAN BERSAMA",
            "MENTERI AGAMA, MENTERI KETENAGAKERJAAN,",
            "DAN MENTERI PENDAYAGUNAAN APARATUR NEGARA",
            "DAN REFORMASI BIROKRASI",
            "REPUBLIK INDONESIA",
            "NOMOR : 375 TAHUN 2022",
            "NOMOR 1 TAHUN 2022",
            "TENTANG",
            "HARI LIBUR NASIONAL DAN CUTI BERSAMA",
            "Menimbang : a. bahwa untuk",
        ]
    )
    assert (info.type, info.number, info.year, info.title) == (
        "SKB",
        "375",
        2022,
        "HARI LIBUR NASIONAL DAN CUTI BERSAMA",
    )


@pytest.mark.parametrize(
    ("heading", "number", "year"),
    [
        ("NOMOR 118/HK/2021", "118/HK/2021", 2021),
        ("NOMOR : 188.45/123/2019", "188.45/123/2019", 2019),
        ("NOMOR: PER-03/MENKO/POLHUKAM/7/2012", "PER-03/MENKO/POLHUKAM/7/2012", 2012),
    ],
)
def test_composite_numbers_carry_their_year(heading, number, year):
    info, _ = _reg(
        ["KEPUTUSAN", "KEPALA BADAN RISET DAN INOVASI NASIONAL", heading, "TENTANG", "PEDOMAN RISET"]
    )
    assert (info.type, info.number, info.year, info.title) == ("Kepka", number, year, "PEDOMAN RISET")


def test_composite_number_without_a_year_takes_the_signing_date():
    lines = _lines(
        [
            "KEPUTUSAN KEPALA DINAS KOMUNIKASI DAN INFORMATIKA",
            "NOMOR 02-P/Ka-XXX/I-03",
            "TENTANG",
            "MAKLUMAT PELAYANAN",
            "MEMUTUSKAN :",
        ]
        + ["Pasal isi keputusan ini berlaku."] * 5
        + ["Ditetapkan di Pontianak", "pada tanggal 5 Maret 2003"]
    )
    info, _ = regulation.detect(lines)
    assert (info.number, info.year, info.title) == ("02-P/Ka-XXX/I-03", 2003, "MAKLUMAT PELAYANAN")


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ("INSTRUKSI PRESIDEN REPUBLIK INDONESIA", "Inpres"),
        ("INSTRUKSI BUPATI BANYUWANGI", "Inbup"),
        ("INSTRUKSI MENTERI DALAM NEGERI", "Inmen"),
        ("KEPUTUSAN GUBERNUR KALIMANTAN BARAT", "Kepgub"),
        ("KEPUTUSAN WALIKOTA SINGKAWANG", "Kepwali"),
        ("KEPUTUSAN MENTERI AGAMA REPUBLIK INDONESIA", "Kepmen"),
        ("SURAT EDARAN MENTERI KESEHATAN", "SE"),
    ],
)
def test_instruments_other_than_peraturan(first, code):
    info, _ = _reg([first, "NOMOR 6 TAHUN 2020", "TENTANG", "PENINGKATAN DISIPLIN", "Dalam rangka menjaga"])
    assert (info.type, info.number, info.year, info.title) == (code, "6", 2020, "PENINGKATAN DISIPLIN")


def test_surat_edaran_subject_after_perihal():
    info, _ = _reg(
        ["SURAT EDARAN", "NOMOR IMI-417.GR.01.01/2025", "PERIHAL : PENYESUAIAN LAYANAN IZIN TINGGAL"]
    )
    assert (info.type, info.number, info.year) == ("SE", "IMI-417.GR.01.01/2025", 2025)
    assert info.title == "PENYESUAIAN LAYANAN IZIN TINGGAL"


def test_blank_number_of_a_draft():
    info, _ = _reg(
        ["KEPUTUSAN WALIKOTA SINGKAWANG", "NOMOR TAHUN 2018", "TENTANG", "STRUKTUR PENGELOLA", "Menimbang :"]
    )
    assert (info.type, info.number, info.year) == ("Kepwali", None, 2018)
    assert info.heading == "KEPUTUSAN WALIKOTA SINGKAWANG NOMOR ... TAHUN 2018 TENTANG STRUKTUR PENGELOLA"


def test_regulation_inside_a_gazette_page():
    info, _ = _reg(
        [
            "BERITA DAERAH KABUPATEN PURWAKARTA",
            "NOMOR : 12 TAHUN 2011",
            "-----------------------------------",
            "PERATURAN BUPATI PURWAKARTA",
            "NOMOR 12 TAHUN 2011",
            "TENTANG",
            "PAKAIAN DINAS PEGAWAI",
            "BUPATI PURWAKARTA,",
        ]
    )
    assert (info.type, info.number, info.year, info.title) == ("Perbup", "12", 2011, "PAKAIAN DINAS PEGAWAI")


def test_noisy_ocr_tentang_and_a_word_set_one_letter_per_line():
    info, _ = _reg(
        ["UNDANG-UNDANG REPUBLIK INDONESIA", "NOMOR 14 TAHUN 2008", "T~NTANG", "KETERBUKAAN INFORMASI"]
    )
    assert info.title == "KETERBUKAAN INFORMASI"
    info, _ = _reg(
        [
            "PERATURAN DAERAH KABUPATEN BONE",
            "NOMOR 18 TAHUN 2006",
            *"TENTANG",
            "PEMBENTUKAN ORGANISASI",
            "DISUSUN OLEH",
        ]
    )
    assert info.title == "PEMBENTUKAN ORGANISASI"


def test_ocr_year_checked_against_the_dates_at_the_end():
    head = [
        "PERATURAN PRESIDEN REPUBLIK INDONESIA",
        "NOMOR 28 TAHUN 2027",
        "TENTANG",
        "BADAN SIBER",
        "Menimbang",
    ]
    tail = [
        "Ditetapkan di Jakarta",
        "pada tanggal 13 April 2O2l",
        "Diundangkan di Jakarta",
        "pada tanggal 14 April 2O2I",
    ]
    tail += ["LEMBARAN NEGARA REPUBLIK INDONESIA TAHUN 2O2I NOMOR IOl"]
    info, _ = regulation.detect(_lines(head + ["isi peraturan."] * 10 + tail))
    assert info.year == 2021
    # A born-digital draft signed the year after its heading: the heading stands.
    clean = [t.replace("2O2l", "2029").replace("2O2I", "2029") for t in tail]
    info, _ = regulation.detect(_lines(head[:1] + ["NOMOR 28 TAHUN 2028"] + head[2:] + clean))
    assert info.year == 2028


def test_uk_act():
    info, end = _reg(["Bribery Act 2010", "CHAPTER 23", "CONTENTS"])
    assert (info.type, info.number, info.year, info.title, info.heading) == (
        "Act",
        "23",
        2010,
        "Bribery Act 2010",
        "Bribery Act 2010",
    )


# --- titles --------------------------------------------------------------------------------------


def _font_lines(rows: list[tuple[str, float, bool]], page: int = 1) -> list[Line]:
    out, top = [], 60.0
    for text, size, bold in rows:
        out.append(Line(text, 60, 60 + 6 * len(text), top, top + size, size, page, 0, size, bold, False))
        top += 1.6 * size
    return out


BODY = [("Paragraph text of the report that runs on in the usual type for a while.", 11, False)] * 6


def test_genre_word_above_the_title_gives_way():
    rows = [("POSITION PAPER", 36, True), ("INPUT FROM THE NETWORK ON THE WATER RESOURCES BILL", 14, True)]
    lines = _font_lines(rows + BODY)
    assert title.find_title(lines, 0, 11)[0] == "INPUT FROM THE NETWORK ON THE WATER RESOURCES BILL"


def test_acronym_above_the_title_gives_way_but_a_short_title_stays():
    rows = [("LAKIP", 36, True), ("LAPORAN AKUNTABILITAS KINERJA", 26, True), ("TAHUN 2022", 26, True)]
    assert title.find_title(_font_lines(rows + BODY), 0, 11)[0] == "LAPORAN AKUNTABILITAS KINERJA TAHUN 2022"
    rows = [("AI basics", 20, False), ("Who: Procurement teams and their managers", 11, True)]
    assert title.find_title(_font_lines(rows + BODY), 0, 11)[0] == "AI basics"


def test_short_title_over_a_smaller_subheading_and_a_series_name_beside_the_title():
    rows = [("Case studies", 20, False), ("Supporting AI-readiness in Australia", 16, False)]
    assert title.find_title(_font_lines(rows + BODY), 0, 11)[0] == "Case studies"
    rows = [("Regulatory Review", 19, True), ("Indonesia: Mercury Trade and Distribution", 19, True)]
    lines = _font_lines(rows + BODY)
    lines[1].top, lines[1].bottom = lines[1].top + 40, lines[1].bottom + 40  # two blocks of one type
    assert title.find_title(lines, 0, 11)[0] == "Indonesia: Mercury Trade and Distribution"


def test_title_is_the_most_prominent_block_even_low_on_the_cover():
    rows = [("Tata Kelola Sanitasi", 17, False), *BODY[:1], ("Hasil dari Padang Pariaman", 28, True)]
    assert title.find_title(_font_lines(rows), 0, 11)[0] == "Hasil dari Padang Pariaman"


def test_title_never_empty_and_does_not_eat_the_body():
    f = extract(_font_lines(BODY))
    assert f.title and f.title.startswith("Paragraph text")
    assert any(p.kind == "body" and p.text.startswith("Paragraph text") for p in f.parts)
    assert not any(p.kind == "title" for p in f.parts)  # the first line is stored once, in the body


def test_sidebar_glued_to_title_lines_is_cut():
    assert title.clean_line("Bureaucracy and the 2019, Vol. 51(10) 1576–1605© The Author(s) 2019") == (
        "Bureaucracy and the"
    )
    assert title.clean_line("The case of fisheries journals.sagepub.com/home/ppa") == "The case of fisheries"
    assert title.clean_line("and the Future of Regional Funding*") == "and the Future of Regional Funding"
    assert title.dedupe_words("Fisheries and Brexit and Brexit") == "Fisheries and Brexit"


# --- year and DOI --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "year"),
    [
        ("Journal of Policy, Vol. 68, No. 1, January 2024", 2024),
        ("Prosiding Seminar Nasional X-2014", 2014),
        ("American Political Science Review (2022) 116, 2, 547–563", 2022),
        ("2019, Vol. 51(10) 1576–1605", 2019),
    ],
)
def test_year_from_citation_lines(line, year):
    assert citation.find_year(_lines([line]), [], [], None) == year


def test_year_from_running_head_copyright_and_cover():
    assert (
        citation.find_year([], _lines(["JURNAL SAINS DAN SENI ITS Vol. 5 No. 2 (2016) 2337-3520"]), [], None)
        == 2016
    )
    assert citation.find_year(_lines(["© 2017 by the Association"]), [], [], None) == 2017
    assert citation.find_year([], [], _lines(["Regulatory Review", "April 2021"]), None) == 2021
    assert citation.find_year([], [], [], "LAPORAN KINERJA TAHUN 2018") == 2018
    # A series name with a year in it, no date: no year.
    assert citation.find_year([], [], _lines(["2020 FOCUS 11"]), None) is None


def test_doi_without_what_the_layout_glued_on():
    text = (
        "AASXXX10.1177/0095399719874759Administration & Society\nDOI: 10.1177/0095399719874759journals.sage"
    )
    assert citation.find_doi(text) == "10.1177/0095399719874759"
    assert (
        citation.find_doi("doi: http://dx.doi.org/10.18543/ced-58-2018pp131-153")
        == "10.18543/ced-58-2018pp131-153"
    )


# --- abstracts -----------------------------------------------------------------------------------


ABSTRACT = [f"Sentence {k} of the abstract says what the study found and how it was done." for k in range(6)]


@pytest.mark.parametrize(
    "marker", ["Verification Materials: the data are at", "© 2024 The Authors", "Highlights"]
)
def test_abstract_ends_before_markers(marker):
    lines = _lines(ABSTRACT + [marker, "More text that is not the abstract at all, in the same type."])
    kept = abstract.bound(lines)
    assert kept[-1].text == ABSTRACT[-1]


def test_abstract_skips_footnotes_in_smaller_type():
    lines = _lines(ABSTRACT[:3], font_size=10.0) + _lines(["1American University, Washington"], font_size=8.0)
    lines += _lines(ABSTRACT[3:], font_size=10.0, page=2)
    assert [ln.text for ln in abstract.bound(lines)] == ABSTRACT


def test_abstract_length_is_bounded():
    para = " ".join(ABSTRACT)
    assert abstract.clip(para + "\n\n" + "Body text goes on. " * 2000) == para
    long = "Word after word in one paragraph. " * 500
    clipped = abstract.clip(long)
    assert len(clipped) <= abstract.MAX_CHARS and clipped.endswith(".")


def test_unlabelled_abstract_in_italic_before_the_body():
    rows = [
        ("Journal of Tests, Vol. 7, No. 2", 8, False),
        ("A Title of an Article on Accountability", 16, True),
    ]
    head = _font_lines(rows + [("AUTHOR NAME", 10, False)])
    abs_lines = [
        Line(t, 80, 420, 120 + 12 * k, 130 + 12 * k, 10, 1, 0, 10.0, False, True)
        for k, t in enumerate(ABSTRACT)
    ]
    body = [
        Line(
            f"Body line {k} of the introduction that goes on for a while.",
            60,
            440,
            220 + 12 * k,
            230 + 12 * k,
            10,
            1,
            0,
            10.0,
        )
        for k in range(8)
    ]
    f = extract(head + abs_lines + body)
    parts = [p for p in f.parts if p.kind == "abstract"]
    assert (
        f.has_abstract
        and parts
        and parts[0].text.startswith("Sentence 0")
        and parts[0].text.endswith("done.")
    )
    # The same prose in the body's own type is body, not an abstract; nor is it in a document that
    # shows nothing of a scholarly article (a guide's boxed summary).
    plain = [Line(ln.text, 60, 440, ln.top, ln.bottom, 10, 1, 0, 10.0) for ln in abs_lines]
    assert not extract(head + plain + body).has_abstract
    assert not extract(head[1:] + abs_lines + body).has_abstract


# --- through the reader, on generated PDFs -------------------------------------------------------


def _report_cover(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    w, h = A4
    c.setFont("Helvetica-Bold", 34)
    c.drawString(72, h - 120, "POSITION PAPER")
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, h - 170, "INPUT ON THE DRAFT WATER RESOURCES BILL")
    c.setFont("Helvetica", 12)
    c.drawString(72, h - 400, "April 2021")
    c.showPage()
    c.setFont("Helvetica", 10)
    for k in range(40):
        c.drawString(
            72, h - 72 - 14 * k, f"The executive summary of the paper runs on in line {k} of many more."
        )
    c.showPage()
    c.save()
    return path


def _unlabelled_article(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    w, h = A4
    c.setFont("Times-Bold", 16)
    c.drawString(72, h - 90, "Citizen Attitudes Toward Traditional Authorities")
    c.setFont("Times-Roman", 11)
    c.drawString(72, h - 115, "ANNE AUTHOR and BOB WRITER")
    c.setFont("Times-Italic", 10)
    y = h - 150
    for t in ABSTRACT:
        c.drawString(100, y, t)
        y -= 12
    c.setFont("Times-Roman", 10)
    c.drawString(72, y - 20, "Introduction")
    y -= 40
    for k in range(30):
        c.drawString(72, y, f"Body text of the article in line {k}, in the plain type of the journal.")
        y -= 12
    c.drawString(72, 40, "Journal of Tests, Vol. 7, No. 2, March 2023")
    c.showPage()
    c.save()
    return path


def test_report_title_and_cover_date_through_the_reader(tmp_path):
    doc = next(read(_report_cover(tmp_path / "p.pdf"), OFF))
    assert doc.title == "INPUT ON THE DRAFT WATER RESOURCES BILL"
    assert doc.year == 2021 and doc.doc_type == "report"


def test_unlabelled_abstract_and_citation_year_through_the_reader(tmp_path):
    doc = next(read(_unlabelled_article(tmp_path / "a.pdf"), OFF))
    assert doc.title == "Citizen Attitudes Toward Traditional Authorities"
    assert doc.doc_type == "journal_article" and doc.year == 2023
    text = " ".join(p.text for p in doc.parts if p.kind == "abstract")
    assert text.startswith("Sentence 0") and text.endswith("how it was done.")


# --- the blind gold ------------------------------------------------------------------------------


@pytest.mark.slow
def test_new_gold_field_accuracy(shared_corpora):
    import importlib.util
    import json

    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("pdf_accuracy", root / "bench" / "pdf_accuracy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    results = []
    for line in (
        (root / "corpora" / "labels" / "pdf_gold_more.jsonl").read_text(encoding="utf-8").splitlines()
    ):
        gold = json.loads(line)
        if (shared_corpora / gold["path"]).exists():
            results.extend(module.score_entry(gold, shared_corpora).values())
    if len(results) < 300:
        pytest.skip("pdf-more/ not complete beside the project")
    assert sum(results) / len(results) >= 0.93


def test_fonts_of_the_first_pages_from_pdfium(tmp_path):
    import pypdfium2 as pdfium

    from pipeline.pdf import fonts
    from pipeline.pdf.layout import page_lines

    path = tmp_path / "f.pdf"
    c = canvas.Canvas(str(path), pagesize=A4)
    for font, size, y, text in (
        ("Helvetica-Bold", 20, 760, "A Bold Title"),
        ("Times-Italic", 11, 720, "an italic line of the abstract"),
        ("Helvetica", 9, 700, "plain small text"),
    ):
        c.setFont(font, size)
        c.drawString(72, y, text)
    c.showPage()
    c.save()
    doc = pdfium.PdfDocument(str(path))
    try:
        pl = page_lines(doc[0], 1)
        assert fonts.wanted(0, pl.lines, [])
        fonts.annotate(doc[0], pl.lines)
    finally:
        doc.close()
    got = {ln.text: (round(ln.font_size), ln.bold, ln.italic) for ln in pl.lines}
    assert got == {
        "A Bold Title": (20, True, False),
        "an italic line of the abstract": (11, False, True),
        "plain small text": (9, False, False),
    }
    # A legal instrument's fields come from its heading block: no fonts asked.
    heading = _lines(["PERATURAN BUPATI BLORA", "NOMOR 9 TAHUN 2017", "TENTANG", "PAKAIAN DINAS"])
    assert not fonts.wanted(0, heading, [])
