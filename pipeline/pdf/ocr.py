"""Scanned pages: tell a missing or garbage text layer apart from real text, and OCR with Tesseract.

OCR is optional (``pip install govtext[ocr]`` plus the system packages ``tesseract-ocr`` and
``tesseract-ocr-ind``); without it scanned PDFs are reported as needing OCR.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from functools import lru_cache
from itertools import islice

import pypdfium2.raw as pdfium_c

from pipeline.pdf.layout import Line, PageLines

OCR_HINT = "needs OCR (install tesseract-ocr tesseract-ocr-ind and pytesseract: see README)"
NEEDS_OCR_MESSAGE = f"no text layer; {OCR_HINT}"
OCR_OFF_MESSAGE = "no text layer (OCR is off)"

SCAN_IMAGE_SHARE = 0.5  # images over at least this share of a page make it a scan
BARE_IMAGE_SHARE = 0.15  # ...or this much, on a page with no text at all (lines of text as images)
STAMP_LETTERS = 50  # a scan's text layer this short is a stamp ("www.peraturan.go.id"), not its text
SCAN_MIN_QUALITY = 0.6  # an OCR layer over a scan below this is poor (good ones score 0.75-1)...
POOR_MIN_QUALITY = 0.4  # ...and below this, garbage (jumbles of scraps score 0.1-0.3)
MAX_OCR_PIXELS = 40_000_000  # the bitmap of one page for Tesseract (A4 at 200 dpi is 3.9 million)
TEXT_MIN_QUALITY = 0.2  # a born-digital page below this is not text (a broken font encoding)

# Punctuation and symbols that may wrap a word: quotes, brackets, commas, bullets...
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
# ...and the ones a word may hold inside: e-government, dan/atau, U.S., 10:30, www.x.go.id, 5%.
_INNER = frozenset("-\u2010\u2011\u00ad'\u2019./_:@&+#%,\u00b7~=?")
# A Latin run reads as a word: lower case, Capitalised, ALL CAPS (NGOs), or CamelCase humps of at
# least two lower-case letters (PeduliLindungi, eGovernment). OCR garbage mixes case at random.
_LATIN_CASE = re.compile(
    "^(?:[A-Z\u00c0-\u00de]?[a-z\u00df-\u024f]+(?:[A-Z\u00c0-\u00de][a-z\u00df-\u024f]{2,})*|[A-Z\u00c0-\u00de]+s?)$"
)
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_VOWEL = re.compile(
    "[aeiouyAEIOUY\u00c0-\u00c6\u00c8-\u00cf\u00d2-\u00d6\u00d8-\u00dd\u00e0-\u00e6\u00e8-\u00ef\u00f2-\u00f6\u00f8-\u00fd]"
)


def _token_score(tok: str) -> tuple[int, int]:
    """(good, counted) for one whitespace-separated token: (1, 1) when it reads as a word or a
    number in any script, (0, 1) when it does not, (0, 0) when it says nothing either way."""
    core = _EDGES.sub("", tok)
    if not core:
        # "........" leaders, "—", "•", "|": no evidence; a jumble of marks ("-;:-,,;") is garbage.
        return (0, 0) if len(set(tok)) == 1 or len(tok) <= 3 else (0, 1)
    runs = _LETTER_RUN.findall(core)
    latin = core.isascii() or all(ord(c) < 0x250 for run in runs for c in run)
    for ch in core:
        if ch.isalnum() or ch in _INNER or unicodedata.category(ch)[0] == "M":
            continue
        # Scripts written without spaces carry their punctuation inside a token (。、「」).
        if not latin and unicodedata.category(ch)[0] == "P":
            continue
        return 0, 1  # brackets, quotes or symbols inside a word: "f1(Ltt'r", "(goCdLc="
    if not runs:
        return 1, 1  # numbers, dates, amounts
    if len(core) <= 2 and core.isascii() and core.isalpha():
        # "o", "N", "cl": too short to judge, but OCR garbage is full of such scraps, so they weigh
        # against; in real text they are a small share ("of", "di").
        return 0, 1
    for run in runs:
        if run.isascii() or all(ord(c) < 0x250 for c in run):  # Latin
            if not _LATIN_CASE.match(run):
                return 0, 1
            if len(run) >= 5 and not _VOWEL.search(run):
                return 0, 1
    return 1, 1


_token_score_cached = lru_cache(maxsize=1 << 16)(_token_score)


def text_quality(text: str) -> float:
    """Share of tokens that read as words or numbers, in any script (0..1). OCR garbage scores
    low; clean text scores high whatever its script, accents, tables or CamelCase names."""
    good = total = 0
    for tok in text.split():
        g, c = _token_score_cached(tok)
        good += g
        total += c
    return good / total if total else 0.0


def image_share(page) -> float:
    """Share of a pypdfium2 page covered by images (summed, capped at 1)."""
    width, height = page.get_size()
    area = max(width * height, 1.0)
    covered = 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        covered += max(0.0, right - left) * max(0.0, top - bottom)
        if covered >= area:
            return 1.0
    return covered / area


def classify(text: str, page) -> str:
    """What a page's text layer is:

    - "text": text;
    - "poor": an OCR layer over a scanned page, half garbled (OCR would do better; without OCR it
      is the page's only text);
    - "scan": an image of a page with no text layer, only a short stamp, or OCR garbage;
    - "garbled": born-digital characters that do not read as text (a broken font encoding);
    - "empty": blank, or drawings only.

    Script-neutral: any writing system counts as text. Only pages with little or odd text pay
    for the look at their images.
    """
    letters = sum(1 for _ in islice(filter(str.isalpha, text), STAMP_LETTERS))
    q = text_quality(text[:4000]) if letters >= STAMP_LETTERS else 1.0
    if letters >= STAMP_LETTERS and q >= SCAN_MIN_QUALITY:
        return "text"
    images = image_share(page)
    if not letters:
        return "scan" if images >= BARE_IMAGE_SHARE else "empty"
    if images >= SCAN_IMAGE_SHARE:
        if letters < STAMP_LETTERS or q < POOR_MIN_QUALITY:
            return "scan"
        return "poor"
    return "text" if q >= TEXT_MIN_QUALITY else "garbled"


@lru_cache(maxsize=1)
def tesseract_available() -> bool:
    if shutil.which("tesseract") is None:
        return False
    try:
        import pytesseract  # noqa: F401
    except ImportError:
        return False
    return True


def ocr_page(page, number: int, langs: str = "ind+eng", dpi: int = 200) -> PageLines:
    """OCR one pypdfium2 page into positioned lines (points, top-down), Tesseract's reading order."""
    import pytesseract

    width, height = page.get_size()
    # A page of absurd size (a MediaBox of a billion points) must not become a bitmap to match.
    scale = min(dpi / 72.0, (MAX_OCR_PIXELS / max(width * height, 1.0)) ** 0.5)
    bitmap = page.render(scale=scale)
    try:
        image = bitmap.to_pil()
        data = pytesseract.image_to_data(image, lang=langs, output_type=pytesseract.Output.DICT)
    finally:
        bitmap.close()
    rows: dict[tuple[int, int, int], list[int]] = {}
    for k, word in enumerate(data["text"]):
        if word and word.strip():
            rows.setdefault((data["block_num"][k], data["par_num"][k], data["line_num"][k]), []).append(k)
    lines = []
    for ks in rows.values():
        x0 = min(data["left"][k] for k in ks) / scale
        x1 = max(data["left"][k] + data["width"][k] for k in ks) / scale
        top = min(data["top"][k] for k in ks) / scale
        bottom = max(data["top"][k] + data["height"][k] for k in ks) / scale
        text = " ".join(data["text"][k].strip() for k in ks)
        lines.append(Line(text, x0, x1, top, bottom, bottom - top, number))
    return PageLines(number, width, height, lines, 1)
