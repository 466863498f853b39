"""The words parents write for days, months and numbers, and the tokeniser that folds them.

`tokenize` turns text into tokens that keep their character offsets in the original text.
Every spelling of one idea becomes one canonical word ("tmrw", "2moro", "tommorow" ->
"tomorrow"; "weds", "wensday" -> "wednesday"), number words become numbers and "1st" or
"twenty-first" become ordinals, so the grammar in `core.date_grammar` matches a few words only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}
MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
NUMBERS: dict[str, int] = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30,
}
ORDINALS: dict[str, int] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}
TENS = {"twenty": 20, "thirty": 30}  # "twenty one", "thirty-first"

# Abbreviations, text-speak and the misspellings too far from the word for the fuzzy match.
SPELLINGS: dict[str, str] = {
    "mon": "monday", "tue": "tuesday", "tues": "tuesday", "tu": "tuesday", "wed": "wednesday",
    "weds": "wednesday", "wednes": "wednesday", "wensday": "wednesday", "wenesday": "wednesday",
    "thu": "thursday", "thur": "thursday", "thurs": "thursday", "thursd": "thursday",
    "fri": "friday", "sat": "saturday", "sun": "sunday",
    "jan": "january", "feb": "february", "febuary": "february", "feburary": "february",
    "mar": "march", "apr": "april", "jun": "june", "jul": "july", "aug": "august",
    "sep": "september", "sept": "september", "oct": "october", "nov": "november",
    "dec": "december",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmw": "tomorrow", "tmoz": "tomorrow",
    "tomoz": "tomorrow", "2moro": "tomorrow", "2morrow": "tomorrow", "2mrw": "tomorrow",
    "2moz": "tomorrow", "tommorow": "tomorrow", "tommorrow": "tomorrow", "tomorow": "tomorrow",
    "tomrrow": "tomorrow", "tomorrows": "tomorrow",
    "2day": "today", "tday": "today", "2nite": "tonight", "tonite": "tonight",
    "yday": "yesterday", "yest": "yesterday", "yesterdays": "yesterday",
    "wk": "week", "wks": "week", "weeks": "week", "days": "day", "months": "month",
    "years": "year", "yr": "year", "yrs": "year", "fortnights": "fortnight",
    "weekends": "weekend", "wkend": "weekend",
    "till": "until", "til": "until", "untill": "until", "thru": "through",
    "workweek": "workweek", "xmas": "christmas", "hols": "holidays", "holiday": "holidays",
    "halfterm": "halfterm",
}
# Short words that are also ordinary English ("he sat", "in the sun"): dates only in context.
WEAK = {"sat", "sun", "tu"}
CANONICAL = set(WEEKDAYS) | set(MONTHS) | {
    "today", "tonight", "tomorrow", "yesterday", "day", "week", "month", "year", "fortnight",
    "weekend", "until", "through",
}
# Long words a typo is folded into: one edit (or swap) away, same first letter.
FUZZY_TARGETS = tuple(sorted(
    (set(WEEKDAYS) | set(MONTHS) | {"today", "tonight", "tomorrow", "yesterday", "weekend",
                                     "fortnight"}) - {"march", "may", "june", "july"}))
FUZZY_MIN_LENGTH = 5
ORDINAL_SUFFIXES = {"st", "nd", "rd", "th"}
IGNORED_MARKS = {"'", "\u2019", "\u2018", '"', "\u201c", "\u201d"}  # quotes, apostrophes

# A word (letters and digits, with inner apostrophes: "i'll", "week's") or one other mark.
_TOKEN = re.compile(r"[^\W_]+(?:['\u2019][^\W\d_]+)*|[^\w\s]|_")
_RUN = re.compile(r"[0-9]+|[^0-9]+")
MAX_DIGITS = 4  # longer digit runs are phone numbers and ids, never dates


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "word", "num" (a number), "ord" (an ordinal) or "mark" (punctuation, emoji)
    norm: str  # canonical word, the digits as written, or the mark itself
    value: int  # the number or ordinal; -1 for words and marks
    start: int  # character offsets in the original text
    end: int
    digits: int = 0  # how many digits were written ("02" -> 2); 0 when spelled out
    weak: bool = False  # "sat", "sun": a weekday only where the context says so


def tokenize(text: str) -> list[Token]:
    """Tokens of `text`, canonical and in order, with their offsets in `text`."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(text):
        if match.group() in IGNORED_MARKS:
            continue
        if match.group()[0].isalnum():
            tokens.extend(_moved(token, match.start()) for token in _split_run(match.group()))
        else:
            tokens.append(Token("mark", match.group(), -1, match.start(), match.end()))
    return _join_tens(tokens)


@lru_cache(maxsize=8192)
def _split_run(run: str) -> tuple[Token, ...]:
    """One run of letters and digits, at offset 0: "2moro" is a word, "Feb13" two tokens,
    "15th" one."""
    lower = run.lower().replace("\u2019", "'")
    if lower in SPELLINGS:
        return (_word(lower, 0, len(run)),)
    parts = [(m.group(), m.start(), m.end()) for m in _RUN.finditer(lower)]
    tokens: list[Token] = []
    index = 0
    while index < len(parts):
        part, start, end = parts[index]
        suffix = parts[index + 1][0] if index + 1 < len(parts) else ""
        digits = part.isascii() and part.isdigit()  # not "²": int() refuses it
        if digits and suffix in ORDINAL_SUFFIXES and len(part) <= 2:
            tokens.append(Token("ord", part, int(part), start, parts[index + 1][2], len(part)))
            index += 2
            continue
        tokens.append(_number(part, start, end) if digits else _word(part, start, end))
        index += 1
    return tuple(tokens)


def _moved(token: Token, offset: int) -> Token:
    return Token(token.kind, token.norm, token.value, token.start + offset, token.end + offset,
                 token.digits, token.weak)


def _number(digits: str, start: int, end: int) -> Token:
    if len(digits) > MAX_DIGITS:
        return Token("word", digits, -1, start, end)
    return Token("num", digits, int(digits), start, end, len(digits))


def _word(word: str, start: int, end: int) -> Token:
    if word in NUMBERS:
        return Token("num", word, NUMBERS[word], start, end)
    if word in ORDINALS:
        return Token("ord", word, ORDINALS[word], start, end)
    return Token("word", canonical(word), -1, start, end, weak=word in WEAK)


@lru_cache(maxsize=4096)
def canonical(word: str) -> str:
    """The one spelling the grammar knows for `word`, or `word` itself."""
    if word in SPELLINGS:
        return SPELLINGS[word]
    if word in CANONICAL:
        return word
    base = word.removesuffix("'s")  # "week's", "tmrw's"
    if base != word and (base in CANONICAL or base in SPELLINGS):
        return canonical(base)
    base = word.removesuffix("s")  # "fridays", but not "SATs" (the tests) as Saturday
    if base != word and base in CANONICAL:
        return base
    return _fuzzy(word)


def _fuzzy(word: str) -> str:
    # Only long words: a one-letter slip in "sun" or "mon" makes "son" or "mum".
    if len(word) < FUZZY_MIN_LENGTH or not word.isascii() or not word.isalpha():
        return word
    targets = [t for t in FUZZY_TARGETS if t[0] == word[0]]
    found = process.extractOne(word, targets, scorer=OSA.distance, score_cutoff=1)
    return found[0] if found else word


def _join_tens(tokens: list[Token]) -> list[Token]:
    """"twenty one" -> 21, "twenty-first" -> 21st: the tens word and its unit as one token."""
    joined: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        unit_at = index + 2 if _at(tokens, index + 1, "-") else index + 1
        unit = tokens[unit_at] if unit_at < len(tokens) else None
        if (token.norm in TENS and unit is not None and unit.digits == 0
                and unit.kind in {"num", "ord"} and unit.value < 10):
            value = TENS[token.norm] + unit.value
            joined.append(Token(unit.kind, f"{token.norm}-{unit.norm}", value, token.start,
                                unit.end))
            index = unit_at + 1
            continue
        joined.append(token)
        index += 1
    return joined


def _at(tokens: list[Token], index: int, norm: str) -> bool:
    return index < len(tokens) and tokens[index].norm == norm

# --- Word sets the grammar reads ---------------------------------------------------------

UNITS = {"day": 1, "week": 7, "fortnight": 14, "month": 0, "year": 0}
RELATIVE_MONTH = {"this": 0, "current": 0, "next": 1, "following": 1, "coming": 1, "last": -1,
                  "previous": -1, "past": -1}
RANGE_LINKS = {"to", "until", "through", "-", "\u2013", "\u2014"}  # hyphen, en and em dash
CURRENCY = {"$", "£", "€"}
POSSESSIVES = {"his", "her", "my", "your", "our", "their", "its"}
# Words after a number that make it a count or a time, not a day: "10 mins", "9am", "2 kids".
NUMBER_NOUNS = {
    "min", "mins", "minute", "minutes", "hour", "hours", "hr", "hrs", "h", "am", "pm", "ish",
    "o'clock", "oclock", "day", "week", "fortnight", "month", "year", "weekend", "term",
    "time", "times", "birthday", "anniversary", "place", "floor", "grade", "class", "go",
    "kids", "children", "boys", "girls", "percent", "p", "pounds", "quid", "degrees",
    "half", "night", "nights", "sessions", "lessons", "attempt", "try",
}
# What may follow a plain number used as a day ("the 24", "on 15"), short of a date word.
AFTER_PLAIN_DAY = {
    "and", "or", "to", "until", "through", "at", "for", "so", "but", "then", "please",
    "when", "as", "if", "because", "i", "we", "he", "she", "they", "it", "you", "will", "is",
    "was", "back", "in", "too", "x", "xx", "xxx", "thanks", "thank", "hopefully",
}
# Words that make "sat", "sun" or "tu" a weekday when they come just before it.
WEEKDAY_LEADS = {
    "on", "this", "next", "last", "every", "from", "until", "to", "by", "back", "before",
    "after", "coming", "since", "past", "previous", "following", "upcoming", "in", "return",
    "returning",
}
# Past-tense words that put a lone weekday in the past: "since Saturday", "died on Tuesday".
PAST_CUES = {"since", "was", "were", "went", "died", "passed", "happened", "had", "did"}
FUTURE_CUES = {"back", "return", "returning", "returns", "until", "by", "will", "hopefully",
               "next", "and", "but", "so"}  # ...but not across these: "had d&v, back Monday"
CLAUSE_ENDS = {".", "!", "?", ";", ",", ":", "\n"}
# The role a word just before a date gives it (DateMention.cue).
CUES = {
    "until": "until", "from": "from", "starting": "from", "since": "from",
    "back": "back", "return": "back", "returning": "back", "returns": "back",
    "by": "by", "after": "after", "before": "before", "for": "for",
}
WEAK_CUES = {"on": "on", "in": "back"}  # taken only when no stronger word comes before
CUE_FILLERS = {"the", "school", "to", "be", "again"}
NEGATIONS = {"not", "no", "never", "unable", "neither", "nor", "none", "won't", "wont", "can't",
             "cant", "cannot", "isn't", "isnt", "aren't", "wasn't", "didn't", "don't", "doesn't"}
