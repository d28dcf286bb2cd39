"""Lines with coordinates from pypdfium2 characters, and reading order (any number of columns).

Words are read in the frame where most of the page's text runs left to right (a landscape page
stored with /Rotate 90, a table drawn sideways); words at right angles to it are read after the
page. Runs of words on one baseline are grouped into rows from fragments that overlap
vertically, split into segments at wide horizontal gaps (a column gutter), and ordered:
full-width segments break the page into bands, and inside a band the left column is read before
the right one (or column 1, 2, 3... on pages of three or more columns). That covers the usual
journal first page: a full-width title/abstract block above two columns. When rows fall apart
in pieces with no gutter to trust, the order the text was drawn in (pdfium's) is kept instead.
Work grows with the number of characters, never with the page's size in points.
"""

from __future__ import annotations

import ctypes
import math
import re
from bisect import bisect_left, bisect_right
from collections import Counter
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
    columns: int  # how many columns the page was read in
    order: str = "layout"  # "layout": the column analysis; "pdfium": the order the text was drawn in


# pdfium joins a word hyphenated at a line end into one token ("pe\ufffelayanan"): cut after the mark.
_WORD = re.compile(r"[^ \r\n\x00\ufffe\x02]+[\ufffe\x02]?|[\ufffe\x02]")


def _fragments(
    textpage, height: float, turned: _Turned | None = None, text: str | None = None
) -> tuple[list[tuple[float, float, float, float, str]], list[tuple[float, float, float, float, str]]]:
    """Runs of words on one baseline, cut at pdfium's line breaks and at wide gaps; and, apart, the
    runs of words set at right angles to the rest (axis labels, a stamp up the margin).

    pdfium's page text already has the right characters, spaces and line breaks; boxes are only
    needed at word edges (a gap wide enough to be a column gutter always carries a space), so a
    word costs two ctypes calls however long it is. Text rectangles would be fewer calls, but
    their text picks up overlapping neighbours in letter-spaced titles ("FILSAFAFAT"), and on
    tightly set lines each rectangle's text takes in the lines around it (words came out four
    times): every word here is one span of character indices, so none can come out twice.
    This loop is the reader's hottest Python code: it keeps to locals and builds no object per word.
    ``turned`` reads the boxes in a frame where the page's text runs left to right; ``text`` is
    the page's characters from _chars(), when the caller has them.
    """
    raw = textpage.raw
    n = pdfium_c.FPDFText_CountChars(raw)
    if n <= 0:
        return [], []
    if text is None:
        text = _chars(textpage, n)
    if turned is None:
        box = pdfium_c.FS_RECTF()
        ref = ctypes.byref(box)
        getbox = pdfium_c.FPDFText_GetLooseCharBox
    else:
        box = getbox = turned
        ref = None
    out = []
    append = out.append
    aside: list[tuple[int, int, float, float, float, float]] = []
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
            if box.bottom > t or box.top < b or box.left < left - 0.1:
                # The last letter sits above, below or before the first: a word at right angles to
                # the page's text, or upside down.
                aside.append(
                    (
                        start,
                        end,
                        min(left, box.left),
                        max(left, box.right),
                        max(t, box.top),
                        min(b, box.bottom),
                    )
                )
                continue
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
    side = _aside_runs(text, aside, height) if aside else []
    out = _drop_overdrawn(out)
    if _MARKS.search(text):
        out = [(f[0], f[1], f[2], f[3], f[4].translate(_MARK_MAP)) for f in out]
        side = [(f[0], f[1], f[2], f[3], f[4].translate(_MARK_MAP)) for f in side]
    return out, side


def _overlap(f: tuple, g: tuple) -> bool:
    """Two fragments cover most of each other."""
    if min(f[3], g[3]) - max(f[2], g[2]) < 0.6 * min(f[3] - f[2], g[3] - g[2]):
        return False
    return min(f[1], g[1]) - max(f[0], g[0]) >= 0.6 * min(f[1] - f[0], g[1] - g[0])


def _overdrawn(frags: list[tuple]) -> bool:
    """Whether some fragment's text is drawn again over itself: the cheap test, before the sweep."""
    by_text: dict[str, list[tuple]] = {}
    for f in frags:
        by_text.setdefault(f[4], []).append(f)
    for same in by_text.values():
        if len(same) > 1:
            same.sort(key=itemgetter(2))
            if any(_overlap(a, b) for a, b in zip(same, same[1:], strict=False)):
                return True
    return False


def _drop_overdrawn(frags: list[tuple]) -> list[tuple]:
    """Fragments drawn again over an earlier one, a point or three away (a whole page printed
    twice for boldness, shadowed titles): the copy with no word the other lacks goes. Only a page
    where some text is drawn twice over itself is swept for the partial copies too."""
    if len(frags) < 2 or not _overdrawn(frags):
        return frags
    order = sorted(range(len(frags)), key=lambda k: frags[k][2])
    drop: set[int] = set()
    active: list[int] = []  # fragments above whose bottom the sweep has not passed yet
    for k in order:
        top, text = frags[k][2], frags[k][4]
        if active:
            active = [j for j in active if frags[j][3] > top]
            for j in active:
                g = frags[j]
                if j in drop or not _overlap(frags[k], g):
                    continue
                fw, gw = Counter(text.split()), Counter(g[4].split())
                f_extra, g_extra = fw - gw, gw - fw
                if f_extra and g_extra:
                    continue  # different text that happens to overlap
                # The copy with fewer words goes; of two equal copies, the one drawn later.
                if g_extra or (not f_extra and k > j):
                    drop.add(k)
                    break
                drop.add(j)
        active.append(k)
    return [f for k, f in enumerate(frags) if k not in drop] if drop else frags


def _aside_runs(text: str, aside: list[tuple], height: float) -> list[tuple[float, float, float, float, str]]:
    """Words set at right angles to the page's text, as runs: neighbours in pdfium's order that no
    line break separates."""
    runs: list[tuple[float, float, float, float, str]] = []
    cur: list[tuple] = []

    def flush() -> None:
        if cur:
            x0 = min(w[2] for w in cur)
            x1 = max(w[3] for w in cur)
            top = max(w[4] for w in cur)
            bottom = min(w[5] for w in cur)
            runs.append((x0, x1, height - top, height - bottom, " ".join(text[w[0] : w[1]] for w in cur)))
            cur.clear()

    for w in aside:
        if cur and _BREAK.search(text, cur[-1][1], w[0]):
            flush()
        cur.append(w)
    flush()
    return runs


def _chars(textpage, n: int) -> str:
    """The page's characters, each at the string position of its pdfium character index."""
    text = textpage.get_text_range(0, n)
    if len(text) == n:
        return text
    # pdfium counts a character outside the BMP (math italic 𝑇) as two indices; pad so that
    # string positions stay character indices, and drop the padding from the words.
    text = "".join(ch + "\uffff" if ord(ch) > 0xFFFF else ch for ch in text)
    if len(text) == n:
        return text
    # pdfium's text leaves out characters it could not map (a symbol font's bullet as U+0002) or
    # adds some: read the characters one by one. Only a few pages come here.
    raw = textpage.raw
    unicode_of = pdfium_c.FPDFText_GetUnicode
    is_hyphen = pdfium_c.FPDFText_IsHyphen
    chars = []
    for i in range(n):
        u = unicode_of(raw, i)
        if u == 2 and not is_hyphen(raw, i):
            chars.append(" ")  # an unmapped glyph, not a line-break hyphen: a word boundary
        elif u < 0xD800 or 0xE000 <= u < 0x110000:
            chars.append(chr(u))
        else:
            chars.append("\uffff")
    return "".join(chars)


_BREAK = re.compile(r"[\r\n]")
# pdfium's line-break hyphen marks become plain hyphens; control characters and padding go.
_MARKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_MARK_MAP = str.maketrans({**dict.fromkeys([*range(0x20), 0x7F, 0xFFFF]), 0x02: "-", 0xFFFE: "-", 0x09: " "})


class _Turned:
    """Character boxes in a frame turned so that text drawn rotated (the body of a /Rotate 90
    landscape page, a table set sideways) runs left to right, bottom-up like PDF space.

    Called like FPDFText_GetLooseCharBox; the turned box is then read from the object itself."""

    def __init__(self, turn: int) -> None:
        self.turn = turn
        self._box = pdfium_c.FS_RECTF()
        self._ref = ctypes.byref(self._box)
        self.left = self.right = self.top = self.bottom = 0.0

    def __call__(self, raw, index: int, _ref=None) -> None:
        pdfium_c.FPDFText_GetLooseCharBox(raw, index, self._ref)
        b = self._box
        self.left, self.bottom, self.right, self.top = self.rect(b.left, b.bottom, b.right, b.top)

    def rect(self, left: float, bottom: float, right: float, top: float) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) of a PDF-space rectangle in the turned frame."""
        if self.turn == 90:  # text runs up the page
            return bottom, -right, top, -left
        if self.turn == 180:
            return -right, -top, -left, -bottom
        return -top, left, -bottom, right  # 270: text runs down the page


def _turn(textpage, text: str) -> int:
    """0, 90, 180 or 270: the counter-clockwise angle at which most of the page's text is drawn,
    from a sample of its characters: 8 first, about 40 when any of them is not upright."""
    raw = textpage.raw
    angle_of = pdfium_c.FPDFText_GetCharAngle
    n = len(text)
    for size in (8, 40):
        votes = [0, 0, 0, 0]
        step = max(1, n // size)
        for i in range(step // 2, n, step):
            if text[i] > " ":
                a = angle_of(raw, i)
                if a >= 0:  # pdfium measures clockwise
                    votes[round(-a / (math.pi / 2)) % 4] += 1
        if votes[0] == sum(votes):
            return 0
    best = max(range(4), key=votes.__getitem__)
    return 90 * best if votes[best] > votes[0] else 0


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
    """The x position in the middle of the page crossed by the fewest segments.

    The count only changes at segment edges, so only the gaps between edges are tried (the point
    of each gap nearest the middle): the work grows with the number of segments, never with the
    width of the page in points (a huge MediaBox once made this loop run for minutes).
    """
    best = (width / 2, len(segs) + 1, 0, 0)
    # Counting by bisection over sorted edges; a segment of no width never crosses: it is left of
    # x when it ends at or before x, else right.
    starts = sorted(s[0] for s in segs if s[0] < s[1])
    ends = sorted(s[1] for s in segs)
    flat = sorted(s[1] for s in segs if s[0] >= s[1])
    total = len(segs)
    a, b, mid = lo * width, hi * width, width / 2
    edges = sorted({a, b, *(x for x in starts if a < x < b), *(x for x in ends if a < x < b)})
    for e0, e1 in zip(edges, edges[1:], strict=False):
        if e1 - e0 < 1e-6:
            continue
        pad = min(1.5, (e1 - e0) / 2)
        x = min(max(mid, e0 + pad), e1 - pad)
        left = bisect_right(ends, x)  # segments ending at or before x
        right = len(starts) - bisect_left(starts, x) + len(flat) - bisect_right(flat, x)
        crossing = total - left - right
        if crossing < best[1] or (crossing == best[1] and abs(x - mid) < abs(best[0] - mid)):
            best = (x, crossing, left, right)
    return best


def _single(rows: list[list[tuple]], number: int, width: float, height: float) -> PageLines:
    # One column: a row is one line even when it has wide gaps (labels such as "Menimbang :").
    lines = [_join(row, number) for row in rows]
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return PageLines(number, width, height, lines, 1)


UNSURE_ROWS = 0.3  # share of a page's rows that, read across, would join text drawn apart


def _single_or_drawn(
    frags: list[tuple], rows: list[list[tuple]], number: int, width: float, height: float
) -> PageLines:
    """One column, unless many rows, read across, would join pieces that were not drawn one after
    the other (short text boxes side by side, a ragged third column no gutter search trusts):
    then pdfium's own order, the order the text was drawn in, is the better guess. Rows whose
    pieces were drawn in turn ("Menimbang", ":", "a. bahwa ...") read the same either way."""
    split = [row for row in rows if len(row) > 1]
    if len(split) < 3 or len(split) < UNSURE_ROWS * len(rows):
        return _single(rows, number, width, height)
    drawn = {id(f): k for k, f in enumerate(frags)}
    apart = 0
    for row in split:
        ks = [drawn[id(f)] for f in sorted(row, key=_X0)]
        apart += any(b != a + 1 for a, b in zip(ks, ks[1:], strict=False))
    if apart < 3 or apart < UNSURE_ROWS * len(rows):
        return _single(rows, number, width, height)
    return PageLines(number, width, height, _drawn_order(frags, number), 1, order="pdfium")


def _drawn_order(frags: list[tuple], number: int) -> list[Line]:
    """Lines in pdfium's order: fragments that follow each other on one baseline, left to right,
    are one line."""
    lines: list[Line] = []
    run = [frags[0]]
    for f in frags[1:]:
        p = run[-1]
        h = min(p[3] - p[2], f[3] - f[2])
        if f[0] >= p[1] - 1 and min(p[3], f[3]) - max(p[2], f[2]) >= 0.4 * max(h, 0.1):
            run.append(f)
            continue
        lines.append(_join(run, number))
        run = [f]
    lines.append(_join(run, number))
    return lines


def _gutters(segs: list[tuple[float, float]], width: float) -> list[float]:
    """x positions of the column gutters of a page with three or more columns: runs of x (at
    least 6 points wide) that few segments cross, between text on both sides. Work grows with
    the number of segments, not with the width of the page."""
    lo, hi = 0.12 * width, 0.88 * width
    tol = max(2, 0.12 * len(segs))
    starts = sorted(s[0] for s in segs)
    ends = sorted(s[1] for s in segs)
    edges = sorted({lo, hi, *(x for x in starts if lo < x < hi), *(x for x in ends if lo < x < hi)})
    gutters: list[float] = []
    run: list[tuple[float, float, int]] = []  # (x0, x1, crossing) of consecutive open gaps

    def close() -> None:
        if run and run[-1][1] - run[0][0] >= 6.0:
            best = min(run, key=lambda g: (g[2], abs((g[0] + g[1]) / 2 - (run[0][0] + run[-1][1]) / 2)))
            x = (best[0] + best[1]) / 2
            # Text on both sides: the white strip right of a ragged last column is no gutter.
            if bisect_right(ends, x) >= 5 and len(starts) - bisect_left(starts, x) >= 5:
                gutters.append(x)
        run.clear()

    for e0, e1 in zip(edges, edges[1:], strict=False):
        x = (e0 + e1) / 2
        crossing = bisect_left(starts, x) - bisect_right(ends, x)  # started before x, not ended
        if crossing <= tol:
            run.append((e0, e1, crossing))
        elif run:
            close()
    close()
    return gutters


def _many_columns(
    rows: list[list[tuple]], segs: list, number: int, width: float, height: float
) -> PageLines | None:
    """Three or more columns of text: inside each band between rows that cross a gutter, column
    1 is read, then 2, then 3... None when the page is not such a page."""
    # Two inner columns hold at least 10 segments that start in the middle of the page.
    if sum(1 for s in segs if 0.15 * width < s[0] < 0.85 * width) < 10:
        return None
    gutters = _gutters(segs, width)
    if len(gutters) < 2:
        return None
    bounds = [-float("inf"), *gutters, float("inf")]
    widths: list[list[float]] = [[] for _ in range(len(gutters) + 1)]
    for s in segs:
        for c in range(len(widths)):
            if bounds[c] <= s[0] and s[1] <= bounds[c + 1]:
                widths[c].append(s[1] - s[0])
                break
    # Columns of text: each holds lines, most of them about as wide as its widest (table cells
    # are of all widths).
    for ws in widths:
        if len(ws) < 5:
            return None
        ws.sort()
        if ws[len(ws) // 2] < 0.6 * ws[(9 * (len(ws) - 1)) // 10] or ws[len(ws) // 2] < 0.08 * width:
            return None
    out: list[Line] = []
    band: list[list[Line]] = [[] for _ in widths]

    def flush() -> None:
        for col in band:
            out.extend(col)
            col.clear()

    for row in sorted(rows, key=lambda r: min(f[2] for f in r)):
        if any(f[0] < g < f[1] for f in row for g in gutters):
            flush()
            out.append(_join(row, number))
            continue
        for c in range(len(band)):
            part = [f for f in row if bounds[c] <= f[0] and f[1] <= bounds[c + 1]]
            if part:
                ln = _join(part, number)
                ln.column = c + 1
                band[c].append(ln)
    flush()
    return PageLines(number, width, height, out, len(widths))


def order_page(frags: list[tuple], number: int, width: float, height: float) -> PageLines:
    rows = _rows(frags)
    row_segs = [_segments(row) for row in rows]
    segs = [s for rs in row_segs for s in rs]
    if not segs:
        return PageLines(number, width, height, [], 1)
    many = _many_columns(rows, segs, number, width, height)
    if many is not None:
        return many
    gx, crossing, left, right = _gutter(segs, width)
    if left < 6 or right < 6:
        return _single_or_drawn(frags, rows, number, width, height)
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
        return _single_or_drawn(frags, rows, number, width, height)
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


MAX_GEOMETRY = 1e6  # points; on a larger page pdfium's character boxes lose their precision


def _plain_page(text: str, number: int, width: float, height: float) -> PageLines:
    """A page too large for its character boxes to mean anything (pdfium folds far-off text onto
    the same few points): its lines as pdfium's text gives them, in that order."""
    rows = [" ".join(t.translate(_MARK_MAP).split()) for t in _BREAK.split(text)]
    rows = [t for t in rows if t]
    height = max(height, 12.0 * (len(rows) + 1))
    lines = [
        Line(t, 0.0, min(width, 600.0), 12.0 * k, 12.0 * k + 10, 10.0, number) for k, t in enumerate(rows)
    ]
    return PageLines(number, width, height, lines, 1, order="pdfium")


def page_lines(page, number: int) -> PageLines:
    """Lines of one pypdfium2 page in reading order. The text page is closed before returning.

    Coordinates are those of the frame in which most of the page's text reads left to right
    (the page turned when its text is drawn rotated), measured from the page box's top left.
    """
    left, bottom, right, top = page.get_bbox()
    textpage = page.get_textpage()
    try:
        n = pdfium_c.FPDFText_CountChars(textpage.raw)
        if max(right - left, top - bottom) > MAX_GEOMETRY:
            return _plain_page(_chars(textpage, n) if n > 0 else "", number, right - left, top - bottom)
        text = _chars(textpage, n) if n > 0 else ""
        turn = _turn(textpage, text) if text else 0
        turned = _Turned(turn) if turn else None
        if turned is not None:
            left, bottom, right, top = turned.rect(left, bottom, right, top)
        frags, aside = _fragments(textpage, top, turned, text)
    finally:
        textpage.close()
    if left:
        frags = [(f[0] - left, f[1] - left, f[2], f[3], f[4]) for f in frags]
        aside = [(f[0] - left, f[1] - left, f[2], f[3], f[4]) for f in aside]
    pl = order_page(frags, number, right - left, top - bottom)
    # Words at right angles to the page's text are read after it, each run a line of its own.
    pl.lines.extend(_join([f], number) for f in aside)
    return pl
