"""Lines with coordinates from pypdfium2 text rectangles, and reading order (one or two columns).

pdfium's text rectangles are runs of characters on one baseline; asking for the text inside each
one costs a single call, so a page needs ~100 calls instead of one per character. Rows are built
from rectangles that overlap vertically, split into segments at wide horizontal gaps (a column
gutter), and ordered: full-width segments break the page into bands, and inside a band the left
column is read before the right one. That covers the usual journal first page: a full-width
title/abstract block above two columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median


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
    out = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top)
        # pdfium reports a hyphen it judged to be a line-break hyphen as \x02 (or U+FFFE): keep it as
        # a plain hyphen and let cleanup decide whether to join the word.
        text = text.replace("\r", " ").replace("\n", " ").replace("\x02", "-").replace("\ufffe", "-")
        if not text.strip():
            continue
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


def order_page(frags: list[tuple], number: int, width: float, height: float) -> PageLines:
    rows = _rows(frags)
    segs = [s for row in rows for s in _segments(row, number)]
    if not segs:
        return PageLines(number, width, height, [], 1)
    gx, crossing, left, right = _gutter(segs, width)
    lefts = [s.x1 - s.x0 for s in segs if s.x1 <= gx]
    rights = [s.x1 - s.x0 for s in segs if s.x0 >= gx]
    two = (
        left >= 6
        and right >= 6
        and crossing <= 0.5 * len(segs)
        and median(lefts) > 0.18 * width
        and median(rights) > 0.18 * width
    )
    if not two:
        # One column: a row is one line even when it has wide gaps (labels such as "Menimbang :").
        lines = [_join(row, number) for row in rows]
        lines.sort(key=lambda ln: (ln.top, ln.x0))
        return PageLines(number, width, height, lines, 1)
    segs.sort(key=lambda s: (s.top, s.x0))
    out: list[Line] = []
    band_l: list[Line] = []
    band_r: list[Line] = []

    def flush() -> None:
        out.extend(band_l)
        out.extend(band_r)
        band_l.clear()
        band_r.clear()

    for s in segs:
        if s.x1 <= gx:
            s.column = 1
            band_l.append(s)
        elif s.x0 >= gx:
            s.column = 2
            band_r.append(s)
        else:
            flush()
            out.append(s)
    flush()
    return PageLines(number, width, height, out, 2)


def _split_at_gutter(textpage, frags: list[tuple], width: float, height: float) -> list[tuple]:
    """pdfium sometimes merges the left and right column lines sharing a baseline into one rectangle.

    Find the emptiest narrow vertical strip near the middle (a cheap call into pdfium per probe)
    and cut every rectangle that crosses it where the strip holds no character.
    """
    if len(frags) < 12:
        return frags
    best_x, best_n = 0.0, None
    x = 0.38 * width
    while x <= 0.62 * width:
        n = len(textpage.get_text_bounded(x - 1, 0, x + 1, height).split())
        if best_n is None or n < best_n:
            best_x, best_n = x, n
        x += 3.0
    gx = best_x
    out = []
    for f in frags:
        x0, x1, top, bottom, text = f
        if not (x0 < gx - 1 and x1 > gx + 1):
            out.append(f)
            continue
        pb, pt = height - bottom, height - top  # back to PDF coordinates
        if textpage.get_text_bounded(gx - 1, pb, gx + 1, pt).strip():
            out.append(f)
            continue
        left = textpage.get_text_bounded(x0, pb, gx, pt).replace("\x02", "-").replace("\ufffe", "-")
        right = textpage.get_text_bounded(gx, pb, x1, pt).replace("\x02", "-").replace("\ufffe", "-")
        if left.strip():
            out.append((x0, gx - 1, top, bottom, " ".join(left.split())))
        if right.strip():
            out.append((gx + 1, x1, top, bottom, " ".join(right.split())))
    return out


def page_lines(page, number: int) -> PageLines:
    """Lines of one pypdfium2 page in reading order. The text page is closed before returning."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        frags = _split_at_gutter(textpage, _fragments(textpage, height), width, height)
    finally:
        textpage.close()
    return order_page(frags, number, width, height)
