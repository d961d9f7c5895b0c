"""The plan model: what an Individual Healthcare Plan holds, and the single source of truth.

The blank intake workbook, the reader, the template check and the field documentation are all
derived from these classes, so they cannot drift apart:

* every `Section` is one sheet of the intake workbook, in meeting order (`Plan` field order);
* every plain field of a section is one workbook *defined name*, `<section>_<field>`;
* every `list[Row]` field is one named *Excel table* (`Row.table`), one column per row field;
* a field's `title` is its label on the form, its `description` the input prompt, and
  `json_schema_extra` says how to lay it out (`long` text, an `example`).

Sources of each field are in `shared/design/ihp-content.md`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError, PydanticUndefined

from pipeline.uk import NHSNumber, UKDate, UKPhone, UKPostcode, already_checked

FORM_VERSION = "1.0"
"""Stored in every generated workbook; bump when a field is added, renamed or removed."""

SUPPORTED_FORM_VERSIONS = ("1.0",)

TEXT_LIMIT = 4000
"""Longest text one cell may hold: longer text belongs in an attached document, not a plan."""

# Word's XML cannot hold C0 control characters other than tab, newline and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0c\x0e-\x1f\x7f]")


def clean_text(value: Any) -> Any:
    """Make typed or pasted text safe for Word: NFC, real line breaks, no control characters.

    A vertical tab (\\x0b) is what Word and Excel paste for a manual line break, so it becomes one.
    """
    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n")
    text = _CONTROL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    return text or None


def check_text(value: Any, info: ValidationInfo) -> Any:
    """`clean_text`, skipped for a plan ihp itself already checked (see `uk.ALREADY_CHECKED`)."""
    if already_checked(value, info):
        return value
    return clean_text(value)


def _checked_email(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    """An email address, not checked again in a plan ihp itself already checked."""
    if already_checked(value, info):
        return value
    return handler(value)


Email = Annotated[EmailStr, WrapValidator(_checked_email)]
"""An email address (checked with email-validator, not looked up)."""


def _limit_length(value: str) -> str:
    if len(value) > TEXT_LIMIT:
        raise PydanticCustomError(
            "too_long",
            "this text is {length} characters long; a cell may hold at most {limit}",
            {
                "length": len(value),
                "limit": TEXT_LIMIT,
                "hint": "shorten it, or put the detail in a separate document and name it here",
            },
        )
    return value


Text = Annotated[str, BeforeValidator(check_text), AfterValidator(_limit_length)]
"""Free text from a cell: cleaned for Word and limited in length."""


def _yes_no(value: Any) -> Any:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in {"yes", "y", "true", "1", "ticked", "x"}:
            return True
        if word in {"no", "n", "false", "0", ""}:
            return False if word else None
        raise PydanticCustomError(
            "yes_no", "'{text}' is not Yes or No", {"text": value[:40], "hint": "choose Yes or No"}
        )
    return value


YesNo = Annotated[bool, BeforeValidator(_yes_no)]


def ask(
    label: str,
    prompt: str,
    *,
    default: Any = PydanticUndefined,
    long: bool = False,
    example: str = "",
    **constraints: Any,
) -> Any:
    """A form field: its label, its input prompt and how to lay it out.

    Without a default the field is required: the form marks it and the reader insists on it.
    """
    extra: dict[str, Any] = {"long": long}
    if example:
        extra["example"] = example
    return Field(default, title=label, description=prompt, json_schema_extra=extra, **constraints)


def optional(label: str, prompt: str, **options: Any) -> Any:
    """A field the SENCo may leave empty."""
    return ask(label, prompt, default=None, **options)


class Nation(StrEnum):
    ENGLAND = "England"
    WALES = "Wales"


class Trigger(StrEnum):
    NEWLY_DIAGNOSED = "Newly diagnosed"
    NEW_SCHOOL = "Starting at or moving school"
    RETURNING = "Returning after a long absence"
    NEEDS_CHANGED = "Needs have changed"
    ANNUAL_REVIEW = "Annual review"


class LinkedPlan(StrEnum):
    NONE = "None"
    SEN_SUPPORT = "SEN support"
    EHC_PLAN = "EHC plan"
    IDP = "Individual Development Plan (Wales)"


class ConditionKind(StrEnum):
    ASTHMA = "Asthma"
    TYPE_1_DIABETES = "Type 1 diabetes"
    EPILEPSY = "Epilepsy or seizures"
    ANAPHYLAXIS = "Anaphylaxis or severe allergy"
    OTHER = "Other"


class HealthcareRole(StrEnum):
    GP = "GP"
    SPECIALIST_NURSE = "Specialist nurse"
    CONSULTANT = "Consultant or paediatrician"
    SCHOOL_NURSE = "School nurse"
    PHYSIOTHERAPIST = "Physiotherapist"
    SPEECH_THERAPIST = "Speech and language therapist"
    OCCUPATIONAL_THERAPIST = "Occupational therapist"
    MENTAL_HEALTH = "Mental health (CAMHS)"
    OTHER = "Other"


class Route(StrEnum):
    MOUTH = "By mouth"
    INHALED = "Inhaled"
    BUCCAL = "Buccal (inside the cheek)"
    AUTO_INJECTOR = "Auto-injector (thigh)"
    UNDER_SKIN = "Under the skin (pen or pump)"
    NASAL = "Nasal"
    RECTAL = "Rectal"
    SKIN = "On the skin"
    OTHER = "Other"


class MedicineUse(StrEnum):
    REGULAR = "Regular"
    WHEN_NEEDED = "When needed"
    EMERGENCY = "Emergency"


class WhoGives(StrEnum):
    STAFF = "Staff give it"
    SELF_SUPERVISED = "Pupil, supervised by staff"
    SELF = "Pupil, without supervision"


class SupportArea(StrEnum):
    IDENTITY = "Identity"
    INCLUSION = "Inclusion"
    SOCIAL = "Social"
    EMOTIONAL = "Emotional"
    LEARNING = "Learning"
    CARE = "Personal and medical care"
    FUTURE = "Planning for the future"
    ATTENDANCE = "Attendance and appointments"


class SupportLevel(StrEnum):
    UNIVERSAL = "Universal"
    TARGETED = "Targeted"
    SPECIALIST = "Specialist"


class AttendeeRole(StrEnum):
    PARENT = "Parent or carer"
    PUPIL = "Pupil"
    HEALTHCARE = "Healthcare professional"
    STAFF = "School staff"
    OTHER = "Other"


class IdpArea(StrEnum):
    """What the health and social care section of a Welsh IDP must cover (ALN Code 23.55-63, 21.10)."""

    DIAGNOSES = "Medical diagnoses"
    SENSORY_MOTOR = "Sensory and motor needs"
    THERAPY = "Therapy guidance"
    PHYSICAL = "Physical disability requirements"
    MENTAL_HEALTH = "Mental health needs"
    SAFETY = "Safety plan"
    SEIZURES = "Seizure plan"
    FEEDING = "Feeding and swallowing risks"
    FATIGUE_PAIN = "Fatigue and pain"
    EQUIPMENT = "Specialist equipment"
    PERSONAL_CARE = "Personal care needs"
    HOME_ADAPTATIONS = "Social care: home adaptations"
    SOCIAL_EQUIPMENT = "Social care: equipment"
    MANUAL_HANDLING = "Social care: manual handling plan"
    PERSONAL_ASSISTANT = "Social care: personal assistant"
    SHORT_BREAKS = "Social care: short breaks"
    SAFEGUARDING = "Social care: safeguarding"


class AdviceStatus(StrEnum):
    AGREED = "Agreed"
    PENDING = "Health advice pending"


class Part(BaseModel):
    """Common settings: unknown keys are errors, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, validate_default=False)


class Row(Part):
    """One row of a repeating group: an Excel table named `table` on the form."""

    table: ClassVar[str]
    #: empty rows printed on the blank form, ready to fill
    blank_rows: ClassVar[int] = 6


class Section(Part):
    """One sheet of the intake workbook."""

    sheet: ClassVar[str]
    intro: ClassVar[str]


# --------------------------------------------------------------------------------------------
# School: entered once per school, in its own workbook beside the pupils'.


class School(Section):
    sheet = "School"
    intro = (
        "Fill this in once for your school. Every pupil's plan and emergency sheet takes the "
        "school's address and 999 details from here, so keep it up to date."
    )

    name: Text = ask(
        "School name", "The school's full name, as on letters.", example="Hillside Primary School"
    )
    nation: Nation = ask(
        "Nation", "England or Wales: it sets the wording of every document.", default=Nation.ENGLAND
    )
    address: Text = ask(
        "Address (without postcode)",
        "Full postal address, one line per row (Alt+Enter for a new line). The ambulance service needs it.",
        long=True,
    )
    postcode: UKPostcode = ask("Postcode", "The school's postal postcode, for example LS1 4AP.")
    satnav_postcode: UKPostcode | None = optional(
        "Sat-nav postcode (if different)",
        "Only if a sat-nav should use a different postcode to reach the best entrance.",
    )
    what3words: Text | None = optional(
        "what3words (optional)",
        "The three words for the ambulance entrance, e.g. ///index.home.raft.",
    )
    main_phone: UKPhone = ask("Main phone", "The school office number parents and services call.")
    phone_for_999: UKPhone | None = optional(
        "Phone 999 is called from",
        "The number of the phone staff use to call 999, so the ambulance service can call back.",
    )
    email: Email | None = optional("School email", "The school office email address.")
    headteacher: Text = ask("Headteacher", "Name of the headteacher.")
    senco: Text = ask(
        "SENCo (ALNCo in Wales)", "Name of the person who coordinates healthcare plans."
    )
    senco_email: Email | None = optional("SENCo email", "Email for replies to letters and plans.")
    best_entrance: Text = ask(
        "Best entrance for an ambulance",
        "Which gate or door the crew should come to, e.g. 'Main gate on Park Road, then reception'.",
        long=True,
    )
    who_meets_crew: Text = ask(
        "Who meets the crew", "Who goes to the entrance to meet the ambulance and bring them in."
    )
    reply_days: int = ask(
        "Days parents have to reply",
        "How many days after the letter parents have to send corrections and signatures.",
        default=14,
        ge=1,
        le=90,
    )
    retention_years: int = ask(
        "Keep records until age",
        "Health records are kept until the pupil's date of birth plus this many years.",
        default=25,
        ge=1,
        le=100,
    )


# --------------------------------------------------------------------------------------------
# The pupil's workbook, sheet by sheet in meeting order.


class Pupil(Section):
    sheet = "Pupil"
    intro = "Who the plan is for. The photo is used on the emergency sheet, only with consent."

    legal_name: Text = ask("Full legal name", "First and last name as on the school's records.")
    preferred_name: Text | None = optional(
        "Preferred name", "What the pupil likes to be called, if different."
    )
    date_of_birth: UKDate = ask("Date of birth", "Day/month/year, e.g. 03/04/2015.")
    year_group: Text = ask("Year group", "For example Year 4, or Reception.")
    class_name: Text | None = optional("Class or form", "The class or form group, e.g. 4B.")
    school_reference: Text | None = optional(
        "Admission number or MIS ID",
        "The school's own reference for this pupil; logs use it instead of the pupil's name.",
    )
    home_address: Text | None = optional("Home address", "Including postcode.", long=True)
    nhs_number: NHSNumber | None = optional(
        "NHS number (optional)", "10 digits, from a GP or hospital letter, e.g. 943 476 5919."
    )
    photo: Text | None = optional(
        "Photo file (optional)",
        "File name of a photo saved in the same folder as this workbook, e.g. jo-smith.jpg. Only with consent.",
    )
    photo_consent: YesNo | None = optional(
        "Consent to use the photo",
        "Yes if the parent agreed the photo may be used on the emergency sheet.",
    )


class Background(Section):
    sheet = "Why now"
    intro = "Why this plan is being written or reviewed now, and what else is in place."

    trigger: Trigger = ask("Reason for this plan", "Choose why the plan is being written now.")
    trigger_details: Text | None = optional(
        "Details", "Anything the reader needs to know about the reason.", long=True
    )
    linked_plan: LinkedPlan = ask(
        "Other plan in place",
        "SEN support, an EHC plan or an IDP, if any.",
        default=LinkedPlan.NONE,
    )
    emergency_healthcare_plan: YesNo | None = optional(
        "Emergency healthcare plan attached",
        "Yes if the lead clinician has written an emergency healthcare plan that is attached.",
    )
    who_needs_to_know: Text | None = optional(
        "Who in school needs to know",
        "Staff and roles who must know about this plan (teachers, lunchtime staff, office...).",
        long=True,
    )
    confidentiality: Text | None = optional(
        "Confidentiality wishes",
        "What the pupil and family want kept private, and who may be told.",
        long=True,
    )


class FamilyContact(Row):
    table = "FamilyContacts"
    blank_rows = 4

    name: Text = ask("Name", "Full name. Put the person to call first on the top row.")
    relationship: Text = ask(
        "Relationship", "For example Mother, Father, Grandparent, Foster carer."
    )
    mobile: UKPhone | None = optional("Mobile", "Mobile phone number.")
    home_phone: UKPhone | None = optional("Home phone", "Home phone number.")
    work_phone: UKPhone | None = optional("Work phone", "Work phone number.")
    email: Email | None = optional("Email", "Email address for letters and the plan.")
    parental_responsibility: YesNo | None = optional(
        "Parental responsibility", "Yes if this person has parental responsibility."
    )

    @model_validator(mode="after")
    def _one_phone(self) -> Self:
        if not (self.mobile or self.home_phone or self.work_phone):
            raise PydanticCustomError(
                "no_phone",
                "{name} has no phone number",
                {
                    "name": self.name,
                    "hint": "type at least one phone number for each family contact",
                },
            )
        return self

    @property
    def phones(self) -> list[tuple[str, str]]:
        """Phone numbers in the order to try them, with what each is."""
        return [
            (kind, number)
            for kind, number in (
                ("mobile", self.mobile),
                ("home", self.home_phone),
                ("work", self.work_phone),
            )
            if number
        ]


class HealthcareContact(Row):
    table = "HealthcareContacts"
    blank_rows = 5

    role: HealthcareRole = ask(
        "Role", "GP, specialist nurse, consultant, school nurse, therapist..."
    )
    name: Text = ask("Name", "Name of the professional, or of the practice for a GP.")
    organisation: Text | None = optional("Practice, clinic or team", "Where they work.")
    phone: UKPhone | None = optional("Phone", "Phone number for this professional or their team.")
    email: Email | None = optional("Email", "Email address; plans are emailed to it for agreement.")


class Contacts(Section):
    sheet = "Contacts"
    intro = (
        "Family contacts in the order to call them (top row first), healthcare professionals, "
        "and who in school is responsible."
    )

    family: list[FamilyContact] = ask(
        "Family contacts", "Who to call, first at the top.", default_factory=list, min_length=1
    )
    healthcare: list[HealthcareContact] = ask(
        "Healthcare professionals", "GP, nurses, consultant and therapists.", default_factory=list
    )
    lead_staff: Text = ask(
        "Who leads support day to day",
        "Name and role of the member of staff who leads day-to-day support.",
    )
    emergency_lead: Text = ask(
        "Who is responsible in an emergency", "Name and role; and who covers when they are absent."
    )
    offsite_lead: Text | None = optional(
        "Who is responsible off-site", "Who takes responsibility on trips and off-site activities."
    )


class Condition(Row):
    table = "Conditions"
    blank_rows = 3

    kind: ConditionKind = ask(
        "Kind", "Choose the kind of condition; it chooses the default emergency wording."
    )
    diagnosis: Text = ask("Diagnosis", "The diagnosis in the words of the health professional.")
    signs: Text | None = optional("Signs and symptoms", "How it shows in this pupil.", long=True)
    triggers: Text | None = optional("Triggers", "What sets it off or makes it worse.", long=True)
    treatment: Text | None = optional(
        "Treatment", "Usual treatment, in school and at home.", long=True
    )


class ConditionDetails(Section):
    sheet = "Conditions"
    intro = (
        "One row per condition. Then fill only the details below that apply: they set the "
        "emergency steps and thresholds for this pupil."
    )

    conditions: list[Condition] = ask(
        "Conditions", "One row per condition.", default_factory=list, min_length=1
    )
    facilities: Text | None = optional(
        "Facilities, equipment and devices",
        "Equipment, devices and facilities needed in school.",
        long=True,
    )
    environment: Text | None = optional(
        "Environmental issues",
        "For example crowded corridors, distance between lessons, heat, stairs.",
        long=True,
    )
    asthma_reliever: Text | None = optional(
        "Asthma: reliever inhaler", "Name and colour, e.g. 'Salbutamol (blue)'."
    )
    asthma_spacer: YesNo | None = optional(
        "Asthma: uses a spacer", "Yes if the reliever is used with a spacer."
    )
    asthma_mart: YesNo | None = optional(
        "Asthma: MART/SMART regime",
        "Yes if the pupil uses a maintenance-and-reliever inhaler: the default steps then do not apply.",
    )
    diabetes_hypo_below: float | None = optional(
        "Diabetes: hypo below (mmol/L)",
        "Blood glucose below which this pupil is hypo, usually 4.",
        gt=0,
        le=20,
    )
    diabetes_fast_sugar: Text | None = optional(
        "Diabetes: fast-acting sugar",
        "What and how much, as the diabetes team says, e.g. '3 glucose tablets (12 g)'.",
    )
    diabetes_recheck_minutes: int | None = optional(
        "Diabetes: recheck after (minutes)",
        "Minutes before checking again after treating a hypo, usually 10-15.",
        ge=1,
        le=60,
    )
    diabetes_target_range: Text | None = optional(
        "Diabetes: target range", "For example 4-7 mmol/L before meals."
    )
    diabetes_testing: Text | None = optional(
        "Diabetes: testing", "Who tests, when, and with what (meter, CGM, pump).", long=True
    )
    diabetes_ketones_above: float | None = optional(
        "Diabetes: ketones threshold (mmol/L)",
        "Blood ketones above which parents are called.",
        gt=0,
        le=10,
    )
    epilepsy_seizures: Text | None = optional(
        "Epilepsy: seizure types",
        "What each seizure looks like, how long it usually lasts, recovery.",
        long=True,
    )
    epilepsy_rescue_after_minutes: int | None = optional(
        "Epilepsy: rescue medicine after (minutes)",
        "Minutes a seizure lasts before emergency medicine is given, commonly 5.",
        ge=1,
        le=30,
    )
    allergens: Text | None = optional(
        "Allergy: allergens", "What the pupil is allergic to, e.g. peanuts, tree nuts."
    )
    allergy_asthma_too: YesNo | None = optional(
        "Allergy: also has asthma", "Yes if the pupil also has asthma (higher risk)."
    )


class Medicine(Row):
    table = "Medicines"
    blank_rows = 5

    name: Text = ask("Medicine", "Name and strength as on the pharmacy label.")
    dose: Text = ask("Dose", "How much, e.g. '2 puffs', '0.3 mg', '5 mg'.")
    route: Route = ask("How it is given", "Choose how the medicine is taken.")
    when: Text = ask("When", "When or how often, e.g. 'when wheezy', 'before lunch'.")
    use: MedicineUse = ask("Regular or emergency", "Regular, when needed, or emergency.")
    who_gives: WhoGives = ask("Who gives it", "Staff, or the pupil with or without supervision.")
    carries_own: YesNo = ask("Carries own", "Yes if the pupil carries it.", default=False)
    storage: Text = ask("Where it is kept", "Exact place, and who can reach it.")
    controlled_drug: YesNo = ask(
        "Controlled drug", "Yes for controlled drugs such as buccal midazolam.", default=False
    )
    expiry: UKDate | None = optional("Expiry date", "Expiry date on the box.")
    side_effects: Text | None = optional("Side effects", "Side effects to look out for.")
    precautions: Text | None = optional(
        "Precautions", "Contra-indications and special precautions."
    )
    quantity_received: Text | None = optional("Quantity received", "How much the school received.")
    date_received: UKDate | None = optional("Date received", "When the school received it.")


class Medicines(Section):
    sheet = "Medicines"
    intro = "One row per medicine, regular and emergency. Consents are given by the parent."

    medicines: list[Medicine] = ask("Medicines", "One row per medicine.", default_factory=list)
    consent_staff_give: YesNo | None = optional(
        "Parent consents to staff giving medicines", "Yes if the parent consents (DfE Template B)."
    )
    consent_emergency_inhaler: YesNo | None = optional(
        "Consent: school's emergency salbutamol inhaler",
        "Yes if the parent consents to the school's spare inhaler being used.",
    )
    consent_spare_auto_injector: YesNo | None = optional(
        "Consent: school's spare adrenaline auto-injector",
        "Yes if the parent consents to the school's spare auto-injector being used.",
    )


class DailyCare(Section):
    sheet = "Daily care"
    intro = "What happens every school day. Leave a box empty if it does not apply."

    daily_care: Text | None = optional(
        "Daily care", "Care needed during the school day.", long=True
    )
    monitoring: Text | None = optional(
        "Testing and monitoring", "What is checked, when and by whom.", long=True
    )
    food_and_drink: Text | None = optional(
        "Food and drink", "Snacks, water, diet, meal times.", long=True
    )
    toileting: Text | None = optional(
        "Toilet access", "Access to toilets, personal care.", long=True
    )
    rest: Text | None = optional("Rest breaks", "When and where the pupil can rest.", long=True)
    physical_activity: Text | None = optional(
        "PE and physical activity", "What is needed before, during and after PE.", long=True
    )
    equipment: Text | None = optional(
        "Equipment", "Equipment used day to day and where it is kept.", long=True
    )


class EmergencyStep(Row):
    table = "EmergencySteps"
    blank_rows = 8

    step: Text = ask(
        "What to do", "One short step per row, in order. Leave empty to use the agreed defaults."
    )


class Emergency(Section):
    sheet = "Emergency"
    intro = (
        "What an emergency looks like for this pupil and what to do. If you leave the steps "
        "empty, the default steps for the condition are printed and marked as awaiting "
        "agreement by the healthcare professional."
    )

    signs: Text | None = optional(
        "What an emergency looks like", "Signs in plain words, for this pupil.", long=True
    )
    steps: list[EmergencyStep] = ask(
        "Emergency steps", "Numbered steps, each short.", default_factory=list
    )
    call_999_when: Text | None = optional(
        "Call 999 when", "When to call an ambulance, e.g. 'seizure over 5 minutes'.", long=True
    )
    call_parents_when: Text | None = optional(
        "Call parents when", "When to phone the family.", long=True
    )
    tell_ambulance: Text | None = optional(
        "What to tell the ambulance service", "Key words for the call handler, e.g. 'anaphylaxis'."
    )
    after_care: Text | None = optional(
        "After an emergency", "Recovery, recording, who to tell.", long=True
    )


class SupportPlan(Row):
    table = "GraduatedApproach"
    blank_rows = 8

    area: SupportArea = ask("Area", "Identity, inclusion, social, emotional, learning, care...")
    level: SupportLevel = ask("Level", "Universal (everyone), targeted or specialist support.")
    provision: Text = ask("What we will do", "The support in plain words.")
    who: Text | None = optional("Who", "Who provides it.")


class SchoolLife(Section):
    sheet = "School life"
    intro = (
        "The impact on learning and school life, and the support agreed, area by area "
        "(the Leeds IHP's prompts), then the graduated approach."
    )

    identity: Text | None = optional(
        "Identity", "How the condition affects how the pupil sees themselves.", long=True
    )
    inclusion: Text | None = optional(
        "Inclusion", "Taking part fully in lessons and school life.", long=True
    )
    social: Text | None = optional("Social", "Friendships, break times, clubs.", long=True)
    emotional: Text | None = optional("Emotional", "Worries, wellbeing, counselling.", long=True)
    learning: Text | None = optional(
        "Learning", "Impact on learning; catch-up for missed work.", long=True
    )
    personal_care: Text | None = optional(
        "Personal and medical care", "Dignity, privacy, personal care.", long=True
    )
    exam_arrangements: Text | None = optional(
        "Exam and test arrangements",
        "Access arrangements, rest breaks, equipment in exams.",
        long=True,
    )
    support: list[SupportPlan] = ask(
        "Graduated approach", "Support, area by area and level by level.", default_factory=list
    )


class Trips(Section):
    sheet = "Trips"
    intro = "Trips, residentials, clubs and transport: what changes away from the classroom."

    trips: Text | None = optional("Trips and visits", "What is needed on day trips.", long=True)
    residentials: Text | None = optional("Residentials", "Overnight stays.", long=True)
    out_of_hours: Text | None = optional(
        "Clubs and out-of-hours activities", "Before/after school.", long=True
    )
    transport: Text | None = optional("Transport", "Home-to-school and trip transport.", long=True)
    risk_assessment: Text | None = optional(
        "Risk assessment", "Where the risk assessment is and who writes it.", long=True
    )


class Appointment(Row):
    table = "Appointments"
    blank_rows = 4

    what: Text = ask("Appointment", "e.g. 'Diabetes clinic'.")
    with_whom: Text | None = optional("With", "Professional or clinic.")
    how_often: Text | None = optional("How often", "e.g. 'every 3 months'.")
    notes: Text | None = optional("Notes", "Catch-up arrangements, transport.")


class Attendance(Section):
    sheet = "Attendance"
    intro = (
        "How the condition and appointments affect attendance, and how missed work is caught up."
    )

    impact: Text | None = optional("Impact on attendance", "Absences expected and why.", long=True)
    catch_up: Text | None = optional("Catching up", "How missed work is caught up.", long=True)
    appointments: list[Appointment] = ask(
        "Regular appointments", "Clinic and therapy appointments.", default_factory=list
    )


class Future(Section):
    sheet = "Future"
    intro = "Transitions and preparing for adulthood (from age 14 the pupil leads this)."

    transitions: Text | None = optional(
        "Transitions",
        "Moving class, key stage or school: what is handed over and to whom.",
        long=True,
    )
    adulthood: Text | None = optional(
        "Preparing for adulthood",
        "Managing their own condition, independence, next steps.",
        long=True,
    )


class Voice(Section):
    sheet = "Pupil's voice"
    intro = (
        "In the pupil's own words where possible. Their views carry more weight as they grow; "
        "from 14 they lead."
    )

    want_staff_to_know: Text | None = optional(
        "What I want staff to know", "In the pupil's words.", long=True
    )
    how_to_help: Text | None = optional(
        "How I like to be helped", "In the pupil's words.", long=True
    )
    what_worries_me: Text | None = optional("What worries me", "In the pupil's words.", long=True)
    recorded_by: Text | None = optional("Written by", "The pupil, or who wrote it down with them.")


class Training(Row):
    table = "StaffTraining"
    blank_rows = 6

    staff_name: Text = ask("Staff member", "Name.")
    staff_role: Text | None = optional("Role", "Job title.")
    training: Text = ask("Training", "What they were trained to do.")
    trainer: Text | None = optional("Trainer", "Name of the trainer.")
    trainer_profession: Text | None = optional(
        "Trainer's profession", "e.g. Diabetes specialist nurse."
    )
    date: UKDate | None = optional("Date trained", "Day/month/year.")
    competent: YesNo | None = optional(
        "Signed off competent", "Yes once the healthcare professional signs them off."
    )
    competent_date: UKDate | None = optional("Date signed off", "Day/month/year.")
    renewal_date: UKDate | None = optional("Renew by", "When the training must be refreshed.")


class StaffTraining(Section):
    sheet = "Training"
    intro = "Staff trained to support this pupil (DfE Template E), signed off by a healthcare professional."

    training: list[Training] = ask(
        "Staff training", "One row per person per training.", default_factory=list
    )
    cover: Text | None = optional(
        "Cover when trained staff are absent", "Who steps in, and how they know.", long=True
    )


class Attendee(Row):
    table = "Attendees"
    blank_rows = 6

    name: Text = ask("Name", "Who came to the meeting.")
    role: AttendeeRole = ask("Role", "Parent, pupil, healthcare professional, staff...")
    detail: Text | None = optional(
        "Relationship or job", "e.g. 'Mother', 'Diabetes nurse', 'Class teacher'."
    )


class Agreement(Section):
    sheet = "Agreement"
    intro = "Who met, who wrote and agreed the plan, the dates, and consent."

    meeting_date: UKDate = ask("Meeting date", "The date of the meeting.")
    attendees: list[Attendee] = ask("Who attended", "One row per person.", default_factory=list)
    written_by: Text = ask("Plan written by", "Name and role.")
    agreed_by: Text | None = optional(
        "Agreed by healthcare professional",
        "Name and role of the healthcare professional who agreed the plan; empty if still awaited.",
    )
    agreed_date: UKDate | None = optional(
        "Date agreed", "When the healthcare professional agreed it."
    )
    plan_date: UKDate = ask("Plan date", "The date this plan starts.")
    review_date: UKDate = ask(
        "Review date", "At most 12 months after the plan date; sooner if needs change."
    )
    review_triggers: Text | None = optional(
        "Review sooner if",
        "For example a change of medicine, a hospital stay, a new diagnosis.",
        long=True,
    )
    copied_to: Text | None = optional("Copied to", "Who receives a copy of the plan.", long=True)
    parent_consent: YesNo | None = optional(
        "Parent agrees to the plan", "Yes once a parent has agreed the plan and signed it."
    )
    pupil_signs: YesNo | None = optional(
        "Pupil signs the plan", "Yes if it is appropriate for the pupil to sign too."
    )

    @property
    def is_agreed(self) -> bool:
        return bool(self.agreed_by and self.agreed_date)


class IdpNeed(Row):
    table = "IdpNeeds"
    blank_rows = 10

    area: IdpArea = ask(
        "Area", "Which part of the health and social care section this need belongs to."
    )
    need: Text = ask("Need", "The need, in plain words. Record it even if health has not replied.")
    provision: Text | None = optional("Provision", "What will be provided.")
    provided_by: Text | None = optional(
        "Provided by", "Who secures or delivers it (health board, school, social care)."
    )
    status: AdviceStatus = ask("Status", "Agreed, or health advice pending.")
    advice_requested: UKDate | None = optional(
        "Advice requested on", "When health or social care advice was requested (if pending)."
    )


class Idp(Section):
    sheet = "IDP health"
    intro = (
        "Wales only: the health and social care section of the learner's Individual Development "
        "Plan (ALN Code 23.55-23.63 and 21.10). Record every need even if advice is pending."
    )

    needs: list[IdpNeed] = ask(
        "IDP health and social care needs", "One row per need.", default_factory=list
    )


# --------------------------------------------------------------------------------------------


class Plan(Part):
    """A whole Individual Healthcare Plan: one pupil's workbook plus their school's details."""

    form_version: str = FORM_VERSION
    school: School
    pupil: Pupil
    background: Background
    contacts: Contacts
    conditions: ConditionDetails
    medicines: Medicines
    daily_care: DailyCare
    emergency: Emergency
    school_life: SchoolLife
    trips: Trips
    attendance: Attendance
    future: Future
    voice: Voice
    training: StaffTraining
    agreement: Agreement
    idp: Idp = Field(default_factory=Idp)

    @model_validator(mode="after")
    def _dates_agree(self) -> Self:
        agreement = self.agreement
        if self.pupil.date_of_birth >= agreement.plan_date:
            raise PydanticCustomError(
                "dob_after_plan",
                "the date of birth {dob} is not before the plan date {plan}",
                {
                    "dob": f"{self.pupil.date_of_birth:%d/%m/%Y}",
                    "plan": f"{agreement.plan_date:%d/%m/%Y}",
                    "hint": "check the date of birth (day/month/year) and the plan date",
                    "field": "pupil.date_of_birth",
                },
            )
        if agreement.review_date <= agreement.plan_date:
            raise PydanticCustomError(
                "review_before_plan",
                "the review date {review} is not after the plan date {plan}",
                {
                    "review": f"{agreement.review_date:%d/%m/%Y}",
                    "plan": f"{agreement.plan_date:%d/%m/%Y}",
                    "hint": "type a review date after the plan date, at most 12 months on",
                    "field": "agreement.review_date",
                },
            )
        return self

    # Facts the documents and checks need, derived here once so templates stay simple.

    @property
    def pupil_name(self) -> str:
        """The name the pupil is called by: preferred first name, then the legal last name."""
        if not self.pupil.preferred_name:
            return self.pupil.legal_name
        parts = self.pupil.legal_name.split()
        if len(parts) > 1 and parts[-1].lower() not in self.pupil.preferred_name.lower():
            return f"{self.pupil.preferred_name} {parts[-1]}"
        return self.pupil.preferred_name

    def age_on(self, day: date) -> int:
        born = self.pupil.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    @property
    def condition_kinds(self) -> list[ConditionKind]:
        return list(dict.fromkeys(condition.kind for condition in self.conditions.conditions))

    @property
    def emergency_medicines(self) -> list[Medicine]:
        return [m for m in self.medicines.medicines if m.use is MedicineUse.EMERGENCY]


SECTIONS: dict[str, type[Section]] = {
    name: field.annotation  # type: ignore[misc]
    for name, field in Plan.model_fields.items()
    if isinstance(field.annotation, type)
    and issubclass(field.annotation, Section)
    and field.annotation is not School
}
"""The pupil workbook's sections, in sheet order, keyed by their name in `Plan`."""


def defined_name(section: str, field: str) -> str:
    """The workbook name of a single field: `pupil_legal_name`."""
    return f"{section}_{field}"


def table_fields(section: type[Section]) -> dict[str, type[Row]]:
    """The repeating groups of a section: field name -> row model."""
    tables: dict[str, type[Row]] = {}
    for name, field in section.model_fields.items():
        args = getattr(field.annotation, "__args__", ())
        if args and isinstance(args[0], type) and issubclass(args[0], Row):
            tables[name] = args[0]
    return tables


def single_fields(section: type[Section]) -> list[str]:
    """The single-valued fields of a section, in form order."""
    tables = table_fields(section)
    return [name for name in section.model_fields if name not in tables]
