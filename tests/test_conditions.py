"""The condition library: default wording as data, filled per pupil, always with provenance."""

from __future__ import annotations

from pathlib import Path

import pytest
from plans import make_plan

from pipeline.conditions import (
    LIBRARY_DIR,
    LibraryError,
    emergency_wording,
    load_library,
)
from pipeline.model import ConditionKind
from pipeline.render import plan_context

NO_OWN_WORDING = {"steps": [], "signs": None, "call_999_when": None, "tell_ambulance": None}


def _texts(groups: tuple) -> list[str]:
    return [line.text for group in groups for line in group.lines]


def test_library_covers_the_four_conditions_with_a_source_for_every_line() -> None:
    library = load_library()
    assert set(library) == {
        ConditionKind.ASTHMA,
        ConditionKind.TYPE_1_DIABETES,
        ConditionKind.EPILEPSY,
        ConditionKind.ANAPHYLAXIS,
    }
    for guide in library.values():
        assert guide.emergencies, guide.kind
        for emergency in guide.emergencies:
            assert emergency.steps, (guide.kind, emergency.title)
            for line in (*emergency.signs, *emergency.steps, *emergency.call_999_when):
                assert line.source in guide.sources
                assert guide.sources[line.source].name
    diabetes = [e.title for e in library[ConditionKind.TYPE_1_DIABETES].emergencies]
    assert any("Hypo" in title for title in diabetes) and any(
        "Hyper" in title for title in diabetes
    )


def test_defaults_apply_when_the_workbook_gives_no_wording_and_await_agreement() -> None:
    plan = make_plan(minimal=True)  # anaphylaxis, no own wording, not agreed
    wording = emergency_wording(plan)
    steps = _texts(wording.steps)
    assert any("adrenaline auto-injector into the outer thigh" in step for step in steps)
    assert any("anaphylaxis" in line.text.lower() for line in wording.tell_ambulance)
    assert wording.uses_defaults and not wording.agreed
    assert wording.provenance.startswith("Default wording from ")
    assert "Resuscitation Council UK" in wording.provenance
    assert wording.provenance.endswith("awaiting healthcare professional's agreement.")
    assert all(line.source is not None for group in wording.steps for line in group.lines)


def test_agreed_plan_says_who_agreed_and_when() -> None:
    plan = make_plan(emergency=NO_OWN_WORDING)
    wording = emergency_wording(plan)
    assert wording.agreed
    assert (
        wording.provenance == "Agreed with Kate Lowe, diabetes specialist nurse on 30 March 2026."
    )


def test_the_workbooks_own_wording_wins_part_by_part() -> None:
    plan = make_plan(emergency={"signs": None, "call_999_when": None})
    wording = emergency_wording(plan)
    assert _texts(wording.steps) == [
        "Give 4 glucose tablets (16 g) at once.",
        "Stay with Mira; do not send her anywhere alone.",
        "Recheck glucose after 15 minutes.",
    ]
    assert all(line.source is None for group in wording.steps for line in group.lines)
    # signs and 999 thresholds were left empty: the library's, for both conditions
    assert [group.title for group in wording.signs][:1] == ["Hypo (low blood glucose)"]
    assert any(group.title == "Asthma attack" for group in wording.call_999_when)
    assert [line.text for line in wording.tell_ambulance] == ["Type 1 diabetes, pump user"]


def test_own_text_keeps_one_line_per_line_typed() -> None:
    wording = emergency_wording(make_plan())
    assert _texts(wording.signs) == ["Pale, sweaty and quiet", "Glucose below 4.5 mmol/L"]


def test_per_pupil_thresholds_fill_the_placeholders() -> None:
    plan = make_plan(emergency=NO_OWN_WORDING)  # hypo below 4.5, recheck 15, ketones 0.6
    steps = _texts(emergency_wording(plan).steps)
    assert any("give 4 glucose tablets (16 g) at once" in step.lower() for step in steps)
    assert any("after 15 minutes. If it is still below 4.5 mmol/L" in step for step in steps)
    assert any("ketones are above 0.6 mmol/L" in step for step in steps)
    assert any("through their spacer" in step for step in steps)
    assert not any("{" in step for step in steps)


def test_named_defaults_fill_placeholders_the_plan_leaves_empty() -> None:
    plan = make_plan(
        minimal=True,
        conditions={
            "conditions": [
                {"kind": "Type 1 diabetes", "diagnosis": "Type 1 diabetes"},
                {"kind": "Epilepsy or seizures", "diagnosis": "Epilepsy"},
            ]
        },
    )
    wording = emergency_wording(plan)
    signs, steps = _texts(wording.signs), _texts(wording.steps)
    assert "Blood glucose below 4 mmol/L" in signs
    assert any("longer than 5 minutes" in step for step in steps)
    custom = make_plan(
        minimal=True,
        conditions={
            "conditions": [{"kind": "Epilepsy or seizures", "diagnosis": "Epilepsy"}],
            "epilepsy_rescue_after_minutes": 3,
        },
    )
    assert any("longer than 3 minutes" in step for step in _texts(emergency_wording(custom).steps))


def test_consent_changes_the_spare_medicine_step() -> None:
    def step_about_spare(consent: bool | None) -> str:
        plan = make_plan(minimal=True, medicines={"consent_spare_auto_injector": consent})
        return next(s for s in _texts(emergency_wording(plan).steps) if "spare auto-injector" in s)

    assert step_about_spare(True).startswith("If their own auto-injector is not to hand")
    assert step_about_spare(False).startswith("Do not use the school's spare")
    assert "only if the parent's consent is recorded" in step_about_spare(None)


def test_mart_replaces_the_default_asthma_steps_and_is_flagged() -> None:
    asthma = {"conditions": [{"kind": "Asthma", "diagnosis": "Asthma"}]}
    standard = emergency_wording(make_plan(minimal=True, conditions=asthma))
    assert any("up to 10 puffs" in step for step in _texts(standard.steps))
    assert standard.flags == ()
    mart = emergency_wording(make_plan(minimal=True, conditions={**asthma, "asthma_mart": True}))
    steps = _texts(mart.steps)
    assert not any("up to 10 puffs" in step for step in steps)
    assert any("own MART plan" in step for step in steps)
    assert len(mart.flags) == 1 and "MART" in mart.flags[0]
    # the pupil's own steps replace the defaults, so the flag no longer applies
    own = make_plan(
        minimal=True,
        conditions={**asthma, "asthma_mart": True},
        emergency={"steps": [{"step": "Follow Jo's MART card."}]},
    )
    assert emergency_wording(own).flags == ()


def test_a_condition_without_defaults_is_reported() -> None:
    plan = make_plan(
        minimal=True, conditions={"conditions": [{"kind": "Other", "diagnosis": "Sickle cell"}]}
    )
    wording = emergency_wording(plan)
    assert wording.without_defaults == (ConditionKind.OTHER,)
    assert wording.steps == ()
    assert wording.provenance.startswith("No emergency wording recorded")


def test_plan_text_is_inserted_never_formatted() -> None:
    plan = make_plan(minimal=True, conditions={"allergens": "{diabetes_hypo_below} & <nuts>"})
    signs = _texts(emergency_wording(plan).signs)
    assert any("After contact with {diabetes_hypo_below} & <nuts>:" in sign for sign in signs)


def _write_library(folder: Path, text: str) -> Path:
    folder.mkdir()
    (folder / "broken.toml").write_text(text, encoding="utf-8")
    return folder


def _medicine(name: str, route: str, use: str) -> dict[str, object]:
    return {
        "name": name,
        "dose": "As the label says",
        "route": route,
        "when": "As their plan says",
        "use": use,
        "who_gives": "Staff give it",
        "storage": f"Where {name} is kept",
    }


MEDICINES = [
    _medicine("Salbutamol 100 micrograms inhaler (blue)", "Inhaled", "When needed"),
    _medicine("Clenil Modulite preventer (brown)", "Inhaled", "Regular"),
    _medicine("Paracetamol 250 mg/5 ml", "By mouth", "When needed"),
    _medicine("Cetirizine 1 mg/ml oral solution", "By mouth", "When needed"),
    _medicine("Dextrose tablets", "By mouth", "When needed"),
    _medicine("Hypoallergenic emollient", "On the skin", "When needed"),
    _medicine("Buccolam 5 mg", "Buccal (inside the cheek)", "Emergency"),
]


@pytest.mark.parametrize(
    ("kinds", "fetched"),
    [
        # An emergency medicine always; a reliever is "when needed" but the steps give it.
        (["Asthma"], ["Buccolam 5 mg", "Salbutamol 100 micrograms inhaler (blue)"]),
        # The antihistamine for a mild reaction; not the reliever without asthma.
        (["Anaphylaxis or severe allergy"], ["Buccolam 5 mg", "Cetirizine 1 mg/ml oral solution"]),
        # Fast sugar by a word of its name, not a word that only starts the same.
        (["Type 1 diabetes"], ["Buccolam 5 mg", "Dextrose tablets"]),
        (["Epilepsy or seizures", "Other"], ["Buccolam 5 mg"]),
        (
            ["Type 1 diabetes", "Asthma"],
            ["Buccolam 5 mg", "Salbutamol 100 micrograms inhaler (blue)", "Dextrose tablets"],
        ),
    ],
)
def test_the_medicines_staff_fetch_include_those_the_steps_give(
    kinds: list[str], fetched: list[str]
) -> None:
    plan = make_plan(
        conditions={"conditions": [{"kind": kind, "diagnosis": kind} for kind in kinds]},
        medicines={"medicines": MEDICINES},
    )
    assert [medicine.name for medicine in emergency_wording(plan).medicines] == fetched
    # The documents say the same: the sheet's box and the letter to parents.
    context = plan_context(plan)
    assert [m["storage"] for m in context["sheet"]["medicines"]] == [
        f"Where {name} is kept" for name in fetched
    ]
    assert context["letter"]["emergency_medicines"] == fetched


def test_a_library_file_may_name_the_medicines_its_steps_give(tmp_path: Path) -> None:
    good = (LIBRARY_DIR / "epilepsy.toml").read_text(encoding="utf-8")
    assert "[[steps_give]]" in good
    unknown_route = good.replace('"Nasal"', '"By pigeon"', 1)
    with pytest.raises(LibraryError, match="By pigeon"):
        load_library(_write_library(tmp_path / "a", unknown_route))
    unnamed = good.replace('what = "a rescue medicine"', "", 1)
    with pytest.raises(LibraryError, match="what"):
        load_library(_write_library(tmp_path / "b", unnamed))
    without = good.replace("[[steps_give]]", "[[not_steps_give]]", 1)
    guide = load_library(_write_library(tmp_path / "c", without))[ConditionKind.EPILEPSY]
    assert guide.steps_give == ()
    shipped = load_library()
    for kind, guide in shipped.items():
        assert all(given.routes or given.words for given in guide.steps_give), kind
    expected = {
        kind: [g.what for g in guide.steps_give if g.expected] for kind, guide in shipped.items()
    }
    assert expected[ConditionKind.ASTHMA] == ["a reliever inhaler"]
    assert expected[ConditionKind.ANAPHYLAXIS] == ["an adrenaline auto-injector"]
    assert expected[ConditionKind.EPILEPSY] == expected[ConditionKind.TYPE_1_DIABETES] == []


def test_library_files_are_checked_when_loaded(tmp_path: Path) -> None:
    good = (LIBRARY_DIR / "epilepsy.toml").read_text(encoding="utf-8")
    unknown_source = good.replace('source = "young-epilepsy" }', 'source = "nobody" }', 1)
    with pytest.raises(LibraryError, match="unknown source 'nobody'"):
        load_library(_write_library(tmp_path / "a", unknown_source))
    unknown_placeholder = good.replace("Note the time", "Note {the_time}", 1)
    with pytest.raises(LibraryError, match="the_time"):
        load_library(_write_library(tmp_path / "b", unknown_placeholder))
    attribute = good.replace("Note the time", "Note {epilepsy_seizures.__class__}", 1)
    with pytest.raises(LibraryError, match="plain name"):
        load_library(_write_library(tmp_path / "c", attribute))
