"""Plans built directly in Python, for any test that needs one.

`make_plan()` is a rich plan with every field filled with a distinctive value, so a test can
find each value in the right section of a document. `make_plan(minimal=True)` holds only what the
model requires. Keyword arguments replace fields section by section:

    make_plan(pupil={"legal_name": "Zoë O'Brien & <Sons>"}, emergency={"steps": []})

`longest_plan()` has the longest text the form accepts in every text field and long lists.
"""

from __future__ import annotations

import copy
import typing
from datetime import date
from typing import Any

from pydantic import BaseModel

from pipeline.model import TEXT_LIMIT, ConditionKind, Plan, Row, check_text

SCHOOL: dict[str, Any] = {
    "name": "Hillside Primary School",
    "nation": "England",
    "address": "12 Park Road\nHeadingley\nLeeds",
    "postcode": "LS6 2AB",
    "satnav_postcode": "LS6 2AD",
    "what3words": "///index.home.raft",
    "main_phone": "0113 496 0123",
    "phone_for_999": "0113 496 0999",
    "email": "office@hillside.example.org",
    "headteacher": "Mrs Helen Ward",
    "senco": "Mr Sam Patel",
    "senco_email": "senco@hillside.example.org",
    "best_entrance": "Main gate on Park Road, then the double doors by reception",
    "who_meets_crew": "The school business manager, Mrs Carol Hughes",
    "reply_days": 14,
    "retention_years": 25,
}

RICH: dict[str, Any] = {
    "school": SCHOOL,
    "pupil": {
        "legal_name": "Amira Jane Khan",
        "preferred_name": "Mira",
        "date_of_birth": date(2015, 4, 3),
        "year_group": "Year 5",
        "class_name": "5 Willow",
        "school_reference": "ADM-20931",
        "home_address": "4 Elm Terrace\nLeeds\nLS6 3QQ",
        "nhs_number": "943 476 5919",
        "photo": "amira-khan.jpg",
        "photo_consent": True,
    },
    "background": {
        "trigger": "Newly diagnosed",
        "trigger_details": "Diagnosed with type 1 diabetes at Leeds General Infirmary in March.",
        "linked_plan": "SEN support",
        "emergency_healthcare_plan": True,
        "who_needs_to_know": "Class teacher, teaching assistants, lunchtime staff, office staff",
        "confidentiality": "Mira is happy for her class to know; please do not discuss her diet.",
    },
    "contacts": {
        "family": [
            {
                "name": "Nadia Khan",
                "relationship": "Mother",
                "mobile": "07700 100123",
                "work_phone": "0113 496 0456",
                "email": "nadia.khan@example.org",
                "parental_responsibility": True,
            },
            {
                "name": "Omar Khan",
                "relationship": "Father",
                "mobile": "07400 123456",
                "home_phone": "0113 496 0789",
                "parental_responsibility": True,
            },
            {
                "name": "Ruth Brown",
                "relationship": "Grandmother",
                "mobile": "07911 123456",
                "parental_responsibility": False,
            },
        ],
        "healthcare": [
            {
                "role": "Specialist nurse",
                "name": "Kate Lowe",
                "organisation": "Leeds Children's Diabetes Team",
                "phone": "0113 496 0321",
                "email": "kate.lowe@nhs.example.org",
            },
            {
                "role": "GP",
                "name": "Dr Priya Shah",
                "organisation": "Hyde Park Surgery",
                "phone": "0113 496 0654",
            },
        ],
        "lead_staff": "Miss Ellie Ford, class teacher",
        "emergency_lead": "Mr Dan Reeves, first aider (cover: Mrs Jo Bell)",
        "offsite_lead": "The trip leader, with a trained first aider",
    },
    "conditions": {
        "conditions": [
            {
                "kind": "Type 1 diabetes",
                "diagnosis": "Type 1 diabetes mellitus",
                "signs": "Goes quiet and pale when her glucose is low",
                "triggers": "Exercise, missed snacks, illness",
                "treatment": "Insulin pump; carbohydrate counting at lunch",
            },
            {
                "kind": "Asthma",
                "diagnosis": "Mild asthma",
                "signs": "Wheeze and a dry cough",
                "triggers": "Cold air, pollen",
                "treatment": "Salbutamol when needed",
            },
        ],
        "facilities": "A quiet room with a chair for glucose checks",
        "environment": "Hot classrooms in summer raise her glucose",
        "asthma_reliever": "Salbutamol (blue)",
        "asthma_spacer": True,
        "asthma_mart": False,
        "diabetes_hypo_below": 4.5,
        "diabetes_fast_sugar": "4 glucose tablets (16 g)",
        "diabetes_recheck_minutes": 15,
        "diabetes_target_range": "4-7 mmol/L before meals",
        "diabetes_testing": "CGM on her arm; staff check the phone app before PE",
        "diabetes_ketones_above": 0.6,
        "epilepsy_seizures": "Not applicable to Mira (no seizures)",
        "epilepsy_rescue_after_minutes": 5,
        "allergens": "No known allergens",
        "allergy_asthma_too": False,
    },
    "medicines": {
        "medicines": [
            {
                "name": "Glucogel 40% oral gel",
                "dose": "One 25 g tube",
                "route": "By mouth",
                "when": "Hypo when she cannot chew tablets",
                "use": "Emergency",
                "who_gives": "Staff give it",
                "carries_own": False,
                "storage": "Red hypo box in the 5 Willow classroom cupboard",
                "controlled_drug": False,
                "expiry": date(2027, 1, 31),
                "side_effects": "None expected",
                "precautions": "Only if she can swallow",
                "quantity_received": "3 tubes",
                "date_received": date(2026, 3, 30),
            },
            {
                "name": "Salbutamol 100 micrograms inhaler",
                "dose": "2 puffs",
                "route": "Inhaled",
                "when": "When wheezy",
                "use": "When needed",
                "who_gives": "Pupil, supervised by staff",
                "carries_own": True,
                "storage": "In her book bag; spare in the school office",
                "controlled_drug": False,
                "expiry": date(2026, 12, 31),
                "side_effects": "Shaky hands for a short time",
                "precautions": "Use with her yellow spacer",
                "quantity_received": "1 inhaler",
                "date_received": date(2026, 3, 30),
            },
        ],
        "consent_staff_give": True,
        "consent_emergency_inhaler": True,
        "consent_spare_auto_injector": False,
    },
    "daily_care": {
        "daily_care": "Glucose check before break, lunch and home time",
        "monitoring": "CGM readings checked by the class TA",
        "food_and_drink": "Snack at 10:30; water bottle on her desk",
        "toileting": "May leave class for the toilet without asking",
        "rest": "Rest in the quiet room after a hypo",
        "physical_activity": "Check glucose before PE; carry hypo box to the field",
        "equipment": "Hypo box, CGM phone, insulin pump supplies",
    },
    "emergency": {
        "signs": "Pale, sweaty and quiet\nGlucose below 4.5 mmol/L",
        "steps": [
            {"step": "Give 4 glucose tablets (16 g) at once."},
            {"step": "Stay with Mira; do not send her anywhere alone."},
            {"step": "Recheck glucose after 15 minutes."},
        ],
        "call_999_when": "Mira is unconscious or cannot swallow",
        "call_parents_when": "After any hypo below 3 mmol/L",
        "tell_ambulance": "Type 1 diabetes, pump user",
        "after_care": "Record the hypo in the log book and tell her mother at home time",
    },
    "school_life": {
        "identity": "Mira wants to be seen as sporty, not as ill",
        "inclusion": "Takes part in every lesson with a snack nearby",
        "social": "Lunch with friends; staff discreet about checks",
        "emotional": "Worried about hypos in front of friends",
        "learning": "May lose focus when glucose is high",
        "personal_care": "Pump changes in the medical room, privately",
        "exam_arrangements": "Rest breaks and a glucose check in SATs",
        "support": [
            {
                "area": "Emotional",
                "level": "Targeted",
                "provision": "Weekly check-in with the learning mentor",
                "who": "Mrs Amy Price",
            },
            {
                "area": "Learning",
                "level": "Universal",
                "provision": "Catch-up notes after appointments",
                "who": "Class teacher",
            },
            {
                "area": "Personal and medical care",
                "level": "Specialist",
                "provision": "Pump training for two TAs",
                "who": "Diabetes nurse",
            },
        ],
    },
    "trips": {
        "trips": "A trained adult carries the hypo box on every trip",
        "residentials": "Year 6 residential: a parent meeting beforehand",
        "out_of_hours": "Football club: coach told about hypos",
        "transport": "Walks to school with her father",
        "risk_assessment": "Written by the trip leader with the SENCo",
    },
    "attendance": {
        "impact": "Clinic every three months; rare sick days",
        "catch_up": "Work sent home through the class page",
        "appointments": [
            {
                "what": "Diabetes clinic",
                "with_whom": "Leeds Children's Hospital",
                "how_often": "Every 3 months",
                "notes": "Half-day absence",
            },
        ],
    },
    "future": {
        "transitions": "Handover to Year 6 teacher in July",
        "adulthood": "Learning to count carbohydrates on her own",
    },
    "voice": {
        "want_staff_to_know": "I can do everything, I just need snacks",
        "how_to_help": "Quietly remind me to check my levels",
        "what_worries_me": "Having a hypo in assembly",
        "recorded_by": "Mira, with Miss Ford",
    },
    "training": {
        "training": [
            {
                "staff_name": "Miss Ellie Ford",
                "staff_role": "Class teacher",
                "training": "Hypo recognition and treatment",
                "trainer": "Kate Lowe",
                "trainer_profession": "Diabetes specialist nurse",
                "date": date(2026, 3, 20),
                "competent": True,
                "competent_date": date(2026, 3, 20),
                "renewal_date": date(2027, 3, 20),
            },
            {
                "staff_name": "Mr Dan Reeves",
                "staff_role": "Teaching assistant",
                "training": "Insulin pump basics",
                "trainer": "Kate Lowe",
                "trainer_profession": "Diabetes specialist nurse",
                "date": date(2026, 3, 21),
                "competent": False,
                "renewal_date": date(2027, 3, 21),
            },
        ],
        "cover": "Mrs Jo Bell covers when Miss Ford is absent",
    },
    "agreement": {
        "meeting_date": date(2026, 3, 25),
        "attendees": [
            {"name": "Nadia Khan", "role": "Parent or carer", "detail": "Mother"},
            {"name": "Mira Khan", "role": "Pupil"},
            {"name": "Kate Lowe", "role": "Healthcare professional", "detail": "Diabetes nurse"},
            {"name": "Mr Sam Patel", "role": "School staff", "detail": "SENCo"},
        ],
        "written_by": "Mr Sam Patel, SENCo",
        "agreed_by": "Kate Lowe, diabetes specialist nurse",
        "agreed_date": date(2026, 3, 30),
        "plan_date": date(2026, 4, 1),
        "review_date": date(2027, 3, 31),
        "review_triggers": "A change of insulin regime or a hospital stay",
        "copied_to": "Parents, class teacher, school nurse",
        "parent_consent": True,
        "pupil_signs": True,
    },
    "idp": {
        "needs": [
            {
                "area": "Medical diagnoses",
                "need": "Type 1 diabetes managed with a pump",
                "provision": "Trained TA for pump checks",
                "provided_by": "Health board diabetes team",
                "status": "Agreed",
            },
            {
                "area": "Fatigue and pain",
                "need": "Tiredness after hypos",
                "status": "Health advice pending",
                "advice_requested": date(2026, 3, 26),
            },
        ]
    },
}

MINIMAL: dict[str, Any] = {
    "school": {
        key: SCHOOL[key]
        for key in (
            "name",
            "address",
            "postcode",
            "main_phone",
            "headteacher",
            "senco",
            "best_entrance",
            "who_meets_crew",
        )
    },
    "pupil": {
        "legal_name": "Leo Green",
        "date_of_birth": date(2016, 9, 14),
        "year_group": "Year 4",
    },
    "background": {"trigger": "Starting at or moving school"},
    "contacts": {
        "family": [{"name": "Sara Green", "relationship": "Mother", "mobile": "07123 456789"}],
        "lead_staff": "Mrs Ann Cole, class teacher",
        "emergency_lead": "Mrs Ann Cole",
    },
    "conditions": {
        "conditions": [{"kind": "Anaphylaxis or severe allergy", "diagnosis": "Peanut allergy"}]
    },
    "medicines": {},
    "daily_care": {},
    "emergency": {},
    "school_life": {},
    "trips": {},
    "attendance": {},
    "future": {},
    "voice": {},
    "training": {},
    "agreement": {
        "meeting_date": date(2026, 1, 12),
        "written_by": "Mr Sam Patel, SENCo",
        "plan_date": date(2026, 1, 15),
        "review_date": date(2027, 1, 14),
    },
}


def plan_fields(*, minimal: bool = False, **sections: Any) -> dict[str, Any]:
    """The raw fields of a plan, with `sections` replacing fields section by section."""
    fields = copy.deepcopy(MINIMAL if minimal else RICH)
    for name, value in sections.items():
        if isinstance(value, dict) and isinstance(fields.get(name), dict):
            fields[name] = {**fields[name], **value}
        else:
            fields[name] = value
    return fields


def make_plan(*, minimal: bool = False, **sections: Any) -> Plan:
    """A validated plan: rich by default, or only the required fields."""
    return Plan.model_validate(plan_fields(minimal=minimal, **sections))


def long_text(label: str, limit: int = TEXT_LIMIT) -> str:
    """`limit` characters of wide, word-wrapped text starting with `label`."""
    words = f"{label} " + " ".join(["WIDE Mmmm wording"] * (limit // 17 + 1))
    text = words[:limit]
    return text if not text.endswith(" ") else text[:-1] + "x"  # stripped text stays full length


def _is_text(info: Any) -> bool:
    """Whether a field is free text (`model.Text`), optional or not."""
    metadata = list(info.metadata)
    for arg in typing.get_args(info.annotation):
        metadata += list(getattr(arg, "__metadata__", ()))
    return any(getattr(meta, "func", None) is check_text for meta in metadata)


def _lengthen(model: type[BaseModel], fields: dict[str, Any], label: str) -> dict[str, Any]:
    """Every text field of `fields` (and of its rows) at the longest the form accepts."""
    out = dict(fields)
    for name, info in model.model_fields.items():
        args = getattr(info.annotation, "__args__", ())
        row = next((a for a in args if isinstance(a, type) and issubclass(a, Row)), None)
        if row is not None and isinstance(out.get(name), list):
            out[name] = [
                _lengthen(row, item, f"{label}-{name}{i}") for i, item in enumerate(out[name])
            ]
        elif _is_text(info) and name != "photo":
            out[name] = long_text(f"{label}-{name}")
    return out


def longest_plan(**sections: Any) -> Plan:
    """The longest text the form accepts in every field, with many contacts, steps and rows."""
    fields = plan_fields(**sections)
    fields["contacts"]["family"] = [
        {
            "name": f"Contact {i}",
            "relationship": "Relative",
            "mobile": "07700 100123",
            "home_phone": "0113 496 0789",
            "work_phone": "0113 496 0456",
        }
        for i in range(12)
    ]
    fields["emergency"]["steps"] = [{"step": f"Step {i}"} for i in range(40)]
    fields["conditions"]["conditions"] = [
        {"kind": kind.value, "diagnosis": kind.value} for kind in ConditionKind
    ] * 2
    fields["medicines"]["medicines"] = [
        {**medicine, "use": "Emergency"} for medicine in fields["medicines"]["medicines"] * 6
    ]
    for name, value in sections.items():  # the caller's choices win over the long lists
        if isinstance(value, dict) and isinstance(fields.get(name), dict):
            fields[name] = {**fields[name], **value}
    out: dict[str, Any] = {}
    for name, info in Plan.model_fields.items():
        model = info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel) and name in fields:
            out[name] = _lengthen(model, fields[name], name)
        elif name in fields:
            out[name] = fields[name]
    return Plan.model_validate(out)


#: the workbook leaves the emergency wording to the condition library's defaults
NO_OWN_WORDING: dict[str, Any] = {
    "steps": [],
    "signs": None,
    "call_999_when": None,
    "tell_ambulance": None,
}


def priya_like(*kinds: str) -> Plan:
    """Like samples/priya-sharma.xlsx: conditions of these kinds with the library's default
    wording awaiting agreement, and two family contacts."""
    return make_plan(
        emergency=NO_OWN_WORDING,
        agreement={"agreed_by": None},
        conditions={"conditions": [{"kind": kind, "diagnosis": kind} for kind in kinds]},
        contacts={"family": RICH["contacts"]["family"][:2]},
    )
