"""Render a plan into its Word documents: the IHP, the emergency sheet, the parent letter and
the staff training record.

Templates are docxtpl `.docx` files. Each is read and its Jinja compiled once per run
(`load_templates`), then rendered for every pupil in one sandboxed, strict, autoescaping Jinja
environment: cell text is data and never template code, `&`, `<` and quotes print literally,
a missing tag is an error rather than a blank, and a custom template cannot reach Python
internals. `plan_context` turns a plan into the plain values templates print (UK dates, Yes/No,
the emergency wording decided by the condition library, and the emergency sheet's text shortened
to fit one A4 page).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum, StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree
from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel

from pipeline import resources
from pipeline.conditions import EmergencyWording, WordedGroup, emergency_wording
from pipeline.errors import InvalidInputError, OutputError, TemplateError
from pipeline.model import Plan, Row, Section
from pipeline.wording import phrase, terms, uk_date


class DocumentKind(Enum):
    """The documents made for each pupil: template file, output suffix, bookmark title."""

    IHP = ("ihp.docx", "-IHP.docx", "Individual Healthcare Plan")
    EMERGENCY = ("emergency.docx", "-Emergency.docx", "Emergency sheet")
    PARENT_LETTER = ("parent-letter.docx", "-ParentLetter.docx", "Letter to parents and carers")
    TRAINING_RECORD = ("training-record.docx", "-TrainingRecord.docx", "Staff training record")

    def __init__(self, template: str, suffix: str, bookmark: str) -> None:
        self.template = template
        self.suffix = suffix
        self.bookmark = bookmark

    @property
    def order(self) -> int:
        """Position in the PDF bundle (the IHP first)."""
        return list(DocumentKind).index(self)

    def wanted(self, plan: Plan) -> bool:
        """Whether this pupil gets this document (a training record only with training)."""
        if self is DocumentKind.TRAINING_RECORD:
            return bool(plan.training.training)
        return True


# --- the one Jinja environment --------------------------------------------------------------


@cache
def environment() -> jinja2.Environment:
    """Strict, autoescaping and sandboxed: built once, shared by every template and document."""
    return ImmutableSandboxedEnvironment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


# --- templates: read and compiled once --------------------------------------------------------

_HEADER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
_FOOTER = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
#: core properties rendered from the template's own (so a school can word them)
_PROPERTIES = ("title", "subject", "author", "keywords", "comments", "last_modified_by")


@dataclass(frozen=True)
class CompiledTemplate:
    """One template, read once: its bytes and each part's compiled Jinja."""

    kind: DocumentKind
    path: Path
    source: bytes
    #: part name (`/word/document.xml`, headers, footers) -> compiled template
    parts: dict[str, jinja2.Template]
    properties: dict[str, jinja2.Template]
    #: the patched XML of every part and the properties' text, for the template check
    patched: dict[str, str] = field(repr=False, default_factory=dict)
    property_text: dict[str, str] = field(repr=False, default_factory=dict)


@dataclass(frozen=True)
class Templates:
    """The templates of one run: the defaults or a school's own folder."""

    folder: Path
    custom: bool
    compiled: dict[DocumentKind, CompiledTemplate]

    def __getitem__(self, kind: DocumentKind) -> CompiledTemplate:
        return self.compiled[kind]


def _patched_parts(template: DocxTemplate) -> dict[str, str]:
    """The XML of the body, headers and footers as docxtpl cleans it for Jinja."""
    docx = template.get_docx()
    parts = {str(docx.part.partname): template.patch_xml(template.get_xml())}
    for rel in docx.part.rels.values():
        if rel.reltype in (_HEADER, _FOOTER) and not rel.is_external and rel.target_part.blob:
            xml = template.get_part_xml(rel.target_part)
            parts[str(rel.target_part.partname)] = template.patch_xml(xml)
    return parts


def compile_template(kind: DocumentKind, path: Path) -> CompiledTemplate:
    """Read one template and compile its Jinja; `TemplateError` says what is wrong with it."""
    hint = (
        "copy the default templates with `ihp templates export DIR`, edit them in Word, and "
        "check them with `ihp templates check DIR`"
    )
    try:
        source = path.read_bytes()
    except FileNotFoundError:
        raise TemplateError(f"the template {path} is missing", hint) from None
    except OSError as error:
        raise TemplateError(
            f"the template {path} cannot be read ({error.strerror})", hint
        ) from None
    try:
        if not zipfile.is_zipfile(io.BytesIO(source)):
            raise ValueError("not a zip")
        template = DocxTemplate(io.BytesIO(source))
        patched = _patched_parts(template)
        properties = template.get_docx().core_properties
        raw_properties = {name: getattr(properties, name) or "" for name in _PROPERTIES}
    except Exception:  # python-docx raises many kinds of error for a damaged file
        raise TemplateError(
            f"the template {path} is not a Word document (.docx) or is damaged", hint
        ) from None
    env = environment()
    compiled: dict[str, jinja2.Template] = {}
    try:
        for name, xml in patched.items():
            # docxtpl's own layout: one paragraph per line, so Jinja's line numbers help.
            compiled[name] = env.from_string(re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))
        compiled_properties = {
            name: env.from_string("{% autoescape false %}" + text + "{% endautoescape %}")
            for name, text in raw_properties.items()
        }
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(
            f"the template {path} has a tag Word cannot use: {error.message}",
            "check the {{ }} and {% %} tags near that text; " + hint,
        ) from None
    return CompiledTemplate(
        kind, path, source, compiled, compiled_properties, patched, raw_properties
    )


def load_templates(folder: Path | None = None) -> Templates:
    """Read and compile every template once: the defaults, or a school's folder (--templates).

    Raises `TemplateError` naming the file when a template is missing, damaged or has a tag
    Jinja cannot parse.
    """
    custom = folder is not None
    base = resources.templates_dir() if folder is None else folder
    if not base.is_dir():
        raise TemplateError(
            f"the templates folder {base} does not exist",
            "give a folder made by `ihp templates export DIR`",
        )
    compiled = {kind: compile_template(kind, base / kind.template) for kind in DocumentKind}
    return Templates(folder=base, custom=custom, compiled=compiled)


# --- measuring text: the emergency sheet must fit one page ------------------------------------

# Advance widths (1/1000 em) of Arial, Liberation Sans and Helvetica, which share metrics:
# ASCII 32..126, regular then bold. Other characters are measured by their base letter, or as
# a full em when unknown (e.g. CJK), which errs on the side of fitting.
_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
)  # fmt: skip
_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)  # fmt: skip
_SPECIAL = {
    "…": 1000,
    "—": 1000,
    "–": 556,
    "’": 222,
    "‘": 222,
    "“": 333,
    "”": 333,
    "·": 278,
    "•": 350,
}
#: what is measured is narrowed by this much, for differences between Word and LibreOffice
_SAFETY = 0.97


@cache
def _char_width(char: str, bold: bool) -> int:
    table = _BOLD if bold else _REGULAR
    if " " <= char <= "~":
        return table[ord(char) - 32]
    if char in _SPECIAL:
        return _SPECIAL[char]
    base = unicodedata.normalize("NFD", char)[0]
    if " " <= base <= "~":
        return table[ord(base) - 32]
    return 1000


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in points of `text` set in Arial at `size` points."""
    return sum(_char_width(char, bold) for char in text) * size / 1000


@dataclass(frozen=True)
class TextBox:
    """Where a block of text is printed: usable width, type size and weight."""

    width: float
    size: float
    bold: bool = False

    def lines(self, text: str, lead: float = 0, tail: float = 0) -> int:
        """Lines `text` takes when wrapped as Word wraps: at spaces, long words broken.

        `lead` is the width of template text before it on its first line, `tail` after it.
        """
        limit = self.width * _SAFETY
        space = text_width(" ", self.size, self.bold)
        total = 0
        used = 0.0
        for index, paragraph in enumerate(text.split("\n")):
            lines, used = 1, (lead if index == 0 else 0.0)
            for word in paragraph.split(" "):
                width = text_width(word, self.size, self.bold)
                if used and used + space + width <= limit:
                    used += space + width
                    continue
                if used:
                    lines += 1
                while width > limit:  # a word longer than a line breaks anywhere
                    lines += 1
                    width -= limit
                used = width
            total += lines
        if tail and used + tail > limit:
            total += 1
        return total

    def fit(self, text: str, max_lines: int, suffix: str, lead: float = 0, tail: float = 0) -> str:
        """`text` itself if it fits in `max_lines`, else its longest beginning plus `suffix`."""
        if self.lines(text, lead, tail) <= max_lines:
            return text
        low, high = 0, len(text)
        while low < high:  # the longest prefix that still fits with the suffix
            middle = (low + high + 1) // 2
            if self.lines(text[:middle].rstrip() + suffix, lead, tail) <= max_lines:
                low = middle
            else:
                high = middle - 1
        cut = text[:low]
        space = cut.rfind(" ")
        if space > len(cut) - 20 and space > 0:  # end at a word when one is near
            cut = cut[:space]
        return cut.rstrip(" ,;:-\n") + suffix


@dataclass(frozen=True)
class SheetLayout:
    """The emergency sheet's geometry, shared by the template author and the text budget.

    Lengths in points. Every paragraph of the sheet has an exact line height, so what fits can
    be counted in lines. `flexible_height` is what the page holds for the signs, steps, 999
    thresholds and the medicine/contacts table once the fixed parts (title bar, identity block,
    headings, the 999 box at its shortest) are placed; the tests prove it by converting the
    longest plans to PDF.
    """

    page_width: float = 595.3
    page_height: float = 841.9
    margin_side: float = 34.0  # 12 mm
    margin_top: float = 40.0
    margin_bottom: float = 40.0
    header_distance: float = 17.0
    body_size: float = 12.0
    body_line: float = 14.0
    heading_size: float = 13.0
    heading_line: float = 16.0
    heading_before: float = 5.0
    name_size: float = 20.0
    script_size: float = 11.0
    script_line: float = 13.0
    small_size: float = 9.5
    small_line: float = 11.5
    title_size: float = 16.0
    photo_width_mm: float = 27.0
    photo_height_mm: float = 34.0
    identity_height: float = 100.0
    step_indent: float = 20.0
    gap: float = 7.0  # the space above the medicine/contacts table and above the 999 box
    cell_padding: float = 5.75  # Word's default left and right cell margin
    flexible_height: float = 377.0

    @property
    def content_width(self) -> float:
        return self.page_width - 2 * self.margin_side

    @property
    def half_width(self) -> float:
        return self.content_width / 2

    @property
    def identity_text_width(self) -> float:
        photo = self.photo_width_mm * 72 / 25.4 + 2 * self.cell_padding
        return self.content_width - photo - 2 * self.cell_padding


SHEET = SheetLayout()

#: the least and most lines each flexible block of the sheet takes
_SHEET_BLOCKS: dict[str, tuple[int, int]] = {
    "steps": (8, 40),
    "signs": (2, 12),
    "call_999_when": (2, 8),
    "lower": (3, 10),  # where the emergency medicine is, and the family's phones, side by side
}
#: who gets spare lines first, and up to how many: where the medicine is and whom to call come
#: before long step lists, and the signs (what an emergency looks like) come last
_BLOCK_PRIORITY = (("lower", 6), ("steps", 40), ("call_999_when", 8), ("signs", 12), ("lower", 10))


@dataclass(frozen=True)
class _Field:
    """A short field of the sheet: at most `lines`, after `lead` points of template text."""

    lines: int
    lead: float = 0
    tail: float = 0


#: the 999 box's fields, with room for the template's words around them (11 pt script)
_SCRIPT_FIELDS = {
    "where": _Field(3, lead=120, tail=12),
    "what3words": _Field(1, lead=230),
    "script_name": _Field(1, lead=150, tail=40),
    "conditions_said": _Field(2, lead=70, tail=12),
    "tell": _Field(2, lead=70),
    "entrance": _Field(2, lead=100),
    "meets": _Field(2, tail=260),
}


def _allocate(needs: dict[str, int], capacity: int) -> dict[str, int]:
    """Lines per block: each its minimum, then the rest by priority, up to what it needs."""
    alloc = {name: max(min(needs[name], low), 1) for name, (low, _) in _SHEET_BLOCKS.items()}
    for name, most in _BLOCK_PRIORITY:
        top = min(needs[name], most)
        while alloc[name] < top and sum(alloc.values()) < capacity:
            alloc[name] += 1
    return alloc


@dataclass
class _Budget:
    """Fits lists of lines into a number of lines, marking what was left out."""

    more_text: str
    more_items: str

    def groups(
        self, groups: Iterable[WordedGroup], box: TextBox, max_lines: int, numbered: bool
    ) -> list[dict[str, Any]]:
        """Groups of lines (a title line each when titled), shortened to `max_lines`.

        What does not fit is cut at a line with "… (see the full IHP)", or counted in a last
        line "… and 3 more in the full IHP".
        """
        items = [(group.title, [line.text for line in group.lines]) for group in groups]
        total = sum(len(lines) for _, lines in items)
        fitted: list[dict[str, Any]] = []
        left, shown = max_lines, 0
        title_box = TextBox(box.width, box.size, bold=True)
        done = False
        for title, lines in items:
            if done or left < (2 if title else 1):
                break
            entry: dict[str, Any] = {
                "title": title_box.fit(title, 1, "…") if title else "",
                "lines": [],
            }
            left -= 1 if title else 0
            fitted.append(entry)
            for number, text in enumerate(lines, start=1):
                label = str(number) if numbered else ""
                after = total - shown - 1  # lines that would still follow this one
                need = box.lines(text)
                if need <= left - (1 if after else 0):
                    entry["lines"].append({"number": label, "text": text})
                    left -= need
                    shown += 1
                    continue
                with_note = f"{text} {self.more_items.format(count=after)}"
                if after and box.lines(with_note) <= left:
                    text = with_note
                elif left >= 1:
                    text = box.fit(text, left, self.more_text)
                else:
                    done = True
                    break
                entry["lines"].append({"number": label, "text": text})
                shown, left, done = total, 0, True
                break
        if shown < total and left >= 1 and fitted:
            fitted[-1]["lines"].append(
                {"number": "", "text": self.more_items.format(count=total - shown)}
            )
        return [entry for entry in fitted if entry["lines"]]

    def items(self, texts: list[str], box: TextBox, max_lines: int) -> list[str]:
        """Separate short entries (contacts, medicines), each fitted, at most `max_lines`."""
        fitted: list[str] = []
        left = max_lines
        for index, text in enumerate(texts):
            room = left if index == len(texts) - 1 else left - 1
            if box.lines(text) <= room:
                fitted.append(text)
                left -= box.lines(text)
                continue
            if room >= 1:
                fitted.append(box.fit(text, room, self.more_text))
                left -= room
            hidden = len(texts) - len(fitted)
            if hidden and left >= 1:
                fitted.append(self.more_items.format(count=hidden))
            break
        return fitted


def _group_lines(groups: Iterable[WordedGroup], box: TextBox) -> int:
    return sum(
        (1 if g.title else 0) + sum(box.lines(line.text) for line in g.lines) for g in groups
    )


# --- the context: everything templates print ---------------------------------------------------


def _display(value: Any, words: dict[str, str]) -> Any:
    """A field's value as printed: UK dates, Yes/No, enum wording, numbers without `.0`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return words["yes"] if value else words["no"]
    if isinstance(value, date):
        return uk_date(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, BaseModel):
        return _fields(value, words)
    if isinstance(value, list):
        return [_display(item, words) for item in value]
    return value


def _fields(part: BaseModel, words: dict[str, str]) -> dict[str, Any]:
    """Every field of a section or row, displayed; `recorded` says whether any was filled."""
    values = {name: _display(getattr(part, name), words) for name in type(part).model_fields}
    if isinstance(part, Section | Row):
        values["recorded"] = any(values.values())
    return values


def _add(section: dict[str, Any], derived: dict[str, Any], where: str) -> dict[str, Any]:
    """Derived values beside a section's fields: never hiding a field of the same name."""
    clash = set(section) & set(derived)
    if clash:
        raise AssertionError(f"derived values {sorted(clash)} would hide fields of {where}")
    section.update(derived)
    return section


def _phones(contact: Any) -> str:
    return " · ".join(f"{kind} {number}" for kind, number in contact.phones)


def _wording_context(wording: EmergencyWording) -> dict[str, Any]:
    def groups(items: tuple[WordedGroup, ...]) -> list[dict[str, Any]]:
        return [
            {
                "title": group.title,
                "lines": [
                    {
                        "number": str(n),
                        "text": line.text,
                        "source": line.source.name if line.source else "",
                    }
                    for n, line in enumerate(group.lines, start=1)
                ],
            }
            for group in items
        ]

    return {
        "signs": groups(wording.signs),
        "steps": groups(wording.steps),
        "call_999_when": groups(wording.call_999_when),
        "tell_ambulance": [line.text for line in wording.tell_ambulance],
        "flags": list(wording.flags),
        "without_defaults": [kind.value for kind in wording.without_defaults],
        "agreed": wording.agreed,
        "uses_defaults": wording.uses_defaults,
        "provenance": wording.provenance,
        "sources": [
            {"name": s.name, "title": s.title, "url": s.url, "citation": s.citation}
            for s in wording.sources
        ],
    }


def _sheet(plan: Plan, wording: EmergencyWording, words: dict[str, str]) -> dict[str, Any]:
    """The emergency sheet's text, each block shortened to its share of one A4 page."""
    layout = SHEET
    budget = _Budget(
        more_text=phrase("sheet", "more_text").format(**words),
        more_items=phrase("sheet", "more_items").replace("{plan_short}", words["plan_short"]),
    )
    lines_box = TextBox(layout.content_width - layout.step_indent, layout.body_size)
    half = TextBox(layout.half_width - 2 * layout.cell_padding, layout.body_size)
    identity = TextBox(layout.identity_text_width, layout.body_size)
    script = TextBox(
        layout.content_width - 2 * layout.cell_padding - layout.step_indent, layout.script_size
    )
    small = TextBox(layout.content_width, layout.small_size, bold=True)
    title = TextBox(layout.content_width - 2 * layout.cell_padding, layout.title_size, bold=True)
    name_box = TextBox(layout.identity_text_width, layout.name_size, bold=True)

    school, pupil = plan.school, plan.pupil
    # The name may be shortened, never the place it is kept.
    medicines = [
        f"{half.fit(f'{m.name}, {m.dose}', 1, '…', tail=12)}: {m.storage}"
        for m in plan.emergency_medicines
    ]
    contacts = [f"{c.name} ({c.relationship}): {_phones(c)}" for c in plan.contacts.family]
    conditions = "; ".join(condition.diagnosis for condition in plan.conditions.conditions)
    address = ", ".join(line.strip(" ,") for line in school.address.split("\n") if line.strip(" ,"))

    def fit(key: str, text: str) -> str:
        field = _SCRIPT_FIELDS[key]
        return (
            script.fit(text, field.lines, budget.more_text, field.lead, field.tail) if text else ""
        )

    values = {
        "where": fit("where", f"{school.name}, {address}, {school.postcode}"),
        "what3words": fit("what3words", school.what3words or ""),
        "script_name": fit("script_name", plan.pupil_name),
        "conditions_said": fit("conditions_said", conditions),
        "tell": fit("tell", " ".join(line.text for line in wording.tell_ambulance)),
        "entrance": fit("entrance", school.best_entrance),
        "meets": fit("meets", school.who_meets_crew),
    }
    script_extra = (
        sum(
            max(script.lines(values[key], field.lead, field.tail) - 1, 0)
            for key, field in _SCRIPT_FIELDS.items()
        )
        + (1 if school.satnav_postcode or school.what3words else 0)
        + (1 if values["tell"] else 0)
    )
    flags = [small.fit(flag, 3, budget.more_text) for flag in wording.flags[:2]]
    provenance = small.fit(wording.provenance, 2, budget.more_text)
    small_lines = sum(small.lines(flag) for flag in flags) + small.lines(provenance) - 1
    spare = (
        layout.flexible_height - script_extra * layout.script_line - small_lines * layout.small_line
    )
    capacity = math.floor(spare / layout.body_line)

    needs = {
        "steps": max(_group_lines(wording.steps, lines_box), 1),
        "signs": max(_group_lines(wording.signs, lines_box), 1),
        "call_999_when": max(_group_lines(wording.call_999_when, lines_box), 1),
        "lower": max(
            sum(half.lines(text) for text in medicines) or 1,
            sum(half.lines(text) for text in contacts) or 1,
        ),
    }
    alloc = _allocate(needs, capacity)
    year_class = " · ".join(part for part in (pupil.year_group, pupil.class_name) if part)
    return {
        **values,
        "kinds": title.fit(
            " · ".join(kind.value for kind in plan.condition_kinds),
            1,
            "…",
            lead=text_width("EMERGENCY SHEET · ", layout.title_size, True),
        ),
        "name": name_box.fit(plan.pupil_name, 1, "…"),
        "known_as": identity.fit(pupil.legal_name, 1, "…", lead=80) if pupil.preferred_name else "",
        "year_class": identity.fit(year_class, 1, "…"),
        "conditions": identity.fit(conditions, 2, budget.more_text, lead=70),
        "signs": budget.groups(wording.signs, lines_box, alloc["signs"], numbered=False),
        "steps": budget.groups(wording.steps, lines_box, alloc["steps"], numbered=True),
        "call_999_when": budget.groups(
            wording.call_999_when, lines_box, alloc["call_999_when"], numbered=False
        ),
        "medicines": budget.items(medicines, half, alloc["lower"]),
        "contacts": budget.items(contacts, half, alloc["lower"]),
        "flags": flags,
        "provenance": provenance,
        "phone": school.phone_for_999 or school.main_phone,
    }


def _parents(plan: Plan) -> list[str]:
    """Who the letter is addressed to: contacts with parental responsibility, else the first."""
    family = plan.contacts.family
    parents = [c.name for c in family if c.parental_responsibility]
    return parents or [family[0].name]


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def plan_context(plan: Plan) -> dict[str, Any]:
    """Everything the templates print, derived from the plan: plain strings, lists and dicts.

    Each plan section appears under its own name with every field (dates as `3 April 2026`,
    yes/no as `Yes`/`No`, empty as `""`, and `recorded` saying whether anything was filled);
    derived values sit beside them. `terms` holds the nation's words, `action` the emergency
    wording, `sheet` the emergency sheet's shortened text, `letter` the parent letter's.
    """
    words = terms(plan.school.nation)
    wording = emergency_wording(plan)
    context: dict[str, Any] = {"terms": words}
    for name in type(plan).model_fields:
        if name == "form_version":
            continue
        context[name] = _fields(getattr(plan, name), words)

    pupil, agreement = plan.pupil, plan.agreement
    header_box = TextBox(SHEET.content_width / 2, SHEET.small_size)
    _add(
        context["pupil"],
        {
            "name": plan.pupil_name,
            "short_name": header_box.fit(plan.pupil_name, 1, "…"),
            "age": str(plan.age_on(agreement.plan_date)),
            "photo_used": bool(pupil.photo and pupil.photo_consent),
        },
        "pupil",
    )
    _add(
        context["school"],
        {
            "address_lines": [line for line in plan.school.address.split("\n") if line.strip()],
            "phone_999": plan.school.phone_for_999 or plan.school.main_phone,
        },
        "school",
    )
    for contact, shown in zip(plan.contacts.family, context["contacts"]["family"], strict=True):
        lines = "\n".join(f"{kind} {number}" for kind, number in contact.phones)
        _add(shown, {"phones": _phones(contact), "phone_lines": lines}, "a family contact")
    _add(
        context["contacts"],
        {"parents": _parents(plan), "parents_joined": _joined(_parents(plan))},
        "contacts",
    )
    _add(
        context["conditions"],
        {
            "details_recorded": any(
                context["conditions"][name]
                for name in type(plan.conditions).model_fields
                if name != "conditions"
            ),
            "summary": "; ".join(c.diagnosis for c in plan.conditions.conditions),
            "kinds": [kind.value for kind in plan.condition_kinds],
        },
        "conditions",
    )
    _add(
        context["medicines"],
        {
            "emergency": [_display(m, words) for m in plan.emergency_medicines],
            "any_consent": any(
                v is not None
                for v in (
                    plan.medicines.consent_staff_give,
                    plan.medicines.consent_emergency_inhaler,
                    plan.medicines.consent_spare_auto_injector,
                )
            ),
        },
        "medicines",
    )
    keep_until = pupil.date_of_birth.replace(
        year=pupil.date_of_birth.year + plan.school.retention_years,
        day=min(pupil.date_of_birth.day, 28),
    )
    _add(
        context["agreement"],
        {
            "is_agreed": agreement.is_agreed,
            "keep_until": uk_date(keep_until),
            "reply_by": uk_date(
                date.fromordinal(agreement.plan_date.toordinal() + plan.school.reply_days)
            ),
            "signatures": _signatures(plan, words),
        },
        "agreement",
    )
    context["action"] = _wording_context(wording)
    context["sheet"] = _sheet(plan, wording, words)
    context["letter"] = {
        "to": _joined(_parents(plan)),
        "date": uk_date(agreement.plan_date),
        "reply_by": context["agreement"]["reply_by"],
        "emergency_medicines": [m.name for m in plan.emergency_medicines],
        "trained_staff": len({t.staff_name for t in plan.training.training}),
    }
    context["photo"] = ""
    return context


def _signatures(plan: Plan, words: dict[str, str]) -> list[dict[str, str]]:
    """Who signs the plan: parents, the pupil where appropriate, the school, health."""
    rows = [
        {"role": "Parent or carer", "name": contact.name}
        for contact in plan.contacts.family
        if contact.parental_responsibility
    ] or [{"role": "Parent or carer", "name": plan.contacts.family[0].name}]
    if plan.agreement.pupil_signs:
        rows.append({"role": words["Pupil"], "name": plan.pupil_name})
    rows.append({"role": "Headteacher", "name": plan.school.headteacher})
    rows.append({"role": "Healthcare professional", "name": plan.agreement.agreed_by or ""})
    return rows


# --- rendering ---------------------------------------------------------------------------------


class _Document(DocxTemplate):
    """A docxtpl document rendered from parts compiled once, instead of compiling per render."""

    def __init__(self, compiled: CompiledTemplate) -> None:
        super().__init__(io.BytesIO(compiled.source))
        self.compiled = compiled

    def _render_part(self, part: Any, context: dict[str, Any]) -> str:
        template = self.compiled.parts.get(str(part.partname))
        if template is None:  # a header added to the template after compiling: not possible
            raise TemplateError(f"{self.compiled.path}: part {part.partname} was not compiled")
        self.current_rendering_part = part
        xml = template.render(context)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
        xml = self.resolve_listing(xml)
        try:  # catch a broken template here, not as a repair prompt in Word
            etree.fromstring(xml.encode("utf-8"))
        except etree.XMLSyntaxError as error:
            raise TemplateError(
                f"the template {self.compiled.path.name} produced a document Word cannot open "
                f"({error.msg})",
                "a tag may have been split across table cells or paragraphs; check the "
                "template with `ihp templates check`",
            ) from None
        return xml

    def build_xml(self, context: dict[str, Any], jinja_env: Any = None) -> str:
        return self._render_part(self.docx.part, context)

    def build_headers_footers_xml(
        self, context: dict[str, Any], uri: str, jinja_env: Any = None
    ) -> Any:
        for key, part in self.get_headers_footers(uri):
            yield key, self._render_part(part, context).encode("utf-8")

    def render_properties(self, context: dict[str, Any], jinja_env: Any = None) -> None:
        properties = self.docx.core_properties
        for name, template in self.compiled.properties.items():
            value = template.render(context)
            # Word's document properties hold at most 255 characters.
            setattr(properties, name, value if len(value) <= 255 else value[:254] + "…")
        properties.language = "en-GB"
        now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
        properties.created = properties.modified = now
        properties.revision = 1

    def fix_tables(self, xml: str) -> Any:
        """docxtpl's column fixes, then drop tables whose every row was hidden: Word will not
        open a table with no rows without a repair prompt."""
        tree = super().fix_tables(xml)
        for table in list(tree.iter(qn("w:tbl"))):
            if table.find(qn("w:tr")) is None:
                table.getparent().remove(table)
        return tree

    def render_footnotes(self, context: dict[str, Any], jinja_env: Any = None) -> None:
        """Footnotes are not used by the templates and not rendered (they stay as typed)."""


def _photo(document: _Document, photo: Path) -> InlineImage:
    """The pupil's photo at the sheet's fixed size: upright (EXIF), cropped, metadata dropped."""
    hint = (
        "save the photo as a .jpg or .png in the workbook's folder, or leave the photo cell empty"
    )
    try:
        with Image.open(photo) as opened:
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except FileNotFoundError:
        raise InvalidInputError(
            f"the photo {photo.name} is not in the workbook's folder", hint
        ) from None
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise InvalidInputError(
            f"the photo {photo.name} cannot be read as a picture", hint
        ) from None
    width_mm, height_mm = SHEET.photo_width_mm, SHEET.photo_height_mm
    pixels = (round(width_mm * 12), round(height_mm * 12))  # ~300 dpi
    image = ImageOps.fit(image, pixels, Image.Resampling.LANCZOS)
    stream = io.BytesIO()
    image.save(stream, format="JPEG", quality=88)  # re-encoding drops EXIF (and any location)
    stream.seek(0)
    return InlineImage(document, stream, width=Mm(width_mm), height=Mm(height_mm))


def render_document(
    compiled: CompiledTemplate,
    context: dict[str, Any],
    dest: Path,
    photo: Path | None = None,
) -> Path:
    """Render one template with `context` into `dest` (a .docx)."""
    document = _Document(compiled)
    document.render_init()
    values = dict(context)
    if photo is not None:
        values["photo"] = _photo(document, photo)
    try:
        document.render(values, environment())
    except TemplateError:
        raise
    except jinja2.UndefinedError as error:
        raise TemplateError(
            f"the template {compiled.path.name} uses a value the plan does not have: "
            f"{error.message}",
            "run `ihp templates check` on the templates folder to list every unknown tag",
        ) from None
    except jinja2.exceptions.SecurityError:
        raise TemplateError(
            f"the template {compiled.path.name} tries to reach inside Python, which is not allowed",
            "use only the tags listed by `ihp templates check`",
        ) from None
    except jinja2.TemplateError as error:
        raise TemplateError(f"the template {compiled.path.name} failed: {error}") from None
    try:
        document.save(dest)
    except OSError as error:
        raise OutputError(
            f"{dest} could not be written ({error.strerror})", "check the folder"
        ) from None
    return dest


def render(
    plan: Plan,
    templates: Templates,
    folder: Path,
    slug: str,
    *,
    photo: Path | None = None,
) -> dict[DocumentKind, Path]:
    """Write `<slug>-IHP.docx` and the pupil's other documents into `folder`.

    `photo` is the photo's path (relative paths are resolved by the caller against the
    workbook's folder); it is printed only when the parent consented. The training record is
    made only when training is recorded.
    """
    context = plan_context(plan)
    use_photo = photo if (photo is not None and plan.pupil.photo_consent) else None
    written: dict[DocumentKind, Path] = {}
    for kind in DocumentKind:
        if not kind.wanted(plan):
            continue
        dest = folder / f"{slug}{kind.suffix}"
        written[kind] = render_document(
            templates[kind],
            context,
            dest,
            photo=use_photo if kind is DocumentKind.EMERGENCY else None,
        )
    return written
