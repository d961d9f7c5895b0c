"""The build's record: manifest.json's contract, exit codes, and a report a SENCo can act on."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.errors import ExitCode
from pipeline.manifest import (
    BuildReport,
    Output,
    PupilOutcome,
    Status,
    previous_pupils,
    read_manifest,
    write_manifest,
)
from pipeline.problems import Problem, Severity
from pipeline.report import problem_line, render_html, render_text, write_reports

DOB = Problem(
    file="intake/jo-smith.xlsx",
    sheet="Pupil",
    cell="C5",
    field="Date of birth",
    message="'31/02/2015' is not a date I can read",
    hint="type the date as day/month/year, for example 03/04/2015",
)
AGREED = Problem(
    file="intake/amira-khan.xlsx",
    sheet="Agreement",
    cell="C7",
    field="Agreed by healthcare professional",
    message="no healthcare professional has agreed the plan yet",
    hint="ask the diabetes nurse to agree the plan",
    severity=Severity.WARNING,
)


def make_report(tmp_path: Path, *pupils: PupilOutcome) -> BuildReport:
    return BuildReport(
        intake=tmp_path / "intake",
        output=tmp_path,
        tool_version="0.1.0",
        form_version="1.0",
        built_at=datetime(2026, 9, 2, 10, 30, tzinfo=UTC),
        templates={"ihp.docx": "a" * 64},
        school_file=tmp_path / "intake" / "school.xlsx",
        school_sha256="b" * 64,
        pupils=list(pupils),
    )


def built(name: str = "Amira Khan", slug: str = "amira-jane-khan-2015-04-03") -> PupilOutcome:
    return PupilOutcome(
        slug=slug,
        workbook=Path("intake/amira-khan.xlsx"),
        workbook_sha256="c" * 64,
        status=Status.BUILT,
        name=name,
        reference="ADM-20931",
        input_hash="d" * 64,
        plan_date=date(2026, 9, 1),
        review_date=date(2027, 9, 1),
        outputs=[
            Output("IHP", f"{slug}/{slug}-IHP.docx", "e" * 64),
            Output("bundle", f"{slug}/{slug}-bundle.pdf", "f" * 64),
        ],
        problems=[AGREED],
    )


def invalid() -> PupilOutcome:
    return PupilOutcome(
        slug="jo-smith",
        workbook=Path("intake/jo-smith.xlsx"),
        workbook_sha256="0" * 64,
        status=Status.INVALID,
        reasons=[problem_line(DOB)],
        problems=[DOB],
    )


def failed(code: ExitCode) -> PupilOutcome:
    return PupilOutcome(
        slug="sam-patel-2014-01-02",
        workbook=Path("intake/sam.xlsx"),
        workbook_sha256="1" * 64,
        status=Status.FAILED,
        name="Sam Patel",
        reasons=["Emergency could not be turned into a PDF: LibreOffice crashed (signal 9)"],
        exit_code=code,
    )


def test_exit_codes_name_the_worst_outcome(tmp_path: Path) -> None:
    assert make_report(tmp_path, built()).exit_code is ExitCode.OK
    assert make_report(tmp_path).exit_code is ExitCode.OK
    assert make_report(tmp_path, built(), invalid()).exit_code is ExitCode.INVALID_INPUT
    crashed = failed(ExitCode.CONVERSION_FAILED)
    assert make_report(tmp_path, invalid(), crashed).exit_code is ExitCode.CONVERSION_FAILED
    assert make_report(tmp_path, failed(ExitCode.OUTPUT_FAILED)).exit_code is ExitCode.OUTPUT_FAILED
    school = make_report(tmp_path, built())
    school.school_problems = [DOB]
    assert school.exit_code is ExitCode.INVALID_INPUT


def test_summary_line(tmp_path: Path) -> None:
    report = make_report(tmp_path, built(), invalid(), failed(ExitCode.CONVERSION_FAILED))
    assert report.summary() == "1 built, 0 unchanged, 1 needs fixing, 1 failed"
    unchanged = built()
    unchanged.status = Status.UNCHANGED
    report = make_report(tmp_path, unchanged, invalid(), invalid())
    assert report.summary() == "Nothing to rebuild: 0 built, 1 unchanged, 2 need fixing"
    assert make_report(tmp_path).summary() == f"No pupil workbooks found in {tmp_path / 'intake'}"


def test_manifest_shape_and_round_trip(tmp_path: Path) -> None:
    report = make_report(tmp_path, built(), invalid())
    path = write_manifest(report)
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest == {
        "tool": {"name": "ihp", "version": "0.1.0"},
        "form_version": "1.0",
        "built_at": "2026-09-02T10:30:00+00:00",
        "templates": {"ihp.docx": "a" * 64},
        "school": {"file": "school.xlsx", "sha256": "b" * 64},
        "pupils": [
            {
                "slug": "amira-jane-khan-2015-04-03",
                "reference": "ADM-20931",
                "workbook": {"file": "amira-khan.xlsx", "sha256": "c" * 64},
                "status": "built",
                "reasons": [],
                "input_hash": "d" * 64,
                "plan_date": "2026-09-01",
                "review_date": "2027-09-01",
                "outputs": [
                    {
                        "kind": "IHP",
                        "file": "amira-jane-khan-2015-04-03/amira-jane-khan-2015-04-03-IHP.docx",
                        "sha256": "e" * 64,
                    },
                    {
                        "kind": "bundle",
                        "file": "amira-jane-khan-2015-04-03/amira-jane-khan-2015-04-03-bundle.pdf",
                        "sha256": "f" * 64,
                    },
                ],
                "emails": [],
            },
            {
                "slug": "jo-smith",
                "reference": None,
                "workbook": {"file": "jo-smith.xlsx", "sha256": "0" * 64},
                "status": "invalid",
                "reasons": [problem_line(DOB)],
                "input_hash": None,
                "plan_date": None,
                "review_date": None,
                "outputs": [],
                "emails": [],
            },
        ],
    }
    assert read_manifest(tmp_path) == manifest
    assert set(previous_pupils(manifest)) == {"amira-jane-khan-2015-04-03", "jo-smith"}


def test_an_unchanged_manifest_is_not_rewritten(tmp_path: Path) -> None:
    report = make_report(tmp_path, built())
    path = write_manifest(report)
    before = path.stat().st_mtime_ns
    later = make_report(tmp_path, built())
    later.built_at = datetime(2026, 9, 3, tzinfo=UTC)
    write_manifest(later, read_manifest(tmp_path))
    assert path.stat().st_mtime_ns == before
    changed = make_report(tmp_path, built(), invalid())
    write_manifest(changed, read_manifest(tmp_path))
    assert len(json.loads(path.read_text(encoding="utf-8"))["pupils"]) == 2


@pytest.mark.parametrize("content", ["", "not json", "[]", '{"pupils": 3}'])
def test_a_damaged_manifest_only_means_a_full_rebuild(tmp_path: Path, content: str) -> None:
    (tmp_path / "manifest.json").write_text(content)
    assert read_manifest(tmp_path) is None
    assert previous_pupils(None) == {}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_tells_a_senco_what_to_fix(tmp_path: Path) -> None:
    report = make_report(tmp_path, built(), invalid(), failed(ExitCode.CONVERSION_FAILED))
    page = render_html(report)
    parser = _Text()
    parser.feed(page)
    text = re.sub(r"\s+", " ", " ".join(parser.text))
    assert "1 built, 0 unchanged, 1 needs fixing, 1 failed" in text
    # Needs fixing: the workbook, sheet!cell, what is wrong and what to type instead.
    assert "jo-smith.xlsx" in text and "Pupil!C5" in text
    assert "'31/02/2015' is not a date I can read" in text
    assert "type the date as day/month/year, for example 03/04/2015" in text
    # Failed, and why.
    assert "Sam Patel" in text and "LibreOffice crashed (signal 9)" in text
    # Built: links to the files, the review date and the warnings that did not block.
    assert "href='amira-jane-khan-2015-04-03/amira-jane-khan-2015-04-03-bundle.pdf'" in page
    assert "01/09/2027" in text
    assert "no healthcare professional has agreed the plan yet" in text
    assert "script" not in parser.tags and "http" not in page.replace("http-equiv", "")


def test_html_report_escapes_what_workbooks_say(tmp_path: Path) -> None:
    hostile = built(name="<script>alert(1)</script> O'Brien & Sons")
    report = make_report(tmp_path, hostile)
    page = render_html(report)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Brien &amp; Sons" in page


def test_text_report_and_files(tmp_path: Path) -> None:
    report = make_report(tmp_path, built(), invalid())
    text = render_text(report)
    assert "NEEDS FIXING" in text and problem_line(DOB) in text
    assert (
        "BUILT" in text and "amira-jane-khan-2015-04-03/amira-jane-khan-2015-04-03-IHP.docx" in text
    )
    page, plain = write_reports(report)
    assert page.name == "report.html" and plain.name == "report.txt"
    assert plain.read_text(encoding="utf-8") == text
