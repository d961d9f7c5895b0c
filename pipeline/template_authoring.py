"""Build the default Word templates in `word_templates/` with python-docx and docxtpl tags.

Run `python -m pipeline.template_authoring` after changing this file; a test checks that the
committed templates equal what it builds now. The IHP's label/value rows are generated from the
plan model's field titles, so a new field appears in the IHP without editing a template by hand.

Tags: `{{ value }}` prints a value; `{%p ... %}`, `{%tr ... %}` are docxtpl's paragraph- and
table-row-level Jinja statements (the whole paragraph or row is replaced by the statement).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from pydantic import BaseModel

from pipeline import model
from pipeline.documents import DocumentKind
from pipeline.emergency_sheet import SHEET
from pipeline.resources import templates_dir

FONT = "Arial"  # LibreOffice substitutes the metric-compatible Liberation Sans
INK = RGBColor(0x1A, 0x1A, 0x1A)
ACCENT = RGBColor(0x1F, 0x4E, 0x79)  # deep blue: headings and table headers
ALERT = RGBColor(0x9B, 0x1C, 0x1C)  # dark red: the emergency sheet only
GREY = RGBColor(0x59, 0x59, 0x59)
HEADER_FILL = "DCE6F0"
LABEL_FILL = "F2F2F2"
BORDER = "A6A6A6"
#: fixed, so that building twice gives the same files
AUTHORED = datetime(2026, 1, 1, 0, 0, 0)


# --- document set-up ---------------------------------------------------------------------------


def _lang(element: object) -> None:
    """Mark run properties as British English."""
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-GB")
    lang.set(qn("w:eastAsia"), "en-GB")
    lang.set(qn("w:bidi"), "ar-SA")
    existing = element.find(qn("w:lang"))  # type: ignore[attr-defined]
    if existing is not None:
        element.remove(existing)  # type: ignore[attr-defined]
    element.append(lang)  # type: ignore[attr-defined]


def _fonts(rpr: object) -> None:
    fonts = rpr.find(qn("w:rFonts"))  # type: ignore[attr-defined]
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)  # type: ignore[attr-defined]
    for attribute in list(fonts.attrib):
        del fonts.attrib[attribute]
    for name in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(name), FONT)


def _style(
    document: DocxDocument,
    name: str,
    *,
    size: float,
    bold: bool = False,
    colour: RGBColor = INK,
    before: float = 0,
    after: float = 4,
    line: float | None = None,
    keep_with_next: bool = False,
    base: str | None = None,
) -> ParagraphStyle:
    """A paragraph style (created or changed): Arial, British English, exact lines if `line`."""
    styles = document.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    assert isinstance(style, ParagraphStyle)
    if base:
        style.base_style = styles[base]
    font = style.font
    font.name = FONT
    font.size = Pt(size)
    font.bold = bold
    font.italic = False
    font.color.rgb = colour
    rpr = style.element.get_or_add_rPr()
    _fonts(rpr)
    _lang(rpr)
    paragraph = style.paragraph_format
    paragraph.space_before = Pt(before)
    paragraph.space_after = Pt(after)
    if line is None:
        paragraph.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        paragraph.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        paragraph.line_spacing = Pt(line)
    paragraph.keep_with_next = keep_with_next
    paragraph.widow_control = True
    return style


def _new_document(kind: DocumentKind, *, title: str, subject: str) -> DocxDocument:
    document = Document()
    # docDefaults: Arial and en-GB for everything, including text no style names
    rpr_default = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    _fonts(rpr)
    _lang(rpr)
    for style in document.styles:
        if style.type in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE):
            element_rpr = style.element.find(qn("w:rPr"))
            if element_rpr is not None:
                fonts = element_rpr.find(qn("w:rFonts"))
                if fonts is not None:
                    element_rpr.remove(fonts)
                _lang(element_rpr)
    _style(document, "Normal", size=11, after=4)
    _style(document, "Title", size=22, bold=True, colour=ACCENT, after=2)
    _style(document, "Subtitle", size=13, colour=GREY, after=10, base="Normal")
    _style(
        document,
        "Heading 1",
        size=15,
        bold=True,
        colour=ACCENT,
        before=16,
        after=6,
        keep_with_next=True,
    )
    _style(
        document,
        "Heading 2",
        size=12,
        bold=True,
        colour=ACCENT,
        before=10,
        after=4,
        keep_with_next=True,
    )
    _style(document, "Table Text", size=10.5, after=2, base="Normal")
    _style(document, "Table Head", size=10.5, bold=True, colour=INK, after=2, base="Normal")
    _style(document, "Small", size=9, colour=GREY, after=0, base="Normal")
    _style(document, "Note", size=10, colour=GREY, before=2, after=4, base="Normal")
    _style(document, "Tag", size=2, after=0, line=2, base="Normal")

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    if kind is DocumentKind.EMERGENCY:
        section.left_margin = section.right_margin = Pt(SHEET.margin_side)
        section.top_margin, section.bottom_margin = Pt(SHEET.margin_top), Pt(SHEET.margin_bottom)
        section.header_distance = section.footer_distance = Pt(SHEET.header_distance)
    else:
        section.left_margin = section.right_margin = Mm(20)
        section.top_margin, section.bottom_margin = Mm(22), Mm(20)
        section.header_distance = section.footer_distance = Mm(9)
    section.start_type = WD_SECTION.NEW_PAGE
    _header_footer(document)

    properties = document.core_properties
    properties.title = title
    properties.subject = subject
    properties.author = "{{ school.name }}"
    properties.last_modified_by = "{{ school.name }}"
    properties.keywords = "{{ terms.plan_short }}; confidential"
    properties.comments = "Made by ihp from the {{ terms.pupil }}'s intake workbook."
    properties.category = "Confidential"
    properties.language = "en-GB"
    properties.created = properties.modified = AUTHORED
    properties.last_printed = AUTHORED
    properties.revision = 1
    properties.identifier = ""
    properties.content_status = ""
    properties.version = ""
    settings = document.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is None:
        lang = OxmlElement("w:themeFontLang")
        settings.append(lang)
    lang.set(qn("w:val"), "en-GB")
    return document


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A real Word field (PAGE, NUMPAGES), updated by Word and LibreOffice when laid out."""

    def char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    char("begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    paragraph.add_run()._r.append(text)
    char("separate")
    paragraph.add_run("1")
    char("end")


def _header_footer(document: DocxDocument) -> None:
    section = document.sections[0]
    width = Emu(
        (section.page_width or 0) - (section.left_margin or 0) - (section.right_margin or 0)
    )
    header = section.header.paragraphs[0]
    header.style = document.styles["Small"]
    header.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    header.add_run("{{ pupil.short_name }} · born {{ pupil.date_of_birth }}")
    header.add_run("\t")
    header.add_run("Confidential").bold = True
    footer = section.footer.paragraphs[0]
    footer.style = document.styles["Small"]
    footer.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
    footer.add_run(
        "Plan date {{ agreement.plan_date }} · Review by {{ agreement.review_date }}\tPage "
    )
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")


# --- building blocks ---------------------------------------------------------------------------


def _para(
    container: object, text: str = "", style: str | None = None, *, bold: bool = False
) -> Paragraph:
    paragraph: Paragraph = container.add_paragraph(style=style)  # type: ignore[attr-defined]
    if text:
        paragraph.add_run(text).bold = bold or None
    return paragraph


def _tag(container: object, statement: str) -> None:
    """A paragraph that holds only a docxtpl `{%p ... %}` statement (it vanishes when rendered)."""
    _para(container, "{%p " + statement + " %}", "Tag")


def _shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tcpr.append(shading)


#: the order Word's schema requires for a table's properties (Word refuses other orders)
_TBLPR_ORDER = (
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
    "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
    "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription",
)  # fmt: skip


def _insert_in_order(parent: Any, child: Any, order: Sequence[str]) -> None:
    """Insert `child` before the first sibling that the schema puts after it."""
    name = child.tag.split("}")[1]
    later = set(order[order.index(name) + 1 :])
    for index, sibling in enumerate(parent):
        if sibling.tag.split("}")[1] in later:
            parent.insert(index, child)
            return
    parent.append(child)


def _borders(table: Table, colour: str = BORDER, size: int = 4, inside: bool = True) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    edges = ["top", "left", "bottom", "right"] + (["insideH", "insideV"] if inside else [])
    for edge in edges:
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), colour)
        borders.append(element)
    _insert_in_order(tblpr, borders, _TBLPR_ORDER)


def _repeat_header(table: Table, rows: int = 1) -> None:
    """Mark the first rows as header rows, repeated at the top of each page the table spans."""
    for row in table.rows[:rows]:
        trpr = row._tr.get_or_add_trPr()
        header = OxmlElement("w:tblHeader")
        header.set(qn("w:val"), "true")
        trpr.append(header)


def _table(container: object, widths_mm: Sequence[float], *, style_borders: bool = True) -> Table:
    table: Table = container.add_table(rows=0, cols=len(widths_mm))  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table.autofit = False  # a fixed layout (w:tblLayout), so column widths hold
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    if style_borders:
        _borders(table)
    return table


def _row(
    table: Table,
    texts: Iterable[str],
    widths_mm: Sequence[float],
    *,
    style: str = "Table Text",
    fill: str | None = None,
    bold: bool = False,
) -> list[_Cell]:
    cells = table.add_row().cells
    for cell, text, width in zip(cells, texts, widths_mm, strict=True):
        cell.width = Mm(width)
        paragraph = cell.paragraphs[0]
        paragraph.style = table.part.document.styles[style]  # type: ignore[attr-defined]
        if text:
            paragraph.add_run(text).bold = bold or None
        if fill:
            _shade(cell, fill)
    return cells


def _header_table(container: object, headings: Sequence[str], widths_mm: Sequence[float]) -> Table:
    table = _table(container, widths_mm)
    _row(table, headings, widths_mm, style="Table Head", fill=HEADER_FILL)
    _repeat_header(table)
    return table


def _loop_rows(table: Table, loop: str, values: Sequence[str], widths_mm: Sequence[float]) -> None:
    """Rows repeated for each item: `{%tr for ... %}`, the row of values, `{%tr endfor %}`."""
    _row(table, ["{%tr for " + loop + " %}"] + [""] * (len(values) - 1), widths_mm)
    _row(table, values, widths_mm)
    _row(table, ["{%tr endfor %}"] + [""] * (len(values) - 1), widths_mm)


LABEL_WIDTHS = (55.0, 115.0)


def _label_table(container: object, rows: Sequence[tuple[str, str, str]]) -> Table:
    """Label | value rows, each shown only when its condition holds (empty fields are hidden)."""
    table = _table(container, LABEL_WIDTHS)
    for label, value, condition in rows:
        if condition:
            _row(table, ["{%tr if " + condition + " %}", ""], LABEL_WIDTHS)
        cells = _row(table, [label, value], LABEL_WIDTHS)
        _shade(cells[0], LABEL_FILL)
        cells[0].paragraphs[0].runs[0].bold = True
        if condition:
            _row(table, ["{%tr endif %}", ""], LABEL_WIDTHS)
    return table


def _field_rows(
    section: str,
    model_class: type[BaseModel],
    names: Iterable[str] | None = None,
    var: str | None = None,
) -> list[tuple[str, str, str]]:
    """Label/value rows for fields of the model: the form's own label, the field's value."""
    prefix = var or section
    chosen = list(model_class.model_fields) if names is None else list(names)
    rows = []
    for name in chosen:
        info = model_class.model_fields[name]
        label = re.sub(r"\s*\((optional|if different)\)", "", info.title or name)  # form-only words
        rows.append((_termed(label), "{{ " + f"{prefix}.{name}" + " }}", f"{prefix}.{name}"))
    return rows


def _termed(label: str) -> str:
    """A model label in the school's nation's words: `Pupil signs` -> `{{ terms.Pupil }} signs`."""
    for word, term in (("pupils", "pupils"), ("Pupil", "Pupil"), ("pupil", "pupil")):
        label = re.sub(rf"\b{word}\b", "{{ terms." + term + " }}", label)
    return re.sub(r"\bSENCo\b", "{{ terms.senco }}", label)


def _single_fields(model_class: type[BaseModel]) -> list[str]:
    lists = {
        name
        for name, info in model_class.model_fields.items()
        if getattr(info.annotation, "__origin__", None) is list
    }
    return [name for name in model_class.model_fields if name not in lists]


def _nothing_recorded(container: object) -> None:
    _para(container, "{{ terms.nothing_recorded }}", "Note")


def _heading(container: object, text: str, level: int = 1) -> Paragraph:
    return _para(container, text, f"Heading {level}")


def _spacer(container: object) -> None:
    _para(container, "", "Tag")


# --- the IHP -----------------------------------------------------------------------------------


def _labelled_section(
    document: DocxDocument,
    heading: str,
    section: str,
    model_class: type[BaseModel],
    names: Iterable[str] | None = None,
) -> None:
    _heading(document, heading)
    _tag(document, f"if {section}.recorded")
    _label_table(document, _field_rows(section, model_class, names))
    _tag(document, "else")
    _nothing_recorded(document)
    _tag(document, "endif")


def build_ihp() -> DocxDocument:
    document = _new_document(
        DocumentKind.IHP,
        title="{{ terms.plan }}: {{ pupil.short_name }}",
        subject="{{ terms.plan }} for {{ pupil.short_name }}, {{ school.name }}",
    )
    _para(document, "{{ terms.plan }}", "Title")
    _para(document, "{{ pupil.name }} · {{ school.name }}", "Subtitle")
    _para(
        document,
        "Plan date {{ agreement.plan_date }} · Review by {{ agreement.review_date }} · "
        "{% if agreement.is_agreed %}"
        "Agreed with {{ agreement.agreed_by }} on {{ agreement.agreed_date }}"
        "{% else %}Awaiting the healthcare professional's agreement{% endif %}",
        "Note",
    )
    _para(document, "This plan follows {{ terms.guidance_reference }}.", "Small")

    # 1. About the pupil (DfE Template A: name, class, date of birth, address, diagnosis)
    _heading(document, "About the {{ terms.pupil }}")
    rows = [("School", "{{ school.name }}", "")]
    rows += _field_rows("pupil", model.Pupil, ["legal_name", "preferred_name"])
    rows += [
        ("Date of birth", "{{ pupil.date_of_birth }} (age {{ pupil.age }} on the plan date)", "")
    ]
    rows += _field_rows(
        "pupil",
        model.Pupil,
        [
            "year_group",
            "class_name",
            "school_reference",
            "home_address",
            "nhs_number",
            "photo",
            "photo_consent",
        ],
    )
    rows += [("Medical diagnosis or condition", "{{ conditions.summary }}", "")]
    _label_table(document, rows)

    _labelled_section(document, "Why this plan is being written", "background", model.Background)
    _labelled_section(document, "In my own words", "voice", model.Voice)

    # 2. Contacts (Template A: family, clinic/hospital, GP, who supports in school)
    _heading(document, "Contacts")
    _heading(document, "Family: call in this order", 2)
    widths: tuple[float, ...] = (6.0, 32.0, 30.0, 38.0, 38.0, 26.0)
    table = _header_table(
        document,
        ["", "Name", "Relationship", "Phone", "Email", "Parental responsi\u00adbility"],
        widths,
    )
    _loop_rows(
        table,
        "c in contacts.family",
        [
            "{{ loop.index }}",
            "{{ c.name }}",
            "{{ c.relationship }}",
            "{{ c.phone_lines }}",
            "{{ c.email }}",
            "{{ c.parental_responsibility }}",
        ],
        widths,
    )
    _spacer(document)
    _heading(document, "Healthcare professionals", 2)
    _tag(document, "if contacts.healthcare")
    widths = (34.0, 36.0, 40.0, 28.0, 32.0)
    table = _header_table(
        document, ["Role", "Name", "Practice, clinic or team", "Phone", "Email"], widths
    )
    _loop_rows(
        table,
        "h in contacts.healthcare",
        ["{{ h.role }}", "{{ h.name }}", "{{ h.organisation }}", "{{ h.phone }}", "{{ h.email }}"],
        widths,
    )
    _tag(document, "else")
    _nothing_recorded(document)
    _tag(document, "endif")
    _heading(document, "In school", 2)
    _label_table(
        document,
        [
            *_field_rows(
                "contacts", model.Contacts, ["lead_staff", "emergency_lead", "offsite_lead"]
            ),
            ("Headteacher", "{{ school.headteacher }}", ""),
            ("{{ terms.senco }}", "{{ school.senco }}", ""),
            ("{{ terms.senco }} email", "{{ school.senco_email }}", "school.senco_email"),
        ],
    )

    # 3. Medical needs (Template A: symptoms, triggers, signs, treatments, facilities...)
    _heading(document, "Medical needs")
    _tag(document, "for c in conditions.conditions")
    _heading(document, "{{ c.diagnosis }}", 2)
    _label_table(
        document,
        _field_rows(
            "conditions", model.Condition, ["kind", "signs", "triggers", "treatment"], var="c"
        ),
    )
    _tag(document, "endfor")
    _tag(document, "if conditions.details_recorded")
    _heading(document, "Details for this {{ terms.pupil }}", 2)
    details = [n for n in _single_fields(model.ConditionDetails)]
    _label_table(document, _field_rows("conditions", model.ConditionDetails, details))
    _tag(document, "endif")

    # 4. Medicines (Template A and B)
    _heading(document, "Medicines")
    _tag(document, "if medicines.medicines")
    _tag(document, "for m in medicines.medicines")
    _heading(document, "{{ m.name }}", 2)
    names = [n for n in model.Medicine.model_fields if n != "name"]
    _label_table(document, _field_rows("medicines", model.Medicine, names, var="m"))
    _tag(document, "endfor")
    _tag(document, "else")
    _para(document, "No medicines are recorded.", "Note")
    _tag(document, "endif")
    _heading(document, "Consent", 2)
    _tag(document, "if medicines.any_consent")
    _label_table(
        document, _field_rows("medicines", model.Medicines, _single_fields(model.Medicines))
    )
    _tag(document, "else")
    _para(document, "No consent is recorded yet.", "Note")
    _tag(document, "endif")

    # 5. Daily care
    _labelled_section(document, "Daily care", "daily_care", model.DailyCare)

    # 6. Educational, social and emotional needs (Template A; the seeds' areas)
    _heading(document, "Learning, wellbeing and school life")
    _tag(document, "if school_life.recorded")
    _label_table(
        document, _field_rows("school_life", model.SchoolLife, _single_fields(model.SchoolLife))
    )
    _heading(document, "Graduated approach: universal, targeted and specialist support", 2)
    _tag(document, "if school_life.support")
    widths = (40.0, 24.0, 70.0, 36.0)
    table = _header_table(document, ["Area", "Level", "What we will do", "Who"], widths)
    _loop_rows(
        table,
        "s in school_life.support",
        ["{{ s.area }}", "{{ s.level }}", "{{ s.provision }}", "{{ s.who }}"],
        widths,
    )
    _tag(document, "else")
    _nothing_recorded(document)
    _tag(document, "endif")
    _tag(document, "else")
    _nothing_recorded(document)
    _tag(document, "endif")

    # 7. Attendance and appointments (seeds)
    _heading(document, "Attendance and appointments")
    _tag(document, "if attendance.recorded")
    _label_table(
        document, _field_rows("attendance", model.Attendance, _single_fields(model.Attendance))
    )
    _tag(document, "if attendance.appointments")
    _heading(document, "Regular appointments", 2)
    widths = (40.0, 42.0, 34.0, 54.0)
    table = _header_table(document, ["Appointment", "With", "How often", "Notes"], widths)
    _loop_rows(
        table,
        "a in attendance.appointments",
        ["{{ a.what }}", "{{ a.with_whom }}", "{{ a.how_often }}", "{{ a.notes }}"],
        widths,
    )
    _tag(document, "endif")
    _tag(document, "else")
    _nothing_recorded(document)
    _tag(document, "endif")

    # 8. Trips (Template A) and 9. planning for the future (seeds)
    _labelled_section(document, "Trips, clubs and transport", "trips", model.Trips)
    _labelled_section(document, "Planning for the future", "future", model.Future)

    # 10. Emergency (Template A: what constitutes an emergency, action, who is responsible)
    _heading(document, "Emergency")
    _para(document, "{{ action.provenance }}", "Note", bold=True)
    _tag(document, "for flag in action.flags")
    _para(document, "{{ flag }}", "Normal", bold=True)
    _tag(document, "endfor")
    _tag(document, "for kind in action.without_defaults")
    _para(
        document,
        "There is no default emergency wording for “{{ kind }}”: the healthcare "
        "professional's own steps must be written in the plan.",
        "Normal",
        bold=True,
    )
    _tag(document, "endfor")
    for title, key, numbered in (
        ("What an emergency looks like", "signs", False),
        ("What to do", "steps", True),
        ("Call 999 when", "call_999_when", False),
    ):
        _heading(document, title, 2)
        _tag(document, f"if action.{key}")
        _tag(document, f"for g in action.{key}")
        _tag(document, "if g.title")
        _para(document, "{{ g.title }}", "Normal", bold=True)
        _tag(document, "endif")
        _tag(document, "for l in g.lines")
        text = "{{ l.number }}. {{ l.text }}" if numbered else "• {{ l.text }}"
        paragraph = _para(document, text, "Normal")
        paragraph.paragraph_format.left_indent = Mm(6)
        paragraph.paragraph_format.first_line_indent = Mm(-4)
        _tag(document, "endfor")
        _tag(document, "endfor")
        _tag(document, "else")
        _nothing_recorded(document)
        _tag(document, "endif")
    _heading(document, "Also", 2)
    _label_table(
        document,
        [
            (
                "What to tell the ambulance service",
                "{{ action.tell_ambulance|join(' ') }}",
                "action.tell_ambulance",
            ),
            *_field_rows("emergency", model.Emergency, ["call_parents_when", "after_care"]),
            ("Who is responsible in an emergency", "{{ contacts.emergency_lead }}", ""),
            ("Who is responsible off-site", "{{ contacts.offsite_lead }}", "contacts.offsite_lead"),
        ],
    )
    _tag(document, "if action.uses_defaults and action.sources")
    _para(
        document,
        "Default wording comes from: {% for s in action.sources %}{{ s.citation }}"
        "{% if s.url %} ({{ s.url }}){% endif %}{% if not loop.last %}; {% endif %}{% endfor %}.",
        "Small",
    )
    _tag(document, "endif")
    _heading(document, "Calling 999 from school", 2)
    _label_table(
        document,
        [
            ("Phone 999 is called from", "{{ school.phone_999 }}", ""),
            ("School", "{{ school.name }}", ""),
            ("Address", "{{ school.address }}\n{{ school.postcode }}", ""),
            *_field_rows(
                "school",
                model.School,
                [
                    "satnav_postcode",
                    "what3words",
                    "best_entrance",
                    "who_meets_crew",
                    "main_phone",
                    "email",
                ],
            ),
            (
                "What to say",
                "Speak slowly and clearly: your name, the school's address and postcode, "
                "exactly where the {{ terms.pupil }} is, their name and age, what has happened, "
                "and what "
                "has been given and when. Be ready to repeat it.",
                "",
            ),
        ],
    )

    # 11. Staff training (Template A and E)
    _heading(document, "Staff training")
    _tag(document, "if training.training")
    widths = (32.0, 34.0, 36.0, 22.0, 24.0, 22.0)
    table = _header_table(
        document, ["Staff member", "Training", "Trainer", "Date", "Competent", "Renew by"], widths
    )
    _loop_rows(
        table,
        "t in training.training",
        [
            "{{ t.staff_name }}{% if t.staff_role %}, {{ t.staff_role }}{% endif %}",
            "{{ t.training }}",
            "{{ t.trainer }}{% if t.trainer_profession %}, {{ t.trainer_profession }}{% endif %}",
            "{{ t.date }}",
            "{{ t.competent }}{% if t.competent_date %} ({{ t.competent_date }}){% endif %}",
            "{{ t.renewal_date }}",
        ],
        widths,
    )
    _tag(document, "else")
    _para(document, "No staff training is recorded yet.", "Note")
    _tag(document, "endif")
    _tag(document, "if training.cover")
    _spacer(document)
    _label_table(document, _field_rows("training", model.StaffTraining, ["cover"]))
    _tag(document, "endif")

    # 12. Wales: the health and social care section of an IDP
    _tag(document, "if idp.needs")
    _heading(document, "{{ terms.idp_section }}")
    _tag(document, "if idp.own_document")
    _para(
        document,
        "{{ idp.needs_count }} health and social care need{% if idp.needs_count != '1' %}s are"
        "{% else %} is{% endif %} recorded, {{ idp.pending_count }} awaiting health advice. "
        "Each need, its provision, who provides it and its status are set out in the separate "
        "document “{{ terms.idp_document }}”.",
        "Normal",
    )
    _tag(document, "else")
    widths = (34.0, 46.0, 40.0, 26.0, 24.0)
    table = _header_table(document, ["Area", "Need", "Provision", "Provided by", "Status"], widths)
    _loop_rows(
        table,
        "n in idp.needs",
        [
            "{{ n.area }}",
            "{{ n.need }}",
            "{{ n.provision }}",
            "{{ n.provided_by }}",
            "{{ n.status }}{% if n.advice_requested %} "
            "(requested {{ n.advice_requested }}){% endif %}",
        ],
        widths,
    )
    _tag(document, "endif")
    _tag(document, "endif")

    # 13. Plan developed with, agreement, review and copies (Template A)
    _heading(document, "Agreement and review")
    _tag(document, "if agreement.attendees")
    _heading(document, "Plan developed with", 2)
    widths = (60.0, 50.0, 60.0)
    table = _header_table(document, ["Name", "Role", "Relationship or job"], widths)
    _loop_rows(
        table,
        "a in agreement.attendees",
        ["{{ a.name }}", "{{ a.role }}", "{{ a.detail }}"],
        widths,
    )
    _tag(document, "endif")
    _spacer(document)
    rows = _field_rows("agreement", model.Agreement, [n for n in _single_fields(model.Agreement)])
    rows += [
        (
            "Records kept until",
            "{{ agreement.keep_until }} (date of birth plus {{ school.retention_years }} years)",
            "",
        )
    ]
    _label_table(document, rows)

    # 14. Signatures
    _heading(document, "Signatures")
    _para(
        document,
        "By signing, you agree that this plan is right and that it may be shared with the "
        "staff who need to know.",
        "Normal",
    ).paragraph_format.keep_with_next = True
    widths = (40.0, 50.0, 52.0, 28.0)
    table = _header_table(document, ["Role", "Name", "Signature", "Date"], widths)
    _loop_rows(table, "s in agreement.signatures", ["{{ s.role }}", "{{ s.name }}", "", ""], widths)
    for row in table.rows[2:3]:
        row.height = Mm(12)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    return document


# --- the emergency sheet -----------------------------------------------------------------------


def _sheet_styles(document: DocxDocument) -> None:
    """The sheet's styles at 12 pt; rendering sets the sizes that fit each pupil's page."""
    s = SHEET
    sizes = s.styles()
    looks: dict[str, dict[str, Any]] = {
        "Sheet Body": {},
        "Sheet Group": {"bold": True},
        "Sheet Step": {},
        "Sheet Heading": {"bold": True, "colour": ALERT, "keep_with_next": True},
        "Sheet Script": {},
        "Sheet Small": {"colour": INK},
        "Sheet Gap": {},
    }
    for name, look in looks.items():
        size = sizes[name]
        _style(
            document,
            name,
            size=size.size,
            line=size.line,
            before=size.before,
            after=size.after,
            base="Normal",
            **look,
        )
        if size.indent:
            paragraph = document.styles[name].paragraph_format
            paragraph.left_indent = Pt(size.indent)
            paragraph.first_line_indent = Pt(-size.indent)
            paragraph.tab_stops.add_tab_stop(Pt(size.indent))
    _style(
        document,
        "Sheet Name",
        size=s.name_size,
        bold=True,
        line=s.name_size + 4,
        after=0,
        base="Normal",
    )
    _style(
        document,
        "Sheet Title",
        size=s.title_size,
        bold=True,
        colour=RGBColor(0xFF, 0xFF, 0xFF),
        line=s.title_line,
        after=0,
        base="Normal",
    )
    _style(document, "Sheet Photo", size=s.body_size, after=0, base="Normal")


def _cell_para(
    cell: _Cell, text: str, style: str, *, first: bool = False, bold: bool = False
) -> Paragraph:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.style = cell.part.document.styles[style]  # type: ignore[attr-defined]
    if text:
        paragraph.add_run(text).bold = bold or None
    return paragraph


def _cell_tag(cell: _Cell, statement: str) -> None:
    _cell_para(cell, "{%p " + statement + " %}", "Tag")


def _width_mm(points: float) -> float:
    return points * 25.4 / 72


def _labelled(paragraph: Paragraph, label: str, text: str) -> None:
    """A bold label (when the entry has one) before the entry's text, in one paragraph."""
    paragraph.add_run("{% if " + label + " %}{{ " + label + " }}: {% endif %}").bold = True
    paragraph.add_run(text)


def _sheet_lines(container: object, key: str, numbered: bool) -> None:
    """Groups of lines (signs, steps, 999 thresholds) with their optional bold titles."""
    _tag(container, f"if sheet.{key}")
    _tag(container, f"for g in sheet.{key}")
    _tag(container, "if g.title")
    _para(container, "{{ g.title }}", "Sheet Group")
    _tag(container, "endif")
    _tag(container, "for l in g.lines")
    if numbered:
        _para(container, "{% if l.number %}{{ l.number }}.{% endif %}\t{{ l.text }}", "Sheet Step")
    else:
        paragraph = _para(container, "{% if not l.pointer %}•{% endif %}\t", "Sheet Step")
        _labelled(paragraph, "l.label", "{{ l.text }}")
    _tag(container, "endfor")
    _tag(container, "endfor")
    _tag(container, "else")
    _para(container, "Not recorded: see the full {{ terms.plan_short }}.", "Sheet Body")
    _tag(container, "endif")


def build_emergency() -> DocxDocument:
    s = SHEET
    document = _new_document(
        DocumentKind.EMERGENCY,
        title="{{ terms.emergency_sheet }}: {{ pupil.short_name }}",
        subject="What to do in an emergency for {{ pupil.short_name }}, {{ school.name }}",
    )
    _sheet_styles(document)
    full = _width_mm(s.content_width)

    bar = _table(document, [full], style_borders=False)
    cell = _row(bar, [""], [full], fill="9B1C1C")[0]
    _cell_para(cell, "EMERGENCY SHEET · {{ sheet.kinds }}", "Sheet Title", first=True)
    _para(document, "", "Tag")

    photo_width = s.photo_width_mm + 2 * _width_mm(s.cell_padding)
    widths = [photo_width, full - photo_width]
    identity = _table(document, widths, style_borders=False)
    row = identity.add_row()
    row.height = Pt(s.photo_row)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY
    # as tall as the photo, or only as the text when there is none (set per pupil)
    row._tr.trPr.find(qn("w:trHeight")).set(qn("w:val"), "{{ sheet.identity_twips }}")
    photo_cell, text_cell = row.cells
    photo_cell.width, text_cell.width = Mm(widths[0]), Mm(widths[1])
    photo_cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    _cell_para(
        photo_cell,
        "{% if photo %}{{ photo }}{% else %}No photo{% endif %}",
        "Sheet Photo",
        first=True,
    )
    _cell_para(text_cell, "{{ sheet.name }}", "Sheet Name", first=True)
    _cell_tag(text_cell, "if sheet.known_as")
    _cell_para(text_cell, "Legal name: {{ sheet.known_as }}", "Sheet Body")
    _cell_tag(text_cell, "endif")
    _cell_para(
        text_cell,
        "Born {{ pupil.date_of_birth }} (age {{ pupil.age }})"
        "{% if pupil.nhs_number %} · NHS number {{ pupil.nhs_number }}{% endif %}",
        "Sheet Body",
    )
    _cell_para(text_cell, "{{ sheet.year_class }}", "Sheet Body")
    paragraph = _cell_para(text_cell, "{{ sheet.conditions_label }}: ", "Sheet Body", bold=True)
    paragraph.add_run("{{ sheet.conditions }}")

    _tag(document, "for flag in sheet.flags")
    _para(document, "{{ flag }}", "Sheet Group")
    _tag(document, "endfor")
    _para(document, "What an emergency looks like", "Sheet Heading")
    _sheet_lines(document, "signs", numbered=False)
    _para(document, "What to do", "Sheet Heading")
    _sheet_lines(document, "steps", numbered=True)
    _para(document, "Call 999 if", "Sheet Heading")
    _sheet_lines(document, "call_999_when", numbered=False)
    _para(document, "", "Sheet Gap")

    half = full / 2
    lower = _table(document, [half, half])
    heads = _row(
        lower,
        ["Emergency medicine: where it is kept", "Call the family in this order"],
        [half, half],
        style="Sheet Group",
        fill=HEADER_FILL,
    )
    del heads
    medicine_cell, contact_cell = _row(lower, ["", ""], [half, half], style="Sheet Body")
    medicine_cell.paragraphs[0].style = document.styles["Tag"]
    _cell_tag(medicine_cell, "for m in sheet.medicines")
    _labelled(_cell_para(medicine_cell, "", "Sheet Body"), "m.name", "{{ m.storage }}")
    _cell_tag(medicine_cell, "else")
    _cell_para(medicine_cell, "No emergency medicine recorded.", "Sheet Body")
    _cell_tag(medicine_cell, "endfor")
    contact_cell.paragraphs[0].style = document.styles["Tag"]
    _cell_tag(contact_cell, "for c in sheet.contacts")
    _labelled(_cell_para(contact_cell, "", "Sheet Body"), "c.name", "{{ c.phones }}")
    _cell_tag(contact_cell, "endfor")
    _para(document, "", "Sheet Gap")

    box = _table(document, [full], style_borders=False)
    _borders(box, colour="000000", size=18, inside=False)
    cell = _row(box, [""], [full])[0]
    _cell_para(
        cell,
        "Calling 999: speak slowly and clearly, and be ready to repeat",
        "Sheet Heading",
        first=True,
    )
    cell.paragraphs[0].paragraph_format.space_before = Pt(0)
    # Each line a plain instruction, or a bold label and the school's or the plan's own words,
    # so that whatever a SENCo typed still reads as a sentence.
    script: list[str | list[tuple[str, bool]]] = [
        [
            ("1.\tDial 999 and ask for an ambulance. ", False),
            ("Our phone number: ", True),
            ("{{ sheet.phone }}", False),
        ],
        [("2.\t", False), ("Our address: ", True), ("{{ sheet.where }}", False)],
        "{%p if sheet.satnav %}",
        [("\t{{ sheet.satnav }}", False)],
        "{%p endif %}",
        [("3.\tSay your name, and exactly where the {{ terms.pupil }} is.", False)],
        [
            ("4.\t", False),
            ("The {{ terms.pupil }}: ", True),
            ("{{ sheet.script_name }}, aged {{ pupil.age }}", False),
        ],
        [
            ("\t", False),
            ("{{ sheet.conditions_label }}: ", True),
            ("{{ sheet.conditions_said }}", False),
        ],
        [("5.\tSay what has happened, and what has been given and when.", False)],
        "{%p for t in sheet.tell %}",
        [("\t", False), ("{{ t }}", True)],
        "{%p endfor %}",
        [("6.\t", False), ("Best entrance: ", True), ("{{ sheet.entrance }}", False)],
        [("7.\t", False), ("Who meets the crew: ", True), ("{{ sheet.meets }}", False)],
    ]
    for line in script:
        if isinstance(line, str):
            _cell_para(cell, line, "Tag")
            continue
        paragraph = _cell_para(cell, "", "Sheet Script")
        for text, bold in line:
            paragraph.add_run(text).bold = bold or None
    _para(document, "", "Tag")
    _para(document, "{{ sheet.provenance }}", "Sheet Small", bold=True)
    return document


# --- the parent letter (DfE Template G) --------------------------------------------------------


def build_parent_letter() -> DocxDocument:
    document = _new_document(
        DocumentKind.PARENT_LETTER,
        title="Letter about {{ pupil.short_name }}'s {{ terms.plan }}",
        subject="{{ terms.plan }}: letter to parents and carers",
    )
    _para(document, "{{ school.name }}", "Heading 2")
    _tag(document, "for line in school.address_lines")
    _para(document, "{{ line }}", "Small")
    _tag(document, "endfor")
    _para(
        document,
        "{{ school.postcode }} · {{ school.main_phone }}"
        "{% if school.email %} · {{ school.email }}{% endif %}",
        "Small",
    )
    _para(document, "{{ letter.to }}", "Normal").paragraph_format.space_before = Pt(18)
    _tag(document, "if pupil.home_address")
    _para(document, "{{ pupil.home_address }}", "Normal")
    _tag(document, "endif")
    _para(document, "{{ letter.date }}", "Normal").paragraph_format.space_before = Pt(10)
    _para(document, "Dear {{ letter.to }},", "Normal").paragraph_format.space_before = Pt(10)
    _heading(document, "{{ pupil.name }}'s {{ terms.plan }}")
    for text in (
        "Thank you for meeting us to talk about {{ pupil.name }}'s health. We want every "
        "{{ terms.pupil }} to be safe, happy and able to take part in everything at school.",
        "We have written an {{ terms.plan }} for {{ pupil.name }}. It is a plan for school. "
        "It says what {{ pupil.name }} needs each day, what staff should do in an emergency, "
        "and who to call. "
        "A copy is with this letter, with a one-page emergency sheet"
        "{% if idp.own_document %} and the health and social care section of "
        "{{ pupil.name }}'s Individual Development Plan{% endif %}.",
        "Please read the plan carefully. You know {{ pupil.name }} best. If anything is wrong or "
        "missing, please tell us. Then please sign the plan and send it back to us by "
        "{{ letter.reply_by }}.",
    ):
        _para(document, text, "Normal")
    _heading(document, "What the school will do", 2)
    for item in (
        "Share the plan with the staff who need to know{% if background.who_needs_to_know %}: "
        "{{ background.who_needs_to_know }}{% endif %}.",
        "{% if letter.trained_staff %}Make sure trained staff are there to help. "
        "{{ letter.trained_staff }} member{% if letter.trained_staff != 1 %}s{% endif %} of staff "
        "{% if letter.trained_staff != 1 %}have{% else %}has{% endif %} been trained so far."
        "{% else %}Arrange training for staff with a healthcare professional.{% endif %}",
        "{% if letter.emergency_medicines %}Keep {{ pupil.name }}'s emergency medicine "
        "({{ letter.emergency_medicines|join(', ') }}) in a safe place that staff can reach "
        "quickly."
        "{% else %}Keep any medicine you give us safe, and check it is in date.{% endif %}",
        "Call you if {{ pupil.name }} is unwell at school, and call 999 in an emergency.",
        "Look at the plan again by {{ agreement.review_date }}, or sooner if "
        "{{ pupil.name }}'s needs change.",
    ):
        paragraph = _para(document, "•\t" + item, "Normal")
        paragraph.paragraph_format.left_indent = Mm(6)
        paragraph.paragraph_format.first_line_indent = Mm(-6)
        paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(6))
    _heading(document, "What we ask you to do", 2)
    for item in (
        "Read the plan, correct anything that is wrong, and sign it by {{ letter.reply_by }}.",
        "Tell us straight away if {{ pupil.name }}'s health, medicine or contact numbers change.",
        "Give us medicines in their original box with the pharmacy label, and replace them before "
        "they run out or go out of date.",
    ):
        paragraph = _para(document, "•\t" + item, "Normal")
        paragraph.paragraph_format.left_indent = Mm(6)
        paragraph.paragraph_format.first_line_indent = Mm(-6)
        paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(6))
    _para(
        document,
        "If you would like to talk about the plan, please call {{ school.main_phone }}"
        "{% if school.senco_email %} or email {{ school.senco_email }}{% endif %}. We are always "
        "happy to help.",
        "Normal",
    ).paragraph_format.space_before = Pt(6)
    _para(document, "Yours sincerely,", "Normal").paragraph_format.space_before = Pt(10)
    _para(document, "", "Normal").paragraph_format.space_before = Pt(18)
    _para(document, "{{ school.senco }}", "Normal", bold=True)
    _para(
        document, "{{ terms.senco }}, on behalf of {{ school.headteacher }}, Headteacher", "Normal"
    )
    return document


# --- the staff training record (DfE Template E) ------------------------------------------------


def build_training_record() -> DocxDocument:
    document = _new_document(
        DocumentKind.TRAINING_RECORD,
        title="{{ terms.training_record }}: {{ pupil.short_name }}",
        subject="Staff trained to support {{ pupil.short_name }}, {{ school.name }}",
    )
    _para(document, "{{ terms.training_record }}", "Title")
    _para(document, "Staff trained to support {{ pupil.name }} · {{ school.name }}", "Subtitle")
    _label_table(
        document,
        [
            ("{{ terms.Pupil }}", "{{ pupil.name }}, born {{ pupil.date_of_birth }}", ""),
            ("Condition", "{{ conditions.summary }}", ""),
            ("Plan date", "{{ agreement.plan_date }} (review by {{ agreement.review_date }})", ""),
        ],
    )
    _heading(document, "Training received")
    widths: tuple[float, ...] = (32.0, 34.0, 36.0, 22.0, 24.0, 22.0)
    table = _header_table(
        document,
        ["Staff member", "Training", "Trainer and profession", "Date", "Competent", "Renew by"],
        widths,
    )
    _loop_rows(
        table,
        "t in training.training",
        [
            "{{ t.staff_name }}{% if t.staff_role %}, {{ t.staff_role }}{% endif %}",
            "{{ t.training }}",
            "{{ t.trainer }}{% if t.trainer_profession %}, {{ t.trainer_profession }}{% endif %}",
            "{{ t.date }}",
            "{{ t.competent }}{% if t.competent_date %} ({{ t.competent_date }}){% endif %}",
            "{{ t.renewal_date }}",
        ],
        widths,
    )
    _tag(document, "if training.cover")
    _heading(document, "Cover when trained staff are absent", 2)
    _para(document, "{{ training.cover }}", "Normal")
    _tag(document, "endif")
    _heading(document, "Sign-off")
    _tag(document, "for t in training.training")
    _heading(document, "{{ t.staff_name }}: {{ t.training }}", 2)
    _para(
        document,
        "Trainer: I confirm that {{ t.staff_name }} has received the training detailed "
        "above and is competent to carry it out. I recommend the training is renewed by "
        "{% if t.renewal_date %}{{ t.renewal_date }}{% else %}……………………{% endif %}.",
        "Normal",
    )
    widths = (60.0, 70.0, 40.0)
    sign = _header_table(document, ["Name", "Signature", "Date"], widths)
    _row(
        sign,
        [
            "{{ t.trainer }}{% if t.trainer_profession %}, {{ t.trainer_profession }}{% endif %}",
            "",
            "{{ t.competent_date }}",
        ],
        widths,
    ).__len__()
    _para(
        document,
        "Staff member: I confirm that I have received the training detailed above.",
        "Normal",
    )
    sign = _header_table(document, ["Name", "Signature", "Date"], widths)
    _row(sign, ["{{ t.staff_name }}", "", ""], widths)
    for table in document.tables[-2:]:
        table.rows[1].height = Mm(12)
        table.rows[1].height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    _tag(document, "endfor")
    _para(
        document,
        "Keep this record with the {{ terms.plan }}. {{ terms.training_basis }}",
        "Small",
    ).paragraph_format.space_before = Pt(12)
    return document


# --- Wales: the health and social care section of the IDP ---------------------------------------

IDP_WIDTHS = (46.0, 52.0, 44.0, 28.0)


def _span_row(table: Table, widths_mm: Sequence[float], *, style: str = "Table Text") -> Paragraph:
    """A row whose one cell spans the table's width; returns its paragraph to write into."""
    cells = _row(table, [""] * len(widths_mm), widths_mm, style=style)
    merged = cells[0].merge(cells[-1])
    return merged.paragraphs[0]


def _rows_unsplit(table: Table) -> None:
    """Keep each body row whole on one page (a need never starts at the foot of a page)."""
    for row in table.rows[1:]:
        trpr = row._tr.get_or_add_trPr()
        trpr.insert(0, OxmlElement("w:cantSplit"))


def _idp_table(document: DocxDocument, group: str, pending_status: str, basis: str) -> None:
    """One table for a group of areas: each area a shaded row (or "nothing recorded"), then its
    needs with their provision, provider and status; a pending need gets its legal basis in a
    line of its own."""
    widths = IDP_WIDTHS
    table = _header_table(document, ["Need", "Provision", "Provided by", "Status"], widths)
    _row(table, ["{%tr for a in idp." + group + " %}", "", "", ""], widths)
    # An area with needs is kept with its first need; an empty one is not (a run of empty
    # areas kept together would push the whole run onto the next page).
    _row(table, ["{%tr if a.needs %}", "", "", ""], widths)
    area = _span_row(table, widths)
    area.add_run("{{ a.area }}").bold = True
    area.paragraph_format.keep_with_next = True
    _shade(table.rows[-1].cells[0], LABEL_FILL)
    _row(table, ["{%tr else %}", "", "", ""], widths)
    area = _span_row(table, widths)
    area.add_run("{{ a.area }}").bold = True
    area.add_run(": nothing recorded").font.color.rgb = GREY
    _shade(table.rows[-1].cells[0], LABEL_FILL)
    _row(table, ["{%tr endif %}", "", "", ""], widths)
    _row(table, ["{%tr for n in a.needs %}", "", "", ""], widths)
    cells = _row(
        table,
        [
            "{{ n.need }}",
            "{% if n.provision %}{{ n.provision }}{% else %}{{ terms.not_recorded }}{% endif %}",
            "{% if n.provided_by %}{{ n.provided_by }}"
            "{% else %}{{ terms.not_recorded }}{% endif %}",
            "{% if n.pending %}",
        ],
        widths,
    )
    status = cells[-1].paragraphs[0]
    status.add_run(pending_status).bold = True
    status.add_run("{% else %}{{ n.status }}{% endif %}")
    _row(table, ["{%tr if n.pending %}", "", "", ""], widths)
    line = _span_row(table, widths, style="Small")
    line.add_run(
        "Requested {% if n.advice_requested %}{{ n.advice_requested }}"
        "{% else %}on a date not recorded{% endif %} · "
    )
    line.add_run(basis)
    _row(table, ["{%tr endif %}", "", "", ""], widths)
    _row(table, ["{%tr endfor %}", "", "", ""], widths)
    _row(table, ["{%tr endfor %}", "", "", ""], widths)
    _rows_unsplit(table)


def build_idp() -> DocxDocument:
    """Wales: the health and social care section of a learner's Individual Development Plan
    (ALN Code 23.55-23.63 for health, 21.10 for social care), with the advice still pending."""
    document = _new_document(
        DocumentKind.IDP,
        title="{{ terms.idp_document }}: {{ pupil.short_name }}",
        subject="{{ terms.idp_section }} for {{ pupil.short_name }}, {{ school.name }}",
    )
    _para(document, "{{ terms.idp_section }}", "Title")
    _para(document, "{{ pupil.name }} · {{ school.name }}", "Subtitle")
    _para(
        document,
        "Plan date {{ agreement.plan_date }} · Review by {{ agreement.review_date }} · "
        "Needs recorded: {{ idp.needs_count }} · Awaiting health advice: {{ idp.pending_count }}",
        "Note",
    )
    _para(
        document,
        "This is the health and social care section of {{ pupil.name }}'s Individual "
        "Development Plan. It lists every area the ALN Code asks for, with each need, the "
        "provision for it, who provides it, and whether it is agreed or still waits for advice. "
        "A need is recorded even when health has not yet replied. Areas with nothing recorded "
        "are listed as such. Day-to-day care, medicines and what to do in an emergency are in "
        "{{ pupil.name }}'s {{ terms.plan }}.",
        "Normal",
    )

    _heading(document, "Health")
    _para(
        document,
        "Medical, sensory and therapeutic needs and provision (ALN Code 23.55–23.63).",
        "Note",
    ).paragraph_format.keep_with_next = True
    _idp_table(
        document,
        "health",
        "Health advice pending",
        "the health board must give advice when asked (ALN Act s.20; ALN Code 21.6)",
    )

    _heading(document, "Social care")
    _para(
        document,
        "Social care support that affects access to learning (ALN Code 21.10; Social Services "
        "and Well-being (Wales) Act 2014).",
        "Note",
    ).paragraph_format.keep_with_next = True
    _idp_table(
        document,
        "social_care",
        "Advice pending",
        "social services must give advice and information when asked (ALN Code 21.10)",
    )

    _heading(document, "Health advice pending")
    _tag(document, "if idp.pending")
    _para(
        document,
        "Advice asked for and not yet given, as at {{ idp.as_at }}. Each need is recorded above "
        "all the same: the ALN system cannot leave a gap because a service has not replied. "
        "The health board must provide advice when asked (ALN Act 2018 s.20; ALN Code 21.6).",
        "Normal",
    ).paragraph_format.keep_with_next = True
    widths = (32.0, 46.0, 40.0, 30.0, 22.0)
    table = _header_table(
        document, ["Area", "Need", "Provided by", "Requested on", "Weeks waiting"], widths
    )
    _loop_rows(
        table,
        "n in idp.pending",
        [
            "{{ n.area }}",
            "{{ n.need }}",
            "{{ n.provided_by }}",
            "{% if n.advice_requested %}{{ n.advice_requested }}"
            "{% else %}{{ terms.not_recorded }}{% endif %}",
            "{% if n.weeks %}{{ n.weeks }} week{% if n.weeks != '1' %}s{% endif %}"
            "{% else %}–{% endif %}",
        ],
        widths,
    )
    _rows_unsplit(table)
    _tag(document, "else")
    _para(document, "No health or social care advice is pending.", "Note")
    _tag(document, "endif")
    return document


BUILDERS = {
    DocumentKind.IHP: build_ihp,
    DocumentKind.IDP: build_idp,
    DocumentKind.EMERGENCY: build_emergency,
    DocumentKind.PARENT_LETTER: build_parent_letter,
    DocumentKind.TRAINING_RECORD: build_training_record,
}


def _save_reproducibly(document: DocxDocument, path: Path) -> None:
    """Save with fixed zip dates, so building twice gives byte-identical files."""
    stream = io.BytesIO()
    document.save(stream)
    with zipfile.ZipFile(stream) as built, zipfile.ZipFile(path, "w") as out:
        for item in built.infolist():
            fixed = zipfile.ZipInfo(item.filename, date_time=AUTHORED.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(fixed, built.read(item.filename))


def build_templates(folder: Path) -> list[Path]:
    """Write every default template into `folder`; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, build in BUILDERS.items():
        path = folder / kind.template
        _save_reproducibly(build(), path)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in build_templates(templates_dir()):
        print(path)
