"""What a stretch of message says: absent, late, in school, asking leave, part of the day, times.

Each signal is a small set of phrases over the normalised text (see core.parsing.text), so
"wont b in 2day" and "won't be in today" read the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Who a verb is about: a pronoun or a child's name, not "bring anything in for Book Day".
_OBJ = (r"(?:him|her|them|(?!(?:anything|something|it|this|that|these|those|any|some|the|a|"
        r"his|lunch|money|kit)\b)\w+)")

ABSENT = re.compile(
    r"\b(?:won't be (?:in|at school|coming|attending|there|going|able)|"
    r"will not be (?:in|coming|attending|at school|able|going)|(?<!did )(?<!does )(?<!has )"
    r"(?<!have )"
    r"not (?:be )?(?:in|coming|"
    r"come(?! back)|go|attend|attending|going|be at school)\b|no chance (?:she|he|they)|"
    r"(?:is|are|'s|stays?|staying) at home (?:today|tomorrow|this)|"
    r"(?:today|tomorrow)(?: and (?:today|tomorrow|\w+day))? (?:at )?home\b|"
    r"isn't (?:coming|in|going|up to)|"
    r"aren't (?:coming|in|going)|won't (?:come(?! back)|make it|attend|go)|"
    r"can't (?:come|make it|go|attend|get " + _OBJ + r" in)|not make it|not going to make it|"
    r"(?<!closed )(?<!cut )(?<!turned )(?<!switched )(?<!dropped )(?<!drop )(?<!shut )"
    r"(?<!fell )(?<!came )(?<!come )(?<!falling )off (?:school|sick|today|"
    r"tomorrow|for|until|the rest|this(?! morning)|all|on|from|monday|tuesday|wednesday|"
    r"thursday|friday|with)|(?:be|is|are|'s|he's|she's) off(?! this morning)|"
    r"stay(?:ing|s)? (?:at )?home|"
    r"keep(?:ing)? " + _OBJ + r" (?:at )?(?:home|off|in bed|out)|kept " + _OBJ + r" (?:home|"
    r"off)|(?:will|would|shall|to) be absent|(?:be|is|are|'s) absent (?:from|today|"
    r"tomorrow|on|this)|"
    r"unable to (?:attend|come|go)|miss(?:ing)? school|day off|days off|"
    r"neither (?:of (?:them|mine|the \w+) )?(?:will be|is|are) (?:in|coming)|"
    r"none of (?:them|mine|the \w+|my \w+)(?: will be| are| is)? (?:in|coming)|"
    r"no school (?:for|until|till|today|tomorrow)|nobody (?:will be )?in|"
    r"no one (?:will be )?in|"
    r"have (?:the|a) day|out of school|not at school|take " + _OBJ + r" out|taking " + _OBJ
    + r" out|neither will be|none of them will|not up to|signed " + _OBJ + r" off|"
    r"signed off|she stay|he stay|stays home|not coming|"
    r"(?:is|'s|he's|she's|are|they're) (?:at )?home with (?:me|us|mum|dad|nan|nanna|grandma|"
    r"grandad|his|her|their)|(?:rest|resting) at home|"
    r"(?:don't|do not|dont) think (?:she|he|they|\w+) (?:can|will|should|could) (?:go|come|"
    r"make it|be in|attend|manage)|(?:not|won't be|will not be|am not) sending " + _OBJ
    + r" (?:in|to school)|(?<!marked )(?<!as )\babsent (?:today|tomorrow|this|on|all)|"
    r"\bno (?:come|coming|go|going) (?:to )?(?:school|today|tomorrow)|"
    r"(?:won't|not) be back(?! (?:in )?(?:this (?:afternoon|aft|pm)|after|for the afternoon|"
    r"today)))")
LATE = re.compile(
    r"\b(?:(?<!been )(?<!too )late(?! (?:message|notice|reply|text|night|last night|a lot|"
    r"lately))|running behind|be there in|on (?:our|his|her|the|my) way|held up|delayed|"
    r"be in (?:asap|shortly|soon)|dropping " + _OBJ + r" (?:now|off now|in now)|"
    r"(?:drive|driving|bring|bringing|walk|walking|taking) " + _OBJ + r" (?:in |to school )?now|"
    r"be in in|there in \d+|(?:be|'ll be|will be|arrive|arriving|get there|be there) in \d+ "
    r"(?:minutes|mins)|coming now|leaving now|"
    r"be there (?:asap|soon|shortly)|asap|\d+ (?:minutes|mins)$|stuck (?:in|on) (?:traffic|"
    r"the )|(?:be|get) there as soon as|going to be late)\b")
PRESENT = re.compile(
    r"(?:\b(?:is|are|'s|he's|she's|they're|was|were) in(?: school| class)?(?: today| now| "
    r"already)?(?= [.,?]|$)|\bis in school\b|\bin school today\b|\bwill be in today\b|"
    r"\bsigned in\b|\bdropped " + _OBJ + r" (?:off|at)\b|\bfeeling (?:much )?better\b|"
    r"\bin as normal\b|\b(?:is|'s|are) (?:all |much )?better\b)")
REQUEST = re.compile(
    r"\b(?:can i take|could i take|may i take|can we take|could we take|request|requesting|"
    r"permission|would like to take|would like to ask|like to ask|leave of absence|"
    r"term time leave|be excused|please may|writing to ask|permitted|permit (?:him|her|them)|"
    r"allowed to|allow (?:him|her|them)|grateful if|(?:please|could you|can you|would you) "
    r"authoris|"
    r"(?:can|could|may|might) (?!i |we |you |someone |somebody |it )\w+"
    r"(?:(?: ,| and) \w+)*(?: please)?(?: both| all)? (?:have|take|leave|be excused|be absent|"
    r"be off|miss|go home|go at|go early|finish|stay|come (?:in |to school )?(?:after|late)|"
    r"start (?:after|late)|arrive late)|"
    r"(?:is it|would it be|will it be) (?:ok|okay|alright|possible|all right) (?:if|for) "
    r"(?:\w+ ){1,3}?(?:to )?(?:miss|missed|have|had|take|took|leave|left|finish|finished|"
    r"be off|was off|is off|stay off|stayed off|go early|went early)\b|"
    r"(?:can|could|may) (?:i|we) ask (?:for|if)|have .{0,30} off please|apply for|"
    r"application for|ask for leave|"
    r"would like (?:\w+ (?:and \w+ )?)?to (?:stay (?:home|off)|have (?:the|a|\w+day)|miss|"
    r"be excused|take)|(?:would|could|can|will) \w+(?: and \w+)? be able to (?:have|take|miss|"
    r"leave|be off|go))\b")
IN_AFTER = re.compile(
    r"\b(?:in after|come after|come to school after|bring " + _OBJ + r" (?:in |straight in |"
    r"to school )?after|drop " + _OBJ + r" (?:in |off )?(?:straight )?after|"
    r"straight in|after lunch|be in (?:by|about|around|at|for|approx)|in (?:by|about|around|"
    r"at) \d+|in school (?:by|for|about|around)|back (?:in )?(?:by|for) \d+|"
    r"then (?:i'll |we'll |i will )?(?:bring|drop|take)|come in after|in for \d+|"
    r"after (?:he|she|they) (?:come|comes|will come|can come)|(?:in )?straight after(?! school)|"
    r"comes? to school after|for the afternoon|"
    r"after (?:the|his|her|their) appointment|will come after|"
    r"come back to school(?! on| next| after (?:the )?(?:holiday|half|christmas|easter)| in )|"
    r"come to school around|come to school at|then school|"
    r"bring " + _OBJ + r" (?:in|to school) (?:at|by|around|for|about)|"
    r"bring " + _OBJ + r" to school|drop " + _OBJ + r" back|back for lunch|"
    r"back after lunch|off this morning|miss(?:ing)? this morning|"
    r"(?:will|'ll|i'll) come (?:in |to school )?(?:at|about|around|by) \d+|"
    r"drop " + _OBJ + r" (?:at|to|off at) (?:the )?(?:office|reception|school)|"
    r"straight to school|(?:home|off) this morning)\b")
LEAVING_NOW = re.compile(r"\b(?:on my way to (?:get|collect|pick)|come now to (?:take|get|"
                         r"collect|pick)|sent home|send " + _OBJ
                         + r" home|come and get|collect(?:ing)? " + _OBJ + r" now|"
                         r"pick(?:ing)? " + _OBJ + r" up now|there in \d+ (?:mins|minutes) to "
                         r"(?:get|collect|pick))\b")
# Going away on a day: a day off even when the word "absent" is not used.
TRAVEL = re.compile(r"\b(?:leave|leaving|travel|travelling|traveling|fly|flying|go|going|"
                    r"setting off|set off|drive|driving) on\b")
AFTER_SCHOOL = re.compile(r"\b(?:after school|club|tonight|this evening)\b")
# Not a report at all: a question about the register, a complaint, a correction.
ABOUT_THE_REGISTER = re.compile(r"\b(?:marked (?:as )?(?:absent|late)|why (?:has|was|is|have|"
                                r"did)|please correct|wrongly|late mark|attendance is|"
                                r"attendance (?:letter|figure|percentage)|allowed back)\b")
PM_AWAY = re.compile(
    r"\b(?:collect(?:ing|ed)?|pick(?:ing)? " + _OBJ + r" up|picking up|picked up|pick up|"
    r"leave (?:school )?(?:at|early)|leaving (?:school )?(?:at|early)|"
    r"won't be back (?:in )?(?:this afternoon|this aft|this pm|after lunch|after|today)|"
    r"not be back this afternoon|afternoon off|"
    r"miss the afternoon|go(?:ing)? home|"
    r"sent home|send " + _OBJ + r" home|on my way to (?:get|collect|pick)|come and get|"
    r"take " + _OBJ + r" (?:from|out of) school|taking " + _OBJ + r" (?:from|out of) school|"
    r"pick(?:ing)? " + _OBJ + r" (?:at|from)|(?:won't|will not|not) (?:return|come back) "
    r"(?:today|this afternoon|after)|(?:be|wait|be ready) at (?:the )?(?:office|reception)|"
    r"to (?:get|collect|pick up) " + _OBJ + r"|finish(?:ed|ing|es)? (?:at|early)|"
    r"(?:get|getting|take|taking|fetch|fetching) " + _OBJ + r" (?:at|out at|from school at)|"
    r"(?:sent|send) to (?:the )?(?:office|reception)|(?:ready|waiting|wait) (?:in|at) (?:the )?"
    r"(?:office|reception)|take " + _OBJ + r" home|come now to (?:take|get|collect|pick))\b")
AFTERNOON = re.compile(r"\b(?:lunch|afternoon|this pm|this aft)\b")
JUST_THE_DAY = re.compile(
    r"\b(?:just|only) (?:for )?(?:today|tomorrow|the day|the one day|one day|that day|"
    r"this day)\b|\b(?:today|tomorrow) only\b|\bjust the (?:one )?day\b|\bfor the day\b|"
    r"\bthe day off\b|\bone day\b")
THANKS = re.compile(r"\b(?:thank you|thanks|thankyou|cheers|grateful|appreciate)\b")

ARRIVING_AT = re.compile(r"\b(?:be|'ll be|will be|is|are) in (?:at|for|by|about|around)\b")
_TIME = re.compile(
    r"\b(?:(?P<prep>at|by|about|around|for|from|after|before|until|approx|roughly|maybe) )?"
    r"(?:(?P<half>half|quarter) (?:past )?)?(?P<hour>\d{1,2})(?:[:.](?P<min>\d{2}))?"
    r" ?(?P<suffix>am|pm|o'clock|oclock|ish)?\b(?! ?(?:days?|weeks?|minutes|mins?|hours?|"
    r"years?|months?|th|st|nd|rd|%|degrees|of them|kids|children|times))")


@dataclass(frozen=True)
class ClockTime:
    minutes: int  # after midnight, on a school-day reading (9 is 09:00, 1 is 13:00)
    start: int
    end: int


def clock_times(text: str) -> list[ClockTime]:
    """Times of day: 'at 9', '10:30', '9.40', 'half 1', '10ish', '1pm' (not '5 days')."""
    found = []
    for m in _TIME.finditer(text):
        hour, minute = int(m.group("hour")), int(m.group("min") or 0)
        explicit = m.group("min") or m.group("suffix") or m.group("half")
        if not (explicit or m.group("prep") in {"at", "by", "about", "around", "approx"}):
            continue
        if hour > 23 or minute > 59 or (m.group("min") and len(m.group("hour")) > 2):
            continue
        if m.group("half"):
            minute = 30 if m.group("half") == "half" else 15
        suffix = m.group("suffix")
        if (suffix == "pm" and hour < 12) or (suffix != "am" and 1 <= hour <= 6):
            hour += 12  # school hours: "at 2" and "2 o'clock" are in the afternoon
        found.append(ClockTime(hour * 60 + minute, m.start(), m.end()))
    return found
