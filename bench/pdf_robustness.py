"""Does govtext keep the text of every PDF? govtext beside pypdfium2 over every PDF in
../shared/corpora (never heldout/) and the odd files that tests/pdf_factory.py generates.

Per file: coverage (share of pypdfium2's words that govtext stores, once the running heads and
page numbers govtext removed are taken out of pypdfium2's words too), order (share of
pypdfium2's word bigrams that govtext keeps), duplication (letters govtext stores / letters
pypdfium2 gives), heads (share of pypdfium2's letters removed as running heads and page
numbers), the slowest page in seconds, and the outcome. Then the files below 0.9 coverage,
below 0.9 order, above 1.3 duplication, and the targets of issue 12:

- coverage >= 0.9 on every file with a text layer;
- median order >= 0.9;
- duplication never above 1.3;
- no file with text reported as needing OCR;
- no generated page keeps a worker busy more than 5 s.

pypdfium2's words are those of its plain text (``get_text_range``) on the pages that have a
text layer, judged here without govtext's code: at least 30 letters, and at least half of the
non-space characters in runs of two or more letters or digits (an OCR layer of garbage over a
scan is not); and not in a file that the corpus manifests (``manifest.csv``, column
``text_layer``) label as scanned with a garbled text layer, or as having none. Each word (and
bigram) counts once per page it is on, so that a page drawn several times over for boldness
does not count several times. "What govtext stores" is every part of the document after the
segment stage (heading and text; "discarded" parts too: the store keeps them), and, for
coverage only, the document's own columns (title, authors, DOI, keywords). Words are compared
as NFKC-casefolded runs of word characters, with hyphens inside words dropped on both sides
(pdfium joins a word broken at a line end with U+FFFE; govtext joins it or keeps a real hyphen).

    python3 bench/pdf_robustness.py [--corpora DIR] [--no-generated] [--only TEXT] [--ocr off]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402

from pipeline import segment  # noqa: E402
from pipeline.document import NeedsOCR, ReadError, RecordError  # noqa: E402
from pipeline.readers import ReadOptions  # noqa: E402
from pipeline.readers import pdf as pdf_reader  # noqa: E402

COVERAGE_MIN = 0.9
ORDER_MIN = 0.9
DUPLICATION_MAX = 1.3
PAGE_SECONDS_MAX = 5.0

_INNER_HYPHEN = re.compile(r"(?<=\w)[-\u2010\u2011\u00ad\ufffe\x02](?=\w)")
_WORD = re.compile(r"\w+")
_RUN = re.compile(r"[^\W\d_]{2,}|\d+")


def words(text: str) -> list[str]:
    text = _INNER_HYPHEN.sub("", unicodedata.normalize("NFKC", text).casefold())
    return _WORD.findall(text)


def letters(text: str) -> int:
    return sum(ch.isalpha() for ch in unicodedata.normalize("NFKC", text))


def bigrams(seq: list[str]) -> Counter:
    return Counter(zip(seq, seq[1:], strict=False))


def is_text_page(text: str) -> bool:
    """A text layer, judged without govtext's code (see the module docstring)."""
    chars = sum(not ch.isspace() for ch in text)
    if letters(text) < 30 or not chars:
        return False
    return sum(len(m) for m in _RUN.findall(text)) / chars >= 0.5


@dataclass
class Reference:
    pages: int = 0
    text_pages: int = 0
    words: Counter = field(default_factory=Counter)  # each page's distinct words
    pairs: Counter = field(default_factory=Counter)  # each page's distinct bigrams
    letters: int = 0
    seconds: float = 0.0
    error: str | None = None


def reference(path: Path) -> Reference:
    """pypdfium2's plain text of the pages with a text layer."""
    ref = Reference()
    t0 = time.perf_counter()
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        ref.error = str(exc)
        return ref
    try:
        ref.pages = len(doc)
        for i in range(ref.pages):
            try:
                page = doc[i]
            except pdfium.PdfiumError:
                continue
            tp = page.get_textpage()
            text = tp.get_text_range()
            tp.close()
            page.close()
            if is_text_page(text):
                seq = words(text)
                ref.text_pages += 1
                ref.words.update(set(seq))
                ref.pairs.update(set(bigrams(seq)))
                ref.letters += letters(text)
    finally:
        doc.close()
    ref.seconds = time.perf_counter() - t0
    return ref


@dataclass
class Result:
    name: str
    kind: str  # text | no-text | unreadable (by pypdfium2's side)
    pages: int
    outcome: str = "ok"
    coverage: float | None = None
    order: float | None = None
    duplication: float | None = None
    heads: float = 0.0
    slowest_page: float = 0.0
    seconds: float = 0.0
    ref_seconds: float = 0.0
    needs_ocr: bool = False
    generated: bool = False


class _Spy:
    """Times every page_lines call and keeps the lines strip_running removes."""

    def __init__(self) -> None:
        self.page_seconds: list[float] = []
        self.removed: list[str] = []
        self._page_lines = pdf_reader.page_lines
        self._strip = pdf_reader.strip_running

    def __enter__(self) -> _Spy:
        def timed(page, number):
            t0 = time.perf_counter()
            try:
                return self._page_lines(page, number)
            finally:
                self.page_seconds.append(time.perf_counter() - t0)

        def strip(pages):
            before = [ln for p in pages for ln in p.lines]
            n = self._strip(pages)
            kept = {id(ln) for p in pages for ln in p.lines}
            self.removed += [ln.text for ln in before if id(ln) not in kept]
            return n

        pdf_reader.page_lines = timed
        pdf_reader.strip_running = strip
        return self

    def __exit__(self, *exc) -> None:
        pdf_reader.page_lines = self._page_lines
        pdf_reader.strip_running = self._strip


def measure(
    path: Path, name: str, options: ReadOptions, generated: bool, curated_scan: bool = False
) -> Result:
    ref = reference(path)
    kind = "unreadable" if ref.error else ("text" if ref.text_pages and not curated_scan else "no-text")
    res = Result(name, kind, ref.pages, ref_seconds=ref.seconds, generated=generated)
    warnings: list[str] = []
    doc = None
    t0 = time.perf_counter()
    with _Spy() as spy:
        try:
            for item in pdf_reader.read(path, options):
                if isinstance(item, RecordError):
                    warnings.append(item.message)
                else:
                    doc = segment.segment(item)
        except NeedsOCR as exc:
            res.outcome, res.needs_ocr = f"needs OCR: {exc}", True
        except ReadError as exc:
            res.outcome = f"error: {exc}"
    res.seconds = time.perf_counter() - t0
    res.slowest_page = max(spy.page_seconds, default=0.0)
    if doc is not None and warnings:
        res.outcome = "ok; " + " | ".join(warnings)
    if kind != "text" or not ref.words:
        return res
    removed = [words(line) for line in spy.removed]
    removed_words = Counter(w for line in removed for w in set(line))
    removed_pairs = Counter(p for line in removed for p in set(bigrams(line)))
    want = ref.words - removed_words
    want_pairs = ref.pairs - removed_pairs
    res.heads = sum(letters(t) for t in spy.removed) / max(ref.letters, 1)
    if doc is None:
        res.coverage = res.order = res.duplication = 0.0
        return res
    stored_words: Counter = Counter()
    stored_pairs: Counter = Counter()
    stored_letters = 0
    for part in doc.parts:
        text = f"{part.heading}\n{part.text}" if part.heading else part.text
        seq = words(text)
        stored_words.update(seq)
        stored_pairs.update(bigrams(seq))
        stored_letters += letters(text)
    # The document's own columns (DOI, keywords...) are stored too; they count for coverage only.
    fields = [doc.title or "", doc.doi or "", *doc.authors, *(k.text for k in doc.keywords)]
    stored_words.update(w for f in fields for w in words(f))
    res.coverage = sum((want & stored_words).values()) / max(sum(want.values()), 1)
    res.order = sum((want_pairs & stored_pairs).values()) / max(sum(want_pairs.values()), 1)
    res.duplication = stored_letters / max(ref.letters, 1)
    return res


def curated_no_text(corpora: Path) -> set[Path]:
    """Files the corpus manifests (``manifest.csv`` beside them, column ``text_layer``) label as
    having no usable text layer: "none", or "scanned/garbled"."""
    import csv

    out: set[Path] = set()
    for manifest in corpora.rglob("manifest*.csv"):
        if "heldout" in manifest.relative_to(corpora).parts:
            continue
        with manifest.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                label = (row.get("text_layer") or "").strip().lower()
                if row.get("file") and (label == "none" or "garbled" in label):
                    out.add((manifest.parent / row["file"]).resolve())
    return out


def _fmt(v: float | None) -> str:
    return "   -" if v is None else f"{v:4.2f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--no-generated", action="store_true", help="leave out the generated odd files")
    ap.add_argument("--only", default="", help="only files whose name contains this")
    ap.add_argument("--ocr", default="off", choices=["off", "auto"], help="OCR mode of the reader")
    ap.add_argument("--time-limit", type=float, default=120.0)
    args = ap.parse_args(argv)
    options = ReadOptions(ocr=args.ocr, time_limit=args.time_limit)
    files: list[tuple[str, Path, bool]] = []
    if args.corpora.is_dir():
        for p in sorted(args.corpora.rglob("*.pdf")):
            rel = p.relative_to(args.corpora)
            if rel.parts[0] != "heldout":
                files.append((str(rel), p, False))
    else:
        print(f"no corpora at {args.corpora}: generated files only")
    tmp = tempfile.TemporaryDirectory(prefix="govtext-robust-")
    if not args.no_generated:
        from tests import pdf_factory

        for name, p in pdf_factory.robustness_cases(Path(tmp.name)).items():
            files.append((f"generated/{name}", p, True))
    files = [f for f in files if args.only in f[0]]
    no_text = curated_no_text(args.corpora) if args.corpora.is_dir() else set()
    results = []
    print(
        f"{'file':58} {'kind':7} {'pages':>5} {'cov':>4} {'ord':>4} {'dup':>4} {'head':>4} {'page s':>6}  outcome"
    )
    for name, path, generated in files:
        r = measure(path, name, options, generated, path.resolve() in no_text)
        results.append(r)
        print(
            f"{name[-58:]:58} {r.kind:7} {r.pages:5d} {_fmt(r.coverage)} {_fmt(r.order)} {_fmt(r.duplication)} "
            f"{r.heads:4.2f} {r.slowest_page:6.2f}  {r.outcome[:110]}",
            flush=True,
        )
    tmp.cleanup()
    scored = [r for r in results if r.coverage is not None]
    low_cov = [r for r in scored if r.coverage < COVERAGE_MIN]
    low_order = [r for r in scored if r.order < ORDER_MIN]
    high_dup = [r for r in scored if r.duplication > DUPLICATION_MAX]
    ocr_with_text = [r for r in results if r.needs_ocr and r.kind == "text"]
    slow = [r for r in results if r.generated and r.slowest_page > PAGE_SECONDS_MAX]
    print()
    for title, rows, attr in (
        (f"coverage below {COVERAGE_MIN}", low_cov, "coverage"),
        (f"order below {ORDER_MIN}", low_order, "order"),
        (f"duplication above {DUPLICATION_MAX}", high_dup, "duplication"),
        ("reported as needing OCR although pypdfium2 finds text", ocr_with_text, None),
        (f"generated files with a page slower than {PAGE_SECONDS_MAX:g} s", slow, "slowest_page"),
    ):
        print(f"{title}: {len(rows)}")
        for r in rows:
            value = f"{getattr(r, attr):.2f} " if attr else ""
            print(f"  {value}{r.name}  ({r.outcome[:90]})")
    orders = [r.order for r in scored]
    med = statistics.median(orders) if orders else 0.0
    gov_s = sum(r.seconds for r in results)
    ref_s = sum(r.ref_seconds for r in results)
    print()
    print(
        f"{len(results)} files ({sum(r.generated for r in results)} generated), {len(scored)} with a text layer; "
        f"govtext {gov_s:.1f} s, pypdfium2 get_text_range {ref_s:.1f} s (x{gov_s / max(ref_s, 1e-9):.1f})"
    )
    targets = [
        (f"coverage >= {COVERAGE_MIN} on every text-layer file", not low_cov, f"{len(low_cov)} below"),
        (f"median order >= {ORDER_MIN}", med >= ORDER_MIN or not orders, f"median {med:.3f}"),
        (f"duplication never above {DUPLICATION_MAX}", not high_dup, f"{len(high_dup)} above"),
        ("no file with text called needs OCR", not ocr_with_text, f"{len(ocr_with_text)} files"),
        (
            f"no generated page over {PAGE_SECONDS_MAX:g} s",
            not slow,
            f"slowest {max((r.slowest_page for r in results if r.generated), default=0):.2f} s",
        ),
    ]
    for what, ok, detail in targets:
        print(f"  [{'met' if ok else 'MISSED'}] {what}: {detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
