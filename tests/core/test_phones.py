"""Phone numbers are kept in E.164 so the same phone matches however it was written."""

from __future__ import annotations

import pytest

from core.phones import InvalidPhone, is_mobile, to_e164


@pytest.mark.parametrize("written", ["07700 900123", "+44 7700 900123", "0044 7700 900123",
                                     "(07700) 900-123"])
def test_every_way_of_writing_a_uk_mobile_gives_the_same_number(written: str) -> None:
    assert to_e164(written) == "+447700900123"


def test_a_foreign_mobile_keeps_its_country() -> None:
    assert to_e164("+48 512 345 678") == "+48512345678"


@pytest.mark.parametrize("written", ["07700 90", "hello", "", "0770090012345"])
def test_numbers_that_cannot_be_dialled_are_refused(written: str) -> None:
    with pytest.raises(InvalidPhone):
        to_e164(written)


def test_a_landline_is_not_a_mobile() -> None:
    assert not is_mobile(to_e164("020 7946 0958"))
    assert is_mobile(to_e164("07911 123456"))
