"""An installed copy (`pip install .`, not editable) must find its default form and templates."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("ihp-*.whl")
    return built


def test_wheel_carries_form_and_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for form in (ROOT / "forms").glob("*.xlsx"):
        assert f"pipeline/_resources/forms/{form.name}" in names
    templates = list((ROOT / "word_templates").glob("*.docx"))
    assert templates, "no default templates in word_templates/"
    for template in templates:
        assert f"pipeline/_resources/word_templates/{template.name}" in names


def test_installed_copy_finds_its_resources(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = "import pipeline.resources as r;print(r.forms_dir()); print(r.templates_dir())"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(site)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    forms, templates = (Path(line) for line in result.stdout.split())
    assert forms.is_relative_to(site) and templates.is_relative_to(site)
    assert (forms / "ihp-intake.xlsx").is_file()
    assert (templates / "ihp.docx").is_file()
