"""The plan model's field types: NHS numbers, UK phones, UK dates, yes/no, enums, text."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from pipeline.model import (
    SECTIONS,
    Condition,
    ConditionKind,
    FamilyContact,
    Medicine,
    Nation,
    Route,
    Text,
    YesNo,
    clean_text,
    defined_name,
    single_fields,
    table_fields,
)
from pipeline.uk import (
    NHSNumber,
    UKDate,
    UKPhone,
    UKPostcode,
    nhs_check_digit,
    parse_uk_date,
)

nhs = TypeAdapter(NHSNumber)
phone = TypeAdapter(UKPhone)
uk_date = TypeAdapter(UKDate)
postcode = TypeAdapter(UKPostcode)
yes_no = TypeAdapter(YesNo)
text = TypeAdapter(Text)


def _error(adapter: TypeAdapter, value: object) -> dict:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value)
    (error,) = caught.value.errors()
    return error


# NHS numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("943 476 5919", "943 476 5919"),  # NHS Digital's own example
        ("9434765919", "943 476 5919"),
        ("943-476-5919", "943 476 5919"),
        (9434765919, "943 476 5919"),  # typed as a number
        (9434765919.0, "943 476 5919"),
        ("999 765 4323", "999 765 4323"),  # 999 test prefix used by the samples
    ],
)
def test_valid_nhs_numbers_are_grouped_3_3_4(typed: object, shown: str) -> None:
    assert nhs.validate_python(typed) == shown


def test_modulus_11_check_digit_by_hand() -> None:
    # 9 4 3 4 7 6 5 9 1 weighted 10..2: 90+36+24+28+42+30+20+27+2 = 299; 299 % 11 = 2; 11-2 = 9
    assert nhs_check_digit("943476591") == 9
    assert nhs_check_digit("999765432") == 3


def test_check_digit_of_ten_means_no_valid_number() -> None:
    prefix = next(
        f"{n:09d}" for n in range(100000000, 100001000) if nhs_check_digit(f"{n:09d}") is None
    )
    for last in range(10):
        assert _error(nhs, prefix + str(last))["type"] == "nhs_number"


@pytest.mark.parametrize("typed", ["943 476 5918", "12345", "943 476 591X", "9434765919 1"])
def test_bad_nhs_numbers_explain_and_hint(typed: str) -> None:
    error = _error(nhs, typed)
    assert error["type"] == "nhs_number"
    assert "10-digit NHS number" in error["ctx"]["hint"]


@given(st.integers(min_value=0, max_value=999_999_999))
def test_every_computed_check_digit_validates(prefix_number: int) -> None:
    prefix = f"{prefix_number:09d}"
    check = nhs_check_digit(prefix)
    if check is None:
        return
    assert nhs.validate_python(prefix + str(check)).replace(" ", "") == prefix + str(check)
    wrong = (check + 1) % 10
    with pytest.raises(ValidationError):
        nhs.validate_python(prefix + str(wrong))


# Phones ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("0113 496 0000", "0113 496 0000"),
        ("01134960000", "0113 496 0000"),
        ("+44 113 496 0000", "0113 496 0000"),
        (1134960000, "0113 496 0000"),  # Excel dropped the leading 0
        ("07700 900123", "07700 900123"),  # Ofcom drama range
        (7700900123, "07700 900123"),
        (7700900123.0, "07700 900123"),
        ("01632 960123", "01632 960123"),  # Ofcom drama range
        ("020 7946 0000", "020 7946 0000"),
        ("+33 1 42 68 53 00", "+33 1 42 68 53 00"),  # abroad keeps its country code
    ],
)
def test_uk_phones_are_normalised(typed: object, shown: str) -> None:
    assert phone.validate_python(typed) == shown


@pytest.mark.parametrize("typed", ["0770", "07700 9001", "hello", "01632 961123", "0113 496 00000"])
def test_bad_phones_have_a_hint(typed: str) -> None:
    error = _error(phone, typed)
    assert error["type"] == "uk_phone"
    assert "area code" in error["ctx"]["hint"]


# Dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("03/04/2015", date(2015, 4, 3)),  # 3 April, never 4 March
        ("3/4/2015", date(2015, 4, 3)),
        ("03.04.2015", date(2015, 4, 3)),
        ("03-04-2015", date(2015, 4, 3)),
        ("3/4/15", date(2015, 4, 3)),
        ("2015-04-03", date(2015, 4, 3)),
        ("3 April 2015", date(2015, 4, 3)),
        ("3rd Apr 2015", date(2015, 4, 3)),
        ("  03/04/2015 ", date(2015, 4, 3)),
        (datetime(2015, 4, 3, 0, 0), date(2015, 4, 3)),  # a real Excel date
        (date(2015, 4, 3), date(2015, 4, 3)),
        (42097, date(2015, 4, 3)),  # an Excel serial number
    ],
)
def test_uk_dates(typed: object, day: date) -> None:
    assert uk_date.validate_python(typed) == day


@pytest.mark.parametrize("typed", ["31/02/2015", "13/13/2015", "next Tuesday", "2015", -5])
def test_bad_dates_say_how_to_type_them(typed: object) -> None:
    error = _error(uk_date, typed)
    assert error["type"] == "uk_date"
    assert "day/month/year" in error["ctx"]["hint"]


def test_blank_date_text_is_empty() -> None:
    assert parse_uk_date("   ") is None


# Other types -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"), [("ls1 4ap", "LS1 4AP"), ("LS14AP", "LS1 4AP"), ("sw1a 1aa", "SW1A 1AA")]
)
def test_postcodes(typed: str, code: str) -> None:
    assert postcode.validate_python(typed) == code


def test_bad_postcode() -> None:
    assert _error(postcode, "Leeds")["type"] == "postcode"


@pytest.mark.parametrize(
    ("typed", "answer"), [("Yes", True), ("no", False), ("Y", True), ("x", True), (True, True)]
)
def test_yes_no(typed: object, answer: bool) -> None:
    assert yes_no.validate_python(typed) is answer


def test_yes_no_refuses_anything_else() -> None:
    error = _error(yes_no, "Maybe")
    assert error["type"] == "yes_no" and error["ctx"]["hint"] == "choose Yes or No"


def test_text_is_cleaned_for_word() -> None:
    assert (
        text.validate_python("  Line one\x0bLine two\r\nthree\x07 ") == "Line one\nLine two\nthree"
    )
    assert clean_text("   ") is None


def test_text_longer_than_a_cell_allows_is_refused() -> None:
    error = _error(text, "x" * 4001)
    assert error["type"] == "too_long"


def test_enums_accept_their_values_only() -> None:
    route = TypeAdapter(Route)
    assert route.validate_python("Buccal (inside the cheek)") is Route.BUCCAL
    with pytest.raises(ValidationError):
        route.validate_python("Puffer")
    assert Nation("Wales") is Nation.WALES
    assert ConditionKind("Type 1 diabetes") is ConditionKind.TYPE_1_DIABETES


def test_family_contact_needs_a_phone() -> None:
    with pytest.raises(ValidationError) as caught:
        FamilyContact(name="A Parent", relationship="Mother")
    assert caught.value.errors()[0]["type"] == "no_phone"
    contact = FamilyContact(name="A Parent", relationship="Mother", work_phone="0113 496 0000")
    assert contact.phones == [("work", "0113 496 0000")]


def test_unknown_keys_are_errors() -> None:
    with pytest.raises(ValidationError):
        Condition(kind="Asthma", diagnosis="Asthma", colour="blue")  # type: ignore[call-arg]


def test_medicine_defaults() -> None:
    medicine = Medicine(
        name="Salbutamol",
        dose="2 puffs",
        route="Inhaled",
        when="when wheezy",
        use="When needed",
        who_gives="Staff give it",
        storage="Office",
    )
    assert medicine.carries_own is False and medicine.controlled_drug is False


def test_every_section_has_a_sheet_intro_and_labelled_fields() -> None:
    sheets = [section.sheet for section in SECTIONS.values()]
    assert len(sheets) == len(set(sheets))
    for key, section in SECTIONS.items():
        assert section.intro
        for name in single_fields(section):
            assert section.model_fields[name].title, defined_name(key, name)
            assert section.model_fields[name].description
        for row in table_fields(section).values():
            assert row.table and row.blank_rows > 0
            for field in row.model_fields.values():
                assert field.title and field.description
