"""Fields of journal articles and reports from positioned lines: title, authors, abstract(s) with
their language, keywords, DOI, year, body sections by heading, and the reference list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from pipeline.clean import normalize_unicode
from pipeline.document import Keyword, Part
from pipeline.pdf import abstract, title
from pipeline.pdf.citation import find_doi, find_year
from pipeline.pdf.cleanup import hyphenated_vocabulary, paragraphs
from pipeline.pdf.layout import Line
from pipeline.pdf.title import AFFILIATION, BANNER

_ABSTRACT = re.compile(
    # Misspelt labels are labels too ("Astract:"); an executive summary is not an abstract.
    r"^\s*(abstract|astract|abstrack|abstrak|ringkasan|intisari|summary)(?!\s+(?:eksekutif|executive))"
    r"(?=$|[\s.:\-–—])[\s.:\-–—]*(?P<rest>.*)$",
    re.I,
)
_KEYWORDS = re.compile(
    r"^\s*(key\s*-?\s*words?|kata[\s-]*kunci|index\s+terms)\b\s*[:.\-–—]?\s*(?P<rest>.*)$", re.I
)
_NUM = r"(?:(?:[IVX]{1,4}|\d{1,2}|[A-H])\s*[.)]?\s+)?"
HEADINGS: dict[str, tuple[str, ...]] = {
    "introduction": ("pendahuluan", "introduction", "latar belakang", "latar belakang masalah"),
    "literature": (
        "tinjauan pustaka",
        "kajian pustaka",
        "landasan teori",
        "kajian teori",
        "kerangka teori",
        "tinjauan literatur",
        "literature review",
        "theoretical framework",
        "related work",
        "background",
    ),
    "method": (
        "metode penelitian",
        "metode",
        "metodologi penelitian",
        "metodologi",
        "methods",
        "method",
        "methodology",
        "research method",
        "research methods",
        "materials and methods",
        "bahan dan metode",
        "metode dan data",
        "data and methods",
    ),
    "results": (
        "hasil dan pembahasan",
        "hasil penelitian dan pembahasan",
        "hasil",
        "hasil penelitian",
        "results and discussion",
        "results",
        "findings",
        "analisis dan pembahasan",
    ),
    "discussion": ("pembahasan", "discussion"),
    "conclusion": (
        "kesimpulan dan saran",
        "kesimpulan",
        "simpulan dan saran",
        "simpulan",
        "penutup",
        "saran",
        "conclusions and recommendations",
        "conclusions",
        "conclusion",
        "recommendations",
        "concluding remarks",
    ),
    "acknowledgements": ("ucapan terima kasih", "acknowledgements", "acknowledgments", "acknowledgement"),
    "references": (
        "daftar pustaka",
        "daftar referensi",
        "references",
        "bibliography",
        "referensi",
        "pustaka acuan",
        "literature cited",
        "reference",
    ),
}
_HEAD_RE = {
    name: re.compile(rf"^{_NUM}(?:{'|'.join(re.escape(w) for w in words)})\s*[:.]?$", re.I)
    for name, words in HEADINGS.items()
}
_GENERIC_HEAD = re.compile(r"^(?:[IVX]{1,4}|\d{1,2})\s*[.)]?\s+(?P<h>[A-Z][A-Z0-9 ,&/()\-]{2,70})$")
# "2. A role of markets in promoting restoration?": a numbered heading in sentence case. Unlike the
# known names these are only told apart from numbered list items by context (numbered_headings).
_NUMBERED_HEAD = re.compile(r"^(?P<n>\d{1,2})\s*\.\s+(?P<h>[A-Z][^\s.,;:]*(?:\s+\S+){0,11})$")
_NUMBERED_LINE = re.compile(r"^\s*\d{1,2}\s*[.)]\s")
# Not a heading: a sentence, a table-of-contents line ("Problem statement 6"), a citation of a law
# ("Peraturan Presiden Nomor 24 Tahun 2010 tentang") or a line cut before its end ("... of the").
_HEAD_TAIL_BAD = re.compile(
    r"(?:[.,;:]|\d|\b(?:tentang|nomor|dan|atau|yang|di|ke|dari|untuk|dengan|of|and|or|the|a|an|in|on|for|to|with))$"
    r"|\d\d",
    re.I,
)
_EN = frozenset("the of and to in is are for that with this on by as be from an was were which these".split())
_ID = frozenset("yang dan di ini dengan untuk dari dalam pada adalah tidak akan oleh juga atau dapat".split())


def guess_lang(text: str) -> str | None:
    """A cheap stop-word vote between English and Indonesian; None when it is not clear."""
    words = re.findall(r"[a-z]+", text.lower())
    if len(words) < 8:
        return None
    en = sum(w in _EN for w in words)
    idn = sum(w in _ID for w in words)
    if en >= 2 * max(idn, 1):
        return "en"
    if idn >= 2 * max(en, 1):
        return "id"
    return None


def label_lang(label: str) -> str:
    low = label.lower()
    return "en" if low.startswith(("abstract", "summary", "key", "index")) else "id"


_SPACED = re.compile(r"^(?:\w ){3,}\w$")
_HISTORY = re.compile(r"^\s*article\s+history", re.I)


def _label_text(text: str) -> str:
    """Undo letter-spaced labels ("a b s t r a c t") and Elsevier's "article info abstract" row."""
    t = text.strip()
    if _SPACED.match(t):
        t = t.replace(" ", "")
    low = t.lower()
    if low.replace(" ", "") in ("articleinfoabstract", "articleinfo abstract", "abstractarticleinfo"):
        return "Abstract"
    return t


def heading_of(text: str) -> tuple[str, str] | None:
    """(kind name, heading text) when a line is a section heading of an article or report."""
    t = text.strip()
    if len(t) > 80 or len(t) < 3:
        return None
    for name, rx in _HEAD_RE.items():
        if rx.match(t):
            return name, t
    m = _GENERIC_HEAD.match(t)
    if m and sum(c.isalpha() for c in m.group("h")) >= 4:
        return "other", t
    return None


def _numbered_candidate(text: str) -> int | None:
    """The number of a line shaped like a sentence-case numbered heading, else None."""
    t = text.strip()
    m = _NUMBERED_HEAD.match(t)
    if not m or len(t) > 80 or _HEAD_TAIL_BAD.search(m.group("h")):
        return None
    if sum(c.isalpha() for c in m.group("h")) < 4:
        return None
    return int(m.group("n"))


def numbered_headings(lines: list[Line], body_size: float, known: dict[int, int]) -> set[int]:
    """Indices of lines that are sentence-case numbered headings ("2. Methods of the survey").

    A candidate must continue the numbering of the headings before it (1 may restart it; a number
    may be skipped once, when the reader missed a heading), be set no smaller than body text, not
    run on into a lower-case line (unless set large), and stand apart from other numbered lines
    (a numbered list has its items a line or three apart). ``known``: line index -> number of the
    numbered headings recognised by name ("3. Results"), which anchor the sequence.
    """
    out: set[int] = set()
    last = 0
    numbered = [i for i, ln in enumerate(lines) if _NUMBERED_LINE.match(ln.text)]
    pos = 0
    for i, ln in enumerate(lines):
        if i in known:
            last = known[i]
            continue
        if not ln.text[:1].isdigit():
            continue
        n = _numbered_candidate(ln.text)
        if n is None or ln.size < 0.95 * body_size:
            continue
        if not (n == 1 or last < n <= last + 2):
            continue
        nxt = lines[i + 1].text.lstrip()[:1] if i + 1 < len(lines) else ""
        if nxt.islower() and ln.size < 1.15 * body_size:
            continue
        while pos < len(numbered) and numbered[pos] < i - 3:
            pos += 1
        if any(j != i and abs(j - i) <= 3 for j in numbered[pos : pos + 3]):
            continue
        out.add(i)
        last = n
    return out


@dataclass
class ArticleFields:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    doi: str | None = None
    year: int | None = None
    parts: list[Part] = field(default_factory=list)
    keywords: list[Keyword] = field(default_factory=list)
    has_abstract: bool = False
    journal: bool = False  # running heads name a journal or law review
    headings: int = 0


def _title_authors(page1: list[Line], stop: int, body: float) -> tuple[str | None, list[str], int]:
    found, last = title.find_title(page1, stop, body)
    if found is None or last < 0:
        return found, [], -1
    head = page1[:stop] if stop else page1
    authors: list[str] = []
    for ln in head[last + 1 :]:
        t = ln.text.strip()
        if AFFILIATION.search(t) or _ABSTRACT.match(t) or _KEYWORDS.match(t):
            if authors:
                break
            continue
        for name in re.split(r",|;|\band\b|\bdan\b|&", t):
            name = re.sub(r"[\d*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰⇑]+|\b[a-f]\b(?=\s*$)", "", name).strip(" .-–")
            words = name.split()
            if 1 <= len(words) <= 6 and sum(w[:1].isupper() for w in words) >= max(1, len(words) - 1):
                if any(c.isalpha() for c in name) and len(name) >= 3:
                    authors.append(name)
    return found, authors, last


def _title_with_running(
    page1: list[Line], stop: int, body: float, raw: list[Line] | None
) -> tuple[str | None, list[str], int]:
    """Title and authors from the first page as printed: a running head may repeat the title's
    first line ("The Future of Cohesion Policy in England"), and its removal must not cut the
    title. The index returned is in ``page1`` (the lines kept)."""
    printed = [ln for ln in raw or () if ln.page == page1[0].page]
    at = {id(ln): i for i, ln in enumerate(printed)}
    if not printed or any(id(ln) not in at for ln in page1):
        return _title_authors(page1, stop, body)
    raw_stop = (at[id(page1[stop])] if stop < len(page1) else len(printed)) if stop else 0
    found, authors, last = _title_authors(printed, raw_stop, body)
    if last < 0:
        return found, authors, last
    # The last kept line at or before the title's end.
    return found, authors, sum(1 for ln in page1 if at[id(ln)] <= last) - 1


def _text_of(lines: list[Line], known: set[str]) -> str:
    return "\n\n".join(p.text for p in paragraphs(lines, known))


def _part(kind: str, lines: list[Line], known: set[str], **kw) -> Part | None:
    text = _text_of(lines, known)
    if not text.strip():
        return None
    return Part(kind, text, page_start=lines[0].page, page_end=lines[-1].page, **kw)


def _with_rest(ln: Line, rest: str) -> Line:
    return Line(
        rest, ln.x0, ln.x1, ln.top, ln.bottom, ln.size, ln.page, ln.column, ln.font_size, ln.bold, ln.italic
    )


def _ends_keywords(prev: Line, ln: Line) -> bool:
    """A line after a keyword list that is not more keywords: a web address or banner, a template
    note in brackets, type of another size."""
    t = ln.text.strip()
    if BANNER.search(t) or (t.startswith("(") and t.endswith(")")):
        return True
    return bool(prev.font_size and ln.font_size and abs(ln.font_size - prev.font_size) > 0.1 * prev.font_size)


def _keyword_lines(head_line: list[Line], block: list[Line], rest: str) -> tuple[list[Line], list[str]]:
    """The lines that hold the keywords, and the keywords.

    Inline ("Keywords: a, b, c" running on up to three lines) or a sidebar list with one keyword
    per line and no separators (Elsevier)."""
    rest = _KEYWORDS.sub(lambda m: m.group("rest"), rest)  # "Keywords: Keywords: ..." in some templates
    if not rest.strip():
        listed: list[Line] = []
        for ln in block[:12]:
            t = ln.text.strip()
            if (
                not t
                or len(t) > 45
                or _SENT_END_KW.search(t)
                or (listed and ln.top - listed[-1].bottom > 1.2 * ln.size)
            ):
                break
            listed.append(ln)
        if len(listed) >= 2 and not any("," in ln.text or ";" in ln.text for ln in listed):
            return listed, [ln.text.strip() for ln in listed]
    kw_lines = [_with_rest(head_line[0], rest)] if head_line else []
    for ln in block[:3]:
        if kw_lines and (ln.top - kw_lines[-1].bottom > 0.8 * ln.size or ln.page != kw_lines[-1].page):
            break
        if kw_lines and (kw_lines[-1].text.rstrip().endswith(".") or _ends_keywords(kw_lines[-1], ln)):
            break
        kw_lines.append(ln)
    raw = " ".join(ln.text for ln in kw_lines)
    return kw_lines, split_keywords(raw)


_SENT_END_KW = re.compile(r"[.:;]$")


def split_keywords(text: str) -> list[str]:
    sep = r"[,;·•]" if re.search(r"[,;·•]", text) else r"\s{2,}|\s-\s"
    out = []
    for k in re.split(sep, text):
        k = k.strip(" .:\t")
        if k and len(k) <= 80:
            out.append(k)
    return out


_ABSTRACT_WORD = re.compile(r"\b(?:Abstract|ABSTRACT|Abstrak|ABSTRAK)\b")
_LEADERS = re.compile(r"\.{5,}|…{2,}|(?:\. ){4,}")
_CONTENTS = re.compile(r"\b[IVX]{1,4}\.\s+\w.*?[—–-]\s*[IVX]{1,4}\.\s")  # "I. Introduction.—II. Context"
_COVER = re.compile(
    r"see discussions, stats, and author profiles|follow this and additional works at|recommended citation|"
    r"this article was downloaded by|to cite this article|digital commons",
    re.I,
)
_SCHOLARLY = re.compile(
    r"journal|jurnal|law\s+review|proceedings|prosiding|\bissn\b|\bvol(?:ume)?\.?\s*\d|"
    r"follow this and additional works|see discussions, stats",
    re.I,
)
_JOURNAL_RUNNING = re.compile(r"law\s+review|journal|jurnal|\bvol\.\s*\d|\[vol\.", re.I)


def _marks(lines: list[Line], body_size: float) -> list[tuple[int, str, str, str]]:
    """(index, kind, label, rest) of the labels: abstract and keywords on the first pages (the
    third too when the first two have no abstract label: after a cover and a front page), section
    headings anywhere."""
    marks: list[tuple[int, str, str, str]] = []
    for i, ln in enumerate(lines):
        t = _label_text(ln.text) if ln.page <= 3 else ln.text.strip()
        if ln.page <= 3:
            m = _ABSTRACT.match(t)
            rest = m.group("rest").strip() if m else ""
            # Not a line of a table of contents: "Abstract ........ 3", "Abstract 3".
            if m and not rest.isdigit() and (not rest or rest[:1].isupper() or len(t) < 20):
                if not _LEADERS.search(t):
                    marks.append((i, "abstract", m.group(1), m.group("rest")))
                continue
            m = _KEYWORDS.match(t)
            if m:
                if not _LEADERS.search(t):
                    marks.append((i, "keywords", m.group(1), m.group("rest")))
                continue
        h = heading_of(t)
        if h and (h[0] != "other" or ln.size >= 0.95 * body_size):
            marks.append((i, h[0], t, ""))
    if any(k == "abstract" and lines[i].page <= 2 for i, k, _, _ in marks):
        marks = [m for m in marks if m[1] not in ("abstract", "keywords") or lines[m[0]].page <= 2]
    # "Summary: I. Introduction.—II. Context ..." is a table of contents when an abstract follows.
    if sum(k == "abstract" for _, k, _, _ in marks) > 1:
        marks = [
            m
            for m in marks
            if not (
                m[2].lower() == "summary"
                and _CONTENTS.search(" ".join(x.text for x in lines[m[0] : m[0] + 3]))
            )
        ]
    known_numbers = {}
    for i, kind, label, _ in marks:
        m = re.match(r"\d{1,2}\b", label)
        if m and kind not in ("abstract", "keywords"):
            known_numbers[i] = int(m.group())
    extra = numbered_headings(lines, body_size, known_numbers)
    if extra:
        marks.extend((i, "other", lines[i].text.strip(), "") for i in extra)
        marks.sort(key=lambda m: m[0])
    return marks


def _unlabelled_abstract(lines: list[Line], marks: list, after_title: int, page: int) -> list:
    """Marks for an abstract printed without a label between the title block and the first
    heading (on the title page or the next): an abstract mark at its start, a body mark after it."""
    if any(k == "abstract" for _, k, _, _ in marks):
        return marks
    if any(_ABSTRACT_WORD.search(ln.text) for ln in lines[:300] if ln.page <= lines[0].page + 1):
        return marks  # there is a label, run into other text by the layout: no guessing around it
    end = next(
        (i for i, k, _, _ in marks if i >= after_title and k not in ("keywords",)),
        len(lines),
    )
    if _COVER.search(" ".join(ln.text for ln in lines[:40] if ln.page == lines[0].page)):
        # A repository's cover page: the article, its title again and the abstract, start on the next.
        after_title = next((i for i, ln in enumerate(lines) if ln.page > page), len(lines))
        page += 1
    end = min(end, next((i for i, ln in enumerate(lines) if ln.page > page + 1), len(lines)))
    found = abstract.unlabelled(lines, after_title, end, page)
    if not found:
        return marks
    first, stop = found
    added = [(first, "abstract", "", lines[first].text)]
    if stop < len(lines) and not any(i == stop for i, _, _, _ in marks):
        added.append((stop, "body", "", lines[stop].text))
    return sorted(marks + added, key=lambda m: m[0])


def doc_type(f: ArticleFields, pages: list) -> str | None:
    """journal_article, report or other (slides) from the fields and the page shapes; None when
    the document is too short to say."""
    if f.has_abstract or f.journal:
        return "journal_article"
    # A slide deck: screen-shaped pages (4:3 or wider) with little text on each.
    screens = sum(p.width >= 1.3 * p.height for p in pages)
    words = sorted(sum(len(ln.text.split()) for ln in p.lines) for p in pages)
    if len(pages) >= 4 and screens >= 0.6 * len(pages) and words[len(words) // 2] < 160:
        return "other"
    if len(pages) >= 2 and sum(len(ln.text) for p in pages for ln in p.lines) >= 2000:
        return "report"
    return None


def extract(lines: list[Line], year_hint: int | None = None, raw: list[Line] | None = None) -> ArticleFields:
    """Segment an article/report's lines (reading order, running heads removed) into fields and parts.

    ``raw``: the same pages' lines before running heads were removed, where a journal prints its
    name, volume and year."""
    f = ArticleFields()
    if not lines:
        return f
    known = hyphenated_vocabulary(lines)
    sizes = [ln.size for ln in lines[:400]]
    body_size = median(sizes) if sizes else 0.0
    marks = _marks(lines, body_size)
    page1 = [ln for ln in lines if ln.page == lines[0].page]
    first_mark = next((i for i, k, _, _ in marks if k in ("abstract", "keywords", "introduction")), 0)
    # An article's front matter ends at its abstract or introduction on the first or second page;
    # a report's "Pendahuluan" five pages in says nothing about its cover.
    stop = min(first_mark, len(page1)) if first_mark and lines[first_mark].page <= lines[0].page + 1 else 0
    front_pages = [ln for ln in lines if ln.page <= lines[0].page + 2]
    f.title, f.authors, last = _title_with_running(page1, stop, title.body_size(front_pages), raw)
    # A title that only names the document after its first line (nothing stood out) stays out of
    # the parts: that line is already in the body, and no word is stored twice.
    if f.title and last >= 0:
        f.parts.append(Part("title", f.title, page_start=lines[0].page, page_end=lines[0].page))
    if f.authors:
        f.parts.append(
            Part("authors", "; ".join(f.authors), page_start=lines[0].page, page_end=lines[0].page)
        )
    kept = {id(ln) for ln in lines}
    running = [ln for ln in raw or () if ln.page <= 3 and id(ln) not in kept]
    early = [ln for ln in lines if ln.page <= 2]
    f.doi = find_doi("\n".join(ln.text for ln in running + early))
    # The first page's front matter and foot, and the head of the second page (after a cover page).
    page2 = [ln for ln in lines if ln.page == lines[0].page + 1]
    front = page1[: max(stop, 25)] + page1[-6:] + page2[:8]
    f.year = find_year(front, running, early, f.title) or year_hint
    f.journal = any(_JOURNAL_RUNNING.search(ln.text) for ln in running if ln.page >= 2)
    # An abstract without a label is only looked for in what shows itself a scholarly article.
    if f.doi or f.journal or any(_SCHOLARLY.search(ln.text) for ln in front):
        marks = _unlabelled_abstract(lines, marks, last + 1, lines[0].page)
    # Lines between the title block and the first mark: front matter before an abstract, else body.
    first = marks[0][0] if marks else len(lines)
    if not (marks and marks[0][1] in ("abstract", "keywords")):
        p = _part("body", lines[last + 1 : first], known)
        if p:
            f.parts.append(p)
    in_refs = False
    pending_abstract: str | None = None
    for j, (i, kind, label, rest) in enumerate(marks):
        end = marks[j + 1][0] if j + 1 < len(marks) else len(lines)
        block = lines[i + 1 : end]
        head_line = [_with_rest(lines[i], rest)] if rest.strip() else []
        if in_refs:
            p = _part("references", [lines[i], *block], known)
        elif kind == "abstract":
            p = _abstract_part(head_line + block, known, label or "Abstract", bool(head_line))
            if p and len(p.text) >= 40:
                f.has_abstract = True
                pending_abstract = None
            else:
                pending_abstract, p = label, None
        elif kind == "keywords":
            kw_lines, words = _keyword_lines(head_line, block, rest)
            raw_kw = " ".join(ln.text for ln in kw_lines).strip()
            lang = label_lang(label)
            p = Part(
                "keywords",
                normalize_unicode(raw_kw),
                lang=lang,
                page_start=lines[i].page,
                page_end=lines[i].page,
            )
            f.keywords.extend(Keyword(normalize_unicode(k), lang) for k in words)
            rest_lines = block[len(kw_lines) - len(head_line) :]
            if p.text:
                f.parts.append(p)
            p = None
            if rest_lines and pending_abstract is not None:
                # "ARTICLE INFO / ABSTRACT" layouts: the keywords sidebar comes between label and text.
                p = _abstract_part(rest_lines, known, pending_abstract)
                if p:
                    f.has_abstract = True
                pending_abstract = None
            elif rest_lines:
                p = _part("body", rest_lines, known)
        elif kind == "body":
            p = _part("body", head_line + block, known)
        elif kind == "references":
            in_refs = True
            p = _part("references", block, known, heading=label.strip(" :."))
        else:
            f.headings += 1
            p = _part("section", block, known, heading=normalize_unicode(label).strip(" :."))
        if p:
            f.parts.append(p)
    return f


def _abstract_part(lines: list[Line], known: set[str], label: str, labelled: bool = False) -> Part | None:
    """The abstract among the lines from its label to the next label: lines in its type, up to a
    line that starts something else, no longer than an abstract can be."""
    if lines and _HISTORY.match(lines[0].text):
        return None  # "Abstract" above an article-history box: the text comes after the keywords
    kept = abstract.bound(lines, labelled)
    if not kept:
        return None
    p = _part("abstract", kept, known)
    if p:
        p.text = abstract.clip(p.text)
        p.lang = guess_lang(p.text) or label_lang(label)
    return p
