"""`govtext topics ...`: fit, show, update and export topic models of the stored corpus."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.common import (
    DEFAULT_DB_PATH,
    DbOption,
    Format,
    app,
    console,
    emit,
    handle_errors,
    open_store,
)

topics_app = typer.Typer(help="Topic models: fit, show, update, export.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")


class EngineName(StrEnum):
    tomotopy = "tomotopy"
    gensim = "gensim"


class PartsName(StrEnum):
    abstract = "abstract"
    body = "body"
    all = "all"


def _table_rows(rows: list[dict]) -> list[dict]:
    out = []
    for r in rows:
        years = r.get("prevalence_by_year") or {}
        trend = ""
        if years:
            ys = sorted(years)
            trend = f"{ys[0]}: {years[ys[0]]:.2f} → {ys[-1]}: {years[ys[-1]]:.2f}"
        by_lang = r.get("terms_by_lang") or {}
        out.append(
            {
                **r,
                "terms": " ".join(r["terms"][:8]),
                "en": " ".join(by_lang.get("en", [])[:5]),
                "id": " ".join(by_lang.get("id", [])[:5]),
                "trend": trend,
                "theme": r.get("theme") or "none",
            }
        )
    return out


@topics_app.command("fit")
@handle_errors
def fit_cmd(
    k: Annotated[str, typer.Option("--k", help="Number of topics, or 'auto' to pick by coherence.")] = "auto",
    k_min: Annotated[int, typer.Option("--k-min", help="Smallest k tried by --k auto.")] = 5,
    k_max: Annotated[int, typer.Option("--k-max", help="Largest k tried by --k auto.")] = 30,
    k_step: Annotated[int, typer.Option("--k-step", help="Step between the k tried by --k auto.")] = 5,
    seed: Annotated[int | None, typer.Option(help="Random seed (default: the config's, 42).")] = None,
    engine: Annotated[
        EngineName, typer.Option(help="Trainer: tomotopy (Gibbs) or gensim (variational).")
    ] = EngineName.tomotopy,
    parts: Annotated[
        PartsName, typer.Option(help="Text modelled: title+abstract, title+body, or all.")
    ] = PartsName.all,
    db: DbOption = DEFAULT_DB_PATH,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Fit a topic model from scratch on the stored corpus and make it the active one."""
    from pipeline.config import load_config
    from pipeline.topics import fit

    cfg = load_config({"db": db, "seed": seed})
    store = open_store(db, readonly=False)

    def progress(p) -> None:  # noqa: ANN001
        console.print(
            f"k={p.k:>3}  c_v {p.c_v:.3f}  NPMI {p.npmi:+.3f}  ({p.seconds:.1f} s)", highlight=False
        )

    with store.run_lock():
        r = fit(
            store,
            k,
            seed=cfg.seed,
            engine=engine.value,
            parts=parts.value,
            k_min=k_min,
            k_max=k_max,
            k_step=k_step,
            taxonomy=cfg.taxonomy,
            progress=progress,
        )
    if r.curve:
        console.print(
            "coherence curve (c_v by k): "
            + ", ".join(f"{p.k}: {p.c_v:.3f}" for p in r.curve)
            + f"; chose k={r.k}",
            highlight=False,
        )
    console.print(
        f"model {r.model_id}: {r.engine}, k={r.k}, c_v {r.c_v:.3f}, NPMI {r.npmi:.3f}, "
        f"{r.n_docs} documents, {r.seconds:.1f} s",
        highlight=False,
    )
    from pipeline.topics import show

    rows = show(store, r.model_id)
    if format == Format.json:
        sys.stdout.write(
            json.dumps(
                {
                    "model": r.model_id,
                    "k": r.k,
                    "c_v": r.c_v,
                    "npmi": r.npmi,
                    "curve": [p.__dict__ for p in r.curve],
                    "topics": rows,
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n"
        )
    else:
        emit(_table_rows(rows), format, ["topic", "label", "theme", "weight", "terms"])


@topics_app.command("show")
@handle_errors
def show_cmd(
    db: DbOption = DEFAULT_DB_PATH,
    compare: Annotated[
        str | None, typer.Option("--compare", help="Old model id: which topics changed.")
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="A model id (default: the active one).")
    ] = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """The topics of the active model: top terms (per language), label, nearest theme, weight."""
    from pipeline import topics

    store = open_store(db)
    if compare:
        rows = topics.compare(store, compare, model)
        emit(rows, format, ["topic", "label", "status", "old_topic", "old_label", "similarity"])
        return
    rows = topics.show(store, model)
    if format == Format.table:
        emit(_table_rows(rows), format, ["topic", "label", "theme", "weight", "en", "id", "trend"])
    else:
        emit(rows, format, ["topic", "label", "theme", "weight", "terms"])


@topics_app.command("update")
@handle_errors
def update_cmd(db: DbOption = DEFAULT_DB_PATH) -> None:
    """Fold documents ingested since the last fit into the active model and store their weights."""
    from pipeline.topics import update

    store = open_store(db, readonly=False)
    with store.run_lock():
        r = update(store)
    if not r.new_docs:
        console.print(f"model {r.model_id}: no new documents", highlight=False)
        return
    how = "topics updated (online)" if r.model_changed else "topics kept, new documents inferred"
    console.print(f"model {r.model_id}: {r.new_docs} new documents; {how}", highlight=False)


@topics_app.command("export")
@handle_errors
def export_cmd(
    out: Annotated[Path, typer.Argument(help="JSON file to write (pyLDAvis-style data).")],
    db: DbOption = DEFAULT_DB_PATH,
    model: Annotated[
        str | None, typer.Option("--model", help="A model id (default: the active one).")
    ] = None,
) -> None:
    """Write topic-term and document-topic distributions, doc lengths and term frequencies as JSON."""
    from pipeline.topics import export

    counts = export(open_store(db), out, model)
    console.print(
        f"wrote {out}: {counts['topics']} topics, {counts['documents']} documents, {counts['terms']} terms",
        highlight=False,
    )
