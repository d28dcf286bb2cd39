"""Where an abstract ends, and abstracts printed without a label.

An abstract is set in one type size. Lines between its label and the next label that are set
smaller or larger (affiliation footnotes, a corresponding-author box, the page's journal banner)
are not part of it, and it ends at the first line that starts something else: "Verification
Materials", "©", "Highlights", an article-info box, "Word count", received/accepted dates. An
abstract that is still longer than an abstract can be falls back to its first paragraph.

An abstract without a label is the first run of prose after the title block, set apart from the
body that follows it by its type (size or slant) or its margins, as law reviews, APSR and many
journal templates print it.
"""

from __future__ import annotations

import re
from collections import Counter
from statistics import median

from pipeline.pdf.layout import Line

MAX_CHARS = 4000  # the longest real abstracts (structured, bilingual) stay well below this
_END = re.compile(
    r"^\s*(?:verification\s+materials|highlights\b|article\s+info|article\s+history|info\s+artikel|"
    r"riwayat\s+artikel|sejarah\s+artikel|word\s+count|jel\s+(?:codes?|classification)|"
    r"(?:received|accepted|revised|diterima|direvisi|disetujui)\s*[:\d]|naskah\s+diterima|citation\s*:|"
    r"how\s+to\s+cite|to\s+cite\s+this|cite\s+this|please\s+cite|cara\s+(?:mengutip|sitasi)|"
    r"\*?\s*corresponding\s+author|e-?mail\s*:|©|copyright\b|this\s+is\s+an\s+open[\s-]access|"
    r"published\s+by|doi\s*:|https?://doi)",
    re.I,
)
_BYLINE = re.compile(r"^\s*by\s+[A-Z]")
_LEADERS = re.compile(r"\.{5,}|…{2,}|(?:\. ){4,}")
_SENTENCE_END = re.compile(r"[.!?][\"'”)]?(?:\s|$)")


def _main_size(lines: list[Line]) -> float:
    weights: Counter[float] = Counter()
    for ln in lines:
        if ln.font_size:
            weights[round(ln.font_size, 1)] += len(ln.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def bound(lines: list[Line], labelled: bool = False) -> list[Line]:
    """The lines of an abstract among the lines between its label and the next label.

    ``labelled``: the first line is the label's own line ("Abstract: This study ..."), kept
    whatever its type. At a page break after a finished sentence, what the next page has before
    the next label, when none of it ends a sentence, is a heading or a repeated title."""
    main = _main_size(lines[1:] if labelled else lines)
    bold = sum(len(ln.text) for ln in lines if ln.bold) > sum(len(ln.text) for ln in lines) / 2
    kept: list[Line] = []
    for n, ln in enumerate(lines):
        if kept and ln.page != kept[-1].page and _SENTENCE_END.search(kept[-1].text.rstrip() + " "):
            if not any(_SENTENCE_END.search(x.text.rstrip() + " ") for x in lines[n:]):
                break
        if not (labelled and n == 0) and main and ln.font_size and abs(ln.font_size - main) > 0.08 * main:
            continue  # a footnote, a banner or a heading among the abstract's lines
        if _END.match(ln.text):
            if kept:
                break
            continue
        if not kept and (
            _BYLINE.match(ln.text) or (ln.font_size and ln.bold != bold and not (labelled and n == 0))
        ):
            continue  # a repeated title in bold, "by A, B and C" under it
        kept.append(ln)
    return kept


def clip(text: str) -> str:
    """An abstract no longer than an abstract can be: its first paragraph, else cut at a sentence."""
    if len(text) <= MAX_CHARS:
        return text
    first = text.split("\n\n", 1)[0]
    if 200 <= len(first) <= MAX_CHARS:
        return first
    cut = text[:MAX_CHARS]
    ends = [m.end() for m in _SENTENCE_END.finditer(cut)]
    return cut[: ends[-1]].rstrip() if ends else cut


def _style(ln: Line) -> tuple[float, bool]:
    return round(ln.font_size, 1), ln.italic


def _same_size(a: float, b: float) -> bool:
    return abs(a - b) <= 0.05 * max(a, b)


def _run(lines: list[Line], i: int, end: int) -> tuple[list[Line], int]:
    """Lines from i on in one type size (on across a page break past footnotes) and where they stop."""
    ref = lines[i]
    nxt = lines[i + 1] if i + 1 < end else None
    if nxt is not None and nxt.font_size and ref.font_size > 1.8 * nxt.font_size:
        ref = nxt  # the first line opens with a drop capital: the run's type is the second line's
    size, italic = _style(ref)
    k = i + 1
    run = [lines[i]]
    while k < end:
        ln = lines[k]
        if ln.font_size and _same_size(ln.font_size, size) and ln.page == ref.page:
            # One line in the other slant (a long italic name) does not end the run; two do.
            after = lines[k + 1] if k + 1 < end else None
            if ln.italic == italic or (
                after is not None and after.italic == italic and after.page == ln.page
            ):
                run.append(ln)
                k += 1
                continue
            break
        # Footnotes at the foot of the page, then the abstract goes on at the top of the next one.
        j = k
        while j < end and lines[j].page == run[-1].page and 0 < lines[j].font_size < 0.9 * size:
            j += 1
        nxt = lines[j] if j < end else None
        if nxt is not None and nxt.page != run[-1].page and nxt.font_size and _style(nxt) == (size, italic):
            k, ref = j, nxt
            continue
        break
    return run, k


def _distinct(run: list[Line], after: list[Line]) -> bool:
    """Whether a run of prose is set apart from the running text after it (type, slant, measure)."""
    size = median(ln.font_size for ln in run[1:] or run)
    body_size = median(ln.font_size for ln in after)
    body_italic = sum(ln.italic for ln in after) > len(after) / 2
    run_italic = sum(ln.italic for ln in run) > len(run) / 2
    run_x0 = median(ln.x0 for ln in run[1:] or run)
    body_x0 = min(ln.x0 for ln in after)
    return (
        not _same_size(size, body_size)
        or run_italic != body_italic
        or run_x0 - body_x0 >= 1.5 * size
        or (all(ln.column == 0 for ln in run) and all(ln.column for ln in after))
    )


def unlabelled(lines: list[Line], start: int, end: int, page: int) -> tuple[int, int] | None:
    """(first, last + 1) of an abstract printed without a label in ``lines[start:end]``.

    ``start``: the line after the title block; ``end``: the first heading; ``page``: the title
    page, where the abstract must begin (it may go on over the page). The runs of lines in one
    type are tried in turn (authors and affiliations come first); the first run of prose decides:
    it is the abstract when running text in another type or measure follows it. Needs font
    information (the first pages have it)."""
    end = min(end, len(lines))
    i = start
    while i < end and lines[i].page == page:
        if len(lines[i].text) < 40 or not lines[i].font_size:
            i += 1
            continue
        run, k = _run(lines, i, end)
        words = sum(len(ln.text.split()) for ln in run)
        ends = sum(len(_SENTENCE_END.findall(ln.text)) for ln in run)
        if words < 50 or ends < 2 or any(_LEADERS.search(ln.text) for ln in run):
            i = k  # an author block, an address, a contents list: look further
            continue
        after = [ln for ln in lines[k : k + 12] if len(ln.text) >= 40 and ln.font_size]
        if words <= 700 and len(after) >= 3 and _distinct(run, after):
            return i, k
        return None  # running text: no abstract before it
    return None
