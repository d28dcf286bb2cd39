"""The HTML report: one self-contained file (inline SVG charts, no scripts, no network).

Sections: corpus overview (documents by year, language, format and doc_type), theme prevalence by
year and by language, theme co-occurrence, topics (terms and prevalence over time, when a topic
model exists), the most typical documents per theme, and the errors of the last run. Every chart
comes with its numbers as a table; the tables carry ``data-by`` attributes naming the
``pipeline.explore.stats`` call they show, so tests (and readers) can check one against the other.

Charts are matplotlib figures (Agg backend) written as SVG with a fixed hash salt and no date,
so the same corpus gives the same file.
"""

from __future__ import annotations

import html
import io
import re
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipeline.explore.stats import stats, theme_cooccurrence, topic_prevalence
from pipeline.store import Store

_MAX_SERIES = 10  # lines per chart before it stops being readable
_TOP_DOCS = 5


# -- charts --------------------------------------------------------------------------------------


def _plt():  # noqa: ANN202 - pyplot, imported lazily (start-up time)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.hashsalt": "govtext",
            "svg.fonttype": "none",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "figure.dpi": 96,
        }
    )
    return plt


def _svg(fig: Any) -> str:
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": "govtext"})
    plt.close(fig)
    text = buf.getvalue()
    # Inline SVG needs neither the XML declaration nor the DOCTYPE.
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)
    return re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)


def _bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    horizontal: bool = False,
    xlabel: str = "documents",
) -> str:
    plt = _plt()
    if horizontal:
        fig, ax = plt.subplots(figsize=(7, max(1.6, 0.32 * len(labels) + 0.8)))
        ax.barh(list(range(len(labels)))[::-1], values, color="#4c72b0")
        ax.set_yticks(list(range(len(labels)))[::-1], labels)
        ax.set_xlabel(xlabel)
    else:
        fig, ax = plt.subplots(figsize=(9, 3.2))
        ax.bar(range(len(labels)), values, color="#4c72b0")
        step = max(1, len(labels) // 20)
        ax.set_xticks(list(range(len(labels)))[::step], list(labels)[::step], rotation=45 if step > 1 else 0)
        ax.set_ylabel(xlabel)
    ax.set_title(title, loc="left")
    return _svg(fig)


def _line_chart(xs: Sequence[Any], series: dict[str, list[float]], title: str, ylabel: str) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 3.6))
    cmap = plt.get_cmap("tab10")
    for i, (name, ys) in enumerate(series.items()):
        ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.5, label=name, color=cmap(i % 10))
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # years, not 2015.25
    ax.set_title(title, loc="left")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return _svg(fig)


def _heatmap(
    rows: Sequence[str], cols: Sequence[str], values: list[list[float]], title: str, fmt: str = "{:.2f}"
) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(max(4, 0.55 * len(cols) + 2.5), max(2.5, 0.45 * len(rows) + 1.5)))
    im = ax.imshow(values, cmap="Blues", aspect="auto")
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha="right")
    ax.set_yticks(range(len(rows)), rows)
    top = max((v for row in values for v in row), default=0) or 1
    if len(rows) * len(cols) <= 400:
        for i, row in enumerate(values):
            for j, v in enumerate(row):
                ax.text(
                    j,
                    i,
                    fmt.format(v),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v > top * 0.6 else "black",
                )
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(title, loc="left")
    return _svg(fig)


# -- html ----------------------------------------------------------------------------------------


def _e(v: Any) -> str:
    if v is None:
        return "(none)"
    if isinstance(v, float):
        return f"{v:.3f}"
    return html.escape(str(v))


def _table(
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    by: str | None = None,
    headers: Sequence[str] | None = None,
) -> str:
    attr = f' data-by="{html.escape(by)}"' if by else ""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in (headers or columns))
    body = "".join("<tr>" + "".join(f"<td>{_e(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows)
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _details(summary: str, inner: str) -> str:
    return f"<details><summary>{html.escape(summary)}</summary>{inner}</details>"


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4}.chart svg{max-width:100%;height:auto}.muted{color:#777}
.grid{display:flex;flex-wrap:wrap;gap:1.5em}.grid>div{flex:1 1 300px}
details{margin:.5em 0}summary{cursor:pointer;color:#345}
"""


def _year_label(y: Any) -> str:
    return "(none)" if y is None else str(y)


def render(store: Store, title: str = "govtext corpus report") -> tuple[str, int]:
    """The report HTML and the number of charts in it."""
    charts = 0
    sections: list[str] = []
    n_docs = store.count("documents")

    def chart(svg: str) -> str:
        nonlocal charts
        charts += 1
        return f'<div class="chart">{svg}</div>'

    # Overview
    by_year = stats(store, "year")
    by_lang = stats(store, "lang")
    by_format = stats(store, "format")
    by_type = stats(store, "doc_type")
    parts = [
        f"<h2>Corpus overview</h2><p>{n_docs:,} documents, {store.count('parts'):,} parts, "
        f"{store.count('tags'):,} theme tags.</p>"
    ]
    dated = [r for r in by_year if r["year"] is not None]
    if dated:
        parts.append(
            chart(
                _bar_chart([str(r["year"]) for r in dated], [r["count"] for r in dated], "Documents by year")
            )
        )
    parts.append(_details("Documents by year (table)", _table(["year", "count", "share"], by_year, "year")))
    grid = []
    for rows, field, name in (
        (by_lang, "lang", "language"),
        (by_format, "format", "format"),
        (by_type, "doc_type", "document type"),
    ):
        if rows:
            svg = _bar_chart(
                [_year_label(r[field]) for r in rows],
                [r["count"] for r in rows],
                f"Documents by {name}",
                horizontal=True,
            )
            grid.append(f"<div>{chart(svg)}{_table([field, 'count', 'share'], rows, field)}</div>")
    parts.append('<div class="grid">' + "".join(grid) + "</div>")
    sections.append("".join(parts))

    # Themes
    by_theme = stats(store, "theme")
    themes = [r["theme"] for r in by_theme if r["theme"] is not None]
    parts = ["<h2>Themes</h2>"]
    if not themes:
        parts.append('<p class="muted">No theme tags yet.</p>')
    else:
        parts.append(
            chart(
                _bar_chart(
                    themes,
                    [r["count"] for r in by_theme if r["theme"] is not None],
                    "Documents per theme",
                    horizontal=True,
                )
            )
        )
        parts.append(_table(["theme", "count", "share"], by_theme, "theme"))
        year_theme = stats(store, ["year", "theme"])
        years = [r["year"] for r in dated]
        share = {(r["year"], r["theme"]): r["share"] for r in year_theme}
        shown = themes[:_MAX_SERIES]
        if len(years) >= 2:
            parts.append(
                chart(
                    _line_chart(
                        years,
                        {t: [share.get((y, t), 0.0) for y in years] for t in shown},
                        "Theme prevalence by year (share of the year's documents)",
                        "share of documents",
                    )
                )
            )
        parts.append(
            _details(
                "Theme prevalence by year (table)",
                _table(
                    ["year", "theme", "count", "share"],
                    [r for r in year_theme if r["theme"] is not None],
                    "year,theme",
                ),
            )
        )
        lang_theme = stats(store, ["lang", "theme"])
        langs = [r["lang"] for r in by_lang if r["lang"] is not None]
        if langs:
            lshare = {(r["lang"], r["theme"]): r["share"] for r in lang_theme}
            parts.append(
                chart(
                    _heatmap(
                        langs,
                        themes,
                        [[lshare.get((lg, t), 0.0) for t in themes] for lg in langs],
                        "Theme prevalence by language (share of the language's documents)",
                    )
                )
            )
        parts.append(
            _details(
                "Theme prevalence by language (table)",
                _table(
                    ["lang", "theme", "count", "share"],
                    [r for r in lang_theme if r["theme"] is not None],
                    "lang,theme",
                ),
            )
        )
        co = theme_cooccurrence(store)
        jac = {(r["theme_a"], r["theme_b"]): r for r in co}
        if len(themes) >= 2:
            parts.append(
                chart(
                    _heatmap(
                        themes,
                        themes,
                        [[jac[(a, b)]["jaccard"] if a != b else 0.0 for b in themes] for a in themes],
                        "Theme co-occurrence (Jaccard: documents with both / with either)",
                    )
                )
            )
        parts.append(
            _details(
                "Theme co-occurrence (documents with both themes)",
                _table(
                    ["theme_a", "theme_b", "count", "jaccard"],
                    [r for r in co if r["theme_a"] < r["theme_b"] and r["count"]],
                    "cooccurrence",
                ),
            )
        )
        typical = []
        for t in themes:
            docs = store.top_documents_for_theme(t, _TOP_DOCS)
            rows = [{**d, "id": d["id"][:12]} for d in docs]
            typical.append(
                f"<h3>{html.escape(t)}</h3>" + _table(["score", "title", "year", "langs", "id"], rows)
            )
        parts.append("<h2>Most typical documents per theme</h2><p>Highest tag scores.</p>" + "".join(typical))
    sections.append("".join(parts))

    # Topics
    tp = topic_prevalence(store)
    parts = ["<h2>Topics</h2>"]
    if tp["model"] is None:
        parts.append('<p class="muted">No topic model yet (<code>govtext topics fit</code>).</p>')
    else:
        parts.append(f"<p>Model <code>{html.escape(tp['model'])}</code>, {len(tp['topics'])} topics.</p>")
        rows = [{**t, "terms": ", ".join(map(str, t["terms"][:12]))} for t in tp["topics"]]
        parts.append(_table(["topic", "label", "theme", "documents", "weight", "terms"], rows, "topic"))
        by_year_topic: dict[int, dict[Any, float]] = defaultdict(dict)
        for r in tp["by_year"]:
            if r["year"] is not None:
                by_year_topic[r["topic"]][r["year"]] = r["weight"]
        years = sorted({y for d in by_year_topic.values() for y in d})
        top = sorted(tp["topics"], key=lambda t: -(t["weight"] or t["documents"] or 0))[:_MAX_SERIES]
        if len(years) >= 2 and top:
            parts.append(
                chart(
                    _line_chart(
                        years,
                        {
                            f"{t['topic']}: {t['label'] or ', '.join(map(str, t['terms'][:3]))}": [
                                by_year_topic[t["topic"]].get(y, 0.0) for y in years
                            ]
                            for t in top
                        },
                        "Topic prevalence by year (mean weight)",
                        "mean weight",
                    )
                )
            )
        parts.append(
            _details(
                "Topic prevalence by year (table)",
                _table(["year", "topic", "weight"], tp["by_year"], "topic_by_year"),
            )
        )
    sections.append("".join(parts))

    # Errors
    run, errors = store.last_run_errors()
    parts = [f"<h2>Errors of the last run{f' (run {run})' if run is not None else ''}</h2>"]
    if errors:
        parts.append(f"<p>{len(errors)} errors.</p>" + _table(["path", "stage", "message"], errors, "errors"))
    else:
        parts.append('<p class="muted">None.</p>')
    sections.append("".join(parts))

    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head><body>'
        f'<h1>{html.escape(title)}</h1><p class="muted">{html.escape(str(store.location))}</p>'
        + "".join(sections)
        + "</body></html>\n"
    )
    return page, charts


def write_report(store: Store, out: str | Path) -> dict[str, Any]:
    """Render the report to ``out``; returns ``{"path", "documents", "charts", "seconds"}``."""
    t0 = time.perf_counter()
    page, charts = render(store)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return {
        "path": str(out),
        "documents": store.count("documents"),
        "charts": charts,
        "seconds": round(time.perf_counter() - t0, 2),
    }


def default_report_path(db: str) -> Path:
    """report.html beside an SQLite corpus; under outputs/ for a corpus on a server."""
    from pipeline.store import is_url

    return Path("outputs") / "report.html" if is_url(db) else Path(db).with_name("report.html")


def write_for_run(store: Store, cfg: Any) -> str:
    """The `govtext run` step: the report beside the database unless cfg.report says otherwise."""
    out = Path(cfg.report) if getattr(cfg, "report", None) else default_report_path(cfg.db)
    info = write_report(store, out)
    return f"wrote {out} ({info['documents']} documents, {info['charts']} charts)"
