"""What a user installing the wheel gets: the default themes model and the taxonomy inside it, so a
fresh corpus is tagged by the classifier, run from a folder that is not the checkout. And a
broken install fails loudly instead of quietly tagging nothing."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from pipeline.models import shipped_themes_dir

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_the_wheel_carries_its_model(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    (wheel,) = wheels.glob("govtext-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    r = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(wheel)], capture_output=True, text=True, timeout=1800
    )
    assert r.returncode == 0, r.stderr[-3000:]
    elsewhere = tmp_path / "elsewhere"  # no models/ folder here, nor the checkout on the path
    elsewhere.mkdir()
    (elsewhere / "one.txt").write_text(
        "Pencegahan korupsi di pemerintah daerah\n\nPenelitian ini mengkaji pencegahan korupsi, suap dan "
        "gratifikasi dalam pengadaan barang dan jasa di pemerintah kabupaten melalui zona integritas.\n",
        encoding="utf-8",
    )
    govtext = str(env_dir / "bin" / "govtext")

    def run(*args: str) -> str:
        res = subprocess.run([govtext, *args], cwd=elsewhere, capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, res.stderr[-3000:]
        return res.stdout

    run("ingest", "one.txt", "--db", "c.db", "--workers", "1")
    doc = json.loads(run("show", "one.txt", "--db", "c.db", "--format", "json"))
    shipped = shipped_themes_dir().name
    assert doc["tags"] and {(t["method"], t["model"]) for t in doc["tags"]} == {("classifier", shipped)}
    listed = json.loads(run("models", "list", "--db", "c.db", "--format", "json"))
    assert [m["id"] for m in listed if m["active"]] == [f"{shipped} (shipped)"]
    located = subprocess.run(
        [str(py), "-c", "import pipeline.models as m; print(m.shipped_themes_dir())"],
        cwd=elsewhere, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert located.startswith(str(env_dir)) and "site-packages" in located


def test_a_missing_core_module_is_an_error_not_a_stage_quietly_gone(monkeypatch):
    """A broken install (here: the themes stage cannot be imported) stops with an ImportError;
    it used to drop the stage and tag nothing."""
    import pipeline
    from pipeline import stages

    monkeypatch.setitem(sys.modules, "pipeline.themes", None)
    monkeypatch.delattr(pipeline, "themes", raising=False)
    with pytest.raises(ImportError):
        stages.default_stages()


def test_a_missing_extra_names_the_extra():
    from pipeline.extras import MissingExtra, require

    with pytest.raises(MissingExtra, match=r"pip install 'govtext\[dask\]'"):
        require("no_such_module_xyz", "dask", "--executor dask")


def test_the_default_model_is_found_in_the_checkout():
    folder = shipped_themes_dir()
    assert folder is not None and (folder / "model.json").is_file() and (folder / "taxonomy.json").is_file()
