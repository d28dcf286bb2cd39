"""The HTML report: charts present, numbers equal to stats, reproducible, and the datasette view."""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import BACKENDS, fresh_pg_database
from test_explore_corpus import build_corpus
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.explore import stats
from pipeline.report import render, write_for_run
from pipeline.store import open_store


class _Tables(HTMLParser):
    """The report's tables that say which stats they show (data-by), as lists of cell rows."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._by: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "table" and "data-by" in a:
            self._by = a["data-by"]
            self.tables[self._by] = []
        elif tag == "tr" and self._by:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._by = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.tables[self._by].append(self._row)
            self._row = None
        elif tag == "td" and self._cell is not None:
            self._row.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "corpus.db"
    build_corpus(path).close()
    return path


@pytest.fixture(scope="module", params=BACKENDS)
def corpus(request, sqlite_db: Path) -> str:
    """The hand-made corpus on each backend."""
    if request.param == "sqlite":
        return str(sqlite_db)
    url = fresh_pg_database(request.getfixturevalue("pg_server"))
    build_corpus(url).close()
    return url


def _cells(rows: list[dict], cols: list[str]) -> list[list[str]]:
    def fmt(v):
        return "(none)" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    return [[fmt(r[c]) for c in cols] for r in rows]


def test_report_charts_and_numbers_agree_with_stats(corpus: str) -> None:
    store = open_store(corpus, readonly=True)
    page, charts = render(store)
    # Year, language, format, doc_type, themes, theme by year, by language, co-occurrence, topics.
    assert charts == 9 and page.count("<svg") == charts
    # Self-contained: nothing to fetch, nothing to run.
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page) and "<script" not in page
    assert "<metadata>" not in page
    p = _Tables()
    p.feed(page)
    for field in ("year", "lang", "format", "doc_type", "theme"):
        assert p.tables[field] == _cells(stats(store, field), [field, "count", "share"]), field
    year_theme = [r for r in stats(store, ["year", "theme"]) if r["theme"] is not None]
    assert p.tables["year,theme"] == _cells(year_theme, ["year", "theme", "count", "share"])
    assert [row[:4] for row in p.tables["topic"]] == [
        ["0", "partnerships", "(none)", "4"],
        ["1", "corruption", "(none)", "2"],
    ]
    assert p.tables["errors"] == [["data/broken.pdf", "read", "no text layer"]]
    # The most typical document for corruption is c (score 0.95).
    section = page[page.index("<h3>corruption</h3>") :]
    assert re.search(r"<td>0\.950</td><td>Korupsi pengadaan</td>", section)


def test_report_is_reproducible_and_written_by_run_step(corpus: str, tmp_path: Path) -> None:
    store = open_store(corpus, readonly=True)
    assert render(store)[0] == render(store)[0]
    msg = write_for_run(store, SimpleNamespace(db=corpus, report=tmp_path / "r.html"))
    assert msg == f"wrote {tmp_path / 'r.html'} (6 documents, 9 charts)"
    assert (tmp_path / "r.html").read_text("utf-8").count("<svg") == 9
    res = CliRunner().invoke(app, ["report", "--db", corpus, "--out", str(tmp_path / "cli.html")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cli.html").stat().st_size > 10_000


def test_report_is_the_same_on_both_backends(sqlite_db: Path, pg_server: str) -> None:
    url = fresh_pg_database(pg_server)
    build_corpus(url).close()
    a, b = open_store(sqlite_db, readonly=True), open_store(url, readonly=True)
    # The page names its corpus; everything else (counts, charts, tables) is the same.
    assert render(a)[0].replace(str(sqlite_db), "DB") == render(b)[0].replace(b.location, "DB")


def test_report_default_path_is_beside_the_database(sqlite_db: Path) -> None:
    res = CliRunner().invoke(app, ["report", "--db", str(sqlite_db)])
    assert res.exit_code == 0, res.output
    assert (sqlite_db.parent / "report.html").stat().st_size > 10_000


def test_report_without_themes_or_topics(db: str) -> None:
    store = build_corpus(db, topics=False)
    with store.transaction():
        store._execute("DELETE FROM tags")
    page, charts = render(store)
    assert "No theme tags yet" in page and "No topic model yet" in page
    assert charts == 4 and page.count("<svg") == 4


def test_store_is_a_datasette_with_search(sqlite_db: Path) -> None:
    db = sqlite_db
    sqlite_utils = pytest.importorskip("sqlite_utils")
    assert sqlite_utils.Database(db)["parts"].detect_fts() == "parts_fts"
    datasette_app = pytest.importorskip("datasette.app")

    async def search(query: str) -> list[dict]:
        ds = datasette_app.Datasette([str(db)], immutables=[])
        r = await ds.client.get(f"/corpus/parts.json?{query}&_shape=objects")
        assert r.status_code == 200
        return r.json()["rows"]

    rows = asyncio.run(search("_search=kemitraan"))
    assert sorted({r["doc_id"][0] for r in rows}) == ["b", "d", "f"]  # d: its references part
    # The norm column searches every inflection: mitra finds kemitraan.
    rows = asyncio.run(search("_search_norm=mitra"))
    assert sorted({r["doc_id"][0] for r in rows}) == ["b", "f"]
