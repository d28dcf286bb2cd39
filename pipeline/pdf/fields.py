"""Fields of journal articles and reports from positioned lines: title, authors, abstract(s) with
their language, keywords, DOI, year, body sections by heading, and the reference list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from pipeline.clean import normalize_unicode
from pipeline.document import Keyword, Part
from pipeline.pdf.cleanup import hyphenated_vocabulary, paragraphs
from pipeline.pdf.layout import Line

_ABSTRACT = re.compile(
    r"^\s*(abstract|abstrak|ringkasan|intisari|summary)(?=$|[\s.:\-–—])[\s.:\-–—]*(?P<rest>.*)$", re.I
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
_BANNER = re.compile(
    r"jurnal|journal|\bvol\b|volume|\bno\.|nomor|issn|\bdoi\b|https?:|www\.|received|accepted|revised|"
    r"published|©|copyright|available online|homepage|contents lists|seminar|prosiding|proceedings|"
    r"\bhal\b|\bpp\.|diterima|direvisi|disetujui|terbit|article info|article history|open access|licen[cs]e",
    re.I,
)
_AFFIL = re.compile(
    r"universit|fakultas|faculty|program studi|prodi|jurusan|department|departemen|institut|school|"
    r"sekolah|stmik|stie|politeknik|polytechnic|akademi|\bjl\.|jalan|email|e-mail|korespondensi|"
    r"correspond|@|indonesia$|\bcenter\b|\bcentre\b|laborator|ministry|kementerian|badan",
    re.I,
)
# Badges drawn beside the title (Crossref's CrossMark, "Check for updates") join the title's row.
_LOGO = re.compile(r"\s+(?:Cross\s*Mark|MARK|Check\s+for\s+updates)\s*$")
_HOMEPAGE = re.compile(r"homepage|contents lists|sciencedirect|www\.", re.I)
_HISTORY = re.compile(r"^\s*article\s+history", re.I)
DOI_RE = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")

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
    headings: int = 0


def find_doi(text: str) -> str | None:
    m = DOI_RE.search(text)
    return m.group(0).rstrip(".,;)]}") if m else None


def _title_authors(page1: list[Line], stop: int, body_size: float = 0.0) -> tuple[str | None, list[str], int]:
    head = page1[:stop] if stop else page1[: max(8, len(page1) // 3)]
    cands = [(i, ln) for i, ln in enumerate(head) if len(ln.text) >= 3 and not _BANNER.search(ln.text)]
    if not cands:
        return None, [], 0
    # The title: a run of consecutive lines in one (large) font size; the largest run with four or
    # more words wins (a bigger journal name such as "Al Musyarakah:" alone does not).
    runs: list[list[tuple[int, Line]]] = []
    for i, ln in cands:
        prev = runs[-1][-1] if runs else None
        if (
            prev is not None
            and i == prev[0] + 1
            and (
                abs(ln.size - prev[1].size) <= 0.1 * prev[1].size
                or (ln.text[:1].islower() and ln.size >= 0.7 * prev[1].size)  # "...: Critical / issues for"
            )
            and not _AFFIL.search(ln.text)
            and not (prev[1].text.isupper() and not ln.text.isupper())
        ):
            runs[-1].append((i, ln))
        else:
            runs.append([(i, ln)])
    runs = [
        r
        for r in runs
        if sum(len(ln.text.split()) for _, ln in r) >= 4
        and len(r) <= 4
        and not _AFFIL.search(r[0][1].text)
        # Without an abstract to anchor the front matter, a title must stand out from body text.
        and (stop or r[0][1].size > 1.1 * body_size)
        # A journal name sits right above "journal homepage: www..." / "Contents lists available".
        and not any(_HOMEPAGE.search(ln.text) for ln in head[r[-1][0] + 1 : r[-1][0] + 3])
    ]
    if not runs:
        return None, [], 0
    run = max(runs, key=lambda r: (round(r[0][1].size, 0), -r[0][0]))
    title = normalize_unicode(" ".join(_LOGO.sub("", ln.text) for _, ln in run)).strip()
    authors: list[str] = []
    last = run[-1][0]
    for ln in head[last + 1 :]:
        t = ln.text.strip()
        if _AFFIL.search(t) or _ABSTRACT.match(t) or _KEYWORDS.match(t):
            if authors:
                break
            continue
        for name in re.split(r",|;|\band\b|\bdan\b|&", t):
            name = re.sub(r"[\d*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰⇑]+|\b[a-f]\b(?=\s*$)", "", name).strip(" .-–")
            words = name.split()
            if 1 <= len(words) <= 6 and sum(w[:1].isupper() for w in words) >= max(1, len(words) - 1):
                if any(c.isalpha() for c in name) and len(name) >= 3:
                    authors.append(name)
    return title, authors, last


def _text_of(lines: list[Line], known: set[str]) -> str:
    return "\n\n".join(p.text for p in paragraphs(lines, known))


def _part(kind: str, lines: list[Line], known: set[str], **kw) -> Part | None:
    text = _text_of(lines, known)
    if not text.strip():
        return None
    return Part(kind, text, page_start=lines[0].page, page_end=lines[-1].page, **kw)


def _with_rest(ln: Line, rest: str) -> Line:
    return Line(rest, ln.x0, ln.x1, ln.top, ln.bottom, ln.size, ln.page, ln.column)


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
        if kw_lines and kw_lines[-1].text.rstrip().endswith("."):
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


def extract(lines: list[Line], year_hint: int | None = None) -> ArticleFields:
    """Segment an article/report's lines (reading order, running heads removed) into fields and parts."""
    f = ArticleFields()
    if not lines:
        return f
    known = hyphenated_vocabulary(lines)
    sizes = [ln.size for ln in lines[:400]]
    body_size = median(sizes) if sizes else 0.0
    # Labels: abstract/keywords only on the first two pages, headings anywhere.
    marks: list[tuple[int, str, str, str]] = []  # index, kind, label, rest
    for i, ln in enumerate(lines):
        t = _label_text(ln.text) if ln.page <= 2 else ln.text.strip()
        if ln.page <= 2:
            m = _ABSTRACT.match(t)
            if m and (not m.group("rest") or m.group("rest")[:1].isupper() or len(t) < 20):
                marks.append((i, "abstract", m.group(1), m.group("rest")))
                continue
            m = _KEYWORDS.match(t)
            if m:
                marks.append((i, "keywords", m.group(1), m.group("rest")))
                continue
        h = heading_of(t)
        if h and (h[0] != "other" or ln.size >= 0.95 * body_size):
            marks.append((i, h[0], t, ""))
    known_numbers = {}
    for i, kind, label, _ in marks:
        m = re.match(r"\d{1,2}\b", label)
        if m and kind not in ("abstract", "keywords"):
            known_numbers[i] = int(m.group())
    extra = numbered_headings(lines, body_size, known_numbers)
    if extra:
        marks.extend((i, "other", lines[i].text.strip(), "") for i in extra)
        marks.sort(key=lambda m: m[0])
    page1 = [ln for ln in lines if ln.page == lines[0].page]
    first_mark = next((i for i, k, _, _ in marks if k in ("abstract", "keywords", "introduction")), 0)
    stop = min(first_mark, len(page1)) if first_mark else 0
    f.title, f.authors, last = _title_authors(page1, stop, body_size)
    if f.title:
        f.parts.append(Part("title", f.title, page_start=lines[0].page, page_end=lines[0].page))
    if f.authors:
        f.parts.append(
            Part("authors", "; ".join(f.authors), page_start=lines[0].page, page_end=lines[0].page)
        )
    early_text = "\n".join(ln.text for ln in lines if ln.page <= 2)
    f.doi = find_doi(early_text)
    years = [int(y) for ln in page1[:15] if _BANNER.search(ln.text) for y in _YEAR.findall(ln.text)]
    f.year = max(years) if years else year_hint
    # Lines between the title block and the first mark: front matter before an abstract, else body.
    first = marks[0][0] if marks else len(lines)
    if not (marks and marks[0][1] in ("abstract", "keywords")):
        p = _part("body", lines[last + 1 if f.title else 0 : first], known)
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
            p = _part("abstract", head_line + block, known)
            if p and len(p.text) >= 40 and not _HISTORY.match(p.text):
                f.has_abstract = True
                p.lang = guess_lang(p.text) or label_lang(label)
                pending_abstract = None
            else:
                pending_abstract, p = label, None
        elif kind == "keywords":
            kw_lines, words = _keyword_lines(head_line, block, rest)
            raw = " ".join(ln.text for ln in kw_lines).strip()
            lang = label_lang(label)
            p = Part(
                "keywords",
                normalize_unicode(raw),
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
                p = _part("abstract", rest_lines, known)
                if p:
                    f.has_abstract = True
                    p.lang = guess_lang(p.text) or label_lang(pending_abstract)
                pending_abstract = None
            elif rest_lines:
                p = _part("body", rest_lines, known)
        elif kind == "references":
            in_refs = True
            p = _part("references", block, known, heading=label.strip(" :."))
        else:
            f.headings += 1
            p = _part("section", block, known, heading=normalize_unicode(label).strip(" :."))
        if p:
            f.parts.append(p)
    return f
