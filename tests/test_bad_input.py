"""The corpus of bad and hostile intake files (`tests/data/bad/`, `pytest -m bad`).

Every file gets the exact message `tests/data/make_bad.py` gives for it, at its sheet and cell;
refused files get that one problem and nothing else; accepted files (odd names and text) make a
plan holding exactly what was typed, and build into files that stay inside the output folder.
`ihp check` on the whole folder, in-process and as a real program, shows no traceback, and
nothing reads or builds ever changes an intake file.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import unicodedata
import zipfile
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner
from docx import Document

from pipeline.build import BuildOptions, build
from pipeline.cli import cli
from pipeline.errors import ExitCode
from pipeline.manifest import Status
from pipeline.validate import Intake, check_intake

pytestmark = pytest.mark.bad

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "data" / "bad"
TODAY = date(2026, 11, 24)
POSIX = os.name == "posix"


def _load_make_bad() -> ModuleType:
    name = "make_bad"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "data" / "make_bad.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


make_bad = _load_make_bad()
CORPUS = {bad.file: bad for bad in make_bad.CORPUS}
ACCEPTED = [bad.file for bad in make_bad.CORPUS if bad.accepted]


@pytest.fixture(scope="module")
def corpus() -> Intake:
    return check_intake(BAD, today=TODAY)


def _checked(corpus: Intake, file: str) -> Any:
    (checked,) = [pupil for pupil in corpus.pupils if pupil.path.name == file]
    return checked


# --- the corpus itself -----------------------------------------------------------------------


def test_expected_md_and_the_folder_match_the_script() -> None:
    assert (BAD / "EXPECTED.md").read_text(encoding="utf-8") == make_bad._expected_md(
        make_bad.CORPUS
    )
    on_disk = {path.name for path in BAD.iterdir()}
    assert on_disk == {*CORPUS, "school.xlsx", "EXPECTED.md"}
    assert len(CORPUS) >= 30


def _contents(path: Path) -> Any:
    """A file's bytes, or for a zip its parts' names and unpacked bytes (compression may
    differ between zlib builds; what is inside may not)."""
    content = path.read_bytes()
    if path.suffix != ".md" and zipfile.is_zipfile(path) and not path.name.startswith("trunc"):
        with zipfile.ZipFile(path) as package:
            return [(name, package.read(name)) for name in package.namelist()]
    return content


def test_the_committed_corpus_is_what_the_script_writes(tmp_path: Path) -> None:
    written = make_bad.write_corpus(tmp_path)
    assert {path.name for path in written} == {path.name for path in BAD.iterdir()}
    for path in written:
        if path.name == "truncated.xlsx":
            # Half of a zip: its length depends on the compressor, its damage does not.
            assert not zipfile.is_zipfile(path) and not zipfile.is_zipfile(BAD / path.name)
            continue
        assert _contents(path) == _contents(BAD / path.name), f"regenerate: {path.name}"


# --- every file gets its message ------------------------------------------------------------


@pytest.mark.parametrize("file", list(CORPUS))
def test_each_file_gets_its_exact_message(corpus: Intake, file: str) -> None:
    bad = CORPUS[file]
    checked = _checked(corpus, file)
    if bad.accepted:
        assert checked.ok, [str(problem) for problem in checked.problems]
        return
    assert not checked.ok and checked.plan is None
    for problem in checked.problems:
        assert problem.file == file
        assert problem.message and problem.hint
    found = [p for p in checked.errors if p.message == bad.message and p.where == bad.where]
    assert found, [f"{p.where}: {p.message}" for p in checked.problems]
    if "!" not in bad.where:
        # A file refused whole, a sheet or a box gone: one problem says it all.
        assert len(checked.problems) == 1, [str(p) for p in checked.problems]


@pytest.mark.parametrize("file", ACCEPTED)
def test_accepted_files_keep_what_was_typed(corpus: Intake, file: str) -> None:
    plan = _checked(corpus, file).plan
    for dotted, expected in CORPUS[file].holds:
        value: Any = plan
        for part in dotted.split("."):
            value = value[int(part)] if part.isdigit() else getattr(value, part)
        assert value == expected, dotted
        assert unicodedata.is_normalized("NFC", value)


def test_the_school_file_in_the_corpus_is_fine(corpus: Intake) -> None:
    assert corpus.school is not None and corpus.school_problems == []


# --- the command line: no traceback, exit 3, every message shown -------------------------------


def _expected_lines() -> list[str]:
    return [bad.message for bad in make_bad.CORPUS if bad.message]


def test_ihp_check_on_the_corpus_in_process() -> None:
    result = CliRunner().invoke(cli, ["check", str(BAD)])
    assert result.exit_code == ExitCode.INVALID_INPUT
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for message in _expected_lines():
        assert message in result.output, message
    for file in CORPUS:
        assert file in result.output


def test_ihp_check_on_the_corpus_as_a_program() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "pipeline", "check", str(BAD)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert run.returncode == ExitCode.INVALID_INPUT, run.stderr
    both = run.stdout + run.stderr
    assert "Traceback" not in both and "Error:" not in both
    for message in _expected_lines():
        assert message in both, message


def test_ihp_check_json_names_file_sheet_and_cell() -> None:
    result = CliRunner().invoke(cli, ["check", "--json", str(BAD)])
    report = json.loads(result.stdout)
    problems = {
        Path(workbook["file"]).name: workbook["problems"] for workbook in report["workbooks"]
    }
    for bad in make_bad.CORPUS:
        if bad.accepted:
            continue
        sheet, _, cell = bad.where.partition("!")
        assert any(
            p["file"] == bad.file
            and p["sheet"] == sheet
            and p["cell"] == cell
            and p["message"] == bad.message
            for p in problems[bad.file]
        ), bad.file


def test_refused_files_are_never_copied_by_annotate(tmp_path: Path) -> None:
    """An annotated copy of a file with a DDE formula or a link would carry it to Excel."""
    notes = tmp_path / "notes"
    result = CliRunner().invoke(cli, ["check", str(BAD), "--annotate", str(notes)])
    assert result.exit_code == ExitCode.INVALID_INPUT and "Traceback" not in result.output
    copies = {path.name for path in notes.iterdir()}
    assert "merged-cells-checked.xlsx" in copies and "date-far-past-checked.xlsx" in copies
    for refused in ("dde-formula", "external-link", "ten-thousand-rows", "huge-merge"):
        assert f"{refused}-checked.xlsx" not in copies


# --- reading is read-only ----------------------------------------------------------------------


def test_checking_and_building_never_change_an_intake_file(tmp_path: Path) -> None:
    intake = tmp_path / "intake"
    shutil.copytree(BAD, intake)
    old = time.time() - 86_400
    for path in intake.iterdir():
        os.utime(path, (old, old))
    before = {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in intake.iterdir()}
    check_intake(intake, today=TODAY)
    CliRunner().invoke(cli, ["check", str(intake), "--annotate", str(tmp_path / "notes")])
    build(intake, tmp_path / "output", options=BuildOptions(no_pdf=True, today=TODAY))
    after = {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in intake.iterdir()}
    assert after == before


# --- accepted odd names build, inside the output folder ------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The whole corpus built without PDFs: the accepted files become documents."""
    root = tmp_path_factory.mktemp("bad-build")
    output = root / "nested" / "output"
    report = build(BAD, output, options=BuildOptions(no_pdf=True, today=TODAY))
    return output, report


def _all_text(path: Path) -> str:
    document = Document(str(path))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    for section in document.sections:
        parts.extend(paragraph.text for paragraph in section.header.paragraphs)
    return "\n".join(parts)


def test_the_accepted_files_are_built_and_the_rest_reported(built: tuple[Path, Any]) -> None:
    _, report = built
    assert report.exit_code == ExitCode.INVALID_INPUT
    status = {pupil.workbook.name: pupil.status for pupil in report.pupils}
    for file in CORPUS:
        expected = Status.BUILT if file in ACCEPTED else Status.INVALID
        assert status[file] is expected, file


def test_odd_names_never_leave_the_output_folder(built: tuple[Path, Any]) -> None:
    output, _ = built
    folders = {path.name for path in output.iterdir() if path.is_dir()}
    assert {
        "etc-passwd-2018-06-05",
        "con-pupil-2018-06-06",
        "nul-txt-pupil-2018-06-07",
        "amelie-hart-2018-06-03",
    } <= folders
    # Nothing was written beside the output folder or anywhere above it.
    assert sorted(path.name for path in output.parent.iterdir()) == ["output"]
    assert sorted(path.name for path in output.parent.parent.iterdir()) == ["nested"]
    for path in output.rglob("*"):
        assert output.resolve() in path.resolve().parents
        assert path.name.split(".")[0].split("-")[0].lower() not in {
            "con",
            "nul",
            "prn",
            "aux",
        } or ("pupil" in path.name)


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_the_whole_output_tree_is_private(built: tuple[Path, Any]) -> None:
    output, _ = built
    assert stat.S_IMODE(output.stat().st_mode) == 0o700
    assert stat.S_IMODE(output.parent.stat().st_mode) == 0o700  # made by ihp too
    for path in output.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_names_in_any_script_print_as_typed(built: tuple[Path, Any]) -> None:
    output, _ = built
    folder = output / "amelie-hart-2018-06-03"
    ihp = _all_text(next(folder.glob("*-IHP.docx")))
    assert "Amélie نور Hart 🌈" in ihp and "Millie 🦄" in ihp and "אורי כהן" in ihp
    sheet = _all_text(next(folder.glob("*-Emergency.docx")))
    assert "Amélie نور Hart 🌈" in sheet or "Millie 🦄" in sheet


def test_typed_template_tags_print_literally(built: tuple[Path, Any]) -> None:
    output, _ = built
    folder = next(path for path in output.iterdir() if path.name.endswith("2018-06-04"))
    for document in folder.glob("*.docx"):
        text = _all_text(document)
        assert "root:" not in text and "<class" not in text
    ihp = _all_text(next(folder.glob("*-IHP.docx")))
    assert make_bad._TEMPLATE_NAME in ihp
    assert make_bad._TEMPLATE_SIGNS in ihp
    assert "49" not in ihp.replace("0113 496", "").replace("07700 9", "")


def test_control_characters_become_line_breaks_or_go(built: tuple[Path, Any]) -> None:
    output, _ = built
    folder = next(path for path in output.iterdir() if path.name.endswith("2018-06-02"))
    document = next(folder.glob("*-IHP.docx"))
    with zipfile.ZipFile(document) as package:
        xml = package.read("word/document.xml").decode("utf-8")
    assert "\x0b" not in xml and "\x07" not in xml and "_x000B_" not in xml
    text = _all_text(document)
    assert "Diagnosed in July.\nSecond line. Bell removed." in text


@pytest.mark.libreoffice
def test_names_in_any_script_reach_the_pdf_bundle(tmp_path: Path) -> None:
    """Right-to-left and accented names are in the archived PDF's text, in order. (Emoji are
    in its text too, but print as empty boxes unless the machine has an emoji font.)"""
    intake = tmp_path / "intake"
    intake.mkdir()
    for name in ("school.xlsx", "unicode-names.xlsx"):
        shutil.copy2(BAD / name, intake / name)
    report = build(intake, tmp_path / "out", options=BuildOptions(today=TODAY, jobs=1))
    assert report.exit_code == ExitCode.OK
    (bundle,) = (tmp_path / "out").glob("*/*-bundle.pdf")
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(bundle), "-"], capture_output=True, check=True
    ).stdout.decode("utf-8")
    # pdftotext marks right-to-left runs with embedding controls; the words are what matter.
    plain = " ".join(re.sub(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069]", " ", text).split())
    assert "Amélie نور Hart 🌈" in plain
    assert "אורי כהן" in plain and "Millie 🦄" in plain
