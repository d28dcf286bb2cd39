"""Font size, weight and slant of the lines on a document's first pages, from pdfium.

Line heights from loose character boxes are a fair proxy for type size, but some fonts carry
boxes several lines tall, and they say nothing of weight: the title of a report is often the
only bold text of its size on the cover. One character per line is asked (the one under the
line's left edge), on the first pages only, so the cost is a text page and a few calls per line.
"""

from __future__ import annotations

import ctypes
import re

import pypdfium2.raw as pdfium_c

from pipeline.pdf.layout import Line

PAGES = 3  # the title, front matter and abstract are on the first pages (after a cover page)
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_ITALIC_NAME = re.compile(r"italic|oblique", re.I)
_ITALIC_FLAG = 1 << 6  # FXFONT_ITALIC in the font descriptor flags


def _char_at(raw, ln: Line, height: float) -> int:
    """Index of a character on the line: near its left edge, else in its middle."""
    y = height - (ln.top + ln.bottom) / 2
    tol_y = max((ln.bottom - ln.top) / 2, 1.0)
    for x in (ln.x0 + 1.5, (ln.x0 + ln.x1) / 2):
        idx = pdfium_c.FPDFText_GetCharIndexAtPos(raw, x, y, 2.0, tol_y)
        if idx >= 0:
            return idx
    return -1


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
        for ln in lines:
            idx = _char_at(raw, ln, height)
            if idx < 0:
                continue
            size = pdfium_c.FPDFText_GetFontSize(raw, idx)
            # The nominal size is often 1 with the scale in the text matrix: size the glyph as drawn.
            if pdfium_c.FPDFText_GetMatrix(raw, idx, matrix):
                size *= abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
            weight = pdfium_c.FPDFText_GetFontWeight(raw, idx)
            flags.value = 0
            name.value = b""  # pdfium leaves the buffer alone when a name does not fit
            pdfium_c.FPDFText_GetFontInfo(raw, idx, name, len(name), ctypes.byref(flags))
            font = name.value.decode("latin-1", "replace")
            ln.font_size = round(size, 2)
            ln.bold = weight >= 600 or bool(_BOLD_NAME.search(font))
            ln.italic = bool(flags.value & _ITALIC_FLAG) or bool(_ITALIC_NAME.search(font))
    finally:
        textpage.close()
