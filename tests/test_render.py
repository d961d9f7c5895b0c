"""Rendering: every value of the plan in the right section, printed literally, at fixed sizes."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import jinja2
import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree
from PIL import Image
from plans import longest_plan, make_plan

from pipeline.emergency_sheet import TYPE_SIZES
from pipeline.errors import InvalidInputError, TemplateError
from pipeline.render import (
    SHEET,
    DocumentKind,
    TextBox,
    load_templates,
    plan_context,
    render,
)
from pipeline.templates import export_templates

ZOE = "Zoë O'Brien & <Sons>"
CODE = "{{ 7*7 }} and {% if %}"


@pytest.fixture(scope="module")
def templates() -> Any:
    return load_templates()


@pytest.fixture(scope="module")
def rich(templates: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[DocumentKind, Path]:
    return render(make_plan(), templates, tmp_path_factory.mktemp("rich"), "amira-khan")


@pytest.fixture(scope="module")
def minimal(templates: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[DocumentKind, Path]:
    return render(make_plan(minimal=True), templates, tmp_path_factory.mktemp("minimal"), "leo")


@pytest.fixture(scope="module")
def zoe(templates: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[DocumentKind, Path]:
    plan = make_plan(
        pupil={"legal_name": ZOE, "preferred_name": None},
        voice={"want_staff_to_know": f"{CODE}\nsecond line"},
        emergency={"steps": [{"step": CODE}, {"step": 'Say "now" & <wait>'}]},
        school={"name": "St Mary's & St John's <C of E> School"},
    )
    return render(plan, templates, tmp_path_factory.mktemp("zoe"), "zoe")


def _blocks(document: DocxDocument) -> list[Paragraph | Table]:
    body = document.element.body
    blocks: list[Paragraph | Table] = []
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            blocks.append(Paragraph(child, document))
        elif child.tag == qn("w:tbl"):
            blocks.append(Table(child, document))
    return blocks


def _table_text(table: Table) -> str:
    return "\n".join(cell.text for row in table.rows for cell in row.cells)


def sections(path: Path) -> dict[str, str]:
    """The text under each Heading 1 of a document, tables included."""
    found: dict[str, list[str]] = {"": []}
    current = ""
    for block in _blocks(Document(str(path))):
        if (
            isinstance(block, Paragraph)
            and block.style is not None
            and block.style.name == "Heading 1"
        ):
            current = block.text
            found.setdefault(current, [])
            continue
        found[current].append(block.text if isinstance(block, Paragraph) else _table_text(block))
    return {heading: "\n".join(texts) for heading, texts in found.items()}


def all_text(path: Path) -> str:
    return "\n".join(sections(path).values())


#: where each plan section's fields must appear in the IHP
WHERE = {
    "pupil": "About the pupil",
    "background": "Why this plan is being written",
    "voice": "In my own words",
    "contacts": "Contacts",
    "conditions": "Medical needs",
    "medicines": "Medicines",
    "daily_care": "Daily care",
    "school_life": "Learning, wellbeing and school life",
    "attendance": "Attendance and appointments",
    "trips": "Trips, clubs and transport",
    "future": "Planning for the future",
    "emergency": "Emergency",
    "training": "Staff training",
    "idp": "Individual Development Plan: health and social care",
    "agreement": "Agreement and review",
}


def _values(value: Any) -> list[str]:
    if isinstance(value, dict):
        derived = {"recorded", "phones", "phone_lines"}  # not fields: checked elsewhere
        return [v for key, item in value.items() if key not in derived for v in _values(item)]
    if isinstance(value, list):
        return [v for item in value for v in _values(item)]
    return [value] if isinstance(value, str) and value else []


def test_every_field_of_the_plan_is_in_its_section_of_the_ihp(
    rich: dict[DocumentKind, Path],
) -> None:
    plan = make_plan()
    context = plan_context(plan)
    found = sections(rich[DocumentKind.IHP])
    missing = []
    for section, heading in WHERE.items():
        fields = {
            k: v
            for k, v in context[section].items()
            if k in type(getattr(plan, section)).model_fields
        }
        for value in _values(fields):
            if section == "emergency" and "\n" in value:
                value = value.split("\n")[0]  # own signs are printed one line per line
            if value not in found[heading]:
                missing.append((heading, value))
    assert missing == []
    school = found["Emergency"] + found["Contacts"] + found["About the pupil"]
    for name in (
        "name",
        "postcode",
        "satnav_postcode",
        "what3words",
        "main_phone",
        "phone_for_999",
        "best_entrance",
        "who_meets_crew",
        "headteacher",
        "senco",
        "senco_email",
        "email",
    ):
        assert context["school"][name] in school, name
    assert "4 Elm Terrace\nLeeds\nLS6 3QQ" in found["About the pupil"]  # line breaks kept
    assert "3 April 2015 (age 10 on the plan date)" in found["About the pupil"]
    assert (
        "Agreed with Kate Lowe, diabetes specialist nurse on 30 March 2026." in found["Emergency"]
    )
    assert "Nadia Khan" in found["Signatures"] and "Mrs Helen Ward" in found["Signatures"]
    assert "Mira Khan" in found["Signatures"]  # the pupil signs too


def test_sections_are_in_dfe_template_a_order(rich: dict[DocumentKind, Path]) -> None:
    headings = [h for h in sections(rich[DocumentKind.IHP]) if h]
    expected = [
        "About the pupil",
        "Why this plan is being written",
        "In my own words",
        "Contacts",
        "Medical needs",
        "Medicines",
        "Daily care",
        "Learning, wellbeing and school life",
        "Attendance and appointments",
        "Trips, clubs and transport",
        "Planning for the future",
        "Emergency",
        "Staff training",
        WHERE["idp"],
        "Agreement and review",
        "Signatures",
    ]
    assert headings == expected


def test_an_empty_section_says_so_in_one_line(minimal: dict[DocumentKind, Path]) -> None:
    found = sections(minimal[DocumentKind.IHP])
    for heading in (
        "Daily care",
        "In my own words",
        "Trips, clubs and transport",
        "Planning for the future",
        "Attendance and appointments",
    ):
        assert found[heading].strip() == "Nothing recorded for this section.", heading
    document = Document(str(minimal[DocumentKind.IHP]))
    blocks = _blocks(document)
    heading = next(
        i for i, b in enumerate(blocks) if isinstance(b, Paragraph) and b.text == "Daily care"
    )
    assert isinstance(blocks[heading + 1], Paragraph)  # no empty table
    assert WHERE["idp"] not in found  # the Welsh IDP section only when it has needs
    assert "Default wording from" in found["Emergency"]
    assert "awaiting healthcare professional's agreement" in found["Emergency"]


def test_training_record_only_when_training_is_recorded(rich: dict, minimal: dict) -> None:
    assert set(rich) == set(DocumentKind) - {DocumentKind.IDP}  # the IDP section: Wales only
    assert DocumentKind.TRAINING_RECORD not in minimal
    assert rich[DocumentKind.IHP].name == "amira-khan-IHP.docx"
    assert rich[DocumentKind.EMERGENCY].name == "amira-khan-Emergency.docx"
    assert rich[DocumentKind.PARENT_LETTER].name == "amira-khan-ParentLetter.docx"
    assert rich[DocumentKind.TRAINING_RECORD].name == "amira-khan-TrainingRecord.docx"
    record = all_text(rich[DocumentKind.TRAINING_RECORD])
    for value in (
        "Miss Ellie Ford, Class teacher",
        "Hypo recognition and treatment",
        "Kate Lowe, Diabetes specialist nurse",
        "20 March 2026",
        "Yes (20 March 2026)",
        "20 March 2027",
        "Mr Dan Reeves",
        "Insulin pump basics",
        "No",
        "21 March 2027",
        "Mrs Jo Bell covers when Miss Ford is absent",
    ):
        assert value in record, value


def test_parent_letter_is_addressed_to_the_parents_with_a_reply_date(
    rich: dict[DocumentKind, Path], minimal: dict[DocumentKind, Path]
) -> None:
    letter = all_text(rich[DocumentKind.PARENT_LETTER])
    assert (
        "Dear Nadia Khan and Omar Khan," in letter
    )  # parental responsibility, not the grandmother
    assert "Ruth Brown" not in letter
    assert "by 15 April 2026" in letter  # plan date 1 April + 14 days
    assert "Glucogel 40% oral gel" in letter
    assert "Mr Sam Patel" in letter and "SENCo, on behalf of Mrs Helen Ward, Headteacher" in letter
    assert "31 March 2027" in letter
    assert "Dear Sara Green," in all_text(minimal[DocumentKind.PARENT_LETTER])  # else the first


def test_emergency_sheet_holds_what_a_first_aider_needs(rich: dict[DocumentKind, Path]) -> None:
    sheet = all_text(rich[DocumentKind.EMERGENCY]).replace("\u00a0", " ")  # unbroken phones
    for value in (
        "Mira Khan",
        "Born 3 April 2015 (age 10)",
        "Year 5 · 5 Willow",
        "Type 1 diabetes mellitus; Mild asthma",
        "Give 4 glucose tablets (16 g) at once.",
        "Mira is unconscious or cannot swallow",
        "Pale, sweaty and quiet",
        "Red hypo box in the 5 Willow classroom cupboard",
        "Nadia Khan (Mother): mobile 07700 100123 · work 0113 496 0456",
        "0113 496 0999",
        "LS6 2AB",
        "LS6 2AD",
        "///index.home.raft",
        "Main gate on Park Road",
        "Mrs Carol Hughes",
        "Type 1 diabetes, pump user",
        "Agreed with Kate Lowe, diabetes specialist nurse on 30 March 2026.",
    ):
        assert value in sheet, value


def test_header_footer_and_properties(rich: dict[DocumentKind, Path]) -> None:
    for kind, path in rich.items():
        document = Document(str(path))
        section = document.sections[0]
        assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
        header = section.header.paragraphs[0].text
        assert "Mira Khan · born 3 April 2015" in header and "Confidential" in header
        footer = section.footer.paragraphs[0]
        assert "Plan date 1 April 2026 · Review by 31 March 2027" in footer.text
        instructions = [t.text.strip() for t in footer._p.iter(qn("w:instrText"))]
        assert instructions == ["PAGE", "NUMPAGES"], kind
        properties = document.core_properties
        assert properties.author == "Hillside Primary School"
        assert properties.last_modified_by == "Hillside Primary School"
        assert "Mira Khan" in properties.title
        assert properties.language == "en-GB"
        styles = document.styles.element
        assert styles.find(f".//{qn('w:docDefaults')}//{qn('w:lang')}").get(qn("w:val")) == "en-GB"


def test_ihp_uses_real_headings_and_repeating_table_headers(rich: dict[DocumentKind, Path]) -> None:
    document = Document(str(rich[DocumentKind.IHP]))
    styles = {p.style.name for p in document.paragraphs if p.style is not None}
    assert {"Heading 1", "Heading 2", "Title"} <= styles
    headers = document.element.body.findall(f".//{qn('w:tblHeader')}")
    assert len(headers) >= 6  # family, healthcare, support, appointments, training, attendees...


def test_text_prints_literally_and_the_files_stay_valid(zoe: dict[DocumentKind, Path]) -> None:
    for path in zoe.values():
        with zipfile.ZipFile(path) as package:
            for name in package.namelist():
                if name.endswith(".xml"):
                    etree.fromstring(package.read(name))  # raises if not well-formed
    ihp = all_text(zoe[DocumentKind.IHP])
    assert ZOE in ihp
    assert f"{CODE}\nsecond line" in ihp  # the cell's line break kept, the tags printed as typed
    assert "49" not in ihp.replace("0113 496", "")
    assert "St Mary's & St John's <C of E> School" in ihp
    sheet = all_text(zoe[DocumentKind.EMERGENCY])
    assert CODE in sheet and 'Say "now" & <wait>' in sheet and ZOE in sheet
    header = Document(str(zoe[DocumentKind.IHP])).sections[0].header.paragraphs[0].text
    assert ZOE in header
    properties = Document(str(zoe[DocumentKind.IHP])).core_properties
    assert properties.author == "St Mary's & St John's <C of E> School"
    assert ZOE in properties.title


def _photo(path: Path, size: tuple[int, int], orientation: int | None = None) -> Path:
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((20, 20, 200), (0, 0, size[0] // 2, size[1] // 3))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    image.save(path, exif=exif)
    return path


def _picture(path: Path) -> tuple[tuple[int, int], Image.Image]:
    with zipfile.ZipFile(path) as package:
        media = [name for name in package.namelist() if name.startswith("word/media/")]
        assert len(media) == 1
        image = Image.open(io.BytesIO(package.read(media[0])))
        image.load()
        document = etree.fromstring(package.read("word/document.xml"))
    extent = document.find(
        ".//{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}extent"
    )
    return (int(extent.get("cx")), int(extent.get("cy"))), image


def test_photos_print_upright_at_a_fixed_size(templates: Any, tmp_path: Path) -> None:
    plan = make_plan()
    sizes = set()
    # a landscape file whose EXIF says "rotate 90°" is really a portrait photo
    for name, size, orientation in (("big.jpg", (4000, 3000), 6), ("tiny.png", (12, 9), None)):
        photo = _photo(tmp_path / name, size, orientation)
        out = tmp_path / name.split(".")[0]
        out.mkdir()
        written = render(plan, templates, out, "mira", photo=photo)
        extent, image = _picture(written[DocumentKind.EMERGENCY])
        sizes.add(extent)
        assert image.width < image.height  # upright, cropped to the portrait frame
        assert not image.getexif()  # no EXIF (nor any location) carried into the document
        with zipfile.ZipFile(written[DocumentKind.IHP]) as package:
            assert not [n for n in package.namelist() if n.startswith("word/media/")]
    emu_per_mm = 36000
    assert sizes == {(SHEET.photo_width_mm * emu_per_mm, SHEET.photo_height_mm * emu_per_mm)}


def test_no_photo_without_consent(templates: Any, tmp_path: Path) -> None:
    photo = _photo(tmp_path / "p.jpg", (300, 400))
    plan = make_plan(pupil={"photo_consent": False})
    written = render(plan, templates, tmp_path, "mira", photo=photo)
    with zipfile.ZipFile(written[DocumentKind.EMERGENCY]) as package:
        assert not [n for n in package.namelist() if n.startswith("word/media/")]
    assert "No photo" in all_text(written[DocumentKind.EMERGENCY])


def test_an_unreadable_photo_is_a_clear_input_error(templates: Any, tmp_path: Path) -> None:
    bad = tmp_path / "photo.jpg"
    bad.write_text("not a picture")
    with pytest.raises(InvalidInputError, match=r"photo\.jpg cannot be read as a picture"):
        render(make_plan(), templates, tmp_path, "mira", photo=bad)
    with pytest.raises(InvalidInputError, match=r"missing\.jpg is not in the workbook's folder"):
        render(make_plan(), templates, tmp_path, "mira", photo=tmp_path / "missing.jpg")


def test_templates_are_compiled_once_not_per_document(
    templates: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a template was compiled while rendering")

    monkeypatch.setattr(jinja2.Environment, "from_string", refuse)
    monkeypatch.setattr(jinja2.Environment, "compile", refuse)
    for index, plan in enumerate((make_plan(), make_plan(minimal=True), make_plan())):
        assert render(plan, templates, tmp_path, f"pupil-{index}")


def _custom(tmp_path: Path, text: str, kind: DocumentKind = DocumentKind.IHP) -> Path:
    folder = tmp_path / "custom"
    export_templates(folder)
    document = Document(str(folder / kind.template))
    document.add_paragraph(text)
    document.save(str(folder / kind.template))
    return folder


def test_custom_templates_are_sandboxed(tmp_path: Path) -> None:
    folder = _custom(tmp_path, "{{ ''.__class__.__mro__ }}")
    templates = load_templates(folder)
    assert templates.custom
    with pytest.raises(TemplateError, match="tries to reach inside Python"):
        render(make_plan(), templates, tmp_path, "mira")


@pytest.mark.parametrize(
    "tag",
    [
        "{{ cycler.__init__.__globals__.os }}",
        "{{ lipsum.__globals__['os'].popen('id').read() }}",
        "{{ self.__init__.__globals__ }}",
        "{{ range.__init__.__globals__ }}",
        "{{ pupil.__class__ }}",
        "{{ pupil|attr('__class__') }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ pupil.legal_name.__class__.__base__ }}",
    ],
)
def test_no_way_into_python_from_a_custom_template(tmp_path: Path, tag: str) -> None:
    templates = load_templates(_custom(tmp_path, tag))
    with pytest.raises(TemplateError, match="tries to reach inside Python"):
        render(make_plan(), templates, tmp_path, "mira")


@pytest.mark.parametrize(
    ("tag", "word"),
    [
        ("{% include '/etc/passwd' %}", "include"),
        ("{% import 'os' as os %}", "import"),
        ("{% from '/etc/passwd' import root %}", "from ... import"),
        ("{% extends '/etc/hostname' %}", "extends"),
    ],
)
def test_a_custom_template_cannot_read_files(tmp_path: Path, tag: str, word: str) -> None:
    """Refused when the templates are read, before any pupil is rendered."""
    with pytest.raises(TemplateError, match=f"uses {{% {re.escape(word)} %}}, which would read"):
        load_templates(_custom(tmp_path, tag))
    folder = tmp_path / "in-a-property"
    export_templates(folder)
    document = Document(str(folder / DocumentKind.EMERGENCY.template))
    document.core_properties.title = tag
    document.save(str(folder / DocumentKind.EMERGENCY.template))
    with pytest.raises(TemplateError, match="which would read another file"):
        load_templates(folder)


def test_custom_template_with_an_unknown_tag_fails_clearly(tmp_path: Path) -> None:
    templates = load_templates(_custom(tmp_path, "{{ pupil.nickname }}"))
    with pytest.raises(TemplateError, match="uses a value the plan does not have"):
        render(make_plan(), templates, tmp_path, "mira")


def test_missing_damaged_or_unparsable_templates_raise_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="does not exist"):
        load_templates(tmp_path / "nowhere")
    folder = tmp_path / "mine"
    export_templates(folder)
    (folder / "parent-letter.docx").unlink()
    with pytest.raises(TemplateError, match=r"parent-letter\.docx is missing"):
        load_templates(folder)
    export_templates(tmp_path / "again")
    (tmp_path / "again" / "emergency.docx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(TemplateError, match=r"emergency\.docx is not a Word document"):
        load_templates(tmp_path / "again")
    with pytest.raises(TemplateError, match="has a tag Word cannot use"):
        load_templates(_custom(tmp_path, "{% if pupil.name %} never closed"))


def test_context_uses_uk_dates_and_plain_values() -> None:
    context = plan_context(make_plan())
    assert context["pupil"]["date_of_birth"] == "3 April 2015"
    assert context["agreement"]["reply_by"] == "15 April 2026"
    assert context["conditions"]["diabetes_hypo_below"] == "4.5"
    assert context["medicines"]["medicines"][1]["carries_own"] == "Yes"
    assert context["terms"]["senco"] == "SENCo" and context["terms"]["pupil"] == "pupil"
    wales = plan_context(make_plan(school={"nation": "Wales"}))
    assert wales["terms"]["senco"] == "ALNCo" and wales["terms"]["pupil"] == "learner"

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for item in value.values() for k in keys(item)}
        if isinstance(value, list):
            return {k for item in value for k in keys(item)}
        return set()

    # a key named like a dict method would be hidden by it in a template (`m.items`)
    assert not keys(context) & set(dir(dict))


def test_the_emergency_sheet_text_is_shortened_to_its_budget() -> None:
    """The longest plan cannot fit even at the smallest size: what is cut points to the full
    IHP, and what is kept longest (the first steps, the 999 criteria, where the medicine is
    kept, the first two contacts) is still there, shortened."""
    sheet = plan_context(longest_plan())["sheet"]
    assert sheet["type_size"] == TYPE_SIZES[-1]
    steps = [line for group in sheet["steps"] for line in group["lines"]]
    assert steps[0]["number"] == "1" and steps[0]["text"].endswith("… (see the full IHP)")
    assert steps[-1]["text"].endswith("more in the full IHP")
    smallest = SHEET.at(TYPE_SIZES[-1])
    body = TextBox(smallest.content_width - smallest.step_indent, smallest.body_size)
    assert sum(body.lines(line["text"]) for line in steps) <= 40
    criteria = sheet["call_999_when"][0]["lines"]
    assert criteria[0]["text"].startswith("emergency-call_999_when")
    names = [contact["name"] for contact in sheet["contacts"]]
    assert names[0].startswith("contacts-family0-name") and names[1].startswith("contacts-family1")
    assert sheet["contacts"][-1]["phones"].endswith("more in the full IHP")
    assert sheet["medicines"][0]["storage"].startswith("medicines-medicines0-storage")
    assert len(sheet["name"]) < 60 and sheet["name"].endswith("…")
    assert sheet["where"].endswith("… (see the full IHP)")


def test_text_box_measures_like_a_word_processor() -> None:
    box = TextBox(width=200, size=12)
    assert box.lines("short") == 1
    assert box.lines("one\ntwo\nthree") == 3
    assert box.lines("W" * 100) > box.lines("i" * 100)
    fitted = box.fit("word " * 200, 2, "… (more)")
    assert fitted.endswith("… (more)") and box.lines(fitted) == 2


def test_no_document_has_a_table_without_rows(templates: Any, tmp_path: Path) -> None:
    """Word asks to repair a table whose rows were all hidden; such tables are left out."""
    plans = {
        "minimal": make_plan(minimal=True),
        "lists-only": make_plan(
            minimal=True,
            school_life={
                "support": [{"area": "Social", "level": "Universal", "provision": "Buddy"}]
            },
            attendance={"appointments": [{"what": "Clinic"}]},
        ),
    }
    for name, plan in plans.items():
        for path in render(plan, templates, tmp_path, name).values():
            body = Document(str(path)).element.body
            assert all(t.find(qn("w:tr")) is not None for t in body.iter(qn("w:tbl"))), path.name
    found = sections(tmp_path / "lists-only-IHP.docx")
    assert "Buddy" in found["Learning, wellbeing and school life"]
    assert "Clinic" in found["Attendance and appointments"]
