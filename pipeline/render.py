"""Render a plan into its Word documents: the IHP, the emergency sheet, the parent letter and
the staff training record.

Templates are docxtpl `.docx` files. Each is read and its Jinja compiled once per run
(`load_templates`), then rendered for every pupil in one sandboxed, strict, autoescaping Jinja
environment: cell text is data and never template code, `&`, `<` and quotes print literally,
a missing tag is an error rather than a blank, and a custom template cannot reach Python
internals. `plan_context` turns a plan into the plain values templates print (UK dates, Yes/No,
the emergency wording decided by the condition library, and the emergency sheet's text with the
type size at which it fits one A4 page, from `pipeline.emergency_sheet`).

Each template's package is also saved once by python-docx and kept: a document is that zip
plus only the parts its pupil changes (the body, headers, footers, core properties, the
emergency sheet's sized styles and a photo), fixed with docxtpl's own clean-ups, so it is the
document docxtpl and python-docx would have written without opening and saving the whole
package for every document (which took most of the time).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from docx import Document
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.coreprops import CoreProperties
from docx.opc.oxml import serialize_part_xml
from docx.opc.packuri import PackURI
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.oxml.shape import CT_Inline
from docx.parts.image import ImagePart
from docx.shared import Length, Mm
from docxtpl import DocxTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree
from PIL import Image, ImageOps, UnidentifiedImageError
from pydantic import BaseModel

from pipeline import resources
from pipeline.conditions import EmergencyWording, WordedGroup, emergency_wording
from pipeline.documents import DocumentKind, template_paths
from pipeline.emergency_sheet import SHEET, TextBox, set_type_size, sheet_context
from pipeline.errors import InvalidInputError, OutputError, TemplateError
from pipeline.idp import HEALTH_AREAS, SOCIAL_CARE_AREAS, weeks_waiting
from pipeline.model import AdviceStatus, IdpArea, IdpNeed, Plan, Row, Section
from pipeline.wording import CHOICE, terms, uk_date

# --- the one Jinja environment --------------------------------------------------------------


#: tags that would read another file (`{% include '/etc/passwd' %}`): refused in templates
_FILE_TAGS = {
    jinja2.nodes.Include: "include",
    jinja2.nodes.Import: "import",
    jinja2.nodes.FromImport: "from ... import",
    jinja2.nodes.Extends: "extends",
}


def _file_tag(tree: jinja2.nodes.Template) -> str | None:
    """The first tag in a parsed template that would read another file, if any."""
    for node in tree.find_all(tuple(_FILE_TAGS)):
        return _FILE_TAGS[type(node)]
    return None


def _compiled(env: jinja2.Environment, tree: jinja2.nodes.Template) -> jinja2.Template:
    """`env.from_string` for a template already parsed (to look for file tags): parsed once."""
    return env.template_class.from_code(env, env.compile(tree), env.make_globals(None), None)


@cache
def environment() -> jinja2.Environment:
    """Strict, autoescaping and sandboxed: built once, shared by every template and document.

    The sandbox refuses `__class__`, `__globals__` and every other way into Python; there is no
    loader, and templates that include, import or extend another file are refused when they
    are read (`compile_template`). Cell values are only ever context, never template source.
    """
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
class _Part:
    """A part templates print into (the body, a header, a footer): its zip member and
    relationships, and what a photo printed in it is given (the next free relationship id and
    shape number, as python-docx gives docxtpl's InlineImage)."""

    member: str
    rels_member: str
    rels: bytes | None
    photo_rid: str
    shape_id: int


@dataclass(frozen=True)
class _Package:
    """A template's package as python-docx saves it, kept so that a document writes only what
    its pupil changes: opening and saving the whole package with python-docx for every
    document took most of the time of rendering it."""

    #: a zip of every member no document changes, compressed once
    kept: bytes
    #: part name -> where it is and what a photo in it is given
    parts: dict[str, _Part]
    #: the body's part name (`/word/document.xml`), and that part with its body empty
    main: str
    document: bytes
    content_types: bytes
    core_member: str
    core: bytes
    #: where a photo goes (`word/media/image1.jpg`)
    photo_member: str
    #: the styles, which the emergency sheet sizes for each pupil ("" when there are none)
    styles_member: str
    #: the emergency sheet's `kept` with its styles at each body size used so far
    sized: dict[float, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class CompiledTemplate:
    """One template, read once: its bytes, each part's compiled Jinja and its package."""

    kind: DocumentKind
    path: Path
    source: bytes
    #: part name (`/word/document.xml`, headers, footers) -> compiled template
    parts: dict[str, jinja2.Template]
    properties: dict[str, jinja2.Template]
    package: _Package = field(repr=False)
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
        package = _kept_package(kind, template.get_docx(), patched)
    except Exception:  # python-docx raises many kinds of error for a damaged file
        raise TemplateError(
            f"the template {path} is not a Word document (.docx) or is damaged", hint
        ) from None
    env = environment()
    try:
        trees = {
            # docxtpl's own layout: one paragraph per line, so Jinja's line numbers help.
            **{
                name: env.parse(re.sub(r"<w:p([ >])", r"\n<w:p\1", xml))
                for name, xml in patched.items()
            },
            **{
                name: env.parse("{% autoescape false %}" + text + "{% endautoescape %}")
                for name, text in raw_properties.items()
            },
        }
        for tree in trees.values():
            file_tag = _file_tag(tree)
            if file_tag:
                raise TemplateError(
                    f"the template {path} uses {{% {file_tag} %}}, which would read another "
                    "file; templates may only show the plan's values",
                    "remove that tag; " + hint,
                )
        compiled = {name: _compiled(env, trees[name]) for name in patched}
        compiled_properties = {name: _compiled(env, trees[name]) for name in raw_properties}
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(
            f"the template {path} has a tag Word cannot use: {error.message}",
            "check the {{ }} and {% %} tags near that text; " + hint,
        ) from None
    return CompiledTemplate(
        kind, path, source, compiled, compiled_properties, package, patched, raw_properties
    )


def _kept_package(kind: DocumentKind, document: DocxDocument, parts: Iterable[str]) -> _Package:
    """Save the template once with python-docx and keep what rendering needs of it.

    The kept members are what python-docx wrote for the template, so a document differs from
    one python-docx would have saved only in the parts rendering changes.
    """
    saved = io.BytesIO()
    document.save(saved)  # after reading the core properties: made here when there are none
    with zipfile.ZipFile(saved) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    package = document.part.package
    by_name = {str(part.partname): part for part in package.iter_parts()}
    rendered: dict[str, _Part] = {}
    for name in parts:
        part = by_name[name]
        rids = set(part.rels)
        rid = next(f"rId{n}" for n in range(1, len(rids) + 2) if f"rId{n}" not in rids)
        rels_member = part.partname.rels_uri.membername
        rendered[name] = _Part(
            part.partname.membername, rels_member, members.get(rels_member), rid, part.next_id
        )
    images = [part.partname.idx for part in package.iter_parts() if isinstance(part, ImagePart)]
    number = next(n for n in range(1, len(images) + 2) if n not in images)
    core_member = package.part_related_by(RT.CORE_PROPERTIES).partname.membername
    styles = [rel.target_part for rel in document.part.rels.values() if rel.reltype == RT.STYLES]
    styles_member = styles[0].partname.membername if styles else ""

    main = str(document.part.partname)
    root = etree.fromstring(members[rendered[main].member])
    body = root.find(qn("w:body"))
    if body is None:
        raise ValueError("no body")
    body.clear()  # each document puts its own in its place

    changing = {_CONTENT_TYPES, core_member}
    changing |= {part.member for part in rendered.values()}
    changing |= {part.rels_member for part in rendered.values()}
    if kind is DocumentKind.EMERGENCY:
        changing.add(styles_member)
    kept = io.BytesIO()
    with zipfile.ZipFile(kept, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, content in members.items():
            if member not in changing:
                archive.writestr(member, content)
    return _Package(
        kept=kept.getvalue(),
        parts=rendered,
        main=main,
        document=serialize_part_xml(root),
        content_types=members[_CONTENT_TYPES],
        core_member=core_member,
        core=members[core_member],
        photo_member=f"word/media/image{number}.jpg",
        styles_member=styles_member,
    )


def load_templates(folder: Path | None = None) -> Templates:
    """Read and compile every template once: the defaults, or a school's folder (--templates).

    Raises `TemplateError` naming the file when a template is missing, damaged or has a tag
    Jinja cannot parse.
    """
    paths = template_paths(folder)
    compiled = {kind: compile_template(kind, path) for kind, path in paths.items()}
    base = resources.templates_dir() if folder is None else folder
    return Templates(folder=base, custom=folder is not None, compiled=compiled)


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
        return words.get(CHOICE + value.value, value.value)
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


def _parents(plan: Plan) -> list[str]:
    """Who the letter is addressed to: contacts with parental responsibility, else the first."""
    family = plan.contacts.family
    parents = [c.name for c in family if c.parental_responsibility]
    return parents or [family[0].name]


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def plan_context(plan: Plan, *, today: date | None = None) -> dict[str, Any]:
    """Everything the templates print, derived from the plan: plain strings, lists and dicts.

    Each plan section appears under its own name with every field (dates as `3 April 2026`,
    yes/no as `Yes`/`No`, empty as `""`, and `recorded` saying whether anything was filled);
    derived values sit beside them. `terms` holds the nation's words, `action` the emergency
    wording, `sheet` the emergency sheet's shortened text, `letter` the parent letter's.
    `today` dates the IDP section's list of pending advice (how many weeks each has waited).
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
            "emergency": [_display(m, words) for m in wording.medicines],
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
    context["sheet"] = sheet_context(plan, wording, words, context["pupil"]["photo_used"])
    context["letter"] = {
        "to": _joined(_parents(plan)),
        "date": uk_date(agreement.plan_date),
        "reply_by": context["agreement"]["reply_by"],
        "emergency_medicines": [m.name for m in wording.medicines],
        "trained_staff": len({t.staff_name for t in plan.training.training}),
    }
    _add(context["idp"], _idp_context(plan, words, today or date.today()), "idp")
    context["photo"] = ""
    return context


def _idp_context(plan: Plan, words: dict[str, str], today: date) -> dict[str, Any]:
    """The IDP section by area, every area of the ALN Code listed (empty ones too), and the
    health advice still pending with how long it has waited."""

    def shown(need: IdpNeed) -> dict[str, Any]:
        weeks = weeks_waiting(need, today)
        return _add(
            _fields(need, words),
            {
                "pending": need.status is AdviceStatus.PENDING,
                "weeks": "" if weeks is None else str(weeks),
            },
            "an IDP need",
        )

    def areas(chosen: tuple[IdpArea, ...]) -> list[dict[str, Any]]:
        return [
            {
                # `key` lets a school's own (e.g. Welsh-language) template name each area
                "key": area.name.lower(),
                "area": area.value.removeprefix("Social care: ").capitalize(),
                "needs": [shown(need) for need in plan.idp.needs if need.area is area],
            }
            for area in chosen
        ]

    pending = [shown(need) for need in plan.idp.needs if need.status is AdviceStatus.PENDING]
    return {
        "own_document": DocumentKind.IDP.wanted(plan),
        "health": areas(HEALTH_AREAS),
        "social_care": areas(SOCIAL_CARE_AREAS),
        "pending": pending,
        "pending_count": str(len(pending)),
        "needs_count": str(len(plan.idp.needs)),
        "as_at": uk_date(today),
    }


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

_CONTENT_TYPES = "[Content_Types].xml"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
#: text in a rendered paragraph that docxtpl turns into Word's line breaks, tabs and pages
_LISTING = re.compile(r"[\t\a\n\f]")
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)


class _Fixes(DocxTemplate):
    """docxtpl's clean-ups of rendered XML (line breaks, tabs, table grids), used without its
    python-docx document: the package is kept by `_Package` instead."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO())

    def listing(self, xml: str) -> str:
        """docxtpl's `resolve_listing`, only on the paragraphs that need it: on the others it
        changes nothing, and it was a tenth of the time of rendering."""
        if not _LISTING.search(xml):
            return xml

        def paragraph(match: re.Match[str]) -> str:
            text = match.group(0)
            return self.resolve_listing(text) if _LISTING.search(text) else text

        return _PARAGRAPH.sub(paragraph, xml)

    def fix_tables(self, xml: str) -> Any:
        """docxtpl's column fixes, then drop tables whose every row was hidden: Word will not
        open a table with no rows without a repair prompt."""
        tree = super().fix_tables(xml)
        for table in list(tree.iter(qn("w:tbl"))):
            if table.find(qn("w:tr")) is None:
                table.getparent().remove(table)
        return tree


@dataclass
class _Photo:
    """The pupil's photo where a template prints `{{ photo }}` in one part: the XML docxtpl's
    InlineImage makes there (python-docx's inline picture), related to the one image."""

    part: _Part
    width: Length
    height: Length
    printed: bool = False

    def __html__(self) -> str:
        self.printed = True
        inline = CT_Inline.new_pic_inline(
            self.part.shape_id, self.part.photo_rid, "image.jpg", self.width, self.height
        )
        return (
            f"</w:t></w:r><w:r><w:drawing>{inline.xml}</w:drawing></w:r><w:r>"
            '<w:t xml:space="preserve">'
        )

    __str__ = __html__


def _photo(photo: Path) -> bytes:
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
    return stream.getvalue()


def _parsed(compiled: CompiledTemplate, xml: str, parser: etree.XMLParser | None = None) -> Any:
    """A rendered part's XML, parsed: a broken template is caught here, not as a repair prompt
    in Word."""
    try:
        return etree.fromstring(xml.encode("utf-8"), parser)
    except etree.XMLSyntaxError as error:
        raise TemplateError(
            f"the template {compiled.path.name} produced a document Word cannot open ({error.msg})",
            "a tag may have been split across table cells or paragraphs; check the "
            "template with `ihp templates check`",
        ) from None


def _body(compiled: CompiledTemplate, fixes: _Fixes, xml: str) -> bytes:
    """`document.xml` with its rendered body, fixed as docxtpl fixes it: table grids, empty
    tables dropped, pictures numbered from 1001."""
    _parsed(compiled, xml)  # docxtpl's fixes parse it again, leniently
    tree = fixes.fix_tables(xml)
    for number, picture in enumerate(tree.iter(qn("wp:docPr")), start=1001):
        picture.set("id", str(number))
    # Put in place as python-docx puts it, so that its namespaces are declared once.
    document = etree.fromstring(compiled.package.document)
    document.replace(document.find(qn("w:body")), tree)
    return serialize_part_xml(document)


def _story(compiled: CompiledTemplate, xml: str) -> bytes:
    """A rendered header or footer, as python-docx would save it."""
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
    return serialize_part_xml(_parsed(compiled, xml, parser))


def _core(compiled: CompiledTemplate, context: dict[str, Any]) -> bytes:
    """The core properties: the template's, rendered, dated now."""
    element = parse_xml(compiled.package.core)
    properties = CoreProperties(element)
    for name, template in compiled.properties.items():
        value = template.render(context)
        # Word's document properties hold at most 255 characters.
        setattr(properties, name, value if len(value) <= 255 else value[:254] + "…")
    properties.language = "en-GB"
    now = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    properties.created = properties.modified = now
    properties.revision = 1
    return serialize_part_xml(element)


def _with_image(rels: bytes | None, rid: str, target: str) -> bytes:
    """A part's relationships with the photo's added."""
    if rels is None:
        root = etree.Element(f"{{{_RELATIONSHIPS}}}Relationships", nsmap={None: _RELATIONSHIPS})
    else:
        root = etree.fromstring(rels)
    etree.SubElement(
        root, f"{{{_RELATIONSHIPS}}}Relationship", Id=rid, Type=RT.IMAGE, Target=target
    )
    return serialize_part_xml(root)


def _with_jpeg(content_types: bytes) -> bytes:
    """The content types with `.jpg` known, among the defaults in order, as python-docx adds it."""
    root = etree.fromstring(content_types)
    defaults = root.findall(f"{{{_TYPES}}}Default")
    if any(item.get("Extension", "").lower() == "jpg" for item in defaults):
        return content_types
    jpeg = etree.Element(f"{{{_TYPES}}}Default", Extension="jpg", ContentType="image/jpeg")
    later = [item for item in defaults if item.get("Extension", "") > "jpg"]
    if later:
        later[0].addprevious(jpeg)
    elif defaults:
        defaults[-1].addnext(jpeg)
    else:
        root.insert(0, jpeg)
    return serialize_part_xml(root)


def _kept_zip(compiled: CompiledTemplate, context: dict[str, Any]) -> bytes:
    """The zip of what no document changes; the emergency sheet's with its styles at the body
    size chosen for this pupil, made once for each size (python-docx sets them, ~30 ms)."""
    package = compiled.package
    if compiled.kind is not DocumentKind.EMERGENCY or not package.styles_member:
        return package.kept
    size = float(context["sheet"]["type_size"])
    if size not in package.sized:
        document = Document(io.BytesIO(compiled.source))
        set_type_size(document, size)
        buffer = io.BytesIO(package.kept)
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(package.styles_member, serialize_part_xml(document.styles.element))
        package.sized[size] = buffer.getvalue()
    return package.sized[size]


def _document_zip(compiled: CompiledTemplate, context: dict[str, Any], photo: Path | None) -> bytes:
    """The document's zip: what is kept, then the parts rendered for this pupil."""
    package = compiled.package
    values = dict(context)
    jpeg = _photo(photo) if photo is not None else None
    size = Mm(SHEET.photo_width_mm), Mm(SHEET.photo_height_mm)
    photos: dict[str, _Photo] = {}
    fixes = _Fixes()
    members: dict[str, bytes] = {}
    for name, template in compiled.parts.items():
        part = package.parts[name]
        if jpeg is not None:  # one for each part, which relates the photo where it is printed
            values["photo"] = photos[name] = _Photo(part, *size)
        xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", template.render(values))
        xml = fixes.listing(xml)
        if name == package.main:
            members[part.member] = _body(compiled, fixes, xml)
        else:
            members[part.member] = _story(compiled, xml)
    members[package.core_member] = _core(compiled, values)
    content_types = package.content_types
    for name, part in package.parts.items():
        related = photos.get(name)
        if jpeg is not None and related is not None and related.printed:
            base = PackURI("/" + part.member).baseURI
            target = PackURI("/" + package.photo_member).relative_ref(base)
            members[part.rels_member] = _with_image(part.rels, part.photo_rid, target)
            members[package.photo_member] = jpeg
            content_types = _with_jpeg(package.content_types)
        elif part.rels is not None:
            members[part.rels_member] = part.rels
    buffer = io.BytesIO(_kept_zip(compiled, context))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_CONTENT_TYPES, content_types)
        for member, content in members.items():
            archive.writestr(member, content)
    return buffer.getvalue()


def render_document(
    compiled: CompiledTemplate,
    context: dict[str, Any],
    dest: Path,
    photo: Path | None = None,
) -> Path:
    """Render one template with `context` into `dest` (a .docx)."""
    try:
        content = _document_zip(compiled, context, photo)
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
    # Zipped in memory, then written in one go: a zip written straight to a full disk fails
    # once more, noisily, when Python collects it.
    try:
        dest.write_bytes(content)
    except OSError as error:
        raise OutputError(
            f"{dest} could not be written ({error.strerror})",
            "check there is free disk space and that you may write to the output folder, "
            "or choose another one with -o",
        ) from None
    return dest


def render(
    plan: Plan,
    templates: Templates,
    folder: Path,
    slug: str,
    *,
    photo: Path | None = None,
    today: date | None = None,
) -> dict[DocumentKind, Path]:
    """Write `<slug>-IHP.docx` and the pupil's other documents into `folder`.

    `photo` is the photo's path (relative paths are resolved by the caller against the
    workbook's folder); it is printed only when the parent consented. The training record is
    made only when training is recorded; the IDP health and social care section only for a
    Welsh school's learner with IDP needs recorded. `today` dates the pending health advice.
    """
    context = plan_context(plan, today=today)
    # Only a photo the plan names and the parent consented to: the sheet is laid out for it.
    use_photo = photo if context["pupil"]["photo_used"] else None
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
