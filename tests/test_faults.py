"""Bad input: every fault gets one clear error line (file, stage, reason) in the errors table and on
screen, every good file beside it is stored whole, and the exit code says some files failed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BACKENDS, fresh_pg_database
from typer.testing import CliRunner

from pipeline import ingest as ingest_mod
from pipeline.cli import app
from pipeline.config import load_config
from pipeline.ingest import ingest
from pipeline.store import open_store
from tests.faults import ABSTRACT_EN, ABSTRACT_ID, check_sound, make_fault_corpus, running_as_root

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def _docs_by_path(db: str | Path) -> dict[str, list[dict]]:
    with open_store(db, readonly=True) as s:
        out: dict[str, list] = {}
        for r in s.select("SELECT id, path FROM documents ORDER BY id"):
            out.setdefault(r["path"], []).append(r)
        return out


def _fresh_db(backend: str, tmp: Path, request) -> str:
    if backend == "sqlite":
        return str(tmp / "corpus.db")
    return fresh_pg_database(request.getfixturevalue("pg_server"))


@pytest.fixture(scope="module")
def fault_corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    return make_fault_corpus(tmp / "download folder")


@pytest.fixture(scope="module", params=BACKENDS)
def fault_run(request, fault_corpus, tmp_path_factory):
    """The whole fault corpus through the CLI, one worker, OCR off (so the scan must fail)."""
    fc = fault_corpus
    db = _fresh_db(request.param, tmp_path_factory.mktemp("faultdb"), request)
    r = runner.invoke(app, ["ingest", str(fc.root), "--db", db, "--workers", "1", "--ocr", "off"])
    return fc, db, r


def test_exit_code_1_when_some_files_failed(fault_run):
    fc, db, r = fault_run
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    check_sound(db)


def test_every_fault_has_one_clear_error_row_and_screen_line(fault_run):
    fc, db, r = fault_run
    with open_store(db, readonly=True) as s:
        errors = s.errors()
    screen = r.stderr.splitlines()
    for name, f in fc.faults.items():
        rows = [e for e in errors if e["path"] == str(f.path)]
        assert len(rows) == 1, (name, rows)
        (e,) = rows
        assert e["stage"] == f.stage and f.reason in e["message"], (name, e)
        assert "\n" not in e["message"] and "Traceback" not in e["message"]
        # On screen: one line naming the file, the stage and the reason, however long.
        line = f"failed {f.path}: {f.stage}: {e['message']}"
        assert line in screen, (name, line)
    # Nothing else went wrong: no error for a good file.
    assert len(errors) == len(fc.faults)


def test_every_good_file_is_stored_whole(fault_run):
    fc, db, _ = fault_run
    docs = _docs_by_path(db)
    for path, n in [*fc.good.items(), (fc.vanishing, 1)]:
        assert len(docs.get(str(path), [])) == n, path
    assert sum(len(v) for v in docs.values()) == fc.n_good_docs + 1  # no document from a fault
    check_sound(db)
    with open_store(db, readonly=True) as s:
        assert s.select("SELECT count(*) AS n FROM parts WHERE kind = 'raw'")[0]["n"] == 0
        status = {r["path"]: r["status"] for r in s.select("SELECT path, status FROM sources")}
        texts: dict[str, str] = {}
        for d in s.iter_documents():
            texts[d.path] = texts.get(d.path, "") + " " + " ".join(p.text for p in d.parts)
        run = s.runs()[-1]
    # A file stored with record errors is "partial": it stays counted as failing in part.
    in_part = {f.path for f in fc.faults.values() if f.path in fc.good}
    assert all(status[str(p)] == ("partial" if p in in_part else "done") for p in fc.good)
    fatal = [f for f in fc.faults.values() if f.stage == "read" and f.path not in fc.good]
    assert all(status[str(f.path)] == "failed" for f in fatal)
    # Latin-1 and UTF-16 decoded right, not mojibake; the non-ASCII path is kept as is.
    root = fc.root
    assert "Dédé Sétiawan" in texts[str(root / "latin1.txt")]
    assert "Ñoman Wíjaya" in texts[str(root / "utf16.txt")]
    assert "Ñoman Wíjaya" in texts[str(root / "utf16_nobom.txt")]
    assert any("Kajian Désa — Ñusantara" in p and "Bantul" in t for p, t in texts.items())
    counts = run["counts"]
    assert run["status"] == "done"
    assert counts["files_failed"] == len({f.path for f in fc.faults.values() if f.path not in fc.good})
    assert counts["documents_new"] == fc.n_good_docs + 1


def test_rerun_adds_nothing_and_reports_every_fault_again(fault_corpus, tmp_path, db):
    """Nothing is read again, and the run says what the first one said: the same errors, the
    same failed files, exit 1 (failed files stay failed until they change)."""
    fc = fault_corpus
    copy = db  # a corpus of its own: the module's run stays as it was for the other tests
    runner.invoke(app, ["ingest", str(fc.root), "--db", copy, "--workers", "1", "--ocr", "off"])
    before = _docs_by_path(copy)
    r = runner.invoke(app, ["ingest", str(fc.root), "--db", str(copy), "--workers", "1", "--ocr", "off"])
    assert r.exit_code == 1
    with open_store(copy, readonly=True) as s:
        first, second = s.runs()[-2:]
        errs = s.errors(run=second["id"])
        old = s.errors(run=first["id"])
    counts = second["counts"]
    assert counts["documents_new"] == 0 and counts["files_done"] == 0
    assert sorted((e["path"], e["stage"], e["message"]) for e in errs) == sorted(
        (e["path"], e["stage"], e["message"]) for e in old
    )
    assert counts["files_failed"] == first["counts"]["files_failed"]
    assert _docs_by_path(copy) == before


def test_all_good_exits_0_and_usage_error_exits_2(tmp_path):
    d = tmp_path / "ok"
    d.mkdir()
    (d / "a.txt").write_text(ABSTRACT_ID, encoding="utf-8")
    db = tmp_path / "c.db"
    r = runner.invoke(app, ["ingest", str(d), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["ingest", str(d), "--db", str(db), "--workers", "many"])
    assert r.exit_code == 2


def _small(tmp_path: Path) -> tuple[Path, Path, str]:
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(ABSTRACT_ID, encoding="utf-8")
    victim = d / "b.txt"
    victim.write_text(ABSTRACT_EN, encoding="utf-8")
    (d / "c.txt").write_text(ABSTRACT_ID.replace("Gunungkidul", "Sleman"), encoding="utf-8")
    return d, victim, str(tmp_path / "c.db")


def _check_victim(db: str, victim: Path, stage: str) -> None:
    with open_store(db, readonly=True) as s:
        errs = s.errors()
        paths = {r["path"] for r in s.select("SELECT path FROM documents")}
        state = s.source_state(str(victim))
    assert len(errs) == 1 and errs[0]["path"] == str(victim) and errs[0]["stage"] == stage
    assert "cannot read file" in errs[0]["message"] and "No such file" in errs[0]["message"]
    assert paths == {str(victim.parent / "a.txt"), str(victim.parent / "c.txt")}
    assert stage == "discover" or state.status == "failed"


@pytest.mark.parametrize("workers", [1, 2])
def test_file_deleted_between_discovery_and_reading(tmp_path, workers, db):
    folder, victim, _ = _small(tmp_path)

    def progress(event, data):
        if event == "start":  # discovery and hashing are done, no file read yet
            victim.unlink()

    cfg = load_config({"db": db, "workers": workers})
    with open_store(db) as store:
        s = ingest([folder], cfg, store, progress=progress)
    assert (s.files_done, s.files_failed, s.documents_new) == (2, 1, 2)
    _check_victim(db, victim, "read")


def test_file_deleted_between_listing_and_hashing(tmp_path, monkeypatch):
    """A file seen before and touched since is hashed at discovery (has its content changed?)."""
    folder, victim, db = _small(tmp_path)
    with open_store(db) as store:
        ingest([folder], load_config({"db": db, "workers": 1}), store)
    os.utime(victim, (1e9, 1e9))
    real_walk = ingest_mod.walk

    def walk(paths, **kw):
        for item in real_walk(paths, **kw):
            if getattr(item, "path", None) == victim:
                victim.unlink()  # listed and stat-ed, gone before it is hashed
            yield item

    monkeypatch.setattr(ingest_mod, "walk", walk)
    with open_store(db) as store:
        s = ingest([folder], load_config({"db": db, "workers": 1}), store)
    assert (s.files_unchanged, s.files_failed, s.documents_new) == (2, 1, 0)
    with open_store(db, readonly=True) as store:
        (e,) = store.errors(run=store.runs()[-1]["id"])
    assert e["path"] == str(victim) and e["stage"] == "discover"
    assert "cannot read file" in e["message"] and "No such file" in e["message"]


def test_new_files_are_hashed_by_the_worker_that_reads_them(tmp_path, monkeypatch):
    import hashlib

    folder, victim, db = _small(tmp_path)
    hashed: list[Path] = []
    real = ingest_mod.sha256_file
    monkeypatch.setattr(ingest_mod, "sha256_file", lambda p: hashed.append(Path(p)) or real(p))
    with open_store(db) as store:
        ingest([folder], load_config({"db": db, "workers": 2}), store)
    assert hashed == []  # nothing read twice, nothing read here before the work starts
    with open_store(db, readonly=True) as store:
        for f in folder.iterdir():
            assert store.source_state(str(f)).sha256 == hashlib.sha256(f.read_bytes()).hexdigest()
    os.utime(victim, (1e9, 1e9))
    with open_store(db) as store:
        s = ingest([folder], load_config({"db": db, "workers": 2}), store)
    assert hashed == [victim] and (s.files_unchanged, s.documents_new) == (3, 0)


@pytest.mark.skipif(
    running_as_root(),
    reason="running as root: mode 000 does not stop root from reading; "
    "test_unreadable_file_simulated covers the same path",
)
def test_unreadable_file_mode_000(tmp_path):
    folder, victim, db = _small(tmp_path)
    victim.chmod(0)
    r = runner.invoke(app, ["ingest", str(folder), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 1
    with open_store(db, readonly=True) as s:
        (e,) = s.errors()
    assert e["path"] == str(victim) and "Permission denied" in e["message"]


def test_unreadable_file_simulated(tmp_path, monkeypatch):
    """As root chmod 000 does not bite: make opening that one file fail the way it would."""
    import pipeline.executor.work as work_mod

    folder, victim, db = _small(tmp_path)
    real = work_mod.sha256_file

    def sha(path, *a, **k):
        if Path(path) == victim:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, *a, **k)

    monkeypatch.setattr(work_mod, "sha256_file", sha)  # a new file's first read: its worker hashes it
    r = runner.invoke(app, ["ingest", str(folder), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 1
    assert f"failed {victim}: read: cannot read file (Permission denied)" in r.stderr.splitlines()
    assert len(_docs_by_path(db)) == 2


# -- the CLI's own errors: one line, exit 2, traceback only with --debug ---------------------------
@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "a.txt").write_text(ABSTRACT_ID, encoding="utf-8")
    db = tmp / "c.db"
    r = runner.invoke(app, ["ingest", str(tmp / "a.txt"), "--db", str(db), "--workers", "1"])
    assert r.exit_code == 0, r.output
    return db


@pytest.mark.parametrize(
    "args, needle",
    [
        (["query", "desa", "--theme", "no_such_theme"], "unknown theme 'no_such_theme': use one of"),
        (["query", "desa", "--lang", "klingon"], "unknown language 'klingon'"),
        (["query", '"desa'], "invalid search query"),
        (["query", "desa AND"], "invalid search query"),
        (["query", "NEAR(desa"], "invalid search query"),
        (["query", "desa", "--db", "{missing}"], "no corpus database here"),
        (["show", "x", "--db", "{missing}"], "no corpus database here"),
        (["errors", "--db", "{missing}"], "no corpus database here"),
        (["stats", "--by", "year", "--db", "{missing}"], "no corpus database here"),
        (["stats", "--by", "colour"], "unknown --by 'colour'"),
        (["ingest", "{missing_dir}", "--db", "{notdb}"], "not a usable corpus database"),
    ],
)
def test_cli_errors_one_line_exit_2_no_traceback(small_db, tmp_path, args, needle):
    notdb = tmp_path / "notes.db"
    notdb.write_text("this is not sqlite, it is a text file " * 100)
    fill = {"missing": tmp_path / "missing.db", "missing_dir": tmp_path / "nowhere", "notdb": notdb}
    args = [a.format(**fill) for a in args]
    if "--db" not in args:
        args += ["--db", str(small_db)]
    r = runner.invoke(app, args)
    assert r.exit_code == 2, (args, r.output)
    assert needle in r.stderr and "Traceback" not in r.output
    errs = [ln for ln in r.stderr.splitlines() if ln.startswith("error:")]
    assert len(errs) == 1 and needle in errs[0]


def test_debug_shows_the_traceback(small_db):
    cmd = [sys.executable, "-m", "pipeline", "query", '"desa', "--db", str(small_db)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    plain = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    debug = subprocess.run(
        [*cmd[:3], "--debug", *cmd[3:]], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert plain.stderr.strip() == "error: invalid search query: unbalanced double quote"
    assert debug.returncode != 0 and "Traceback" in debug.stderr and "QuerySyntaxError" in debug.stderr


def test_json_output_of_errors_lists_each_fault(fault_run):
    fc, db, _ = fault_run
    r = runner.invoke(app, ["errors", "--db", str(db), "--format", "json"])
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert {row["path"] for row in rows} == {str(f.path) for f in fc.faults.values()}


# -- labels and taxonomy files: messages point at the line (cases beyond tests/test_themes.py) ------
TAXONOMY_CASES = [
    (
        '{"themes": [\n {"id": "a", "terms_en": ["x"]},\n {"id": "b", "terms_en": "y"}\n]}',
        r"t.json:3: theme 'b': \"terms_en\" must be a list",
    ),
    (
        '{"themes": [\n {"id": "a", "terms_en": ["x"]},\n {"id": "b",\n  "terms_id": [3]}\n]}',
        r"t.json:3: theme 'b': bad term 3",
    ),
    (
        '{"themes": [\n {"id": "a", "terms_en": ["x"]},\n\n {"id": "c"}\n]}',
        r"t.json:4: theme 'c' has no seed terms",
    ),
    ('{"themes": [\n {"id": "a", "terms_en": ["x"]},\n {"label_en": "no id"}\n]}', r"theme #2 has no \"id\""),
    ('{"themes": []}', r"t.json:1: expected an object with a non-empty \"themes\" list"),
    ('{"themes": [\n {"id": "a", "terms_en": ["x"]}\n', r"t.json:3: invalid JSON"),
    ("", r"t.json:1: invalid JSON"),
]


@pytest.mark.parametrize("content, needle", TAXONOMY_CASES)
def test_taxonomy_file_errors_name_file_and_line(tmp_path, content, needle):
    from pipeline.themes.taxonomy import TaxonomyError, load_taxonomy

    bad = tmp_path / "t.json"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=needle):
        load_taxonomy(bad)


def test_taxonomy_bad_weight_names_the_line(tmp_path):
    from pipeline.themes.taxonomy import TaxonomyError, load_taxonomy

    bad = tmp_path / "t.json"
    bad.write_text('{"themes": [\n {"id": "a",\n  "terms_en": [{"term": "x", "weight": "high"}]}\n]}')
    with pytest.raises(TaxonomyError, match=r"t.json:2: theme 'a'"):
        load_taxonomy(bad)


def test_taxonomy_duplicate_id_points_at_the_duplicate(tmp_path):
    from pipeline.themes.taxonomy import TaxonomyError, load_taxonomy

    bad = tmp_path / "t.json"
    bad.write_text(
        '{"themes": [\n {"id": "a", "terms_en": ["x"]},\n {"id": "b", "terms_en": ["x"]},\n'
        ' {"id": "a", "terms_en": ["y"]}\n]}'
    )
    with pytest.raises(TaxonomyError, match=r"t.json:4: .*appears twice"):
        load_taxonomy(bad)


LABEL_CASES = [
    (
        "labels.jsonl",
        '{"text": "a", "themes": "transparency"}\n\n["a list"]\n',
        r"labels.jsonl:3: expected a JSON object",
    ),
    (
        "labels.jsonl",
        '{"text": "a", "themes": "transparency"}\n{"text": "b"}\n',
        r"labels.jsonl:2: missing 'themes'",
    ),
    (
        "labels.csv",
        "text,themes\nok,transparency\n,accountability\n",
        r"labels.csv:3: no document: empty 'text'",
    ),
    (
        "labels.csv",
        "text,themes\nok,transparency; particpation\n",
        r"labels.csv:2: unknown theme 'particpation'",
    ),
    ("labels.tsv", "text\tthemes\nok\ttransparency\nb\tnope\n", r"labels.tsv:3: unknown theme 'nope'"),
    ("labels.csv", "", r"labels.csv: empty labels file"),
    ("labels.csv", "text,themes\n", r"labels.csv: no labelled rows"),
]


@pytest.mark.parametrize("name, content, needle", LABEL_CASES)
def test_labels_file_errors_name_file_and_line(tmp_path, name, content, needle):
    from pipeline.themes.labels import LabelsError, read_labels
    from pipeline.themes.taxonomy import load_taxonomy

    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LabelsError, match=needle):
        read_labels(path, load_taxonomy())


def test_labels_not_utf8(tmp_path):
    from pipeline.themes.labels import LabelsError, read_labels
    from pipeline.themes.taxonomy import load_taxonomy

    path = tmp_path / "labels.csv"
    path.write_bytes("text,themes\nDédé,transparency\n".encode("utf-16"))
    with pytest.raises(LabelsError, match="labels must be UTF-8 text"):
        read_labels(path, load_taxonomy())


# -- user text never builds SQL -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["query", "x'); DROP TABLE documents; --"],
        ["query", "desa", "--source", "%' OR 1=1 --"],
        ["query", "desa", "--theme", "transparency' OR '1'='1"],
        ["show", "' OR 1=1 --"],
        ["stats", "--by", "year; DROP TABLE documents"],
    ],
)
def test_sql_in_user_text_is_only_text(small_db, args):
    with open_store(small_db, readonly=True) as s:
        before = s.count()
    r = runner.invoke(app, [*args, "--db", str(small_db), "--format", "json"])
    assert r.exit_code in (0, 2) and "Traceback" not in r.output
    if r.exit_code == 0:  # nothing matches such text, and above all nothing ran as SQL
        assert json.loads(r.stdout) == []
    with open_store(small_db, readonly=True) as s:
        assert s.count() == before == 1
