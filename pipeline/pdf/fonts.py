"""Font size, weight and slant of the lines on a document's first pages, from pdfium.

Line heights from loose character boxes are a fair proxy for type size, but some fonts carry
boxes several lines tall, and they say nothing of weight: the title of a report is often the
only bold text of its size on the cover. Five characters per line are asked, on the first pages
only, so the cost is a text page and a few calls per line.
"""

from __future__ import annotations

import ctypes
import re

import pypdfium2.raw as pdfium_c

from pipeline.pdf.layout import Line

MAX_LINES = 300  # per page: a title, front matter and an abstract come well before this
PAGES = 3  # the title, front matter and abstract are on the first pages (after a cover page)
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_ITALIC_NAME = re.compile(r"italic|oblique", re.I)
_ITALIC_FLAG = 1 << 6  # FXFONT_ITALIC in the font descriptor flags


def _chars(raw, ln: Line, height: float) -> list[int]:
    """Indices of characters at five points along the line: the median of five is not fooled by a
    drop capital, the initials of a title in small capitals or one italic word."""
    y = height - (ln.top + ln.bottom) / 2
    tol_y = max((ln.bottom - ln.top) / 2, 1.0)
    width = ln.x1 - ln.x0
    out = []
    for x in (ln.x0 + 1.5, *(ln.x0 + k * width / 5 for k in (1, 2, 3, 4))):
        idx = pdfium_c.FPDFText_GetCharIndexAtPos(raw, x, y, 2.0, tol_y)
        if idx >= 0:
            out.append(idx)
    return out


def annotate(page, lines: list[Line]) -> None:
    """Fill ``font_size``, ``bold`` and ``italic`` of the lines of one pypdfium2 page, in place."""
    if not lines:
        return
    height = page.get_height()
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        matrix = pdfium_c.FS_MATRIX()
        name = ctypes.create_string_buffer(128)
        flags = ctypes.c_int()
        for ln in lines[:MAX_LINES]:
            samples = []
            found = _chars(raw, ln, height)
            # Letters and digits only: a symbol (a form's check box, a bullet) may come from a font
            # drawn at ten times the size of the text beside it.
            letters = [i for i in found if chr(pdfium_c.FPDFText_GetUnicode(raw, i) or 32).isalnum()]
            for idx in letters or found:
                size = pdfium_c.FPDFText_GetFontSize(raw, idx)
                # The nominal size is often 1 with the scale in the text matrix: size the glyph as drawn.
                if pdfium_c.FPDFText_GetMatrix(raw, idx, matrix):
                    if abs(matrix.b) + abs(matrix.c) > 0.05 * (abs(matrix.a) + abs(matrix.d)):
                        continue  # a rotated watermark ("Specimen") across the line, not the line
                    size *= abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
                weight = pdfium_c.FPDFText_GetFontWeight(raw, idx)
                flags.value = 0
                name.value = b""  # pdfium leaves the buffer alone when a name does not fit
                pdfium_c.FPDFText_GetFontInfo(raw, idx, name, len(name), ctypes.byref(flags))
                font = name.value.decode("latin-1", "replace")
                bold = weight >= 600 or bool(_BOLD_NAME.search(font))
                italic = bool(flags.value & _ITALIC_FLAG) or bool(_ITALIC_NAME.search(font))
                samples.append((size, bold, italic))
            if not samples:
                continue
            ln.font_size = round(sorted(s[0] for s in samples)[len(samples) // 2], 2)
            ln.bold = 2 * sum(s[1] for s in samples) > len(samples)
            ln.italic = 2 * sum(s[2] for s in samples) > len(samples)
    finally:
        textpage.close()
