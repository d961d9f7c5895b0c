"""A school's own Word templates: copy the defaults out, and check a folder before a batch.

`check_templates` lists every tag a template uses that the plan does not provide
(`{{ pupil.nmae }}`), every tag reaching into Python (`__class__`), anything that stops a template
rendering, and every
plan field a template forgets to show. Tags are checked against `plan_context` of a *specimen*
plan generated from the model with every field filled, so the check follows the model.
"""

from __future__ import annotations

import difflib
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, get_args

import jinja2
from jinja2 import nodes
from pydantic import BaseModel, TypeAdapter, ValidationError

from pipeline import resources
from pipeline.errors import IhpError, TemplateError, UsageError
from pipeline.model import ConditionKind, Plan, Row
from pipeline.render import (
    CompiledTemplate,
    DocumentKind,
    compile_template,
    environment,
    plan_context,
    render_document,
)


@dataclass(frozen=True)
class TemplateProblem:
    """One thing wrong with one template, said so that a SENCo or IT technician can fix it."""

    template: str
    tag: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.template}: {self.tag}: " if self.tag else f"{self.template}: "
        return where + self.message + (f" ({self.hint})" if self.hint else "")


# --- export ------------------------------------------------------------------------------------


def export_templates(dest: Path) -> list[Path]:
    """Copy the default templates into `dest` for a school to edit; never overwrites a file."""
    source = resources.templates_dir()
    targets = [(source / kind.template, dest / kind.template) for kind in DocumentKind]
    existing = [target.name for _, target in targets if target.exists()]
    if existing:
        raise UsageError(
            f"{dest} already has {', '.join(existing)}; nothing was copied",
            "choose an empty folder, or move the old templates away first",
        )
    dest.mkdir(parents=True, exist_ok=True)
    for template, target in targets:
        shutil.copyfile(template, target)
    return [target for _, target in targets]


# --- a specimen plan: every field filled, generated from the model ------------------------------

_SPECIMEN_DATE = date(2026, 4, 1)
_CANDIDATES: tuple[Any, ...] = (
    _SPECIMEN_DATE,
    "0113 496 0123",
    "943 476 5919",
    "LS1 4AP",
    "office@example.org",
    5,
    True,
)
_DATES = {
    ("pupil", "date_of_birth"): date(2015, 4, 3),
    ("agreement", "review_date"): date(2027, 3, 31),
}


def _row_model(annotation: Any) -> type[BaseModel] | None:
    for arg in get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, Row):
            return arg
    return None


def _enum(annotation: Any) -> type[Enum] | None:
    for arg in (annotation, *get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, Enum):
            return arg
    return None


def _specimen_fields(model_class: type[BaseModel], section: str) -> dict[str, Any]:
    """A value for every field that its own validation accepts: the label for text, else a
    date, phone number, NHS number, postcode, email, number or Yes."""
    values: dict[str, Any] = {}
    for name, info in model_class.model_fields.items():
        if (section, name) in _DATES:
            values[name] = _DATES[(section, name)]
            continue
        row = _row_model(info.annotation)
        if row is not None:
            values[name] = [_specimen_fields(row, section)]
            continue
        kind = _enum(info.annotation)
        if kind is not None:
            values[name] = next(iter(kind)).value
            continue
        annotation = (
            Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        )
        adapter: TypeAdapter[Any] = TypeAdapter(annotation)  # type: ignore[arg-type]
        for candidate in (f"{info.title or name} ({section}.{name})", *_CANDIDATES):
            try:
                adapter.validate_python(candidate)
            except (ValidationError, ValueError, TypeError):
                continue
            values[name] = candidate
            break
    return values


def specimen_plan() -> Plan:
    """A plan with every field filled, every list one row long, and every kind of condition."""
    fields: dict[str, Any] = {}
    for name, info in Plan.model_fields.items():
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            fields[name] = _specimen_fields(info.annotation, name)
    conditions = fields["conditions"]["conditions"][0]
    fields["conditions"]["conditions"] = [
        {**conditions, "kind": kind.value, "diagnosis": kind.value} for kind in ConditionKind
    ]
    fields["medicines"]["medicines"][0]["use"] = "Emergency"
    return Plan.model_validate(fields)


# --- what a template uses -----------------------------------------------------------------------

_LIST = "[]"


@dataclass(frozen=True)
class _Use:
    path: tuple[str, ...]
    internal: bool = False
    #: printed by `{{ }}`, not only tested by `{% if %}` or looped over
    printed: bool = False


class _Uses:
    """The attribute chains a template reads, with loop variables resolved to their source."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env
        self.found: list[_Use] = []

    def chain(
        self, node: nodes.Node, scope: dict[str, tuple[str, ...] | None]
    ) -> tuple[str, ...] | None:
        """The path an expression names (`pupil.name`), or None if it is not a plain chain."""
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            return (node.name,)
        if isinstance(node, nodes.Getattr):
            base = self.chain(node.node, scope)
            return None if base is None else (*base, node.attr)
        if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            base = self.chain(node.node, scope)
            if base is None:
                return None
            key = node.arg.value
            return (*base, _LIST) if isinstance(key, int) else (*base, str(key))
        return None

    def visit(
        self, node: nodes.Node, scope: dict[str, tuple[str, ...] | None], printed: bool = False
    ) -> None:
        child: nodes.Node
        if isinstance(node, nodes.Output):
            for item in node.nodes:
                self.visit(item, scope, printed=not isinstance(item, nodes.TemplateData))
            return
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            attr = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", "")
            if isinstance(attr, str) and attr.startswith("_"):
                self.found.append(_Use(("…", attr), internal=True))
            path = self.chain(node, scope)
            if path is not None:
                self.found.append(_Use(path, printed=printed))
                return
        if isinstance(node, nodes.Name) and node.ctx == "load":
            path = self.chain(node, scope)
            if path is not None and not (path == (node.name,) and node.name in self.env.globals):
                self.found.append(_Use(path, printed=printed))
            return
        if isinstance(node, nodes.If):
            self.visit(node.test, scope)
            for child in [*node.body, *node.elif_, *node.else_]:
                self.visit(child, scope)
            return
        if isinstance(node, nodes.For):
            self.visit(node.iter, scope)
            source = self.chain(node.iter, scope)
            inner = dict(scope)
            if isinstance(node.target, nodes.Name):
                inner[node.target.name] = (*source, _LIST) if source else None
            else:  # `for key, value in ...`: not a plain chain, not checked
                for target in node.target.find_all(nodes.Name):
                    inner[target.name] = None
            inner["loop"] = None
            for child in [*node.body, *([node.test] if node.test else [])]:
                self.visit(child, inner)
            for child in node.else_:
                self.visit(child, scope)
            return
        if isinstance(node, nodes.Assign) and isinstance(node.target, nodes.Name):
            self.visit(node.node, scope)
            scope[node.target.name] = self.chain(node.node, scope)
            return
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope)
            for arg in getattr(node, "args", []):
                inner[arg.name] = None
            for child in node.body:
                self.visit(child, inner)
            return
        for child in node.iter_child_nodes():
            self.visit(child, scope, printed)


def template_uses(compiled: CompiledTemplate) -> list[_Use]:
    """Every chain of names the template reads, in its body, headers, footers and properties."""
    env = environment()
    uses = _Uses(env)
    sources = [*compiled.patched.values(), *compiled.property_text.values()]
    for source in sources:
        uses.visit(env.parse(source), {})
    return uses.found


def _resolve(context: Any, path: tuple[str, ...]) -> str | None:
    """None when `path` exists in the context, else the part that is missing."""
    values = [context]
    for index, part in enumerate(path):
        nxt: list[Any] = []
        for value in values:
            if part == _LIST:
                if isinstance(value, list):
                    nxt.extend(value)
                    continue
                return ".".join(path[:index]) + " is not a list"
            if isinstance(value, dict) and part in value:
                nxt.append(value[part])
            elif isinstance(value, str | list) and hasattr(value, part):
                return None  # a method of text or of a list, e.g. `name.upper()`
            else:
                return part
        values = nxt
        if not values:  # an empty list: nothing further can be checked
            return None
    return None


def _suggest(context: dict[str, Any], path: tuple[str, ...], missing: str) -> str:
    parent: Any = context
    for part in path:
        if part == missing:
            break
        if part == _LIST:
            parent = parent[0] if isinstance(parent, list) and parent else {}
        elif isinstance(parent, dict):
            parent = parent.get(part, {})
    if isinstance(parent, dict):
        close = difflib.get_close_matches(missing, list(parent), n=1)
        if close:
            return f"did you mean '{close[0]}'?"
    return "run `ihp templates check` on the default templates to see the tags they use"


def _display(path: tuple[str, ...]) -> str:
    return ".".join(part for part in path if part != _LIST)


# --- what a template must show ------------------------------------------------------------------

#: fields shown through derived values: a template that uses any of these shows the field
_COVERS: dict[str, tuple[str, ...]] = {
    "pupil.legal_name": ("pupil.name", "sheet.name", "sheet.known_as"),
    "emergency.signs": ("action.signs", "sheet.signs"),
    "emergency.steps.step": ("action.steps", "sheet.steps"),
    "emergency.call_999_when": ("action.call_999_when", "sheet.call_999_when"),
    "emergency.tell_ambulance": ("action.tell_ambulance", "sheet.tell"),
    "agreement.agreed_by": ("action.provenance", "sheet.provenance"),
    "agreement.agreed_date": ("action.provenance", "sheet.provenance"),
    "school.phone_for_999": ("school.phone_999", "sheet.phone"),
    "school.address": ("school.address_lines", "sheet.where"),
    "school.postcode": ("sheet.where",),
    "school.what3words": ("sheet.what3words",),
    "school.best_entrance": ("sheet.entrance",),
    "school.who_meets_crew": ("sheet.meets",),
    "school.retention_years": ("agreement.keep_until",),
    "contacts.family.mobile": (
        "contacts.family.phones",
        "contacts.family.phone_lines",
        "sheet.contacts",
    ),
    "contacts.family.home_phone": (
        "contacts.family.phones",
        "contacts.family.phone_lines",
        "sheet.contacts",
    ),
    "contacts.family.work_phone": (
        "contacts.family.phones",
        "contacts.family.phone_lines",
        "sheet.contacts",
    ),
    "contacts.family.name": ("sheet.contacts", "letter.to", "contacts.parents"),
    "conditions.conditions.diagnosis": ("conditions.summary", "sheet.conditions"),
    "medicines.medicines.storage": ("sheet.medicines", "medicines.emergency.storage"),
}
#: fields no document needs to show
_NOT_SHOWN = {"school.nation", "school.reply_days"}

#: what each document other than the IHP must show: a description and the fields that show it
_NEEDS: dict[DocumentKind, dict[str, tuple[str, ...]]] = {
    DocumentKind.EMERGENCY: {
        "the pupil's name": ("sheet.name", "pupil.name", "pupil.legal_name"),
        "date of birth": ("pupil.date_of_birth",),
        "class or year group": ("sheet.year_class", "pupil.year_group", "pupil.class_name"),
        "the condition(s)": (
            "sheet.conditions",
            "conditions.summary",
            "conditions.conditions.diagnosis",
        ),
        "the photo": ("photo",),
        "what an emergency looks like": ("sheet.signs", "action.signs", "emergency.signs"),
        "the emergency steps": ("sheet.steps", "action.steps", "emergency.steps.step"),
        "when to call 999": (
            "sheet.call_999_when",
            "action.call_999_when",
            "emergency.call_999_when",
        ),
        "where the emergency medicine is kept": (
            "sheet.medicines",
            "medicines.emergency.storage",
            "medicines.medicines.storage",
        ),
        "who to call, with phone numbers": (
            "sheet.contacts",
            "contacts.family.phones",
            "contacts.family.phone_lines",
        ),
        "the phone 999 is called from": ("sheet.phone", "school.phone_999", "school.phone_for_999"),
        "the school's address and postcode": ("sheet.where", "school.postcode"),
        "the best entrance": ("sheet.entrance", "school.best_entrance"),
        "who meets the crew": ("sheet.meets", "school.who_meets_crew"),
        "who agreed the wording": ("sheet.provenance", "action.provenance"),
    },
    DocumentKind.PARENT_LETTER: {
        "the parents' names": ("letter.to", "contacts.parents", "contacts.parents_joined"),
        "the pupil's name": ("pupil.name", "pupil.legal_name"),
        "the date to reply by": ("letter.reply_by", "agreement.reply_by"),
        "the school's name": ("school.name",),
        "who signs the letter": ("school.senco", "school.headteacher"),
        "the review date": ("agreement.review_date",),
    },
    DocumentKind.IDP: {
        "the learner's name": ("pupil.name", "pupil.legal_name"),
        "date of birth": ("pupil.date_of_birth",),
        "each need's area": ("idp.health.area", "idp.needs.area"),
        **{
            f"each need's {label}": (f"idp.health.needs.{name}", f"idp.needs.{name}")
            for name, label in (
                ("need", "need"),
                ("provision", "provision"),
                ("provided_by", "provider"),
                ("status", "status"),
                ("advice_requested", "date advice was requested"),
            )
        },
        "the social care areas": ("idp.social_care.needs.need", "idp.needs.need"),
        "the pending health advice": ("idp.pending.need", "idp.pending.advice_requested"),
    },
    DocumentKind.TRAINING_RECORD: {
        f"training: {label}": (f"training.training.{name}",)
        for name, label in (
            ("staff_name", "staff member"),
            ("training", "what was trained"),
            ("trainer", "trainer"),
            ("trainer_profession", "trainer's profession"),
            ("date", "date trained"),
            ("competent", "competence sign-off"),
            ("renewal_date", "renewal date"),
        )
    },
}


def _model_paths(model_class: type[BaseModel], prefix: str) -> dict[str, str]:
    """Every field of the model as a context path (`contacts.family.name`) with its label."""
    paths: dict[str, str] = {}
    for name, info in model_class.model_fields.items():
        row = _row_model(info.annotation)
        if row is not None:
            paths.update(_model_paths(row, f"{prefix}.{name}"))
        elif isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            paths.update(_model_paths(info.annotation, name))
        elif prefix:
            paths[f"{prefix}.{name}"] = info.title or name
    return paths


def _needs(kind: DocumentKind) -> dict[str, tuple[str, ...]]:
    if kind is not DocumentKind.IHP:
        return _NEEDS[kind]
    return {
        f"{label} ({path})": (path, *_COVERS.get(path, ()))
        for path, label in _model_paths(Plan, "").items()
        if path not in _NOT_SHOWN
    }


def _shows(used: set[str], path: str) -> bool:
    """A template shows a field when it prints it, or something inside it (a list's items)."""
    return any(use == path or use.startswith(path + ".") for use in used)


# --- the check ----------------------------------------------------------------------------------


def check_templates(folder: Path) -> list[TemplateProblem]:
    """Everything wrong with the templates in `folder`, one problem per tag, field or file."""
    problems: list[TemplateProblem] = []
    context = plan_context(specimen_plan())
    for kind in DocumentKind:
        name = kind.template
        if kind is DocumentKind.IDP and not (folder / name).exists():
            continue  # optional: `ihp build` uses the default (see `render.load_templates`)
        try:
            compiled = compile_template(kind, folder / name)
        except TemplateError as error:
            problems.append(TemplateProblem(name, "", error.message, error.hint))
            continue
        uses = template_uses(compiled)
        used: set[str] = set()
        for use in uses:
            if use.internal:
                problems.append(
                    TemplateProblem(
                        name,
                        use.path[-1],
                        "reaches inside Python, which templates may not do",
                        "remove this tag; use only the plan's values",
                    )
                )
                continue
            missing = _resolve(context, use.path)
            if missing is not None:
                tag = "{{ " + _display(use.path) + " }}"
                problems.append(
                    TemplateProblem(
                        name,
                        tag,
                        f"the plan has no '{missing}' here",
                        _suggest(context, use.path, missing),
                    )
                )
            if use.printed:
                used.add(_display(use.path))
        for need, paths in _needs(kind).items():
            if not any(_shows(used, path) for path in paths):
                problems.append(
                    TemplateProblem(
                        name,
                        "",
                        f"does not show {need}",
                        "add a tag for it, e.g. {{ " + paths[0] + " }}",
                    )
                )
        problems += _try_render(compiled, context)
    return problems


def _try_render(compiled: CompiledTemplate, context: dict[str, Any]) -> list[TemplateProblem]:
    """Render the specimen plan: catches errors only rendering shows (filters, security)."""
    with tempfile.TemporaryDirectory(prefix="ihp-check-") as scratch:
        try:
            render_document(compiled, context, Path(scratch) / compiled.kind.template)
        except IhpError as error:
            return [TemplateProblem(compiled.kind.template, "", error.message, error.hint)]
    return []
