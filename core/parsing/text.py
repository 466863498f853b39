"""Normalising a parent's message: words folded to one spelling, each mapped back to the original.

Rules elsewhere match phrases on the normalised text ("wont b in 2day" reads "won't be in
today") and report evidence as spans of what the parent actually wrote.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

# Letters, digits, and the joiners parents use inside words: won't, d&v, ruby-mae, 10:30.
_WORD = re.compile(r"[^\W_]+(?:['\u2019&+:.\-][^\W_]+)*")
_SENTENCE_END = re.compile(r"[.!?\n;]+|\s[-\u2013]\s")
_CLAUSE_END = re.compile(r",")

TEXT_SPEAK = {
    "wont": "won't", "cant": "can't", "dont": "don't", "isnt": "isn't", "hasnt": "hasn't",
    "wasnt": "wasn't", "didnt": "didn't", "aint": "isn't", "hes": "he's", "shes": "she's",
    "theyre": "they're", "im": "i'm", "ive": "i've", "ill": "ill", "b": "be", "bk": "back",
    "2day": "today", "tday": "today", "2moro": "tomorrow", "2morrow": "tomorrow",
    "2mrw": "tomorrow", "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow",
    "tomoz": "tomorrow", "tommorow": "tomorrow", "tomorow": "tomorrow", "tommorrow": "tomorrow",
    "tomorro": "tomorrow", "2nite": "tonight", "tonite": "tonight", "appt": "appointment",
    "apt": "appointment", "appnt": "appointment", "appointmnt": "appointment",
    "apointment": "appointment", "appointement": "appointment", "dr": "doctor",
    "drs": "doctors", "dr's": "doctor's", "doc": "doctor", "docs": "doctors",
    "temp": "temperature", "temps": "temperature", "hosp": "hospital", "u": "you",
    "r": "are", "ur": "your", "sch": "school", "skl": "school", "skool": "school",
    "cos": "because", "coz": "because", "cuz": "because", "bc": "because", "gonna": "going to",
    "gna": "going to", "wanna": "want to", "pls": "please", "plz": "please", "wk": "week",
    "wks": "weeks", "hr": "hour", "hrs": "hours", "mins": "minutes", "min": "minutes",
    "ortho": "orthodontist", "d+v": "d&v", "dnv": "d&v", "xmas": "christmas",
    "bday": "birthday", "b'day": "birthday", "lunchtime": "lunch", "til": "until",
    "till": "until", "'til": "until", "thru": "through", "n": "and", "nd": "and",
    "abit": "a bit", "alot": "a lot", "wiv": "with", "wif": "with", "ok": "okay",
    "l8": "late", "l8r": "later", "gr8": "great",
}


def fold(text: str) -> str:
    """Lower-case without accents, with one kind of apostrophe (curly quotes folded)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u2018", "'"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@dataclass(frozen=True)
class Word:
    norm: str  # folded and de-text-spoken
    raw: str  # as written
    start: int  # offsets in the original text
    end: int
    capitalised: bool


@dataclass(frozen=True)
class Normalised:
    """The message as words, and as one normalised string for phrase rules."""

    original: str
    words: tuple[Word, ...]
    text: str  # the words' norms joined by spaces; sentence breaks " . ", commas " , "
    offsets: tuple[int, ...]  # where each word starts in `text`
    word_index: tuple[int, ...]  # which word each offset belongs to (-1 for " . ")
    word_starts: tuple[int, ...]  # where word i starts in `text`
    original_starts: tuple[int, ...]  # where word i starts in the original message

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a match in `text` back to a span of the original message."""
        first = self._word_at(start, forward=True)
        last = self._word_at(end - 1, forward=False)
        if first is None or last is None or last < first:
            return (0, 0)
        return (self.words[first].start, self.words[last].end)

    def _word_at(self, position: int, *, forward: bool) -> int | None:
        i = bisect_right(self.offsets, position) - 1
        step = 1 if forward else -1
        while 0 <= i < len(self.word_index):
            if self.word_index[i] >= 0:
                return self.word_index[i]
            i += step
        return None


def normalise(text: str) -> Normalised:
    words: list[Word] = []
    breaks = sorted([(m.start(), ".") for m in _SENTENCE_END.finditer(text)]
                    + [(m.start(), ",") for m in _CLAUSE_END.finditer(text)])
    positions = [b for b, _ in breaks]
    pieces: list[str] = []
    offsets: list[int] = []
    index: list[int] = []
    position, last_end = 0, 0
    for match in _WORD.finditer(text):
        nearest = bisect_left(positions, last_end)
        if pieces and nearest < len(breaks) and positions[nearest] < match.start():
            # A full stop anywhere between two words outranks a comma.
            between = bisect_left(positions, match.start())
            mark = "." if any(k == "." for _, k in breaks[nearest:between]) else ","
            offsets.append(position)
            index.append(-1)
            pieces.append(mark)
            position += 2
        raw = match.group().rstrip(".:")
        folded = fold(raw)
        norm = TEXT_SPEAK.get(folded, folded)
        words.append(Word(norm, raw, match.start(), match.start() + len(raw), raw[:1].isupper()))
        offsets.append(position)
        index.append(len(words) - 1)
        pieces.append(norm)
        position += len(norm) + 1
        last_end = match.end()
    starts = tuple(offsets[i] for i, w in enumerate(index) if w >= 0)
    return Normalised(text, tuple(words), " ".join(pieces), tuple(offsets), tuple(index),
                      starts, tuple(w.start for w in words))
