"""Write the synthetic sample workbooks: `.venv/bin/python samples/make_samples.py`.

Every pupil, family, member of staff, professional and school here is invented. Phone numbers
are in Ofcom's ranges reserved for drama (01632 960xxx, 07700 900xxx, 0113 496 0xxx), NHS
numbers use the 999 test prefix, and photos are drawn placeholders, not faces.

The samples are filled into a freshly generated form by defined name and table name (the same
names the reader uses), so they always match the current form. `invalid/` holds copies of one
sample, each with exactly one kind of mistake, and `invalid/EXPECTED.md` says where each
mistake is and what `ihp check` says about it.
"""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.cell import range_boundaries
from PIL import Image, ImageDraw

from pipeline.form import (
    FIXED_TIME,
    fill_form,
    label_of,
    save_workbook,
    write_pupil_form,
    write_school_form,
)
from pipeline.model import SECTIONS, Medicine, Nation, table_fields

HERE = Path(__file__).resolve().parent
INVALID = HERE / "invalid"

Rows = list[dict[str, Any]]


@dataclass
class Sample:
    """One synthetic pupil: single fields by defined name, table rows by table name."""

    slug: str
    fields: dict[str, Any]
    tables: dict[str, Rows] = field(default_factory=dict)
    #: background colour of the placeholder photo, if the pupil has one
    photo: str | None = None


SCHOOL: dict[str, Any] = {
    "school_name": "Kirkgate Fields School",
    "school_nation": "England",
    "school_address": "Moor Lane\nKirkgate Fields\nLeeds",
    "school_postcode": "LS16 9ZX",
    "school_satnav_postcode": "LS16 9ZY",
    "school_what3words": "///lantern.meadow.quilt",
    "school_main_phone": "0113 496 0000",
    "school_phone_for_999": "0113 496 0001",
    "school_email": "office@kirkgatefields.example.org",
    "school_headteacher": "Mrs Helen Ashworth",
    "school_senco": "Mr Daniel Okoro",
    "school_senco_email": "senco@kirkgatefields.example.org",
    "school_best_entrance": "Main gate on Moor Lane, then straight ahead to the glass doors of "
    "reception. The gate code is given to the call handler.",
    "school_who_meets_crew": "The office manager (or the deputy head) waits at the main gate "
    "with a high-visibility vest.",
    "school_reply_days": 14,
    "school_retention_years": 25,
}


def _agreement(
    meeting: date,
    plan: date,
    review: date,
    attendees: Rows,
    *,
    agreed_by: str | None,
    agreed: date | None,
    triggers: str = "A change of medicine or dose, a hospital admission, a new diagnosis, "
    "a change of school or key stage, or if the family or the pupil ask.",
) -> tuple[dict[str, Any], Rows]:
    fields = {
        "agreement_meeting_date": meeting,
        "agreement_written_by": "Daniel Okoro, SENCo",
        "agreement_agreed_by": agreed_by,
        "agreement_agreed_date": agreed,
        "agreement_plan_date": plan,
        "agreement_review_date": review,
        "agreement_review_triggers": triggers,
        "agreement_copied_to": "Parents; class teacher; school office (first aid); "
        "school nurse; lunchtime supervisors' file",
        "agreement_parent_consent": True,
        "agreement_pupil_signs": False,
    }
    return fields, attendees


def amelia() -> Sample:
    """Asthma, Year 3: reliever through a spacer; the school's emergency inhaler consented."""
    agreement, attendees = _agreement(
        date(2026, 9, 10),
        date(2026, 9, 14),
        date(2027, 7, 9),
        [
            {"name": "Rachel Hart", "role": "Parent or carer", "detail": "Mother"},
            {"name": "Amelia Hart", "role": "Pupil", "detail": "Joined for the last ten minutes"},
            {"name": "Joanne Price", "role": "Healthcare professional", "detail": "School nurse"},
            {"name": "Tom Fielding", "role": "School staff", "detail": "Class teacher, 3F"},
        ],
        agreed_by="Joanne Price, School nurse",
        agreed=date(2026, 9, 18),
    )
    return Sample(
        "amelia-hart",
        {
            "pupil_legal_name": "Amelia Rose Hart",
            "pupil_preferred_name": "Millie",
            "pupil_date_of_birth": date(2018, 6, 14),
            "pupil_year_group": "Year 3",
            "pupil_class_name": "3F",
            "pupil_school_reference": "KF2018-0412",
            "pupil_home_address": "14 Larch Grove\nKirkgate Fields\nLeeds LS16 9QA",
            "pupil_photo": "amelia-hart.png",
            "pupil_photo_consent": True,
            "background_trigger": "Newly diagnosed",
            "background_trigger_details": "Diagnosed with asthma by her GP in July after two "
            "chest infections and night-time coughing.",
            "background_linked_plan": "None",
            "background_who_needs_to_know": "Class teacher and teaching assistant, PE teacher, "
            "lunchtime supervisors, office staff, breakfast club staff.",
            "contacts_lead_staff": "Tom Fielding, class teacher 3F",
            "contacts_emergency_lead": "The first-aider on duty; the office calls Mrs Hart",
            "contacts_offsite_lead": "The trip leader named on the risk assessment",
            "conditions_facilities": "Spacer kept with the inhaler in the red medical bag.",
            "conditions_environment": "Cold air and cut grass make her wheezy: she may stay in "
            "at break on very cold days.",
            "conditions_asthma_reliever": "Salbutamol 100 micrograms (blue)",
            "conditions_asthma_spacer": True,
            "conditions_asthma_mart": False,
            "medicines_consent_staff_give": True,
            "medicines_consent_emergency_inhaler": True,
            "daily_care_physical_activity": "Two puffs of her blue inhaler 10 minutes before PE "
            "or cross-country; the inhaler goes to the field with her.",
            "daily_care_equipment": "Blue inhaler and spacer in the red medical bag on the hook "
            "by the classroom door.",
            "emergency_signs": "Coughing that will not stop, wheezing, a tight chest ('my tummy "
            "hurts' is how Millie often describes it), struggling to speak in full sentences.",
            "emergency_call_999_when": "No better after 10 puffs, getting worse at any time, too "
            "breathless to talk, lips turning blue, or you are worried.",
            "emergency_call_parents_when": "Whenever she needs more than her usual 2 puffs.",
            "emergency_tell_ambulance": "Asthma attack",
            "emergency_after_care": "Stay with her until she is breathing normally; record the "
            "puffs given on the medicine record; tell her mother at home time.",
            "school_life_inclusion": "Takes part in everything, including PE and swimming.",
            "school_life_learning": "No impact expected; missed learning after a bad night is "
            "caught up in the afternoon intervention group.",
            "trips_trips": "Inhaler and spacer travel with the trip leader's first-aid kit.",
            "trips_residentials": "Year 4 residential: parents to give the plan to the centre.",
            "voice_want_staff_to_know": "I cough a lot when it is cold. It doesn't mean I am ill.",
            "voice_how_to_help": "Let me sit down and use my spacer. Talk to me calmly.",
            "voice_recorded_by": "Tom Fielding, with Millie",
            "training_cover": "All first-aiders are trained in asthma; the office keeps a list.",
            **agreement,
        },
        {
            "FamilyContacts": [
                {
                    "name": "Rachel Hart",
                    "relationship": "Mother",
                    "mobile": "07700 900101",
                    "work_phone": "0113 496 0102",
                    "email": "rachel.hart@example.com",
                    "parental_responsibility": True,
                },
                {
                    "name": "Simon Hart",
                    "relationship": "Father",
                    "mobile": "07700 900102",
                    "parental_responsibility": True,
                },
            ],
            "HealthcareContacts": [
                {
                    "role": "GP",
                    "name": "Dr Imran Aziz",
                    "organisation": "Kirkgate Medical Practice",
                    "phone": "0113 496 0110",
                },
                {
                    "role": "School nurse",
                    "name": "Joanne Price",
                    "organisation": "0-19 Public Health Nursing",
                    "phone": "0113 496 0111",
                    "email": "joanne.price@nhs.example.org",
                },
            ],
            "Conditions": [
                {
                    "kind": "Asthma",
                    "diagnosis": "Asthma (mild, intermittent)",
                    "signs": "Cough, wheeze, tight chest; says her tummy hurts.",
                    "triggers": "Cold air, colds, cut grass, running outside in winter.",
                    "treatment": "Brown preventer inhaler at home morning and night; blue "
                    "reliever when needed.",
                }
            ],
            "Medicines": [
                {
                    "name": "Salbutamol 100 micrograms inhaler (blue)",
                    "dose": "2 puffs through the spacer, up to 10 in an attack",
                    "route": "Inhaled",
                    "when": "When wheezy or coughing; before PE",
                    "use": "When needed",
                    "who_gives": "Pupil, supervised by staff",
                    "carries_own": False,
                    "storage": "Red medical bag by the 3F classroom door",
                    "controlled_drug": False,
                    "expiry": date(2027, 8, 31),
                    "side_effects": "Shaky hands, fast heartbeat for a short time",
                    "quantity_received": "1 inhaler, 200 doses",
                    "date_received": date(2026, 9, 14),
                }
            ],
            "StaffTraining": [
                {
                    "staff_name": "Tom Fielding",
                    "staff_role": "Class teacher",
                    "training": "Asthma awareness and inhaler with spacer",
                    "trainer": "Joanne Price",
                    "trainer_profession": "School nurse",
                    "date": date(2026, 9, 18),
                    "competent": True,
                    "competent_date": date(2026, 9, 18),
                    "renewal_date": date(2027, 9, 18),
                }
            ],
            "Attendees": attendees,
        },
        photo="#CFE3F3",
    )


def oliver() -> Sample:
    """Type 1 diabetes on a pump with a sensor; NHS number recorded."""
    agreement, attendees = _agreement(
        date(2026, 6, 24),
        date(2026, 9, 2),
        date(2027, 6, 30),
        [
            {"name": "Karen Bennett", "role": "Parent or carer", "detail": "Mother"},
            {"name": "Oliver Bennett", "role": "Pupil"},
            {
                "name": "Lucy Marsh",
                "role": "Healthcare professional",
                "detail": "Paediatric diabetes specialist nurse",
            },
            {"name": "Priti Desai", "role": "School staff", "detail": "Teaching assistant"},
            {"name": "Daniel Okoro", "role": "School staff", "detail": "SENCo"},
        ],
        agreed_by="Lucy Marsh, Paediatric diabetes specialist nurse",
        agreed=date(2026, 7, 1),
    )
    return Sample(
        "oliver-bennett",
        {
            "pupil_legal_name": "Oliver James Bennett",
            "pupil_preferred_name": "Ollie",
            "pupil_date_of_birth": date(2016, 11, 2),
            "pupil_year_group": "Year 5",
            "pupil_class_name": "5B",
            "pupil_school_reference": "KF2016-0877",
            "pupil_nhs_number": "999 765 4323",
            "background_trigger": "Annual review",
            "background_trigger_details": "Moved from injections to an insulin pump in May.",
            "background_who_needs_to_know": "All staff who teach him, lunchtime staff, kitchen "
            "manager (carbohydrate counts), PE and swimming teachers.",
            "contacts_lead_staff": "Priti Desai, teaching assistant (trained in his pump)",
            "contacts_emergency_lead": "Priti Desai; when she is absent, Claire Moss (TA)",
            "contacts_offsite_lead": "A trained TA always goes on trips with him",
            "conditions_facilities": "Private space in the medical room for checks; fridge "
            "not needed (insulin in the pump).",
            "conditions_diabetes_hypo_below": 4,
            "conditions_diabetes_fast_sugar": "3 glucose tablets (12 g) or 1 tube of GlucoGel",
            "conditions_diabetes_recheck_minutes": 15,
            "conditions_diabetes_target_range": "4-7 mmol/L before meals",
            "conditions_diabetes_testing": "Dexcom sensor readings on his phone; alarms below 4 "
            "and above 14. Finger-prick check if he feels unwell or the sensor disagrees.",
            "conditions_diabetes_ketones_above": 0.6,
            "medicines_consent_staff_give": True,
            "daily_care_daily_care": "Bolus for lunch on the pump with a TA checking the carbs "
            "entered. Snack at morning break.",
            "daily_care_monitoring": "Sensor checked before break, lunch, PE and home time.",
            "daily_care_food_and_drink": "May eat and drink in class at any time; water bottle "
            "on his desk. Carbohydrate counts from the kitchen menu.",
            "daily_care_toileting": "Toilet whenever he asks, without question.",
            "daily_care_physical_activity": "Check sensor before PE; 15 g snack if below 7.",
            "daily_care_equipment": "Hypo box (glucose tablets, GlucoGel, meter, biscuits) in "
            "the 5B cupboard and a second one in the office.",
            "emergency_signs": "Pale, sweaty, shaky, hungry, grumpy or quiet; hard to wake if "
            "it is severe.",
            "emergency_call_999_when": "He is unconscious, fitting, or cannot swallow safely.",
            "emergency_call_parents_when": "Two hypos in a day, ketones above 0.6, or he is "
            "vomiting.",
            "emergency_tell_ambulance": "Type 1 diabetes, hypoglycaemia",
            "emergency_after_care": "Once above 4, a biscuit or his lunch; no PE for 45 "
            "minutes; record on the hypo log.",
            "school_life_identity": "Ollie is proud of managing his pump and likes to explain it.",
            "school_life_learning": "Concentration drops when high or low: a re-check before "
            "tests, and extra time if he needs to treat a hypo.",
            "school_life_exam_arrangements": "Rest break and food in the SATs room.",
            "attendance_impact": "Clinic every 3 months (half a day).",
            "attendance_catch_up": "Work sent home on clinic days.",
            "voice_want_staff_to_know": "If I say I feel low, believe me, even if the sensor "
            "says I am fine.",
            "voice_how_to_help": "Bring my hypo box to me. Don't send me to the office on my own.",
            "voice_what_worries_me": "Having a hypo in swimming.",
            "voice_recorded_by": "Ollie, with Priti Desai",
            "training_cover": "Claire Moss (TA) covers; both are trained by the diabetes team.",
            **agreement,
        },
        {
            "FamilyContacts": [
                {
                    "name": "Karen Bennett",
                    "relationship": "Mother",
                    "mobile": "07700 900201",
                    "email": "karen.bennett@example.com",
                    "parental_responsibility": True,
                },
                {
                    "name": "Mark Bennett",
                    "relationship": "Father",
                    "mobile": "07700 900202",
                    "work_phone": "0113 496 0203",
                    "parental_responsibility": True,
                },
                {
                    "name": "Jean Bennett",
                    "relationship": "Grandmother",
                    "home_phone": "0113 496 0204",
                    "parental_responsibility": False,
                },
            ],
            "HealthcareContacts": [
                {
                    "role": "Specialist nurse",
                    "name": "Lucy Marsh",
                    "organisation": "Children's Diabetes Team, Leeds (fictional)",
                    "phone": "0113 496 0210",
                    "email": "diabetes.team@nhs.example.org",
                },
                {
                    "role": "Consultant or paediatrician",
                    "name": "Dr Alan Croft",
                    "organisation": "Children's Diabetes Team",
                },
                {
                    "role": "GP",
                    "name": "Dr Sarah Lyle",
                    "organisation": "Kirkgate Medical Practice",
                    "phone": "0113 496 0110",
                },
            ],
            "Conditions": [
                {
                    "kind": "Type 1 diabetes",
                    "diagnosis": "Type 1 diabetes (diagnosed 2021)",
                    "signs": "Low: pale, shaky, quiet. High: thirsty, needs the toilet, tired.",
                    "triggers": "Exercise, missed snacks, illness, hot weather.",
                    "treatment": "Insulin pump (Omnipod) with Dexcom sensor.",
                }
            ],
            "Medicines": [
                {
                    "name": "NovoRapid insulin (in the pump)",
                    "dose": "As calculated by the pump for the carbohydrate eaten",
                    "route": "Under the skin (pen or pump)",
                    "when": "With lunch and snacks",
                    "use": "Regular",
                    "who_gives": "Pupil, supervised by staff",
                    "carries_own": True,
                    "storage": "In the pump; spare pod in the office medicines cupboard",
                    "expiry": date(2027, 3, 31),
                    "side_effects": "Hypo if too much is given",
                },
                {
                    "name": "Glucose tablets (Lift)",
                    "dose": "3 tablets (12 g)",
                    "route": "By mouth",
                    "when": "Below 4 mmol/L or signs of a hypo",
                    "use": "Emergency",
                    "who_gives": "Staff give it",
                    "carries_own": True,
                    "storage": "Hypo box in the 5B cupboard; second box in the office",
                    "expiry": date(2027, 10, 31),
                },
                {
                    "name": "GlucoGel",
                    "dose": "1 tube (10 g) squeezed inside the cheek",
                    "route": "By mouth",
                    "when": "Hypo when he will not chew tablets",
                    "use": "Emergency",
                    "who_gives": "Staff give it",
                    "storage": "Hypo boxes",
                    "expiry": date(2027, 5, 31),
                },
            ],
            "GraduatedApproach": [
                {
                    "area": "Personal and medical care",
                    "level": "Specialist",
                    "provision": "Trained TA supervises lunchtime bolus and sensor checks",
                    "who": "Priti Desai",
                },
                {
                    "area": "Learning",
                    "level": "Targeted",
                    "provision": "Re-check before tests; extra time after a hypo",
                    "who": "Class teacher",
                },
                {
                    "area": "Inclusion",
                    "level": "Universal",
                    "provision": "Food and water allowed in every lesson",
                    "who": "All staff",
                },
            ],
            "Appointments": [
                {
                    "what": "Diabetes clinic",
                    "with_whom": "Children's Diabetes Team",
                    "how_often": "Every 3 months",
                    "notes": "Half-day absence; work sent home",
                }
            ],
            "StaffTraining": [
                {
                    "staff_name": "Priti Desai",
                    "staff_role": "Teaching assistant",
                    "training": "Type 1 diabetes: pump, sensor, glucose tablets and GlucoGel",
                    "trainer": "Lucy Marsh",
                    "trainer_profession": "Diabetes specialist nurse",
                    "date": date(2026, 7, 1),
                    "competent": True,
                    "competent_date": date(2026, 7, 1),
                    "renewal_date": date(2027, 7, 1),
                },
                {
                    "staff_name": "Claire Moss",
                    "staff_role": "Teaching assistant",
                    "training": "Type 1 diabetes: hypo treatment with glucose tablets and GlucoGel",
                    "trainer": "Lucy Marsh",
                    "trainer_profession": "Diabetes specialist nurse",
                    "date": date(2026, 7, 1),
                    "competent": True,
                    "competent_date": date(2026, 7, 1),
                    "renewal_date": date(2027, 7, 1),
                },
            ],
            "Attendees": attendees,
        },
    )


def sofia() -> Sample:
    """Epilepsy with buccal midazolam, a controlled drug; her own agreed steps."""
    agreement, attendees = _agreement(
        date(2026, 9, 22),
        date(2026, 9, 28),
        date(2027, 9, 27),
        [
            {"name": "Marta Kowalska", "role": "Parent or carer", "detail": "Mother"},
            {
                "name": "Hannah Doyle",
                "role": "Healthcare professional",
                "detail": "Epilepsy specialist nurse",
            },
            {"name": "Laura Jenkins", "role": "School staff", "detail": "Class teacher, 5K"},
        ],
        agreed_by="Hannah Doyle, Epilepsy specialist nurse",
        agreed=date(2026, 9, 25),
    )
    return Sample(
        "sofia-kowalska",
        {
            "pupil_legal_name": "Sofia Kowalska",
            "pupil_date_of_birth": date(2017, 1, 21),
            "pupil_year_group": "Year 5",
            "pupil_class_name": "5K",
            "pupil_school_reference": "KF2017-0095",
            "background_trigger": "Needs have changed",
            "background_trigger_details": "Buccal midazolam prescribed in August after a "
            "seizure that lasted 7 minutes at home.",
            "background_emergency_healthcare_plan": True,
            "background_who_needs_to_know": "Every adult who works with Year 5, lunchtime staff, "
            "swimming instructors, the minibus driver.",
            "background_confidentiality": "Sofia is happy for her class to know she has "
            "epilepsy; she does not want her seizures talked about in assembly.",
            "contacts_lead_staff": "Laura Jenkins, class teacher 5K",
            "contacts_emergency_lead": "Any of the three midazolam-trained staff; the office "
            "fetches the medicine",
            "contacts_offsite_lead": "A midazolam-trained adult goes on every trip",
            "conditions_epilepsy_seizures": "Focal seizures: stares, lip-smacking, does not "
            "answer, 30-60 seconds, then tired. Tonic-clonic: falls, stiffens then jerks, "
            "usually 2-3 minutes, sleepy for an hour afterwards.",
            "conditions_epilepsy_rescue_after_minutes": 5,
            "conditions_environment": "Flashing lights are not a trigger for Sofia.",
            "medicines_consent_staff_give": True,
            "daily_care_rest": "A quiet space in the library to sleep after a seizure.",
            "daily_care_physical_activity": "Swimming one-to-one with a trained adult on the "
            "poolside. No climbing above head height.",
            "emergency_signs": "A tonic-clonic seizure: she falls, goes stiff and jerks. Time it "
            "from the start.",
            "emergency_call_999_when": "Buccal midazolam has been given; the seizure has not "
            "stopped 10 minutes after it; she is injured, or struggling to breathe.",
            "emergency_call_parents_when": "After any tonic-clonic seizure, and the same day for "
            "a cluster of focal seizures.",
            "emergency_tell_ambulance": "Epileptic seizure, buccal midazolam given at (time)",
            "emergency_after_care": "Recovery position, stay with her, let her sleep; record "
            "the seizure on the seizure log and the controlled drug record.",
            "school_life_emotional": "Worries about having a seizure in front of friends; "
            "check-ins with the learning mentor on Fridays.",
            "school_life_learning": "Tired after seizures and on new medicine: short rest, "
            "learning revisited the next day.",
            "trips_trips": "Midazolam and a trained adult on every trip; seizure log travels too.",
            "trips_transport": "Minibus driver knows the plan and where the medicine is.",
            "trips_risk_assessment": "Trip leader writes it with the SENCo; copy in the "
            "medical file.",
            "voice_want_staff_to_know": "I can feel a funny taste before some seizures. If I "
            "tell you, help me sit down.",
            "voice_how_to_help": "Stay with me and don't let people crowd around.",
            "voice_recorded_by": "Sofia, with her mum",
            "training_cover": "Three staff are trained; at least one is always on site.",
            **agreement,
        },
        {
            "FamilyContacts": [
                {
                    "name": "Marta Kowalska",
                    "relationship": "Mother",
                    "mobile": "07700 900301",
                    "email": "marta.kowalska@example.com",
                    "parental_responsibility": True,
                },
                {
                    "name": "Piotr Kowalski",
                    "relationship": "Father",
                    "mobile": "07700 900302",
                    "parental_responsibility": True,
                },
            ],
            "HealthcareContacts": [
                {
                    "role": "Specialist nurse",
                    "name": "Hannah Doyle",
                    "organisation": "Children's Epilepsy Service (fictional)",
                    "phone": "0113 496 0310",
                    "email": "epilepsy.nurses@nhs.example.org",
                },
                {
                    "role": "Consultant or paediatrician",
                    "name": "Dr Ravi Menon",
                    "organisation": "Children's Epilepsy Service",
                },
                {
                    "role": "GP",
                    "name": "Dr Imran Aziz",
                    "organisation": "Kirkgate Medical Practice",
                    "phone": "0113 496 0110",
                },
            ],
            "Conditions": [
                {
                    "kind": "Epilepsy or seizures",
                    "diagnosis": "Epilepsy with focal and tonic-clonic seizures",
                    "signs": "See seizure types below.",
                    "triggers": "Tiredness, illness with a temperature, missed medicine.",
                    "treatment": "Levetiracetam twice a day at home; buccal midazolam for "
                    "long seizures.",
                }
            ],
            "Medicines": [
                {
                    "name": "Buccolam (midazolam) 7.5 mg oromucosal solution",
                    "dose": "7.5 mg (one pre-filled syringe)",
                    "route": "Buccal (inside the cheek)",
                    "when": "Tonic-clonic seizure lasting 5 minutes, or 3 seizures in an hour",
                    "use": "Emergency",
                    "who_gives": "Staff give it",
                    "carries_own": False,
                    "storage": "Locked controlled drug cabinet in the office; key on the "
                    "office key hook; a second syringe in the trip bag",
                    "controlled_drug": True,
                    "expiry": date(2027, 6, 30),
                    "side_effects": "Drowsiness; breathing may slow: watch her breathing",
                    "precautions": "Only one dose at school; the second dose is the "
                    "ambulance crew's decision",
                    "quantity_received": "2 syringes",
                    "date_received": date(2026, 9, 28),
                },
                {
                    "name": "Levetiracetam 250 mg tablets",
                    "dose": "500 mg",
                    "route": "By mouth",
                    "when": "Given at home morning and evening (not in school)",
                    "use": "Regular",
                    "who_gives": "Staff give it",
                    "storage": "At home; a day's supply in the trip bag for residentials",
                },
            ],
            "EmergencySteps": [
                {"step": "Note the time the seizure started."},
                {"step": "Make the space around her safe; cushion her head."},
                {"step": "Do not hold her down or put anything in her mouth."},
                {"step": "If it lasts 5 minutes, give Buccolam 7.5 mg inside her cheek."},
                {"step": "Call 999, then her parents."},
                {"step": "When the jerking stops, put her in the recovery position."},
                {"step": "Stay with her until she is fully awake or the ambulance arrives."},
            ],
            "StaffTraining": [
                {
                    "staff_name": "Laura Jenkins",
                    "staff_role": "Class teacher",
                    "training": "Epilepsy awareness and buccal midazolam",
                    "trainer": "Hannah Doyle",
                    "trainer_profession": "Epilepsy specialist nurse",
                    "date": date(2026, 9, 25),
                    "competent": True,
                    "competent_date": date(2026, 9, 25),
                    "renewal_date": date(2027, 9, 25),
                },
                {
                    "staff_name": "Gary Mills",
                    "staff_role": "Teaching assistant",
                    "training": "Epilepsy awareness and buccal midazolam",
                    "trainer": "Hannah Doyle",
                    "trainer_profession": "Epilepsy specialist nurse",
                    "date": date(2026, 9, 25),
                    "competent": True,
                    "competent_date": date(2026, 9, 25),
                    "renewal_date": date(2027, 9, 25),
                },
                {
                    "staff_name": "Amira Haddad",
                    "staff_role": "Office manager",
                    "training": "Epilepsy awareness and buccal midazolam",
                    "trainer": "Hannah Doyle",
                    "trainer_profession": "Epilepsy specialist nurse",
                    "date": date(2026, 9, 25),
                    "competent": True,
                    "competent_date": date(2026, 9, 25),
                    "renewal_date": date(2027, 9, 25),
                },
            ],
            "Attendees": attendees,
        },
    )


def ethan() -> Sample:
    """Peanut anaphylaxis, two adrenaline auto-injectors; one pen expires within 30 days."""
    agreement, attendees = _agreement(
        date(2026, 9, 3),
        date(2026, 9, 7),
        date(2027, 7, 16),
        [
            {"name": "Nicola Clarke", "role": "Parent or carer", "detail": "Mother"},
            {"name": "Joanne Price", "role": "Healthcare professional", "detail": "School nurse"},
            {"name": "Sam Patel", "role": "School staff", "detail": "Class teacher, 2P"},
            {"name": "Bev Taylor", "role": "School staff", "detail": "Kitchen manager"},
        ],
        agreed_by="Joanne Price, School nurse",
        agreed=date(2026, 9, 10),
    )
    return Sample(
        "ethan-clarke",
        {
            "pupil_legal_name": "Ethan Clarke",
            "pupil_date_of_birth": date(2019, 9, 9),
            "pupil_year_group": "Year 2",
            "pupil_class_name": "2P",
            "pupil_school_reference": "KF2019-1130",
            "pupil_home_address": "3 Mill Court\nKirkgate Fields\nLeeds LS16 9RB",
            "pupil_photo": "ethan-clarke.png",
            "pupil_photo_consent": True,
            "background_trigger": "Starting at or moving school",
            "background_trigger_details": "Joined Year 2 in September from another school.",
            "background_who_needs_to_know": "All staff, including kitchen and lunchtime staff, "
            "breakfast and after-school club, supply teachers (photo in the staffroom).",
            "contacts_lead_staff": "Sam Patel, class teacher 2P",
            "contacts_emergency_lead": "The nearest trained adult; the office calls 999",
            "contacts_offsite_lead": "The trip leader, who carries his pens",
            "conditions_allergens": "Peanuts (including peanut oil and satay). May contain "
            "traces are avoided too.",
            "conditions_allergy_asthma_too": False,
            "conditions_facilities": "Nut-free table at lunch; his own labelled cup.",
            "medicines_consent_staff_give": True,
            "medicines_consent_spare_auto_injector": True,
            "daily_care_food_and_drink": "School lunches from the allergy menu checked by Bev "
            "Taylor; no food swapping; cooking lessons checked in advance.",
            "emergency_signs": "Mild: itchy mouth, swollen lips, hives, tummy ache. "
            "Anaphylaxis: cough, hoarse voice, noisy breathing, pale and floppy.",
            "emergency_call_999_when": "Straight after giving the adrenaline pen.",
            "emergency_call_parents_when": "Any reaction, mild or severe.",
            "emergency_tell_ambulance": "Anaphylaxis",
            "emergency_after_care": "Keep him lying down even if he feels better; he goes to "
            "hospital after any adrenaline.",
            "school_life_inclusion": "Class treats are non-food; parties use a food list "
            "agreed with his mother.",
            "school_life_social": "Sits with friends at the nut-free table, not on his own.",
            "trips_trips": "Both pens, the plan and a trained adult on every trip; packed "
            "lunch from home.",
            "voice_want_staff_to_know": "I am allergic to peanuts. I don't eat food from "
            "other people.",
            "voice_how_to_help": "Tell my mummy if my mouth feels funny.",
            "voice_recorded_by": "Sam Patel, with Ethan",
            "training_cover": "All staff have annual anaphylaxis training in September.",
            **agreement,
        },
        {
            "FamilyContacts": [
                {
                    "name": "Nicola Clarke",
                    "relationship": "Mother",
                    "mobile": "07700 900401",
                    "email": "nicola.clarke@example.com",
                    "parental_responsibility": True,
                },
                {
                    "name": "Aaron Clarke",
                    "relationship": "Father",
                    "mobile": "07700 900402",
                    "parental_responsibility": True,
                },
            ],
            "HealthcareContacts": [
                {
                    "role": "School nurse",
                    "name": "Joanne Price",
                    "organisation": "0-19 Public Health Nursing",
                    "phone": "0113 496 0111",
                },
                {
                    "role": "Consultant or paediatrician",
                    "name": "Dr Fiona Grant",
                    "organisation": "Children's Allergy Clinic (fictional)",
                    "phone": "0113 496 0410",
                },
            ],
            "Conditions": [
                {
                    "kind": "Anaphylaxis or severe allergy",
                    "diagnosis": "Peanut allergy with anaphylaxis (2024)",
                    "signs": "Hives and swollen lips within minutes of contact.",
                    "triggers": "Eating peanut; touching peanut butter then his mouth.",
                    "treatment": "Adrenaline auto-injector; antihistamine for mild reactions.",
                }
            ],
            "Medicines": [
                {
                    "name": "EpiPen Junior 0.15 mg adrenaline auto-injector (pen 1)",
                    "dose": "0.15 mg",
                    "route": "Auto-injector (thigh)",
                    "when": "Any sign of anaphylaxis (A, B or C)",
                    "use": "Emergency",
                    "who_gives": "Staff give it",
                    "storage": "Green allergy bag on the 2P classroom door",
                    "expiry": date(2026, 12, 12),
                    "side_effects": "Pale, shaky, fast heartbeat",
                    "quantity_received": "1 pen",
                    "date_received": date(2026, 9, 7),
                },
                {
                    "name": "EpiPen Junior 0.15 mg adrenaline auto-injector (pen 2)",
                    "dose": "0.15 mg, 5 minutes after the first if no better",
                    "route": "Auto-injector (thigh)",
                    "when": "No better 5 minutes after the first pen",
                    "use": "Emergency",
                    "who_gives": "Staff give it",
                    "storage": "Office medicines cupboard (unlocked), labelled with his photo",
                    "expiry": date(2027, 4, 30),
                    "quantity_received": "1 pen",
                    "date_received": date(2026, 9, 7),
                },
                {
                    "name": "Cetirizine 1 mg/ml oral solution",
                    "dose": "5 ml",
                    "route": "By mouth",
                    "when": "Mild reaction: itchy mouth, hives, swollen lips",
                    "use": "When needed",
                    "who_gives": "Staff give it",
                    "storage": "Green allergy bag",
                    "expiry": date(2027, 2, 28),
                },
            ],
            "StaffTraining": [
                {
                    "staff_name": "Sam Patel",
                    "staff_role": "Class teacher",
                    "training": "Anaphylaxis and adrenaline auto-injector (EpiPen)",
                    "trainer": "Joanne Price",
                    "trainer_profession": "School nurse",
                    "date": date(2026, 9, 10),
                    "competent": True,
                    "competent_date": date(2026, 9, 10),
                    "renewal_date": date(2027, 9, 10),
                },
                {
                    "staff_name": "Bev Taylor",
                    "staff_role": "Kitchen manager",
                    "training": "Allergen control and adrenaline auto-injector",
                    "trainer": "Joanne Price",
                    "trainer_profession": "School nurse",
                    "date": date(2026, 9, 10),
                    "competent": True,
                    "competent_date": date(2026, 9, 10),
                    "renewal_date": date(2027, 9, 10),
                },
            ],
            "Attendees": attendees,
        },
        photo="#F6E0C8",
    )


def priya() -> Sample:
    """Two conditions (anaphylaxis and asthma); default steps; awaiting the allergy nurse."""
    agreement, attendees = _agreement(
        date(2026, 11, 12),
        date(2026, 11, 16),
        date(2027, 11, 15),
        [
            {"name": "Anjali Sharma", "role": "Parent or carer", "detail": "Mother"},
            {"name": "Priya Sharma", "role": "Pupil"},
            {"name": "Joanne Price", "role": "Healthcare professional", "detail": "School nurse"},
            {"name": "Ben Howarth", "role": "School staff", "detail": "Class teacher, 6H"},
        ],
        agreed_by=None,
        agreed=None,
    )
    return Sample(
        "priya-sharma",
        {
            "pupil_legal_name": "Priya Sharma",
            "pupil_date_of_birth": date(2015, 4, 30),
            "pupil_year_group": "Year 6",
            "pupil_class_name": "6H",
            "pupil_school_reference": "KF2015-0311",
            "background_trigger": "Needs have changed",
            "background_trigger_details": "Sesame allergy added after a reaction in October; "
            "the allergy clinic is reviewing the plan.",
            "background_who_needs_to_know": "All staff; kitchen; after-school clubs.",
            "contacts_lead_staff": "Ben Howarth, class teacher 6H",
            "contacts_emergency_lead": "The nearest trained adult; the office calls 999",
            "conditions_allergens": "Tree nuts (cashew, pistachio) and sesame",
            "conditions_allergy_asthma_too": True,
            "conditions_asthma_reliever": "Salbutamol (blue)",
            "conditions_asthma_spacer": True,
            "conditions_asthma_mart": False,
            "conditions_environment": "Science and food technology ingredients checked ahead.",
            "medicines_consent_staff_give": True,
            "medicines_consent_emergency_inhaler": True,
            "medicines_consent_spare_auto_injector": True,
            "daily_care_food_and_drink": "Packed lunch from home; no sharing food.",
            "daily_care_physical_activity": "Reliever before PE if wheezy.",
            "emergency_signs": "Sudden breathing difficulty after food: treat as anaphylaxis "
            "first. Wheeze without food: asthma attack.",
            "emergency_tell_ambulance": "Anaphylaxis (she also has asthma)",
            "school_life_emotional": "Anxious about food since October; worry time with the "
            "learning mentor.",
            "trips_residentials": "Year 6 residential in June: a meeting with the centre's "
            "kitchen beforehand.",
            "future_transitions": "Move to secondary school next September: this plan and "
            "her pens handed over at the transition meeting in June.",
            "voice_want_staff_to_know": "I know what I can't eat. Please check the labels anyway.",
            "voice_how_to_help": "If I say I feel weird after eating, believe me and get my pen.",
            "voice_what_worries_me": "Going to secondary school where people don't know me.",
            "voice_recorded_by": "Priya",
            **agreement,
        },
        {
            "FamilyContacts": [
                {
                    "name": "Anjali Sharma",
                    "relationship": "Mother",
                    "mobile": "07700 900501",
                    "email": "anjali.sharma@example.com",
                    "parental_responsibility": True,
                },
                {
                    "name": "Vikram Sharma",
                    "relationship": "Father",
                    "mobile": "07700 900502",
                    "parental_responsibility": True,
                },
            ],
            "HealthcareContacts": [
                {
                    "role": "Specialist nurse",
                    "name": "Carol Hughes",
                    "organisation": "Children's Allergy Clinic (fictional)",
                    "phone": "0113 496 0510",
                    "email": "allergy.nurses@nhs.example.org",
                },
                {
                    "role": "School nurse",
                    "name": "Joanne Price",
                    "organisation": "0-19 Public Health Nursing",
                    "phone": "0113 496 0111",
                },
            ],
            "Conditions": [
                {
                    "kind": "Anaphylaxis or severe allergy",
                    "diagnosis": "Tree nut and sesame allergy with anaphylaxis",
                    "signs": "Itchy throat, cough, then wheeze within minutes.",
                    "triggers": "Tree nuts, sesame (tahini, hummus, seeded bread).",
                },
                {
                    "kind": "Asthma",
                    "diagnosis": "Asthma",
                    "signs": "Wheeze and cough, worse with colds.",
                    "triggers": "Colds, exercise in cold weather, allergic reactions.",
                },
            ],
            "Medicines": [
                {
                    "name": "Jext 300 micrograms adrenaline auto-injector",
                    "dose": "300 micrograms",
                    "route": "Auto-injector (thigh)",
                    "when": "Any sign of anaphylaxis",
                    "use": "Emergency",
                    "who_gives": "Pupil, supervised by staff",
                    "carries_own": True,
                    "storage": "Her bum bag (carries one); second pen in the office",
                    "expiry": date(2027, 9, 30),
                },
                {
                    "name": "Salbutamol 100 micrograms inhaler (blue)",
                    "dose": "2-10 puffs through the spacer",
                    "route": "Inhaled",
                    "when": "Wheeze or cough",
                    "use": "When needed",
                    "who_gives": "Pupil, supervised by staff",
                    "carries_own": True,
                    "storage": "Her bum bag; spare in the office",
                    "expiry": date(2027, 7, 31),
                },
            ],
            "StaffTraining": [
                {
                    "staff_name": "Ben Howarth",
                    "staff_role": "Class teacher",
                    "training": "Anaphylaxis, Jext auto-injector and asthma",
                    "trainer": "Joanne Price",
                    "trainer_profession": "School nurse",
                    "date": date(2026, 11, 16),
                    "competent": True,
                    "competent_date": date(2026, 11, 16),
                    "renewal_date": date(2027, 11, 16),
                }
            ],
            "Attendees": attendees,
        },
    )


def jordan() -> Sample:
    """Sickle cell disease, age 15: his own views lead; his own emergency steps ('Other')."""
    agreement, attendees = _agreement(
        date(2026, 10, 6),
        date(2026, 10, 12),
        date(2027, 7, 2),
        [
            {"name": "Jordan Reid", "role": "Pupil", "detail": "Led the meeting"},
            {"name": "Grace Reid", "role": "Parent or carer", "detail": "Mother"},
            {
                "name": "Efua Mensah",
                "role": "Healthcare professional",
                "detail": "Haemoglobinopathy clinical nurse specialist",
            },
            {"name": "Kelly Shaw", "role": "School staff", "detail": "Head of Year 11"},
        ],
        agreed_by="Efua Mensah, Haemoglobinopathy clinical nurse specialist",
        agreed=date(2026, 10, 9),
    )
    return Sample(
        "jordan-reid",
        {
            "pupil_legal_name": "Jordan Reid",
            "pupil_date_of_birth": date(2011, 3, 12),
            "pupil_year_group": "Year 11",
            "pupil_class_name": "11KS",
            "pupil_school_reference": "KF2011-0042",
            "background_trigger": "Annual review",
            "background_trigger_details": "GCSE year: exam arrangements and college transition "
            "added at Jordan's request.",
            "background_who_needs_to_know": "His teachers, PE department, exams officer, "
            "Head of Year. Jordan decides who else is told.",
            "background_confidentiality": "Jordan does not want his condition discussed with "
            "other pupils.",
            "contacts_lead_staff": "Kelly Shaw, Head of Year 11",
            "contacts_emergency_lead": "Any first-aider; reception calls his mother",
            "contacts_offsite_lead": "Trip leader",
            "conditions_facilities": "Water bottle in all lessons; a warm coat allowed indoors.",
            "conditions_environment": "Cold, wet PE outside and getting dehydrated trigger pain.",
            "medicines_consent_staff_give": True,
            "daily_care_food_and_drink": "Drinks at least 2 litres a day; water in every lesson.",
            "daily_care_toileting": "Toilet pass: drinking more means needing the toilet more.",
            "daily_care_rest": "Can rest in the medical room during a mild pain episode.",
            "daily_care_physical_activity": "Indoor PE in cold weather; rests and drinks "
            "whenever he needs to; no competitive cross-country.",
            "emergency_signs": "Fever of 38 °C or more, severe pain not eased by his usual "
            "painkillers, chest pain or breathlessness, sudden weakness, a painful erection "
            "lasting more than 2 hours.",
            "emergency_call_999_when": "Chest pain, breathlessness, sudden weakness or "
            "confusion, or he is very unwell.",
            "emergency_call_parents_when": "Any fever or pain episode; his mother takes him to "
            "the day unit.",
            "emergency_tell_ambulance": "Sickle cell disease: possible sickle cell crisis",
            "emergency_after_care": "Record on his pain log; catch-up work sent home.",
            "school_life_identity": "Jordan wants to be treated like everyone else and to "
            "decide who knows.",
            "school_life_learning": "Absences in pain episodes: online catch-up and a "
            "learning mentor session after each.",
            "school_life_exam_arrangements": "Rest breaks, water and a seat near the door in "
            "exams (approved by the exams officer).",
            "attendance_impact": "Around 8 days a year in pain episodes; clinic every 3 months.",
            "attendance_catch_up": "Teachers post work online; mentor session after absences.",
            "future_transitions": "Moving to Kirkgate College in September: Jordan will share "
            "this plan with the college's learning support team himself.",
            "future_adulthood": "Jordan books his own appointments and manages his own "
            "medicine; transition to the adult haematology clinic at 16.",
            "voice_want_staff_to_know": "I'm not lazy when I'm tired. Pain crises can come on "
            "fast and I know my body. If I say I need to go to the medical room, let me go "
            "without a fuss.",
            "voice_how_to_help": "Let me keep my water and coat. Don't make a big deal of it "
            "in front of the class. Message my mum if I ask you to.",
            "voice_what_worries_me": "Missing coursework and falling behind before my exams.",
            "voice_recorded_by": "Jordan (his own words)",
            "training_cover": "All first-aiders read this plan; the medical room has a copy.",
            **agreement,
            "agreement_pupil_signs": True,
        },
        {
            "FamilyContacts": [
                {
                    "name": "Grace Reid",
                    "relationship": "Mother",
                    "mobile": "07700 900601",
                    "email": "grace.reid@example.com",
                    "parental_responsibility": True,
                },
                {
                    "name": "Denise Reid",
                    "relationship": "Aunt",
                    "mobile": "07700 900602",
                    "parental_responsibility": False,
                },
            ],
            "HealthcareContacts": [
                {
                    "role": "Specialist nurse",
                    "name": "Efua Mensah",
                    "organisation": "Haemoglobinopathy Team (fictional)",
                    "phone": "0113 496 0610",
                    "email": "haem.nurses@nhs.example.org",
                },
                {
                    "role": "Consultant or paediatrician",
                    "name": "Dr Michael Osei",
                    "organisation": "Paediatric Haematology",
                },
                {
                    "role": "GP",
                    "name": "Dr Sarah Lyle",
                    "organisation": "Kirkgate Medical Practice",
                    "phone": "0113 496 0110",
                },
            ],
            "Conditions": [
                {
                    "kind": "Other",
                    "diagnosis": "Sickle cell disease (HbSS)",
                    "signs": "Pain in arms, legs, back or chest; tiredness; yellow eyes.",
                    "triggers": "Cold, dehydration, infection, over-exertion, stress.",
                    "treatment": "Penicillin and folic acid daily at home; painkillers; "
                    "fluids; day-unit care for crises.",
                }
            ],
            "Medicines": [
                {
                    "name": "Paracetamol 500 mg tablets",
                    "dose": "1 g (2 tablets)",
                    "route": "By mouth",
                    "when": "Pain, at most every 4 hours; not more than 4 doses in 24 hours",
                    "use": "When needed",
                    "who_gives": "Pupil, without supervision",
                    "carries_own": True,
                    "storage": "His bag; spare in the medical room",
                    "expiry": date(2028, 1, 31),
                },
                {
                    "name": "Ibuprofen 400 mg tablets",
                    "dose": "400 mg",
                    "route": "By mouth",
                    "when": "Pain not eased by paracetamol, with food",
                    "use": "When needed",
                    "who_gives": "Pupil, supervised by staff",
                    "storage": "Medical room",
                    "expiry": date(2027, 11, 30),
                },
            ],
            "EmergencySteps": [
                {"step": "Take his temperature. 38 °C or more: phone his mother at once."},
                {"step": "Keep him warm and give him water to drink."},
                {"step": "Give his painkillers as on the medicine list."},
                {"step": "Chest pain, breathlessness or sudden weakness: call 999."},
                {"step": "Tell the ambulance crew he has sickle cell disease."},
            ],
            "GraduatedApproach": [
                {
                    "area": "Identity",
                    "level": "Universal",
                    "provision": "Jordan decides who is told about his condition",
                    "who": "All staff",
                },
                {
                    "area": "Learning",
                    "level": "Targeted",
                    "provision": "Mentor session and online work after every absence",
                    "who": "Learning mentor",
                },
                {
                    "area": "Planning for the future",
                    "level": "Targeted",
                    "provision": "College transition visit with learning support",
                    "who": "Careers adviser",
                },
            ],
            "Appointments": [
                {
                    "what": "Haematology clinic",
                    "with_whom": "Dr Michael Osei",
                    "how_often": "Every 3 months",
                    "notes": "Jordan books these in free periods where he can",
                },
                {"what": "Annual transcranial Doppler scan", "how_often": "Yearly"},
            ],
            "StaffTraining": [
                {
                    "staff_name": "Kelly Shaw",
                    "staff_role": "Head of Year 11",
                    "training": "Sickle cell disease awareness",
                    "trainer": "Efua Mensah",
                    "trainer_profession": "Clinical nurse specialist",
                    "date": date(2026, 10, 9),
                    "competent": True,
                    "competent_date": date(2026, 10, 9),
                    "renewal_date": date(2027, 10, 9),
                }
            ],
            "Attendees": attendees,
        },
    )


def noah() -> Sample:
    """Returning after a long absence (leukaemia treatment); phone typed as a number."""
    agreement, attendees = _agreement(
        date(2026, 10, 20),
        date(2026, 11, 2),
        date(2027, 4, 30),
        [
            {"name": "Claire Williams", "role": "Parent or carer", "detail": "Mother"},
            {"name": "Noah Williams", "role": "Pupil"},
            {
                "name": "Siobhan Kelly",
                "role": "Healthcare professional",
                "detail": "Paediatric oncology outreach nurse",
            },
            {"name": "Daniel Okoro", "role": "School staff", "detail": "SENCo"},
            {"name": "Peter Lund", "role": "School staff", "detail": "Form tutor, 7L"},
        ],
        agreed_by="Siobhan Kelly, Paediatric oncology outreach nurse",
        agreed=date(2026, 10, 23),
        triggers="Any change in treatment, a hospital admission, or before the full "
        "timetable starts.",
    )
    return Sample(
        "noah-williams",
        {
            "pupil_legal_name": "Noah Williams",
            "pupil_date_of_birth": date(2014, 8, 5),
            "pupil_year_group": "Year 7",
            "pupil_class_name": "7L",
            "pupil_school_reference": "KF2014-0638",
            "background_trigger": "Returning after a long absence",
            "background_trigger_details": "Back after 9 months of hospital treatment for "
            "leukaemia; now on maintenance chemotherapy at home. Phased return from November.",
            "background_linked_plan": "SEN support",
            "background_who_needs_to_know": "All his teachers, form tutor, office, first-aiders.",
            "background_confidentiality": "Noah's family are happy for his class to know he has "
            "been ill; details of his treatment stay with staff.",
            "contacts_lead_staff": "Peter Lund, form tutor 7L",
            "contacts_emergency_lead": "The office calls his mother; first-aider stays with him",
            "conditions_facilities": "Own hand gel; a seat near the door.",
            "conditions_environment": "Infection risk: parents told at once of chickenpox, "
            "shingles or measles in his year group.",
            "daily_care_daily_care": "Hand washing before eating; no sharing water bottles.",
            "daily_care_rest": "Rest in the library when tired; half days until February.",
            "daily_care_physical_activity": "No contact sports while his central line is in.",
            "emergency_signs": "Temperature of 38 °C or more, shivering, or looking unwell; "
            "bleeding or bruising easily.",
            "emergency_call_999_when": "He is very unwell, drowsy or hard to wake.",
            "emergency_call_parents_when": "Any temperature of 38 °C or more, at once: he needs "
            "to go to hospital within the hour.",
            "emergency_tell_ambulance": "On chemotherapy for leukaemia, possible infection "
            "(neutropenic sepsis)",
            "emergency_after_care": "Tell the outreach nurse; record on the medical log.",
            "school_life_identity": "Noah's hair is growing back; he may wear a cap indoors.",
            "school_life_social": "Buddy group at lunch to help him back into friendships.",
            "school_life_emotional": "Weekly check-in with the school counsellor.",
            "school_life_learning": "Reduced timetable: mornings until February, then full "
            "days. Catch-up in maths and English with a TA.",
            "attendance_impact": "Half days until February; monthly clinic days; sudden "
            "absences with a temperature.",
            "attendance_catch_up": "Work in a home folder and online; TA catch-up twice a week.",
            "future_transitions": "Full timetable from February, reviewed at the April review.",
            "voice_want_staff_to_know": "I get tired really fast. I still want to do "
            "everything though.",
            "voice_how_to_help": "Let me have a break without everyone looking. Tell me what I "
            "missed.",
            "voice_what_worries_me": "Catching something and having to go back to hospital.",
            "voice_recorded_by": "Noah, with Peter Lund",
            **agreement,
        },
        {
            "FamilyContacts": [
                {
                    "name": "Claire Williams",
                    "relationship": "Mother",
                    "mobile": 7700900701,  # typed as a number: Excel dropped the leading 0
                    "parental_responsibility": True,
                },
                {
                    "name": "Huw Williams",
                    "relationship": "Father",
                    "mobile": "07700 900702",
                    "work_phone": "0113 496 0703",
                    "parental_responsibility": True,
                },
            ],
            "HealthcareContacts": [
                {
                    "role": "Specialist nurse",
                    "name": "Siobhan Kelly",
                    "organisation": "Paediatric Oncology Outreach (fictional)",
                    "phone": "0113 496 0710",
                },
                {
                    "role": "Consultant or paediatrician",
                    "name": "Dr Helen Marsh",
                    "organisation": "Children's Cancer Unit",
                    "phone": "0113 496 0711",
                },
                {
                    "role": "School nurse",
                    "name": "Joanne Price",
                    "phone": "0113 496 0111",
                },
            ],
            "Conditions": [
                {
                    "kind": "Other",
                    "diagnosis": "Acute lymphoblastic leukaemia, maintenance treatment",
                    "signs": "Tiredness, pale skin, bruising; high temperature with infection.",
                    "triggers": "Infections (low immunity from chemotherapy).",
                    "treatment": "Oral chemotherapy at home; monthly clinic.",
                }
            ],
            "Medicines": [
                {
                    "name": "Ondansetron 4 mg tablets",
                    "dose": "4 mg",
                    "route": "By mouth",
                    "when": "Feeling sick, at most twice in the school day",
                    "use": "When needed",
                    "who_gives": "Staff give it",
                    "storage": "Office medicines cupboard",
                    "expiry": date(2027, 6, 30),
                }
            ],
            "EmergencySteps": [
                {"step": "If he feels hot or shivery, take his temperature (office thermometer)."},
                {"step": "38 °C or more: phone his mother at once; she takes him to hospital."},
                {"step": "Do not give paracetamol: it can hide a fever."},
                {"step": "If he is drowsy, very unwell or you cannot reach a parent, call 999."},
            ],
            "Appointments": [
                {
                    "what": "Oncology clinic",
                    "with_whom": "Children's Cancer Unit",
                    "how_often": "Monthly",
                    "notes": "Full day; work sent home",
                }
            ],
            "StaffTraining": [
                {
                    "staff_name": "Peter Lund",
                    "staff_role": "Form tutor",
                    "training": "Supporting a child on chemotherapy: infection and fever",
                    "trainer": "Siobhan Kelly",
                    "trainer_profession": "Oncology outreach nurse",
                    "date": date(2026, 10, 23),
                    "competent": True,
                    "competent_date": date(2026, 10, 23),
                    "renewal_date": date(2027, 10, 23),
                }
            ],
            "Attendees": attendees,
        },
    )


def grace() -> Sample:
    """Complex needs: cerebral palsy, epilepsy, gastrostomy; many medicines, staff, contacts."""
    agreement, attendees = _agreement(
        date(2026, 9, 15),
        date(2026, 9, 21),
        date(2027, 3, 19),
        [
            {"name": "Ngozi Okafor", "role": "Parent or carer", "detail": "Mother"},
            {"name": "Emeka Okafor", "role": "Parent or carer", "detail": "Father"},
            {
                "name": "Dr Ruth Kaplan",
                "role": "Healthcare professional",
                "detail": "Community paediatrician",
            },
            {
                "name": "Sally Brooks",
                "role": "Healthcare professional",
                "detail": "Children's community nurse",
            },
            {"name": "Tom Ellis", "role": "Healthcare professional", "detail": "Physiotherapist"},
            {"name": "Daniel Okoro", "role": "School staff", "detail": "SENCo"},
            {"name": "Jess Moran", "role": "School staff", "detail": "1:1 teaching assistant"},
        ],
        agreed_by="Dr Ruth Kaplan, Community paediatrician",
        agreed=date(2026, 9, 24),
        triggers="Any change of medicine or feed, a hospital admission, new equipment, or a "
        "change of 1:1 staff.",
    )
    return Sample(
        "grace-okafor",
        {
            "pupil_legal_name": "Grace Adaeze Okafor",
            "pupil_preferred_name": "Grace",
            "pupil_date_of_birth": date(2013, 2, 18),
            "pupil_year_group": "Year 8",
            "pupil_class_name": "8 Rowan (resource base)",
            "pupil_school_reference": "KF2013-0220",
            "pupil_home_address": "27 Orchard Way\nKirkgate Fields\nLeeds LS16 9TD",
            "pupil_nhs_number": "999 456 7896",
            "pupil_photo": "grace-okafor.png",
            "pupil_photo_consent": True,
            "background_trigger": "Annual review",
            "background_trigger_details": "Annual review alongside the EHC plan review; new "
            "feeding pump and a change to baclofen since last year.",
            "background_linked_plan": "EHC plan",
            "background_emergency_healthcare_plan": True,
            "background_who_needs_to_know": "All resource-base staff, her teachers, "
            "lunchtime staff, transport escort, therapists visiting school.",
            "background_confidentiality": "Personal care details shared only with staff who "
            "provide it.",
            "contacts_lead_staff": "Jess Moran, 1:1 teaching assistant",
            "contacts_emergency_lead": "Jess Moran; when absent, Kieran Doyle (TA) or the "
            "resource-base lead",
            "contacts_offsite_lead": "Two trained adults on every trip, one midazolam-trained",
            "conditions_facilities": "Hoist and changing bench in the hygiene room; "
            "standing frame; feeding pump; suction machine.",
            "conditions_environment": "Lift access to all her lessons; extra time between "
            "rooms; a quiet base when overwhelmed.",
            "conditions_epilepsy_seizures": "Tonic-clonic seizures about once a month, "
            "usually 1-2 minutes, then sleeps. Absences many times a day (blank for a few "
            "seconds).",
            "conditions_epilepsy_rescue_after_minutes": 5,
            "medicines_consent_staff_give": True,
            "daily_care_daily_care": "Gastrostomy feed at 12:00 by pump; water flushes at "
            "10:30 and 14:00. Repositioning every hour.",
            "daily_care_monitoring": "Seizure log; fluid chart; skin check at changes.",
            "daily_care_food_and_drink": "Nothing by mouth except tastes agreed by the speech "
            "and language therapist.",
            "daily_care_toileting": "Two staff for hoisting and personal care in the hygiene room.",
            "daily_care_rest": "Rest on the mat in the sensory room after lunch.",
            "daily_care_physical_activity": "Physio programme daily (standing frame 30 "
            "minutes); adapted PE.",
            "daily_care_equipment": "Wheelchair, standing frame, feeding pump, suction, hoist "
            "slings (named), communication device.",
            "emergency_signs": "A tonic-clonic seizure lasting 5 minutes; choking or noisy "
            "breathing; the gastrostomy tube coming out.",
            "emergency_call_999_when": "Buccal midazolam given; breathing difficulty; choking "
            "not cleared by suction.",
            "emergency_call_parents_when": "Any seizure needing midazolam, tube out, or "
            "vomiting during a feed.",
            "emergency_tell_ambulance": "Epileptic seizure, cerebral palsy, gastrostomy fed",
            "emergency_after_care": "Recovery position; stop the feed; suction if needed; log "
            "the seizure and the controlled drug.",
            "school_life_identity": "Grace loves music and choosing her own clothes for "
            "non-uniform days.",
            "school_life_inclusion": "Mainstream music and art lessons with her 1:1.",
            "school_life_social": "Lunch club with two friends from her tutor group.",
            "school_life_learning": "Communication device (eye-gaze) in every lesson.",
            "school_life_personal_care": "Personal care by two named female staff, with the "
            "door closed and her choice of music.",
            "trips_trips": "Accessible transport; feed times planned; midazolam and suction "
            "travel with her.",
            "trips_transport": "Local authority taxi with a trained escort who carries her "
            "midazolam.",
            "trips_risk_assessment": "Written by the resource-base lead with the physio.",
            "attendance_impact": "Therapy and clinic appointments about twice a month.",
            "attendance_catch_up": "Her 1:1 repeats missed sessions the same week.",
            "future_transitions": "Moving to Year 9 in the resource base; new staff shadow "
            "Jess for two weeks first.",
            "voice_want_staff_to_know": "I like Little Mix. I say yes by looking up.",
            "voice_how_to_help": "Tell me before you move me.",
            "voice_recorded_by": "Grace, using her eye-gaze device with Jess Moran",
            "training_cover": "Four staff trained in midazolam and feeding; a rota keeps two "
            "on site every day.",
            **agreement,
        },
        {
            "FamilyContacts": [
                {
                    "name": "Ngozi Okafor",
                    "relationship": "Mother",
                    "mobile": "07700 900801",
                    "home_phone": "0113 496 0802",
                    "email": "ngozi.okafor@example.com",
                    "parental_responsibility": True,
                },
                {
                    "name": "Emeka Okafor",
                    "relationship": "Father",
                    "mobile": "07700 900803",
                    "work_phone": "0113 496 0804",
                    "parental_responsibility": True,
                },
                {
                    "name": "Chioma Eze",
                    "relationship": "Aunt",
                    "mobile": "07700 900805",
                    "parental_responsibility": False,
                },
            ],
            "HealthcareContacts": [
                {
                    "role": "Consultant or paediatrician",
                    "name": "Dr Ruth Kaplan",
                    "organisation": "Community Paediatrics (fictional)",
                    "phone": "0113 496 0810",
                },
                {
                    "role": "Specialist nurse",
                    "name": "Hannah Doyle",
                    "organisation": "Children's Epilepsy Service",
                    "phone": "0113 496 0310",
                },
                {
                    "role": "Other",
                    "name": "Sally Brooks (children's community nurse)",
                    "organisation": "Children's Community Nursing",
                    "phone": "0113 496 0811",
                },
                {
                    "role": "Physiotherapist",
                    "name": "Tom Ellis",
                    "organisation": "Children's Physiotherapy",
                    "phone": "0113 496 0812",
                },
                {
                    "role": "Speech and language therapist",
                    "name": "Megan Foster",
                    "organisation": "Children's SLT (dysphagia)",
                    "phone": "0113 496 0813",
                },
                {
                    "role": "Occupational therapist",
                    "name": "Yusuf Ali",
                    "organisation": "Children's OT",
                    "phone": "0113 496 0814",
                },
                {
                    "role": "GP",
                    "name": "Dr Imran Aziz",
                    "organisation": "Kirkgate Medical Practice",
                    "phone": "0113 496 0110",
                },
            ],
            "Conditions": [
                {
                    "kind": "Other",
                    "diagnosis": "Cerebral palsy (spastic quadriplegia, GMFCS level V)",
                    "signs": "Stiff muscles, spasms when uncomfortable.",
                    "triggers": "Pain, cold, being moved without warning.",
                    "treatment": "Baclofen; physiotherapy; positioning equipment.",
                },
                {
                    "kind": "Epilepsy or seizures",
                    "diagnosis": "Epilepsy (tonic-clonic seizures and absences)",
                    "signs": "See seizure types below.",
                    "triggers": "Illness, tiredness, constipation.",
                    "treatment": "Sodium valproate at home; buccal midazolam for long seizures.",
                },
                {
                    "kind": "Other",
                    "diagnosis": "Unsafe swallow; gastrostomy fed",
                    "signs": "Coughing or gurgling breathing with saliva.",
                    "triggers": "Lying flat; illness.",
                    "treatment": "Gastrostomy feeds; suction; glycopyrronium for saliva.",
                },
            ],
            "Medicines": [
                {
                    "name": "Buccal midazolam 10 mg (Buccolam)",
                    "dose": "10 mg (one pre-filled syringe)",
                    "route": "Buccal (inside the cheek)",
                    "when": "Tonic-clonic seizure lasting 5 minutes",
                    "use": "Emergency",
                    "who_gives": "Staff give it",
                    "storage": "Locked controlled drug cabinet in the resource base; trip "
                    "bag when off site",
                    "controlled_drug": True,
                    "expiry": date(2027, 5, 31),
                    "side_effects": "Drowsiness; slowed breathing",
                    "quantity_received": "2 syringes",
                    "date_received": date(2026, 9, 21),
                },
                {
                    "name": "Baclofen 5 mg/5 ml oral solution",
                    "dose": "10 mg (10 ml) via gastrostomy",
                    "route": "Other",
                    "when": "12:30 daily",
                    "use": "Regular",
                    "who_gives": "Staff give it",
                    "storage": "Resource-base medicines cupboard (locked)",
                    "expiry": date(2027, 2, 28),
                    "side_effects": "Drowsiness, floppiness",
                },
                {
                    "name": "Glycopyrronium 1 mg/5 ml oral solution",
                    "dose": "2.5 ml via gastrostomy",
                    "route": "Other",
                    "when": "12:30 daily",
                    "use": "Regular",
                    "who_gives": "Staff give it",
                    "storage": "Resource-base medicines cupboard (locked)",
                    "expiry": date(2027, 1, 31),
                    "side_effects": "Dry mouth, constipation, flushing",
                },
                {
                    "name": "Nutrini Peptisorb feed",
                    "dose": "500 ml at 125 ml per hour",
                    "route": "Other",
                    "when": "12:00 by feeding pump",
                    "use": "Regular",
                    "who_gives": "Staff give it",
                    "storage": "Resource-base kitchen cupboard",
                    "expiry": date(2027, 4, 30),
                },
                {
                    "name": "Paracetamol 250 mg/5 ml oral suspension",
                    "dose": "10 ml via gastrostomy",
                    "route": "Other",
                    "when": "Pain, with a parent's phone agreement, at most once in school",
                    "use": "When needed",
                    "who_gives": "Staff give it",
                    "storage": "Resource-base medicines cupboard (locked)",
                    "expiry": date(2027, 9, 30),
                },
                {
                    "name": "Movicol Paediatric Plain sachets",
                    "dose": "1 sachet in 62.5 ml water via gastrostomy",
                    "route": "Other",
                    "when": "Given at home each morning (not in school)",
                    "use": "Regular",
                    "who_gives": "Staff give it",
                    "storage": "At home",
                },
                {
                    "name": "Hyoscine 1 mg/72 hours patch",
                    "dose": "1 patch",
                    "route": "On the skin",
                    "when": "Changed at home every 3 days; staff check it is in place",
                    "use": "Regular",
                    "who_gives": "Staff give it",
                    "storage": "At home",
                    "precautions": "If it falls off, tell parents; do not replace in school",
                },
            ],
            "EmergencySteps": [
                {
                    "step": "Seizure: note the time; keep her in her chair with brakes on, or "
                    "on the mat; cushion her head."
                },
                {"step": "Stop the feed pump."},
                {"step": "At 5 minutes, give buccal midazolam 10 mg inside her cheek."},
                {"step": "Call 999, then her parents."},
                {"step": "When the seizure stops, recovery position; suction saliva if gurgling."},
                {
                    "step": "Tube out: cover the stoma with a clean dressing and phone her mother "
                    "at once (it must go back within an hour)."
                },
            ],
            "GraduatedApproach": [
                {
                    "area": "Personal and medical care",
                    "level": "Specialist",
                    "provision": "Two trained staff for feeds, medicines and personal care",
                    "who": "Resource base",
                },
                {
                    "area": "Learning",
                    "level": "Specialist",
                    "provision": "Eye-gaze communication and adapted curriculum",
                    "who": "Resource-base teacher and SLT",
                },
                {
                    "area": "Inclusion",
                    "level": "Targeted",
                    "provision": "Mainstream music and art with her 1:1",
                    "who": "Jess Moran",
                },
                {
                    "area": "Social",
                    "level": "Targeted",
                    "provision": "Lunch club with tutor-group friends",
                    "who": "Learning mentor",
                },
                {
                    "area": "Emotional",
                    "level": "Universal",
                    "provision": "Warned before every move; her choice of music",
                    "who": "All staff",
                },
            ],
            "Appointments": [
                {
                    "what": "Physiotherapy",
                    "with_whom": "Tom Ellis",
                    "how_often": "Fortnightly in school",
                },
                {
                    "what": "Community paediatrics",
                    "with_whom": "Dr Ruth Kaplan",
                    "how_often": "Every 6 months",
                },
                {"what": "Wheelchair service", "how_often": "Yearly", "notes": "Half-day absence"},
            ],
            "StaffTraining": [
                {
                    "staff_name": "Jess Moran",
                    "staff_role": "1:1 teaching assistant",
                    "training": "Buccal midazolam and epilepsy awareness",
                    "trainer": "Hannah Doyle",
                    "trainer_profession": "Epilepsy specialist nurse",
                    "date": date(2026, 9, 24),
                    "competent": True,
                    "competent_date": date(2026, 9, 24),
                    "renewal_date": date(2027, 9, 24),
                },
                {
                    "staff_name": "Jess Moran",
                    "staff_role": "1:1 teaching assistant",
                    "training": "Gastrostomy feeding, flushes and medicines via the tube",
                    "trainer": "Sally Brooks",
                    "trainer_profession": "Children's community nurse",
                    "date": date(2026, 9, 22),
                    "competent": True,
                    "competent_date": date(2026, 9, 22),
                    "renewal_date": date(2027, 9, 22),
                },
                {
                    "staff_name": "Kieran Doyle",
                    "staff_role": "Teaching assistant",
                    "training": "Buccal midazolam and epilepsy awareness",
                    "trainer": "Hannah Doyle",
                    "trainer_profession": "Epilepsy specialist nurse",
                    "date": date(2026, 9, 24),
                    "competent": True,
                    "competent_date": date(2026, 9, 24),
                    "renewal_date": date(2027, 9, 24),
                },
                {
                    "staff_name": "Kieran Doyle",
                    "staff_role": "Teaching assistant",
                    "training": "Gastrostomy feeding, flushes and medicines via the tube",
                    "trainer": "Sally Brooks",
                    "trainer_profession": "Children's community nurse",
                    "date": date(2026, 9, 22),
                    "competent": True,
                    "competent_date": date(2026, 9, 22),
                    "renewal_date": date(2027, 9, 22),
                },
                {
                    "staff_name": "Lena Novak",
                    "staff_role": "Resource-base lead",
                    "training": "Buccal midazolam and epilepsy awareness",
                    "trainer": "Hannah Doyle",
                    "trainer_profession": "Epilepsy specialist nurse",
                    "date": date(2026, 9, 24),
                    "competent": True,
                    "competent_date": date(2026, 9, 24),
                    "renewal_date": date(2027, 9, 24),
                },
                {
                    "staff_name": "Lena Novak",
                    "staff_role": "Resource-base lead",
                    "training": "Suction and oral care",
                    "trainer": "Sally Brooks",
                    "trainer_profession": "Children's community nurse",
                    "date": date(2026, 9, 22),
                    "competent": True,
                    "competent_date": date(2026, 9, 22),
                    "renewal_date": date(2027, 9, 22),
                },
                {
                    "staff_name": "Jess Moran",
                    "staff_role": "1:1 teaching assistant",
                    "training": "Moving and handling: hoist and standing frame",
                    "trainer": "Tom Ellis",
                    "trainer_profession": "Physiotherapist",
                    "date": date(2026, 9, 17),
                    "competent": True,
                    "competent_date": date(2026, 9, 17),
                    "renewal_date": date(2027, 9, 17),
                },
                {
                    "staff_name": "Kieran Doyle",
                    "staff_role": "Teaching assistant",
                    "training": "Moving and handling: hoist and standing frame",
                    "trainer": "Tom Ellis",
                    "trainer_profession": "Physiotherapist",
                    "date": date(2026, 9, 17),
                    "competent": True,
                    "competent_date": date(2026, 9, 17),
                    "renewal_date": date(2027, 9, 17),
                },
            ],
            "Attendees": attendees,
        },
        photo="#DCEFD8",
    )


PUPILS: list[Callable[[], Sample]] = [amelia, oliver, sofia, ethan, priya, jordan, noah, grace]


# --------------------------------------------------------------------------------------------
# Wales: a school set to Wales, and two learners with the health and social care section of
# their Individual Development Plan (`samples/wales/`, built with `ihp build samples/wales`).

WALES = "wales"

WALES_SCHOOL: dict[str, Any] = {
    "school_name": "Maes Derw Community School",
    "school_nation": "Wales",
    "school_address": "Heol y Dderwen\nMaes Derw\nCardiff",
    "school_postcode": "CF14 9ZX",
    "school_main_phone": "01632 960900",
    "school_phone_for_999": "01632 960901",
    "school_email": "office@maesderw.example.org",
    "school_headteacher": "Mr Gareth Jenkins",
    "school_senco": "Mrs Bethan Lloyd",
    "school_senco_email": "alnco@maesderw.example.org",
    "school_best_entrance": "Main gate on Heol y Dderwen, then the reception doors on the "
    "left. The gate is opened by the office.",
    "school_who_meets_crew": "The office manager waits at the main gate; the deputy head if "
    "she is out.",
    "school_reply_days": 14,
    "school_retention_years": 25,
}


def _wales_agreement(
    meeting: date, plan: date, review: date, attendees: Rows, *, agreed_by: str, agreed: date
) -> tuple[dict[str, Any], Rows]:
    fields, attendees = _agreement(
        meeting,
        plan,
        review,
        attendees,
        agreed_by=agreed_by,
        agreed=agreed,
        triggers="A change of medicine, a hospital admission, a new diagnosis, advice from "
        "health, a change of school, or if the family or the learner ask.",
    )
    fields["agreement_written_by"] = "Bethan Lloyd, ALNCo"
    fields["agreement_copied_to"] = (
        "Parents; class teacher; school office (first aid); school nurse; the learner's IDP file"
    )
    return fields, attendees


def elin() -> Sample:
    """Wales, Year 5: cerebral palsy and epilepsy; an IDP with health and social care needs,
    swallowing advice and a short-breaks assessment pending for more than six weeks."""
    agreement, attendees = _wales_agreement(
        date(2026, 10, 8),
        date(2026, 10, 12),
        date(2027, 10, 8),
        [
            {"name": "Sian Hughes", "role": "Parent or carer", "detail": "Mother"},
            {"name": "Elin Hughes", "role": "Learner", "detail": "Joined with her key worker"},
            {
                "name": "Carys Bowen",
                "role": "Healthcare professional",
                "detail": "Epilepsy specialist nurse",
            },
            {"name": "Owain Price", "role": "Healthcare professional", "detail": "Physiotherapist"},
            {"name": "Bethan Lloyd", "role": "School staff", "detail": "ALNCo"},
        ],
        agreed_by="Carys Bowen, Epilepsy specialist nurse",
        agreed=date(2026, 10, 15),
    )
    return Sample(
        "elin-hughes",
        {
            "pupil_legal_name": "Elin Mair Hughes",
            "pupil_date_of_birth": date(2017, 3, 9),
            "pupil_year_group": "Year 5",
            "pupil_class_name": "Dosbarth Derwen",
            "pupil_school_reference": "MD2017-0311",
            "pupil_home_address": "8 Lôn y Felin\nMaes Derw\nCardiff CF14 9QT",
            "pupil_nhs_number": "999 234 5675",
            "background_trigger": "Annual review",
            "background_trigger_details": "Reviewed with her Individual Development Plan; "
            "coughing when drinking is new since the summer.",
            "background_linked_plan": "Individual Development Plan (Wales)",
            "background_emergency_healthcare_plan": True,
            "background_who_needs_to_know": "Class teacher, her key worker and the two "
            "midazolam-trained staff, lunchtime staff, the taxi escort.",
            "contacts_lead_staff": "Nia Roberts, key worker (teaching assistant)",
            "contacts_emergency_lead": "A midazolam-trained adult (Nia Roberts or Dylan Morris); "
            "the office calls Mrs Hughes",
            "contacts_offsite_lead": "A midazolam-trained adult goes on every trip",
            "conditions_facilities": "Walker in class; wheelchair for longer distances; lift "
            "to the upstairs classrooms; standing frame in the ALN base.",
            "conditions_environment": "Crowded corridors: she moves between lessons three "
            "minutes early with her key worker.",
            "conditions_epilepsy_seizures": "Tonic-clonic seizures about twice a term: falls, "
            "stiffens then jerks, usually 2 minutes, then sleeps for an hour.",
            "conditions_epilepsy_rescue_after_minutes": 5,
            "medicines_consent_staff_give": True,
            "daily_care_daily_care": "Stretches morning and afternoon; 30 minutes in the "
            "standing frame after lunch.",
            "daily_care_food_and_drink": "Drinks thickened as at home until the speech and "
            "language therapist advises.",
            "daily_care_toileting": "One trained adult helps her in the accessible toilet.",
            "daily_care_rest": "Rest on the beanbag in the ALN base after lunch.",
            "emergency_signs": "A tonic-clonic seizure: she falls or slumps, goes stiff and "
            "jerks. Time it from the start.",
            "emergency_call_999_when": "Buccal midazolam has been given; the seizure goes on 10 "
            "minutes after it; she is injured or struggling to breathe.",
            "emergency_call_parents_when": "After any tonic-clonic seizure.",
            "emergency_tell_ambulance": "Epileptic seizure, buccal midazolam given at (time)",
            "emergency_after_care": "Recovery position, stay with her, let her sleep; record "
            "the seizure and the controlled drug.",
            "school_life_inclusion": "Takes part in PE with an adapted programme from the "
            "physiotherapist.",
            "school_life_learning": "Tired by the afternoon: the most demanding work is planned "
            "for the morning.",
            "trips_trips": "Accessible transport; midazolam and a trained adult on every trip.",
            "trips_transport": "Local authority taxi with an escort who knows the seizure plan.",
            "voice_want_staff_to_know": "I can walk a little way with my walker. Ask me before "
            "you push my chair.",
            "voice_how_to_help": "Give me time to get my words out.",
            "voice_recorded_by": "Elin, with Nia Roberts",
            "training_cover": "Two staff are trained in buccal midazolam; one is always on site.",
            **agreement,
        },
        {
            "FamilyContacts": [
                {
                    "name": "Sian Hughes",
                    "relationship": "Mother",
                    "mobile": "07700 900911",
                    "email": "sian.hughes@example.com",
                    "parental_responsibility": True,
                },
                {
                    "name": "Gethin Hughes",
                    "relationship": "Father",
                    "mobile": "07700 900912",
                    "work_phone": "01632 960912",
                    "parental_responsibility": True,
                },
            ],
            "HealthcareContacts": [
                {
                    "role": "Specialist nurse",
                    "name": "Carys Bowen",
                    "organisation": "Children's Epilepsy Service (fictional health board)",
                    "phone": "01632 960920",
                    "email": "carys.bowen@nhs.example.org",
                },
                {
                    "role": "Physiotherapist",
                    "name": "Owain Price",
                    "organisation": "Children's Physiotherapy",
                    "phone": "01632 960921",
                },
                {
                    "role": "Speech and language therapist",
                    "name": "Rhian Davies",
                    "organisation": "Children's SLT (swallowing)",
                    "phone": "01632 960922",
                },
                {
                    "role": "GP",
                    "name": "Dr Alun Thomas",
                    "organisation": "Maes Derw Surgery",
                    "phone": "01632 960923",
                },
            ],
            "Conditions": [
                {
                    "kind": "Other",
                    "diagnosis": "Cerebral palsy (spastic diplegia)",
                    "signs": "Stiff legs, tires quickly, leg pain after long walks.",
                    "triggers": "Cold, long distances, being rushed.",
                    "treatment": "Physiotherapy programme, standing frame, walker.",
                },
                {
                    "kind": "Epilepsy or seizures",
                    "diagnosis": "Epilepsy (tonic-clonic seizures)",
                    "signs": "See the seizure types below.",
                    "triggers": "Illness, tiredness.",
                    "treatment": "Levetiracetam at home; buccal midazolam for long seizures.",
                },
            ],
            "Medicines": [
                {
                    "name": "Buccal midazolam 7.5 mg (Buccolam)",
                    "dose": "7.5 mg (one pre-filled syringe)",
                    "route": "Buccal (inside the cheek)",
                    "when": "Tonic-clonic seizure lasting 5 minutes",
                    "use": "Emergency",
                    "who_gives": "Staff give it",
                    "storage": "Locked cabinet in the school office; trip bag when off site",
                    "controlled_drug": True,
                    "expiry": date(2027, 6, 30),
                    "side_effects": "Drowsiness; slowed breathing",
                    "quantity_received": "2 syringes",
                    "date_received": date(2026, 10, 12),
                }
            ],
            "StaffTraining": [
                {
                    "staff_name": "Nia Roberts",
                    "staff_role": "Key worker (teaching assistant)",
                    "training": "Epilepsy awareness and buccal midazolam",
                    "trainer": "Carys Bowen",
                    "trainer_profession": "Epilepsy specialist nurse",
                    "date": date(2026, 10, 15),
                    "competent": True,
                    "competent_date": date(2026, 10, 15),
                    "renewal_date": date(2027, 10, 15),
                },
                {
                    "staff_name": "Dylan Morris",
                    "staff_role": "Teaching assistant",
                    "training": "Epilepsy awareness and buccal midazolam",
                    "trainer": "Carys Bowen",
                    "trainer_profession": "Epilepsy specialist nurse",
                    "date": date(2026, 10, 15),
                    "competent": True,
                    "competent_date": date(2026, 10, 15),
                    "renewal_date": date(2027, 10, 15),
                },
            ],
            "Attendees": attendees,
            "IdpNeeds": [
                {
                    "area": "Medical diagnoses",
                    "need": "Cerebral palsy (spastic diplegia) and epilepsy",
                    "provision": "Individual healthcare plan and seizure plan; two staff "
                    "trained in buccal midazolam",
                    "provided_by": "School, with the health board's epilepsy nurse",
                    "status": "Agreed",
                },
                {
                    "area": "Sensory and motor needs",
                    "need": "Cannot manage a standard pencil or scissors",
                    "provision": "Daily 10-minute fine-motor programme; sloped writing board",
                    "provided_by": "Key worker; programme set by the health board's "
                    "occupational therapist",
                    "status": "Agreed",
                },
                {
                    "area": "Therapy guidance",
                    "need": "Stretches and standing practice every day",
                    "provision": "Stretches twice a day; 30 minutes in the standing frame",
                    "provided_by": "Health board physiotherapist (programme, termly review); "
                    "key worker (daily)",
                    "status": "Agreed",
                },
                {
                    "area": "Physical disability requirements",
                    "need": "Walks short distances with a walker; wheelchair further",
                    "provision": "Lift to upstairs rooms; leaves lessons three minutes early",
                    "provided_by": "School",
                    "status": "Agreed",
                },
                {
                    "area": "Seizure plan",
                    "need": "Tonic-clonic seizures about twice a term",
                    "provision": "Seizure plan agreed with the epilepsy nurse; a trained "
                    "adult on site every day",
                    "provided_by": "Health board epilepsy nurse; school",
                    "status": "Agreed",
                },
                {
                    "area": "Feeding and swallowing risks",
                    "need": "Coughs when drinking thin fluids since the summer",
                    "provision": "Thickened drinks as at home until the speech and language "
                    "therapist advises",
                    "provided_by": "Health board speech and language therapy (swallowing)",
                    "status": "Health advice pending",
                    "advice_requested": date(2026, 9, 7),
                },
                {
                    "area": "Fatigue and pain",
                    "need": "Tired by the afternoon; leg pain after long walks",
                    "provision": "Rest after lunch; demanding work in the morning",
                    "provided_by": "School, with the physiotherapist's pacing advice",
                    "status": "Agreed",
                },
                {
                    "area": "Specialist equipment",
                    "need": "Walker, wheelchair, standing frame, sloped board",
                    "provision": "Kept in school and checked each term",
                    "provided_by": "Health board wheelchair and equipment service",
                    "status": "Agreed",
                },
                {
                    "area": "Personal care needs",
                    "need": "Help with toileting and changing for PE",
                    "provision": "One trained adult; accessible toilet with rails",
                    "provided_by": "School",
                    "status": "Agreed",
                },
                {
                    "area": "Social care: equipment",
                    "need": "Sleeps badly without a profiling bed, and is tired at school",
                    "provision": "Profiling bed at home",
                    "provided_by": "Local authority social services",
                    "status": "Agreed",
                },
                {
                    "area": "Social care: short breaks",
                    "need": "The family needs short breaks to keep caring at home",
                    "provision": "Assessment for short breaks",
                    "provided_by": "Local authority social services",
                    "status": "Health advice pending",
                    "advice_requested": date(2026, 9, 28),
                },
            ],
        },
    )


def rhys() -> Sample:
    """Wales, Year 9: asthma, and an IDP for autism with anxiety; CAMHS advice pending for
    three weeks (not yet due) and nothing recorded for social care."""
    agreement, attendees = _wales_agreement(
        date(2026, 10, 29),
        date(2026, 11, 2),
        date(2027, 10, 29),
        [
            {"name": "Hywel Evans", "role": "Parent or carer", "detail": "Father"},
            {"name": "Rhys Evans", "role": "Learner", "detail": "Led the part about his views"},
            {"name": "Ffion Jones", "role": "Healthcare professional", "detail": "School nurse"},
            {"name": "Bethan Lloyd", "role": "School staff", "detail": "ALNCo"},
        ],
        agreed_by="Ffion Jones, School nurse",
        agreed=date(2026, 11, 4),
    )
    return Sample(
        "rhys-evans",
        {
            "pupil_legal_name": "Rhys Owen Evans",
            "pupil_date_of_birth": date(2012, 5, 21),
            "pupil_year_group": "Year 9",
            "pupil_class_name": "9T",
            "pupil_school_reference": "MD2012-0188",
            "background_trigger": "Needs have changed",
            "background_trigger_details": "Two asthma attacks at school this term, and "
            "anxiety has kept him off school twice.",
            "background_linked_plan": "Individual Development Plan (Wales)",
            "background_who_needs_to_know": "His teachers, the PE department, the ALN base "
            "staff, the school office.",
            "background_confidentiality": "Rhys does not want his class told about his "
            "autism; his asthma may be mentioned.",
            "contacts_lead_staff": "Mr Iwan Harris, head of Year 9",
            "contacts_emergency_lead": "The first-aider on duty; the office calls Mr Evans",
            "conditions_asthma_reliever": "Salbutamol 100 micrograms (blue)",
            "conditions_asthma_spacer": True,
            "conditions_asthma_mart": False,
            "medicines_consent_staff_give": True,
            "medicines_consent_emergency_inhaler": True,
            "daily_care_physical_activity": "Two puffs of his reliever before PE; he may stop "
            "and rest without being asked why.",
            "school_life_emotional": "Anxious before tests and when routines change; a named "
            "key adult in the ALN base.",
            "school_life_exam_arrangements": "A small room and rest breaks for tests.",
            "attendance_impact": "Two absences this term from anxiety; a graduated return "
            "after each.",
            "attendance_catch_up": "Work sent home on the school's learning platform.",
            "future_transitions": "Choosing GCSE options: visits to new classrooms before "
            "Year 10 starts.",
            "future_adulthood": "Learning to order his own inhaler from the pharmacy.",
            "voice_want_staff_to_know": "Loud corridors make my chest and my head feel tight. "
            "It is not rudeness when I leave.",
            "voice_how_to_help": "Tell me about changes the day before. Let me use my "
            "inhaler without a fuss.",
            "voice_what_worries_me": "Having an attack in front of everyone.",
            "voice_recorded_by": "Rhys",
            "training_cover": "All first-aiders are trained in asthma; the office keeps a list.",
            **agreement,
        },
        {
            "FamilyContacts": [
                {
                    "name": "Hywel Evans",
                    "relationship": "Father",
                    "mobile": "07700 900931",
                    "email": "hywel.evans@example.com",
                    "parental_responsibility": True,
                },
                {
                    "name": "Mererid Evans",
                    "relationship": "Grandmother",
                    "home_phone": "01632 960932",
                    "parental_responsibility": False,
                },
            ],
            "HealthcareContacts": [
                {
                    "role": "School nurse",
                    "name": "Ffion Jones",
                    "organisation": "School Nursing Service",
                    "phone": "01632 960940",
                    "email": "ffion.jones@nhs.example.org",
                },
                {
                    "role": "Mental health (CAMHS)",
                    "name": "Duty worker",
                    "organisation": "Child and Adolescent Mental Health Service",
                    "phone": "01632 960941",
                },
            ],
            "Conditions": [
                {
                    "kind": "Asthma",
                    "diagnosis": "Asthma (moderate)",
                    "signs": "Wheeze, tight chest, coughing; goes quiet and pale.",
                    "triggers": "Exercise in cold air, colds, stress.",
                    "treatment": "Preventer inhaler at home; blue reliever when needed.",
                }
            ],
            "Medicines": [
                {
                    "name": "Salbutamol 100 micrograms inhaler (blue)",
                    "dose": "2 puffs through the spacer, up to 10 in an attack",
                    "route": "Inhaled",
                    "when": "When wheezy or tight-chested; before PE",
                    "use": "When needed",
                    "who_gives": "Learner, without supervision",
                    "carries_own": True,
                    "storage": "In his blazer pocket; a spare in the school office",
                    "expiry": date(2027, 9, 30),
                }
            ],
            "StaffTraining": [
                {
                    "staff_name": "Iwan Harris",
                    "staff_role": "Head of Year 9",
                    "training": "Asthma awareness and inhaler with spacer",
                    "trainer": "Ffion Jones",
                    "trainer_profession": "School nurse",
                    "date": date(2026, 11, 4),
                    "competent": True,
                    "competent_date": date(2026, 11, 4),
                    "renewal_date": date(2027, 11, 4),
                }
            ],
            "Attendees": attendees,
            "IdpNeeds": [
                {
                    "area": "Medical diagnoses",
                    "need": "Autism (diagnosed 2019) and asthma",
                    "provision": "Individual healthcare plan for asthma; autism-informed "
                    "teaching in every lesson",
                    "provided_by": "School; health board neurodevelopmental team (advice)",
                    "status": "Agreed",
                },
                {
                    "area": "Sensory and motor needs",
                    "need": "Noise and crowded corridors overwhelm him",
                    "provision": "Ear defenders; leaves lessons early; sensory breaks in the "
                    "ALN base",
                    "provided_by": "School, from the occupational therapist's sensory profile",
                    "status": "Agreed",
                },
                {
                    "area": "Therapy guidance",
                    "need": "Takes figurative language and spoken instructions literally",
                    "provision": "Instructions written down; visual timetable",
                    "provided_by": "Teachers, with the speech and language therapist's advice",
                    "status": "Agreed",
                },
                {
                    "area": "Mental health needs",
                    "need": "Anxiety before tests and changes; two absences this term",
                    "provision": "Anxiety plan and graduated return; a named key adult",
                    "provided_by": "Health board CAMHS (anxiety plan); school (key adult)",
                    "status": "Health advice pending",
                    "advice_requested": date(2026, 11, 2),
                },
                {
                    "area": "Safety plan",
                    "need": "Leaves the building when overwhelmed",
                    "provision": "A safe space in the ALN base; staff follow at a distance "
                    "and call home",
                    "provided_by": "School",
                    "status": "Agreed",
                },
            ],
        },
    )


WALES_LEARNERS: list[Callable[[], Sample]] = [elin, rhys]


# --------------------------------------------------------------------------------------------
# Placeholder photos: a drawn outline, never a face.


def draw_placeholder(path: Path, colour: str) -> Path:
    """A head-and-shoulders outline on a plain background, marked as a sample."""
    image = Image.new("RGB", (240, 300), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((75, 50, 165, 140), fill="#8C8C8C")
    draw.rounded_rectangle((40, 160, 200, 300), radius=60, fill="#8C8C8C")
    draw.rectangle((0, 270, 240, 300), fill="#FFFFFF")
    draw.text((86, 278), "SAMPLE", fill="#404040")
    image.save(path, format="PNG", optimize=False)
    return path


# --------------------------------------------------------------------------------------------
# Invalid samples: one mistake each, and where `ihp check` must point.


@dataclass
class Mistake:
    file: str
    what: str
    change: Callable[[Sample], None] | None = None
    #: where the mistake is: a defined name, or (table, row index, column field)
    name: str | None = None
    table: tuple[str, int, str] | None = None
    message: str = ""
    #: edits outside the named boxes, applied with openpyxl after filling
    edit: Callable[[Path], None] | None = None


def _set(name: str, value: Any) -> Callable[[Sample], None]:
    def change(sample: Sample) -> None:
        sample.fields[name] = value

    return change


def _set_row(table: str, index: int, column: str, value: Any) -> Callable[[Sample], None]:
    def change(sample: Sample) -> None:
        sample.tables[table][index][column] = value

    return change


def _drop_row_value(table: str, index: int, *columns: str) -> Callable[[Sample], None]:
    def change(sample: Sample) -> None:
        for column in columns:
            sample.tables[table][index].pop(column, None)

    return change


def _empty_table(table: str) -> Callable[[Sample], None]:
    def change(sample: Sample) -> None:
        sample.tables[table] = []

    return change


def _only_other_condition(sample: Sample) -> None:
    sample.tables["Conditions"] = [
        {"kind": "Other", "diagnosis": "Recurrent fainting (under investigation)"}
    ]
    sample.tables["EmergencySteps"] = []


def _type_below_medicines(path: Path) -> None:
    """A medicine typed in the row under the table, as LibreOffice leaves it (not in the table)."""
    wb = load_workbook(path)
    ws = wb["Medicines"]
    _, _, _, last_row = range_boundaries(ws.tables["Medicines"].ref)
    ws.cell(row=last_row + 1, column=1, value="Salbutamol inhaler (spare)")
    ws.cell(row=last_row + 1, column=2, value="2 puffs")
    save_workbook(wb, path)


def _old_version(path: Path) -> None:
    wb = load_workbook(path)
    ((sheet, cell),) = list(wb.defined_names["form_version"].destinations)
    wb[sheet][cell.replace("$", "")].value = "0.9"
    save_workbook(wb, path)


def _not_a_form(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Class list"
    ws.append(["Name", "Class", "Allergies"])
    ws.append(["A Pupil", "3F", "None"])
    wb.properties.created = FIXED_TIME
    save_workbook(wb, path)


MISTAKES = [
    Mistake(
        "bad-date.xlsx",
        "a date of birth that does not exist (31 February)",
        _set("pupil_date_of_birth", "31/02/2018"),
        name="pupil_date_of_birth",
        message="'31/02/2018' is not a date I can read",
    ),
    Mistake(
        "dob-after-plan-date.xlsx",
        "date of birth after the plan date",
        _set("pupil_date_of_birth", date(2027, 6, 14)),
        name="pupil_date_of_birth",
        message="is not before the plan date",
    ),
    Mistake(
        "implausible-age.xlsx",
        "date of birth making the pupil 40 (the year of a parent's birth)",
        _set("pupil_date_of_birth", date(1986, 6, 14)),
        name="pupil_date_of_birth",
        message="a pupil is between 2 and 25",
    ),
    Mistake(
        "invalid-nhs-number.xlsx",
        "an NHS number whose check digit is wrong",
        _set("pupil_nhs_number", "999 765 4324"),
        name="pupil_nhs_number",
        message="is not a valid NHS number",
    ),
    Mistake(
        "bad-phone.xlsx",
        "a mobile number with digits missing",
        _set_row("FamilyContacts", 0, "mobile", "07700 9001"),
        table=("FamilyContacts", 0, "mobile"),
        message="is not a valid phone number",
    ),
    Mistake(
        "missing-required-field.xlsx",
        "the pupil's name left empty",
        _set("pupil_legal_name", None),
        name="pupil_legal_name",
        message="must be filled in",
    ),
    Mistake(
        "bad-dropdown-value.xlsx",
        "a value typed over a drop-down that is not one of its choices",
        _set_row("Medicines", 0, "route", "Puffer"),
        table=("Medicines", 0, "route"),
        message="'Puffer' is not one of the choices",
    ),
    Mistake(
        "review-before-plan-date.xlsx",
        "review date before the plan date",
        _set("agreement_review_date", date(2026, 7, 9)),
        name="agreement_review_date",
        message="is not after the plan date",
    ),
    Mistake(
        "no-family-contact.xlsx",
        "no family contact at all",
        _empty_table("FamilyContacts"),
        table=("FamilyContacts", 0, "name"),
        message="there is no family contact",
    ),
    Mistake(
        "contact-without-phone.xlsx",
        "a family contact with no phone number",
        _drop_row_value("FamilyContacts", 1, "mobile"),
        table=("FamilyContacts", 1, "mobile"),
        message="Simon Hart has no phone number",
    ),
    Mistake(
        "no-condition.xlsx",
        "no condition recorded",
        _empty_table("Conditions"),
        table=("Conditions", 0, "kind"),
        message="no condition is recorded",
    ),
    Mistake(
        "no-emergency-steps.xlsx",
        "only an 'Other' condition and no emergency steps",
        _only_other_condition,
        table=("EmergencySteps", 0, "step"),
        message="there are no emergency steps",
    ),
    Mistake(
        "bad-number.xlsx",
        "words where a number of minutes is needed",
        _set("conditions_epilepsy_rescue_after_minutes", "five"),
        name="conditions_epilepsy_rescue_after_minutes",
        message="'five' is not a whole number",
    ),
    Mistake(
        "bad-email.xlsx",
        "an email address without its domain",
        _set_row("FamilyContacts", 0, "email", "rachel.hart@"),
        table=("FamilyContacts", 0, "email"),
        message="is not an email address",
    ),
    Mistake(
        "bad-yes-no.xlsx",
        "an answer other than Yes or No",
        _set("medicines_consent_staff_give", "Maybe"),
        name="medicines_consent_staff_give",
        message="'Maybe' is not Yes or No",
    ),
    Mistake(
        "typed-below-table.xlsx",
        "a medicine typed just below the Medicines table, outside it",
        edit=_type_below_medicines,
        table=("Medicines", Medicine.blank_rows, "name"),
        message="just below the Medicines table",
    ),
    Mistake(
        "old-form-version.xlsx",
        "a workbook from another version of the form",
        edit=_old_version,
        message="version 0.9 of the intake form",
    ),
    Mistake(
        "not-an-intake-form.xlsx",
        "a spreadsheet that is not an intake form at all",
        edit=_not_a_form,
        message="is not an Individual Healthcare Plan intake form",
    ),
]


def _locate(form: Path, mistake: Mistake) -> str:
    """`Sheet!B7` for a mistake, read from the blank form's names (not from the checker)."""
    if mistake.name:
        wb = load_workbook(form)
        ((sheet, cell),) = list(wb.defined_names[mistake.name].destinations)
        return f"{sheet.replace(chr(39) * 2, chr(39))}!{cell.replace('$', '')}"
    if mistake.table:
        table_name, index, column = mistake.table
        wb = load_workbook(form)
        for ws in wb.worksheets:
            for table in ws.tables.values():
                if table.displayName != table_name:
                    continue
                min_col, min_row, max_col, _ = range_boundaries(table.ref)
                row_model = next(
                    row
                    for section in SECTIONS.values()
                    for row in table_fields(section).values()
                    if row.table == table_name
                )
                title = label_of(row_model.model_fields[column], column)
                for offset in range(max_col - min_col + 1):
                    heading = str(ws.cell(row=min_row, column=min_col + offset).value)
                    if heading.rstrip(" *") == title:
                        letter = ws.cell(row=min_row, column=min_col + offset).column_letter
                        return f"{ws.title}!{letter}{min_row + 1 + index}"
    return "(whole file)"


def write_samples(root: Path = HERE) -> list[Path]:
    """Write the school, every sample pupil, the Wales school and learners, and the invalid
    set; returns the files written."""
    invalid = root / "invalid"
    invalid.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        form = write_pupil_form(Path(scratch) / "ihp-intake.xlsx", Nation.ENGLAND)
        school_form = write_school_form(Path(scratch) / "school-details.xlsx")
        for folder in (root, invalid):
            written.append(fill_form(school_form, folder / "school.xlsx", SCHOOL))
        for make in PUPILS:
            sample = make()
            written.append(
                fill_form(form, root / f"{sample.slug}.xlsx", sample.fields, sample.tables)
            )
            if sample.photo:
                written.append(draw_placeholder(root / f"{sample.slug}.png", sample.photo))
        wales = root / WALES
        wales.mkdir(exist_ok=True)
        wales_form = write_pupil_form(Path(scratch) / "ihp-intake-wales.xlsx", Nation.WALES)
        written.append(fill_form(school_form, wales / "school.xlsx", WALES_SCHOOL))
        for make in WALES_LEARNERS:
            sample = make()
            written.append(
                fill_form(wales_form, wales / f"{sample.slug}.xlsx", sample.fields, sample.tables)
            )
        rows = []
        for mistake in MISTAKES:
            base = amelia()
            sample = Sample(base.slug, copy.deepcopy(base.fields), copy.deepcopy(base.tables))
            sample.fields["pupil_nhs_number"] = "999 765 4323"
            sample.fields["pupil_photo"] = None
            sample.fields["pupil_photo_consent"] = None
            if mistake.change:
                mistake.change(sample)
            path = fill_form(form, invalid / mistake.file, sample.fields, sample.tables)
            if mistake.edit:
                mistake.edit(path)
            written.append(path)
            rows.append(f"| {mistake.file} | {_locate(form, mistake)} | {mistake.message} |")
    expected = invalid / "EXPECTED.md"
    expected.write_text(
        "# Planted mistakes\n\n"
        "Each workbook here is a copy of the sample pupil Amelia Hart (synthetic) with exactly "
        "one kind of mistake. `ihp check samples/invalid/` must report each one at this "
        "sheet!cell with a message containing the text shown, and exit with status 3. "
        "`tests/test_samples.py` reads this table. Written by `samples/make_samples.py`.\n\n"
        "| file | sheet!cell | message contains |\n"
        "|---|---|---|\n" + "\n".join(rows) + "\n\n"
        "What each file shows:\n\n"
        + "\n".join(f"- `{mistake.file}`: {mistake.what}" for mistake in MISTAKES)
        + "\n",
        encoding="utf-8",
    )
    written.append(expected)
    return written


if __name__ == "__main__":
    for path in write_samples():
        print(path.relative_to(HERE.parent))
