"""Lines with coordinates from pypdfium2 text rectangles, and reading order (one or two columns).

Character boxes are grouped into runs on one baseline; rows are built from runs that overlap
vertically, split into segments at wide horizontal gaps (a column gutter), and ordered: full-width segments break the page into bands, and inside a band the left
column is read before the right one. That covers the usual journal first page: a full-width
title/abstract block above two columns.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from statistics import median

import pypdfium2.raw as pdfium_c


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float  # distance from the top of the page
    bottom: float
    size: float  # rectangle height: a proxy for the font size
    page: int  # 1-based
    column: int = 0  # 0 = full width / single column, 1 = left, 2 = right


@dataclass
class PageLines:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line]
    columns: int  # 1 or 2


def _fragments(textpage, height: float) -> list[tuple[float, float, float, float, str]]:
    """Runs of characters on one baseline, cut at pdfium's line breaks and at wide gaps.

    One ctypes call per character (pypdfium2's wrappers cost more). Text rectangles would be
    fewer calls, but pdfium's rectangle text picks up overlapping neighbours in letter-spaced
    titles ("FILSAFAFAT"), so characters are the reliable unit.
    """
    n = pdfium_c.FPDFText_CountChars(textpage.raw)
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    if len(text) != n:  # pdfium and the wrapper disagree on indices: fall back to rectangles
        return _rect_fragments(textpage, height)
    box = pdfium_c.FS_RECTF()
    ref = ctypes.byref(box)
    getbox = pdfium_c.FPDFText_GetLooseCharBox
    raw = textpage.raw
    out = []
    chars: list[str] = []
    x0 = x1 = top = bottom = 0.0
    seen: set[tuple[str, int, int]] = set()
    for i, ch in enumerate(text):
        if ch in "\r\n":
            if chars:
                out.append((x0, x1, height - top, height - bottom, "".join(chars)))
                chars = []
            continue
        getbox(raw, i, ref)
        left, right, t, b = box.left, box.right, box.top, box.bottom
        if ch == " " or ch == "\x00":
            if chars:
                chars.append(" ")
            continue
        # "Fake bold": the same glyph drawn again a fraction of a point away. Keep it once.
        key = (ch, int(left), int(b))
        if key in seen:
            continue
        seen.add(key)
        if chars:
            size = top - bottom
            mid = (t + b) / 2
            if left - x1 > max(0.8 * size, 6.0) or left < x0 - 1 or not (bottom - 0.3 * size < mid < top + 0.3 * size):
                out.append((x0, x1, height - top, height - bottom, "".join(chars)))
                chars = []
        if not chars:
            x0, x1, top, bottom = left, right, t, b
        else:
            x1 = max(x1, right)
            if t - b > top - bottom:  # the tallest glyph box defines the run, not superscripts
                top, bottom = t, b
        chars.append(ch)
    if chars:
        out.append((x0, x1, height - top, height - bottom, "".join(chars)))
    return [(f[0], f[1], f[2], f[3], f[4].replace("\x02", "-").replace("\ufffe", "-")) for f in out if f[4].strip()]


def _rect_fragments(textpage, height: float) -> list[tuple[float, float, float, float, str]]:
    out = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top)
        # pdfium reports a hyphen it judged to be a line-break hyphen as \x02 (or U+FFFE): keep it as
        # a plain hyphen and let cleanup decide whether to join the word.
        text = text.replace("\r", " ").replace("\n", " ").replace("\x02", "-").replace("\ufffe", "-")
        if text.strip():
            out.append((left, right, height - top, height - bottom, text))
    return out


def _rows(frags: list[tuple[float, float, float, float, str]]) -> list[list[tuple]]:
    frags = sorted(frags, key=lambda f: ((f[2] + f[3]) / 2, f[0]))
    rows: list[list[tuple]] = []
    core_top = core_bot = 0.0
    for f in frags:
        h = max(f[3] - f[2], 0.1)
        if rows:
            overlap = min(core_bot, f[3]) - max(core_top, f[2])
            if overlap >= 0.4 * min(h, core_bot - core_top):
                rows[-1].append(f)
                if h > core_bot - core_top:  # the tallest fragment defines the row, not superscripts
                    core_top, core_bot = f[2], f[3]
                continue
        rows.append([f])
        core_top, core_bot = f[2], f[3]
    return rows


def _join(frags: list[tuple], page: int) -> Line:
    frags = sorted(frags, key=lambda f: f[0])
    size = median(f[3] - f[2] for f in frags)
    parts: list[str] = []
    prev_x1 = None
    for f in frags:
        t = f[4]
        if parts and prev_x1 is not None:
            gap = f[0] - prev_x1
            if gap > 0.15 * size and not parts[-1].endswith(" ") and not t.startswith(" "):
                parts.append(" ")
        parts.append(t)
        prev_x1 = f[1]
    text = " ".join("".join(parts).split())
    return Line(
        text=text,
        x0=min(f[0] for f in frags),
        x1=max(f[1] for f in frags),
        top=min(f[2] for f in frags),
        bottom=max(f[3] for f in frags),
        size=size,
        page=page,
    )


def _segments(row: list[tuple], page: int) -> list[Line]:
    row = sorted(row, key=lambda f: f[0])
    size = median(f[3] - f[2] for f in row)
    groups: list[list[tuple]] = [[row[0]]]
    right = row[0][1]
    for f in row[1:]:
        if f[0] - right > max(0.8 * size, 6.0):
            groups.append([f])
        else:
            groups[-1].append(f)
        right = max(right, f[1])
    return [_join(g, page) for g in groups]


def _gutter(segs: list[Line], width: float) -> tuple[float, int, int, int]:
    """The x position in the middle of the page crossed by the fewest segments."""
    best = (width / 2, len(segs) + 1, 0, 0)
    x = 0.35 * width
    while x <= 0.65 * width:
        crossing = left = right = 0
        for s in segs:
            if s.x1 <= x:
                left += 1
            elif s.x0 >= x:
                right += 1
            else:
                crossing += 1
        if crossing < best[1] or (crossing == best[1] and abs(x - width / 2) < abs(best[0] - width / 2)):
            best = (x, crossing, left, right)
        x += 3.0
    return best


def _single(rows: list[list[tuple]], number: int, width: float, height: float) -> PageLines:
    # One column: a row is one line even when it has wide gaps (labels such as "Menimbang :").
    lines = [_join(row, number) for row in rows]
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return PageLines(number, width, height, lines, 1)


def order_page(frags: list[tuple], number: int, width: float, height: float) -> PageLines:
    rows = _rows(frags)
    segs = [s for row in rows for s in _segments(row, number)]
    if not segs:
        return PageLines(number, width, height, [], 1)
    gx, crossing, left, right = _gutter(segs, width)
    if left < 6 or right < 6:
        return _single(rows, number, width, height)
    # Re-join each row's words on either side of the gutter (justified text has wide word gaps).
    halves: list[Line] = []
    for row in rows:
        lrow = [f for f in row if f[1] <= gx]
        rrow = [f for f in row if f[0] >= gx]
        if len(lrow) + len(rrow) < len(row):
            halves.append(_join(row, number))
            continue
        for part, col in ((lrow, 1), (rrow, 2)):
            if part:
                ln = _join(part, number)
                ln.column = col
                halves.append(ln)
    lefts = [ln.x1 - ln.x0 for ln in halves if ln.column == 1]
    rights = [ln.x1 - ln.x0 for ln in halves if ln.column == 2]
    two = (
        len(lefts) >= 6
        and len(rights) >= 6
        and crossing <= 0.5 * len(segs)
        and median(lefts) > 0.18 * width
        and median(rights) > 0.18 * width
    )
    if not two:
        return _single(rows, number, width, height)
    halves.sort(key=lambda s: (s.top, s.x0))
    out: list[Line] = []
    band_l: list[Line] = []
    band_r: list[Line] = []

    def flush() -> None:
        out.extend(band_l)
        out.extend(band_r)
        band_l.clear()
        band_r.clear()

    # Full-width lines break the page into bands; inside a band the left column comes first.
    for s in halves:
        if s.column == 1:
            band_l.append(s)
        elif s.column == 2:
            band_r.append(s)
        else:
            flush()
            out.append(s)
    flush()
    return PageLines(number, width, height, out, 2)


def page_lines(page, number: int) -> PageLines:
    """Lines of one pypdfium2 page in reading order. The text page is closed before returning."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        frags = _fragments(textpage, height)
    finally:
        textpage.close()
    return order_page(frags, number, width, height)
