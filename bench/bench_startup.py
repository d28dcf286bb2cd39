"""Start-up cost of govtext: each step in fresh processes, median wall time.

    python3 bench/bench_startup.py [--runs 5] [--only NAME ...]

Every figure is the wall time of a new ``python3`` process (interpreter start included) that
does one thing, median of --runs processes run one after another; the machine is shared, so
the 1-minute load average is printed next to each figure. Steps:

  help            ``govtext --help`` (the installed console script, shims resolved)
  import-spacy    ``import spacy`` alone: the floor under any spaCy tokenizing
  blank-spacy     ``spacy.blank("id")`` and ``spacy.blank("en")`` (spaCy's own tokenizers, no
                  govtext): the floor under ingesting a text with both languages
  nlp-id, nlp-en  ``from pipeline import nlp; nlp.normalise(text, lang)``: import + first call
  content-id      ``nlp.content_terms(text, "id")``: also loads the stop lists, which tokenize
                  the domain stop words in both languages (both pipelines)
  langid          ``pipeline.language.detect(abstract)``: py3langid model load + first call
  ingest          ``govtext ingest one.txt --db fresh.db --workers 1``: end to end
  pass            ``python -c pass``: the interpreter alone
  query-8k        ``govtext query "kemitraan pemerintah" --db DB8K`` (--db8k: the real abstracts)
  query-100k      the same on --db100k (bench/bench_query.py builds one: 100,000 documents)
  theme-8k        ``govtext query desa --theme transparency --db DB8K``
  kwic-8k         ``govtext kwic akuntabilitas --db DB8K``
  show-8k         ``govtext show ID --db DB8K`` (the first document)
  stats-8k        ``govtext stats --by year --db DB8K``
Every query word is in the corpora, so the searches find their normal forms in the corpus's
vocabulary and never load spaCy; the targets are query and kwic within 0.15 s of ``help``.
The corpus steps are skipped when their database is not given.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ID_TEXT = (
    "Penelitian ini bertujuan untuk menganalisis kebijakan pemerintah daerah dalam pelayanan "
    "publik, e-government dan prinsip-prinsip tata kelola (good governance) di Kota Malang."
)
EN_TEXT = (
    "This study analyses the policies of local governments on public services, e-government "
    "and the principles of good governance in Indonesian cities."
)


def _govtext() -> list[str]:
    # The pyenv shim in front of the script is a bash wrapper costing ~0.5 s by itself; time
    # the real console script next to the interpreter instead.
    script = Path(sysconfig.get_path("scripts")) / "govtext"
    if script.exists():
        return [str(script)]
    found = shutil.which("govtext")
    return [found] if found else [sys.executable, "-m", "pipeline"]


def _py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def steps(tmp: Path, db8k: Path | None = None, db100k: Path | None = None) -> dict[str, list[str] | callable]:
    txt = tmp / "one.txt"
    txt.write_text(f"Kebijakan Publik di Daerah\n\n{ID_TEXT}\n\n{EN_TEXT}\n", encoding="utf-8")
    counter = iter(range(10**6))

    def ingest() -> list[str]:
        # A fresh database for every run: the first ingest into an empty store is what we time.
        return [
            *_govtext(),
            "ingest",
            str(txt),
            "--db",
            str(tmp / f"run{next(counter)}.db"),
            "--workers",
            "1",
        ]

    return {
        "help": lambda: [*_govtext(), "--help"],
        "import-spacy": lambda: _py("import spacy"),
        "blank-spacy": lambda: _py("import spacy; spacy.blank('id'); spacy.blank('en')"),
        "nlp-id": lambda: _py(f"from pipeline import nlp; nlp.normalise({ID_TEXT!r}, 'id')"),
        "nlp-en": lambda: _py(f"from pipeline import nlp; nlp.normalise({EN_TEXT!r}, 'en')"),
        "content-id": lambda: _py(f"from pipeline import nlp; nlp.content_terms({ID_TEXT!r}, 'id')"),
        "langid": lambda: _py(f"from pipeline.language import detect; detect({ID_TEXT!r})"),
        "ingest": ingest,
        "pass": lambda: _py("pass"),
        **_corpus_steps(db8k, db100k),
    }


def _corpus_steps(db8k: Path | None, db100k: Path | None) -> dict[str, callable]:
    out: dict[str, callable] = {}
    g = _govtext()
    if db8k:
        db = str(db8k)
        sys.path.insert(0, str(ROOT))
        from pipeline.store import open_store

        with open_store(db, readonly=True) as s:
            first = next(s.iter_documents(batch=1)).id
        out.update({
            "query-8k": lambda: [*g, "query", "kemitraan pemerintah", "--db", db],
            "theme-8k": lambda: [*g, "query", "desa", "--theme", "transparency", "--db", db],
            "kwic-8k": lambda: [*g, "kwic", "akuntabilitas", "--db", db],
            "show-8k": lambda: [*g, "show", first, "--db", db],
            "stats-8k": lambda: [*g, "stats", "--by", "year", "--db", db],
        })  # fmt: skip
    if db100k:
        out["query-100k"] = lambda: [*g, "query", "kemitraan pemerintah", "--db", str(db100k)]
    return out


def run_once(cmd: list[str]) -> float:
    start = time.perf_counter()
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    took = time.perf_counter() - start
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr[-2000:]}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", nargs="*", help="step names (default: all)")
    ap.add_argument(
        "--db8k", type=Path, help="a corpus of the real abstracts (govtext ingest of their JSONL)"
    )
    ap.add_argument("--db100k", type=Path, help="the 100,000-document corpus of bench/bench_query.py")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        table = steps(Path(d), args.db8k, args.db100k)
        names = args.only or list(table)
        print(f"{'step':14s} {'median':>8s} {'min':>7s} {'max':>7s}   load avg (1 min) before -> after")
        for name in names:
            load0 = os.getloadavg()[0]
            times = [run_once(table[name]()) for _ in range(args.runs)]
            load1 = os.getloadavg()[0]
            print(
                f"{name:14s} {statistics.median(times):7.2f}s {min(times):6.2f}s {max(times):6.2f}s"
                f"   {load0:.1f} -> {load1:.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
