"""Every text the bot sends comes from a template, and every template renders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.messages import LANGUAGES, render, template_names

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = {
    "school": "Oakfield Primary", "office_phone": "01632 960000", "leave_process": "Ask us.",
    "names": "Amelia Smith", "plural": False,
    "reports": [{"names": "Amelia Smith", "plural": False, "kind": "absence", "part": "full",
                 "day_word": "today", "day": "2026-11-23", "reason": "illness",
                 "return_day": "2026-11-25"}],
    "withdrawn": True,
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", template_names())
def test_every_message_template_renders_with_its_facts(name: str, language: str) -> None:
    context = SAMPLE | ({"names": ["Amelia Smith", "Jack Smith"]} if name == "ask_pupil" else {})
    text = render(name, language, **context)
    assert text and "{" not in text and ".." not in text
    assert len(text) <= 640  # at most ten SMS segments of the 67-character Unicode kind


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_a_translation_names_the_same_facts_as_the_english(language: str) -> None:
    for name in template_names():
        english = render(name, "en", **SAMPLE | {"names": ["Amelia Smith", "Jack Smith"]}
                         if name == "ask_pupil" else SAMPLE)
        translated = render(name, language, **SAMPLE | {"names": ["Amelia Smith",
                                                                  "Jack Smith"]}
                            if name == "ask_pupil" else SAMPLE)
        for fact in ("Amelia Smith", "Oakfield Primary", "STOP", "START", "CHANGE", "CANCEL",
                     "23", "25"):
            assert (fact in english) == (fact in translated), (name, fact)


def test_every_template_the_code_names_exists() -> None:
    named = set()
    for path in [*(ROOT / "bot").rglob("*.py"), *(ROOT / "core").rglob("*.py")]:
        source = path.read_text()
        named |= set(re.findall(r'(?:Reply|send)\(\s*f?"([a-z_]+)"', source))
        named |= {f"ask_{slot}" for slot in re.findall(r'"(pupil|reason|symptoms|return)"',
                                                       source) if "ask_{slot}" in source}
    assert named and named <= set(template_names())


def test_a_language_without_a_translation_falls_back_to_english() -> None:
    assert render("help", "xx", school="Oakfield Primary").startswith("Text us to report")
