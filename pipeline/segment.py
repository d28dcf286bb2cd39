"""Turn reader output into final parts: title, authors, abstracts per language, keywords, sections.

Three inputs reach this stage:

1. a ``raw`` part holding a whole free-form text (a pasted abstract, a .txt article): it is cut
   into fields line by line, with labels ("Abstrak:", "Keywords:") when there are any and layout
   heuristics when there are none. Every span of the raw text lands in some part (unplaceable
   lines and label words in ``discarded`` parts), so nothing the author wrote is lost;
2. record fields (title / abstract / keywords): abstracts often hold an Indonesian and an English
   abstract run together, with keyword lists glued inside; they are split per language;
3. PDF parts whose kinds are already decided: only abstracts and keyword parts are touched.

The stage is a pure function of the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pipeline.clean import collapse_whitespace
from pipeline.document import Document, Keyword, Part
from pipeline.language import detect, guess, id_en_score

VERSION = "3"  # 3: PDF fields on new layouts (issue 12): the reader output it segments changed

_DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"'<>]+")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d|2100)(?!\d)")
_LETTER = re.compile(r"[^\W\d_]")

# Keyword-list labels. "Key word" under an English abstract is English; "Kata kunci" Indonesian.
_KW_LABEL = re.compile(
    r"(?i)(?P<label>kata[\s-]*kata[\s-]*kunci|kata[\s-]*kunci|key[\s-]*words?|index[\s-]+terms)"
    r"(?P<punct>\s*[:?\-\u2013\u2014.]+)?[ \t]*"
)
# Abstract markers are only trusted capitalised: "the abstract" in running text is not a label.
_ABS_LABEL = re.compile(
    r"(?P<label>Abstract|ABSTRACT|Abstrak|ABSTRAK|Intisari|INTISARI)(?![a-z])(?P<punct>\s*[:?\-\u2013\u2014.]+)?[ \t]*"
)
_ABS_LANG = {"abstract": "en", "abstrak": "id", "intisari": "id"}

# Sentence boundaries: ". X" and the glued ".X" that scraped abstracts are full of.
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[\"'\u201c(\[A-Z0-9])|(?<=[a-z)]{2}[.!?])(?=[A-Z][a-z])")

# Line labels in free-form text (case 1). Value: field name.
_LINE_LABEL = re.compile(
    r"(?i)^[ \t]*(?P<label>title|judul|authors?|penulis|nama\s+penulis|abstract|abstrak|intisari|"
    r"kata[\s-]*kata[\s-]*kunci|kata[\s-]*kunci|key[\s-]*words?|index[\s-]+terms|doi|"
    r"received|accepted|revised|published|diterima|disetujui|direvisi|dipublikasikan|"
    r"corresponding\s+author|email|e-mail|citation|how\s+to\s+cite|cara\s+mengutip|sitasi)\b"
    r"[ \t]*(?P<sep>[:\-\u2013\u2014.]|(?=\n)|$)?[ \t]*"
)
_LABEL_FIELD = {
    "title": "title",
    "judul": "title",
    "author": "authors",
    "authors": "authors",
    "penulis": "authors",
    "namapenulis": "authors",
    "abstract": "abstract",
    "abstrak": "abstract",
    "intisari": "abstract",
    "doi": "doi",
}

_HEADING = re.compile(
    r"(?i)^[ \t]*(?:(?:bab\s+)?(?:[ivx]+|\d+(?:\.\d+)*)[.)]?\s+)?"
    r"(?P<name>pendahuluan|introduction|latar\s+belakang|background|tinjauan\s+pustaka|kajian\s+pustaka|"
    r"landasan\s+teori|literature\s+review|theoretical\s+framework|kerangka\s+teori|"
    r"metode(?:\s+penelitian)?|metodologi(?:\s+penelitian)?|methods?|methodology|research\s+methods?|"
    r"materials\s+and\s+methods|hasil(?:\s+(?:dan|&)\s+pembahasan)?|hasil\s+penelitian|results?"
    r"(?:\s+and\s+discussions?)?|pembahasan|discussions?|kesimpulan(?:\s+(?:dan|&)\s+saran)?|simpulan|"
    r"penutup|conclusions?(?:\s+and\s+recommendations?)?|saran|recommendations?|"
    r"daftar\s+pustaka|daftar\s+referensi|references|bibliography|referensi|acknowledge?ments?|"
    r"ucapan\s+terima\s+kasih)[ \t]*:?[ \t]*$"
)
_REFERENCES = re.compile(r"(?i)daftar\s+pustaka|daftar\s+referensi|references|bibliography|referensi")

# Strong boilerplate ends a paragraph even without a blank line; weak (affiliation words) only
# marks short lines outside paragraphs, since "di Indonesia" is also ordinary abstract text.
_STRONG_BOILER = re.compile(
    r"(?i)\S@\S|https?://|www\.|\b(?:received|accepted|revised|published|available\s+online|diterima|"
    r"disetujui|direvisi|dipublikasikan|copyright|hak\s+cipta|licen[cs]ed?|issn|e-issn|p-issn|"
    r"corresponding|how\s+to\s+cite|cara\s+mengutip|citation|sitasi)\b|\u00a9"
)
_BOILER = re.compile(
    _STRONG_BOILER.pattern + r"|(?i:\b(?:volume|universit\w*|fakultas|faculty|jurusan|department|departemen|"
    r"program\s+studi|prodi|institut\w*|sekolah\s+tinggi|politeknik|polytechnic|jalan|street)\b|"
    r"\b(?:vol|jl|no)\.\s*\d?)"
)
# A journal's running header ("Jurnal X, Vol. 5 No. 2, 2020") above the title.
_HEADER = re.compile(
    r"(?i)\b(?:vol\.?\s*\d|volume\s*\d|no\.\s*\d|issn|jurnal|journal\s+of|prosiding|proceedings)"
)
_CITATION = re.compile(r"(?i)cite|citation|sitasi|mengutip|vol\.|volume|\(\d{4}\)|pp\.|hlm\.")
_NAME_JOIN = re.compile(r"(?i)\s*(?:,|;|&|\band\b|\bdan\b)\s*")
_FUNCTION_WORDS = frozenset(
    "of the in on for to a an with from by at as is are dalam di ke dari pada terhadap untuk yang "
    "sebagai oleh atas bagi melalui antara studi analisis pengaruh".split()
)


@dataclass
class _Piece:
    """A span of the input and what it became."""

    kind: str
    start: int
    end: int
    lang: str | None = None


# --------------------------------------------------------------------------- keywords


def _label_lang(label: str) -> str:
    return "id" if label.lower().startswith("kata") else "en"


def _keyword_items(text: str, prior: str | None = None) -> list[tuple[int, int, str | None]]:
    """(start, end, label language) of each keyword in a keyword line; labels are skipped."""
    labels = list(_KW_LABEL.finditer(text))
    segments: list[tuple[int, int, str | None]] = []
    cursor, lang = 0, prior
    for m in labels:
        segments.append((cursor, m.start(), lang))
        cursor, lang = m.end(), _label_lang(m.group("label"))
    segments.append((cursor, len(text), lang))
    items: list[tuple[int, int, str | None]] = []
    for s, e, seg_lang in segments:
        seg = text[s:e]
        sep = ";" if ";" in seg else ","
        pos = s
        for chunk in seg.split(sep):
            a, b = pos, pos + len(chunk)
            pos = b + 1
            # Trim spaces and list punctuation (the "/" between "Keywords: ... / Kata kunci: ...").
            while a < b and (text[a].isspace() or text[a] in ".:;,/|-\u2013\u2014?*"):
                a += 1
            while b > a and (text[b - 1].isspace() or text[b - 1] in ".:;,/|\u2013\u2014?*"):
                b -= 1
            if b > a and (_LETTER.search(text[a:b]) or text[a:b].strip().isdigit()):
                items.append((a, b, seg_lang))
    return items


def _assign_keyword_langs(texts: list[str], priors: list[str | None]) -> list[str]:
    """Language per keyword: its own when confident, else its block's.

    Bilingual lists are two blocks ("transparansi; akuntabilitas; transparency; accountability"),
    so without labels the best single split point of the signed scores decides the blocks.
    """
    n = len(texts)
    guesses = [guess(t) for t in texts]
    scores = [id_en_score(t) for t in texts]
    block: list[str] = [""] * n
    if any(priors):
        for i in range(n):
            block[i] = priors[i] or ""
        # Unlabelled items before the first label take the nearest label's language.
        nxt = next((p for p in priors if p), "en")
        for i in range(n):
            if block[i]:
                nxt = block[i]
            else:
                block[i] = nxt
    else:
        total = sum(scores)
        best_val, best_k, best_first = abs(total), 0, "id" if total >= 0 else "en"
        prefix = 0.0
        for k in range(1, n):
            prefix += scores[k - 1]
            val = prefix - (total - prefix)
            if abs(val) > best_val + 0.5:
                best_val, best_k, best_first = abs(val), k, "id" if val > 0 else "en"
        second = "en" if best_first == "id" else "id"
        # A block needs one keyword that is clearly its language: one loan word ("e-government")
        # at the head of an Indonesian list is not an English block.
        if best_k and not (
            any(g[0] == best_first and g[1] >= 0.6 for g in guesses[:best_k])
            and any(g[0] == second and g[1] >= 0.6 for g in guesses[best_k:])
        ):
            best_k = 0
            best_first = "id" if total >= 0 else "en"
        if best_k:
            block = [best_first] * best_k + [second] * (n - best_k)
        else:
            block = [best_first] * n
    langs = []
    for (lang, conf), blk in zip(guesses, block, strict=True):
        if lang == "other" and conf >= 0.9:
            langs.append("other")
        elif lang in ("id", "en") and conf >= 0.75:
            langs.append(lang)
        else:
            langs.append(blk)
    return langs


def _keyword_spans(text: str, prior: str | None = None) -> list[tuple[int, int, str]]:
    items = _keyword_items(text, prior)
    if not items:
        return []
    langs = _assign_keyword_langs([text[a:b] for a, b, _ in items], [p for _, _, p in items])
    return [(a, b, lang) for (a, b, _), lang in zip(items, langs, strict=True)]


def split_keywords(text: str, lang: str | None = None) -> list[Keyword]:
    """Keywords of a keyword line, each with its language.

    Splits on ';' (on ',' only when there is no ';'), understands "Keywords: a; b / Kata kunci: c; d"
    and gives ambiguous keywords ("e-government") the language of their neighbours. ``lang`` is the
    language the list is known to be in (from a label the caller removed): ambiguous keywords take it.
    """
    spans = _keyword_spans(text, lang)
    return [Keyword(text=collapse_whitespace(text[a:b]), lang=k_lang) for a, b, k_lang in spans]


def _keyword_parts(text: str, base: int = 0, prior: str | None = None) -> tuple[list[_Piece], list[Keyword]]:
    """Keyword line -> one piece per language run (spans cover the whole line) and keywords."""
    spans = _keyword_spans(text, prior)
    kws = [Keyword(text=collapse_whitespace(text[a:b]), lang=lang) for a, b, lang in spans]
    if not spans:
        return [_Piece("keywords", base, base + len(text))], kws
    runs = []
    prev_end = 0
    for a, b, lang in spans:
        if not runs or runs[-1].lang != lang:
            # A new run starts after the previous run's separator; a label goes with the run after it.
            start = 0 if not runs else _run_start(text, prev_end, a)
            if runs:
                runs[-1].end = base + start
            runs.append(_Piece("keywords", base + start, base + len(text), lang))
        prev_end = b
    for r in runs:
        r.start, r.end = _strip_span(text, r.start - base, r.end - base)
        r.start, r.end = r.start + base, r.end + base
    return runs, kws


def _run_start(text: str, prev_end: int, item_start: int) -> int:
    """Where a new language run begins: after the separator that ends the previous run."""
    gap = text[prev_end:item_start]
    m = _KW_LABEL.search(gap)
    if m:
        # Anything before the label (a "/" or ";") stays with the previous run.
        return prev_end + m.start()
    for i, ch in enumerate(gap):
        if ch in ";,/|":
            return prev_end + i + 1
    return item_start


def _add_keywords(doc: Document, kws: list[Keyword]) -> None:
    seen = {k.text.casefold() for k in doc.keywords}
    for k in kws:
        if k.text and k.text.casefold() not in seen:
            seen.add(k.text.casefold())
            doc.keywords.append(k)


# --------------------------------------------------------------------------- bilingual abstracts


def _markers(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, "abstract"|"keywords", lang) of label words inside a run-together abstract."""
    found: list[tuple[int, int, str, str]] = []
    low = text.lower()
    # Substring tests first: most abstracts have no marker and the regexes cost more.
    kw_matches = _kw_label_matches(text, low) if ("kunci" in low or "key" in low or "index" in low) else ()
    for m in kw_matches:
        s = m.start()
        glued = s > 0 and text[s - 1].isalpha() and m.group("label")[0].isupper()
        if s > 0 and text[s - 1].isalpha() and not glued:
            continue  # inside a word
        j = s - 1
        while j >= 0 and text[j].isspace():
            j -= 1
        if m.group("punct") or j < 0 or text[j] in ".!?)" or glued:
            found.append((s, m.end(), "keywords", _label_lang(m.group("label"))))
    abs_matches = _ABS_LABEL.finditer(text) if ("bstra" in low or "intisari" in low) else ()
    for m in abs_matches:
        s = m.start()
        if any(a <= s < b for a, b, _, _ in found):
            continue
        found.append((s, m.end(), "abstract", _ABS_LANG[m.group("label").lower()]))
    found.sort()
    out: list[tuple[int, int, str, str]] = []
    for mk in found:
        if not out or mk[0] >= out[-1][1]:
            out.append(mk)
    return out


def _kw_label_matches(text: str, low: str) -> list[re.Match[str]]:
    """_KW_LABEL.finditer(text), trying only where a label can start.

    The regex alone tries every position of a 1,500-character abstract (~50 us); every label
    starts with "kata", "key" or "index", which str.find locates far faster.
    """
    if len(low) != len(text):  # lower() changed lengths (rare letters): positions would not match
        return list(_KW_LABEL.finditer(text))
    starts = sorted(i for needle in ("kata", "key", "index") for i in _find_all(low, needle))
    out: list[re.Match[str]] = []
    end = 0
    for i in starts:
        if i >= end:
            m = _KW_LABEL.match(text, i)
            if m:
                out.append(m)
                end = m.end()
    return out


def _find_all(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i >= 0:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def _keyword_list_end(text: str, start: int, limit: int) -> int:
    """End of a keyword list glued into running text.

    The list ends at its first full stop or line break, unless an item runs on for many words:
    then the list ran into the next abstract without a stop ("... nerakaThis article ...") and
    ends at the glued capital, or before that item when there is no glue to cut at.
    """
    seg = text[start:limit]
    m = re.search(r"\.(?=\s*[\"\u201c(A-Z]|\s*$)|\n", seg)
    end = m.end() if m else len(seg)
    for item in re.finditer(r"[^;,]+", seg[:end]):
        if len(item.group().split()) > 6:
            g = re.search(r"[a-z)][A-Z][a-z]", item.group())
            if g:
                return start + item.start() + g.start() + 1
            return start + item.start()
    return start + end


def _plausible_list(seg: str, label: str) -> bool:
    items = [i for i in re.split(r"[;,]", seg) if i.strip()]
    if not items:
        return bool(re.search(r"[:?\-\u2013\u2014.]\s*$", label))  # "Keywords:" with nothing after it
    longest = max(len(i.split()) for i in items)
    return longest <= 8 and not (len(items) == 1 and longest > 5)


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for m in _SENT_END.finditer(text, start, end):
        if m.start() > cursor:
            spans.append((cursor, m.start()))
        cursor = m.end()
    if cursor < end:
        spans.append((cursor, end))
    return [(a, b) for a, b in spans if _LETTER.search(text[a:b])]


def _strip_span(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    return a, b


_MIN_SIDE = 200  # characters: shorter "halves" are quotations, formulas or stray titles, not abstracts
_PROBE = 160


def _language_runs(text: str, start: int, end: int) -> list[_Piece]:
    """One or two abstract pieces: splits a chunk at its best single id/en switch point."""
    a, b = _strip_span(text, start, end)
    if a >= b:
        return []
    if b - a < 2 * _MIN_SIDE:
        return [_Piece("abstract", a, b, detect(text[a:b]))]
    # Cheap gate: a run-together pair shows both languages among head, middle and tail.
    # Scoring every sentence costs ~40 us each, so single-language chunks stop here.
    mid = max(a, (a + b - _PROBE) // 2)
    probes = {
        detect(text[a : min(b, a + _PROBE)]),
        detect(text[mid : min(b, mid + _PROBE)]),
        detect(text[max(a, b - _PROBE) : b]),
    }
    if len(probes) == 1:
        return [_Piece("abstract", a, b, probes.pop())]
    whole = detect(text[a:b])
    sents = _sentences(text, a, b)
    if len(sents) < 2:
        return [_Piece("abstract", a, b, whole)]
    vals = [id_en_score(text[s:e]) * (e - s) for s, e in sents]
    total = sum(vals)
    best_val, best_k = abs(total), 0
    prefix = 0.0
    for k in range(1, len(sents)):
        prefix += vals[k - 1]
        val = abs(prefix - (total - prefix))
        if val > best_val:
            best_val, best_k = val, k
    if best_k:
        cut = sents[best_k][0]
        left, right = _strip_span(text, a, cut), _strip_span(text, cut, b)
        llen, rlen = left[1] - left[0], right[1] - right[0]
        lmean = sum(vals[:best_k]) / max(llen, 1)
        rmean = sum(vals[best_k:]) / max(rlen, 1)
        # Both sides must be clearly one language and long enough to be an abstract of their own,
        # so an English quotation inside an Indonesian abstract does not split it.
        if min(llen, rlen) >= _MIN_SIDE and lmean * rmean < 0 and min(abs(lmean), abs(rmean)) >= 0.3:
            llang, rlang = detect(text[left[0] : left[1]]), detect(text[right[0] : right[1]])
            if {llang, rlang} == {"id", "en"}:
                return [_Piece("abstract", *left, llang), _Piece("abstract", *right, rlang)]
    return [_Piece("abstract", a, b, whole)]


def _split_pieces(text: str) -> tuple[list[_Piece], list[_Piece]]:
    """Abstract and keyword pieces of a run-together abstract, and the label spans dropped."""
    pieces: list[_Piece] = []
    dropped: list[_Piece] = []
    cursor = 0
    marks = _markers(text)
    for i, (s, e, kind, lang) in enumerate(marks):
        if s < cursor:
            continue
        if kind == "keywords":
            limit = next((m[0] for m in marks[i + 1 :] if m[0] >= e), len(text))
            kend = _keyword_list_end(text, e, limit)
            a, b = _strip_span(text, e, kend)
            if not _plausible_list(text[a:b], text[s:e]):
                continue  # "Kata kunci merupakan ..." is a sentence about keywords, not a list
            pieces.extend(_body_chunk(text, cursor, s, dropped))
            dropped.append(_Piece("discarded", s, e))
            if a < b:
                pieces.append(_Piece("keywords", a, b, lang))
            cursor = kend
        else:
            pieces.extend(_body_chunk(text, cursor, s, dropped))
            dropped.append(_Piece("discarded", s, e))
            cursor = e
    pieces.extend(_body_chunk(text, cursor, len(text), dropped))
    _adopt_neighbour_lang(text, [p for p in pieces if p.kind == "abstract"])
    return pieces, dropped


def _adopt_neighbour_lang(text: str, abstracts: list[_Piece]) -> None:
    """A short, unclear fragment between markers (a stray line, a caption) joins the abstract
    before it; alone it would become an abstract of its own, often in "other".
    """
    long_ones = [p for p in abstracts if p.end - p.start >= _MIN_SIDE]
    if not long_ones:
        return
    for i, p in enumerate(abstracts):
        if p.end - p.start < _MIN_SIDE:
            lang, conf = guess(text[p.start : p.end])
            if lang in ("id", "en") and conf >= 0.9:
                continue  # a short abstract, but clearly in its own language
            before = [q for q in abstracts[:i] if q.end - q.start >= _MIN_SIDE]
            p.lang = (before[-1] if before else long_ones[0]).lang


def _body_chunk(text: str, a: int, b: int, dropped: list[_Piece]) -> list[_Piece]:
    a, b = _strip_span(text, a, b)
    if a >= b:
        return []
    if not _LETTER.search(text[a:b]) or len(text[a:b]) < 3:
        dropped.append(_Piece("discarded", a, b))
        return []
    return _language_runs(text, a, b)


def _group_abstracts(text: str, pieces: list[_Piece]) -> list[Part]:
    """One abstract part per language, in order of first appearance."""
    order: dict[str | None, list[str]] = {}
    for p in pieces:
        if p.kind == "abstract":
            order.setdefault(p.lang, []).append(text[p.start : p.end])
    return [Part(kind="abstract", text="\n\n".join(texts), lang=lang) for lang, texts in order.items()]


def split_bilingual(text: str) -> list[Part]:
    """Split a (possibly) run-together id+en abstract into abstract parts per language.

    Embedded keyword lists come back as ``keywords`` parts (lang from their label); the label
    words "Abstrak", "Abstract", "Kata kunci", "Keywords" are dropped.
    """
    return _bilingual_parts(text)[0]


def _bilingual_parts(text: str) -> tuple[list[Part], str]:
    """split_bilingual's parts, and the text it dropped (labels, stray characters)."""
    pieces, dropped = _split_pieces(text)
    parts = _group_abstracts(text, pieces)
    parts += [
        Part(kind="keywords", text=text[p.start : p.end], lang=p.lang) for p in pieces if p.kind == "keywords"
    ]
    junk = " ".join(text[d.start : d.end].strip() for d in dropped if text[d.start : d.end].strip())
    return parts, junk


# --------------------------------------------------------------------------- free-form text


@dataclass
class _Line:
    start: int
    end: int
    text: str
    markup: str = ""  # Markdown stripped off the line ("## ", "**"), kept for the discarded part


_MD_LEAD = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]*)?(?:\*\*|__)?")
_MD_TAIL = re.compile(r"(?:\*\*|__)[ \t]*$")


def _lines(text: str) -> list[_Line]:
    out, pos = [], 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
        # Markdown files wrap the same fields in "# " and "**"; classify the words inside.
        lead = _MD_LEAD.match(body).end()
        tail = _MD_TAIL.search(body, lead)
        end = tail.start() if tail else len(body)
        markup = body[:lead] + (body[end:] if tail else "")
        out.append(_Line(pos + lead, pos + end, body[lead:end], markup.strip()))
        pos += len(raw)
    return out


def _is_prose(line: str) -> bool:
    # Long titles are common (150+ characters), so length alone is not prose: prose ends its
    # sentences, titles do not.
    words = line.split()
    if len(words) >= 40:
        return True
    if len(words) < 12:
        return False
    return bool(
        re.search(r"[.!?][\"\u201d]?\s*$", line) or len(re.findall(r"[a-z]{2}[.!?]\s+[A-Z]", line)) >= 2
    )


def _wrapped_prose(lines: list[_Line]) -> set[int]:
    """Indexes of lines that belong to a hard-wrapped paragraph (a block of long lines)."""
    out: set[int] = set()
    i = 0
    while i < len(lines):
        if not lines[i].text.strip():
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].text.strip():
            j += 1
        body = range(i, j - 1)  # the last line of a wrapped paragraph may be short
        joined = " ".join(lines[k].text for k in range(i, j))
        if (
            j - i >= 2
            and all(len(lines[k].text.strip()) >= 45 and len(lines[k].text.split()) >= 6 for k in body)
            and len(joined) >= 150
            and re.search(r"[a-z]{2}[.!?](\s|$)", joined)
            and not any(_STRONG_BOILER.search(lines[k].text) for k in body)
        ):
            out.update(body)
        i = j
    return out


def _looks_like_keywords(line: str) -> bool:
    s = line.strip()
    if s.count(";") >= 1:
        items = [i for i in s.split(";") if i.strip()]
    elif s.count(",") >= 2:
        items = [i for i in s.split(",") if i.strip()]
    else:
        return False
    return len(items) >= 2 and all(len(i.split()) <= 6 for i in items) and not s.rstrip(".").count(". ")


def _looks_like_authors(line: str) -> bool:
    s = re.sub(r"[\d*\u2020\u2021\u00b9\u00b2\u00b3\u2074-\u2079,;&()]+", " ", line)
    words = [w for w in s.split() if w.lower() not in ("and", "dan")]
    if not words or len(words) > 30 or _BOILER.search(line):
        return False
    if any(w.lower() in _FUNCTION_WORDS for w in words):
        return False
    caps = sum(1 for w in words if w[0].isupper() or w.endswith("."))
    multi = bool(re.search(r",|;|&|\band\b|\bdan\b|\d|\*", line))
    return caps == len(words) and (multi or len(words) <= 4)


def _authors(text: str) -> list[str]:
    text = re.sub(r"\S+@\S+", " ", text)
    names = []
    for chunk in _NAME_JOIN.split(text):
        name = collapse_whitespace(re.sub(r"[\d*\u2020\u2021\u00b9\u00b2\u00b3\u2074-\u2079()]+", " ", chunk))
        if _LETTER.search(name):
            names.append(name)
    return names


def _find_year(texts: list[str]) -> int | None:
    for t in texts:
        m = _YEAR.search(t)
        if m:
            return int(m.group(1))
    return None


def _free_text(doc: Document, raw: Part) -> list[Part]:
    text = raw.text
    lines = _lines(text)
    heads = [i for i, ln in enumerate(lines) if len(ln.text.strip()) < 60 and _HEADING.match(ln.text)]
    # A text is an article (not an abstract) when it has at least two section headings.
    front_end = heads[0] if len(heads) >= 2 else len(lines)
    parts = _front_matter(doc, text, lines[:front_end])
    if front_end < len(lines):
        parts += _sections(text, lines[front_end:], heads)
    return parts


def _sections(text: str, lines: list[_Line], heads: list[int]) -> list[Part]:
    parts: list[Part] = []
    first = heads[0]
    head_set = set(heads)
    current: tuple[str, int, int] | None = None  # heading, body start, body end
    markup: list[str] = []

    def flush() -> None:
        if current is None:
            return
        heading, a, b = current
        a, b = _strip_span(text, a, b)
        kind = "references" if _REFERENCES.search(heading) else "section"
        parts.append(Part(kind=kind, text=text[a:b], heading=heading))

    for offset, ln in enumerate(lines):
        i = first + offset
        if i in head_set:
            flush()
            markup.append(ln.markup)
            current = (ln.text.strip(), ln.end, ln.end)
        elif current is not None:
            current = (current[0], current[1], ln.end)
    flush()
    for p in parts:
        if p.kind == "section" and p.text:
            p.lang = detect(p.text)
    if any(markup):
        parts.append(Part(kind="discarded", text=" ".join(m for m in markup if m)))
    return parts


def _front_matter(doc: Document, text: str, lines: list[_Line]) -> list[Part]:
    """Fields of an abstract page, line by line. Every line ends in exactly one bucket."""
    title: list[tuple[int, int]] = []
    authors: list[tuple[int, int]] = []
    prose: list[list[tuple[int, int]]] = []  # paragraphs of wrapped lines
    keyword_lines: list[tuple[int, int]] = []
    discarded: list[tuple[int, int]] = []
    year_texts: list[str] = []
    late_texts: list[str] = []
    field: str | None = None  # field opened by a label on its own line
    prev: str | None = None  # bucket of the previous non-blank line (None after a blank line)
    title_open = False

    wrapped = _wrapped_prose(lines)
    for i, ln in enumerate(lines):
        s = ln.text
        if not s.strip():
            prev, title_open = None, False
            if field in ("title", "authors", "keywords"):
                field = None
            continue
        a, b = _strip_span(text, ln.start, ln.end)
        m = _LINE_LABEL.match(s)
        label = None
        if m and (m.group("sep") is not None or m.group("label").lower().startswith(("abstra", "intisari"))):
            label = re.sub(r"[\s-]+", "", m.group("label").lower())
            rest = ln.start + m.end()
            ra, rb = _strip_span(text, rest, ln.end)
            if label.startswith(("kata", "key", "index")):
                keyword_lines.append((a, b))  # labels stay inside the keyword line
                prev, field = "keywords", "keywords"
                continue
            discarded.append((a, rest))
            name = _LABEL_FIELD.get(label, "discarded")
            if name == "abstract" and ra >= rb:
                field, prev = "abstract", None
                continue
            if ra >= rb:
                field = name
                continue
            a, b = ra, rb
            s = text[a:b]
            if name in ("title", "authors", "abstract"):
                # Content on the label's own line closes the field, except an abstract's, which
                # goes on over wrapped lines.
                field = "abstract" if name == "abstract" else None
                bucket = name
            else:
                bucket = "discarded"
                year_texts.append(s)
                field = None
        elif field == "keywords":
            keyword_lines.append((a, b))
            continue
        elif not _LETTER.search(s):
            bucket = "discarded"  # rules, page numbers, stray symbols
        elif field in ("title", "authors"):
            bucket = field
        elif _looks_like_keywords(s) and prose and not _is_prose(s) and i not in wrapped:
            bucket = "keywords"
        elif _is_prose(s) or i in wrapped:
            bucket = "abstract"
        elif _STRONG_BOILER.search(s):
            bucket = "discarded"
        elif field == "abstract" or prev == "abstract":
            bucket = "abstract"
        elif not prose and not title and not _HEADER.search(s):
            bucket = "title"  # before the weak boilerplate test: titles mention universities too
        elif _BOILER.search(s):
            bucket = "discarded"
        elif not prose and title_open and not _looks_like_authors(s):
            bucket = "title"
        elif not prose and _looks_like_authors(s) and not any(d[0] > title[-1][0] for d in discarded):
            bucket = "authors"
        else:
            bucket = "discarded"

        if bucket == "title":
            title.append((a, b))
            title_open = True
        else:
            title_open = False
        if bucket == "authors":
            authors.append((a, b))
            year_texts.append(text[a:b])
        elif bucket == "abstract":
            if prev == "abstract" and prose:
                prose[-1].append((a, b))
            else:
                prose.append([(a, b)])
        elif bucket == "keywords":
            keyword_lines.append((a, b))
        elif bucket == "discarded":
            discarded.append((a, b))
            (late_texts if prose else year_texts).append(text[a:b])
        prev = bucket
        if label is None and field == "abstract" and bucket != "abstract":
            field = None

    parts: list[Part] = []
    if title:
        t = "\n".join(text[a:b] for a, b in title)
        parts.append(Part(kind="title", text=t))
        doc.title = doc.title or collapse_whitespace(t)
    if authors:
        t = "\n".join(text[a:b] for a, b in authors)
        parts.append(Part(kind="authors", text=t))
        if not doc.authors:
            doc.authors = _authors(t)

    pieces: list[tuple[str, _Piece]] = []
    dropped: list[str] = []
    for para in prose:
        a, b = para[0][0], para[-1][1]
        ptext = text[a:b]
        ps, ds = _split_pieces(ptext)
        pieces += [(ptext, p) for p in ps]
        dropped += [ptext[d.start : d.end] for d in ds]
    many_paragraphs = len(prose) > 4 and not any(p.kind == "keywords" for _, p in pieces)
    by_lang: dict[str | None, list[str]] = {}
    kw_parts: list[Part] = []
    for ptext, p in pieces:
        if p.kind == "abstract":
            by_lang.setdefault(p.lang, []).append(ptext[p.start : p.end])
        else:
            runs, kws = _keyword_parts(ptext[p.start : p.end], p.start, p.lang)
            kw_parts += [Part(kind="keywords", text=ptext[r.start : r.end], lang=r.lang) for r in runs]
            _add_keywords(doc, kws)
    kind = "body" if many_paragraphs else "abstract"
    for lang, texts in by_lang.items():
        parts.append(Part(kind=kind, text="\n\n".join(texts), lang=lang))
    parts += kw_parts
    for a, b in keyword_lines:
        runs, kws = _keyword_parts(text[a:b], a)
        parts += [Part(kind="keywords", text=text[r.start : r.end], lang=r.lang) for r in runs]
        _add_keywords(doc, kws)

    m = _DOI.search(text)
    if m and not doc.doi:
        doc.doi = m.group(0).rstrip(".,;:)]}>")
    if doc.year is None:
        cites = [t for t in late_texts if _CITATION.search(t)]
        doc.year = _find_year(year_texts + cites)
    junk = [text[a:b] for a, b in discarded if b > a] + dropped + [ln.markup for ln in lines if ln.markup]
    if junk:
        parts.append(Part(kind="discarded", text="\n".join(junk)))
    return parts


# --------------------------------------------------------------------------- the stage


def _record_parts(doc: Document) -> list[Part]:
    out: list[Part] = []
    for part in doc.parts:
        if part.kind == "abstract":
            pieces, junk = _bilingual_parts(part.text)
            abstracts = [p for p in pieces if p.kind == "abstract"]
            langs = {p.lang for p in abstracts}
            if part.lang is not None and not ({"id", "en"} <= langs):
                out.append(part)  # a language was already given and the text is not plainly bilingual
                continue
            for p in pieces:
                if p.kind == "keywords":
                    # The removed label ("Kata kunci") gives the list its language.
                    _add_keywords(doc, split_keywords(p.text, p.lang))
                else:
                    out.append(replace(part, text=p.text, lang=p.lang))
            if junk:  # label words and stray characters: kept, out of the way of search and themes
                out.append(Part(kind="discarded", text=junk))
        elif part.kind == "keywords":
            runs, kws = _keyword_parts(part.text)
            _add_keywords(doc, kws)
            if part.lang is not None:
                out.append(part)
            else:
                out += [replace(part, text=part.text[r.start : r.end], lang=r.lang) for r in runs]
        else:
            out.append(part)
    return out


def segment(doc: Document) -> Document:
    """Final parts for a document (see the module docstring for the three kinds of input)."""
    if any(p.kind == "raw" for p in doc.parts):
        parts: list[Part] = []
        for p in doc.parts:
            parts += _free_text(doc, p) if p.kind == "raw" else [p]
        doc.parts = _ordered(parts)
    else:
        doc.parts = _record_parts(doc)
    return doc


_ORDER = {"title": 0, "authors": 1, "abstract": 2, "keywords": 3}


def _ordered(parts: list[Part]) -> list[Part]:
    # Front-matter kinds first, then body/sections in reading order, discarded last.
    return sorted(parts, key=lambda p: _ORDER.get(p.kind, 5 if p.kind == "discarded" else 4))
