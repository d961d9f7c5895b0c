"""The fast path of a big batch: checks remembered between builds, and the worker pools that read
workbooks and render documents. Each must give exactly what the plain path gives."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document

import pipeline.validate
from pipeline import workers
from pipeline.build import BuildOptions, build
from pipeline.check_cache import CACHE_FILE
from pipeline.manifest import Status
from pipeline.validate import check_intake

TODAY = date(2026, 11, 24)
SAMPLE_NAMES = ("amelia", "oliver", "sofia", "ethan", "priya", "jordan", "noah", "grace")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the workbooks read from disk (a spy: reading itself is unchanged)."""
    seen: list[str] = []
    real = pipeline.validate._safe_read

    def spy(path: Path) -> Any:
        seen.append(path.name)
        return real(path)

    monkeypatch.setattr(pipeline.validate, "_safe_read", spy)
    return seen


def _build(intake: Path, output: Path, today: date = TODAY, **options: Any) -> Any:
    return build(intake, output, options=BuildOptions(no_pdf=True, today=today, **options))


def test_a_rerun_the_same_day_reads_no_workbook_again(
    intake_dir: Path, tmp_path: Path, reads: list[str]
) -> None:
    first = _build(intake_dir, tmp_path / "out")
    assert sorted(reads) == ["amelia.xlsx", "school.xlsx"]
    reads.clear()
    again = _build(intake_dir, tmp_path / "out")
    assert reads == []  # the school's details are remembered too, by their SHA-256
    assert again.school_file == first.school_file == intake_dir / "school.xlsx"
    assert again.school_problems == first.school_problems
    assert [pupil.status for pupil in again.pupils] == [Status.UNCHANGED]
    # What the report says of the pupil is what a fresh check said.
    assert again.pupils[0].problems == first.pupils[0].problems
    assert again.pupils[0].name == first.pupils[0].name == "Millie Hart"
    assert again.pupils[0].review_date == first.pupils[0].review_date


def test_a_changed_workbook_is_read_and_built_again(
    intake_dir: Path,
    tmp_path: Path,
    reads: list[str],
    write_pupil: Callable[..., Path],
) -> None:
    _build(intake_dir, tmp_path / "out")
    write_pupil(intake_dir / "oliver.xlsx", "oliver")

    def later(fields: dict[str, Any], tables: dict[str, Any]) -> None:
        fields["trips_residentials"] = "Year 4 residential: inhaler in the teacher's bag."
        fields["pupil_photo"] = None

    write_pupil(intake_dir / "amelia.xlsx", change=later)
    reads.clear()
    report = _build(intake_dir, tmp_path / "out")
    assert sorted(reads) == ["amelia.xlsx", "oliver.xlsx"]
    assert {pupil.workbook.name: pupil.status for pupil in report.pupils} == {
        "amelia.xlsx": Status.BUILT,
        "oliver.xlsx": Status.BUILT,
    }
    ihp = next((tmp_path / "out").glob("amelia-*/*-IHP.docx"))
    text = "\n".join(p.text for t in Document(str(ihp)).tables for r in t.rows for p in r.cells)
    text += "\n".join(p.text for p in Document(str(ihp)).paragraphs)
    assert "Year 4 residential" in text


def test_changed_school_details_a_new_day_or_force_read_everything_again(
    intake_dir: Path, tmp_path: Path, reads: list[str], write_school: Callable[..., Path]
) -> None:
    out = tmp_path / "out"
    _build(intake_dir, out)
    reads.clear()
    _build(intake_dir, out, today=date(2026, 11, 25))
    assert "amelia.xlsx" in reads, "a new day: warnings about dates may have changed"
    reads.clear()
    _build(intake_dir, out, force=True)
    assert "amelia.xlsx" in reads, "--force rebuilds from the workbooks"
    reads.clear()
    write_school(intake_dir / "school.xlsx", main_phone="0113 496 0999")
    report = _build(intake_dir, out)
    assert sorted(reads) == ["amelia.xlsx", "school.xlsx"]
    assert [pupil.status for pupil in report.pupils] == [Status.BUILT]
    ihp = next(out.glob("amelia-*/*-IHP.docx"))
    text = "\n".join(p.text for t in Document(str(ihp)).tables for r in t.rows for p in r.cells)
    assert "0113 496 0999" in text


def test_a_damaged_or_foreign_cache_only_costs_a_fresh_read(
    intake_dir: Path, tmp_path: Path, reads: list[str]
) -> None:
    out = tmp_path / "out"
    _build(intake_dir, out)
    cache = out / CACHE_FILE
    if os.name == "posix":
        assert stat.S_IMODE(cache.stat().st_mode) == 0o600  # it holds the plans
    remembered = json.loads(cache.read_text(encoding="utf-8"))
    assert remembered["key"]["today"] == "2026-11-24" and len(remembered["workbooks"]) == 1
    for damage in (b"{not json", json.dumps({"key": "other"}).encode(), b""):
        cache.write_bytes(damage)
        reads.clear()
        report = _build(intake_dir, out)
        assert "amelia.xlsx" in reads
        assert [pupil.status for pupil in report.pupils] == [Status.UNCHANGED]
    # A remembered plan that no longer fits the model is read again, not trusted.
    remembered["workbooks"] = {
        digest: {**entry, "plan": entry["plan"].replace('"legal_name":', '"legal_nam":')}
        for digest, entry in remembered["workbooks"].items()
    }
    cache.write_text(json.dumps(remembered), encoding="utf-8")
    reads.clear()
    assert [pupil.status for pupil in _build(intake_dir, out).pupils] == [Status.UNCHANGED]
    assert "amelia.xlsx" in reads
    # So are remembered school details that no longer fit.
    remembered = json.loads(cache.read_text(encoding="utf-8"))
    remembered["school"]["school"] = remembered["school"]["school"].replace('"name":', '"nam":')
    cache.write_text(json.dumps(remembered), encoding="utf-8")
    reads.clear()
    assert [pupil.status for pupil in _build(intake_dir, out).pupils] == [Status.UNCHANGED]
    assert "school.xlsx" in reads


def test_a_workbook_renamed_is_recalled_under_its_new_name(
    intake_dir: Path, tmp_path: Path, reads: list[str]
) -> None:
    out = tmp_path / "out"
    _build(intake_dir, out)
    (intake_dir / "amelia.xlsx").rename(intake_dir / "amelia-hart-2026.xlsx")
    reads.clear()
    report = _build(intake_dir, out)
    assert reads == []
    (pupil,) = report.pupils
    assert pupil.workbook.name == "amelia-hart-2026.xlsx"
    assert all(problem.file == "amelia-hart-2026.xlsx" for problem in pupil.problems)


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> None:
    """Worker pools on, as the `ihp` command has them (a library caller opts in)."""
    monkeypatch.setattr(workers, "_pools_allowed", True)


@pytest.fixture
def eight_pupils(
    tmp_path: Path, write_school: Callable[..., Path], write_pupil: Callable[..., Path]
) -> Path:
    folder = tmp_path / "eight"
    folder.mkdir()
    write_school(folder / "school.xlsx")
    for name in SAMPLE_NAMES:
        write_pupil(folder / f"{name}.xlsx", name)
    return folder


def test_pools_are_off_for_a_library_caller_until_allowed(pools: None) -> None:
    assert workers.worker_count(100) == min(os.cpu_count() or 1, 25) or (os.cpu_count() or 1) < 2
    workers.allow_pools(False)
    assert workers.worker_count(100) == 0


def test_the_reading_pool_checks_exactly_as_one_process_does(
    eight_pupils: Path, monkeypatch: pytest.MonkeyPatch, pools: None
) -> None:
    assert workers.worker_count(len(SAMPLE_NAMES) + 1) >= (2 if (os.cpu_count() or 1) > 1 else 0)
    pooled = check_intake(eight_pupils, today=TODAY)
    monkeypatch.setattr(workers, "POOL_FROM", 10_000)
    alone = check_intake(eight_pupils, today=TODAY)
    assert [p.path.name for p in pooled.pupils] == [p.path.name for p in alone.pupils]
    assert [p.plan for p in pooled.pupils] == [p.plan for p in alone.pupils]
    assert [p.problems for p in pooled.pupils] == [p.problems for p in alone.pupils]
    assert all(p.ok for p in pooled.pupils)


def _texts(folder: Path) -> dict[str, str]:
    documents = {}
    for path in sorted(folder.glob("*/*.docx")):
        document = Document(str(path))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        documents[path.name] = "\n".join([p.text for p in document.paragraphs] + cells)
    return documents


def test_the_render_pool_makes_the_same_documents(
    eight_pupils: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pools: None
) -> None:
    pooled = _build(eight_pupils, tmp_path / "pooled")
    monkeypatch.setattr(workers, "POOL_FROM", 10_000)
    alone = _build(eight_pupils, tmp_path / "alone")
    assert pooled.exit_code == alone.exit_code == 0
    assert [p.status for p in pooled.pupils] == [Status.BUILT] * len(SAMPLE_NAMES)
    pooled_texts, alone_texts = _texts(tmp_path / "pooled"), _texts(tmp_path / "alone")
    assert len(pooled_texts) >= 3 * len(SAMPLE_NAMES)
    assert pooled_texts == alone_texts


def test_a_rerun_with_nothing_changed_leaves_the_remembered_checks_alone(
    intake_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    _build(intake_dir, out)
    cache = out / CACHE_FILE
    written = cache.stat().st_mtime_ns, cache.read_bytes()
    _build(intake_dir, out)
    assert (cache.stat().st_mtime_ns, cache.read_bytes()) == written


def test_libreoffice_is_started_early_only_for_workbooks_not_seen_today(
    intake_dir: Path, tmp_path: Path, write_pupil: Callable[..., Path]
) -> None:
    """A workbook that needs fixing is read again every time (its problems are reported), but
    is no reason to start LibreOffice before the check on every re-run."""
    from pipeline.build import _expected_work, tool_version
    from pipeline.check_cache import CheckCache

    def broken(fields: dict[str, Any], tables: dict[str, Any]) -> None:
        fields["pupil_date_of_birth"] = "not a date"

    write_pupil(intake_dir / "noah.xlsx", "noah", change=broken)
    out = tmp_path / "out"
    options = BuildOptions(today=TODAY)

    def expected() -> int:
        cache = CheckCache(out, today=TODAY, tool_version=tool_version())
        return _expected_work(intake_dir, options, cache)

    assert expected() == 3, "nothing checked yet: every workbook is news"
    report = _build(intake_dir, out)
    assert {pupil.workbook.name: pupil.status for pupil in report.pupils} == {
        "amelia.xlsx": Status.BUILT,
        "noah.xlsx": Status.INVALID,
    }
    assert expected() == 0
    write_pupil(intake_dir / "oliver.xlsx", "oliver")
    assert expected() == 1
    assert (
        _expected_work(
            intake_dir,
            BuildOptions(today=TODAY, force=True),
            CheckCache(out, today=TODAY, tool_version=tool_version()),
        )
        == 4
    )
