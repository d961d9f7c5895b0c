"""The documents as LibreOffice lays them out: the emergency sheet is always exactly one page.

Every document of every plan here is converted in one LibreOffice run (module fixture), and the
PDFs are read back with pypdf.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from plans import longest_plan, make_plan, priya_like
from pypdf import PdfReader

from pipeline.conditions import emergency_wording
from pipeline.emergency_sheet import SHEET, fit_sheet
from pipeline.libreoffice import convert, find_soffice
from pipeline.model import TEXT_LIMIT, Plan
from pipeline.render import DocumentKind, load_templates, plan_context, render
from pipeline.validate import check_intake
from pipeline.wording import terms

pytestmark = pytest.mark.libreoffice

NO_OWN_WORDING = {"steps": [], "signs": None, "call_999_when": None, "tell_ambulance": None}
EVERY_KIND_NAMES = (
    "Asthma",
    "Type 1 diabetes",
    "Epilepsy or seizures",
    "Anaphylaxis or severe allergy",
)
EVERY_KIND = [{"kind": kind, "diagnosis": kind} for kind in EVERY_KIND_NAMES]
#: two conditions with the library's default wording, as in samples/priya-sharma.xlsx
PAIRS = list(itertools.combinations(EVERY_KIND_NAMES, 2))


def _plans() -> dict[str, Plan]:
    return {
        "rich": make_plan(),
        "minimal": make_plan(minimal=True),
        "defaults": make_plan(emergency=NO_OWN_WORDING, agreement={"agreed_by": None}),
        "every-condition": make_plan(
            emergency=NO_OWN_WORDING,
            conditions={"conditions": EVERY_KIND, "asthma_mart": True},
            agreement={"agreed_by": None},
        ),
        "zoe": make_plan(
            pupil={"legal_name": "Zoë O'Brien & <Sons>", "preferred_name": None},
            emergency={"steps": [{"step": "{{ 7*7 }} and {% if %}"}]},
        ),
        # the longest text the form accepts in every field, 12 contacts, 40 steps, 12 medicines
        "longest": longest_plan(),
        "longest-defaults": longest_plan(emergency={"steps": []}, conditions={"asthma_mart": True}),
        **{f"two-{'+'.join(k.split()[0] for k in pair)}": priya_like(*pair) for pair in PAIRS},
        "two-mart": make_plan(
            emergency=NO_OWN_WORDING,
            conditions={
                "conditions": [{"kind": kind, "diagnosis": kind} for kind in EVERY_KIND_NAMES[::3]],
                "asthma_mart": True,
            },
            agreement={"agreed_by": None},
        ),
        "many-short": make_plan(
            emergency={"steps": [{"step": f"Short step number {i}."} for i in range(60)]},
            contacts={
                "family": [
                    {"name": f"Relative {i}", "relationship": "Aunt", "mobile": "07700 100123"}
                    for i in range(15)
                ]
            },
        ),
    }


SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _samples() -> dict[str, tuple[Plan, Path | None]]:
    """The sample workbooks as `ihp build` reads them, with their photos."""
    intake = check_intake(SAMPLES)
    found = {}
    for pupil in intake.pupils:
        assert pupil.ok and pupil.plan is not None, pupil.path.name
        photo = pupil.plan.pupil.photo
        found[f"sample-{pupil.path.stem}"] = (pupil.plan, SAMPLES / photo if photo else None)
    return found


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[DocumentKind, Path]]:
    folder = tmp_path_factory.mktemp("documents")
    photo = folder / "photo.jpg"
    Image.new("RGB", (900, 1200), (90, 120, 160)).save(photo)
    templates = load_templates()
    written: dict[str, dict[DocumentKind, Path]] = {}
    for name, plan in _plans().items():
        written[name] = render(plan, templates, folder, name, photo=photo)
    for name, (plan, sample_photo) in _samples().items():
        emergency = render(plan, templates, folder, name, photo=sample_photo)
        written[name] = {DocumentKind.EMERGENCY: emergency[DocumentKind.EMERGENCY]}
    documents = [path for kinds in written.values() for path in kinds.values()]
    result = convert(documents, folder / "pdf", jobs=1, soffice=find_soffice())
    assert result.failed == {}
    return {
        name: {kind: result.pdfs[path] for kind, path in kinds.items()}
        for name, kinds in written.items()
    }


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def test_longest_plan_really_is_the_longest() -> None:
    plan = longest_plan()
    assert len(plan.pupil.legal_name) == TEXT_LIMIT
    assert len(plan.school.what3words or "") == TEXT_LIMIT
    assert len(plan.contacts.family) >= 12 and len(plan.emergency.steps) >= 40


@pytest.mark.parametrize("name", list(_plans()))
def test_emergency_sheet_is_exactly_one_page(name: str, pdfs: dict[str, Any]) -> None:
    reader = PdfReader(pdfs[name][DocumentKind.EMERGENCY])
    assert len(reader.pages) == 1


def test_every_sample_pupils_emergency_sheet_is_one_page(pdfs: dict[str, Any]) -> None:
    samples = _samples()
    assert len(samples) >= 5
    for name, (plan, _) in samples.items():
        reader = PdfReader(pdfs[name][DocumentKind.EMERGENCY])
        assert len(reader.pages) == 1, name
        text = " ".join((reader.pages[0].extract_text() or "").split())
        assert plan.pupil_name in text, name
        # Where each medicine staff may fetch is kept: a "when needed" reliever included.
        for medicine in emergency_wording(plan).medicines:
            assert " ".join(medicine.storage.split()) in text, (name, medicine.name)
    amelia = " ".join(_text(pdfs["sample-amelia-hart"][DocumentKind.EMERGENCY]).split())
    assert "Red medical bag by the 3F classroom door" in amelia
    assert "No emergency medicine recorded" not in amelia


def test_emergency_sheet_shows_the_name_and_the_steps(pdfs: dict[str, Any]) -> None:
    rich = " ".join(_text(pdfs["rich"][DocumentKind.EMERGENCY]).split())
    for value in (
        "Mira Khan",
        "Give 4 glucose tablets (16 g) at once.",
        "Recheck glucose after 15 minutes.",
        "Calling 999",
        "0113 496 0999",
        "Agreed with Kate Lowe",
    ):
        assert value in rich, value
    defaults = " ".join(_text(pdfs["defaults"][DocumentKind.EMERGENCY]).split())
    assert "Check their blood glucose if you can" in defaults
    assert "awaiting healthcare professional" in defaults
    every = " ".join(_text(pdfs["every-condition"][DocumentKind.EMERGENCY]).split())
    assert "MART" in every and "Sit them up straight" in every
    zoe = " ".join(_text(pdfs["zoe"][DocumentKind.EMERGENCY]).split())
    assert "Zoë O'Brien & <Sons>" in zoe and "{{ 7*7 }} and {% if %}" in zoe


def test_long_plans_point_to_the_full_ihp(pdfs: dict[str, Any]) -> None:
    longest = " ".join(_text(pdfs["longest"][DocumentKind.EMERGENCY]).split())
    assert "(see the full IHP)" in longest and "more in the full IHP" in longest
    many = " ".join(_text(pdfs["many-short"][DocumentKind.EMERGENCY]).split())
    assert "Short step number 0." in many and "more in the full IHP" in many
    shown = plan_context(_plans()["many-short"])["sheet"]["steps"][0]["lines"]
    assert shown[-1]["text"].endswith("more in the full IHP") and len(shown) > 10


def test_ihp_letter_and_record_lay_out_with_page_numbers(pdfs: dict[str, Any]) -> None:
    ihp = PdfReader(pdfs["rich"][DocumentKind.IHP])
    pages = len(ihp.pages)
    assert pages >= 3
    assert f"Page 1 of {pages}" in (ihp.pages[0].extract_text() or "")
    assert f"Page {pages} of {pages}" in (ihp.pages[-1].extract_text() or "")
    letter = PdfReader(pdfs["rich"][DocumentKind.PARENT_LETTER])
    assert len(letter.pages) == 1  # a letter a parent reads on one sheet
    assert "Dear Nadia Khan and Omar Khan" in (letter.pages[0].extract_text() or "")
    record = _text(pdfs["rich"][DocumentKind.TRAINING_RECORD])
    assert "Hypo recognition and treatment" in record
    # headings become the PDF outline (navigable, and what screen readers follow)
    titles = [item.title for item in ihp.outline if not isinstance(item, list)]
    assert "About the pupil" in titles and "Emergency" in titles


def _page_text(path: Path) -> str:
    return " ".join(_text(path).split())


def test_two_conditions_with_default_wording_print_every_999_criterion(
    pdfs: dict[str, Any],
) -> None:
    """Priya's sheet, and any two conditions with default wording: nothing cut."""
    plans = {name: plan for name, plan in _plans().items() if name.startswith("two-")}
    plans["sample-priya-sharma"] = _samples()["sample-priya-sharma"][0]
    for name, plan in plans.items():
        text = _page_text(pdfs[name][DocumentKind.EMERGENCY])
        assert "in the full IHP" not in text, name
        for group in emergency_wording(plan).call_999_when:
            for line in group.lines:
                assert " ".join(line.text.split()) in text, (name, line.text)


def _lowest_line(path: Path) -> float:
    """How far down the page the lowest line of the sheet stands (its baseline), in points."""
    page = PdfReader(path).pages[0]
    height = float(page.mediabox.height)
    baselines: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if text.strip():
            baselines.append(height - (tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return max(y for y in baselines if y < height - SHEET.margin_bottom)  # not the footer


def test_the_page_is_laid_out_no_longer_than_measured(pdfs: dict[str, Any]) -> None:
    """LibreOffice puts the last line no lower than the fitting counted: the page budget is the
    page itself, less a small reserve, and that is safe."""
    plans = {**_plans(), **{name: plan for name, (plan, _) in _samples().items()}}
    for name, plan in plans.items():
        photo = bool(plan.pupil.photo and plan.pupil.photo_consent)
        fitted = fit_sheet(plan, emergency_wording(plan), terms(plan.school.nation), photo)
        lowest = _lowest_line(pdfs[name][DocumentKind.EMERGENCY])
        assert lowest <= SHEET.margin_top + fitted.height + 0.5, name
        assert fitted.height <= SHEET.usable_height, name
