"""The condition library: default emergency wording per condition kind, kept as data.

Each `*.toml` file in this folder holds one condition kind's default signs, numbered steps,
"call 999 when" thresholds and what to tell the ambulance service, every line with its source.
Placeholders (`{diabetes_hypo_below}`) are filled from the plan's own values, falling back to the
file's named defaults. `emergency_wording` decides, per plan, whether the workbook's own wording
or these defaults apply, and always says whose wording it is.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from pipeline.model import (
    ConditionDetails,
    ConditionKind,
    Medicine,
    Medicines,
    MedicineUse,
    Plan,
    Route,
)
from pipeline.wording import phrase, uk_date

LIBRARY_DIR = Path(__file__).resolve().parent

#: plan sections whose fields a placeholder may name (by the field's own name)
_PLACEHOLDER_SECTIONS = ("conditions", "medicines")
_PLACEHOLDER_FIELDS = set(ConditionDetails.model_fields) | set(Medicines.model_fields)


@dataclass(frozen=True)
class Source:
    """Where default wording comes from."""

    key: str
    name: str
    title: str
    url: str = ""

    @property
    def citation(self) -> str:
        return f"{self.name}, {self.title}"


@dataclass(frozen=True)
class GuideLine:
    """One line of default wording, possibly with placeholders, and the key of its source."""

    text: str
    source: str
    #: what to do once the emergency is over (recovery, recording): the first to go when the
    #: one-page emergency sheet is short of room
    after_care: bool = False


@dataclass(frozen=True)
class Placeholder:
    """A per-pupil value in default wording: the plan's value, or a default when it is empty.

    Yes/no fields give whole phrases (`yes`, `no`, `unknown`) instead of a value.
    """

    name: str
    default: str = ""
    format: str = "{}"
    yes: str | None = None
    no: str | None = None
    unknown: str | None = None

    def fill(self, value: Any) -> str:
        if self.yes is not None:
            if value is None:
                return self.unknown or ""
            return self.yes if value else (self.no or "")
        if value is None or value == "":
            return self.default
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return self.format.format(value)


@dataclass(frozen=True)
class GuideEmergency:
    """One kind of emergency of a condition (e.g. a hypo), with its signs, steps and 999 lines."""

    title: str
    signs: tuple[GuideLine, ...]
    steps: tuple[GuideLine, ...]
    call_999_when: tuple[GuideLine, ...]
    #: a milder reaction than the emergency itself (e.g. a mild allergic reaction)
    mild: bool = False


@dataclass(frozen=True)
class Variant:
    """Wording that replaces the defaults when a yes/no field of the plan is Yes (e.g. MART)."""

    when: str
    flag: GuideLine
    emergencies: tuple[GuideEmergency, ...]


@dataclass(frozen=True)
class StepsGive:
    """A medicine a condition's emergency steps give (a reliever, adrenaline, rescue medicine,
    fast sugar), recognised by its route or a word of its name."""

    #: what it is, as a sentence names it: "a reliever inhaler"
    what: str
    routes: frozenset[Route] = frozenset()
    words: tuple[str, ...] = ()
    #: every pupil with the condition should have one (`ihp check` warns when none is recorded)
    expected: bool = False

    @cached_property
    def _names(self) -> re.Pattern[str] | None:
        words = "|".join(re.escape(word.casefold()) for word in self.words)
        return re.compile(rf"\b(?:{words})s?\b") if words else None

    def __contains__(self, medicine: Medicine) -> bool:
        """Whether this is that medicine, to use when needed or in an emergency."""
        if medicine.use is MedicineUse.REGULAR:
            return False
        names = self._names
        return medicine.route in self.routes or bool(
            names and names.search(medicine.name.casefold())
        )


@dataclass(frozen=True)
class ConditionGuide:
    """A condition kind's default emergency wording and its sources."""

    kind: ConditionKind
    sources: dict[str, Source]
    placeholders: dict[str, Placeholder]
    emergencies: tuple[GuideEmergency, ...]
    tell_ambulance: GuideLine
    variants: tuple[Variant, ...] = ()
    steps_give: tuple[StepsGive, ...] = ()

    def gives(self, medicine: Medicine) -> bool:
        return any(medicine in given for given in self.steps_give)


# --- loading -----------------------------------------------------------------------------------


class LibraryError(ValueError):
    """A library file is malformed: a bug in the shipped data, caught by the tests."""


def _lines(raw: list[dict[str, str]], where: str) -> tuple[GuideLine, ...]:
    try:
        return tuple(
            GuideLine(
                text=line["text"],
                source=line["source"],
                after_care=bool(line.get("after_care", False)),
            )
            for line in raw
        )
    except (KeyError, TypeError) as error:
        raise LibraryError(f"{where}: every line needs a text and a source") from error


def _emergencies(raw: list[dict[str, Any]], where: str) -> tuple[GuideEmergency, ...]:
    return tuple(
        GuideEmergency(
            title=item["title"],
            signs=_lines(item.get("signs", []), f"{where} signs"),
            steps=_lines(item.get("steps", []), f"{where} steps"),
            call_999_when=_lines(item.get("call_999_when", []), f"{where} call_999_when"),
            mild=bool(item.get("mild", False)),
        )
        for item in raw
    )


def _all_lines(guide: ConditionGuide) -> list[GuideLine]:
    lines = [guide.tell_ambulance]
    for variant in guide.variants:
        lines.append(variant.flag)
    for emergency in guide.emergencies + tuple(e for v in guide.variants for e in v.emergencies):
        lines += [*emergency.signs, *emergency.steps, *emergency.call_999_when]
    return lines


def _check(guide: ConditionGuide, path: Path) -> None:
    """Every source named, every placeholder a plain name with a default and a plan field."""
    for name, placeholder in guide.placeholders.items():
        if name not in _PLACEHOLDER_FIELDS:
            raise LibraryError(f"{path.name}: placeholder {{{name}}} is not a field of the plan")
        if placeholder.yes is None and placeholder.default == "":
            raise LibraryError(f"{path.name}: placeholder {{{name}}} has no default")
    for variant in guide.variants:
        if variant.when not in _PLACEHOLDER_FIELDS:
            raise LibraryError(f"{path.name}: variant 'when' {variant.when} is not a plan field")
    for line in _all_lines(guide):
        if line.source not in guide.sources:
            raise LibraryError(f"{path.name}: unknown source {line.source!r} for {line.text!r}")
        for _, field, spec, conversion in string.Formatter().parse(line.text):
            if field is None:
                continue
            if not field.isidentifier() or spec or conversion:
                raise LibraryError(f"{path.name}: placeholder {{{field}}} must be a plain name")
            if field not in guide.placeholders:
                raise LibraryError(f"{path.name}: placeholder {{{field}}} has no default")


def _load_guide(path: Path) -> ConditionGuide:
    with path.open("rb") as stream:
        raw = tomllib.load(stream)
    try:
        guide = ConditionGuide(
            kind=ConditionKind(raw["kind"]),
            sources={key: Source(key=key, **source) for key, source in raw["sources"].items()},
            placeholders={
                name: Placeholder(
                    name=name, **{k: str(v) if k == "default" else v for k, v in spec.items()}
                )
                for name, spec in raw.get("placeholders", {}).items()
            },
            emergencies=_emergencies(raw["emergencies"], path.name),
            tell_ambulance=_lines([raw["tell_ambulance"]], f"{path.name} tell_ambulance")[0],
            variants=tuple(
                Variant(
                    when=variant["when"],
                    flag=_lines([variant["flag"]], f"{path.name} variant flag")[0],
                    emergencies=_emergencies(variant["emergencies"], f"{path.name} variant"),
                )
                for variant in raw.get("variants", [])
            ),
            steps_give=tuple(
                StepsGive(
                    what=str(given["what"]),
                    routes=frozenset(Route(route) for route in given.get("routes", [])),
                    words=tuple(given.get("words", [])),
                    expected=bool(given.get("expected", False)),
                )
                for given in raw.get("steps_give", [])
            ),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        if isinstance(error, LibraryError):
            raise
        raise LibraryError(f"{path.name}: {error!r} (see asthma.toml for the layout)") from error
    _check(guide, path)
    return guide


@cache
def load_library(folder: Path = LIBRARY_DIR) -> dict[ConditionKind, ConditionGuide]:
    """Every condition kind's default wording, read and checked once per run."""
    library: dict[ConditionKind, ConditionGuide] = {}
    for path in sorted(folder.glob("*.toml")):
        guide = _load_guide(path)
        if guide.kind in library:
            raise LibraryError(f"{path.name}: a second file for {guide.kind.value}")
        library[guide.kind] = guide
    return library


# --- deciding the wording for one plan ---------------------------------------------------------


@dataclass(frozen=True)
class WordedLine:
    """A line of emergency wording as printed, and where it came from (None: the plan itself)."""

    text: str
    source: Source | None = None
    after_care: bool = False


@dataclass(frozen=True)
class WordedGroup:
    """Lines under one heading: an emergency of a condition, or untitled for the plan's own."""

    title: str
    lines: tuple[WordedLine, ...]
    mild: bool = False


@dataclass(frozen=True)
class EmergencyWording:
    """What the documents print for an emergency, decided once per plan."""

    signs: tuple[WordedGroup, ...]
    steps: tuple[WordedGroup, ...]
    call_999_when: tuple[WordedGroup, ...]
    tell_ambulance: tuple[WordedLine, ...]
    #: warnings every reader must see, e.g. that a MART regime replaces the default steps
    flags: tuple[str, ...]
    #: kinds of condition the library has no default wording for (e.g. "Other")
    without_defaults: tuple[ConditionKind, ...]
    agreed: bool
    uses_defaults: bool
    provenance: str
    sources: tuple[Source, ...]
    #: the medicines staff may fetch in an emergency (see `_fetched`)
    medicines: tuple[Medicine, ...] = ()


def _fetched(plan: Plan, guides: list[ConditionGuide]) -> tuple[Medicine, ...]:
    """Every medicine marked "Emergency", then each "When needed" one that a condition's
    emergency steps give: a reliever inhaler is used when needed, and it is also what the asthma
    steps tell staff to give, so the sheet must say where it is kept."""
    when_needed = [
        medicine
        for medicine in plan.medicines.medicines
        if medicine.use is MedicineUse.WHEN_NEEDED
        and any(guide.gives(medicine) for guide in guides)
    ]
    return (*plan.emergency_medicines, *when_needed)


def _plan_value(plan: Plan, name: str) -> Any:
    for section in _PLACEHOLDER_SECTIONS:
        part = getattr(plan, section)
        if name in type(part).model_fields:
            return getattr(part, name)
    raise LibraryError(f"placeholder {{{name}}} is not a field of the plan")


def _fill(line: GuideLine, guide: ConditionGuide, plan: Plan) -> WordedLine:
    values = {
        name: placeholder.fill(_plan_value(plan, name))
        for name, placeholder in guide.placeholders.items()
    }
    # Library text is trusted data; the plan's values are inserted, never formatted themselves.
    return WordedLine(
        text=line.text.format_map(values),
        source=guide.sources[line.source],
        after_care=line.after_care,
    )


def _plan_lines(text: str | None) -> tuple[WordedLine, ...]:
    """A cell's text, one line per line typed (empty lines dropped)."""
    if not text:
        return ()
    return tuple(WordedLine(line.strip()) for line in text.split("\n") if line.strip())


def _guide_emergencies(guide: ConditionGuide, plan: Plan) -> tuple[tuple[GuideEmergency, ...], str]:
    for variant in guide.variants:
        if _plan_value(plan, variant.when):
            return variant.emergencies, _fill(variant.flag, guide, plan).text
    return guide.emergencies, ""


def emergency_wording(
    plan: Plan, library: dict[ConditionKind, ConditionGuide] | None = None
) -> EmergencyWording:
    """The plan's emergency wording: the workbook's own where given, else the library defaults.

    Decided per part (signs, steps, "call 999 when", what to tell the ambulance), each from the
    plan when the SENCo typed it, otherwise from the default wording of every condition kind the
    pupil has. The provenance line says who agreed it, or that it awaits agreement.
    """
    library = load_library() if library is None else library
    guides = [library[kind] for kind in plan.condition_kinds if kind in library]
    without = tuple(kind for kind in plan.condition_kinds if kind not in library)
    emergency = plan.emergency

    default_groups: dict[str, list[WordedGroup]] = {"signs": [], "steps": [], "call_999_when": []}
    flags: list[str] = []
    for guide in guides:
        emergencies, flag = _guide_emergencies(guide, plan)
        if flag:
            flags.append(flag)
        for item in emergencies:
            for part in default_groups:
                lines = tuple(_fill(line, guide, plan) for line in getattr(item, part))
                if lines:
                    default_groups[part].append(WordedGroup(item.title, lines, item.mild))

    own = {
        "signs": _plan_lines(emergency.signs),
        "steps": tuple(WordedLine(step.step) for step in emergency.steps),
        "call_999_when": _plan_lines(emergency.call_999_when),
    }
    chosen: dict[str, tuple[WordedGroup, ...]] = {}
    used_defaults = False
    for part, lines in own.items():
        if lines:
            chosen[part] = (WordedGroup("", lines),)
        else:
            chosen[part] = tuple(default_groups[part])
            used_defaults = used_defaults or bool(default_groups[part])
    # A flag says why the default steps were changed; the plan's own steps replace them.
    flags = [] if own["steps"] else flags

    if emergency.tell_ambulance:
        tell = _plan_lines(emergency.tell_ambulance)
    else:
        tell = tuple(_fill(guide.tell_ambulance, guide, plan) for guide in guides)
        used_defaults = used_defaults or bool(tell)

    groups = [*chosen["signs"], *chosen["steps"], *chosen["call_999_when"]]
    sources = tuple(
        dict.fromkeys(
            line.source for group in groups for line in group.lines if line.source is not None
        )
        | dict.fromkeys(line.source for line in tell if line.source is not None)
    )
    agreement = plan.agreement
    if agreement.is_agreed:
        provenance = phrase("provenance", "agreed").format(
            agreed_by=agreement.agreed_by, agreed_date=uk_date(agreement.agreed_date)
        )
    elif used_defaults:
        names = dict.fromkeys(source.name for source in sources)
        provenance = phrase("provenance", "defaults_awaiting").format(
            sources=phrase("provenance", "source_joiner").join(names)
        )
    elif groups or tell:
        provenance = phrase("provenance", "plan_awaiting").format(written_by=agreement.written_by)
    else:
        provenance = phrase("provenance", "nothing_awaiting")
    return EmergencyWording(
        signs=chosen["signs"],
        steps=chosen["steps"],
        call_999_when=chosen["call_999_when"],
        tell_ambulance=tell,
        flags=tuple(flags),
        without_defaults=without,
        agreed=agreement.is_agreed,
        uses_defaults=used_defaults,
        provenance=provenance,
        sources=sources,
        medicines=_fetched(plan, guides),
    )
