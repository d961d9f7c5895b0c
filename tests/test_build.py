"""`build()` end to end: real sample workbooks, real templates, real LibreOffice, real PDFs.

Builds are expensive (LibreOffice), so each scenario builds once in a module-scoped fixture and
several tests read the result. Fake `soffice` scripts appear only to inject hangs and crashes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pikepdf
import pytest
from docx import Document
from pypdf import PdfReader

import pipeline.build as build_module
from pipeline.build import BuildOptions, build
from pipeline.errors import ExitCode, LibreOfficeMissingError
from pipeline.files import pupil_slug
from pipeline.form import fill_form
from pipeline.libreoffice import convert, find_soffice
from pipeline.manifest import BuildReport, Status
from pipeline.model import SECTIONS, Plan, defined_name, single_fields, table_fields
from pipeline.resources import forms_dir, templates_dir
from pipeline.validate import check_intake

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
POSIX = os.name == "posix"

pytestmark = pytest.mark.libreoffice


# --- the intake folders the tests build ----------------------------------------------------------

SCHOOL = {
    "name": "Hillside Primary School",
    "address": "12 Park Road\nLeeds",
    "postcode": "LS6 2AB",
    "main_phone": "0113 496 0123",
    "headteacher": "Mrs Helen Ward",
    "senco": "Mr Sam Patel",
    "best_entrance": "Main gate on Park Road",
    "who_meets_crew": "The school business manager",
}


def pupil(name: str, born: str, **sections: dict[str, object]) -> dict[str, dict[str, object]]:
    """A pupil workbook's contents, section by section (defined names and tables)."""
    workbook: dict[str, dict[str, object]] = {
        "pupil": {"legal_name": name, "date_of_birth": born, "year_group": "Year 4"},
        "background": {"trigger": "Annual review"},
        "contacts": {
            "family": [{"name": "Ann Carer", "relationship": "Mother", "mobile": "07700 900123"}],
            "lead_staff": "Ms Lead, class teacher",
            "emergency_lead": "Mr Aid, first aider",
        },
        "conditions": {"conditions": [{"kind": "Asthma", "diagnosis": "Asthma"}]},
        "agreement": {
            "meeting_date": "01/09/2026",
            "written_by": "Mr Sam Patel, SENCo",
            "plan_date": "01/09/2026",
            "review_date": "01/09/2027",
        },
    }
    for key, values in sections.items():
        workbook[key] = {**workbook.get(key, {}), **values}
    return workbook


def write_pupil(dest: Path, contents: dict[str, dict[str, object]]) -> Path:
    fields: dict[str, object] = {}
    tables: dict[str, object] = {}
    for key, section in SECTIONS.items():
        values = contents.get(key, {})
        for name in single_fields(section):
            if name in values:
                fields[defined_name(key, name)] = values[name]
        for name, row in table_fields(section).items():
            if name in values:
                tables[row.table] = values[name]
    return fill_form(forms_dir() / "ihp-intake.xlsx", dest, fields, tables)  # type: ignore[arg-type]


ZOE = pupil(
    "Zoë O'Brien",
    "03/04/2015",
    emergency={
        "steps": [
            {"step": "Sit her up and stay calm"},
            {"step": "Give 2 puffs of her blue reliever inhaler through the spacer"},
        ]
    },
    training={"training": [{"staff_name": "Ms Lead", "training": "Using an inhaler and spacer"}]},
)
SAM = pupil(
    "Sam Patel",
    "02/01/2014",
    conditions={"conditions": [{"kind": "Type 1 diabetes", "diagnosis": "Type 1 diabetes"}]},
)
JO = pupil("Jo Smith", "31/02/2015")  # no such date


@dataclass(frozen=True)
class Samples:
    school: Path
    valid: list[Path]
    invalid: list[Path]
    plans: dict[Path, Plan]


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Samples:
    """Real workbooks filled in the real form: two valid pupils and one with a mistake."""
    folder = tmp_path_factory.mktemp("workbooks")
    school = fill_form(
        forms_dir() / "school-details.xlsx",
        folder / "school.xlsx",
        {defined_name("school", key): value for key, value in SCHOOL.items()},
    )
    valid = [write_pupil(folder / "zoe.xlsx", ZOE), write_pupil(folder / "sam.xlsx", SAM)]
    invalid = [write_pupil(folder / "jo-smith.xlsx", JO)]
    intake = check_intake(folder)
    assert [checked.ok for checked in intake.pupils] == [False, True, True], intake.problems
    plans = {checked.path: checked.plan for checked in intake.pupils if checked.plan}
    return Samples(school, valid, invalid, plans)  # type: ignore[arg-type]


def make_intake(folder: Path, samples: Samples, workbooks: list[Path]) -> Path:
    folder.mkdir(parents=True)
    shutil.copy2(samples.school, folder / samples.school.name)
    for workbook in workbooks:
        shutil.copy2(workbook, folder / workbook.name)
    return folder


def mtimes(folder: Path) -> dict[str, int]:
    """Modification times of every pupil file (not the report, which every run rewrites, nor
    LibreOffice's kept settings)."""
    return {
        str(path.relative_to(folder)): path.stat().st_mtime_ns
        for path in folder.rglob("*")
        if path.is_file() and path.parent != folder and ".ihp-libreoffice" not in path.parts
    }


@dataclass
class Batch:
    intake: Path
    output: Path
    report: BuildReport
    valid: list[Path]
    invalid: Path


@pytest.fixture(scope="module")
def batch(samples: Samples, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """Two valid workbooks and one with mistakes, built once with real LibreOffice."""
    root = tmp_path_factory.mktemp("batch")
    valid = samples.valid[:2]
    intake = make_intake(root / "intake", samples, [*valid, samples.invalid[0]])
    output = root / "output"
    report = build(intake, output, options=BuildOptions(jobs=2))
    return Batch(
        intake,
        output,
        report,
        [intake / path.name for path in valid],
        intake / samples.invalid[0].name,
    )


def outcome(report: BuildReport, workbook: Path):  # type: ignore[no-untyped-def]
    (found,) = [pupil for pupil in report.pupils if pupil.workbook.name == workbook.name]
    return found


# --- one invalid and valid workbooks -------------------------------------------------------------


def test_valid_pupils_are_built_and_the_invalid_one_reported(batch: Batch) -> None:
    report = batch.report
    assert report.exit_code is ExitCode.INVALID_INPUT
    for workbook in batch.valid:
        built = outcome(report, workbook)
        assert built.status is Status.BUILT, built.reasons
        kinds = {output.kind for output in built.outputs}
        assert {"IHP", "Emergency", "ParentLetter", "bundle"} <= kinds
        for output in built.outputs:
            path = batch.output / output.file
            assert path.is_file()
            assert path.parent.name == built.slug
            assert path.name.startswith(f"{built.slug}-")
    invalid = outcome(report, batch.invalid)
    assert invalid.status is Status.INVALID
    assert invalid.outputs == [] and invalid.reasons
    assert not list(batch.output.glob(".ihp-work-*")), "the work folder was left behind"
    assert not list(batch.output.rglob("*.tmp")), "a temporary file was left behind"


def test_invalid_workbook_is_reported_as_check_reports_it(batch: Batch, samples: Samples) -> None:
    intake = check_intake(batch.invalid, school_file=batch.intake / samples.school.name)
    (checked,) = intake.pupils
    invalid = outcome(batch.report, batch.invalid)
    assert invalid.problems == checked.problems
    report_html = (batch.output / "report.html").read_text(encoding="utf-8")
    report_text = (batch.output / "report.txt").read_text(encoding="utf-8")
    assert batch.invalid.name in report_html
    for problem in checked.errors:
        assert problem.where in report_html
        assert problem.hint.replace("'", "&#x27;") in report_html
        assert problem.message in report_text


@pytest.mark.skipif(not POSIX, reason="POSIX permissions")
def test_outputs_are_private(batch: Batch) -> None:
    assert stat.S_IMODE(batch.output.stat().st_mode) == 0o700
    for path in batch.output.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == expected, path


def test_manifest_has_exactly_the_agreed_shape(batch: Batch) -> None:
    manifest = json.loads((batch.output / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) == {"tool", "form_version", "built_at", "templates", "school", "pupils"}
    assert manifest["tool"]["name"] == "ihp" and manifest["tool"]["version"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", manifest["built_at"])
    assert set(manifest["templates"]) == {path.name for path in templates_dir().glob("*.docx")}
    assert manifest["school"]["file"] == batch.report.school_file.name  # type: ignore[union-attr]
    assert len(manifest["school"]["sha256"]) == 64
    assert len(manifest["pupils"]) == 3
    for entry in manifest["pupils"]:
        assert set(entry) == {
            "slug", "reference", "workbook", "status", "reasons", "input_hash",
            "plan_date", "review_date", "outputs", "emails",
        }  # fmt: skip
        assert set(entry["workbook"]) == {"file", "sha256"}
        assert entry["emails"] == []
        for output in entry["outputs"]:
            assert set(output) == {"kind", "file", "sha256"}
            assert output["kind"] in {
                "IHP",
                "Emergency",
                "ParentLetter",
                "TrainingRecord",
                "bundle",
            }
            path = batch.output / output["file"]
            assert build_module.sha256_file(path) == output["sha256"]
    built = [entry for entry in manifest["pupils"] if entry["status"] == "built"]
    assert len(built) == 2
    for entry in built:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", entry["plan_date"])
        assert len(entry["input_hash"]) == 64
    (invalid,) = [entry for entry in manifest["pupils"] if entry["status"] == "invalid"]
    assert invalid["outputs"] == [] and invalid["reasons"]


def bundle_page_counts(output: Path, report: BuildReport) -> dict[str, int]:
    """Each pupil's pages when their Word files are converted one by one, to check bundles by."""
    documents = {
        pupil.slug: [output / item.file for item in pupil.outputs if item.kind != "bundle"]
        for pupil in report.pupils
        if pupil.status is Status.BUILT
    }
    recount = convert(
        [path for paths in documents.values() for path in paths],
        output.parent / "recount",
        soffice=find_soffice(),
    )
    assert recount.failed == {}
    return {
        slug: sum(len(PdfReader(recount.pdfs[path]).pages) for path in paths)
        for slug, paths in documents.items()
    }


def test_bundles_hold_every_document(batch: Batch, samples: Samples) -> None:
    pages = bundle_page_counts(batch.output, batch.report)
    for workbook in batch.valid:
        built = outcome(batch.report, workbook)
        plan = samples.plans[samples.valid[batch.valid.index(workbook)]]
        bundle = batch.output / built.slug / f"{built.slug}-bundle.pdf"
        parts = 4 if plan.training.training else 3
        check_bundle(bundle, plan, pages[built.slug], parts)


# --- re-runs -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rerun(batch: Batch) -> tuple[dict[str, int], BuildReport, dict[str, int]]:
    before = mtimes(batch.output)
    manifest_before = (batch.output / "manifest.json").stat().st_mtime_ns
    report = build(batch.intake, batch.output, options=BuildOptions(jobs=2))
    assert (batch.output / "manifest.json").stat().st_mtime_ns == manifest_before
    return before, report, mtimes(batch.output)


def test_a_rerun_with_nothing_changed_rewrites_nothing(batch: Batch, rerun) -> None:  # type: ignore[no-untyped-def]
    before, report, after = rerun
    assert [pupil.status for pupil in report.pupils].count(Status.UNCHANGED) == 2
    assert report.summary().startswith("Nothing to rebuild")
    assert after == before, "an unchanged pupil's files were rewritten"
    assert "Unchanged" in (batch.output / "report.html").read_text(encoding="utf-8")


def test_force_rebuilds_everyone(batch: Batch, rerun) -> None:  # type: ignore[no-untyped-def]
    before = mtimes(batch.output)
    report = build(batch.intake, batch.output, options=BuildOptions(jobs=2, force=True))
    assert [pupil.status for pupil in report.pupils].count(Status.BUILT) == 2
    after = mtimes(batch.output)
    assert set(after) == set(before)
    assert all(after[name] != before[name] for name in before)


def test_a_changed_template_rebuilds_every_pupil(
    batch: Batch,
    rerun,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(templates_dir(), templates)
    letter = next(templates.glob("*letter*.docx"))
    document = Document(str(letter))
    document.core_properties.comments = "Edited by the school"
    document.save(str(letter))
    report = build(batch.intake, batch.output, options=BuildOptions(jobs=2, templates=templates))
    assert [pupil.status for pupil in report.pupils].count(Status.BUILT) == 2
    manifest = json.loads((batch.output / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["templates"][letter.name] == build_module.sha256_file(letter)
    # And back to the default templates: rebuilt again, then unchanged.
    assert build(batch.intake, batch.output).counts[Status.BUILT] == 2
    assert build(batch.intake, batch.output).counts[Status.UNCHANGED] == 2


def test_a_changed_workbook_rebuilds_only_that_pupil(
    batch: Batch,
    rerun,  # type: ignore[no-untyped-def]
) -> None:
    first, second = batch.valid
    others_before = {
        name: time
        for name, time in mtimes(batch.output).items()
        if name.startswith(outcome(batch.report, second).slug)
    }
    # Copying the same bytes back is no change at all.
    shutil.copy2(first, batch.intake.parent / "saved.xlsx")
    shutil.copy2(batch.intake.parent / "saved.xlsx", first)
    assert build(batch.intake, batch.output).counts[Status.UNCHANGED] == 2
    # A real edit, as a SENCo would make in Excel.
    workbook = openpyxl.load_workbook(first)
    sheet, cell = next(workbook.defined_names["pupil_class_name"].destinations)
    workbook[sheet][cell] = "Class 5C (moved)"
    workbook.save(first)
    report = build(batch.intake, batch.output)
    assert outcome(report, first).status is Status.BUILT
    assert outcome(report, second).status is Status.UNCHANGED
    after = mtimes(batch.output)
    assert {name: after[name] for name in others_before} == others_before


# --- options and faults --------------------------------------------------------------------------


def test_no_pdf_needs_no_libreoffice(
    samples: Samples, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    monkeypatch.setattr("pipeline.libreoffice.install_locations", lambda: [])
    intake = make_intake(tmp_path / "intake", samples, samples.valid[:1])
    with pytest.raises(LibreOfficeMissingError):
        build(intake, tmp_path / "with-pdf")
    assert not (tmp_path / "with-pdf").exists(), "nothing is written when LibreOffice is missing"
    report = build(intake, tmp_path / "out", options=BuildOptions(no_pdf=True))
    (built,) = report.pupils
    assert built.status is Status.BUILT and report.exit_code is ExitCode.OK
    kinds = {output.kind for output in built.outputs}
    assert kinds == {"IHP", "Emergency", "ParentLetter", "TrainingRecord"}
    assert not list((tmp_path / "out").rglob("*.pdf"))
    again = build(intake, tmp_path / "out", options=BuildOptions(no_pdf=True))
    assert again.counts[Status.UNCHANGED] == 1


def test_two_workbooks_for_the_same_pupil_are_refused(samples: Samples, tmp_path: Path) -> None:
    intake = make_intake(tmp_path / "intake", samples, samples.valid[:2])
    twin = intake / f"copy of {samples.valid[0].name}"
    shutil.copy2(samples.valid[0], twin)
    report = build(intake, tmp_path / "out", options=BuildOptions(no_pdf=True))
    assert report.exit_code is ExitCode.INVALID_INPUT
    twins = [pupil for pupil in report.pupils if pupil.status is Status.INVALID]
    assert sorted(pupil.workbook.name for pupil in twins) == sorted(
        [samples.valid[0].name, twin.name]
    )
    for pupil in twins:
        (reason,) = pupil.reasons
        assert samples.valid[0].name in reason and twin.name in reason
    slug = pupil_slug(samples.plans[samples.valid[0]])
    assert not (tmp_path / "out" / slug).exists(), "neither twin may be built"
    assert report.counts[Status.BUILT] == 1, "the other pupil is still built"


def test_a_single_workbook_can_be_built(samples: Samples, tmp_path: Path) -> None:
    intake = make_intake(tmp_path / "intake", samples, samples.valid[:2])
    report = build(
        intake / samples.valid[0].name,
        tmp_path / "out",
        options=BuildOptions(no_pdf=True, school_file=intake / samples.school.name),
    )
    assert [pupil.status for pupil in report.pupils] == [Status.BUILT]
    # Then the whole folder, then one workbook again: the manifest keeps listing everyone.
    assert build(intake, tmp_path / "out", options=BuildOptions(no_pdf=True)).counts == {
        Status.BUILT: 1,
        Status.UNCHANGED: 1,
    }
    again = build(
        intake / samples.valid[1].name, tmp_path / "out", options=BuildOptions(no_pdf=True)
    )
    assert [pupil.status for pupil in again.pupils] == [Status.UNCHANGED]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(pupil["workbook"]["file"] for pupil in manifest["pupils"]) == sorted(
        path.name for path in samples.valid[:2]
    )


def test_a_workbook_deleted_during_the_build_is_reported(
    samples: Samples, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = make_intake(tmp_path / "intake", samples, samples.valid[:2])
    doomed = intake / samples.valid[0].name
    real_check = build_module.check_intake

    def check_then_delete(*args, **kwargs):  # type: ignore[no-untyped-def]
        checked = real_check(*args, **kwargs)
        doomed.unlink()
        return checked

    monkeypatch.setattr(build_module, "check_intake", check_then_delete)
    report = build(intake, tmp_path / "out", options=BuildOptions(no_pdf=True))
    gone = outcome(report, doomed)
    assert gone.status is Status.INVALID
    assert "moved or deleted" in gone.reasons[0]
    assert report.counts[Status.BUILT] == 1
    assert report.exit_code is ExitCode.INVALID_INPUT


def test_a_killed_builds_work_folder_is_removed(samples: Samples, tmp_path: Path) -> None:
    output = tmp_path / "out"
    stale = output / ".ihp-work-999999999-x1y2"  # no such process
    stale.mkdir(parents=True)
    (stale / "half-written.docx").write_bytes(b"PK")
    intake = make_intake(tmp_path / "intake", samples, samples.valid[:1])
    build(intake, output, options=BuildOptions(no_pdf=True))
    assert not stale.exists()
    assert not list(output.glob(".ihp-work-*"))


def fake_soffice(folder: Path, body: str) -> Path:
    script = folder / "soffice"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return script


@pytest.mark.skipif(not POSIX, reason="signals")
def test_a_crashed_conversion_fails_only_its_pupil(samples: Samples, tmp_path: Path) -> None:
    """LibreOffice dies on the documents of the first pupil only; the retry dies too."""
    plan = samples.plans[samples.valid[0]]
    doomed = pupil_slug(plan)
    fake = fake_soffice(
        tmp_path,
        f'case "$*" in *{doomed}*) kill -9 $$;; esac\nexec "{find_soffice()}" "$@"\n',
    )
    intake = make_intake(tmp_path / "intake", samples, samples.valid[:2])
    output = tmp_path / "out"
    report = build(intake, output, options=BuildOptions(jobs=1, soffice=fake))
    assert report.exit_code is ExitCode.CONVERSION_FAILED
    failed = outcome(report, intake / samples.valid[0].name)
    assert failed.status is Status.FAILED
    assert any("LibreOffice crashed" in reason for reason in failed.reasons)
    assert not (output / doomed).exists(), "a failed pupil leaves no files"
    assert outcome(report, intake / samples.valid[1].name).status is Status.BUILT
    assert not list(output.glob(".ihp-work-*"))
    html = (output / "report.html").read_text(encoding="utf-8")
    assert "Failed" in html and "LibreOffice crashed" in html


@pytest.mark.skipif(not POSIX, reason="process groups")
def test_a_hung_conversion_is_stopped_and_reported(samples: Samples, tmp_path: Path) -> None:
    fake = fake_soffice(tmp_path, "sleep 300\n")
    intake = make_intake(tmp_path / "intake", samples, samples.valid[:1])
    report = build(intake, tmp_path / "out", options=BuildOptions(soffice=fake, timeout=1))
    (failed,) = report.pupils
    assert failed.status is Status.FAILED
    assert any("did not finish within 1 seconds" in reason for reason in failed.reasons)
    assert report.exit_code is ExitCode.CONVERSION_FAILED


def test_a_render_error_fails_only_its_pupil(
    samples: Samples, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.render

    real_render = pipeline.render.render
    doomed = pupil_slug(samples.plans[samples.valid[0]])

    def render(plan, templates, folder, slug, **kwargs):  # type: ignore[no-untyped-def]
        if slug == doomed:
            (folder / f"{slug}-IHP.docx").write_bytes(b"half a document")
            raise RuntimeError("template engine exploded")
        return real_render(plan, templates, folder, slug, **kwargs)

    monkeypatch.setattr(pipeline.render, "render", render)
    intake = make_intake(tmp_path / "intake", samples, samples.valid[:2])
    report = build(intake, tmp_path / "out", options=BuildOptions(no_pdf=True))
    failed = outcome(report, intake / samples.valid[0].name)
    assert failed.status is Status.FAILED
    assert "RuntimeError" in failed.reasons[0]
    assert not (tmp_path / "out" / doomed).exists()
    assert report.counts[Status.BUILT] == 1


# --- every sample, as the README's first command builds them -------------------------------------


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'")).strip()


def check_bundle(bundle: Path, plan: Plan, pages: int, parts: int) -> None:
    """Opens; one bookmark per document; the parts' pages; labels; PDF/A; name and steps."""
    reader = PdfReader(bundle)
    top = [item for item in reader.outline if not isinstance(item, list)]
    assert [item.title for item in top][:3] == [
        "Individual Healthcare Plan",
        "Emergency sheet",
        "Letter to parents and carers",
    ]
    assert len(top) == parts
    starts = [reader.get_destination_page_number(item) for item in top]
    assert starts[0] == 0 and starts == sorted(starts)
    assert len(reader.pages) == pages
    ends = [*starts[1:], len(reader.pages)]
    prefixes = ["IHP", "Emergency", "Letter", "Training"][:parts]
    assert reader.page_labels == [
        f"{prefix}-{number}"
        for prefix, start, end in zip(prefixes, starts, ends, strict=True)
        for number in range(1, end - start + 1)
    ]
    assert ends[1] - starts[1] == 1, "the emergency sheet is one page"
    with pikepdf.open(bundle) as pdf:
        xmp = pdf.open_metadata()
        assert xmp["pdfaid:part"] == "2" and xmp["pdfaid:conformance"] == "B"
        assert xmp["dc:title"] == f"Individual Healthcare Plan — {plan.pupil_name}"
        assert xmp["dc:creator"] == [plan.school.name]
        assert str(pdf.docinfo.Author) == plan.school.name
        assert len(pdf.Root.OutputIntents) == 1
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                if font.Subtype == "/Type0":
                    font = font.DescendantFonts[0]
                assert any(
                    key in font.FontDescriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                )
    text = normalise(" ".join(page.extract_text() for page in reader.pages))
    assert normalise(plan.pupil_name) in text
    emergency = normalise(
        " ".join(reader.pages[index].extract_text() for index in range(starts[1], starts[2]))
    )
    for step in plan.emergency.steps:
        assert normalise(step.step)[:60] in emergency
    assert "999" in emergency


@pytest.fixture(scope="module")
def every_sample(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, BuildReport, dict[str, Plan]]:
    intake = check_intake(SAMPLES)
    plans = {pupil_slug(checked.plan): checked.plan for checked in intake.pupils if checked.plan}
    output = tmp_path_factory.mktemp("samples") / "output"
    return output, build(SAMPLES, output), plans


def test_every_sample_builds(every_sample: tuple[Path, BuildReport, dict[str, Plan]]) -> None:
    output, report, plans = every_sample
    assert report.exit_code is ExitCode.OK, report.summary()
    assert report.counts[Status.BUILT] == len(plans) >= 8
    pages = bundle_page_counts(output, report)
    for pupil in report.pupils:
        plan = plans[pupil.slug]
        parts = 4 if plan.training.training else 3
        bundle = output / pupil.slug / f"{pupil.slug}-bundle.pdf"
        check_bundle(bundle, plan, pages[pupil.slug], parts)
