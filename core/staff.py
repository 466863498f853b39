"""Staff accounts: adding them, their passwords (argon2) and signing in with a lockout.

Five failed sign-ins in a row lock the account for fifteen minutes; the count lives in the
database so every process and every restart sees it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.clock import Clock
from core.models import School, StaffRole, StaffUser

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10
_hasher = PasswordHasher()
# Verified when the email is unknown, so an unknown address takes as long as a known one.
_DUMMY_HASH = _hasher.hash("not a real password")


class SignInRefused(PermissionError):
    """Wrong email or password (the message never says which)."""


class AccountLocked(PermissionError):
    """Too many failed sign-ins: try again later."""


@dataclass(frozen=True)
class StaffAdded:
    user: StaffUser
    created: bool


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def add_staff(*, session: Session, school: School, email: str, role: str, name: str | None,
              password: str, clock: Clock) -> StaffAdded:
    """Add a member of staff, or update the role, name and password of one who exists."""
    role = StaffRole(role.strip().lower()).value
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError(f"{email!r} is not an email address")
    user = find_staff(session, school, email)
    created = user is None
    if user is None:
        assert school.id is not None
        user = StaffUser(school_id=school.id, email=email, name="", role=role,
                         created_at=clock())
    user.name = (name or "").strip() or user.name or email.split("@")[0]
    user.role, user.password_hash, user.active = role, hash_password(password), True
    user.failed_signins, user.locked_until = 0, None
    session.add(user)
    session.flush()
    return StaffAdded(user=user, created=created)


def find_staff(session: Session, school: School | None, email: str) -> StaffUser | None:
    query = select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower())
    if school is not None:
        query = query.where(StaffUser.school_id == school.id)
    return session.exec(query).first()


class ChooseSchool(LookupError):
    """The email and password open accounts at several schools: the person says which."""

    def __init__(self, accounts: list[StaffUser]) -> None:
        super().__init__("this email works at several schools")
        self.accounts = accounts


def sign_in(*, session: Session, email: str, password: str, clock: Clock,
            school_id: int | None = None) -> StaffUser:
    """The active member of staff with this email and password; the caller commits, also
    when this raises (a failure is counted). Someone who works at several schools (a trust's
    attendance officer) has an account at each, under one email: if the password opens more
    than one, ChooseSchool lists them, and `school_id` picks one."""
    query = select(StaffUser).where(func.lower(StaffUser.email) == email.strip().lower(),
                                    col(StaffUser.active),
                                    col(StaffUser.password_hash).is_not(None))
    if school_id is not None:
        query = query.where(StaffUser.school_id == school_id)
    accounts = list(session.exec(query.order_by(col(StaffUser.id))).all())
    if not accounts:
        _verify(_DUMMY_HASH, password)
        raise SignInRefused("Wrong email or password.")
    now = clock()
    open_ = [a for a in accounts if a.locked_until is None or a.locked_until <= now]
    if not open_:
        raise AccountLocked("Too many failed sign-ins: this account is locked for 15 minutes.")
    matched = [a for a in open_ if _verify(a.password_hash or "", password)]
    # A password that opens one school's account is no failure at another's.
    for user in matched or open_:
        if matched:
            user.failed_signins, user.locked_until = 0, None
        else:
            user.failed_signins += 1
            if user.failed_signins >= MAX_FAILURES:
                user.failed_signins, user.locked_until = 0, now + LOCKOUT
        session.add(user)
    if not matched:
        raise SignInRefused("Wrong email or password.")
    if len(matched) > 1:
        raise ChooseSchool(matched)
    return matched[0]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
