"""Theme commands: train, evaluate, tag, models list / use."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pipeline.cli.common import (
    DEFAULT_DB_PATH,
    CliError,
    DbOption,
    Format,
    app,
    console,
    emit,
    handle_errors,
    open_store,
)

Labels = Annotated[Path, typer.Argument(help="CSV/JSONL of labelled documents: id or text, and themes.")]
SourcesRoot = Annotated[
    Path | None,
    typer.Option(help="Folder that the labels' 'source' paths are relative to (records read from there)."),
]
Taxonomy = Annotated[
    Path | None, typer.Option(help="A theme taxonomy JSON file instead of the packaged one.")
]
Seed = Annotated[int, typer.Option(help="Random seed (recorded with the model).")]
ModelsDir = Annotated[Path | None, typer.Option("--models", help="Model registry folder (default: models/).")]

models_app = typer.Typer(help="The model registry: list models, choose the active one.", no_args_is_help=True)
app.add_typer(models_app, name="models")


def _load(labels: Path, db: str, sources_root: Path | None, taxonomy: Path | None):  # noqa: ANN202
    from pipeline.store import is_url
    from pipeline.themes.labels import read_labels, resolve
    from pipeline.themes.taxonomy import load_taxonomy
    from pipeline.themes.train import labelled_set

    tax = load_taxonomy(taxonomy)
    rows = read_labels(labels, tax)
    store = open_store(db) if is_url(db) or Path(db).exists() else None
    with console.status(f"reading {len(rows)} labelled documents"):
        docs = resolve(rows, labels, store=store, sources_root=sources_root)
        ls = labelled_set(docs, [r.themes for r in rows], tax)
    return tax, ls


def _registry(models: Path | None):  # noqa: ANN202
    from pipeline.models import Registry

    return Registry(models)


def _print_cv(cv: dict[str, Any], fmt: Format) -> None:
    from pipeline.themes.train import training_report

    if fmt == Format.json:
        sys.stdout.write(json.dumps(cv, indent=2) + "\n")
        return
    emit(
        training_report(cv),
        fmt,
        ["theme", "support", "precision", "recall", "f1", "lexicon_p", "lexicon_r", "lexicon_f1"],
        title=f"{cv['folds']}-fold cross-validation",
    )
    if fmt != Format.table:
        return
    m, lx = cv["model"], cv["lexicon"]
    console.print(f"model:   macro-F1 {m['macro_f1']:.3f}  micro-F1 {m['micro_f1']:.3f}", highlight=False)
    console.print(f"lexicon: macro-F1 {lx['macro_f1']:.3f}  micro-F1 {lx['micro_f1']:.3f}", highlight=False)
    for g, v in cv.get("by_lang", {}).items():
        console.print(
            f"  {g}: model macro-F1 {v['model']['macro_f1']:.3f}, lexicon {v['lexicon']['macro_f1']:.3f}"
            f" ({v['model']['documents']} documents)",
            highlight=False,
        )
    for k, v in cv.get("cross_lingual", {}).items():
        console.print(f"  cross-lingual {k}: macro-F1 {v['macro_f1']:.3f}", highlight=False)


@app.command()
@handle_errors
def train(
    labels: Labels,
    db: DbOption = DEFAULT_DB_PATH,
    sources_root: SourcesRoot = None,
    taxonomy: Taxonomy = None,
    seed: Seed = 42,
    folds: Annotated[int, typer.Option(help="Cross-validation folds for the reported metrics.")] = 5,
    activate: Annotated[
        bool, typer.Option("--activate", help="Make the new model active whatever its score.")
    ] = False,
    models: ModelsDir = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Train a theme classifier from labelled documents; report cross-validated scores and register it."""
    from pipeline.themes.train import cross_validate, decide_activation, fit, register

    tax, ls = _load(labels, db, sources_root, taxonomy)
    with console.status(f"cross-validating on {len(ls.docs)} documents"):
        cv = cross_validate(ls, tax, seed=seed, folds=folds)
    with console.status("training on all documents"):
        clf = fit(ls, seed)
    reg = _registry(models)
    model_id = register(clf, tax, ls, cv, str(labels), reg)
    _print_cv(cv, format)
    activated, msg = decide_activation(model_id, reg, activate)
    console.print(f"saved themes model {model_id} in {reg.root}; {msg}", highlight=False)
    if activated:
        console.print("run `govtext tag` to re-tag the stored corpus with it", highlight=False)


@app.command()
@handle_errors
def evaluate(
    labels: Labels,
    db: DbOption = DEFAULT_DB_PATH,
    sources_root: SourcesRoot = None,
    taxonomy: Taxonomy = None,
    cv: Annotated[
        bool, typer.Option("--cv", help="Cross-validate a fresh model instead of scoring the active one.")
    ] = False,
    seed: Seed = 42,
    models: ModelsDir = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Per-theme precision/recall/F1, micro and macro F1: the active model and the lexicon side by side."""
    from pipeline.themes.metrics import scores
    from pipeline.themes.tagger import LexiconTagger, active_tagger
    from pipeline.themes.train import cross_validate

    tax, ls = _load(labels, db, sources_root, taxonomy)
    if cv:
        _print_cv(cross_validate(ls, tax, seed=seed), format)
        return
    reg = _registry(models)
    tagger = active_tagger(taxonomy, reg)
    lex = LexiconTagger(tax)
    result: dict[str, Any] = {
        "model_id": tagger.model_id,
        "method": tagger.method,
        "documents": len(ls.docs),
        "model": scores(ls.Y, tagger.predict(ls.docs), ls.themes),
        "lexicon": scores(ls.Y, lex.predict(ls.docs), ls.themes),
    }
    info = reg.active("themes")
    if info is not None and info.meta.get("data_hash") == ls.hash:
        result["warning"] = "these labels trained the active model: scores are optimistic; use --cv"
    if format == Format.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    rows = []
    for t, m in result["model"]["per_theme"].items():
        lx = result["lexicon"]["per_theme"][t]
        rows.append(
            {
                "theme": t,
                "support": m["support"],
                "precision": m["precision"],
                "recall": m["recall"],
                "f1": m["f1"],
                "lexicon_p": lx["precision"],
                "lexicon_r": lx["recall"],
                "lexicon_f1": lx["f1"],
            }
        )
    emit(
        rows,
        format,
        ["theme", "support", "precision", "recall", "f1", "lexicon_p", "lexicon_r", "lexicon_f1"],
        title=f"{tagger.method} {tagger.model_id or ''} vs lexicon",
    )
    if format == Format.table:
        console.print(
            f"{tagger.method}: macro-F1 {result['model']['macro_f1']:.3f} micro-F1 "
            f"{result['model']['micro_f1']:.3f}; lexicon: macro-F1 {result['lexicon']['macro_f1']:.3f} "
            f"micro-F1 {result['lexicon']['micro_f1']:.3f}",
            highlight=False,
        )
        if "warning" in result:
            console.print(f"[yellow]warning[/]: {result['warning']}")


@app.command()
@handle_errors
def tag(
    db: DbOption = DEFAULT_DB_PATH,
    taxonomy: Taxonomy = None,
    models: ModelsDir = None,
) -> None:
    """Re-tag the stored corpus with the active themes model (or the lexicon), without re-extracting."""
    from pipeline.themes.tagger import active_tagger, tags_for

    tagger = active_tagger(taxonomy, _registry(models))
    store = open_store(db, readonly=False)
    n = tagged = 0
    batch: list = []
    with store.run_lock(), console.status("tagging"):

        def flush() -> None:
            nonlocal tagged
            if batch:
                result = tags_for(tagger, batch)
                store.replace_tags({d.id: t for d, t in zip(batch, result, strict=True)})
                tagged += sum(1 for t in result if t)
                batch.clear()

        for doc in store.iter_documents():
            batch.append(doc)
            n += 1
            if len(batch) >= 256:
                flush()
        flush()
    console.print(
        f"tagged {n} documents with {tagger.method} {tagger.model_id or ''}: {tagged} have at least "
        "one theme",
        highlight=False,
    )


@models_app.command("list")
@handle_errors
def models_list(
    kind: Annotated[str | None, typer.Option(help="themes or topics.")] = None,
    db: DbOption = DEFAULT_DB_PATH,
    models: ModelsDir = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Every model with its metrics (themes: the registry; topics: the corpus); the active one is marked."""
    _check_kind(kind)
    rows = []
    if kind in (None, "themes"):
        for m in _registry(models).list("themes"):
            rows.append(_model_row("themes", m.id, m.active, m.meta))
    if kind in (None, "topics") and _corpus_exists(db):
        for r in open_store(db).model_rows("topics"):
            rows.append(_model_row("topics", r["id"], r["active"], r["meta"]))
    emit(rows, format, ["kind", "id", "active", "created", "documents", "seed", "macro_f1", "data_hash"])


def _check_kind(kind: str | None) -> None:
    if kind not in (None, "themes", "topics"):
        raise CliError(f"unknown model kind {kind!r}: use themes or topics")


def _corpus_exists(db: str) -> bool:
    from pipeline.store import is_url

    return is_url(db) or Path(db).exists()


def _model_row(kind: str, model_id: str, active: bool, meta: dict[str, Any]) -> dict[str, Any]:
    cv = meta.get("cv", {})
    return {
        "kind": kind,
        "id": model_id,
        "active": active,
        "created": meta.get("created"),
        "documents": meta.get("documents", meta.get("n_docs")),
        "seed": meta.get("seed"),
        "macro_f1": cv.get("macro_f1", meta.get("metrics", {}).get("c_v")),
        "data_hash": meta.get("data_hash"),
    }


@models_app.command("use")
@handle_errors
def models_use(
    model_id: Annotated[str, typer.Argument(help="The model id (see `govtext models list`), or 'none'.")],
    kind: Annotated[str, typer.Option(help="themes or topics.")] = "themes",
    db: DbOption = DEFAULT_DB_PATH,
    models: ModelsDir = None,
) -> None:
    """Make a model the active one of its kind ('none': back to the lexicon for themes).

    Topic models belong to a corpus: `--kind topics` switches the model that `query --topic`, `stats`,
    `show` and `export` of that corpus (--db) use."""
    _check_kind(kind)
    chosen = None if model_id == "none" else model_id
    if kind == "topics":
        store = open_store(db, readonly=False)
        if chosen is not None and store.model_row(chosen, "topics") is None:
            raise CliError(
                f"no topics model {chosen!r} in {store.location} (see `govtext models list --db ...`)"
            )
        store.set_active_model("topics", chosen)
    else:
        try:
            _registry(models).use(kind, chosen)
        except ValueError as e:
            raise CliError(str(e)) from None
    if chosen is None:
        console.print(f"no active {kind} model", highlight=False)
    elif kind == "themes":
        console.print(
            f"active themes model: {chosen}; run `govtext tag` to re-tag the stored corpus", highlight=False
        )
    else:
        console.print(f"active topics model: {chosen}", highlight=False)
