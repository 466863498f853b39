"""What the staff pages read of the ladder: the proposals waiting for a decision, the steps
approved and still to do, the latest decisions, and one step with its pupil."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlmodel import Session, col, select

from core.attendance_models import Intervention, InterventionStatus
from core.ladder_decisions import may_decide
from core.models import Pupil, School

RECENT = 50


@dataclass(frozen=True)
class LadderRow:
    step: Intervention
    pupil: Pupil
    yours: bool  # the member of staff may decide it

    @property
    def figures(self) -> dict[str, float | int | str | None]:
        """The figures the step was proposed on (core.ladder.Snapshot's fields)."""
        return dict(json.loads(self.step.figures))


@dataclass(frozen=True)
class LadderPage:
    proposed: list[LadderRow]
    approved: list[LadderRow]
    recent: list[LadderRow]  # done and dismissed, newest first


def ladder_page(*, session: Session, school: School, role: str) -> LadderPage:
    """Proposals (lowest attendance first), approved steps (review date first) and the
    latest decisions."""
    def rows(status: InterventionStatus, limit: int | None = None) -> list[LadderRow]:
        query = select(Intervention, Pupil).join(
            Pupil, col(Pupil.id) == Intervention.pupil_id).where(
            Intervention.school_id == school.id, Intervention.status == status.value)
        query = query.order_by(col(Intervention.decided_at).desc(), col(Intervention.id).desc()
                               ) if limit else query.order_by(col(Intervention.id))
        found = session.exec(query.limit(limit) if limit else query).all()
        return [LadderRow(step, pupil, may_decide(role, step.role)) for step, pupil in found]

    proposed = sorted(rows(InterventionStatus.proposed),
                      key=lambda r: float(r.figures.get("percentage") or 0.0))
    approved = sorted(rows(InterventionStatus.approved),
                      key=lambda r: (r.step.review_due is None, r.step.review_due, r.step.id))
    recent = sorted(rows(InterventionStatus.done, RECENT) + rows(InterventionStatus.dismissed,
                                                                  RECENT),
                    key=lambda r: r.step.done_at or r.step.decided_at, reverse=True)[:RECENT]
    return LadderPage(proposed, approved, recent)


def find_step(*, session: Session, school: School, intervention_id: int
              ) -> tuple[Intervention, Pupil] | None:
    step = session.get(Intervention, intervention_id)
    if step is None or step.school_id != school.id:
        return None
    pupil = session.get(Pupil, step.pupil_id)
    assert pupil is not None
    return step, pupil
