"""Wales: facts about the health and social care section of an Individual Development Plan.

Which areas of the ALN Code are health's and which social care's, how long requested advice has
waited, and which advice is overdue. Shared by the IDP document (`render`) and by `ihp due`, so
that both count weeks the same way.
"""

from __future__ import annotations

from datetime import date

from pipeline.model import AdviceStatus, IdpArea, IdpNeed, Nation, Plan

#: the social care areas of the IDP section (ALN Code 21.10); every other area is health's
SOCIAL_CARE_AREAS = (
    IdpArea.HOME_ADAPTATIONS,
    IdpArea.SOCIAL_EQUIPMENT,
    IdpArea.MANUAL_HANDLING,
    IdpArea.PERSONAL_ASSISTANT,
    IdpArea.SHORT_BREAKS,
    IdpArea.SAFEGUARDING,
)
HEALTH_AREAS = tuple(area for area in IdpArea if area not in SOCIAL_CARE_AREAS)

ADVICE_OVERDUE_WEEKS = 6
"""Advice pending for longer than this many weeks is listed by `ihp due`, to be chased."""


def weeks_waiting(need: IdpNeed, today: date) -> int | None:
    """Whole weeks since advice was requested for a pending need (None: not pending or undated)."""
    if need.status is not AdviceStatus.PENDING or need.advice_requested is None:
        return None
    return max(0, (today - need.advice_requested).days // 7)


def overdue_advice(plan: Plan, today: date) -> list[IdpNeed]:
    """A Welsh learner's IDP needs whose advice has been pending more than six weeks, oldest
    request first (what `ihp due` lists)."""
    if plan.school.nation is not Nation.WALES:
        return []
    overdue = [
        need
        for need in plan.idp.needs
        if need.status is AdviceStatus.PENDING
        and need.advice_requested is not None
        and (today - need.advice_requested).days > 7 * ADVICE_OVERDUE_WEEKS
    ]
    return sorted(overdue, key=lambda need: need.advice_requested or today)
