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
