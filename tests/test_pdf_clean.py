from pipeline.clean import collapse_whitespace, join_hyphenated, keep_hyphen, normalize_unicode
from pipeline.pdf.cleanup import is_page_number
from pipeline.pdf.fields import guess_lang, heading_of, split_keywords
from pipeline.pdf.layout import Line
from pipeline.pdf.regulation import detect


def test_normalize_unicode_ligatures_soft_hyphen_zero_width():
    assert (
        normalize_unicode("e\ufb03cient pe\u00adlayanan ka\u200bbupaten") == "efficient pelayanan kabupaten"
    )
    assert collapse_whitespace(" a \n b ") == "a b"


def test_hyphen_rules():
    assert join_hyphenated("pe-", "layanan") == "pelayanan"
    assert join_hyphenated("e-", "government") == "e-government"
    assert join_hyphenated("kebijakan-", "kebijakan") == "kebijakan-kebijakan"
    assert join_hyphenated("Indonesia-", "Australia") == "Indonesia-Australia"
    assert keep_hyphen("socio", "economic", {"socio-economic"})
    assert not keep_hyphen("interna", "tional")


def test_page_numbers():
    for t in ("12", "- 2 -", "Page 3 of 10", "Halaman 4", "iv"):
        assert is_page_number(t), t
    assert not is_page_number("Pasal 12 ayat (1)")


def test_headings_and_keywords():
    assert heading_of("I. Pendahuluan")[0] == "introduction"
    assert heading_of("3. HASIL DAN PEMBAHASAN")[0] == "results"
    assert heading_of("Daftar Pustaka")[0] == "references"
    assert heading_of("Pendahuluan ini menjelaskan hal yang panjang sekali.") is None
    assert split_keywords("governance; public service; e-government.") == [
        "governance",
        "public service",
        "e-government",
    ]
    assert (
        guess_lang("Penelitian ini dilakukan di daerah yang tidak memiliki data dan juga dengan metode")
        == "id"
    )


def test_regulation_header_on_one_line():
    lines = [
        Line(t, 0, 100, 10 * i, 10 * i + 8, 8, 1)
        for i, t in enumerate(
            [
                "PERATURAN PEMERINTAH REPUBLIK INDONESIA NOMOR 35 TAHUN 2021",
                "TENTANG",
                "PERJANJIAN KERJA WAKTU TERTENTU",
                "DENGAN RAHMAT TUHAN YANG MAHA ESA",
            ]
        )
    ]
    info, end = detect(lines)
    assert (info.type, info.number, info.year, info.title) == (
        "PP",
        "35",
        2021,
        "PERJANJIAN KERJA WAKTU TERTENTU",
    )
    assert end == 3


def _lines(texts: list[str], size: float = 10.0) -> list[Line]:
    return [Line(t, 50, 300, 20 + 14 * i, 30 + 14 * i, size, 1) for i, t in enumerate(texts)]


def _body(n: int) -> list[str]:
    return [f"Body sentence number {k} of a paragraph that goes on and on." for k in range(n)]


def test_numbered_sentence_case_headings_after_the_first_are_sections():
    texts = (
        ["Title", "Abstract", "This study looks at markets for forest restoration in the tropics and more."]
        + ["1. The scale of restoration potential"]
        + _body(10)
        + ["2. A role of markets in promoting restoration?"]
        + _body(10)
        + ["3. Markets for goods and services"]
        + _body(3)
        # A numbered list inside a section: items a line or two apart are not headings.
        + ["1. Buyers pay for carbon", "2. Sellers plant trees", "3. Brokers take a share"]
        + _body(10)
        + ["4. Pitfalls of using markets"]
        + _body(10)
        + ["9. Not in sequence at all"]
        + _body(10)
    )
    from pipeline.pdf.fields import extract

    heads = [p.heading for p in extract(_lines(texts)).parts if p.kind == "section"]
    assert heads == [
        "1. The scale of restoration potential",
        "2. A role of markets in promoting restoration?",
        "3. Markets for goods and services",
        "4. Pitfalls of using markets",
    ]


def test_letter_spaced_regulation_heading_and_ocr_digits():
    from pipeline.pdf.regulation import despace, fix_ocr_digits

    assert despace("T E N T A N G") == "TENTANG"
    assert despace("N O M O R 5 T A H U N 2 0 1 9") == "NOMOR 5 TAHUN 2019"
    assert despace("Pasal 5 ayat (1)") == "Pasal 5 ayat (1)"
    assert fix_ocr_digits("NOMOR I1 TAHUN 2O2O TENTANG LOKASI") == "NOMOR 11 TAHUN 2020 TENTANG LOKASI"
    lines = _lines(
        [
            "P E R A T U R A N P R E S I D E N R E P U B L I K I N D O N E S I A",
            "N O M O R 5 T A H U N 2 O 1 9",
            "T E N T A N G",
            "PENGELOLAAN DATA TAHUN 2O2O",
            "DENGAN RAHMAT TUHAN YANG MAHA ESA",
        ]
    )
    info, end = detect(lines)
    assert (info.type, info.number, info.year) == ("Perpres", "5", 2019)
    assert info.title == "PENGELOLAAN DATA TAHUN 2020"
    assert end == 4


def test_title_drops_crossmark_badge_text():
    from pipeline.pdf.fields import extract

    lines = [
        Line("Using markets to leverage investment in restoration in MARK", 38, 534, 160, 176, 15.5, 1),
        Line("the tropics", 38, 101, 178, 191, 13.0, 1),
        Line("Pedro Brancalion, David Lamb", 38, 300, 200, 210, 10.0, 1),
        Line("Abstract", 38, 100, 230, 240, 10.0, 1),
        Line(
            "Governments and international organizations are pledging to restore forests.",
            38,
            500,
            242,
            252,
            10.0,
            1,
        ),
    ]
    assert extract(lines).title == "Using markets to leverage investment in restoration in the tropics"
