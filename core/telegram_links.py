"""Linking a parent's Telegram account to their contact record.

Two ways, both ending with the contact's `telegram_chat_id` set: a one-time code the school
gives the parent (a `t.me/<bot>?start=CODE` link), or the parent sharing their own phone number
with Telegram's contact button, matched to the roster. The Telegram handler accepts a shared
contact only when it is the sender's own.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, select

from core.conversation_models import TelegramLinkCode
from core.models import Contact
from core.phones import to_e164

CODE_LIFETIME = timedelta(days=14)


def create_code(session: Session, contact: Contact, now: datetime) -> TelegramLinkCode:
    """A new one-time code for this contact, valid for two weeks."""
    assert contact.id is not None
    code = TelegramLinkCode(code=secrets.token_urlsafe(12), school_id=contact.school_id,
                            contact_id=contact.id, expires_at=now + CODE_LIFETIME)
    session.add(code)
    session.flush()
    return code


def link_by_code(session: Session, school_id: int, code: str, chat_id: int,
                 now: datetime) -> Contact | None:
    """The contact a valid, unused code of this school belongs to, now linked; else None."""
    row = session.exec(select(TelegramLinkCode).where(
        TelegramLinkCode.code == code, TelegramLinkCode.school_id == school_id)).first()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    row.used_at = now
    contact = session.get(Contact, row.contact_id)
    assert contact is not None
    contact.telegram_chat_id = chat_id
    session.add_all([row, contact])
    return contact


def link_by_phone(session: Session, school_id: int, phone: str, chat_id: int) -> Contact | None:
    """The school's contact with this mobile number, now linked; else None."""
    try:
        number = to_e164(phone)
    except ValueError:
        return None
    contact = session.exec(select(Contact).where(
        Contact.school_id == school_id, Contact.mobile == number)).first()
    if contact is not None:
        contact.telegram_chat_id = chat_id
        session.add(contact)
    return contact
