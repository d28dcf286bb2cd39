"""Lines with coordinates from pypdfium2 text rectangles, and reading order (one or two columns).

Character boxes are grouped into runs on one baseline; rows are built from runs that overlap
vertically, split into segments at wide horizontal gaps (a column gutter), and ordered: full-width segments break the page into bands, and inside a band the left
column is read before the right one. That covers the usual journal first page: a full-width
title/abstract block above two columns.
"""

from __future__ import annotations

import ctypes
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from operator import itemgetter
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
    # Type of the line (median of a few characters), first pages only (pipeline.pdf.fonts); 0 = unknown.
    font_size: float = 0.0
    bold: bool = False
    italic: bool = False


@dataclass
class PageLines:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line]
    columns: int  # 1 or 2


# pdfium joins a word hyphenated at a line end into one token ("pe\ufffelayanan"): cut after the mark.
_WORD = re.compile(r"[^ \r\n\x00\ufffe\x02]+[\ufffe\x02]?|[\ufffe\x02]")


def _fragments(textpage, height: float) -> list[tuple[float, float, float, float, str]]:
    """Runs of words on one baseline, cut at pdfium's line breaks and at wide gaps.

    pdfium's page text already has the right characters, spaces and line breaks; boxes are only
    needed at word edges (a gap wide enough to be a column gutter always carries a space), so a
    word costs two ctypes calls however long it is. Text rectangles would be fewer calls, but
    their text picks up overlapping neighbours in letter-spaced titles ("FILSAFAFAT").
    This loop is the reader's hottest Python code: it keeps to locals and builds no object per word.
    """
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    if n <= 0:
        return []
    text = textpage.get_text_range(0, n)
    if len(text) != n:
        # pdfium counts a character outside the BMP (math italic 𝑇) as two indices; pad so that
        # string positions stay character indices, and drop the padding from the words.
        text = "".join(ch + "\uffff" if ord(ch) > 0xFFFF else ch for ch in text)
        if len(text) != n:  # still out of step: fall back to rectangles
            return _rect_fragments(textpage, height)
    box = pdfium_c.FS_RECTF()
    ref = ctypes.byref(box)
    getbox = pdfium_c.FPDFText_GetLooseCharBox
    out = []
    append = out.append
    words: list[str] = []
    x0 = x1 = top = bottom = 0.0
    seen: set[tuple[str, int, int]] = set()
    prev_end = 0
    # Word spans in one C-level pass; the separators between words tell line breaks apart.
    for start, end in [m.span() for m in _WORD.finditer(text)]:
        getbox(raw, start, ref)
        left = box.left
        t = box.top
        b = box.bottom
        if end - 1 > start:
            getbox(raw, end - 1, ref)
        right = box.right
        word = text[start:end]
        # "Fake bold": the same word drawn again a fraction of a point away. Keep it once.
        key = (word, int(left), int(b))
        if key in seen:
            prev_end = end
            continue
        seen.add(key)
        if words:
            size = top - bottom
            mid = (t + b) / 2
            if (
                left - x1 > (0.8 * size if size > 7.5 else 6.0)
                or left < x0 - 1
                or not (bottom - 0.3 * size < mid < top + 0.3 * size)
                or (start - prev_end and _BREAK.search(text, prev_end, start))
            ):
                append((x0, x1, height - top, height - bottom, " ".join(words)))
                words = [word]
                x0, x1, top, bottom = left, right, t, b
                prev_end = end
                continue
            if right > x1:
                x1 = right
            if t - b > size:  # the tallest box defines the run, not superscripts
                top, bottom = t, b
            words.append(word)
        else:
            x0, x1, top, bottom = left, right, t, b
            words = [word]
        prev_end = end
    if words:
        append((x0, x1, height - top, height - bottom, " ".join(words)))
    if _MARKS.search(text):
        return [(f[0], f[1], f[2], f[3], f[4].translate(_MARK_MAP)) for f in out]
    return out


_BREAK = re.compile(r"[\r\n]")
_MARKS = re.compile("[\x02\ufffe\uffff]")
_MARK_MAP = str.maketrans({"\x02": "-", "\ufffe": "-", "\uffff": None})


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


def _median(values: list[float]) -> float:
    # statistics.median's result, without its generality: this runs once per line.
    if len(values) == 1:
        return values[0]
    values = sorted(values)
    n = len(values)
    return values[n // 2] if n % 2 else (values[n // 2 - 1] + values[n // 2]) / 2


def _join(frags: list[tuple], page: int) -> Line:
    if len(frags) == 1:
        f = frags[0]
        return Line(_unrepeat(" ".join(f[4].split())), f[0], f[1], f[2], f[3], f[3] - f[2], page)
    frags = sorted(frags, key=_X0)
    size = _median([f[3] - f[2] for f in frags])
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
    text = _unrepeat(" ".join("".join(parts).split()))
    return Line(
        text=text,
        x0=min(f[0] for f in frags),
        x1=max(f[1] for f in frags),
        top=min(f[2] for f in frags),
        bottom=max(f[3] for f in frags),
        size=size,
        page=page,
    )


_X0 = itemgetter(0)


def _unrepeat(text: str) -> str:
    """Text printed twice over itself (a shadow or fake bold at an offset) reads "TENTANGTENTANGT"."""
    if len(text) < 8:
        return text
    p = text.find(text[:4], 4)
    while 0 < p <= len(text) // 2:
        if all(text[i] == text[i - p] for i in range(p, len(text))):
            return text[:p].rstrip()
        p = text.find(text[:4], p + 1)
    return text


def _segments(row: list[tuple]) -> list[tuple[float, float]]:
    """(x0, x1) of the pieces of a row between wide gaps: all the gutter search needs."""
    if len(row) == 1:
        return [(row[0][0], row[0][1])]
    row = sorted(row, key=_X0)
    size = _median([f[3] - f[2] for f in row])
    wide = max(0.8 * size, 6.0)
    out: list[tuple[float, float]] = []
    x0, right = row[0][0], row[0][1]
    seg_x1 = right
    for f in row[1:]:
        if f[0] - right > wide:
            out.append((x0, seg_x1))
            x0, seg_x1 = f[0], f[1]
        elif f[1] > seg_x1:
            seg_x1 = f[1]
        if f[1] > right:
            right = f[1]
    out.append((x0, seg_x1))
    return out


def _gutter(
    segs: list[tuple[float, float]], width: float, lo: float = 0.35, hi: float = 0.65
) -> tuple[float, int, int, int]:
    """The x position in the middle of the page crossed by the fewest segments."""
    best = (width / 2, len(segs) + 1, 0, 0)
    # Counting by bisection over sorted edges; a segment of no width never crosses: it is left of
    # x when it ends at or before x, else right.
    starts = sorted(s[0] for s in segs if s[0] < s[1])
    ends = sorted(s[1] for s in segs)
    flat = sorted(s[1] for s in segs if s[0] >= s[1])
    total = len(segs)
    x = lo * width
    while x <= hi * width:
        left = bisect_right(ends, x)  # segments ending at or before x
        right = len(starts) - bisect_left(starts, x) + len(flat) - bisect_right(flat, x)
        crossing = total - left - right
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
    segs = [s for row in rows for s in _segments(row)]
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
            ln = _join(row, number)
            ln.column = 0
            ln._row = row  # type: ignore[attr-defined]  # kept for the full-width band split below
            halves.append(ln)
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

    wide: list[Line] = []

    def flush_wide() -> None:
        out.extend(_split_band(wide, number, width))
        wide.clear()

    # Full-width lines break the page into bands; inside a band the left column comes first.
    for k, s in enumerate(halves):
        if s.column and wide and any(h.column == 0 for h in halves[k + 1 : k + 3]):
            # A short line sandwiched between full-width rows belongs to their block (a sidebar).
            s._row = [(s.x0, s.x1, s.top, s.bottom, s.text)]  # type: ignore[attr-defined]
            s.column = 0
            wide.append(s)
        elif s.column == 1:
            flush_wide()
            band_l.append(s)
        elif s.column == 2:
            flush_wide()
            band_r.append(s)
        else:
            flush()
            wide.append(s)
    flush()
    flush_wide()
    for ln in out:
        ln.__dict__.pop("_row", None)
    return PageLines(number, width, height, out, 2)


def _split_band(wide: list[Line], number: int, width: float) -> list[Line]:
    """The bottom of a block of full-width rows may itself be two columns of another width, such
    as the keywords sidebar beside the abstract on the first page of Elsevier articles."""
    if len(wide) < 6:
        return list(wide)
    rows = [ln._row for ln in wide]  # type: ignore[attr-defined]
    for span in (16, 12, 8):
        tail_segs = [s for row in rows[-span:] for s in _segments(row)]
        gx, crossing, left, right = _gutter(tail_segs, width, 0.2, 0.8)
        if not crossing and left >= 3 and right >= 3:
            break
    else:
        return list(wide)

    def crosses(row: list[tuple]) -> bool:
        return any(f[0] < gx < f[1] for f in row)

    start = len(rows)
    while start > 0 and not crosses(rows[start - 1]):
        start -= 1
    lefts, rights = [], []
    for row in rows[start:]:
        lrow = [f for f in row if f[1] <= gx]
        rrow = [f for f in row if f[0] >= gx]
        if lrow:
            lefts.append(_join(lrow, number))
        if rrow:
            rights.append(_join(rrow, number))
    if len(lefts) < 3 or len(rights) < 3:
        return list(wide)
    return wide[:start] + lefts + rights


def page_lines(page, number: int) -> PageLines:
    """Lines of one pypdfium2 page in reading order. The text page is closed before returning."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        frags = _fragments(textpage, height)
    finally:
        textpage.close()
    return order_page(frags, number, width, height)
