"""The reason a parent gives, in the national taxonomy, with the phrase that gave it away."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from core.parsing import vocab
from core.parsing.phrases import Hit, PhraseSet
from core.parsing.signals import ClockTime

REASONS = PhraseSet({
    "exceptional": vocab.EXCEPTIONAL, "religious": vocab.RELIGIOUS, "holiday": vocab.HOLIDAY,
    "medical": vocab.MEDICAL, "illness": vocab.ILLNESS, "other": vocab.OTHER,
    "date": vocab.DATE_PHRASES,
}, fuzzy_labels=frozenset({"medical", "illness"}))
FLAGS = PhraseSet({"safeguarding": vocab.SAFEGUARDING, "callback": vocab.CALLBACK})

# Words parents write often that sit near a vocabulary word; never "corrected" into one.
COMMON = frozenset([
    "tomorrow", "morning", "school", "because", "thanks", "thankyou", "please", "hopefully",
    "coming", "should", "better", "really", "little", "brother", "sister", "mother", "father",
    "minutes", "teacher", "before", "afternoon", "tonight", "yesterday", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "august", "september", "october", "november", "december", "doctor", "doctors",
    "hospital", "weekend", "around", "today", "there", "their", "theyre", "having", "getting",
    "feeling", "keeping", "taking", "bringing", "picking", "collect", "collecting", "appointment",
    "normal", "usual", "office", "reception", "something", "nothing", "anything", "myself",
    "himself", "herself", "yourself", "everyone", "someone", "another", "through", "though",
    "thought", "already", "always", "breakfast", "dinner", "minute", "second", "message", "letter",
    "called", "calling", "ringing", "missed", "making", "coming", "going", "sorted", "worried",
    "worrying", "during", "school's", "night's", "week's", "family",
])
MEDICAL_PLACE = re.compile(r"\b(?:doctor|doctor's|doctors|gp|hospital|surgery|nurse|dr)\b")
_RELATIVE = (r"(?:husband|wife|partner|mum|mam|dad|mother|father|nan|nana|gran|grandma|"
             r"grandmother|grandad|grandfather|grandpa|granny|sister|brother|baby|son|daughter|"
             r"aunt|auntie|uncle|cousin|boyfriend|girlfriend|childminder|nanny|babysitter|"
             r"carer)")
# Someone other than the child is the subject just before the reason word: "I'm poorly
# myself", "their grandmother is very sick", "taking her brother to the hospital".
SOMEONE_ELSE = re.compile(
    r"(?:\b(?:i'm|i am|i was|i've been|i have been)(?: (?:really|very|so|quite|feeling|a bit|"
    r"not|too))* $|\b(?:i have|i've|i had|i've got|i have got)(?: (?:a|an|my|got|to go to|"
    r"the))* (?:\w+ )?$|\b(?:my|her|his|their|our|the) (?:\w+ )?" + _RELATIVE
    + r"(?: (?:in|at|from) \w+)? (?:is|has|was|had|got|been|isn't|'s (?:ill|poorly|sick|not|in|"
    r"got|been|very|really|had))(?: [\w']+){0,4} $|\b(?:the|my|our|her|his) " + _RELATIVE
    + r"'s (?:got|been|had|ill|poorly|sick|not|very|really)(?: [\w']+){0,4} $|"
    r"\b(?:take|taking|bring|bringing) (?:my|her|his|their|our) "
    r"(?:\w+ )?" + _RELATIVE + r" to(?: [\w']+){0,3} $)")
NEW_SUBJECT = re.compile(r"\b(?:he|she|they|he's|she's|they're|his|her|their)\b")
GRAVE = re.compile(r"\b(?:rushed|very ill|very sick|very poorly|seriously|critical|critically|"
                   r"intensive care|dying|passed away|died|life support|major|surgery|heart|"
                   r"cancer|stroke)\b")
ELSEWHERE = {"council", "housing", "solicitor", "jobcentre", "home office", "bank", "embassy",
             "consulate", "passport", "visa", "registry office"}
# Booked care that takes the day whatever the child's health: an operation or a clinic day
# is the appointment (M) even when the message names the condition ("grommets for his glue
# ear", "her sickle cell clinic").
RECOVERING = re.compile(r"\b(?:had (?:his|her|their|an?|the) (?:\w+ )?(?:op|operation|surgery|"
                        r"\w+ out)|after (?:the|his|her|their) (?:op|operation|surgery)|"
                        r"recovering)\b")
WALK_IN = re.compile(r"\b(?:walk in|walk-in|urgent care|urgent treatment|out of hours|a&e)\b")
PAST_CARE = re.compile(r"\b(?:yesterday|last night|over the weekend|at the weekend)\b")
BOOKED = frozenset({"operation", "surgery", "op", "eye op", "having an operation", "having an op",
                    "grommets", "tonsils out", "procedure", "general anaesthetic", "day case",
                    "day surgery", "clinic", "fracture clinic", "eye clinic", "allergy clinic",
                    "mri", "scan", "ct scan", "ultrasound", "eeg", "ecg", "echocardiogram"})
# The order in which a reason outranks another when a message gives several.
PRECEDENCE = ("exceptional", "religious", "medical", "illness", "holiday", "other")


@dataclass(frozen=True)
class ReasonFinding:
    reason: str | None
    hits: tuple[Hit, ...]  # the phrases behind it
    exact: bool


def reason_hits(text: str, times: list[ClockTime],
                names: frozenset[str] = frozenset()) -> list[Hit]:
    """Every reason phrase in the text, each labelled with whose reason it is."""
    hits = REASONS.find(text, ignore=COMMON | names)
    place = MEDICAL_PLACE.search(text)
    if not any(h.label == "medical" for h in hits) and place and any(
            abs(t.start - place.start()) <= 40 for t in times):
        # "at the doctors at 10", "hospital at 2": a place with a time is an appointment
        # (the time must be the appointment's, not "a hypo at 3am").
        hits.append(Hit("medical", place.group(), place.start(), place.end(), True))
    hits = _spread_to_clause([_someone_else(text, h) for h in hits if h.label != "date"], text)
    if RECOVERING.search(text):  # "had his op yesterday": home recovering is illness
        hits = [replace(h, after=True) if h.label == "medical" else h for h in hits]
    # "confirmed it yesterday at the walk in clinic": care already had, not booked for today
    hits = [replace(h, after=True) if h.label == "medical" and (
        WALK_IN.search(text[max(0, h.start - 16):h.start])
        or PAST_CARE.search(text[h.end:h.end + 25])
        or PAST_CARE.search(text[max(0, h.start - 30):h.start])) else h for h in hits]
    if any(h.label == "medical" for h in hits):
        # "an appointment for his asthma", "an operation on her tonsils": the condition names
        # the appointment, not an illness
        hits = [h for h in hits if not (h.label == "illness" and re.search(
            r"\b(?:for|on|about) (?:his|her|their|the) (?:\w+ )?$",
            text[max(0, h.start - 20):h.start]))]
    return hits


def choose_reason(hits: list[Hit], *, part_day: bool) -> ReasonFinding:
    """One reason from the phrases found; an appointment only wins over illness for part of
    the day."""
    labels = {h.label for h in hits}
    if "medical" in labels and any(h.phrase in ELSEWHERE for h in hits) and all(
            h.phrase == "appointment" for h in hits if h.label == "medical"):
        labels.discard("medical")  # "an appointment at the council": not a medical one
    booked = any(h.label == "medical" and h.phrase in BOOKED and not h.after for h in hits)
    if {"medical", "illness"} <= labels and not part_day and not booked:
        labels.discard("medical")  # ill all day; the GP visit is part of the illness
    elif {"medical", "illness"} <= labels:
        labels.discard("illness")
    for reason in PRECEDENCE:
        if reason in labels:
            chosen = tuple(h for h in hits if h.label == reason)
            return ReasonFinding(reason, chosen, all(h.exact for h in chosen))
    return ReasonFinding(None, (), True)


def _someone_else(text: str, hit: Hit) -> Hit:
    """Illness or an appointment that is a parent's or a relative's, not the child's, is the
    reason the child is off (other), or grave news for the family (exceptional)."""
    if hit.label not in {"illness", "medical", "holiday"}:
        return hit
    clause = re.split(r" [.,] ", text[max(0, hit.start - 80):hit.start])[-1]
    myself = re.match(r" (?:\w+ )?myself\b", text[hit.end:hit.end + 20])
    found = SOMEONE_ELSE.search(clause)
    if not (found or myself):
        return hit
    # A parent too ill to do the school run is the family's reason (other); grave news of
    # anyone (intensive care, a stroke) is exceptional.
    sender = bool(myself) or (found is not None and found.group().startswith("i"))
    grave = GRAVE.search(text)
    serious = grave is not None and not (sender and grave.group().startswith("very "))
    label = "exceptional" if serious else "other"
    return Hit(label, hit.phrase, hit.start, hit.end, hit.exact)


def _spread_to_clause(hits: list[Hit], text: str) -> list[Hit]:
    """"I am sick with fever": once a clause is about someone else, all of it is."""
    moved = {_clause_of(text, h.start): h for h in hits
             if h.label in {"other", "exceptional"} and h.phrase in vocab.ILLNESS + vocab.MEDICAL}
    result = []
    for hit in hits:
        first = moved.get(_clause_of(text, hit.start))
        # ...unless the child comes back as the subject: "her mum is in hospital and she's
        # woken up with a temperature".
        if hit.label == "illness" and first is not None and first.start < hit.start \
                and not NEW_SUBJECT.search(text[first.end:hit.start]):
            hit = Hit(first.label, hit.phrase, hit.start, hit.end, hit.exact)
        result.append(hit)
    return result


def _clause_of(text: str, position: int) -> int:
    """Where the clause holding `position` starts."""
    return max(text.rfind(" . ", 0, position), text.rfind(" , ", 0, position))


def find_flags(text: str) -> list[Hit]:
    """Callback requests and words a DSL must see; exact phrases only (no guessing)."""
    return FLAGS.find(text, fuzzy=False)
