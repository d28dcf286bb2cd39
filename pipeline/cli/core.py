"""Core commands: run, ingest, query, show, errors."""

from __future__ import annotations

import json
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from pipeline.cli.common import (
    DEFAULT_DB_PATH,
    EXIT_OK,
    EXIT_PARTIAL,
    CliError,
    DbOption,
    ExecutorOpt,
    Format,
    Scheduler,
    SourceFilter,
    TextOrJson,
    ThemeFilter,
    TopicFilter,
    Workers,
    YearFrom,
    YearTo,
    app,
    console,
    emit,
    handle_errors,
    open_store,
    out,
)

Paths = Annotated[list[Path], typer.Argument(help="Files or folders to read.", show_default=False)]
TimeLimit = Annotated[float | None, typer.Option(help="Seconds allowed per file (0: no limit).")]
RetryFailed = Annotated[bool, typer.Option(help="Retry files that failed in an earlier run.")]
FollowLinks = Annotated[
    bool,
    typer.Option(help="Follow folder links that lead outside the folders given (not followed by default)."),
]


class OcrMode(StrEnum):
    auto = "auto"
    off = "off"
    force = "force"


Ocr = Annotated[OcrMode | None, typer.Option(help="OCR for scanned PDFs (Tesseract): auto, off or force.")]
Column = Annotated[
    list[str] | None, typer.Option("--column", help="Map a field to a column name, e.g. abstract=isi.")
]


def _config(db: str, workers: int | None, columns: list[str] | None, **extra: Any):  # noqa: ANN202
    from pipeline.config import load_config

    mapping = {}
    for spec in columns or []:
        field, sep, name = spec.partition("=")
        if not sep or not field or not name:
            raise CliError(f"--column wants FIELD=NAME, got {spec!r}")
        mapping[field.strip()] = name.strip()
    return load_config({"db": db, "workers": workers, "columns": mapping or None, **extra})


def _ingest(paths: list[Path], cfg: Any, command: str, retry_failed: bool) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from pipeline.ingest import ingest
    from pipeline.store import open_store as open_any

    if cfg.spacy_models:  # a trained pipeline that is not installed: a usage error now, not per batch
        from pipeline.nlp import load_pipeline

        for lang, model in cfg.spacy_models.items():
            load_pipeline(lang, model)
    store = open_any(cfg.db)
    with store.run_lock(shared=True):
        store.close_abandoned_runs()  # the lock is ours: a run still 'running' died without finishing
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[docs]} docs, {task.fields[pages]} pages"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
            disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task("files", total=None, docs=0, pages=0)

            def progress(event: str, data: dict[str, Any]) -> None:
                t = bar.tasks[task]
                if event == "start":
                    bar.update(task, total=data["files"])
                elif event == "unit":
                    bar.update(
                        task,
                        advance=1 if data["file_done"] else 0,
                        docs=t.fields["docs"] + data["docs"],
                        pages=t.fields["pages"] + data["pages"],
                    )
                elif event == "error":
                    line = " ".join(f"{data['path']}: {data['stage']}: {data['message']}".split())
                    bar.console.print(f"[red]failed[/] {escape(line)}", highlight=False, soft_wrap=True)

            summary = ingest(paths, cfg, store, command=command, retry_failed=retry_failed, progress=progress)
    _print_summary(summary, store)
    return store, summary


def _print_summary(s: Any, store: Any) -> None:
    langs = ", ".join(f"{k}: {v}" for k, v in sorted(s.parts_by_lang.items())) or "none"
    lines = [
        f"[bold]run {s.run}[/] in {s.seconds:.1f} s",
        f"files: {s.files_seen} seen, {s.files_done} ingested, {s.files_unchanged} unchanged (no work), "
        f"{s.files_failed} failed"
        + (
            f" ({s.files_still_failing} failed before and unchanged: --retry-failed tries them again)"
            if s.files_still_failing
            else ""
        ),
        f"documents: {s.documents_new} new, {s.documents_skipped} already stored, {s.duplicates} duplicates; "
        f"{store.count('documents')} in {store.location}",
        f"parts by language: {langs}" + (f"; pages: {s.pages}" if s.pages else ""),
    ]
    if s.errors:
        lines.append(f"[red]{s.errors} errors[/]: see `govtext errors --db {store.location}`")
    for line in lines:
        console.print(line, highlight=False)


@app.command()
@handle_errors
def ingest(
    paths: Paths,
    db: DbOption = DEFAULT_DB_PATH,
    workers: Workers = None,
    column: Column = None,
    time_limit: TimeLimit = None,
    ocr: Ocr = None,
    retry_failed: RetryFailed = False,
    executor: ExecutorOpt = None,
    scheduler: Scheduler = None,
    follow_links: FollowLinks = False,
) -> None:
    """Run the per-document stages (read, clean, segment, language, NLP, themes) into the store."""
    cfg = _config(
        db, workers, column, time_limit=time_limit, ocr=ocr.value if ocr else None,
        executor=executor.value if executor else None, scheduler=scheduler,
        follow_links=follow_links or None,
    )  # fmt: skip
    store, summary = _ingest(paths, cfg, "ingest", retry_failed)
    raise typer.Exit(EXIT_OK if summary.ok else EXIT_PARTIAL)


@app.command()
@handle_errors
def run(
    paths: Paths,
    db: DbOption = DEFAULT_DB_PATH,
    workers: Workers = None,
    column: Column = None,
    time_limit: TimeLimit = None,
    ocr: Ocr = None,
    retry_failed: RetryFailed = False,
    executor: ExecutorOpt = None,
    scheduler: Scheduler = None,
    follow_links: FollowLinks = False,
) -> None:
    """The main job: ingest, then the corpus-level steps (topics, report)."""
    from pipeline.corpus import available_steps

    cfg = _config(
        db, workers, column, time_limit=time_limit, ocr=ocr.value if ocr else None,
        executor=executor.value if executor else None, scheduler=scheduler,
        follow_links=follow_links or None,
    )  # fmt: skip
    store, summary = _ingest(paths, cfg, "run", retry_failed)
    failed_steps = 0
    with store.run_lock():
        for name, fn in available_steps():
            try:
                msg = fn(store, cfg)
                if msg is not None:
                    console.print(f"{name}: {msg}", highlight=False)
            except Exception as e:  # noqa: BLE001 - a corpus step failing must not undo the ingest
                failed_steps += 1
                store.add_error(str(cfg.db), name, f"{type(e).__name__}: {e}", summary.run)
                console.print(f"[red]{name} failed[/]: {e}", highlight=False)
    raise typer.Exit(EXIT_OK if summary.ok and not failed_steps else EXIT_PARTIAL)


@app.command()
@handle_errors
def query(
    text: Annotated[str, typer.Argument(help='FTS query: words, "phrases", AND/OR/NOT, prefix*.')],
    db: DbOption = DEFAULT_DB_PATH,
    lang: Annotated[str | None, typer.Option(help="Only matches in parts of this language (id, en).")] = None,
    year_from: YearFrom = None,
    year_to: YearTo = None,
    theme: ThemeFilter = None,
    topic: TopicFilter = None,
    source: SourceFilter = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="Only parts of this kind (abstract, title, ...).")
    ] = None,
    limit: Annotated[int, typer.Option(help="Most documents to return.")] = 20,
    semantic: Annotated[
        bool, typer.Option("--semantic", help="Closest in meaning, any language (needs `govtext embed`).")
    ] = False,
    hybrid: Annotated[
        bool, typer.Option("--hybrid", help="BM25 over any of the words fused with --semantic ranks.")
    ] = False,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Full-text search, stem-aware in both languages, best matches first (bm25).

    Snippets mark the matching words as [word] (highlighted in the table). --semantic finds
    documents by meaning across languages (score: cosine); --hybrid fuses both rankings.
    """
    from pipeline import query as q

    if lang is not None and lang not in ("id", "en", "other"):
        raise CliError(f"unknown language {lang!r}: use id, en or other")
    if semantic and hybrid:
        raise CliError("--semantic and --hybrid: choose one")
    mode = "semantic" if semantic else "hybrid" if hybrid else "fts"
    if mode != "fts" and kind:
        raise CliError("--kind applies to full-text search only (vectors are per document)")
    store = open_store(db)
    if theme is not None:
        _check_theme(store, theme)
    if topic is not None and store.active_model_id("topics") is None:
        raise CliError("--topic: no topic model yet (run `govtext topics fit` first)")
    rows = q.search(
        store,
        text,
        lang=lang,
        year_from=year_from,
        year_to=year_to,
        theme=theme,
        kinds=kind,
        limit=limit,
        topic=topic,
        source=source,
        mode=mode,
    )
    if format != Format.table:
        emit(rows, format, ["id", "source_id", "path", "title", "year", "langs", "snippet", "score"])
        return
    from rich.table import Table
    from rich.text import Text

    t = Table(show_lines=False)
    for c in ("id", "title", "year", "langs", "snippet", "score"):
        t.add_column(c, overflow="fold")
    for r in rows:
        snippet = Text()
        for i, piece in enumerate(re.split(r"\[([^\[\]]*)\]", r["snippet"] or "")):
            snippet.append(piece, style="bold yellow" if i % 2 else None)
        t.add_row(
            r["id"][:12],
            Text(r["title"] or ""),
            str(r["year"] or ""),
            " ".join(r["langs"]),
            snippet,
            f"{r['score']:.3f}" if mode != "fts" else f"{r['score']:.2f}",
        )
    out.print(t)
    console.print(f"{len(rows)} documents", highlight=False)


def _check_theme(store: Any, theme: str) -> None:
    """An unknown theme is a typo, not an empty result: say so, with the themes there are."""
    from pipeline.themes.taxonomy import load_taxonomy

    known = set(store.themes_used()) | set(load_taxonomy().ids)
    if theme not in known:
        raise CliError(f"unknown theme {theme!r}: use one of {', '.join(sorted(known))}")


@app.command()
@handle_errors
def show(
    ref: Annotated[str, typer.Argument(help="Document id (or a unique prefix), source id, or path.")],
    db: DbOption = DEFAULT_DB_PATH,
    format: Annotated[TextOrJson, typer.Option("--format", "-f")] = TextOrJson.text,
) -> None:
    """Print one whole document: parts with kind and language, keywords, tags, topics."""
    from pipeline import query as q

    doc = q.show(open_store(db), ref)
    if doc is None:
        raise CliError(f"no document {ref!r} in {db}")
    if format == TextOrJson.json:
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        return
    out.print(f"[bold]{escape(doc['title'] or '(untitled)')}[/]", highlight=False)
    meta = [f"id {doc['id'][:16]}", f"{doc['format']} {doc['doc_type']}", f"path {doc['path']}"]
    if doc["source_id"]:
        meta.append(f"source id {doc['source_id']}")
    if doc["year"]:
        meta.append(f"year {doc['year']}")
    if doc["doi"]:
        meta.append(f"doi {doc['doi']}")
    if doc["regulation"]:
        meta.append("regulation " + " ".join(str(v) for v in doc["regulation"].values() if v))
    out.print(" | ".join(meta), highlight=False, markup=False)
    if doc["authors"]:
        out.print("authors: " + "; ".join(doc["authors"]), highlight=False, markup=False)
    for p in doc["parts"]:
        head = f"[{p['kind']}{'/' + p['lang'] if p['lang'] else ''}]" + (
            f" {p['heading']}" if p["heading"] else ""
        )
        out.print(f"\n[cyan]{escape(head)}[/]", highlight=False)
        out.print(p["text"], highlight=False, markup=False)
    if doc["keywords"]:
        out.print(
            "\n[cyan]keywords[/]: "
            + escape("; ".join(f"{k['text']} ({k['lang']})" for k in doc["keywords"])),
            highlight=False,
        )
    if doc["tags"]:
        out.print(
            "[cyan]themes[/]: "
            + ", ".join(f"{t['theme']} {t['score']:.2f} ({t['method']})" for t in doc["tags"]),
            highlight=False,
        )
    if doc["topics"]:
        out.print(
            "[cyan]topics[/]: " + ", ".join(f"{t['topic']}: {t['weight']:.2f}" for t in doc["topics"][:5])
        )


@app.command()
@handle_errors
def errors(
    db: DbOption = DEFAULT_DB_PATH,
    run: Annotated[int | None, typer.Option(help="Only this run's errors.")] = None,
    last: Annotated[bool, typer.Option("--last", help="Only the last run that had errors.")] = False,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """What failed and why: path, stage, message, run."""
    rows = open_store(db).errors(run=run, last_run=last)
    emit(rows, format, ["path", "stage", "message", "run"])
    if format == Format.table:
        console.print(f"{len(rows)} errors", highlight=False)
