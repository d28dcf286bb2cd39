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
