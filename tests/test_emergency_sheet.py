"""The one-page emergency sheet: type size first, then cuts in order of importance.

These tests read the sheet's text as the templates get it, and the Word file as rendered;
tests/test_documents_pdf.py converts sheets with LibreOffice and proves each is one page.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from plans import NO_OWN_WORDING, make_plan, priya_like

from pipeline import emergency_sheet
from pipeline.conditions import emergency_wording
from pipeline.emergency_sheet import SHEET, TYPE_SIZES, fit_sheet, medicine_name
from pipeline.model import Plan
from pipeline.render import DocumentKind, load_templates, plan_context, render
from pipeline.wording import terms

KINDS = ("Asthma", "Type 1 diabetes", "Epilepsy or seizures", "Anaphylaxis or severe allergy")
PAIRS = list(itertools.combinations(KINDS, 2))
POINTER = "the full IHP"  # in "… (see the full IHP)" and "… and 3 more in the full IHP"


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return [value] if isinstance(value, str) else []


def _text(value: Any) -> str:
    return "\n".join(_strings(value))


def _fit(plan: Plan, sizes: tuple[float, ...] = TYPE_SIZES) -> Any:
    photo = bool(plan.pupil.photo and plan.pupil.photo_consent)
    return fit_sheet(plan, emergency_wording(plan), terms(plan.school.nation), photo, sizes)


def _lines(groups: list[dict[str, Any]]) -> list[str]:
    return [line["text"] for group in groups for line in group["lines"]]


@pytest.mark.parametrize("kinds", PAIRS, ids=["+".join(k[:8] for k in pair) for pair in PAIRS])
def test_two_conditions_with_default_wording_print_everything(kinds: tuple[str, str]) -> None:
    plan = priya_like(*kinds)
    sheet = plan_context(plan)["sheet"]
    wording = emergency_wording(plan)
    assert POINTER not in _text(sheet)
    assert _lines(sheet["steps"]) == [line.text for g in wording.steps for line in g.lines]
    criteria = [line.text for g in wording.call_999_when for line in g.lines]
    assert _lines(sheet["call_999_when"]) == criteria
    assert [g["title"] for g in sheet["call_999_when"]] == [g.title for g in wording.call_999_when]


def test_the_type_size_steps_down_only_as_far_as_it_must() -> None:
    assert plan_context(make_plan())["sheet"]["type_size"] == TYPE_SIZES[0]
    fitted = _fit(priya_like("Anaphylaxis or severe allergy", "Asthma"))
    size = fitted.layout.body_size
    assert TYPE_SIZES[-1] <= size < TYPE_SIZES[0]
    assert fitted.height <= SHEET.usable_height
    assert SHEET.usable_height == pytest.approx(
        SHEET.page_height - SHEET.margin_top - SHEET.margin_bottom - SHEET.reserve
    )
    assert fitted.complete
    # one step larger, the same plan would have had to be cut or closed up
    larger = TYPE_SIZES[TYPE_SIZES.index(size) - 1]
    assert not _fit(priya_like("Anaphylaxis or severe allergy", "Asthma"), (larger,)).complete
    # headings and the 999 script follow the body size; the script never goes under 9 pt
    smallest = SHEET.at(TYPE_SIZES[-1])
    assert smallest.heading_size > smallest.body_size and smallest.script_size >= 9
    assert smallest.body_line < SHEET.body_line and smallest.step_indent < SHEET.step_indent


def test_cuts_go_least_important_first() -> None:
    """Four conditions' default wording cannot fit: the signs go first, other conditions keep
    their first step, and the 999 criteria, the first condition's steps, where the medicine
    is kept and the first two contacts stay whole."""
    plan = make_plan(
        emergency=NO_OWN_WORDING,
        agreement={"agreed_by": None},
        conditions={
            "conditions": [{"kind": kind, "diagnosis": kind} for kind in KINDS],
            "asthma_mart": True,
        },
    )
    sheet = plan_context(plan)["sheet"]
    wording = emergency_wording(plan)
    assert sheet["type_size"] == TYPE_SIZES[-1]
    assert POINTER in _text(sheet["signs"])
    criteria = _text(sheet["call_999_when"])
    for group in wording.call_999_when:
        assert all(line.text in criteria for line in group.lines), group.title
    first, *others = sheet["steps"]
    assert [line["text"] for line in first["lines"]] == [
        line.text for line in wording.steps[0].lines
    ]
    for shown, worded in zip(others, wording.steps[1:], strict=True):
        if worded.mild:  # a mild reaction's steps fold into a pointer on its title
            assert shown["title"].endswith("(see the full IHP)") and not shown["lines"]
            continue
        assert shown["lines"][0]["text"] == worded.lines[0].text, worded.title
        assert shown["lines"][-1]["text"].endswith("more in the full IHP"), worded.title
    assert len(wording.medicines) > len(plan.emergency_medicines), "the reliever is fetched too"
    assert [m["storage"] for m in sheet["medicines"]] == [m.storage for m in wording.medicines]
    family = plan.contacts.family
    assert [c["name"] for c in sheet["contacts"][:2]] == [
        f"{c.name} ({c.relationship})" for c in family[:2]
    ]


def test_after_care_steps_are_cut_before_the_emergency_steps() -> None:
    plan = make_plan(
        emergency=NO_OWN_WORDING,
        agreement={"agreed_by": None},
        conditions={
            "conditions": [
                {"kind": kind, "diagnosis": kind}
                for kind in ("Epilepsy or seizures", "Anaphylaxis or severe allergy", "Asthma")
            ]
        },
    )
    wording = emergency_wording(plan)
    seizure = plan_context(plan)["sheet"]["steps"][0]
    assert seizure["title"] == "Seizure"
    after_care = [line.text for line in wording.steps[0].lines if line.after_care]
    emergency = [line.text for line in wording.steps[0].lines if not line.after_care]
    more = f" … and {len(after_care)} more in the full IHP"
    shown = [line["text"].removesuffix(more) for line in seizure["lines"] if not line["pointer"]]
    assert after_care and not set(after_care) & set(shown)
    assert shown == emergency
    assert more.strip() in _text(seizure["lines"][-1])


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Jext 300 micrograms adrenaline auto-injector", "Jext adrenaline auto-injector"),
        (
            "EpiPen Junior 0.15 mg adrenaline auto-injector (pen 1)",
            "EpiPen Junior adrenaline auto-injector (pen 1)",
        ),
        ("Salbutamol 100 micrograms inhaler (blue)", "Salbutamol inhaler (blue)"),
        (
            "Buccolam (midazolam) 7.5 mg oromucosal solution",
            "Buccolam (midazolam) oromucosal solution",
        ),
        ("Cetirizine 1 mg/ml oral solution", "Cetirizine oral solution"),
        ("GlucoGel 25g", "GlucoGel"),
        ("Glucose tablets (Lift)", "Glucose tablets (Lift)"),
        ("10 mg", "10 mg"),
    ],
)
def test_medicine_names_lose_their_strength(name: str, short: str) -> None:
    assert medicine_name(name) == short


def _paragraphs(path: Path) -> list[str]:
    document = Document(str(path))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for cell in table._cells:
            texts += [p.text for p in cell.paragraphs]
    return texts


def test_the_999_box_and_medicine_cell_read_well_whatever_was_typed(tmp_path: Path) -> None:
    meets = "The office manager (or the deputy head) waits at the main gate with a hi-vis vest."
    plan = make_plan(
        school={"who_meets_crew": meets, "best_entrance": "the side gate."},
        medicines={
            "medicines": [
                {
                    "name": "Jext 300 micrograms adrenaline auto-injector",
                    "dose": "300 micrograms",
                    "route": "Auto-injector (thigh)",
                    "when": "Anaphylaxis",
                    "use": "Emergency",
                    "who_gives": "Staff give it",
                    "storage": "Her bum bag (carries one); second pen in the office",
                },
                {
                    "name": "Salbutamol 100 micrograms inhaler (blue)",
                    "dose": "2 puffs",
                    "route": "Inhaled",
                    "when": "Wheeze",
                    "use": "Emergency",
                    "who_gives": "Staff give it",
                    "storage": "Red medical bag by the classroom door",
                },
            ]
        },
    )
    written = render(plan, load_templates(), tmp_path, "mira")
    texts = _paragraphs(written[DocumentKind.EMERGENCY])
    assert f"7.\tWho meets the crew: {meets}" in texts
    assert "6.\tBest entrance: the side gate." in texts
    assert (
        "2.\tOur address: Hillside Primary School, 12 Park Road, Headingley, Leeds, LS6 2AB"
        in texts
    )
    assert "\tSat-nav postcode: LS6 2AD · what3words: ///index.home.raft" in texts
    assert "4.\tThe pupil: Mira Khan, aged 10" in texts
    assert "\tConditions: Type 1 diabetes mellitus; Mild asthma" in texts
    assert not any("meets the crew and" in text for text in texts)
    assert (
        "Jext adrenaline auto-injector: Her bum bag (carries one); second pen in the office"
        in texts
    )
    assert "Salbutamol inhaler (blue): Red medical bag by the classroom door" in texts


def test_the_rendered_sheet_is_set_at_the_chosen_size(tmp_path: Path) -> None:
    plan = priya_like("Anaphylaxis or severe allergy", "Asthma")
    size = plan_context(plan)["sheet"]["type_size"]
    layout = SHEET.at(size)
    path = render(plan, load_templates(), tmp_path, "priya")[DocumentKind.EMERGENCY]
    styles = Document(str(path)).styles
    assert styles["Sheet Body"].font.size.pt == size
    assert styles["Sheet Step"].paragraph_format.line_spacing.pt == pytest.approx(layout.body_line)
    assert styles["Sheet Step"].paragraph_format.left_indent.pt == pytest.approx(layout.step_indent)
    assert styles["Sheet Heading"].font.size.pt == layout.heading_size
    assert styles["Sheet Script"].font.size.pt == layout.script_size


def test_without_a_photo_the_name_block_is_only_as_tall_as_its_text() -> None:
    with_photo = plan_context(make_plan())["sheet"]
    without = plan_context(make_plan(pupil={"photo": None}))["sheet"]
    assert int(with_photo["identity_twips"]) >= SHEET.photo_row * 20
    assert int(without["identity_twips"]) < int(with_photo["identity_twips"])


def test_the_measuring_caches_are_bounded() -> None:
    """A render worker fits hundreds of different pupils' sheets: what it remembers of their
    measured texts is bounded, so the worker does not grow with every pupil."""
    caches = [value for value in vars(emergency_sheet).values() if hasattr(value, "cache_info")]
    assert len(caches) >= 3
    for cached in caches:
        assert cached.cache_info().maxsize is not None, cached.__name__
        assert cached.cache_info().maxsize <= 4096, cached.__name__
