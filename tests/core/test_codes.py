"""The 2024 national attendance codes, checked against the published list."""

from __future__ import annotations

import json

import pytest

from core.codes import CODES, REASON_CODES, UnknownCode, get_code
from tests.conftest import SHARED

PUBLISHED = json.loads((SHARED / "data" / "dfe_codes_2024.json").read_text())


def test_every_published_code_is_known_with_the_same_meaning_and_counting() -> None:
    ours = {
        c.code: (c.meaning, c.category.value, c.possible_session, c.absence, c.authorised, c.group)
        for c in CODES.values()
    }
    theirs = {
        p["code"]: (p["meaning"], p["category"], p["counts_as_possible_session"],
                    p["counts_as_absence"], p["authorised"], p["group"])
        for p in PUBLISHED
    }
    assert ours == theirs


@pytest.mark.parametrize("retired, hint", [("H", "withdrawn in 2024"), ("J", "J1"),
                                           ("Y", "Y1 to Y7")])
def test_retired_codes_are_refused_with_what_replaced_them(retired: str, hint: str) -> None:
    with pytest.raises(UnknownCode, match=hint):
        get_code(retired)


def test_codes_are_looked_up_whatever_the_case() -> None:
    assert get_code("j1").code == "J1"
    assert get_code(" i ").meaning.startswith("Illness")


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(UnknownCode, match="'Q9' is not a national attendance code"):
        get_code("Q9")


@pytest.mark.parametrize("code, possible, absence, authorised", [
    ("/", True, False, None),
    ("L", True, False, None),
    ("I", True, True, True),
    ("M", True, True, True),
    ("N", True, True, False),
    ("G", True, True, False),
    ("U", True, True, False),
    ("X", False, False, None),
    ("#", False, False, None),
])
def test_how_each_code_counts(code: str, possible: bool, absence: bool,
                              authorised: bool | None) -> None:
    found = get_code(code)
    assert (found.possible_session, found.absence, found.authorised) == \
        (possible, absence, authorised)


def test_every_reason_suggests_a_real_code() -> None:
    assert {reason: get_code(code).code for reason, code in REASON_CODES.items()} == {
        "illness": "I", "medical": "M", "religious": "R", "holiday": "G",
        "exceptional": "C", "late": "L", "other": "O", None: "N"}
