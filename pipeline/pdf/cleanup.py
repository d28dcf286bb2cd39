"""Page clean-up on positioned lines: running headers/footers and page numbers out, words split by a
line-break hyphen joined, paragraphs rebuilt from line gaps, indentation and sentence ends."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from statistics import median

from pipeline.clean import join_hyphenated, normalize_unicode
from pipeline.pdf.layout import Line, PageLines

_PAGE_NO = re.compile(
    r"^[\W_]*(?:(?:page|halaman|hal\.?|hlm\.?)\s*)?(?:\d{1,4}|[ivxlc]{1,6})(?:\s*(?:of|dari|/)\s*\d{1,4})?[\W_]*$",
    re.I,
)
_NORM = re.compile(r"\d+")
# A numbered heading at the top of a page ("Pasal 12", "BAB III") is structure, not a running head,
# however many pages begin with one.
_HEADING = re.compile(
    r"^\s*(?:pasal|bab|bagian|paragraf|article|chapter|section)\s+[\divxlcdm]+[a-z]?\.?\s*$", re.I
)
_ZONE_LINES = 4  # how many lines at the top and bottom of a page may be running heads/feet


@dataclass
class Paragraph:
    text: str
    page_start: int
    page_end: int


def _key(text: str) -> str:
    """A line as a running head is recognised: lower case, without numbers or lone marks, so that
    "Jurnal X 4(2) 2024 | 5" and "6 | Jurnal X 4(2) 2024" (odd and even pages) are one head."""
    return " ".join(w for w in _NORM.sub("", text.lower()).split() if any(c.isalpha() for c in w))


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NO.match(text.strip())) and len(text.strip()) <= 16


def _zone(page: PageLines) -> list[Line]:
    lines = page.lines
    if page.order == "pdfium":  # lines in drawing order: take the margins by place
        lines = sorted(lines, key=lambda ln: ln.top)
    cand = lines[:_ZONE_LINES] + lines[-_ZONE_LINES:] if len(lines) > 2 * _ZONE_LINES else list(lines)
    return [ln for ln in cand if ln.top < 0.16 * page.height or ln.bottom > 0.86 * page.height]


ECHO_SIMILARITY = 0.5  # share of words two margin lines on nearby pages share to be one running head
MAX_RUNNING_SHARE = 0.5  # running heads never take more than this share of a document's letters


def _echoed(words: frozenset[str], near: list[list[frozenset[str]]]) -> bool:
    """Whether a margin line comes back, a little changed, on nearby pages: a download stamp whose
    date or time moves, a crest whose second line names the section, odd and even heads."""
    if len(words) < 2 or not near:
        return False
    hits = sum(
        any(len(words & other) >= ECHO_SIMILARITY * len(words | other) for other in page) for page in near
    )
    return hits >= min(2, len(near))


def _letters(lines: list[Line]) -> int:
    return sum(sum(map(str.isalpha, ln.text)) for ln in lines)


def _most_of(taken: int, pages: list[PageLines]) -> bool:
    """Whether ``taken`` letters are more than MAX_RUNNING_SHARE of the document's: counting
    stops as soon as the answer is no, after a page or two on any real document."""
    total = 0
    for page in pages:
        total += _letters(page.lines)
        if taken <= MAX_RUNNING_SHARE * total:
            return False
    return True


def strip_running(pages: list[PageLines]) -> int:
    """Remove running headers/footers, journal banners and page numbers in place; return how many.

    A margin line is a running head when the same line (numbers aside) is in the margins of 30%
    of the pages, or when a similar line is in the margins of the pages around it. Running heads
    never take a document's text: when they would take more than half of its letters (a form
    printed once per page, a deck of slides with one title), only page numbers go.
    """
    if not pages:
        return 0
    zones = [_zone(page) for page in pages]
    keys = [[_key(ln.text) for ln in zone] for zone in zones]
    counts: Counter[str] = Counter(k for ks in keys for k in set(ks) if k)
    n = len(pages)
    need = max(2, round(0.3 * n)) if n >= 3 else 2
    sizes = [ln.size for p in pages[:3] for ln in p.lines]
    body = median(sizes) if sizes else 0.0
    words = [[frozenset(k.split()) for k in ks] for ks in keys]
    numbers: list[set[int]] = []
    heads: list[set[int]] = []
    for i, page in enumerate(pages):
        nums, drop = set(), set()
        for j, ln in enumerate(zones[i]):
            if is_page_number(ln.text):
                nums.add(id(ln))
                continue
            if n < 2 or _HEADING.match(ln.text):
                continue
            if (keys[i][j] and counts[keys[i][j]] >= need) or _echoed(
                words[i][j], [words[q] for q in (i - 2, i - 1, i + 1, i + 2) if 0 <= q < n]
            ):
                # On the first page a large-font line is the title, even if running heads repeat it.
                if page.number == 1 and body and ln.size > 1.3 * body:
                    continue
                drop.add(id(ln))
        numbers.append(nums)
        heads.append(drop)
    taken = sum(
        _letters([ln for ln in zone if id(ln) in drop]) for zone, drop in zip(zones, heads, strict=True)
    )
    if taken and _most_of(taken, pages):
        heads = [set() for _ in pages]
    removed = 0
    for page, nums, drop in zip(pages, numbers, heads, strict=True):
        gone = nums | drop
        if gone:
            removed += len(gone)
            page.lines = [ln for ln in page.lines if id(ln) not in gone]
    return removed


_HYPHENATED = re.compile(r"\b([^\W\d_]+(?:-[^\W\d_]+)+)\b")
_SENT_END = re.compile(r"[.!?:;]['\")\]]?$")
_LIST_START = re.compile(r"^(?:[a-z]\.|\d{1,3}[.)]|\(\d{1,3}\)|\([a-z]\)|[•▪●◦\-–])\s")


def hyphenated_vocabulary(lines: list[Line]) -> set[str]:
    """Lowercased words that a document writes with a hyphen inside a line (not at its end)."""
    vocab: set[str] = set()
    for ln in lines:
        if "-" in ln.text:  # most lines have none: skip the regex scan
            for m in _HYPHENATED.finditer(ln.text[:-1]):
                vocab.add(m.group(1).lower())
    return vocab


def _col_bounds(lines: list[Line]) -> dict[tuple[int, int], tuple[float, float]]:
    by: dict[tuple[int, int], list[Line]] = {}
    for ln in lines:
        by.setdefault((ln.page, ln.column), []).append(ln)
    out = {}
    for k, group in by.items():
        xs0 = sorted(ln.x0 for ln in group)
        xs1 = sorted(ln.x1 for ln in group)
        out[k] = (xs0[len(xs0) // 5], xs1[(len(xs1) * 4) // 5])
    return out


def _typical_gap(lines: list[Line]) -> float:
    gaps = [
        b.top - a.bottom
        for a, b in zip(lines, lines[1:], strict=False)
        if a.page == b.page and a.column == b.column and -0.5 * a.size < b.top - a.bottom < 2 * a.size
    ]
    return median(gaps) if gaps else 2.0


def paragraphs(lines: list[Line], known: set[str] | None = None) -> list[Paragraph]:
    """Rebuild paragraphs from lines in reading order."""
    lines = [ln for ln in lines if ln.text.strip()]
    if not lines:
        return []
    known = known if known is not None else hyphenated_vocabulary(lines)
    bounds = _col_bounds(lines)
    gap0 = _typical_gap(lines)
    out: list[Paragraph] = []
    cur = lines[0].text.strip()
    start = end = lines[0].page
    for a, b in zip(lines, lines[1:], strict=False):
        btext = b.text.strip()
        if _breaks(a, b, bounds, gap0):
            out.append(Paragraph(normalize_unicode(cur).strip(), start, end))
            cur, start = btext, b.page
        elif cur.endswith(("-", "\u00ad", "\u2010")) and not cur.endswith(" -"):
            cur = join_hyphenated(cur, btext, known)
        else:
            cur = f"{cur} {btext}"
        end = b.page
    out.append(Paragraph(normalize_unicode(cur).strip(), start, end))
    return [p for p in out if p.text]


def _breaks(a: Line, b: Line, bounds, gap0: float) -> bool:
    ends = bool(_SENT_END.search(a.text.strip()))
    if _LIST_START.match(b.text.strip()):
        return True
    if a.page != b.page or a.column != b.column:
        return ends and b.text[:1].isupper()
    size = max(a.size, 1.0)
    if b.top - a.bottom > gap0 + 0.6 * size:
        return True
    left, right = bounds.get((a.page, a.column), (a.x0, a.x1))
    if ends and b.x0 > left + 1.2 * size:
        return True
    return ends and a.x1 < right - 3 * size
