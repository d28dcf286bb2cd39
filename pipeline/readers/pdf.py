"""PDF reader: one Document per file, built from pypdfium2 text boxes.

Order of work per file: guard (magic bytes, encryption, page cap, time limit), lines and reading
order per page (pipeline.pdf.layout), scanned-page detection and OCR (pipeline.pdf.ocr), running
heads and page numbers out (pipeline.pdf.cleanup), then either the regulation structure
(pipeline.pdf.regulation) or article/report fields (pipeline.pdf.fields).

A page that cannot be read, or is read without its text (a scan with OCR off, a garbled text
layer), never costs the file: the other pages are kept and the reader yields one RecordError
(stage ``read-page``) per reason, naming the pages. A file pdfium cannot open is tried with
pdfminer (pdfplumber) before it is given up.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium

from pipeline.clean import normalize_unicode
from pipeline.document import Document, NeedsOCR, Part, ReadError, RecordError
from pipeline.pdf import fields, fonts, ocr, regulation
from pipeline.pdf.cleanup import strip_running
from pipeline.pdf.guard import Deadline, check_file, unreadable
from pipeline.pdf.layout import Line, PageLines, page_lines
from pipeline.readers import ReadOptions, register
from pipeline.readers.encoding import sha256_file

MAX_PAGES = 5000  # ReadOptions.max_pages overrides
OCR_MAX_PAGES = 30  # ReadOptions.ocr_max_pages overrides: OCR costs seconds per page
SLOW_PATH_MIN_QUALITY = 0.8  # pdfminer's text must be clearly good to replace pdfium's
SLOW_PATH_MIN_CHARS = 200  # a garbled page shorter than this is not worth pdfminer's time
PAGE_STAGE = "read-page"  # errors-table stage of a page left out or read without its text


def _one_line(exc: BaseException) -> str:
    """An exception's message on one short line, without its class name."""
    text = " ".join(str(exc).split()).rstrip(".")
    if text.startswith("Failed to load document (PDFium: ") and text.endswith(")"):
        text = text[len("Failed to load document (PDFium: ") : -1]
    return (text[:1].lower() + text[1:100]) if text else "unexpected error"


def _plumber_lines(page, index: int) -> PageLines:
    """pdfminer's own words of a pdfplumber page as lines, in pdfminer's text flow."""
    try:
        words = page.extract_words(use_text_flow=True, keep_blank_chars=False)
    finally:
        page.flush_cache()
    rows: dict[int, list[dict]] = {}
    for w in words:
        rows.setdefault(round(w["top"] / 3), []).append(w)
    lines = []
    for ws in rows.values():
        ws.sort(key=lambda w: w["x0"])
        lines.append(
            Line(
                normalize_unicode(" ".join(w["text"] for w in ws)),
                ws[0]["x0"],
                ws[-1]["x1"],
                min(w["top"] for w in ws),
                max(w["bottom"] for w in ws),
                max(w["bottom"] - w["top"] for w in ws),
                index + 1,
            )
        )
    lines.sort(key=lambda ln: (ln.top, ln.x0))
    return PageLines(index + 1, float(page.width), float(page.height), lines, 1)


def _plumber_page(path: Path, index: int, cache: dict) -> PageLines | None:
    """Slow path: pdfminer's own text for a page whose pdfium text looks garbled."""
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover
        return None
    if "pdf" not in cache:
        cache["pdf"] = pdfplumber.open(str(path))
    return _plumber_lines(cache["pdf"].pages[index], index)


def _page_span(pages: list[int]) -> str:
    """ "page 4", "pages 2-13", "pages 2, 5, 7-9"."""
    spans: list[list[int]] = []
    for p in sorted(pages):
        if spans and p == spans[-1][1] + 1:
            spans[-1][1] = p
        else:
            spans.append([p, p])
    text = ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)
    return f"page {text}" if len(pages) == 1 else f"pages {text}"


def page_problems(skipped: dict[str, list[int]]) -> list[str]:
    """One line per reason: "pages 2-13: no text layer (OCR is off)"."""
    return [f"{_page_span(pages)}: {reason}" for reason, pages in skipped.items()]


_WHAT = {
    "scan": "no text layer",
    "garbled": "text layer unreadable (garbled characters)",
    "poor": "OCR layer of poor quality, kept as it is",
    "poor file": "OCR layer of poor quality",
}


def _no_text_reason(kind: str, mode: str, can_ocr: bool, cap: int) -> str:
    """Why a "scan", "garbled" or "poor" page was read without OCR (``can_ocr``: OCR was there but
    its page limit was reached)."""
    what = _WHAT[kind]
    if mode == "off":
        return ocr.OCR_OFF_MESSAGE if kind == "scan" else f"{what} (OCR is off)"
    if can_ocr:
        return f"{what}; not OCRed (OCR limit of {cap} pages per file reached; see ocr_max_pages)"
    return f"{what}; {ocr.OCR_HINT}"


POOR_FILE_QUALITY = 0.7  # a scan whose kept pages read below this on average needs OCR


def _poor_layer(pages: list[PageLines]) -> bool:
    """Whether the text kept from a (partly) scanned file reads badly on average: born-digital
    files score 0.8 and more, a file of noisy OCR 0.5-0.65."""
    qs = [
        ocr.text_quality(text[:4000])
        for text in ("\n".join(ln.text for ln in p.lines) for p in pages)
        if sum(c.isalpha() for c in text[:400]) >= ocr.STAMP_LETTERS
    ]
    return bool(qs) and sum(qs) / len(qs) < POOR_FILE_QUALITY


def extract_pages(
    path: Path, options: ReadOptions, deadline: Deadline, meta: dict
) -> tuple[list[PageLines], list[str]]:
    """Lines of every page in reading order, and one line per reason pages were left out or read
    without their text. Raises ReadError when the file gives no text at all."""
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        reason = _one_line(exc)
        if "password" in reason.lower():
            raise ReadError("encrypted PDF (password required)") from None
        return _plumber_pages(path, options, deadline, meta, reason)
    plumber: dict = {}
    try:
        n = len(doc)
        cap = int(getattr(options, "max_pages", 0) or MAX_PAGES)
        if n == 0:
            raise ReadError("PDF has no pages")
        if n > cap:
            raise ReadError(f"too many pages ({n} > {cap}; raise max_pages to read it)")
        ocr_mode = options.ocr or "auto"
        ocr_cap = int(getattr(options, "ocr_max_pages", 0) or OCR_MAX_PAGES)
        can_ocr = ocr_mode != "off" and ocr.tesseract_available()
        if ocr_mode == "force" and not ocr.tesseract_available():
            raise NeedsOCR(ocr.NEEDS_OCR_MESSAGE)
        pages: list[PageLines] = []
        skipped: dict[str, list[int]] = {}
        kinds: dict[str, int] = {}
        ocred = slow = failed_slow = 0
        capped = False  # a page that wanted OCR was past ocr_max_pages
        for i in range(n):
            deadline.page = i + 1
            deadline.check()
            try:
                page = doc[i]
            except pdfium.PdfiumError as exc:
                skipped.setdefault(f"could not be read ({_one_line(exc)})", []).append(i + 1)
                pages.append(PageLines(i + 1, 0.0, 0.0, [], 1))
                kinds["failed"] = kinds.get("failed", 0) + 1
                continue
            try:
                pl = page_lines(page, i + 1)
                if fonts.wanted(i, pl.lines, pages):
                    fonts.annotate(page, pl.lines)
                text = "\n".join(ln.text for ln in pl.lines)
                kind = ocr.classify(text, page)
                if kind == "garbled" and len(text) >= SLOW_PATH_MIN_CHARS and failed_slow < 3:
                    # A garbled layer may be a font-encoding problem that pdfminer decodes well; a
                    # bad OCR layer stays bad, so stop trying after a few pages that gain nothing.
                    try:
                        alt = _plumber_page(path, i, plumber)
                    except Exception:  # noqa: BLE001 - pdfminer failing here leaves the page as it was
                        alt = None
                    alt_text = "\n".join(ln.text for ln in alt.lines) if alt else ""
                    if alt and ocr.text_quality(alt_text[:4000]) >= SLOW_PATH_MIN_QUALITY:
                        pl, kind = alt, "text"
                        slow += 1
                    else:
                        failed_slow += 1
                if ocr_mode == "force" or kind in ("scan", "garbled", "poor"):
                    if can_ocr and ocred < ocr_cap:
                        pl = ocr.ocr_page(page, i + 1, options.ocr_langs)
                        ocred += 1
                        kind = "ocr"
                    elif kind != "text":
                        capped = capped or can_ocr
                        reason = _no_text_reason(kind, ocr_mode, can_ocr, ocr_cap)
                        skipped.setdefault(reason, []).append(i + 1)
                        # A scan keeps a text layer that reads as text (a stamp, a caption).
                        if kind == "garbled" or (
                            kind == "scan" and ocr.text_quality(text) < ocr.SCAN_MIN_QUALITY
                        ):
                            pl = PageLines(i + 1, pl.width, pl.height, [], 1)
            except ReadError:
                raise
            except Exception as exc:  # noqa: BLE001 - one bad page must not cost the file
                skipped.setdefault(f"could not be read ({_one_line(exc)})", []).append(i + 1)
                pl, kind = PageLines(i + 1, 0.0, 0.0, [], 1), "failed"
            finally:
                page.close()
            kinds[kind] = kinds.get(kind, 0) + 1
            pages.append(pl)
        meta["slow_pages"] = slow
        meta["ocr_pages"] = ocred
        if not (kinds.get("text") or kinds.get("ocr") or kinds.get("poor")):
            # No page of text: stamps on scanned pages or captions do not make a document.
            if kinds.get("scan") or kinds.get("garbled"):
                kind = "scan" if kinds.get("scan") else "garbled"
                raise NeedsOCR(_no_text_reason(kind, ocr_mode, can_ocr, ocr_cap))
            if kinds.get("failed"):
                first = next(iter(skipped))
                raise ReadError(f"no page could be read ({first[len('could not be read (') : -1]})")
            raise ReadError("no text (every page is blank or holds only drawings)")
        if (kinds.get("scan") or kinds.get("poor")) and not kinds.get("ocr") and _poor_layer(pages):
            # A scan whose OCR layer reads badly on the whole: a text not worth keeping, a file
            # that needs OCR (good pages of a mixed file keep the average up).
            raise NeedsOCR(_no_text_reason("poor file", ocr_mode, can_ocr, ocr_cap))
        unread = kinds.get("scan", 0) + kinds.get("garbled", 0)
        if unread:
            meta["pages_without_text"] = unread
        if capped:
            meta["ocr_capped"] = True
        if kinds.get("failed"):
            meta["pages_failed"] = kinds["failed"]
        meta["two_column_pages"] = sum(p.columns == 2 for p in pages)
        return pages, page_problems(skipped)
    finally:
        if "pdf" in plumber:
            plumber["pdf"].close()
        doc.close()


def _plumber_pages(
    path: Path, options: ReadOptions, deadline: Deadline, meta: dict, reason: str
) -> tuple[list[PageLines], list[str]]:
    """Every page through pdfminer, for a file pdfium cannot open; ``reason`` is pdfium's."""
    try:
        import pdfplumber

        pdf = pdfplumber.open(str(path))
        n = len(pdf.pages)
    except Exception:  # noqa: BLE001 - pdfminer's failures on broken files are of many kinds
        raise unreadable(path, reason) from None
    try:
        cap = int(getattr(options, "max_pages", 0) or MAX_PAGES)
        if n == 0:
            raise unreadable(path, reason)
        if n > cap:
            raise ReadError(f"too many pages ({n} > {cap}; raise max_pages to read it)")
        pages: list[PageLines] = []
        skipped: dict[str, list[int]] = {}
        images = 0
        for i in range(n):
            deadline.page = i + 1
            deadline.check()
            try:
                page = pdf.pages[i]
                images += bool(page.images)
                pages.append(_plumber_lines(page, i))
            except ReadError:
                raise
            except Exception as exc:  # noqa: BLE001 - one bad page must not cost the file
                skipped.setdefault(f"could not be read ({_one_line(exc)})", []).append(i + 1)
                pages.append(PageLines(i + 1, 0.0, 0.0, [], 1))
        meta["read_with"] = "pdfminer"  # pdfium could not open the file
        meta["slow_pages"] = n
        if not any(p.lines for p in pages):
            if images:
                raise NeedsOCR(ocr.OCR_OFF_MESSAGE if options.ocr == "off" else ocr.NEEDS_OCR_MESSAGE)
            raise unreadable(path, reason)
        return pages, page_problems(skipped)
    finally:
        pdf.close()


def build_document(path: Path, digest: str, pages: list[PageLines], meta: dict) -> Document:
    # A regulation's heading block is often repeated as the running head of every page: recognise it
    # before running heads are removed, then continue from the same place in the cleaned lines.
    raw_lines = [ln for p in pages for ln in p.lines]
    found = regulation.detect(raw_lines)
    meta["running_lines_removed"] = strip_running(pages)
    lines = [ln for p in pages for ln in p.lines]
    doc = Document(id=digest, path=str(path), format="pdf", pages=len(pages), meta=meta)
    if found:
        info, raw_end = found
        after = {id(ln) for ln in raw_lines[raw_end:]}
        end = next((i for i, ln in enumerate(lines) if id(ln) in after), len(lines))
        doc.doc_type = "regulation"
        doc.regulation = info.as_dict()
        doc.year = info.year
        doc.title = info.title
        heading = info.heading
        first = lines[0].page if lines else 1
        doc.parts.append(
            Part("title", normalize_unicode(heading), lang="id", page_start=first, page_end=first)
        )
        doc.parts.extend(regulation.structure(lines, end))
        return doc
    f = fields.extract(lines, raw=raw_lines)
    doc.title, doc.authors, doc.doi, doc.year = f.title, f.authors, f.doi, f.year
    doc.parts.extend(f.parts)
    doc.keywords.extend(f.keywords)
    doc.doc_type = fields.doc_type(f, pages) or doc.doc_type
    return doc


_TOKEN = re.compile(r"\w+")


def keep_unplaced(doc: Document, pages: list[PageLines]) -> None:
    """Lines that the fields and the structure left out of every part (an affiliation under the
    authors, a label, a note in the margin) go to one "discarded" part: stored, out of the way of
    search and themes, so that no text of the file is lost without a trace."""
    texts = [f"{p.heading or ''} {p.text}" for p in doc.parts]
    texts += [doc.title or "", doc.doi or "", *doc.authors, *(k.text for k in doc.keywords)]
    placed = set(_TOKEN.findall("\n".join(texts).casefold()))
    lines = [ln for page in pages for ln in page.lines]
    missing = set(_TOKEN.findall("\n".join(ln.text for ln in lines).casefold())) - placed
    if not missing:
        return
    # Only lines holding a word no part holds need a closer look; one regex finds them.
    near = re.compile("|".join(map(re.escape, sorted(missing, key=len, reverse=True))), re.I)
    left = []
    for ln in lines:
        if near.search(ln.text):
            words = _TOKEN.findall(ln.text.casefold())
            if 2 * sum(w in placed for w in words) < len(words):
                left.append(ln)
    if left:
        text = normalize_unicode("\n".join(ln.text for ln in left))
        doc.parts.append(Part("discarded", text, page_start=left[0].page, page_end=left[-1].page))


@register("pdf", ".pdf")
def read(path: Path, options: ReadOptions) -> Iterator[Document | RecordError]:
    path = Path(path)
    check_file(path)
    digest = options.digest or sha256_file(path)
    meta: dict = {}
    with Deadline(options.time_limit) as deadline:
        try:
            pages, problems = extract_pages(path, options, deadline, meta)
            doc = build_document(path, digest, pages, meta)
        except pdfium.PdfiumError as exc:  # outside a page: the file's structure itself
            raise ReadError(f"corrupt PDF ({_one_line(exc)})") from None
        keep_unplaced(doc, pages)
    yield doc
    # After the document: callers that take the first item (next(read(...))) get the document.
    for message in problems:
        yield RecordError(str(path), PAGE_STAGE, message)
