"""Finding vocabulary phrases in normalised text, exactly or (single long words) misspelt."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

# Word boundaries that treat the joiners inside words (d&v, won't, ruby-mae) as letters.
_EDGE_BEFORE = r"(?<![\w&'\-])"
_EDGE_AFTER = r"(?![\w&'\-])"
FUZZY_MIN_LENGTH = 5
FUZZY_CUTOFF = 86  # one slip in a word of seven or more letters
FUZZY_CUTOFF_SHORT = 80  # five or six letters: one slip, never two


@dataclass(frozen=True)
class Hit:
    label: str
    phrase: str  # the vocabulary entry it matched
    start: int  # offsets in the normalised text
    end: int
    exact: bool
    after: bool = False  # medical care already had (recovering from it), not booked


class PhraseSet:
    """Labelled phrase lists compiled into one pass over the text."""

    def __init__(self, labelled: dict[str, Iterable[str]],
                 fuzzy_labels: frozenset[str] = frozenset()) -> None:
        self.label_of: dict[str, str] = {}
        for label, phrases in labelled.items():
            for phrase in phrases:
                self.label_of.setdefault(phrase, label)
        ordered = sorted(self.label_of, key=len, reverse=True)
        # A comma may fall between the words of a phrase ("hand, foot and mouth").
        alternatives = "|".join(re.escape(p).replace(r"\ ", r" (?:, )?") for p in ordered)
        # "boiler's", "dentist's": a possessive still names the thing.
        self.pattern = re.compile(
            _EDGE_BEFORE + "(" + alternatives + ")(?:'s)?" + _EDGE_AFTER)
        self.canonical = {p.replace(" ", ""): p for p in ordered}
        # Only labels where a slip is harmless are matched loosely ("temprature" is surely a
        # temperature; "drying" must never become "dying").
        self.long_words = [p for p in ordered if " " not in p and len(p) >= FUZZY_MIN_LENGTH
                           and self.label_of[p] in fuzzy_labels]
        self.known_words = {w for p in ordered for w in p.split()}

    def find(self, text: str, *, fuzzy: bool = True,
             ignore: frozenset[str] = frozenset()) -> list[Hit]:
        """Every phrase in the text, longest first where they overlap, in text order."""
        hits = [Hit(self.label_of[self._phrase(m.group(1))], self._phrase(m.group(1)),
                    m.start(1), m.end(1), True) for m in self.pattern.finditer(text)]
        if fuzzy:
            hits += self._misspelt(text, hits, ignore)
        return sorted(hits, key=lambda h: h.start)

    def _phrase(self, matched: str) -> str:
        if matched in self.label_of:
            return matched
        return self.canonical[matched.replace(",", "").replace(" ", "")]

    def _misspelt(self, text: str, exact: list[Hit], ignore: frozenset[str]) -> list[Hit]:
        covered = [(h.start, h.end) for h in exact]
        found = []
        for match in re.finditer(r"[a-z][a-z'&\-]+", text):
            word = match.group()
            word = word.removesuffix("'s")  # "mum's" is a mum, not mumps
            if (len(word) < FUZZY_MIN_LENGTH or word in self.known_words or word in ignore
                    or any(s <= match.start() < e for s, e in covered)):
                continue
            cutoff = FUZZY_CUTOFF if len(word) >= 7 else FUZZY_CUTOFF_SHORT
            best = process.extractOne(word, self.long_words, scorer=fuzz.ratio,
                                      score_cutoff=cutoff)
            if best is not None:
                found.append(Hit(self.label_of[best[0]], best[0], match.start(), match.end(),
                                 False))
        return found
