"""The one-page emergency sheet: what it prints, at which type size, and what a full page cuts.

A first aider reads this page in a hurry, so it prints everything the plan holds whenever that
fits: the sheet is measured at 12 pt and, when too long, at smaller sizes down to 9 pt. Only when
even 9 pt cannot hold it is text cut, least important first (the signs, after-care steps, a mild
reaction's steps, family contacts after the first two, then the later steps of other conditions),
each cut pointing to the full plan; the "call 999 if" criteria, the first condition's emergency
steps, where the medicine is kept and the first two contacts are cut only when nothing else is
left to cut. Heights are counted, not guessed: every paragraph of the sheet has an exact line
height, text is wrapped with the font's own advance widths, and what the page holds is its height
less its margins (the LibreOffice tests prove every plan gives exactly one page).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from docx.document import Document as DocxDocument
from docx.shared import Pt
from docx.styles.style import ParagraphStyle

from pipeline.conditions import EmergencyWording, WordedGroup
from pipeline.model import FamilyContact, Plan
from pipeline.wording import phrase, uk_date

# --- measuring text -----------------------------------------------------------------------------

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
    "\u00a0": 278,  # a no-break space, as wide as a space
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


# The caches below serve the fitting of one pupil's sheet, which measures the same texts at each
# size it tries and after each cut (a typical pupil under two hundred of them), and the library
# wording most pupils share. They are bounded, so that a worker rendering hundreds of pupils
# keeps only its recent pupils' texts: a few MB at most, about 1 MB for typical plans.


@lru_cache(maxsize=4096)
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
        return _wrapped_lines(self, text, lead, tail)

    def fit(self, text: str, max_lines: int, suffix: str, lead: float = 0, tail: float = 0) -> str:
        """`text` itself if it fits in `max_lines`, else its longest beginning plus `suffix`."""
        return _fitted(self, text, max_lines, suffix, lead, tail)


@lru_cache(maxsize=2048)
def _wrapped_lines(box: TextBox, text: str, lead: float, tail: float) -> int:
    limit = box.width * _SAFETY
    space = text_width(" ", box.size, box.bold)
    total = 0
    used = 0.0
    for index, paragraph in enumerate(text.split("\n")):
        lines, used = 1, (lead if index == 0 else 0.0)
        for word in paragraph.split(" "):
            width = text_width(word, box.size, box.bold)
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


@lru_cache(maxsize=512)
def _fitted(box: TextBox, text: str, max_lines: int, suffix: str, lead: float, tail: float) -> str:
    if box.lines(text, lead, tail) <= max_lines:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that still fits with the suffix
        middle = (low + high + 1) // 2
        if box.lines(text[:middle].rstrip() + suffix, lead, tail) <= max_lines:
            low = middle
        else:
            high = middle - 1
    cut = text[:low]
    space = cut.rfind(" ")
    if space > len(cut) - 20 and space > 0:  # end at a word when one is near
        cut = cut[:space]
    return cut.rstrip(" ,;:-\n") + suffix


# --- the sheet's geometry -----------------------------------------------------------------------

#: body sizes tried in turn, largest first: the first at which everything fits is used
TYPE_SIZES: tuple[float, ...] = (12.0, 11.0, 10.5, 10.0, 9.5, 9.0)


def _half_point(value: float) -> float:
    """Word sets type in half points."""
    return round(value * 2) / 2


def _twip(value: float) -> float:
    """Word sets spacing in twentieths of a point."""
    return round(value * 20) / 20


@dataclass(frozen=True)
class StyleSize:
    """A paragraph style's type size, exact line height, spacing and hanging indent (points)."""

    size: float
    line: float
    before: float = 0.0
    after: float = 0.0
    indent: float = 0.0


@dataclass(frozen=True)
class SheetLayout:
    """The emergency sheet's geometry, shared by the template author, the fitting and rendering.

    Lengths in points. Every paragraph of the sheet has an exact line height, so its height is
    counted from its lines. Type sizes follow `body_size` (12 pt in the template, smaller when
    a pupil's sheet needs it); the title bar, the name and the photo keep their size.
    """

    page_width: float = 595.3
    page_height: float = 841.9
    margin_side: float = 34.0  # 12 mm
    margin_top: float = 32.0  # the header sits above, 17 pt from the edge
    margin_bottom: float = 32.0
    header_distance: float = 17.0
    body_size: float = 12.0
    name_size: float = 20.0
    title_size: float = 16.0
    title_line: float = 20.0
    photo_width_mm: float = 24.0
    photo_height_mm: float = 30.0
    cell_padding: float = 5.75  # Word's default left and right cell margin
    spacer: float = 2.0  # an empty paragraph in the "Tag" style
    thin_border: float = 0.5  # the medicine/contacts table's lines
    box_border: float = 2.25  # the 999 box's frame
    #: kept free at the foot of the page. LibreOffice puts the last line within a point of where
    #: it is counted to end, or higher when a line wraps later than measured (text is measured
    #: 3% narrower than it is); tests/test_documents_pdf.py measures this for many sheets.
    reserve: float = 8.0

    def at(self, body_size: float) -> SheetLayout:
        """The same sheet with its body text at `body_size` points."""
        return replace(self, body_size=body_size)

    @property
    def scale(self) -> float:
        return self.body_size / 12

    @property
    def body_line(self) -> float:
        return _twip(self.body_size * 7 / 6)

    @property
    def heading_size(self) -> float:
        return _half_point(self.body_size * 13 / 12)

    @property
    def heading_line(self) -> float:
        return _twip(self.heading_size * 16 / 13)

    @property
    def heading_before(self) -> float:
        return _twip(5 * self.scale)

    @property
    def heading_after(self) -> float:
        return _twip(2 * self.scale)

    @property
    def script_size(self) -> float:
        """The 999 script: a point under the body, but never under 9 pt (it is read aloud)."""
        return max(_half_point(self.body_size * 11 / 12), 9.0)

    @property
    def script_line(self) -> float:
        return _twip(self.script_size * 13 / 11)

    @property
    def small_size(self) -> float:
        return max(_half_point(self.body_size * 9.5 / 12), 8.0)

    @property
    def small_line(self) -> float:
        return _twip(self.small_size * 23 / 19)

    @property
    def step_indent(self) -> float:
        return _twip(20 * self.scale)

    @property
    def gap(self) -> float:
        """The space above the medicine/contacts table and above the 999 box."""
        return _twip(7 * self.scale)

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

    @property
    def photo_row(self) -> float:
        """The least height of the name block beside a photo (the photo and a little room)."""
        return _twip(self.photo_height_mm * 72 / 25.4 + 3)

    @property
    def usable_height(self) -> float:
        """What the page holds between its margins, less the reserve."""
        return self.page_height - self.margin_top - self.margin_bottom - self.reserve

    def styles(self) -> dict[str, StyleSize]:
        """The sheet's paragraph styles whose size follows the body size."""
        body = StyleSize(self.body_size, self.body_line)
        return {
            "Sheet Body": body,
            "Sheet Group": body,
            "Sheet Step": replace(body, indent=self.step_indent),
            "Sheet Heading": StyleSize(
                self.heading_size,
                self.heading_line,
                before=self.heading_before,
                after=self.heading_after,
            ),
            "Sheet Script": StyleSize(self.script_size, self.script_line, indent=self.step_indent),
            "Sheet Small": StyleSize(self.small_size, self.small_line),
            "Sheet Gap": StyleSize(2.0, self.gap),
        }


SHEET = SheetLayout()


def set_type_size(document: DocxDocument, body_size: float) -> None:
    """Set a rendered sheet's styles to the body size chosen for its pupil.

    Styles a custom template has renamed or removed are left as they are.
    """
    present = {style.name: style for style in document.styles}
    for name, size in SHEET.at(body_size).styles().items():
        style = present.get(name)
        if not isinstance(style, ParagraphStyle):
            continue
        style.font.size = Pt(size.size)
        paragraph = style.paragraph_format
        paragraph.line_spacing = Pt(size.line)
        paragraph.space_before = Pt(size.before)
        paragraph.space_after = Pt(size.after)
        if size.indent:
            paragraph.left_indent = Pt(size.indent)
            paragraph.first_line_indent = Pt(-size.indent)
            paragraph.tab_stops.clear_all()
            paragraph.tab_stops.add_tab_stop(Pt(size.indent))


# --- what the sheet prints ----------------------------------------------------------------------

_STRENGTH = re.compile(
    r"\s*\b\d+(?:[.,]\d+)?\s*(?:micrograms?|mcg|µg|mg|g|ml|mL|units?|%)"
    r"(?:\s*(?:/|per)\s*(?:\d+(?:[.,]\d+)?\s*)?(?:ml|mL|doses?|actuations?|puffs?))?(?!\w)"
)


def medicine_name(name: str) -> str:
    """A medicine's name without its strength ("Jext adrenaline auto-injector"): the sheet says
    which box to fetch; the dose is in the steps and the full plan."""
    short = " ".join(_STRENGTH.sub("", name).split())
    return short or name


def _unbroken(text: str) -> str:
    """Text that never breaks across lines (a phone number): no-break spaces for spaces."""
    return text.replace(" ", "\u00a0")


def _phones(contact: FamilyContact) -> str:
    return " · ".join(_unbroken(f"{kind} {number}") for kind, number in contact.phones)


@dataclass
class _Entry:
    """One line of a list on the sheet (a sign, a step, a medicine, a contact) and its cuts."""

    text: str
    number: str = ""
    #: bold words before the text on its first line: a medicine's or a contact's name
    label: str = ""
    after_care: bool = False
    mild: bool = False
    hidden: bool = False
    #: 0, or the lines the text is shortened to (with a pointer to the full plan)
    most_lines: int = 0


@dataclass
class _Group:
    """Entries under an optional bold title: one emergency of one condition."""

    title: str
    entries: list[_Entry]
    mild: bool = False

    @property
    def shown(self) -> list[_Entry]:
        return [entry for entry in self.entries if not entry.hidden]


def _signs(worded: Sequence[WordedGroup]) -> list[_Group]:
    """What an emergency looks like: each condition's signs in one paragraph after its name,
    or the plan's own signs one per line as typed."""
    if not any(group.title for group in worded):
        return _groups(worded, numbered=False)
    return [
        _Group(
            "",
            [
                _Entry(
                    " · ".join(line.text for line in group.lines),
                    label=group.title,
                    mild=group.mild,
                )
                for group in worded
            ],
        )
    ]


def _groups(worded: Iterable[WordedGroup], numbered: bool) -> list[_Group]:
    return [
        _Group(
            group.title,
            [
                _Entry(line.text, str(number) if numbered else "", after_care=line.after_care)
                for number, line in enumerate(group.lines, start=1)
            ],
            group.mild,
        )
        for group in worded
    ]


#: one cut: an entry (or the sheet), the attribute changed, and its new value
_Cut = tuple[Any, str, Any]


class _Sheet:
    """One pupil's sheet at one type size: its text, its height, and the cuts that shorten it."""

    def __init__(
        self,
        layout: SheetLayout,
        plan: Plan,
        wording: EmergencyWording,
        words: dict[str, str],
        photo: bool,
    ) -> None:
        self.layout = layout
        self.plan_short = words["plan_short"]
        self.more_text = phrase("sheet", "more_text").format(**words)
        self.more_items = phrase("sheet", "more_items").replace("{plan_short}", self.plan_short)
        width = layout.content_width
        self.lines_box = TextBox(width - layout.step_indent, layout.body_size)
        self.title_box = TextBox(width, layout.body_size, bold=True)
        self.half = TextBox(layout.half_width - 2 * layout.cell_padding, layout.body_size)
        self.half_bold = replace(self.half, bold=True)
        self.script = TextBox(
            width - 2 * layout.cell_padding - layout.step_indent, layout.script_size
        )
        self.script_bold = replace(self.script, bold=True)
        self.small = TextBox(width, layout.small_size, bold=True)

        self.signs = _signs(wording.signs)
        self.steps = _groups(wording.steps, numbered=True)
        self.call_999_when = _groups(wording.call_999_when, numbered=False)
        #: the "call 999 if" criteria one paragraph per emergency, not one line each
        self.compact_999 = False
        #: nothing was cut, shortened or closed up to fit
        self.complete = True
        self.medicines = [
            _Entry(medicine.storage, label=medicine_name(medicine.name))
            for medicine in wording.medicines
        ]
        self.contacts = [
            _Entry(_phones(contact), label=f"{contact.name} ({contact.relationship})")
            for contact in plan.contacts.family
        ]
        self.flags = [self.title_box.fit(flag, 3, self.more_text) for flag in wording.flags[:2]]
        self.provenance = self.small.fit(wording.provenance, 2, self.more_text)
        self.lower_heads = (
            "Emergency medicine: where it is kept",
            "Call the family in this order",
        )
        self._script(plan, wording, words)
        self._identity(plan, photo)

    def _identity(self, plan: Plan, photo: bool) -> None:
        """Name, date of birth, class and conditions beside the photo: as tall as the photo,
        or as the text when there is no photo."""
        layout, pupil = self.layout, plan.pupil
        identity = TextBox(layout.identity_text_width, layout.body_size)
        name_box = TextBox(layout.identity_text_width, layout.name_size, bold=True)
        year_class = " · ".join(part for part in (pupil.year_group, pupil.class_name) if part)
        label = text_width(self.conditions_label + ": ", layout.body_size, bold=True)
        legal = text_width("Legal name: ", layout.body_size)
        self.identity = {
            "name": name_box.fit(plan.pupil_name, 1, "…"),
            "known_as": (
                identity.fit(pupil.legal_name, 1, "…", lead=legal) if pupil.preferred_name else ""
            ),
            "year_class": identity.fit(year_class, 1, "…"),
            "conditions": identity.fit(self.conditions, 2, self.more_text, lead=label),
        }
        born = f"Born {uk_date(pupil.date_of_birth)} (age {plan.age_on(plan.agreement.plan_date)})"
        if pupil.nhs_number:
            born += f" · NHS number {pupil.nhs_number}"
        lines = (
            (1 if self.identity["known_as"] else 0)
            + identity.lines(born)
            + 1  # the year and class (fitted to one line)
            + identity.lines(self.identity["conditions"], lead=label)
        )
        text = layout.name_size + 4 + lines * layout.body_line + layout.spacer
        self.identity_height = max(text, layout.photo_row) if photo else text

    # --- the 999 box: each line a label and the school's or the plan's text ---

    def _label(self, label: str) -> float:
        return text_width(label + " ", self.layout.script_size, bold=True)

    def _script(self, plan: Plan, wording: EmergencyWording, words: dict[str, str]) -> None:
        school, script = plan.school, self.script
        address = ", ".join(
            line.strip(" ,") for line in school.address.split("\n") if line.strip(" ,")
        )
        conditions = "; ".join(condition.diagnosis for condition in plan.conditions.conditions)
        self.conditions_label = "Conditions" if len(plan.conditions.conditions) > 1 else "Condition"
        self.conditions = conditions
        self.phone = _unbroken(school.phone_for_999 or school.main_phone)
        finding = [
            f"Sat-nav postcode: {school.satnav_postcode}" if school.satnav_postcode else "",
            f"what3words: {school.what3words}" if school.what3words else "",
        ]
        age = str(plan.age_on(plan.agreement.plan_date))
        pupil = f"The {words['pupil']}:"
        self.script_values = {
            "where": script.fit(
                f"{school.name}, {address}, {school.postcode}",
                3,
                self.more_text,
                lead=self._label("Our address:"),
            ),
            "satnav": script.fit(" · ".join(part for part in finding if part), 2, "…"),
            "script_name": script.fit(
                plan.pupil_name,
                1,
                "…",
                lead=self._label(pupil),
                tail=text_width(f", aged {age}", self.layout.script_size),
            ),
            "conditions_said": script.fit(
                conditions, 2, self.more_text, lead=self._label(self.conditions_label + ":")
            ),
            "entrance": script.fit(
                school.best_entrance, 2, self.more_text, lead=self._label("Best entrance:")
            ),
            "meets": script.fit(
                school.who_meets_crew, 2, self.more_text, lead=self._label("Who meets the crew:")
            ),
        }
        self.tell = [
            self.script_bold.fit(line.text, 2, self.more_text) for line in wording.tell_ambulance
        ][:4]
        values = self.script_values
        self.script_lines = (
            script.lines(
                self.phone,
                lead=text_width("Dial 999 and ask for an ambulance. ", script.size)
                + self._label("Our phone number:"),
            )
            + script.lines(values["where"], lead=self._label("Our address:"))
            + (script.lines(values["satnav"]) if values["satnav"] else 0)
            + script.lines(f"Say your name, and exactly where the {words['pupil']} is.")
            + 1  # the pupil's name and age (fitted to one line)
            + script.lines(values["conditions_said"], lead=self._label(self.conditions_label + ":"))
            + script.lines("Say what has happened, and what has been given and when.")
            + sum(self.script_bold.lines(line) for line in self.tell)
            + script.lines(values["entrance"], lead=self._label("Best entrance:"))
            + script.lines(values["meets"], lead=self._label("Who meets the crew:"))
        )

    # --- measuring ---

    def _more(self, count: int) -> str:
        return self.more_items.format(count=count)

    def _shown_label(self, entry: _Entry, box: TextBox) -> str:
        bold = replace(box, bold=True)
        return bold.fit(entry.label, 2, "…", tail=text_width(": ", box.size, True))

    def _lead(self, entry: _Entry, box: TextBox) -> tuple[int, float]:
        """The lines a bold label fills before its text, and the width it leaves used."""
        if not entry.label:
            return 0, 0.0
        label = self._shown_label(entry, box) + ": "
        label_lines = replace(box, bold=True).lines(label)
        if label_lines == 1:
            return 0, text_width(label, box.size, bold=True)
        return label_lines - 1, box.width  # a long label: its text counted from a new line

    def _shown_text(self, entry: _Entry, box: TextBox) -> str:
        if not entry.most_lines:
            return entry.text
        above, lead = self._lead(entry, box)
        return box.fit(entry.text, max(entry.most_lines - above, 1), self.more_text, lead=lead)

    def _entry_lines(self, entry: _Entry, box: TextBox) -> int:
        above, lead = self._lead(entry, box)
        return above + box.lines(self._shown_text(entry, box), lead=lead)

    def _criteria(self) -> list[_Group]:
        """The "call 999 if" block as printed: titled lists, or when compact one paragraph
        per emergency after its name (nothing is left out)."""
        if not self.compact_999 or not all(group.title for group in self.call_999_when):
            return self.call_999_when
        paragraphs = []
        for group in self.call_999_when:
            shown = group.shown
            texts = [self._shown_text(entry, self.lines_box) for entry in shown]
            if len(shown) < len(group.entries):
                texts.append(self._more(len(group.entries) - len(shown)))
            paragraphs.append(_Entry(" · ".join(texts), label=group.title))
        return [_Group("", paragraphs)]

    def _group_lines(self, groups: list[_Group]) -> int:
        if not groups:
            return 1  # "Not recorded: see the full plan."
        total = 0
        for group in groups:
            shown = group.shown
            if group.title:
                total += 1  # fitted to one line; a folded group's pointer shares it
                if not shown:
                    continue
            total += sum(self._entry_lines(entry, self.lines_box) for entry in shown)
            hidden = len(group.entries) - len(shown)
            if hidden and not (shown and self._pointer_fits(shown[-1], hidden)):
                total += 1  # "… and 3 more" on a line of its own
        return total

    def _pointer_fits(self, entry: _Entry, hidden: int) -> bool:
        """Whether "… and 3 more" fits after an entry's text without taking another line."""
        _, lead = self._lead(entry, self.lines_box)
        text = self._shown_text(entry, self.lines_box)
        more = text + " " + self._more(hidden)
        return self.lines_box.lines(more, lead=lead) == self.lines_box.lines(text, lead=lead)

    def _list_lines(self, entries: list[_Entry]) -> int:
        if not entries:
            return 1  # "No emergency medicine recorded."
        shown = [entry for entry in entries if not entry.hidden]
        total = sum(self._entry_lines(entry, self.half) for entry in shown)
        hidden = len(entries) - len(shown)
        return total + (self.half.lines(self._more(hidden)) if hidden else 0)

    def height(self) -> float:
        """The height the sheet takes, in points, from the top margin down."""
        layout = self.layout
        body = layout.body_line
        heading = layout.heading_before + layout.heading_line + layout.heading_after
        flags = sum(self.title_box.lines(flag) for flag in self.flags)
        blocks = sum(
            self._group_lines(groups) for groups in (self.signs, self.steps, self._criteria())
        )
        head = max(self.half_bold.lines(text) for text in self.lower_heads)
        lower = max(self._list_lines(self.medicines), self._list_lines(self.contacts))
        provenance = self.small.lines(self.provenance)
        return (
            layout.title_line
            + layout.spacer
            + self.identity_height
            + flags * body
            + 3 * heading
            + blocks * body
            + layout.gap
            + 3 * layout.thin_border
            + (head + lower) * body
            + layout.spacer
            + layout.gap
            + 2 * layout.box_border
            + layout.heading_line
            + layout.heading_after
            + self.script_lines * layout.script_line
            + layout.spacer
            + provenance * layout.small_line
        )

    def fits(self) -> bool:
        return self.height() <= self.layout.usable_height

    # --- cutting, least important first ---

    def _main_steps(self) -> _Group | None:
        """The first condition's emergency (not a mild reaction): its steps are kept longest."""
        return next((group for group in self.steps if not group.mild), None)

    def cuts(self) -> Iterator[_Cut]:
        """Every cut, in the order they are made: what matters least in an emergency first."""
        main = self._main_steps()
        others = [group for group in self.steps if group is not main]
        # 1. what an emergency looks like: a mild reaction's signs, then the others shortened,
        # then all but the first (each condition's signs are one entry)
        signs = [entry for group in self.signs for entry in group.entries]
        order = [e for e in reversed(signs) if e.mild] + [e for e in reversed(signs) if not e.mild]
        kept = order[-1] if order else None
        yield from ((entry, "hidden", True) for entry in order if entry.mild and entry is not kept)
        yield from ((entry, "most_lines", 2) for entry in order if not entry.mild)
        yield from ((entry, "hidden", True) for entry in order if entry is not kept)
        steps = [entry for group in reversed(self.steps) for entry in reversed(group.entries)]
        # 2. after-care steps, then 3. a mild reaction's steps
        yield from ((entry, "hidden", True) for entry in steps if entry.after_care)
        for group in reversed(self.steps):
            if group.mild:
                yield from ((entry, "hidden", True) for entry in reversed(group.entries))
        # 4. family contacts after the first two
        yield from ((entry, "hidden", True) for entry in reversed(self.contacts[2:]))
        # 5. the other conditions' steps after their first two
        for group in reversed(others):
            yield from ((entry, "hidden", True) for entry in reversed(group.entries[2:]))
        # Only an impossible amount of text gets here. The 999 criteria close up into one
        # paragraph per emergency, the other conditions keep only their first step, and what
        # is kept in any case is shortened (each with a pointer to the full plan); only then
        # do the longest lists lose their last lines.
        yield self, "compact_999", True
        for group in reversed(others):
            yield from ((entry, "hidden", True) for entry in reversed(group.entries[1:]))
        if kept is not None:
            yield kept, "most_lines", 1
        for group in reversed(others):
            yield from ((entry, "most_lines", 2) for entry in reversed(group.entries))
        main_entries = main.entries if main else []
        criteria = [entry for group in self.call_999_when for entry in group.entries]
        for entries, lines in (
            (main_entries, 3),
            (self.contacts, 2),
            (self.medicines, 3),
            (criteria, 4),
        ):
            yield from ((entry, "most_lines", lines) for entry in reversed(entries))
        for group in reversed(others):
            yield from ((entry, "hidden", True) for entry in reversed(group.entries))
        for entries, keep in ((main_entries, 3), (self.medicines, 2), (criteria, 2)):
            yield from ((entry, "hidden", True) for entry in reversed(entries[keep:]))
        for entries in (main_entries, self.contacts, self.medicines, criteria):
            yield from ((entry, "most_lines", 1) for entry in reversed(entries))
        for entries in (main_entries, self.contacts, self.medicines, criteria):
            yield from ((entry, "hidden", True) for entry in reversed(entries[1:]))

    def _lists(self) -> dict[int, int]:
        """Each entry's list (a group, the medicines, the contacts), by `id`."""
        lists: list[list[_Entry]] = [
            group.entries
            for groups in (self.signs, self.steps, self.call_999_when)
            for group in groups
        ]
        lists += [self.medicines, self.contacts]
        return {id(entry): index for index, entries in enumerate(lists) for entry in entries}

    def cut_to_fit(self) -> None:
        """Make the cuts in order until the sheet fits, then undo every cut it can spare.

        Undoing goes from the most important cut down; once a cut in a list cannot be undone,
        no less important cut in that list is, so that a list never shows a lesser line while
        a more important one is left out.
        """
        made: list[_Cut] = []
        for entry, name, value in self.cuts():
            if self.fits():
                break
            made.append((entry, name, getattr(entry, name)))
            setattr(entry, name, value)
        lists = self._lists()
        kept_cut: set[int] = set()
        for entry, name, old in reversed(made):
            owner = lists.get(id(entry), -1)
            if owner in kept_cut:
                continue
            new = getattr(entry, name)
            setattr(entry, name, old)
            if not self.fits():
                setattr(entry, name, new)
                kept_cut.add(owner)
                self.complete = False

    # --- what the template prints ---

    def _group_context(self, groups: Sequence[_Group]) -> list[dict[str, Any]]:
        shown_groups: list[dict[str, Any]] = []
        for group in groups:
            shown = group.shown
            hidden = len(group.entries) - len(shown)
            if group.title and not shown:
                pointer = " " + self.more_text
                title = self.title_box.fit(
                    group.title, 1, "…", tail=text_width(pointer, self.title_box.size, True)
                )
                shown_groups.append({"title": title + pointer, "lines": []})
                continue
            lines: list[dict[str, Any]] = [
                {
                    "number": entry.number,
                    "label": self._shown_label(entry, self.lines_box) if entry.label else "",
                    "text": self._shown_text(entry, self.lines_box),
                    "pointer": False,
                }
                for entry in shown
            ]
            if hidden and shown and self._pointer_fits(shown[-1], hidden):
                lines[-1]["text"] += " " + self._more(hidden)
            elif hidden:
                more = self._more(hidden)
                lines.append({"number": "", "label": "", "text": more, "pointer": True})
            title = self.title_box.fit(group.title, 1, "…") if group.title else ""
            shown_groups.append({"title": title, "lines": lines})
        return shown_groups

    def _list_context(self, entries: list[_Entry], key: str) -> list[dict[str, str]]:
        shown = [entry for entry in entries if not entry.hidden]
        listed = [
            {"name": self._shown_label(entry, self.half), key: self._shown_text(entry, self.half)}
            for entry in shown
        ]
        if len(shown) < len(entries):
            listed.append({"name": "", key: self._more(len(entries) - len(shown))})
        return listed

    def context(self, plan: Plan) -> dict[str, Any]:
        layout = self.layout
        title = TextBox(
            layout.content_width - 2 * layout.cell_padding, layout.title_size, bold=True
        )
        return {
            **self.script_values,
            **self.identity,
            "type_size": layout.body_size,
            "identity_twips": str(round(self.identity_height * 20)),
            "kinds": title.fit(
                " · ".join(kind.value for kind in plan.condition_kinds),
                1,
                "…",
                lead=text_width("EMERGENCY SHEET · ", layout.title_size, True),
            ),
            "conditions_label": self.conditions_label,
            "flags": self.flags,
            "signs": self._group_context(self.signs),
            "steps": self._group_context(self.steps),
            "call_999_when": self._group_context(self._criteria()),
            "medicines": self._list_context(self.medicines, "storage"),
            "contacts": self._list_context(self.contacts, "phones"),
            "phone": self.phone,
            "tell": self.tell,
            "provenance": self.provenance,
        }


@dataclass(frozen=True)
class FittedSheet:
    """One pupil's sheet as it will print: its text, type size and height."""

    layout: SheetLayout
    #: points from the top margin to the foot of the last line
    height: float
    #: everything the plan holds is printed as it is, nothing cut or closed up
    complete: bool
    context: dict[str, Any]


def fit_sheet(
    plan: Plan,
    wording: EmergencyWording,
    words: dict[str, str],
    photo: bool,
    sizes: Sequence[float] = TYPE_SIZES,
) -> FittedSheet:
    """What the emergency sheet prints for `plan`, and the body size it prints it at.

    Everything at the largest of `sizes` at which all of it fits; otherwise at the smallest,
    with the fewest cuts (least important first) that make it fit. `photo` says whether the
    pupil's photo is printed (without one, the name block is only as tall as its text).
    """
    for size in sizes:
        sheet = _Sheet(SHEET.at(size), plan, wording, words, photo)
        if sheet.fits():
            break
    else:
        sheet.cut_to_fit()
    return FittedSheet(sheet.layout, sheet.height(), sheet.complete, sheet.context(plan))


def sheet_context(
    plan: Plan, wording: EmergencyWording, words: dict[str, str], photo: bool
) -> dict[str, Any]:
    """What the templates print as `sheet`: see `fit_sheet`."""
    return fit_sheet(plan, wording, words, photo).context
