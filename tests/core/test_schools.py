"""Schools: added with a default or given policy and calendar, updated without losing them."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from sqlmodel import Session

from core.clock import FixedClock
from core.configfile import ConfigError
from core.models import ChannelKind
from core.schools import (
    SchoolNotFound,
    add_school,
    find_school,
    list_schools,
    school_calendar,
    school_policy,
    set_channel_address,
    slugify,
)
from core.term_dates import TYPICAL_SOURCE
from tests.conftest import CORPUS_CALENDAR


def test_a_school_added_without_files_gets_the_default_policy_and_a_typical_year(
        session: Session, clock: FixedClock) -> None:
    school, created = add_school(session=session, clock=clock, name="St Mary's C of E Primary")
    assert created and school.slug == "st-marys-c-of-e-primary"
    assert school_policy(school).chasing.chase_at == time(9, 30)
    assert school.calendar_source == TYPICAL_SOURCE
    assert school_calendar(school).closed_because(date(2026, 10, 28)) == "Autumn half term"


def test_updating_a_school_keeps_its_policy_and_calendar(session: Session, clock: FixedClock,
                                                          tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[chasing]\nchase_at = \"09:45\"\n")
    add_school(session=session, clock=clock, name="Hillside", policy_file=policy,
               calendar_file=CORPUS_CALENDAR)
    school, created = add_school(session=session, clock=clock, name="Hillside Academy",
                                 slug="hillside")
    assert not created and school.name == "Hillside Academy"
    assert school_policy(school).chasing.chase_at == time(9, 45)
    assert school.calendar_source == "corpus_calendar.json"


def test_a_policy_can_name_its_calendar_file(session: Session, clock: FixedClock,
                                             tmp_path: Path) -> None:
    (tmp_path / "calendar.json").write_text(CORPUS_CALENDAR.read_text())
    policy = tmp_path / "policy.toml"
    policy.write_text("[calendar]\nfile = \"calendar.json\"\n")
    school, _ = add_school(session=session, clock=clock, name="Hillside", policy_file=policy)
    assert school_calendar(school).closed_because(date(2026, 11, 27)) == "INSET day"


def test_a_calendar_in_another_time_zone_than_the_policy_is_refused(
        session: Session, clock: FixedClock, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[school]\ntimezone = \"Europe/Dublin\"\n")
    with pytest.raises(ConfigError, match="timezone: Europe/London differs from the policy's"):
        add_school(session=session, clock=clock, name="X", policy_file=policy,
                   calendar_file=CORPUS_CALENDAR)


def test_with_one_school_it_need_not_be_named_and_with_two_it_must(
        session: Session, clock: FixedClock) -> None:
    with pytest.raises(SchoolNotFound, match="no schools yet"):
        find_school(session, None)
    first, _ = add_school(session=session, clock=clock, name="Hillside")
    assert find_school(session, None).id == first.id
    add_school(session=session, clock=clock, name="Oakfield")
    with pytest.raises(SchoolNotFound, match="say which with --school; schools: hillside, "
                                             "oakfield"):
        find_school(session, None)
    with pytest.raises(SchoolNotFound, match="no school 'elm'"):
        find_school(session, "elm")


def test_a_number_belongs_to_one_school(session: Session, clock: FixedClock) -> None:
    first, _ = add_school(session=session, clock=clock, name="Hillside")
    second, _ = add_school(session=session, clock=clock, name="Oakfield")
    row = set_channel_address(session=session, school=first, channel=ChannelKind.sms,
                              address="07700 900500")
    assert row.address == "+447700900500"
    with pytest.raises(ValueError, match="already belongs to another school"):
        set_channel_address(session=session, school=second, channel=ChannelKind.sms,
                            address="+447700900500")


def test_the_school_list_counts_each_schools_own_pupils(session: Session,
                                                        clock: FixedClock) -> None:
    add_school(session=session, clock=clock, name="Hillside")
    add_school(session=session, clock=clock, name="Oakfield")
    assert [(s.slug, s.pupils) for s in list_schools(session)] == [("hillside", 0),
                                                                    ("oakfield", 0)]


@pytest.mark.parametrize("name, slug", [("Oakfield Primary", "oakfield-primary"),
                                        ("St. Anne's  (VA)", "st-annes-va"),
                                        ("École Française", "ecole-francaise")])
def test_slugs_are_made_from_names(name: str, slug: str) -> None:
    assert slugify(name) == slug
