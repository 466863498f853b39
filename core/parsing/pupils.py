"""Which of the sender's children a message is about: names, nicknames, typos, "both", "the kids".

A message can be about several children with different news ("Alfie has a temp and Poppy
has the dentist at 10"): mentions are grouped, and each group gets its own stretch of text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import JaroWinkler

from core.parsing.text import Normalised, fold

# Words that are also children's names; they count as names only when capitalised.
NAME_WORDS = {"will", "may", "rose", "hope", "joy", "faith", "grace", "summer", "sky", "bill",
              "mark", "art", "ivy", "honey", "autumn", "river", "star", "sunny", "lily",
              "poppy", "daisy", "holly", "jack", "amber", "ruby", "max", "bo", "ray", "don",
              "guy", "sue", "pat", "frank", "dawn", "skye", "storm", "angel", "bear", "blue"}
SIMILAR_ENOUGH = 0.88
CORRECTION = re.compile(r"\b(?:sorry|i mean|i meant|meant to say|typo|correction|oops)"
                        r"(?: \w+){0,2} $")
SIGNATURE = re.compile(r"^(?:'s )?(?:mum|mom|mummy|dad|daddy|mother|father|nan|nanny|nana|"
                       r"grandma|grandad|grandpa|gran|auntie|aunt|uncle|carer|stepmum|stepdad)"
                       r"\b")
PRESENT_AFTER = re.compile(
    r"^(?:is |are |'s |will be |)(?:in as normal|in school|at school|fine|okay|coming|"
    r"comes|going|on the bus|in today|(?:all |much |feeling )?better|already in|well and|"
    r"is well|as usual|as normal|"
    r"in\b(?! after| late| by| at| about| around| for|"
    r" tomorrow| on| monday| tuesday| wednesday| thursday| friday| until))|^(?:is |will )"
    r"(?:going |)(?:in|to school)\b(?! after| late)")
UNLINKED = re.compile(r"\b(?:niece|nephew|cousin|grandson|granddaughter|friend's|godson|"
                      r"goddaughter|stepson|stepdaughter|(?:sister's|brother's|friend's|"
                      r"neighbour's|partner's) (?:son|daughter|boy|girl|kids?|children))\b")


@dataclass(frozen=True)
class Child:
    """A pupil linked to the sender, as the parser sees them."""

    first: str
    last: str
    known_as: str | None = None
    year: int | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class Mention:
    child: int  # index into the children
    word: int  # index of the (first) word naming the child
    start: int  # offsets in the normalised text
    end: int
    exact: bool


def _name_forms(child: Child) -> list[list[str]]:
    forms = []
    for name in (child.first, child.known_as):
        if not name:
            continue
        folded = fold(name)
        parts = [p for p in re.split(r"[\s\-]+", folded) if p]
        forms.append([folded])
        if len(parts) > 1:
            forms += [parts, ["".join(parts)], [parts[0]]]
    return forms


def name_words(children: list[Child]) -> frozenset[str]:
    """Every word of the children's names, folded: never to be read as anything else."""
    return frozenset(w for child in children for form in _name_forms(child) for w in form)


def find_mentions(norm: Normalised, children: list[Child]) -> list[Mention]:
    """Where each linked child is named; exact names first, then close misspellings."""
    forms = [(i, form) for i, child in enumerate(children) for form in _name_forms(child)]
    forms.sort(key=lambda f: -len(f[1]))
    exact_words = {w for _, form in forms for w in form}
    mentions: list[Mention] = []
    taken: set[int] = set()
    words = [w.norm for w in norm.words]
    for index, word in enumerate(norm.words):
        if index in taken:
            continue
        found = _exact(words, index, forms) or _fuzzy(word.norm, forms, exact_words)
        if found is None:
            continue
        child, length, exact = found
        if fold(word.raw) in NAME_WORDS and not word.capitalised:
            continue
        taken.update(range(index, index + length))
        start = norm.word_starts[index]
        end_word = index + length - 1
        end = norm.word_starts[end_word] + len(words[end_word])
        mentions.append(Mention(child, index, start, end, exact))
    return mentions


def _strip_possessive(word: str) -> str:
    return word[:-2] if word.endswith("'s") else word


def _exact(words: list[str], index: int, forms: list[tuple[int, list[str]]]
           ) -> tuple[int, int, bool] | None:
    for child, form in forms:
        window = words[index:index + len(form)]
        if len(window) < len(form):
            continue
        window[-1] = _strip_possessive(window[-1])
        if window == form or (len(form) == 1 and window[0].endswith("s")
                              and window[0][:-1] == form[0]):
            return child, len(form), True
    return None


def _fuzzy(word: str, forms: list[tuple[int, list[str]]], exact_words: set[str]
           ) -> tuple[int, int, bool] | None:
    word = _strip_possessive(word)
    if len(word) < 4 or word in exact_words or not word.isalpha():
        return None
    best, best_score = None, SIMILAR_ENOUGH
    for child, form in forms:
        name = form[0]
        if len(form) > 1 or len(name) < 4 or name[0] != word[0]:
            continue
        score = JaroWinkler.similarity(word, name)
        if score >= best_score:
            best, best_score = child, score
    return (best, 1, False) if best is not None else None


def clause_after(norm: Normalised, mention: Mention) -> str:
    """The rest of the clause that names the child."""
    rest = norm.text[mention.end:mention.end + 80].lstrip()
    return re.split(r" [.,] ", " " + rest, maxsplit=1)[0].strip() if rest else ""


def is_present(clause: str) -> bool:
    """'Idris is coming', 'Lily is in as normal', 'Ella is fine': the child is in school."""
    return PRESENT_AFTER.match(clause) is not None


def is_signature(norm: Normalised, mention: Mention) -> bool:
    """"It's Sarah, Jake's mum": the name says who is writing, not who is off."""
    return SIGNATURE.match(norm.text[mention.end:mention.end + 12].lstrip()) is not None


def is_correction(norm: Normalised, previous_end: int, mention: Mention) -> bool:
    """'..., sorry I mean Jaden': this name replaces the one before it."""
    return CORRECTION.search(norm.text[previous_end:mention.start]) is not None


def group_words(text: str, count: int, *, named: bool = False) -> bool:
    """'both', 'the kids', 'all three': every linked child (when the number fits).

    A bare 'both' or 'neither' next to named children is about those children only."""
    # "the kids' nan", "it's the kids nan": the writer, not the children.
    text = re.sub(r"\b(?:the|my|our) (?:kids|children)'?s? (?:nan|nanny|nana|gran|grandma|"
                  r"grandad|mum|dad|auntie|aunt|uncle|carer)\b", " ", text)
    if re.search(r"\b(?:the|my|our|all the|both the|none of the) (?:kids|children|boys|girls|"
                 r"twins|little ones)\b(?!')|\b(?:all|none) of (?:them|mine)\b|"
                 r"\bthe whole lot\b|\b(?:all|none|each) of the (?:two|three|four|2|3|4)\b|"
                 r"\bthey both\b", text):
        return True
    if re.search(r"\bneither of (?:them|mine)\b", text):
        return count == 2  # "neither" is two children; of three, which two?
    numbers = {2: "two|2|both", 3: "three|3", 4: "four|4", 5: "five|5"}.get(count)
    if numbers is None:
        return False
    if count == 2 and not named and re.search(r"\b(?:both|neither)\b", text):
        return True
    return re.search(rf"\ball (?:{numbers})\b|\b(?:{numbers}) of (?:them|mine)\b",
                     text) is not None


def mentions_unlinked_child(norm: Normalised) -> bool:
    """The parent writes about a child who is not theirs on our records (staff decide)."""
    return UNLINKED.search(norm.text) is not None
