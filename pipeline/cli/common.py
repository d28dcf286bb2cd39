"""Shared CLI plumbing: the app, --debug, exit codes, output formats."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from enum import StrEnum
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from pipeline.config import DEFAULT_DB

# Exit codes (the CLI contract): 0 all good, 1 some input failed (recorded in the errors table),
# 2 usage or fatal errors.
EXIT_OK, EXIT_PARTIAL, EXIT_FATAL = 0, 1, 2

app = typer.Typer(
    name="govtext",
    help="Text mining for Indonesian and English governance documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# soft_wrap: an error stays one line (file, stage, reason) however narrow the terminal or pipe.
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)
_STATE = {"debug": False}


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


DbOption = Annotated[
    str, typer.Option("--db", help="Corpus: an SQLite file, or a postgresql:// URL (govtext\\[postgres]).")
]
DEFAULT_DB_PATH = DEFAULT_DB
# The document filters every search-like command takes (query, similar, kwic...): one wording each.
YearFrom = Annotated[int | None, typer.Option(help="Earliest year.")]
YearTo = Annotated[int | None, typer.Option(help="Latest year.")]
ThemeFilter = Annotated[str | None, typer.Option(help="Only documents tagged with this theme.")]
TopicFilter = Annotated[
    int | None, typer.Option(help="Only documents whose dominant topic (active topic model) is this one.")
]
SourceFilter = Annotated[
    str | None, typer.Option(help="Only documents from this file or folder (path prefix).")
]
# Where the work of ingest, run and embed goes: one wording each.
Workers = Annotated[int | None, typer.Option("--workers", "-w", help="Worker processes (default: cores).")]


class ExecutorName(StrEnum):
    local = "local"
    dask = "dask"


ExecutorOpt = Annotated[
    ExecutorName | None,
    typer.Option(
        "--executor", help="Where the work runs: local processes, or a Dask cluster (govtext\\[dask])."
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address, e.g. tcp://HOST:8786 (default: DASK_SCHEDULER_ADDRESS, else a local cluster).",
    ),
]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
) -> None:
    _STATE["debug"] = debug


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code 2."""


F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(fn: F) -> F:
    """Known failures become one clear line and exit 2; tracebacks only with --debug."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            console.print("[yellow]interrupted[/]: finished work is kept; run again to resume")
            raise typer.Exit(130) from None
        except Exception as e:  # noqa: BLE001 - the CLI boundary
            if _STATE["debug"]:
                raise
            from pipeline.extras import MissingExtra
            from pipeline.store import StoreError

            known = isinstance(
                e, CliError | StoreError | MissingExtra | ValueError | FileNotFoundError | PermissionError
            )
            msg = str(e) if known else f"{type(e).__name__}: {e} (run with --debug for the traceback)"
            console.print(f"[red]error[/]: {escape(msg)}", highlight=False)
            raise typer.Exit(EXIT_FATAL) from None

    return wrapper  # type: ignore[return-value]


def open_store(db: str, readonly: bool = True):  # noqa: ANN201 - Store, imported lazily for start-up time
    """An existing corpus (only ingest and run make new ones)."""
    from pipeline.store import open_store as open_any

    return open_any(db, create=False, readonly=readonly)


# Values no longer than this are labels or numbers: never wrapped in a table (a theme name folded
# letter by letter reads as nothing); longer ones (titles, snippets) wrap in what width is left.
SHORT_CELL = 24


def emit(
    rows: Sequence[dict[str, Any]], fmt: Format, columns: Sequence[str], title: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:  # fmt: skip
    """Print rows as a table, JSON (a list) or CSV on stdout. ``headers``: shorter column titles
    for the table (JSON and CSV keep the field names)."""
    if fmt == Format.json:
        sys.stdout.write(json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n")
    elif fmt == Format.csv:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: _cell(r.get(k)) for k in columns})
        sys.stdout.write(buf.getvalue())
    elif not out.is_terminal:
        _plain_table(rows, columns, title, headers or {})
    else:
        cells = [[_cell(r.get(c)) for c in columns] for r in rows]
        t = Table(title=title, show_lines=False)
        for i, c in enumerate(columns):
            head = (headers or {}).get(c, c)
            widest = max((len(row[i]) for row in cells), default=0)
            if widest <= SHORT_CELL:
                t.add_column(head, no_wrap=True, min_width=max(widest, len(head)))
            else:
                t.add_column(head, overflow="fold", ratio=1)
        for row in cells:
            t.add_row(*(Text(v) for v in row))  # cells are data, never markup
        out.print(t)


def _plain_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], title: str | None, headers: dict[str, str]
) -> None:
    """A table for a pipe or a file: aligned columns, one line per row, nothing wrapped or cut."""
    cells = [[headers.get(c, c) for c in columns]] + [
        [" ".join(_cell(r.get(c)).split()) for c in columns] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    lines = [title] if title else []
    for row in cells:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    sys.stdout.write("\n".join(lines) + "\n")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return " ".join(map(str, v))
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def main() -> None:
    app()
