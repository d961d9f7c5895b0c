"""Custom templates: export, check against the plan model, and reproducible defaults."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn

from pipeline.cli import cli
from pipeline.errors import ExitCode, UsageError
from pipeline.render import DocumentKind
from pipeline.resources import templates_dir
from pipeline.template_authoring import build_templates
from pipeline.templates import check_templates, export_templates, specimen_plan


def test_default_templates_have_no_problems() -> None:
    assert check_templates(templates_dir()) == []


def test_committed_templates_are_what_the_authoring_script_builds(tmp_path: Path) -> None:
    build_templates(tmp_path)
    for kind in DocumentKind:
        with (
            zipfile.ZipFile(templates_dir() / kind.template) as old,
            zipfile.ZipFile(tmp_path / kind.template) as new,
        ):
            assert sorted(old.namelist()) == sorted(new.namelist()), kind
            for name in old.namelist():
                assert old.read(name) == new.read(name), (
                    f"{kind.template}:{name} differs: run `python -m pipeline.template_authoring`"
                )


def test_export_copies_the_defaults_and_never_overwrites(tmp_path: Path) -> None:
    written = export_templates(tmp_path / "ours")
    assert sorted(p.name for p in written) == sorted(k.template for k in DocumentKind)
    for path in written:
        assert path.read_bytes() == (templates_dir() / path.name).read_bytes()
    (tmp_path / "ours" / "ihp.docx").write_bytes(b"edited")
    with pytest.raises(UsageError, match="already has"):
        export_templates(tmp_path / "ours")
    assert (tmp_path / "ours" / "ihp.docx").read_bytes() == b"edited"


def _edit(folder: Path, kind: DocumentKind, add: str = "", drop: str = "") -> None:
    """Add a paragraph to a template, or blank every run that holds `drop`."""
    path = folder / kind.template
    document = Document(str(path))
    if add:
        document.add_paragraph(add)
    if drop:  # in paragraphs and in table cells alike
        for run in document.element.body.iter(qn("w:t")):
            if run.text and drop in run.text:
                run.text = run.text.replace(drop, "")
    document.save(str(path))


def test_check_lists_unknown_tags_with_a_suggestion(tmp_path: Path) -> None:
    export_templates(tmp_path)
    _edit(
        tmp_path,
        DocumentKind.PARENT_LETTER,
        add="{{ pupil.nmae }} {% for c in contacts.family %}{{ c.mobil }}{% endfor %}",
    )
    problems = check_templates(tmp_path)
    text = [str(p) for p in problems]
    assert any("{{ pupil.nmae }}" in t and "did you mean 'name'?" in t for t in text), text
    assert any(
        "{{ contacts.family.mobil }}" in t and "did you mean 'mobile'?" in t for t in text
    ), text
    assert all(p.template == "parent-letter.docx" for p in problems)


def test_check_lists_fields_a_template_forgets(tmp_path: Path) -> None:
    export_templates(tmp_path)
    _edit(tmp_path, DocumentKind.EMERGENCY, drop="{{ sheet.entrance }}")
    problems = check_templates(tmp_path)
    assert [str(p) for p in problems] == [
        "emergency.docx: does not show the best entrance "
        "(add a tag for it, e.g. {{ sheet.entrance }})"
    ]


def test_every_model_field_must_be_in_the_ihp(tmp_path: Path) -> None:
    export_templates(tmp_path)
    _edit(tmp_path, DocumentKind.IHP, drop="{{ daily_care.toileting }}")
    messages = [p.message for p in check_templates(tmp_path)]
    assert messages == ["does not show Toilet access (daily_care.toileting)"]


def test_check_flags_python_internals_and_broken_files(tmp_path: Path) -> None:
    export_templates(tmp_path)
    _edit(tmp_path, DocumentKind.TRAINING_RECORD, add="{{ ''.__class__.__mro__ }}")
    (tmp_path / "ihp.docx").write_bytes(b"not a docx")
    (tmp_path / "parent-letter.docx").unlink()
    problems = check_templates(tmp_path)
    text = "\n".join(str(p) for p in problems)
    assert "ihp.docx: the template" in text and "is not a Word document" in text
    assert "parent-letter.docx is missing" in text
    assert "training-record.docx: __class__: reaches inside Python" in text
    assert "tries to reach inside Python" in text  # rendering the specimen is refused too


def test_specimen_plan_fills_every_field() -> None:
    plan = specimen_plan()
    assert {c.kind.value for c in plan.conditions.conditions} >= {"Asthma", "Type 1 diabetes"}
    for section in ("pupil", "daily_care", "voice", "school"):
        assert all(value is not None for value in getattr(plan, section).model_dump().values())


def test_cli_export_then_check(tmp_path: Path) -> None:
    runner = CliRunner()
    folder = tmp_path / "ours"
    result = runner.invoke(cli, ["templates", "export", str(folder)])
    assert result.exit_code == 0, result.output
    assert (folder / "ihp.docx").is_file()
    assert runner.invoke(cli, ["templates", "check", str(folder)]).exit_code == 0
    again = runner.invoke(cli, ["templates", "export", str(folder)])
    assert again.exit_code == ExitCode.USAGE and "already has" in again.output
    _edit(folder, DocumentKind.IHP, add="{{ pupil.favourite_colour }}")
    result = runner.invoke(cli, ["templates", "check", str(folder)])
    assert result.exit_code == ExitCode.TEMPLATE_INVALID
    assert (
        "ihp.docx: {{ pupil.favourite_colour }}: the plan has no 'favourite_colour' here"
        in result.output
    )
