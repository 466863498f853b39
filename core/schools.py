"""Schools: creating and updating them with their policy and calendar, and finding them again."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from core.calendar import SchoolCalendar, load_calendar
from core.clock import Clock
from core.configfile import ConfigError
from core.models import ChannelKind, Contact, Pupil, School, SchoolChannel
from core.phones import to_e164
from core.policy import Policy, calendar_path, load_policy
from core.term_dates import typical_calendar

DEFAULT_POLICY_SOURCE = "default policy"


class SchoolNotFound(LookupError):
    """No school with that slug, or no school at all."""


def slugify(name: str) -> str:
    """'St Mary's C of E Primary' -> 'st-marys-c-of-e-primary'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace("'", "")).strip("-")
    return slug[:64] or "school"


def add_school(
    *,
    session: Session,
    clock: Clock,
    name: str,
    slug: str | None = None,
    policy_file: Path | None = None,
    calendar_file: Path | None = None,
) -> tuple[School, bool]:
    """Create the school, or update it when the slug exists; returns (school, created).

    An update keeps the stored policy and calendar unless new files are given, so renaming a
    school never resets its escalation ladder or term dates.
    """
    slug = slug or slugify(name)
    school = session.exec(select(School).where(School.slug == slug)).first()
    now = clock()
    policy, policy_source = _policy_from(policy_file)
    calendar = _calendar_from(calendar_file, policy, policy_file)
    if school is None:
        policy = policy or Policy()
        calendar = calendar or typical_calendar(now.date())
        school = School(slug=slug, name=name, created_at=now, updated_at=now,
                        timezone=policy.school.timezone, policy_json="", policy_source="",
                        calendar_json="", calendar_source="")
        _set_policy(school, policy, policy_source)
        _set_calendar(school, calendar)
        session.add(school)
        session.flush()
        return school, True
    school.name = name
    if policy is not None:
        _set_policy(school, policy, policy_source)
    if calendar is not None:
        _set_calendar(school, calendar)
    school.updated_at = now
    session.add(school)
    session.flush()
    return school, False


def _policy_from(policy_file: Path | None) -> tuple[Policy | None, str]:
    if policy_file is None:
        return None, DEFAULT_POLICY_SOURCE
    return load_policy(policy_file), policy_file.name


def _calendar_from(
    calendar_file: Path | None, policy: Policy | None, policy_file: Path | None
) -> SchoolCalendar | None:
    if calendar_file is not None:
        calendar = load_calendar(calendar_file)
    elif policy is not None and policy_file is not None and policy.calendar is not None:
        path = calendar_path(policy, policy_file)
        assert path is not None
        calendar = load_calendar(path)
    else:
        return None
    if policy is not None and calendar.spec.timezone != policy.school.timezone:
        raise ConfigError(calendar.source, [("timezone", (
            f"{calendar.spec.timezone} differs from the policy's {policy.school.timezone}"))])
    return calendar


def _set_policy(school: School, policy: Policy, source: str) -> None:
    school.policy_json = policy.model_dump_json(by_alias=True)
    school.policy_source = source[:200]
    school.timezone = policy.school.timezone


def _set_calendar(school: School, calendar: SchoolCalendar) -> None:
    school.calendar_json = calendar.to_json()
    school.calendar_source = calendar.source[:200]


def school_policy(school: School) -> Policy:
    return policy_from_text(school.policy_json)


def school_calendar(school: School) -> SchoolCalendar:
    return calendar_from_text(school.calendar_json, school.calendar_source)


# Parsed once per process for each stored text: the chase tick reads every school each minute,
# and many schools share a local authority's term dates. Both are immutable once parsed.
@lru_cache(maxsize=4096)
def policy_from_text(text: str) -> Policy:
    """A stored policy, parsed."""
    return Policy.model_validate_json(text)


@lru_cache(maxsize=4096)
def calendar_from_text(text: str, source: str) -> SchoolCalendar:
    """A stored calendar, parsed."""
    return SchoolCalendar.from_json(text, source=source)


def find_school(session: Session, slug: str | None) -> School:
    """The school with this slug; with no slug, the only school there is."""
    if slug:
        school = session.exec(select(School).where(School.slug == slug)).first()
        if school is None:
            raise SchoolNotFound(f"no school {slug!r}; {_known(session)}")
        return school
    schools = session.exec(select(School).order_by(School.slug)).all()
    if len(schools) == 1:
        return schools[0]
    if not schools:
        raise SchoolNotFound("there are no schools yet: add one with `rollcall school add NAME`")
    raise SchoolNotFound(f"there are several schools: say which with --school; {_known(session)}")


def _known(session: Session) -> str:
    slugs = session.exec(select(School.slug).order_by(School.slug)).all()
    return "schools: " + (", ".join(slugs) if slugs else "none yet")


def set_channel_address(
    *, session: Session, school: School, channel: ChannelKind, address: str
) -> SchoolChannel:
    """Register the number or bot parents of this school write to (one school per address)."""
    if channel in (ChannelKind.sms, ChannelKind.whatsapp):
        address = to_e164(address)
    existing = session.exec(select(SchoolChannel).where(
        SchoolChannel.channel == channel.value, SchoolChannel.address == address)).first()
    if existing is not None and existing.school_id != school.id:
        raise ValueError(f"{channel.value} address {address} already belongs to another school")
    row = existing or SchoolChannel(school_id=school.id, channel=channel.value, address=address)
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class SchoolSummary:
    slug: str
    name: str
    pupils: int
    contacts: int
    policy_source: str
    calendar_source: str
    calendar_ends: str


def list_schools(session: Session) -> list[SchoolSummary]:
    pupils = dict(session.exec(select(Pupil.school_id, func.count()).where(
        Pupil.on_roll).group_by(Pupil.school_id)).all())
    contacts = dict(session.exec(
        select(Contact.school_id, func.count()).group_by(Contact.school_id)).all())
    return [
        SchoolSummary(slug=s.slug, name=s.name, pupils=pupils.get(s.id, 0),
                      contacts=contacts.get(s.id, 0), policy_source=s.policy_source,
                      calendar_source=s.calendar_source,
                      calendar_ends=school_calendar(s).last_day.isoformat())
        for s in session.exec(select(School).order_by(School.slug)).all()
    ]
