"""PDFs the tests control, drawn with reportlab: layouts, hyphenation, running heads, a bilingual
abstract, a regulation, an image-only page, and broken files."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

W, H = A4
LOREM_ID = (
    "Penelitian ini membahas tata kelola pemerintahan daerah dan kualitas layanan publik di kabupaten "
    "dengan pendekatan kualitatif serta wawancara mendalam kepada aparatur sipil negara."
)
LOREM_EN = (
    "This study examines local government governance and the quality of public services in districts "
    "using a qualitative approach and in-depth interviews with civil servants."
)


def _lines(
    c: canvas.Canvas, x: float, y: float, lines: list[str], size: float = 10, lead: float = 13
) -> float:
    c.setFont("Helvetica", size)
    for ln in lines:
        c.drawString(x, y, ln)
        y -= lead
    return y


def _wrap(text: str, width: int) -> list[str]:
    out, cur = [], ""
    for w in text.split():
        if len(cur) + len(w) + 1 > width and cur:
            out.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return out + ([cur] if cur else [])


def one_column(path: Path, paragraphs: list[str], title: str = "Judul Dokumen Satu Kolom") -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, H - 72, title)
    y = H - 110
    for para in paragraphs:
        y = _lines(c, 72, y, _wrap(para, 90)) - 10
    c.save()
    return path


def two_column(
    path: Path, left: list[str], right: list[str], header: str = "A Full Width Title Above Columns"
) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 16)
    c.drawString(72, H - 72, header)
    _lines(
        c, 72, H - 100, ["A full-width abstract line that runs across the whole page width, left to right."]
    )
    y0 = H - 140
    _lines(c, 60, y0, left)
    _lines(c, W / 2 + 15, y0, right)
    c.save()
    return path


def hyphenation(path: Path) -> Path:
    lines = [
        "Kualitas pe-",
        "layanan publik di daerah meningkat dengan e-",
        "government dan good-",
        "governance serta berbagai kebijakan-",
        "kebijakan baru yang inova-",
        "tif bagi masyarakat.",
    ]
    c = canvas.Canvas(str(path), pagesize=A4)
    _lines(c, 72, H - 100, lines)
    c.save()
    return path


def running_heads(path: Path, pages: int = 4) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    for i in range(1, pages + 1):
        c.setFont("Helvetica", 8)
        c.drawString(72, H - 40, "Jurnal Administrasi Publik Vol. 3 No. 2 (2021)")
        c.drawCentredString(W / 2, 30, str(i))
        _lines(c, 72, H - 200, _wrap(f"Halaman isi nomor {i}. " + LOREM_ID, 90))
        c.showPage()
    c.save()
    return path


def bilingual_article(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 15)
    c.drawCentredString(W / 2, H - 70, "Tata Kelola Pemerintahan Daerah dan Layanan Publik")
    c.setFont("Helvetica", 10)
    c.drawCentredString(W / 2, H - 92, "Siti Rahma, Budi Santoso")
    c.drawCentredString(W / 2, H - 106, "Universitas Contoh, Jakarta, Indonesia")
    c.drawString(72, H - 120, "DOI: 10.1234/jap.v3i2.567")
    y = H - 150
    c.setFont("Helvetica-Bold", 10)
    c.drawString(72, y, "Abstract")
    y = _lines(c, 72, y - 14, _wrap(LOREM_EN, 90))
    y = _lines(c, 72, y - 4, ["Keywords: governance, public service, local government"])
    c.setFont("Helvetica-Bold", 10)
    c.drawString(72, y - 10, "Abstrak")
    y = _lines(c, 72, y - 24, _wrap(LOREM_ID, 90))
    y = _lines(c, 72, y - 4, ["Kata kunci: tata kelola, pelayanan publik, pemerintah daerah"])
    for head, body in (
        ("1. PENDAHULUAN", LOREM_ID),
        ("2. METODE", LOREM_ID),
        ("3. HASIL DAN PEMBAHASAN", LOREM_ID),
        ("4. KESIMPULAN", LOREM_ID),
        ("DAFTAR PUSTAKA", "Santoso, B. (2020). Tata kelola daerah. Jakarta: Pustaka."),
    ):
        c.setFont("Helvetica-Bold", 10)
        c.drawString(72, y - 16, head)
        y = _lines(c, 72, y - 30, _wrap(body, 90))
    c.save()
    return path


def regulation(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 12)
    y = H - 72
    for ln in (
        "PERATURAN DAERAH KABUPATEN CONTOH",
        "NOMOR 5 TAHUN 2019",
        "TENTANG",
        "PELAYANAN PUBLIK",
        "DENGAN RAHMAT TUHAN YANG MAHA ESA",
        "BUPATI CONTOH,",
    ):
        c.drawCentredString(W / 2, y, ln)
        y -= 16
    y = _lines(
        c,
        72,
        y - 10,
        [
            "Menimbang : a. bahwa pelayanan publik perlu ditingkatkan;",
            "Mengingat : 1. Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik;",
            "MEMUTUSKAN:",
            "Menetapkan : PERATURAN DAERAH TENTANG PELAYANAN PUBLIK.",
        ],
    )
    for ln in (
        "BAB I",
        "KETENTUAN UMUM",
        "Pasal 1",
        "Dalam Peraturan Daerah ini yang dimaksud dengan daerah adalah Kabupaten Contoh.",
        "Pasal 2",
        "Pelayanan publik diselenggarakan secara transparan.",
        "BAB II",
        "PENYELENGGARAAN",
        "Pasal 3",
        "Bupati menetapkan standar pelayanan.",
    ):
        y = _lines(c, 72, y - 6, [ln])
    c.save()
    return path


def image_only(path: Path, text: str = "PERATURAN DAERAH NOMOR 7 TAHUN 2020") -> Path:
    """A page that is one picture of text: no text layer at all."""
    from PIL import Image, ImageDraw, ImageFont

    img = Image.new("L", (1700, 500), 255)
    draw = ImageDraw.Draw(img)
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", 64)
    except OSError:
        font = ImageFont.load_default()
    for k, ln in enumerate((text, "tentang pelayanan publik di daerah")):
        draw.text((60, 80 + 150 * k), ln, fill=0, font=font)
    png = path.with_suffix(".png")
    img.save(png)
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(str(png), 40, H - 300, width=W - 80, height=(W - 80) * 500 / 1700)
    c.save()
    png.unlink()
    return path


def encrypted(path: Path) -> Path:
    c = canvas.Canvas(str(path), pagesize=A4, encrypt="secret")
    _lines(c, 72, H - 100, ["Rahasia negara."])
    c.save()
    return path


def bad_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "empty": folder / "empty.pdf",
        "html": folder / "error.pdf",
        "zip": folder / "archive.pdf",
        "truncated": folder / "truncated.pdf",
    }
    files["empty"].write_bytes(b"")
    files["html"].write_bytes(b"<!DOCTYPE html><html><body>404 Not Found</body></html>")
    files["zip"].write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    good = one_column(folder / "good.pdf", [LOREM_ID] * 3).read_bytes()
    files["truncated"].write_bytes(good[: len(good) // 2])
    files["encrypted"] = encrypted(folder / "encrypted.pdf")
    return files


# -- odd files: one maker per failure class of issue 12 ----------------------------------------------
# Some of these need PDF features reportlab does not write (a broken page object, an unmapped glyph,
# a ToUnicode map onto control characters, a MediaBox of a billion points): raw_pdf writes them.


def raw_pdf(
    pages: list[bytes],
    media_box: tuple[float, float, float, float] = (0, 0, 595, 842),
    page_extra: bytes = b"",
    to_unicode: bytes | None = None,
    broken_pages: tuple[int, ...] = (),
) -> bytes:
    """A small PDF written by hand: one content stream per page, Helvetica as /F1 (with
    ``to_unicode`` as its ToUnicode CMap), and the page objects at ``broken_pages`` (1-based)
    replaced by ``null`` so that pdfium cannot load them."""
    objs: list[bytes] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    def stream(data: bytes) -> bytes:
        return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"

    tu = b" /ToUnicode %d 0 R" % add(stream(to_unicode)) if to_unicode else b""
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding%s >>" % tu)
    pages_id = len(objs) + 2 * len(pages) + 1
    box = b" ".join(b"%d" % v if v == int(v) else b"%.3f" % v for v in media_box)
    kids = []
    for number, content in enumerate(pages, 1):
        contents = add(stream(content))
        if number in broken_pages:
            kids.append(add(b"null"))
            continue
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [%s] /Resources << /Font << /F1 %d 0 R >> >> "
                b"/Contents %d 0 R %s >>" % (pages_id, box, font, contents, page_extra)
            )
        )
    add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
    root = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, root, xref)
    return bytes(out)


def _pdf_string(text: str) -> bytes:
    return text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _text_ops(lines: list[tuple[float, float, str]], size: float = 11) -> bytes:
    """Content-stream text: one (x, y, text) per run, /F1 at ``size``."""
    return b"\n".join(b"BT /F1 %g Tf %g %g Td (%s) Tj ET" % (size, x, y, _pdf_string(t)) for x, y, t in lines)


def huge_page(path: Path, width: float = 2e9) -> Path:
    """Case 1: a page of ``width`` points (pdfium accepts up to about 2^31) with three blocks of
    text far apart: the old gutter search stepped 3 points at a time across it."""
    runs = [
        (
            72 + (k % 3) * width / 3.2,
            800 - 14 * (k // 3),
            f"block {k % 3} line {k // 3} words of the huge page",
        )
        for k in range(60)
    ]
    path.write_bytes(raw_pdf([_text_ops(runs)], media_box=(0, 0, width, 842)))
    return path


def user_unit_page(path: Path) -> Path:
    """Case 1: the largest MediaBox the PDF spec allows, with a UserUnit of 75,000."""
    runs = [
        (72 + (k % 2) * 7000, 14000 - 14 * (k // 2), f"unit line {k} of text in a giant page")
        for k in range(40)
    ]
    path.write_bytes(
        raw_pdf([_text_ops(runs)], media_box=(0, 0, 14400, 14400), page_extra=b"/UserUnit 75000")
    )
    return path


ROTATED_LINES = [
    f"Rotated line {k:02d}: Pasal {k} berbunyi tentang pelayanan publik daerah." for k in range(1, 31)
]


def rotated(path: Path, rotate: int = 90) -> Path:
    """Case 2: a landscape page stored as portrait with /Rotate 90 (or 270), its text drawn turned
    so that it reads upright on screen, in two columns; and a label up the left margin."""
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setPageRotation(rotate)
    c.saveState()
    if rotate == 90:
        c.translate(W, 0)
        c.rotate(90)
    else:
        c.translate(0, H)
        c.rotate(-90)
    # Now x runs along the displayed page's width (H) and y up its height (W).
    c.setFont("Helvetica-Bold", 13)
    c.drawString(60, W - 50, "LAMPIRAN: TABEL YANG DICETAK MELINTANG")
    c.setFont("Helvetica", 10)
    half = len(ROTATED_LINES) // 2
    for k, ln in enumerate(ROTATED_LINES[:half]):
        c.drawString(60, W - 80 - 14 * k, ln)
    for k, ln in enumerate(ROTATED_LINES[half:]):
        c.drawString(H / 2 + 20, W - 80 - 14 * k, ln)
    c.restoreState()
    c.save()
    return path


def sideways_table(path: Path) -> Path:
    """Case 2: a portrait page (no /Rotate) whose text is all drawn turned 90 degrees, plus an
    upright stamp up the left margin drawn turned the other way."""
    c = canvas.Canvas(str(path), pagesize=A4)
    c.saveState()
    c.translate(W, 0)
    c.rotate(90)
    c.setFont("Helvetica", 10)
    for k, ln in enumerate(ROTATED_LINES):
        c.drawString(60, W - 60 - 14 * k, ln)
    c.restoreState()
    c.saveState()
    c.translate(20, 100)
    c.rotate(-90)
    c.setFont("Helvetica", 7)
    c.drawString(-600, 0, "Diunduh dari jdih.contoh.go.id pada tanggal 12 Maret 2024")
    c.restoreState()
    c.save()
    return path


def tight_unmapped(path: Path, lines: int = 24) -> Path:
    """Case 3: bullets in a symbol glyph pdfium cannot map (it leaves U+0002 out of its text, so
    text and character indices disagree) on lines set closer than their font size."""
    ops = b"BT /F1 12 Tf 72 780 Td " + b" ".join(
        b"(\\002 item%d alpha%d beta%d) Tj 0 -7 Td" % (k, k, k) for k in range(lines)
    )
    path.write_bytes(raw_pdf([ops + b" ET"]))
    return path


CJK_TEXT = "政府治理与公共服务质量研究。地方政府的透明度和问责制对公共服务有重要影响。"
JAPANESE_TEXT = "地方自治体の行政サービスと住民参加に関する研究。"


def _cjk_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    for name in ("STSong-Light", "HeiseiMin-W3"):
        try:
            pdfmetrics.getFont(name)
        except KeyError:
            pdfmetrics.registerFont(UnicodeCIDFont(name))


def chinese_only(path: Path, pages: int = 2) -> Path:
    """Case 4: a file whose clean text is all Chinese (reportlab's built-in CID font)."""
    _cjk_fonts()
    c = canvas.Canvas(str(path), pagesize=A4)
    for i in range(pages):
        c.setFont("STSong-Light", 12)
        for k in range(12):
            c.drawString(72, H - 90 - 18 * k, f"{k + 1 + 12 * i}. {CJK_TEXT[: 20 + k]}")
        c.showPage()
    c.save()
    return path


MIXED_PAGES = {
    "table": [
        "Table 2. Budget by district (IDR million)",
        "District  2019  2020  2021  Change",
        "Bantul  12.5  13.1  14.8  +18%",
        "Sleman  10.2  11.0  11.4  +12%",
        "Kulon Progo  8.7  8.9  9.6  +10%",
        "Gunungkidul  9.1  9.5  10.3  +13%",
    ],
    "contents": [
        "DAFTAR ISI",
        "BAB I PENDAHULUAN ................................................ 1",
        "BAB II TINJAUAN PUSTAKA ......................................... 7",
        "BAB III METODE ................................................. 15",
        "LAMPIRAN ....................................................... 42",
    ],
    "names": [
        "PeduliLindungi, SiLPA, eGovernment and JakLingko were studied with McKinsey and GovTech.",
        "Mitra: PT TelkomSigma, BPJSKesehatan, KemenPANRB, LinkedIn, YouTube, WhatsApp.",
    ],
    "accents": [
        "Dédé Sétiawan, Ñoman Wíjaya and Zoë Müller reviewed the São Paulo and Kraków cases.",
        "Crème brûlée, naïve façade, coöperation: résumé of the Åland and Øresund reports.",
    ],
}


def mixed_pages(path: Path) -> Path:
    """Case 4: one page each of Chinese, Japanese, an English table, a table of contents with
    dot leaders, CamelCase names and accented words; the old check dropped most of them."""
    _cjk_fonts()
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("STSong-Light", 12)
    c.drawString(72, H - 90, CJK_TEXT)
    c.showPage()
    c.setFont("HeiseiMin-W3", 12)
    c.drawString(72, H - 90, JAPANESE_TEXT)
    c.showPage()
    for lines in MIXED_PAGES.values():
        _lines(c, 72, H - 90, lines)
        c.showPage()
    c.save()
    return path


def columns(path: Path, k: int = 3, lines: int = 20) -> Path:
    """Case 5: ``k`` columns of text under a full-width title."""
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica-Bold", 14)
    c.drawString(40, H - 50, f"A Title Across All {k} Columns of the Page")
    margin, gap = 40, 14
    colw = (W - 2 * margin - (k - 1) * gap) / k
    c.setFont("Helvetica", 8)
    for col in range(k):
        x = margin + col * (colw + gap)
        for i in range(lines):
            # The last word is unique, so that the bigram across every line end is too.
            c.drawString(x, H - 90 - 11 * i, f"c{col + 1}r{i:02d} kata pelayanan publik n{col + 1}{i:02d}")
    c.save()
    return path


def staggered_blocks(path: Path) -> Path:
    """Case 5: two short text boxes side by side, too few lines for the column analysis to be
    sure of: pdfium's order (box by box) must win over reading across both boxes."""
    c = canvas.Canvas(str(path), pagesize=A4)
    c.setFont("Helvetica", 10)
    for i in range(4):
        c.drawString(60, H - 100 - 13 * i, f"left box sentence {i} about village budgets")
    for i in range(4):
        c.drawString(320, H - 104 - 13 * i, f"right box sentence {i} about health services")
    c.save()
    return path


def eof_padding(path: Path, padding: bytes = b"\x00" * 8192) -> Path:
    """Case 7: a good PDF followed by padding after its %%EOF (as some servers and tools write)."""
    good = one_column(path.with_name(path.stem + "-src.pdf"), [LOREM_ID] * 2)
    path.write_bytes(good.read_bytes() + padding)
    good.unlink()
    return path


def bad_page(path: Path) -> Path:
    """Case 8: three pages, the second one's page object broken (pdfium fails to load it)."""
    pages = [
        _text_ops([(72, 760, f"Halaman {k} berisi teks yang baik tentang pelayanan publik.")])
        for k in (1, 2, 3)
    ]
    path.write_bytes(raw_pdf(pages, broken_pages=(2,)))
    return path


def junk_prefix(path: Path) -> Path:
    """Case 9: a PDF behind 3 KB of junk (a mail or HTTP header saved with it): pdfium refuses it,
    pdfminer finds its objects."""
    good = one_column(path.with_name(path.stem + "-src.pdf"), [LOREM_ID] * 2)
    path.write_bytes(b"X-Archive-Header: saved by a crawler\r\n" * 80 + good.read_bytes())
    good.unlink()
    return path


def all_running(path: Path, pages: int = 4) -> Path:
    """Case 10: every page holds the same few lines at its top (a form printed once per page)."""
    c = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        _lines(c, 72, H - 40, ["FORMULIR PERMOHONAN INFORMASI PUBLIK", "Nama pemohon dan alamat lengkap"])
        c.showPage()
    c.save()
    return path


# A ToUnicode map that sends A and B to BEL and ESC (control characters) and the rest to themselves.
CONTROL_CMAP = b"""/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Ctl def
1 begincodespacerange <00> <FF> endcodespacerange
2 beginbfchar <41> <0007> <42> <001B> endbfchar
1 beginbfrange <43> <7A> <0043> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end"""


def control_chars(path: Path) -> Path:
    """Case 11: text whose ToUnicode map yields control characters (U+0007, U+001B)."""
    runs = [(72, 760 - 14 * k, f"ABControl characters hide in line {k} of this page") for k in range(6)]
    path.write_bytes(raw_pdf([_text_ops(runs)], to_unicode=CONTROL_CMAP))
    return path


def vector_only(path: Path) -> Path:
    """Case 12: a drawing (lines and boxes), no text and no image."""
    c = canvas.Canvas(str(path), pagesize=A4)
    for k in range(20):
        c.rect(60 + 10 * k, 200 + 12 * k, 120, 80)
        c.line(40, 100 + 30 * k, W - 40, 120 + 25 * k)
    c.save()
    return path


PAGE_TOPICS = [
    "Anggaran desa disusun bersama warga dalam musyawarah perencanaan pembangunan.",
    "Pelayanan kesehatan di puskesmas dinilai dari waktu tunggu dan ketersediaan obat.",
    "Transparency of procurement improved after the portal published every contract.",
    "Inspektorat daerah memeriksa laporan keuangan setiap semester.",
    "Citizens filed complaints through the hotline and the mobile application.",
    "Kecamatan menerbitkan izin usaha mikro dalam tiga hari kerja.",
    "The regional parliament debated the budget in four public hearings.",
]


def differing_heads(path: Path, pages: int = 6) -> Path:
    """Running heads that differ page to page: a download stamp whose time changes, a two-line crest
    whose second line names the section, and a journal line with the page number on the outer edge."""
    c = canvas.Canvas(str(path), pagesize=A4)
    for i in range(1, pages + 1):
        c.setFont("Helvetica", 7)
        c.drawString(
            40,
            H - 25,
            f"Downloaded from https://ejournal.contoh.ac.id on Tue, {11 + i} March 2024 {9 + i}:{i * 7:02d}",
        )
        c.setFont("Helvetica-Bold", 9)
        c.drawCentredString(W / 2, H - 45, "PEMERINTAH KABUPATEN CONTOH")
        c.setFont("Helvetica", 8)
        c.drawCentredString(
            W / 2, H - 56, f"DINAS KOMUNIKASI DAN INFORMATIKA - BAGIAN {['UMUM', 'DATA', 'HUKUM'][i % 3]}"
        )
        c.setFont("Helvetica", 8)
        if i % 2:
            c.drawRightString(W - 60, 40, f"Jurnal Tata Kelola Daerah 4(2) 2024 | {i}")
        else:
            c.drawString(60, 40, f"{i} | Jurnal Tata Kelola Daerah 4(2) 2024")
        body = f"Isi halaman {i}. " + " ".join(PAGE_TOPICS[(i + k) % len(PAGE_TOPICS)] for k in range(3))
        _lines(c, 72, H - 120, _wrap(body, 90))
        c.showPage()
    c.save()
    return path


def robustness_cases(folder: Path) -> dict[str, Path]:
    """Every generated odd file, by name (bench/pdf_robustness.py reads them all)."""
    folder.mkdir(parents=True, exist_ok=True)
    makers = {
        "huge-page": huge_page,
        "user-unit": user_unit_page,
        "rotate-90": lambda p: rotated(p, 90),
        "rotate-270": lambda p: rotated(p, 270),
        "sideways-table": sideways_table,
        "tight-unmapped": tight_unmapped,
        "chinese-only": chinese_only,
        "mixed-pages": mixed_pages,
        "three-columns": lambda p: columns(p, 3),
        "four-columns": lambda p: columns(p, 4),
        "staggered-blocks": staggered_blocks,
        "eof-nul-padding": eof_padding,
        "eof-space-padding": lambda p: eof_padding(p, b" \r\n" * 3000),
        "bad-page": bad_page,
        "junk-prefix": junk_prefix,
        "all-running": all_running,
        "control-chars": control_chars,
        "vector-only": vector_only,
        "differing-heads": differing_heads,
        "one-column": lambda p: one_column(p, [LOREM_ID, LOREM_EN]),
        "two-columns": lambda p: two_column(
            p,
            [f"left column line {i} alpha beta" for i in range(12)],
            [f"right line {i} gamma" for i in range(12)],
        ),
        "running-heads": running_heads,
        "bilingual-article": bilingual_article,
        "regulation": regulation,
        "image-only": image_only,
    }
    return {name: make(folder / f"{name}.pdf") for name, make in makers.items()}
