"""The build step pyproject.toml cannot say: the default themes model goes into the wheel.

The model's source is ``models/themes/<id>/`` at the top of the tree (where `govtext models export`
writes a rebuilt one); a wheel carries it as package data, ``pipeline/data/models/themes/<id>/``,
which ``pipeline.models.shipped_themes_dir`` reads with importlib.resources. Everything else about
the build is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MODELS = Path(__file__).resolve().parent / "models" / "themes"


class BuildWithModel(build_py):
    def run(self) -> None:
        super().run()
        shipped = (
            sorted(d for d in MODELS.iterdir() if (d / "model.json").is_file()) if MODELS.is_dir() else []
        )
        if not shipped:
            raise SystemExit(
                f"no default themes model in {MODELS}: the wheel would tag with the lexicon only"
            )
        dest = Path(self.build_lib) / "pipeline" / "data" / "models" / "themes" / shipped[-1].name
        shutil.copytree(shipped[-1], dest, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithModel})
