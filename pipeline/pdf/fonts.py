"""Font size, weight and slant of the lines on a document's first pages, from pdfium.

Line heights from loose character boxes are a fair proxy for type size, but some fonts carry
boxes several lines tall, and they say nothing of weight: the title of a report is often the
only bold text of its size on the cover. A line is found in the page's text by its first words
(lines come in about the text's order, so the search goes on from the previous line), and five
of its characters are asked their size; their median is not fooled by a drop capital, the
initials of a title in small capitals or one italic word. Where the words cannot be found the
characters under the line's box are asked instead, a slower search. First pages only: the cost
is a text page and a few calls per line.
"""

from __future__ import annotations

import ctypes
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.pdf import regulation
from pipeline.pdf.layout import Line

MAX_LINES = 120  # per page: a title, front matter and an abstract come before this
_SEARCHED = 60  # lines per page that may fall back to the search by position (the head of the page)
PAGES = 3  # the title, front matter and abstract are on the first pages (after a cover page)
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.I)
_ITALIC_NAME = re.compile(r"italic|oblique", re.I)
_ITALIC_FLAG = 1 << 6  # FXFONT_ITALIC in the font descriptor flags
_LOOKAHEAD = 4000  # characters: a line found further on than this is searched from the top


class _Box:
    def __init__(self) -> None:
        self.left, self.right, self.bottom, self.top = (ctypes.c_double() for _ in range(4))


def _page_text(textpage) -> str | None:
    n = pdfium_c.FPDFText_CountChars(textpage.raw)
    if n <= 0:
        return None
    text = textpage.get_text_range(0, n)
    if len(text) != n:  # a character outside the BMP takes two indices in pdfium: pad to stay in step
        text = "".join(ch + "\uffff" if ord(ch) > 0xFFFF else ch for ch in text)
    return text if len(text) == n else None


def _char_box(raw, idx: int, box: _Box) -> bool:
    return bool(
        pdfium_c.FPDFText_GetCharBox(
            raw,
            idx,
            ctypes.byref(box.left),
            ctypes.byref(box.right),
            ctypes.byref(box.bottom),
            ctypes.byref(box.top),
        )
    )


def _key(ln: Line) -> str:
    return " ".join(ln.text.split()[:3])[:24].rstrip("-")


def _frame(raw, text: str, lines: list[Line], page) -> tuple[float, float] | None:
    """(dx, dy) taking a line's coordinates to pdfium's: x = line x + dx, y = dy - line y.

    The layout measures from a corner of the page box, which pdfium's coordinates may not start
    at (a crop box off the origin): the frame is read off lines whose first words occur once in
    the page text. None when they disagree: text turned from the page's frame, where type is not
    asked."""
    box, found = _Box(), []
    for ln in lines[:60]:
        key = _key(ln)
        if len(key) < 8 or text.count(key) != 1:
            continue
        at = text.find(key)
        if _char_box(raw, at, box):
            found.append(
                (box.left.value - ln.x0, (box.top.value + box.bottom.value + ln.top + ln.bottom) / 2)
            )
        if len(found) == 3:
            break
    if not found:
        left, _, _, top = page.get_bbox()
        return left, top
    dxs, dys = sorted(f[0] for f in found), sorted(f[1] for f in found)
    if dxs[-1] - dxs[0] > 4 or dys[-1] - dys[0] > 4:
        return None
    return dxs[len(dxs) // 2], dys[len(dys) // 2]


def _on_line(raw, idx: int, ln: Line, frame: tuple[float, float], box: _Box) -> bool:
    """Whether character idx sits on the line (the same words may also be printed elsewhere)."""
    if not _char_box(raw, idx, box):
        return False
    mid = frame[1] - (box.top.value + box.bottom.value) / 2
    left = box.left.value - frame[0]
    return ln.top - 2 <= mid <= ln.bottom + 2 and ln.x0 - 2 <= left <= ln.x1 + 2


def _by_text(raw, text: str, ln: Line, cursor: int, frame: tuple[float, float], box) -> tuple[list[int], int]:
    """Indices of five characters of the line, found by its first words in the page text."""
    key = _key(ln)
    if not key:
        return [], cursor
    at = text.find(key, cursor, cursor + _LOOKAHEAD)
    tries = 0
    while at >= 0 and not _on_line(raw, at, ln, frame, box) and tries < 3:
        at = text.find(key, at + 1)
        tries += 1
    if at < 0 or tries == 3:
        at = text.find(key)
        if at < 0 or not _on_line(raw, at, ln, frame, box):
            return [], cursor
    # The run of text the line starts with ends at pdfium's line break: a line the layout joined
    # from two places of the page (a title and a sidebar beside it) is sampled in its first part.
    end = text.find("\n", at)
    span = max(1, min(len(ln.text), (end if end > 0 else len(text)) - at))
    out = []
    for k in range(5):
        pos = at + k * span // 5
        # The nearest letter or digit: a space, a bullet or a check box says nothing of the type.
        for p in range(pos, min(pos + 4, len(text))):
            if text[p].isalnum():
                out.append(p)
                break
    return out, at + len(key)


def _by_position(raw, ln: Line, frame: tuple[float, float]) -> list[int]:
    """Indices of characters under five points along the line's box (a search over the page)."""
    y = frame[1] - (ln.top + ln.bottom) / 2
    tol_y = max((ln.bottom - ln.top) / 2, 1.0)
    width = ln.x1 - ln.x0
    out = []
    for x in (ln.x0 + 1.5, *(ln.x0 + k * width / 5 for k in (1, 2, 3, 4))):
        idx = pdfium_c.FPDFText_GetCharIndexAtPos(raw, x + frame[0], y, 2.0, tol_y)
        if idx >= 0 and chr(pdfium_c.FPDFText_GetUnicode(raw, idx) or 32).isalnum():
            out.append(idx)
    return out


def wanted(index: int, lines: list[Line], earlier: list) -> bool:
    """Whether page ``index`` (0-based; ``lines`` its lines, ``earlier`` the pages read before it)
    needs fonts: one of the first pages of a document that is not a legal instrument, whose
    fields come from its heading block, not from type."""
    if index >= PAGES:
        return False
    first = next((p.lines for p in earlier if p.lines), None)
    if first is not None:  # decided on the first page with text: go on as it went
        return any(ln.font_size for ln in first[:MAX_LINES])
    return regulation.detect(lines) is None


def annotate(page, lines: list[Line]) -> None:
    """Fill ``font_size``, ``bold`` and ``italic`` of the lines of one pypdfium2 page, in place.

    Type refines the fields; it is not needed to read the page: a page whose characters pdfium
    will not describe keeps its lines as they are (and fails, if at all, where the text is read)."""
    try:
        _annotate(page, lines)
    except pdfium.PdfiumError:
        return


def _annotate(page, lines: list[Line]) -> None:
    if not lines or page.get_rotation():
        return  # a turned page: its lines are in another frame than pdfium's characters
    textpage = page.get_textpage()
    try:
        raw = textpage.raw
        text = _page_text(textpage)
        if text is None:  # pdfium's text out of step with its indices: by position only
            left, _, _, top = page.get_bbox()
            frame: tuple[float, float] | None = (left, top)
        else:
            frame = _frame(raw, text, lines, page)
        if frame is None:
            return
        matrix = pdfium_c.FS_MATRIX()
        name = ctypes.create_string_buffer(128)
        flags = ctypes.c_int()
        cursor = 0
        box = _Box()
        for n, ln in enumerate(lines[:MAX_LINES]):
            found: list[int] = []
            if text is not None:
                found, cursor = _by_text(raw, text, ln, cursor, frame, box)
            if not found and n < _SEARCHED:
                found = _by_position(raw, ln, frame)
            sizes = []
            for idx in found:
                size = pdfium_c.FPDFText_GetFontSize(raw, idx)
                # The nominal size is often 1 with the scale in the text matrix: size the glyph as drawn.
                if pdfium_c.FPDFText_GetMatrix(raw, idx, matrix):
                    if abs(matrix.b) + abs(matrix.c) > 0.05 * (abs(matrix.a) + abs(matrix.d)):
                        continue  # a rotated watermark ("Specimen") across the line, not the line
                    size *= abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
                sizes.append((size, idx))
            if not sizes:
                continue
            sizes.sort()
            ln.font_size = round(sizes[len(sizes) // 2][0], 2)
            # Weight and slant by a vote of the middle samples (a leading italic word is outvoted).
            votes = [idx for _, idx in sizes[max(0, len(sizes) // 2 - 1) : len(sizes) // 2 + 2]]
            bold = italic = 0
            for idx in votes:
                flags.value = 0
                name.value = b""  # pdfium leaves the buffer alone when a name does not fit
                pdfium_c.FPDFText_GetFontInfo(raw, idx, name, len(name), ctypes.byref(flags))
                font = name.value.decode("latin-1", "replace")
                bold += pdfium_c.FPDFText_GetFontWeight(raw, idx) >= 600 or bool(_BOLD_NAME.search(font))
                italic += bool(flags.value & _ITALIC_FLAG) or bool(_ITALIC_NAME.search(font))
            ln.bold = 2 * bold > len(votes)
            ln.italic = 2 * italic > len(votes)
    finally:
        textpage.close()
