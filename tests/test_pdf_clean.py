from pipeline.clean import collapse_whitespace, join_hyphenated, keep_hyphen, normalize_unicode
from pipeline.pdf.cleanup import is_page_number
from pipeline.pdf.fields import guess_lang, heading_of, split_keywords
from pipeline.pdf.layout import Line
from pipeline.pdf.regulation import detect


def test_normalize_unicode_ligatures_soft_hyphen_zero_width():
    assert normalize_unicode("e\ufb03cient pe\u00adlayanan ka\u200bbupaten") == "efficient pelayanan kabupaten"
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
    assert split_keywords("governance; public service; e-government.") == ["governance", "public service", "e-government"]
    assert guess_lang("Penelitian ini dilakukan di daerah yang tidak memiliki data dan juga dengan metode") == "id"


def test_regulation_header_on_one_line():
    lines = [Line(t, 0, 100, 10 * i, 10 * i + 8, 8, 1) for i, t in enumerate(
        ["PERATURAN PEMERINTAH REPUBLIK INDONESIA NOMOR 35 TAHUN 2021", "TENTANG", "PERJANJIAN KERJA WAKTU TERTENTU",
         "DENGAN RAHMAT TUHAN YANG MAHA ESA"])]
    info, end = detect(lines)
    assert (info.type, info.number, info.year, info.title) == ("PP", "35", 2021, "PERJANJIAN KERJA WAKTU TERTENTU")
    assert end == 3
