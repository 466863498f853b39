"""Which infectious illness a parent's words name, for spotting outbreaks: "d and v", "sick
bug", "been sick in the night" and "diarrhoea" are one illness to a school nurse.

Only illnesses that spread through a class are grouped; a broken arm, a migraine or "he's
sick today" (ill, in many parents' English) name none. The words come from parents' real
messages (the shared dev file and the parser's tuning sets) and are matched on the parser's
normalised text, so "temp", "2day" and curly quotes read as they do there. A few long words
also match misspelt ("temprature", "chickenpocks", "conjuctivitis").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.parsing.phrases import Hit, PhraseSet
from core.parsing.text import normalise


@dataclass(frozen=True)
class Illness:
    key: str
    name: str  # as a task title or a chart says it
    phrases: tuple[str, ...]


# The order is precedence: a message naming two (scarlet fever with a temperature) is the
# more specific one. Flu-like illness, the most common and least specific, comes last.
ILLNESSES = (
    Illness("covid", "COVID-19", (
        "covid", "covid-19", "covid 19", "coronavirus", "corona", "tested positive",
        "covid positive", "positive for covid", "positive lateral flow")),
    Illness("scarlet_fever", "scarlet fever", (
        "scarlet fever", "scarlatina", "strep a", "strep throat", "strep")),
    Illness("measles", "measles", ("measles",)),
    Illness("mumps", "mumps", ("mumps",)),
    Illness("whooping_cough", "whooping cough", ("whooping cough", "pertussis")),
    Illness("chickenpox", "chickenpox", (
        "chickenpox", "chicken pox", "chicken-pox", "chickenpocks", "chicken pocks",
        "chicken pock", "chickenpock", "the pox", "pox")),
    Illness("hand_foot_mouth", "hand, foot and mouth", (
        "hand foot and mouth", "hand foot mouth", "hfm", "hfmd")),
    Illness("slapped_cheek", "slapped cheek", ("slapped cheek", "slapped cheek syndrome",
                                               "fifth disease")),
    Illness("impetigo", "impetigo", ("impetigo",)),
    Illness("conjunctivitis", "conjunctivitis", (
        "conjunctivitis", "conjunctivitus", "conjuctivitis", "pink eye", "sticky eye",
        "sticky eyes", "eye infection", "gunky eye", "gunky eyes")),
    Illness("d_and_v", "diarrhoea and vomiting", (
        "d&v", "d and v", "d v", "s&d", "diarrhoea and vomiting", "sickness and diarrhoea",
        "diarrhoea", "diarrhea", "diarrea", "diarhoea", "diahorrea", "diarreah", "diorrhoea",
        "diarrhoe", "the runs", "runny tummy", "runny poo", "vomit", "vomits", "vomited",
        "vomiting", "vomitting", "vommiting", "vomming", "throwing up", "threw up",
        "thrown up", "puking", "puked", "being sick", "been sick", "was sick",
        "keeps being sick", "sick in the night", "sick all night", "sick during the night",
        "sick all over", "sick twice", "sick three times", "sickness bug",
        "sickness bugs", "sick bug", "tummy bug", "tummy bugs", "stomach bug", "stomach virus",
        "vomiting bug", "winter vomiting", "upset tummy", "tummy upset", "stomach upset",
        "upset stomach", "running stomach",
        "norovirus", "noro", "rotavirus", "gastro", "gastroenteritis", "food poisoning")),
    Illness("flu_like", "flu-like illness", (
        "flu", "the flu", "flu-like", "flu like", "influenza", "temperature",
        "high temperature", "temp", "high temp", "temprature", "tempreture", "temperture",
        "fever", "feverish", "high fever", "burning up", "hot and cold", "cough", "coughing",
        "bad cough", "chesty cough", "sore throat", "cold", "a cold", "bad cold", "heavy cold",
        "head cold", "streaming cold", "full of cold", "runny nose", "streaming nose",
        "chest infection", "rsv", "croup",
        "croupy")),
)
BY_KEY = {illness.key: illness for illness in ILLNESSES}
PRECEDENCE = tuple(illness.key for illness in ILLNESSES)

# Words that hold an illness word but name something else: caught as the longer phrase, then
# dropped ("glandular fever" is no fever outbreak; a cold sore is no cold).
NOT_AN_OUTBREAK = ("glandular fever", "hay fever", "hayfever", "cold sore", "cold sores",
                   "a cold sore", "flu jab", "flu vaccine", "flu vaccination", "flu spray",
                   "sick note", "sick of", "sick and tired",
                   "travel sick", "car sick", "feels sick", "feeling sick")
_EXACT = PhraseSet({**{i.key: i.phrases for i in ILLNESSES}, "none": NOT_AN_OUTBREAK})
# Misspelt long words only: a slip in "temperature" is surely a temperature, while five-letter
# words sit too near common ones ("fever" and "never", "mumps" and "jumps").
_LONG = PhraseSet({i.key: [p for p in i.phrases if " " not in p and len(p) >= 8]
                   for i in ILLNESSES}, fuzzy_labels=frozenset(PRECEDENCE))
_NEGATION = re.compile(r"(?:^|\s)(?:no|not|without|never|nor|hasn't|isn't|wasn't|haven't|"
                       r"didn't|doesn't|hadn't|free of|clear of)(?: (?:been|got|had|a|an|any|"
                       r"having|being|really|very|much|more|longer))* $")


@dataclass(frozen=True)
class SymptomMatch:
    illness: Illness
    words: str  # what the parent wrote that named it


def illness_in(text: str) -> SymptomMatch | None:
    """The infectious illness a message names, if any (the more specific of several)."""
    norm = normalise(text)
    hits = _EXACT.find(norm.text, fuzzy=False)
    covered = [(h.start, h.end) for h in hits]
    hits += [h for h in _LONG.find(norm.text) if not h.exact
             and not any(s <= h.start < e for s, e in covered)]
    found = [h for h in hits if h.label != "none" and not _negated(norm.text, h)]
    if not found:
        return None
    best = min(found, key=lambda h: (PRECEDENCE.index(h.label), h.start))
    start, end = norm.span(best.start, best.end)
    return SymptomMatch(BY_KEY[best.label], text[start:end])


def first_illness(*texts: str | None) -> SymptomMatch | None:
    """The illness named by the first of `texts` that names one (most specific source first:
    the words that gave the reason, the symptoms asked for, then the whole message)."""
    for text in texts:
        if text:
            found = illness_in(text)
            if found is not None:
                return found
    return None


def _negated(text: str, hit: Hit) -> bool:
    """ "no temperature", "hasn't been sick": within the same clause, just before."""
    before = text[:hit.start]
    clause = before[max(before.rfind(" . "), before.rfind(" , ")) + 1:]
    return _NEGATION.search(clause) is not None
