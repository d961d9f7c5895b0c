"""Wales: learner/ALNCo wording in every document, the IDP health and social care section with
its list of pending health advice, and the Wales samples checked and built end to end."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from plans import plan_fields
from pypdf import PdfReader

from pipeline.build import BuildOptions, build
from pipeline.cli import cli
from pipeline.errors import ExitCode
from pipeline.model import IdpArea, Nation, Plan
from pipeline.render import DocumentKind, load_templates, render
from pipeline.resources import forms_dir
from pipeline.validate import check_intake

ROOT = Path(__file__).resolve().parent.parent
WALES_SAMPLES = ROOT / "samples" / "wales"
TODAY = date(2026, 11, 24)

ENGLISH_WORDS = re.compile(r"(?i:\bpupils?\b)|\bSENCo\b|\bDfE\b|Department for Education")
WELSH_WORDS = re.compile(r"(?i:\blearners?\b)|\bALNCo\b|Welsh Government")


def _neutral(value: Any) -> Any:
    """The plan's own typed text without the words under test, so that every one of them in a
    document comes from the templates and the wording data (drop-down choices stay as they are:
    the documents print them in the nation's words)."""
    if isinstance(value, dict):
        return {key: _neutral(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_neutral(item) for item in value]
    if isinstance(value, str) and value not in ("Pupil", "Pupil, supervised by staff"):
        return re.sub(r"\bSENCo\b", "coordinator", re.sub(r"\bpupil\b", "child", value))
    return value


def _plan(nation: Nation, **sections: Any) -> Plan:
    fields = _neutral(plan_fields(**sections))
    fields["school"]["nation"] = nation.value
    return Plan.model_validate(fields)


def docx_text(path: Path) -> str:
    """Everything a reader of the Word file sees: body, tables, headers, footers, properties."""
    document = Document(str(path))
    parts = [paragraph.text for paragraph in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        for part in (section.header, section.footer):
            parts += [paragraph.text for paragraph in part.paragraphs]
    properties = document.core_properties
    parts += [properties.title, properties.subject, properties.keywords, properties.comments]
    return "\n".join(part or "" for part in parts)


def sections(path: Path) -> dict[str, str]:
    """The text under each Heading 1, tables included, in document order."""
    document = Document(str(path))
    found: dict[str, list[str]] = {"": []}
    current = ""
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            style = child.find(".//{*}pStyle")
            text = "".join(node.text or "" for node in child.iter("{*}t"))
            if style is not None and style.get(qn("w:val")) == "Heading1":
                current = text
                found.setdefault(current, [])
            else:
                found[current].append(text)
        elif tag == "tbl":
            rows = []
            for row in child.iter("{*}tr"):
                cells = [
                    "".join(t.text or "" for t in cell.iter("{*}t")) for cell in row.iter("{*}tc")
                ]
                rows.append(" | ".join(cells))
            found[current].append("\n".join(rows))
    return {heading: "\n".join(texts) for heading, texts in found.items()}


@pytest.fixture(scope="module")
def templates() -> Any:
    return load_templates()


@pytest.fixture(scope="module")
def by_nation(
    templates: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[Nation, dict[DocumentKind, Path]]:
    """The same plan rendered for a school in England and for one in Wales."""
    return {
        nation: render(
            _plan(nation),
            templates,
            tmp_path_factory.mktemp(nation.value),
            "amira-khan",
            today=TODAY,
        )
        for nation in Nation
    }


# --- the terminology switch --------------------------------------------------------------------


def test_every_welsh_document_says_learner_alnco_and_welsh_government(
    by_nation: dict[Nation, dict[DocumentKind, Path]],
) -> None:
    documents = by_nation[Nation.WALES]
    assert set(documents) == set(DocumentKind)  # the IDP section too
    for kind, path in documents.items():
        english = sorted({match.group(0) for match in ENGLISH_WORDS.finditer(docx_text(path))})
        assert english == [], kind
    everything = "\n".join(docx_text(path) for path in documents.values())
    for word in ("learner", "Learner", "ALNCo", "Welsh Government"):
        assert word in everything, word
    ihp = docx_text(documents[DocumentKind.IHP])
    assert "About the learner" in ihp and "Learner signs the plan" in ihp
    assert "Supporting learners with healthcare needs" in ihp
    assert "Additional Learning Needs and Education Tribunal (Wales) Act 2018" in ihp
    assert "Learner, supervised by staff" in ihp  # a drop-down choice in the nation's words
    assert "ALNCo, on behalf of" in docx_text(documents[DocumentKind.PARENT_LETTER])
    assert "The learner:" in docx_text(documents[DocumentKind.EMERGENCY])
    record = docx_text(documents[DocumentKind.TRAINING_RECORD])
    assert "Welsh Government" in record and "Template E" not in record


def test_every_english_document_says_pupil_senco_and_dfe(
    by_nation: dict[Nation, dict[DocumentKind, Path]],
) -> None:
    documents = by_nation[Nation.ENGLAND]
    assert DocumentKind.IDP not in documents  # the IDP section is made only in Wales
    for kind, path in documents.items():
        welsh = sorted({match.group(0) for match in WELSH_WORDS.finditer(docx_text(path))})
        assert welsh == [], kind
    ihp = docx_text(documents[DocumentKind.IHP])
    assert "About the pupil" in ihp and "Pupil signs the plan" in ihp and "SENCo" in ihp
    assert "Supporting pupils at school with medical conditions" in ihp
    assert "Children and Families Act 2014" in ihp and "DfE" in ihp
    assert "SENCo, on behalf of" in docx_text(documents[DocumentKind.PARENT_LETTER])
    assert "The pupil:" in docx_text(documents[DocumentKind.EMERGENCY])
    assert "DfE Template E" in docx_text(documents[DocumentKind.TRAINING_RECORD])


def test_the_wales_form_speaks_of_learners_and_the_alnco() -> None:
    wb = load_workbook(forms_dir() / "ihp-intake-wales.xlsx")
    assert "Learner" in wb.sheetnames and "Learner's voice" in wb.sheetnames
    seen = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        seen += [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        for validation in ws.data_validations.dataValidation:
            seen += [validation.prompt or "", validation.promptTitle or "", validation.error or ""]
    text = "\n".join(seen)
    assert ENGLISH_WORDS.findall(text) == []
    assert "one copy of this workbook per learner" in text
    assert "Learner signs the plan" in text
    # drop-down choices too ("Who gives it" lists them on the hidden sheet)
    choices = [c.value for row in wb["About"].iter_rows() for c in row if c.value]
    assert "Learner, supervised by staff" in choices and "Pupil, supervised by staff" not in choices


# --- the IDP health and social care section ----------------------------------------------------

NEEDS = [
    {
        "area": "Seizure plan",
        "need": "Tonic-clonic seizures twice a term",
        "provision": "Seizure plan; two trained staff",
        "provided_by": "Health board epilepsy nurse",
        "status": "Agreed",
    },
    {
        "area": "Feeding and swallowing risks",
        "need": "Coughs on thin fluids",
        "provided_by": "Health board SLT",
        "status": "Health advice pending",
        "advice_requested": date(2026, 9, 7),
    },
    {
        "area": "Social care: short breaks",
        "need": "Family short breaks",
        "provision": "Short breaks assessment",
        "provided_by": "Social services",
        "status": "Health advice pending",
        "advice_requested": date(2026, 11, 10),
    },
]


@pytest.fixture(scope="module")
def idp_section(templates: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    plan = _plan(Nation.WALES, idp={"needs": NEEDS})
    documents = render(plan, templates, tmp_path_factory.mktemp("idp"), "elin", today=TODAY)
    assert documents[DocumentKind.IDP].name == "elin-IDPHealth.docx"
    return sections(documents[DocumentKind.IDP])


def test_idp_section_lists_every_area_of_the_aln_code(idp_section: dict[str, str]) -> None:
    health, social = idp_section["Health"], idp_section["Social care"]
    for area in IdpArea:
        name = area.value.removeprefix("Social care: ").capitalize()
        assert name in (social if area.value.startswith("Social care") else health), area
    assert "Medical diagnoses: nothing recorded" in health
    assert "Safeguarding: nothing recorded" in social
    assert "Seizure plan: nothing recorded" not in health
    row = next(line for line in health.split("\n") if line.startswith("Tonic-clonic"))
    assert row.split(" | ") == [
        "Tonic-clonic seizures twice a term",
        "Seizure plan; two trained staff",
        "Health board epilepsy nurse",
        "Agreed",
    ]


def test_a_need_awaiting_health_advice_is_still_recorded_with_its_legal_basis(
    idp_section: dict[str, str],
) -> None:
    lines = idp_section["Health"].split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("Coughs on thin fluids"))
    assert lines[at].split(" | ") == [
        "Coughs on thin fluids",
        "Not recorded",
        "Health board SLT",
        "Health advice pending",
    ]
    # the next row, one line across the table: when it was asked for, and the law
    basis = lines[at + 1].split(" | ")[0]
    assert basis == (
        "Requested 7 September 2026 · the health board must give advice when asked "
        "(ALN Act s.20; ALN Code 21.6)"
    )
    social = idp_section["Social care"]
    assert "Family short breaks | Short breaks assessment | Social services | Advice pending" in (
        social
    )
    assert "Requested 10 November 2026 · social services must give advice" in social


def test_pending_health_advice_is_listed_with_its_date_and_weeks_waiting(
    idp_section: dict[str, str],
) -> None:
    pending = idp_section["Health advice pending"]
    assert "as at 24 November 2026" in pending
    assert "ALN Act 2018 s.20; ALN Code 21.6" in pending
    rows = [line.split(" | ") for line in pending.split("\n") if " | " in line]
    assert rows == [
        ["Area", "Need", "Provided by", "Requested on", "Weeks waiting"],
        [
            "Feeding and swallowing risks",
            "Coughs on thin fluids",
            "Health board SLT",
            "7 September 2026",
            "11 weeks",
        ],
        [
            "Social care: short breaks",
            "Family short breaks",
            "Social services",
            "10 November 2026",
            "2 weeks",
        ],
    ]


def test_the_ihp_points_to_the_idp_section_instead_of_repeating_it(
    templates: Any, tmp_path: Path
) -> None:
    plan = _plan(Nation.WALES, idp={"needs": NEEDS})
    documents = render(plan, templates, tmp_path, "elin", today=TODAY)
    text = sections(documents[DocumentKind.IHP])[
        "Individual Development Plan: health and social care"
    ]
    assert "3 health and social care needs are recorded, 2 awaiting health advice" in text
    assert "“IDP health and social care section”" in text
    assert "Coughs on thin fluids" not in text
    letter = docx_text(documents[DocumentKind.PARENT_LETTER])
    assert "and the health and social care section of Mira Khan's Individual Development" in (
        letter
    )


def test_no_idp_section_without_needs_and_the_check_says_why(
    templates: Any,
    tmp_path: Path,
    write_school: Callable[..., Path],
    write_pupil: Callable[..., Path],
) -> None:
    plan = _plan(Nation.WALES, idp={"needs": []})
    assert DocumentKind.IDP not in render(plan, templates, tmp_path, "leo", today=TODAY)

    folder = tmp_path / "intake"
    folder.mkdir()
    write_school(folder / "school.xlsx", nation="Wales")

    def has_idp(fields: dict[str, Any], tables: dict[str, Any]) -> None:
        fields["background_linked_plan"] = "Individual Development Plan (Wales)"

    def undated(fields: dict[str, Any], tables: dict[str, Any]) -> None:
        tables["IdpNeeds"] = [
            {"area": "Mental health needs", "need": "Anxiety", "status": "Health advice pending"}
        ]

    write_pupil(folder / "empty.xlsx", change=has_idp, nation=Nation.WALES)
    write_pupil(folder / "undated.xlsx", "oliver", change=undated, nation=Nation.WALES)
    result = check_intake(folder, today=TODAY)
    assert result.ok  # warnings only
    problems = {pupil.path.name: pupil.problems for pupil in result.pupils}
    (empty,) = [p for p in problems["empty.xlsx"] if "IDP" in p.message]
    assert empty.where.startswith("IDP health!") and not empty.is_error
    assert "no IDP health and social care section is made" in empty.message
    (undated_problem,) = [p for p in problems["undated.xlsx"] if "requested" in p.message]
    assert undated_problem.where.startswith("IDP health!") and not undated_problem.is_error
    # the check speaks the form's words too
    assert all("pupil" not in p.message for p in problems["empty.xlsx"])


def test_an_english_school_never_gets_an_idp_section(templates: Any, tmp_path: Path) -> None:
    plan = _plan(Nation.ENGLAND, idp={"needs": NEEDS})
    assert DocumentKind.IDP not in render(plan, templates, tmp_path, "amira", today=TODAY)


def test_a_custom_templates_folder_without_the_idp_template_uses_the_default(
    tmp_path: Path,
) -> None:
    from pipeline.templates import check_templates, export_templates

    folder = tmp_path / "ours"
    export_templates(folder)
    (folder / DocumentKind.IDP.template).unlink()  # exported before the IDP section existed
    templates = load_templates(folder)
    assert templates[DocumentKind.IDP].path.parent != folder
    assert templates[DocumentKind.IHP].path.parent == folder
    assert check_templates(folder) == []


# --- the Wales samples -------------------------------------------------------------------------


def test_ihp_check_on_the_wales_samples_exits_0() -> None:
    result = CliRunner().invoke(cli, ["check", str(WALES_SAMPLES)])
    assert result.exit_code == ExitCode.OK, result.output
    assert "2 of 2 learner workbooks ready to build." in result.output


@pytest.fixture(scope="module")
def wales_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("wales-build")
    report = build(WALES_SAMPLES, output, options=BuildOptions(today=TODAY))
    assert report.exit_code == ExitCode.OK, report.summary()
    assert report.summary().startswith("2 built")
    return output


@pytest.mark.libreoffice
def test_the_wales_samples_build_with_the_idp_section_in_the_bundle(wales_build: Path) -> None:
    bundles = sorted(wales_build.glob("*/*-bundle.pdf"))
    assert [bundle.parent.name for bundle in bundles] == [
        "elin-mair-hughes-2017-03-09",
        "rhys-owen-evans-2012-05-21",
    ]
    for bundle in bundles:
        reader = PdfReader(bundle)
        top = [item.title for item in reader.outline if not isinstance(item, list)]
        assert top[:2] == ["Individual Healthcare Plan", "IDP health and social care section"]
        assert "IDP-1" in reader.page_labels
        first_idp = reader.page_labels.index("IDP-1")
        idp_text = " ".join(reader.pages[first_idp].extract_text().split())
        assert "Individual Development Plan: health and social care" in idp_text
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
        assert ENGLISH_WORDS.findall(text) == [], bundle.name
        assert "learner" in text and "ALNCo" in text and "Welsh Government" in text
    elin = " ".join(" ".join(p.extract_text() for p in PdfReader(bundles[0]).pages).split())
    assert "11 weeks" in elin and "8 weeks" in elin  # swallowing advice and short breaks
    manifest = (wales_build / "manifest.json").read_text(encoding="utf-8")
    assert '"kind": "IDPHealth"' in manifest


def test_a_school_words_the_idp_section_in_its_own_template(tmp_path: Path) -> None:
    """How a school supplies its own (e.g. Welsh-language) wording: export, retype the fixed
    text in Word, name areas by their `key`, check, build with --templates."""
    from pipeline.templates import check_templates, export_templates

    folder = tmp_path / "ours"
    export_templates(folder)
    path = folder / DocumentKind.IDP.template
    document = Document(str(path))
    (heading,) = [p for p in document.paragraphs if p.text == "Health"]
    heading.runs[0].text = "OUR OWN HEALTH HEADING"
    areas = [
        run
        for table in document.tables
        for row in table.rows
        for cell in row.cells
        for paragraph in cell.paragraphs
        for run in paragraph.runs
        if run.text == "{{ a.area }}"
    ]
    assert areas
    for run in areas:
        run.text = "{% set own = {'diagnoses': 'OUR OWN DIAGNOSES'} %}{{ own.get(a.key, a.area) }}"
    document.save(str(path))
    assert check_templates(folder) == []

    plan = _plan(Nation.WALES, idp={"needs": NEEDS})
    documents = render(plan, load_templates(folder), tmp_path, "elin", today=TODAY)
    found = sections(documents[DocumentKind.IDP])
    assert "OUR OWN DIAGNOSES: nothing recorded" in found["OUR OWN HEALTH HEADING"]
    assert "Medical diagnoses" not in found["OUR OWN HEALTH HEADING"]
    assert "Seizure plan" in found["OUR OWN HEALTH HEADING"]  # areas it does not rename


# --- advice pending for more than six weeks (what `ihp due` lists) -----------------------------


def test_overdue_advice_is_pending_for_more_than_six_weeks() -> None:
    from pipeline.idp import overdue_advice

    plan = _plan(Nation.WALES, idp={"needs": NEEDS})
    assert [need.need for need in overdue_advice(plan, TODAY)] == ["Coughs on thin fluids"]
    six_weeks_after = date(2026, 10, 19)  # 7 September + exactly 6 weeks: not yet overdue
    assert overdue_advice(plan, six_weeks_after) == []
    assert len(overdue_advice(plan, date(2026, 10, 20))) == 1
    assert overdue_advice(_plan(Nation.ENGLAND, idp={"needs": NEEDS}), TODAY) == []

    samples = {p.path.name: p.plan for p in check_intake(WALES_SAMPLES, today=TODAY).pupils}
    elin = samples["elin-hughes.xlsx"]
    assert elin is not None and samples["rhys-evans.xlsx"] is not None
    assert [need.area.value for need in overdue_advice(elin, TODAY)] == [
        "Feeding and swallowing risks",  # requested 7 September 2026, 11 weeks ago
        "Social care: short breaks",  # requested 28 September 2026, 8 weeks ago
    ]
    assert overdue_advice(samples["rhys-evans.xlsx"], TODAY) == []  # 3 weeks: not yet


def test_ihp_due_lists_advice_pending_for_more_than_six_weeks(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["due", str(WALES_SAMPLES), "--today", "24/11/2026", "--csv", str(tmp_path / "d.csv")]
    )
    assert result.exit_code == ExitCode.OK, result.output
    assert "Learner" in result.output and "Pupil" not in result.output
    rows = [
        row
        for row in (tmp_path / "d.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
        if "Chase IDP advice" in row
    ]
    # Elin's two requests (11 and 8 weeks), due the day each passed six weeks; not Rhys's (3).
    assert len(rows) == 2, rows
    assert rows[0].startswith("2026-10-20,Elin Mair Hughes,Chase IDP advice,")
    assert "Feeding and swallowing risks" in rows[0] and "pending 11 weeks" in rows[0]
    assert rows[1].startswith("2026-11-10,Elin Mair Hughes,Chase IDP advice,")
    assert "Social care: short breaks" in rows[1] and "pending 8 weeks" in rows[1]
    assert "Rhys" not in "".join(rows)


def test_the_calendar_says_only_chase_idp_advice_and_initials(tmp_path: Path) -> None:
    from icalendar import Calendar

    ics = tmp_path / "due.ics"
    result = CliRunner().invoke(
        cli, ["due", str(WALES_SAMPLES), "--today", "24/11/2026", "--ics", str(ics)]
    )
    assert result.exit_code == ExitCode.OK, result.output
    summaries = [
        str(event["summary"])
        for event in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
        if "IDP" in str(event["summary"])
    ]
    assert summaries == ["Chase IDP advice — E.H. (overdue)"] * 2
