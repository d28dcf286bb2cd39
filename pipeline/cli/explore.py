"""Explore commands: stats, kwic, export, report (thin layers over pipeline.explore / pipeline.report)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import (
    DEFAULT_DB_PATH,
    CliError,
    DbOption,
    Format,
    YearFrom,
    YearTo,
    app,
    console,
    emit,
    handle_errors,
    open_store,
)


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"


@app.command()
@handle_errors
def stats(
    by: Annotated[
        list[str],
        typer.Option(
            "--by", help="year, theme, lang, source, topic, doc_type or format; twice to cross two."
        ),
    ],
    db: DbOption = DEFAULT_DB_PATH,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Documents counted by a field (or two crossed), with shares.

    A document counts once per value it has (a bilingual document under en and id; documents without a value under (none)). share is the count over all documents; crossed, over the documents with the first field's value (--by year --by theme: the share of each year's documents tagged with the theme).
    """  # noqa: E501 - typer keeps docstring line breaks, so each paragraph is one line
    from pipeline.explore.stats import FIELDS
    from pipeline.explore.stats import stats as compute

    for f in by:
        if f not in FIELDS:
            raise CliError(f"unknown --by {f!r}: use one of {', '.join(FIELDS)}")
    rows = compute(open_store(db), by)
    if format == Format.table:
        rows = [{**r, **{f: "(none)" for f in by if r[f] is None}} for r in rows]
    emit(rows, format, [*by, "count", "share"])


@app.command()
@handle_errors
def kwic(
    term: Annotated[str, typer.Argument(help='A word, a prefix* or a phrase ("tata kelola").')],
    db: DbOption = DEFAULT_DB_PATH,
    window: Annotated[int, typer.Option(help="Words shown each side.")] = 6,
    lang: Annotated[str | None, typer.Option(help="Only parts in this language (id, en).")] = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="Only parts of this kind (abstract, body, ...).")
    ] = None,
    year_from: YearFrom = None,
    year_to: YearTo = None,
    limit: Annotated[int, typer.Option(help="Most lines (0: all).")] = 100,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Keyword in context: each occurrence with its document, year and words either side.

    Stem-aware in both languages: kemitraan also finds mitra, partnerships finds partnership.
    """
    from pipeline.explore.kwic import kwic as compute

    rows = compute(
        open_store(db),
        term,
        window=window,
        lang=lang,
        kinds=kind,
        year_from=year_from,
        year_to=year_to,
        limit=limit or None,
    )
    if format == Format.table:
        from rich.text import Text

        from pipeline.cli.common import out

        # Concordance layout: the matches line up in one column, context cut to the screen width.
        widest = max((len(r["match"]) for r in rows), default=0)
        side = max(12, (out.width - 10 - 1 - 4 - 1 - widest - 2) // 2)
        for r in rows:
            left = r["left"] if len(r["left"]) <= side else "…" + r["left"][-(side - 1) :]
            right = r["right"] if len(r["right"]) <= side else r["right"][: side - 1] + "…"
            line = Text(f"{r['id'][:10]:<10} {str(r['year'] or ''):>4} {left:>{side}} ")
            line.append(f"{r['match']:<{widest}}", style="bold yellow")
            line.append(f" {right}")
            out.print(line, no_wrap=True, crop=True)
        console.print(f"{len(rows)} lines", highlight=False)
        return
    emit(rows, format, ["id", "title", "year", "kind", "lang", "left", "match", "right"])


@app.command()
@handle_errors
def export(
    out_path: Annotated[Path, typer.Argument(metavar="OUT", help="File to write.")],
    db: DbOption = DEFAULT_DB_PATH,
    format: Annotated[ExportFormat, typer.Option("--format", "-f")] = ExportFormat.jsonl,
    tidy: Annotated[
        bool, typer.Option(help="csv/parquet: also write long tables for parts, keywords, tags, topics.")
    ] = False,
) -> None:
    """Write every document to OUT, for pandas, R or other tools.

    jsonl: one line per document, the JSON of `govtext show`.

    csv, parquet: one row per document with columns id, source_id, path, format, doc_type, title, authors ("; "), year, doi, regulation_type, regulation_number, regulation_year, langs, pages, then text_KIND_LANG for each part kind and language present (e.g. text_abstract_en; parts joined by a blank line), keywords ("; "), themes ("; ", best first), theme_ID (the tag score, empty when untagged) and topic_0 .. topic_K (weights in the active topic model).

    --tidy also writes long tables beside OUT, one row per item, keyed by doc_id: STEM.parts.EXT, STEM.keywords.EXT, STEM.tags.EXT, STEM.topics.EXT.

    Parquet needs pyarrow: pip install 'govtext\\[parquet]'.
    """  # noqa: E501 - typer keeps docstring line breaks, so each paragraph is one line
    from pipeline.explore.export import export as run_export

    summary = run_export(open_store(db), out_path, format.value, tidy=tidy)
    console.print(f"wrote {summary['documents']} documents to {', '.join(summary['files'])}", highlight=False)


@app.command()
@handle_errors
def report(
    db: DbOption = DEFAULT_DB_PATH,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="HTML file (default: report.html beside the database).")
    ] = None,
) -> None:
    """One self-contained HTML report: corpus overview, themes, topics, typical documents, errors."""
    from pipeline.report import default_report_path, write_report

    store = open_store(db)
    target = out_path or default_report_path(db)
    info = write_report(store, target)
    console.print(f"wrote {target} ({info['documents']} documents, {info['charts']} charts)", highlight=False)
