"""A learned line-role model for titles against the rules (pipeline.pdf.title), on the gold files.

Issue 12 asks to weigh learning each line's role from pdfium features against more rules. This
bench does it for the role the rules find hardest to state, the title of a document with no
label before it. Line labels come from the hand-written gold titles: on the title page, the run
of consecutive lines whose text makes up the gold title is "title", every other line is not;
documents where no run of lines spells the title (a layout that merged rows) are left out and
counted. Features per line: type size against the body and the page's largest, bold, italic,
capitals, words, position, centring, gaps above and below, same type as the neighbours, banner /
affiliation / date / genre patterns, and whether the rules picked the line (the rules kept as a
feature). A logistic regression is scored with leave-one-document-out cross-validation: the
predicted title is the most probable line and the lines next to it in the same type that the
model also calls title. Printed: the title accuracy of the rules and of the model with and
without the rule feature, on the same documents.

    python3 bench/pdf_title_model.py [--corpora DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.linear_model import LogisticRegression  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from pdf_accuracy import GOLD_FILES, norm  # noqa: E402

from pipeline.document import ReadError  # noqa: E402
from pipeline.pdf import fields, title  # noqa: E402
from pipeline.pdf.cleanup import strip_running  # noqa: E402
from pipeline.pdf.guard import Deadline  # noqa: E402
from pipeline.readers import ReadOptions  # noqa: E402
from pipeline.readers.pdf import extract_pages  # noqa: E402

OPTS = ReadOptions(ocr="off", time_limit=0)


def _forms(gold: dict) -> list[str]:
    t = gold["title"]
    return [norm(x) for x in (t if isinstance(t, list) else [t])]


def _title_run(page: list, forms: list[str]) -> list[int] | None:
    """Indices of the consecutive lines whose text, joined, is one of the gold title's forms."""
    texts = [norm(title.clean_line(ln.text)) for ln in page]
    for i in range(len(page)):
        joined = ""
        for j in range(i, min(i + 8, len(page))):
            joined = f"{joined} {texts[j]}".strip()
            if joined in forms:
                return list(range(i, j + 1))
            if not any(f.startswith(joined) for f in forms):
                break
    return None


def _features(page: list, body: float, chosen: set[int]) -> np.ndarray:
    sizes = [title.type_size(ln) for ln in page]
    top = max(sizes) or 1.0
    height = max(ln.bottom for ln in page) or 1.0
    width = max(ln.x1 for ln in page) or 1.0
    rows = []
    for i, ln in enumerate(page):
        t = ln.text.strip()
        letters = [c for c in t if c.isalpha()]
        prev, nxt = (page[i - 1] if i else None), (page[i + 1] if i + 1 < len(page) else None)
        size = sizes[i]
        rows.append(
            [
                size / (body or size or 1.0),
                size / top,
                float(size == top),
                float(ln.bold),
                float(ln.italic),
                sum(c.isupper() for c in letters) / max(len(letters), 1),
                np.log1p(len(t.split())),
                ln.top / height,
                abs((ln.x0 + ln.x1) / 2 - width / 2) / width,
                i / len(page),
                ((ln.top - prev.bottom) / size) if prev else 3.0,
                ((nxt.top - ln.bottom) / size) if nxt else 3.0,
                float(prev is not None and abs(title.type_size(prev) - size) < 0.06 * size),
                float(nxt is not None and abs(title.type_size(nxt) - size) < 0.06 * size),
                float(bool(title.BANNER.search(t))),
                float(bool(title.AFFILIATION.search(t))),
                float(bool(title.DATE_LINE.match(t))),
                float(bool(re.search(r"\d", t))),
                float(t.endswith(".")),
                float(i in chosen),
            ]
        )
    return np.array(rows, dtype=float)


def _predict(page: list, probs: np.ndarray) -> str:
    best = int(np.argmax(probs))
    lo = hi = best
    size = title.type_size(page[best])
    while lo > 0 and probs[lo - 1] > 0.5 and abs(title.type_size(page[lo - 1]) - size) < 0.06 * size:
        lo -= 1
    while (
        hi + 1 < len(page) and probs[hi + 1] > 0.5 and abs(title.type_size(page[hi + 1]) - size) < 0.06 * size
    ):
        hi += 1
    return " ".join(title.clean_line(ln.text) for ln in page[lo : hi + 1])


def collect(corpora: Path) -> tuple[list, int]:
    docs, skipped = [], 0
    for gold_file in GOLD_FILES:
        for line in gold_file.read_text(encoding="utf-8").splitlines():
            gold = json.loads(line)
            path = corpora / gold["path"]
            if "title" not in gold or gold.get("doc_type") == "regulation" or not path.exists():
                continue
            try:
                with Deadline(0) as deadline:
                    pages = extract_pages(path, OPTS, deadline, {})
            except ReadError:
                continue
            raw = [ln for p in pages for ln in p.lines]
            strip_running(pages)
            lines = [ln for p in pages for ln in p.lines]
            if not lines:
                continue
            f = fields.extract(lines, raw=raw)
            forms = _forms(gold)
            # The title page: the first page, or the one whose lines spell the title.
            for pno in sorted({ln.page for ln in lines})[:2]:
                page = [ln for ln in lines if ln.page == pno]
                run = _title_run(page, forms)
                if run:
                    break
            if not run:
                skipped += 1
                continue
            body = title.body_size([ln for ln in lines if ln.page <= lines[0].page + 2])
            chosen = {
                i
                for i, ln in enumerate(page)
                if title.clean_line(ln.text) and title.clean_line(ln.text) in (f.title or "")
            }
            x = _features(page, body, chosen)
            y = np.array([i in run for i in range(len(page))], dtype=int)
            docs.append((gold["path"], page, x, y, forms, norm(f.title) in forms))
    return docs, skipped


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    args = ap.parse_args(argv)
    docs, skipped = collect(args.corpora)
    print(f"{len(docs)} documents with their title's lines found on the page ({skipped} left out)")
    results = {"rules": [d[5] for d in docs]}
    for name, cols in (("model + rule feature", slice(None)), ("model, pdfium features only", slice(0, -1))):
        right = []
        for k, (_, page, x, _, forms, _) in enumerate(docs):
            train = [d for j, d in enumerate(docs) if j != k]
            xs = np.vstack([d[2][:, cols] for d in train])
            ys = np.concatenate([d[3] for d in train])
            model = LogisticRegression(max_iter=2000, class_weight="balanced", C=1.0).fit(xs, ys)
            probs = model.predict_proba(x[:, cols])[:, 1]
            right.append(norm(_predict(page, probs)) in forms)
        results[name] = right
    print(f"{'method':34} {'right':>5} / {'all':>3}  title accuracy (leave-one-document-out for the model)")
    for name, oks in results.items():
        print(f"{name:34} {sum(oks):5} / {len(oks):3}  {sum(oks) / max(len(oks), 1):7.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
