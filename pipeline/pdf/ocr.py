"""Scanned pages: tell a missing or garbage text layer apart from real text, and OCR with Tesseract.

OCR is optional (``pip install govtext[ocr]`` plus the system packages ``tesseract-ocr`` and
``tesseract-ocr-ind``); without it scanned PDFs are reported as needing OCR.
"""

from __future__ import annotations

import re
import shutil
from functools import lru_cache
from itertools import islice

from pipeline.pdf.layout import Line, PageLines

NEEDS_OCR_MESSAGE = (
    "no text layer; needs OCR (install tesseract-ocr tesseract-ocr-ind and pytesseract: see README)"
)
_WORD = re.compile(r"^(?:[A-Z]?[a-z]{2,}|[A-Z]{2,}|\d+(?:[.,]\d+)*|[a-z])$")
_VOWEL = re.compile(r"[aeiouAEIOU]")


def _token_weight(tok: str) -> int:
    """Characters of a token that count as plausible text: all of them, or none."""
    core = tok.strip(".,;:!?()[]\"'“”‘’«»-–—/")
    if core and _WORD.match(core) and (core[0].isdigit() or len(core) < 4 or _VOWEL.search(core)):
        return len(tok)
    return 0


# Words repeat across pages ("yang", "the"): judging each distinct token once makes this cheap.
_token_weight_cached = lru_cache(maxsize=1 << 16)(_token_weight)


def text_quality(text: str) -> float:
    """Share of characters that belong to plausible words (0..1). OCR garbage scores low."""
    toks = text.split()
    total = sum(map(len, toks))
    return sum(map(_token_weight_cached, toks)) / total if total else 0.0


def page_has_text(text: str) -> bool:
    """A page has a usable text layer: some characters, and mostly word-like ones."""
    if sum(1 for _ in islice(filter(str.isalpha, text), 15)) < 15:
        return False
    return text_quality(text[:4000]) >= 0.5


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

    scale = dpi / 72.0
    width, height = page.get_size()
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
