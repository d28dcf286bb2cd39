import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "sample"
SHARED_CORPORA = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    """The real documents beside the project; tests that need them skip when absent."""
    if not SHARED_CORPORA.is_dir():
        pytest.skip(f"real corpora not found at {SHARED_CORPORA} (../shared/corpora beside the project)")
    return SHARED_CORPORA


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


# -- backends ------------------------------------------------------------------------------------
# The store, ingest, query, explore, topics and fault tests run against both backends. PostgreSQL
# needs a server: GOVTEXT_TEST_POSTGRES names one (a URL to its maintenance database); each test
# gets a fresh database on it. CI starts a server and sets GOVTEXT_REQUIRE_POSTGRES=1 so that
# these tests fail rather than skip there.
PG_ENV = "GOVTEXT_TEST_POSTGRES"
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def pg_server() -> str:
    url = os.environ.get(PG_ENV)
    why = None
    if not url:
        why = f"PostgreSQL tests need a server: set {PG_ENV}=postgresql://USER@HOST:PORT/postgres (CI starts one)"
    else:
        try:
            import psycopg

            psycopg.connect(url, connect_timeout=5).close()
        except ImportError:
            why = "PostgreSQL tests need psycopg: pip install -e '.[test]'"
        except Exception as e:  # noqa: BLE001 - any failure to reach the server is a reason to skip
            why = f"PostgreSQL server {url} not reachable: {' '.join(str(e).split())}"
    if why:
        if os.environ.get("GOVTEXT_REQUIRE_POSTGRES"):
            pytest.fail(why)
        pytest.skip(why)
    return url


def fresh_pg_database(server: str) -> str:
    """A new, empty database on the test server; its URL."""
    import psycopg
    from psycopg import sql

    name = f"govtext_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as c:
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    _PG_DATABASES.append((server, name))
    return with_database(server, name)


def with_database(url: str, name: str) -> str:
    """The same server URL, naming another database."""
    head, _, query = url.partition("?")
    base = head.rsplit("/", 1)[0] if head.count("/") > 2 else head
    return f"{base}/{name}" + (f"?{query}" if query else "")


_PG_DATABASES: list[tuple[str, str]] = []


@pytest.fixture(scope="session", autouse=True)
def _drop_test_databases():
    yield
    if not _PG_DATABASES:
        return
    import psycopg
    from psycopg import sql

    for server, name in _PG_DATABASES:
        try:
            with psycopg.connect(server, autocommit=True) as c:
                c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        except Exception:  # noqa: BLE001, S110 - a database left behind on a test server is harmless
            pass


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db(backend: str, tmp_path: Path, request) -> str:
    """A corpus location for a fresh, empty corpus on the backend under test: a path or a URL."""
    if backend == "sqlite":
        return str(tmp_path / "corpus.db")
    return fresh_pg_database(request.getfixturevalue("pg_server"))


# -- executors -----------------------------------------------------------------------------------
# Dask tests share one LocalCluster of 2 workers for the session; runs join it with --scheduler.
EXECUTORS = ["local", "dask"]
TESTS_DIR = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def dask_scheduler() -> str:
    import logging

    distributed = pytest.importorskip(
        "distributed", reason="Dask tests need the dask extra: pip install -e '.[test]'"
    )
    # Worker processes start fresh: they find the test-only readers (bad_readers) through PYTHONPATH.
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS_DIR), os.environ.get("PYTHONPATH")) if p)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture(params=EXECUTORS)
def executor(request) -> dict:
    """Config settings that choose the executor under test."""
    if request.param == "local":
        return {"executor": "local"}
    return {"executor": "dask", "scheduler": request.getfixturevalue("dask_scheduler")}
