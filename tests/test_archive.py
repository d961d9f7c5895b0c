"""`ihp archive`: bundles copied by academic year, verified, never overwritten."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.archive import Action, academic_year, archive_bundles
from pipeline.cli import cli
from pipeline.errors import ExitCode, UsageError
from pipeline.manifest import BuildReport, Output, PupilOutcome, Status, write_manifest


def ihp(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def fake_build(output: Path, bundles: dict[str, tuple[date, bytes]]) -> Path:
    """An output folder as `ihp build` leaves it: one bundle per pupil and manifest.json,
    written with `pipeline.manifest`."""
    report = BuildReport(
        intake=output.parent / "intake",
        output=output,
        tool_version="test",
        form_version="1.0",
        built_at=datetime(2026, 9, 20, tzinfo=UTC),
        templates={},
        school_file=None,
        school_sha256=None,
    )
    for slug, (plan_date, content) in bundles.items():
        folder = output / slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slug}-bundle.pdf").write_bytes(content)
        report.pupils.append(
            PupilOutcome(
                slug=slug,
                workbook=Path(f"{slug}.xlsx"),
                workbook_sha256="0" * 64,
                status=Status.BUILT,
                plan_date=plan_date,
                outputs=[
                    Output("IHP", f"{slug}/{slug}-IHP.docx", "1" * 64),
                    Output(
                        "bundle",
                        f"{slug}/{slug}-bundle.pdf",
                        hashlib.sha256(content).hexdigest(),
                    ),
                ],
            )
        )
    output.mkdir(parents=True, exist_ok=True)
    write_manifest(report)
    return output


JO, SAM = "jo-smith-2015-04-03", "sam-patel-2012-01-30"


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(2026, 9, 1), "2026-27"),
        (date(2026, 8, 31), "2025-26"),
        (date(2027, 7, 20), "2026-27"),
        (date(1999, 12, 1), "1999-00"),
    ],
)
def test_academic_year_starts_on_1_september(day: date, year: str) -> None:
    assert academic_year(day) == year


def test_bundles_are_copied_by_academic_year_and_verified(tmp_path: Path) -> None:
    output = fake_build(
        tmp_path / "output",
        {JO: (date(2026, 9, 14), b"%PDF jo"), SAM: (date(2026, 3, 2), b"%PDF sam")},
    )
    archive = tmp_path / "archive"
    result = ihp("archive", str(output), str(archive))
    assert result.exit_code == ExitCode.OK, result.output
    jo = archive / "2026-27" / f"{JO}-2026-09-14-bundle.pdf"
    sam = archive / "2025-26" / f"{SAM}-2026-03-02-bundle.pdf"
    assert jo.read_bytes() == b"%PDF jo" and sam.read_bytes() == b"%PDF sam"
    assert sorted(path.name for path in archive.rglob("*")) == sorted(
        ["2026-27", "2025-26", jo.name, sam.name]
    )  # no temporary files left behind
    if os.name == "posix":
        assert jo.stat().st_mode & 0o777 == 0o600
        assert (archive / "2026-27").stat().st_mode & 0o777 == 0o700
        assert archive.stat().st_mode & 0o777 == 0o700


def test_an_identical_bundle_is_skipped_and_a_new_version_kept_beside(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    output = fake_build(tmp_path / "output", {JO: (date(2026, 9, 14), b"%PDF first")})
    assert [done.action for done in archive_bundles(output, archive)] == [Action.COPIED]
    again = ihp("archive", str(output), str(archive))
    assert again.exit_code == ExitCode.OK, again.output
    assert "Already archived, skipped" in again.output
    folder = archive / "2026-27"
    assert len(list(folder.iterdir())) == 1
    # the plan is revised the same day and rebuilt: the first version stays
    fake_build(output, {JO: (date(2026, 9, 14), b"%PDF second")})
    (second,) = archive_bundles(output, archive)
    assert second.action is Action.COPIED
    assert second.dest == folder / f"{JO}-2026-09-14-bundle-v2.pdf"
    assert (folder / f"{JO}-2026-09-14-bundle.pdf").read_bytes() == b"%PDF first"
    assert second.dest.read_bytes() == b"%PDF second"
    fake_build(output, {JO: (date(2026, 9, 14), b"%PDF third")})
    (third,) = archive_bundles(output, archive)
    assert third.dest == folder / f"{JO}-2026-09-14-bundle-v3.pdf"
    # archiving the second version again finds it, whichever version number it has
    fake_build(output, {JO: (date(2026, 9, 14), b"%PDF second")})
    (repeat,) = archive_bundles(output, archive)
    assert repeat.action is Action.IDENTICAL and repeat.dest == second.dest
    assert len(list(folder.iterdir())) == 3


def test_a_bundle_changed_since_the_build_is_refused(tmp_path: Path) -> None:
    output = fake_build(
        tmp_path / "output",
        {JO: (date(2026, 9, 14), b"%PDF jo"), SAM: (date(2026, 9, 20), b"%PDF sam")},
    )
    (output / JO / f"{JO}-bundle.pdf").write_bytes(b"%PDF jo, edited afterwards")
    archive = tmp_path / "archive"
    result = ihp("archive", str(output), str(archive))
    assert result.exit_code == ExitCode.OUTPUT_FAILED
    assert "Refused" in result.output and "has changed since it was built" in result.output
    assert not list(archive.rglob(f"{JO}*"))
    # the other pupil is still archived
    assert (archive / "2026-27" / f"{SAM}-2026-09-20-bundle.pdf").read_bytes() == b"%PDF sam"


def test_no_build_and_no_bundles(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        archive_bundles(tmp_path, tmp_path / "archive")
    result = ihp("archive", str(tmp_path), str(tmp_path / "archive"))
    assert result.exit_code == ExitCode.USAGE
    output = fake_build(tmp_path / "output", {})
    empty = ihp("archive", str(output), str(tmp_path / "archive"))
    assert empty.exit_code == ExitCode.OK
    assert "No PDF bundles" in empty.output
