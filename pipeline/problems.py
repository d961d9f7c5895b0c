"""A problem found in a workbook: where it is, what is wrong and what to type instead.

Plain data shared by every stage (check, build, reports), written for a SENCo: the field is the
label on the form, never a model field path.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum


class Severity(StrEnum):
    #: the plan cannot be built until it is fixed
    ERROR = "error"
    #: worth fixing, but the plan can still be built
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    file: str
    sheet: str
    cell: str
    field: str
    message: str
    hint: str
    severity: Severity = Severity.ERROR

    @property
    def where(self) -> str:
        """`Sheet!B7`, or just the sheet (or nothing) when no single cell is to blame."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def to_dict(self) -> dict[str, str]:
        return {key: str(value) for key, value in asdict(self).items()}

    def __str__(self) -> str:
        parts = [self.file, self.where, self.field, self.message, self.hint]
        return " · ".join(part for part in parts if part)
