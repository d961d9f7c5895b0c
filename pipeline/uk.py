"""Reusable field types for UK values: phone numbers, NHS numbers, dates typed the UK way.

Each raises a `PydanticCustomError` whose message a SENCo can act on; `hint` in its context says
what to type instead, so the validator never has to show a Python type name.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any

import phonenumbers
from pydantic import AfterValidator, BeforeValidator, ValidationInfo
from pydantic_core import PydanticCustomError

# Excel stores dates as days since 1899-12-30 (the 1900 leap-year bug folded in).
_EXCEL_EPOCH = date(1899, 12, 30)

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00)?)?$")
_WORDY_DATE = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")

DATE_HINT = "type the date as day/month/year, for example 03/04/2026 for 3 April 2026"


def _date_error(text: str) -> PydanticCustomError:
    return PydanticCustomError(
        "uk_date",
        "'{text}' is not a date I can read",
        {"text": text[:40], "hint": DATE_HINT},
    )


def _full_year(year: int) -> int:
    # Two-digit years: pupils' dates of birth and plan dates both fall within this century.
    return 2000 + year if year < 100 else year


def parse_uk_date(value: Any) -> date | None:
    """Read a date the way Excel and a UK user give it: `03/04/2015` is 3 April 2015."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:  # Excel's own range of serial dates
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise _date_error(str(value))
    text = str(value).strip()
    if not text:
        return None
    try:
        if match := _NUMERIC_DATE.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(_full_year(year), month, day)
        if match := _ISO_DATE.match(text):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _WORDY_DATE.match(text):
            month_number = _MONTHS.get(match.group(2).lower())
            if month_number:
                return date(int(match.group(3)), month_number, int(match.group(1)))
    except ValueError:
        raise _date_error(text) from None
    raise _date_error(text)


UKDate = Annotated[date, BeforeValidator(parse_uk_date)]
"""A date, accepting real Excel dates, serial numbers and UK-ordered text."""


PHONE_HINT = "type a UK phone number with its area code, for example 01632 960123 or 07700 900123"


# Ofcom reserves 01632 960xxx and 07700 900xxx for drama and examples (PHONE_HINT uses them);
# libphonenumber calls them invalid, but they can never ring a real person, so samples use them.
_DRAMA_NUMBERS = re.compile(r"^(?:1632960|7700900)\d{3}$")


def _is_drama_number(number: phonenumbers.PhoneNumber) -> bool:
    return number.country_code == 44 and bool(
        _DRAMA_NUMBERS.match(phonenumbers.national_significant_number(number))
    )


def normalise_uk_phone(value: Any) -> str:
    """Validate with Google's libphonenumber data and format as UK users write numbers."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if isinstance(value, int) and not text.startswith("0"):
        text = "0" + text  # Excel drops the leading zero of a number typed as a number
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        raise PydanticCustomError(
            "uk_phone", "'{text}' is not a phone number", {"text": text[:40], "hint": PHONE_HINT}
        ) from None
    if not (phonenumbers.is_valid_number(number) or _is_drama_number(number)):
        raise PydanticCustomError(
            "uk_phone",
            "'{text}' is not a valid phone number (check the number of digits)",
            {"text": text[:40], "hint": PHONE_HINT},
        )
    if number.country_code == 44:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


#: validation context for a plan ihp itself checked and saved (`check_cache`): its numbers are
#: already normalised, and libphonenumber's parse is most of the cost of loading a plan
ALREADY_CHECKED = "already_checked"


def already_checked(value: Any, info: ValidationInfo) -> bool:
    """Whether `value` is text from a plan ihp itself already checked (see ALREADY_CHECKED)."""
    return isinstance(value, str) and bool(info.context and info.context.get(ALREADY_CHECKED))


def check_uk_phone(value: Any, info: ValidationInfo) -> str:
    """`normalise_uk_phone`, skipped for a plan ihp itself already checked (see ALREADY_CHECKED)."""
    if already_checked(value, info):
        return value
    return normalise_uk_phone(value)


UKPhone = Annotated[str, BeforeValidator(check_uk_phone)]
"""A phone number, validated for the UK (others accepted with their +country code)."""


NHS_HINT = "copy the 10-digit NHS number from a letter from the GP or hospital, or leave it blank"


def nhs_check_digit(first_nine: str) -> int | None:
    """The Modulus 11 check digit of an NHS number; None when no valid number can end them."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - (total % 11)
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise_nhs_number(value: Any) -> str:
    """Strip spaces, check the Modulus 11 digit and show it grouped 3-3-4 as the NHS does."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    digits = re.sub(r"[\s\-]", "", str(value))
    if not re.fullmatch(r"\d{10}", digits):
        raise PydanticCustomError(
            "nhs_number",
            "an NHS number has 10 digits; '{text}' does not",
            {"text": str(value)[:40], "hint": NHS_HINT},
        )
    if nhs_check_digit(digits[:9]) != int(digits[9]):
        raise PydanticCustomError(
            "nhs_number",
            "'{text}' is not a valid NHS number (its check digit is wrong: probably a typing slip)",
            {"text": str(value)[:40], "hint": NHS_HINT},
        )
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


NHSNumber = Annotated[str, BeforeValidator(normalise_nhs_number)]


POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$")


def normalise_postcode(value: Any) -> str:
    text = re.sub(r"\s+", "", str(value).upper())
    match = POSTCODE.match(text)
    if not match:
        raise PydanticCustomError(
            "postcode",
            "'{text}' is not a UK postcode",
            {"text": str(value)[:40], "hint": "type the full postcode, for example LS1 4AP"},
        )
    return f"{match.group(1)} {match.group(2)}"


UKPostcode = Annotated[str, BeforeValidator(normalise_postcode)]


def _strip_text(value: str) -> str:
    return value.strip()


CleanText = Annotated[str, AfterValidator(_strip_text)]
