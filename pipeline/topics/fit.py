"""Fit, persist, update, show, compare and export topic models of the stored corpus."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from gensim.corpora import Dictionary
from gensim.models.phrases import FrozenPhrases

from pipeline.models import data_hash, library_versions
from pipeline.store import Store
from pipeline.topics import storage
from pipeline.topics.engines import DEFAULT_ENGINE, Engine, load_engine, make_engine
from pipeline.topics.label import label, load_taxonomy
from pipeline.topics.link import link_topics
from pipeline.topics.prepare import MIN_DOCS, PARTS, Prepared, prepare, stop_list_signature
from pipeline.topics.select import TOP_N, WINDOW, Point, k_range, score, sweep

N_TERMS = 30  # terms kept per topic in the store (show prints the first 10)


class TooSmall(ValueError):
    """The corpus has too few documents with content terms to model."""


@dataclass
class FitResult:
    model_id: str
    engine: str
    k: int
    n_docs: int
    c_v: float
    npmi: float
    curve: list[Point] = field(default_factory=list)
    topics: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class LoadedModel:
    id: str
    meta: dict[str, Any]
    dictionary: Dictionary
    phrases: FrozenPhrases | None
    engine: Engine


def _pack(dictionary: Dictionary, phrases: FrozenPhrases | None, engine: Engine) -> dict[str, bytes]:
    """A model's files, as the store keeps them (the trainers write files, so via a folder)."""
    with tempfile.TemporaryDirectory(prefix="govtext-topics-") as tmp:
        folder = Path(tmp)
        dictionary.save(str(folder / "dictionary.gensim"))
        if phrases is not None:
            phrases.save(str(folder / "phrases.gensim"))
        engine.save(folder)
        return {f.name: f.read_bytes() for f in sorted(folder.iterdir()) if f.is_file()}


def _new_id(store: Store, stem: str) -> str:
    base = time.strftime("%Y%m%d-%H%M%S") + f"-{stem}"
    model_id, n = base, 1
    while store.model_row(model_id) is not None:
        n += 1
        model_id = f"{base}-{n}"
    return model_id


def _fingerprint(p: Prepared, params: dict[str, Any]) -> str:
    items = [json.dumps(params, sort_keys=True)]
    items += [d + "\t" + " ".join(t) for d, t in zip(p.doc_ids, p.texts, strict=True)]
    return data_hash(items)


def texts_hash(p: Prepared) -> str:
    """Digest of the prepared documents (ids and tokens): coherence figures are comparable only
    between fits whose texts_hash agree (stored normal forms, stop words and dictionary decide it)."""
    return _fingerprint(p, {})


def input_hash(store: Store, spec: dict[str, Any]) -> str:
    """What a fit's input depends on, read straight from the store without preparing it: the fit
    spec, the stop-word lists, and every modelled part's stored normal forms (plus the year).

    `govtext run` compares it to skip an unchanged corpus in well under a second, where preparing
    would load spaCy to normalise the domain stop words (~8 s on a loaded machine). The norms are
    hashed rather than trusted to the pipeline version: they changed under an unchanged version
    string while nlp.py was being worked on, and a stale "unchanged" would be worse than a refit.
    """
    kinds = PARTS[spec.get("parts", "all")]
    items = [json.dumps(spec, sort_keys=True), stop_list_signature()]
    items += [
        f"{doc}\t{year}\t{kind}\t{norm}" for doc, year, kind, _lang, norm in store.iter_part_norms(kinds)
    ]
    return data_hash(items)


def parse_k(k: str | int) -> int | None:
    """None for 'auto', else a positive int (ValueError otherwise)."""
    if isinstance(k, int):
        value = k
    elif str(k).strip().lower() == "auto":
        return None
    else:
        try:
            value = int(k)
        except ValueError:
            raise ValueError(f"--k wants a number or 'auto', got {k!r}") from None
    if value < 2:
        raise ValueError(f"--k must be at least 2, got {value}")
    return value


def describe(
    engine: Engine,
    p: Prepared,
    weights: np.ndarray,
    taxonomy: Path | None = None,
    tags: dict[str, set[str]] | None = None,
) -> list[dict[str, Any]]:
    """Per topic: top terms (overall and per language), label, linked theme, prevalence by year/language.

    tags (document id -> themes) link topics to themes through their documents (see link.py).
    """
    tt = engine.topic_term_matrix()
    vocab = [p.dictionary[i] for i in range(len(p.dictionary))]
    links = link_topics(weights, p.doc_ids, tags or {}, tt, p.dictionary.token2id, load_taxonomy(taxonomy))
    years = np.array([y if y is not None else -1 for y in p.years])
    langs = np.array(p.langs)
    out = []
    for t in range(engine.k):
        order = np.argsort(-tt[t], kind="stable")
        terms = [[vocab[j], round(float(tt[t, j]), 5)] for j in order[:N_TERMS]]
        by_lang: dict[str, list[str]] = {}
        for j in order[:400]:
            lang = p.term_langs.get(vocab[j], "other")
            if lang in ("id", "en") and len(by_lang.setdefault(lang, [])) < 10:
                by_lang[lang].append(vocab[j])
        prevalence = {
            str(int(y)): round(float(weights[years == y, t].mean()), 4)
            for y in sorted(set(years.tolist()))
            if y != -1
        }
        by_doc_lang = {
            lang: round(float(weights[langs == lang, t].mean()), 4) for lang in sorted(set(p.langs))
        }
        out.append(
            {
                "topic": t,
                "terms": terms,
                "label": label([w for w, _ in terms]),
                "theme": links[t].theme,
                "weight": round(float(weights[:, t].mean()), 5) if len(weights) else 0.0,
                "meta": {
                    "terms_by_lang": by_lang,
                    "prevalence_by_year": prevalence,
                    "prevalence_by_lang": by_doc_lang,
                    "theme_link": links[t].as_meta(),
                },
            }
        )
    return out


def fit(
    store: Store,
    k: str | int = "auto",
    *,
    seed: int = 42,
    engine: str = DEFAULT_ENGINE,
    parts: str = "all",
    k_min: int = 5,
    k_max: int = 30,
    k_step: int = 5,
    taxonomy: Path | None = None,
    progress: Callable[[Point], None] | None = None,
    engine_params: dict[str, int] | None = None,
    prepared: Prepared | None = None,
) -> FitResult:
    """Fit a topic model from scratch on the stored corpus, register it and make it the active one."""
    t0 = time.perf_counter()
    k_fixed = parse_k(k)
    params = dict(engine_params or {})
    p = prepared or prepare(store, parts)
    if len(p) < MIN_DOCS:
        raise TooSmall(f"{len(p)} documents with content terms, need at least {MIN_DOCS}")
    if k_fixed is None:
        model, curve = sweep(
            engine,
            p.texts,
            p.dictionary,
            k_range(k_min, k_max, k_step, len(p)),
            seed,
            progress=progress,
            **params,
        )
        best = next(pt for pt in curve if pt.k == model.k)
        c_v, npmi = best.c_v, best.npmi
    else:
        model = make_engine(engine, p.dictionary, k_fixed, seed, **params)
        model.fit(p.texts)
        c_v, npmi = score(model, p.texts, p.dictionary)
        curve = []
    weights = model.doc_topics()
    topics = describe(model, p, weights, taxonomy, store.doc_themes())

    model_id = _new_id(store, f"{engine}-k{model.k}")
    spec = {
        "engine": engine,
        "k": str(k),
        "seed": seed,
        "parts": parts,
        "k_min": k_min,
        "k_max": k_max,
        "k_step": k_step,
        **params,
    }
    meta = {
        "params": {**spec, "k_chosen": model.k},
        "seed": seed,
        "data_hash": _fingerprint(p, spec),
        "texts_hash": texts_hash(p),  # the prepared documents alone: compare with bench/ figures
        "input_hash": input_hash(store, spec),
        "n_docs": len(p),
        "vocabulary": len(p.dictionary),
        "metrics": {"c_v": round(c_v, 4), "npmi": round(npmi, 4)},
        # what the metrics were computed on: the prepared training documents, top TOP_N terms
        "coherence": {
            "top_n": TOP_N,
            "windows": WINDOW,
            "texts": "training documents",
            "docs": len(p),
            "tokens": sum(map(len, p.texts)),
        },
        "curve": [pt.__dict__ for pt in curve],
        "updates": [],
    }
    meta["versions"] = library_versions()
    storage.save_model(
        store, model_id, meta, topics, p.doc_ids, weights, _pack(p.dictionary, p.phrases, model)
    )
    return FitResult(
        model_id,
        engine,
        model.k,
        len(p),
        round(c_v, 4),
        round(npmi, 4),
        curve,
        topics,
        round(time.perf_counter() - t0, 2),
    )


def load(store: Store, model_id: str) -> LoadedModel:
    """A topic model stored in the corpus, ready to infer or update."""
    row = store.model_row(model_id, "topics")
    if row is None:
        raise ValueError(f"no topic model {model_id!r} in {store.location}")
    files = store.model_files(model_id)
    with tempfile.TemporaryDirectory(prefix="govtext-topics-") as tmp:
        folder = Path(tmp)
        if files:
            for name, data in files.items():
                (folder / name).write_bytes(data)
        elif row["path"] and Path(row["path"]).is_dir():
            folder = Path(row["path"])  # a model fitted before its files moved into the corpus
        else:
            raise ValueError(
                f"topic model {model_id!r} has no files in {store.location}; refit with `govtext topics fit`"
            )
        dictionary = Dictionary.load(str(folder / "dictionary.gensim"))
        ph_file = folder / "phrases.gensim"
        phrases = FrozenPhrases.load(str(ph_file)) if ph_file.is_file() else None
        engine = load_engine(folder, dictionary)
    return LoadedModel(model_id, row["meta"], dictionary, phrases, engine)


def _active(store: Store) -> dict[str, Any]:
    row = storage.active_model(store)
    if row is None:
        raise ValueError(f"{store.location}: no topic model yet (run `govtext topics fit` first)")
    return row


@dataclass
class UpdateResult:
    model_id: str
    new_docs: int
    model_changed: bool


def update(store: Store) -> UpdateResult:
    """Fold documents added since the active model was fitted into it and store their weights.

    gensim: an online variational update moves the topics; every document is then re-weighted.
    tomotopy: a Gibbs model is closed after training, so new documents are inferred, topics stay.
    Words the model's dictionary does not know are ignored either way; `topics fit` refits all.
    """
    m = load(store, _active(store)["id"])
    parts = m.meta["params"].get("parts", "all")
    new = store.doc_ids() - store.modelled_doc_ids(m.id)
    p_new = prepare(store, parts, doc_ids=new, phrases=m.phrases, dictionary=m.dictionary) if new else None
    if p_new is None or not len(p_new):
        return UpdateResult(m.id, 0, False)
    changed = m.engine.update(p_new.texts)
    if changed:
        p_all = prepare(store, parts, phrases=m.phrases, dictionary=m.dictionary)
        weights = m.engine.infer(p_all.texts)
        topics = describe(m.engine, p_all, weights, tags=store.doc_themes())
        storage.add_doc_topics(store, m.id, p_all.doc_ids, weights)
    else:
        weights = m.engine.infer(p_new.texts)
        storage.add_doc_topics(store, m.id, p_new.doc_ids, weights)
    meta = dict(m.meta)
    meta["updates"] = [
        *meta.get("updates", []),
        {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "new_docs": len(p_new), "model_changed": changed},
    ]
    meta["n_docs"] = meta.get("n_docs", 0) + len(p_new)
    if changed:
        store.replace_topics(m.id, topics, meta)
        store.update_model(m.id, meta, _pack(m.dictionary, m.phrases, m.engine))
    else:
        store.update_model(m.id, meta)
    return UpdateResult(m.id, len(p_new), changed)


def show(store: Store, model_id: str | None = None, n_terms: int = 10) -> list[dict[str, Any]]:
    """The CLI-contract rows {"topic", "terms", "label", "theme", "weight"} plus per-language terms."""
    mid = model_id or _active(store)["id"]
    rows = store.topics_of_model(mid)
    if not rows:
        raise ValueError(f"no topics stored for model {mid!r}")
    return [
        {
            "topic": r["topic"],
            "terms": [t for t, _ in r["terms"][:n_terms]],
            "label": r["label"],
            "theme": r["theme"],
            "weight": r["weight"],
            "terms_by_lang": r["meta"].get("terms_by_lang", {}),
            "prevalence_by_year": r["meta"].get("prevalence_by_year", {}),
            "theme_link": r["meta"].get("theme_link", {}),
            "model": mid,
        }
        for r in rows
    ]


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    num = sum(w * b.get(t, 0.0) for t, w in a.items())
    den = (sum(w * w for w in a.values()) * sum(w * w for w in b.values())) ** 0.5
    return num / den if den else 0.0


def compare(store: Store, old_id: str, new_id: str | None = None) -> list[dict[str, Any]]:
    """Which topics of the new (active) model match a topic of an old one, which changed, which are new.

    Similarity is the cosine of the stored top-term weights; each new topic is paired with its most
    similar old topic (>= 0.8 same, >= 0.3 changed, else new); old topics nobody matched are gone.
    """
    new_id = new_id or _active(store)["id"]
    old, new = store.topics_of_model(old_id), store.topics_of_model(new_id)
    if not old:
        raise ValueError(f"no topics stored for model {old_id!r} in {store.location}")
    vec = lambda r: {t: w for t, w in r["terms"]}  # noqa: E731
    old_vecs = [vec(r) for r in old]
    rows, matched = [], set()
    for r in new:
        sims = [_cosine(vec(r), o) for o in old_vecs]
        j = int(np.argmax(sims))
        sim = sims[j]
        status = "same" if sim >= 0.8 else "changed" if sim >= 0.3 else "new"
        if status != "new":
            matched.add(j)
        rows.append(
            {
                "topic": r["topic"],
                "label": r["label"],
                "status": status,
                "old_topic": old[j]["topic"] if status != "new" else None,
                "old_label": old[j]["label"] if status != "new" else None,
                "similarity": round(sim, 3),
            }
        )
    for j, o in enumerate(old):
        if j not in matched:
            rows.append(
                {
                    "topic": None,
                    "label": None,
                    "status": "gone",
                    "old_topic": o["topic"],
                    "old_label": o["label"],
                    "similarity": None,
                }
            )
    return rows


def export(store: Store, out: Path, model_id: str | None = None) -> dict[str, int]:
    """pyLDAvis-style JSON: topic_term_dists, doc_topic_dists, doc_lengths, vocab, term_frequency."""
    m = load(store, model_id or _active(store)["id"])
    p = prepare(store, m.meta["params"].get("parts", "all"), phrases=m.phrases, dictionary=m.dictionary)
    ids, stored = storage.doc_topic_matrix(store, m.id, m.engine.k)
    index = {d: i for i, d in enumerate(ids)}
    keep = [i for i, d in enumerate(p.doc_ids) if d in index]
    doc_topic = stored[[index[p.doc_ids[i]] for i in keep]] if keep else np.zeros((0, m.engine.k))
    doc_topic = doc_topic / np.maximum(doc_topic.sum(axis=1, keepdims=True), 1e-12)
    freq = np.zeros(len(m.dictionary))
    for i in keep:
        for j, c in m.dictionary.doc2bow(p.texts[i]):
            freq[j] += c
    data = {
        "model": m.id,
        "vocab": [m.dictionary[i] for i in range(len(m.dictionary))],
        "term_frequency": freq.astype(int).tolist(),
        "topic_term_dists": np.round(m.engine.topic_term_matrix(), 7).tolist(),
        "doc_ids": [p.doc_ids[i] for i in keep],
        "doc_lengths": [len(p.texts[i]) for i in keep],
        "doc_topic_dists": np.round(doc_topic, 5).tolist(),
        "topics": store.topics_of_model(m.id),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return {"topics": m.engine.k, "documents": len(keep), "terms": len(data["vocab"])}


def fit_for_run(store: Store, cfg: Any) -> str:
    """The topics step of `govtext run`: refit when the data changed, say why when it cannot."""
    try:
        k = parse_k(cfg.topics_k)
    except ValueError as e:
        return f"skipped: {e}"
    spec_k = "auto" if k is None else str(k)
    spec = {
        "engine": DEFAULT_ENGINE,
        "k": spec_k,
        "seed": cfg.seed,
        "parts": "all",
        "k_min": 5,
        "k_max": 30,
        "k_step": 5,
    }
    row = storage.active_model(store)
    if row is not None and not row["meta"].get("updates"):
        params = row["meta"].get("params", {})
        stored_spec = {a: params.get(a) for a in spec}
        if stored_spec == spec and row["meta"].get("input_hash") == input_hash(store, spec):
            return f"unchanged: model {row['id']} (k={params.get('k_chosen')}) already fits these documents"
    p = prepare(store, "all")
    if len(p) < MIN_DOCS:
        return f"skipped: {len(p)} documents, need at least {MIN_DOCS}"
    r = fit(store, spec_k, seed=cfg.seed, taxonomy=getattr(cfg, "taxonomy", None), prepared=p)
    return f"model {r.model_id}: k={r.k}, c_v {r.c_v:.3f}, NPMI {r.npmi:.3f}, {r.n_docs} documents"
