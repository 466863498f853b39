"""The words parents use, by what they tell us. Phrases are matched on normalised text.

Single words of six letters or more also match misspelt ("temprature", "diarhoea") through
rapidfuzz, so this vocabulary lists each word once in its right spelling.
"""

from __future__ import annotations

ILLNESS = [
    "ill", "unwell", "poorly", "sick", "sickness", "being sick", "been sick", "vomit", "vomited",
    "vomiting", "throwing up", "threw up", "d&v", "diarrhoea", "diarrhea", "the runs",
    "temperature", "high temperature", "fever", "feverish", "cough", "coughing", "flu",
    "virus", "viral", "bug", "tummy", "stomach", "stomach ache", "tummy ache", "headache",
    "migraine", "sore throat", "earache", "ear infection", "chest infection", "infection",
    "tonsillitis", "chickenpox", "chicken pox", "covid", "conjunctivitis", "scarlet fever",
    "hand foot and mouth", "impetigo", "measles", "mumps", "norovirus", "asthma", "rash",
    "period pains", "period pain", "cramps", "anxiety", "anxious", "panic attack", "mental health",
    "depression", "low mood", "broken his", "broken her", "broke his", "broke her", "broken arm",
    "broken leg", "broken wrist", "broken ankle", "broken foot", "broken finger", "broken toe",
    "broken nose", "broken collarbone", "fractured", "sprained", "injured", "injury", "hurt",
    "concussion", "in hospital", "admitted", "a&e", "not well", "not feeling well",
    "under the weather", "glandular fever", "nosebleed", "allergic reaction", "toothache", "croup",
    "strep", "antibiotics", "calpol", "spots", "swollen", "dizzy", "fainted", "seizure",
    "meltdown", "bronchitis", "pneumonia", "sinusitis", "hayfever", "vomitting",
    "diarrhoea and vomiting", "sickness bug", "tummy bug", "vomiting bug", "fatigue",
    "eczema", "shingles", "appendicitis", "worms", "threadworm",
    "stitches",
    "influenza", "otitis", "recovering", "appendix", "thrown up", "still not right", "not right",
    "not herself", "not himself", "feeling rough", "achy", "aches", "in pain", "pain", "a cast",
    "in a cast", "plaster cast", "self harm", "self-harm", "self harming", "scratching herself",
    "scratching himself", "high temp", "poorly tummy", "upset stomach", "bad back", "sick bug",
    "off colour", "period", "hay fever", "threw up",
    "a cold", "bad cold", "heavy cold", "streaming cold", "full of cold", "cold and cough",
    "cough and cold", "the cold", "head cold", "ear ache", "head ache", "tooth ache", "belly ache",
    "back ache", "wiped out", "lurgy", "sicky", "runny tummy", "dodgy tummy", "refusing",
    "refusing to come", "refusing to go", "school refusal", "won't go", "doesn't want to go",
    "not coping", "in a state", "in a right state", "crying", "upset", "distressed",
    "in a bad place", "in a really bad place", "cutting", "struggling", "lost her voice",
    "lost his voice", "not well enough",
    "cold",
    "can barely move", "can't walk", "his back", "her back", "pulled a muscle", "feeling better",
    "a lot better", "much better",
    "had a fit", "having fits", "had his op", "had her op", "had an operation",
    "had his operation", "had her operation", "after his op", "after her op",
    "after the operation", "recovering from",
    # Conditions and symptoms by name, from the common childhood illnesses list a school
    # nurse would know; the phrases parents use for them.
    "hives", "cold sore", "cold sores", "pink eye", "sticky eye", "eye infection", "stye",
    "glue ear", "blocked ear", "water infection", "urine infection", "kidney infection", "uti",
    "constipation", "constipated", "bad chest", "chesty", "wheezy", "wheezing", "croupy",
    "asthma attack", "breathing", "inhaler", "nebuliser", "bump on the head", "bump on his head",
    "bump on her head", "nasty bump", "bumped his head",
    "bumped her head", "banged his head", "banged her head", "twisted", "sprain", "tonsils",
    "swollen glands", "glands", "mouth ulcers", "ulcers", "abscess", "flare up", "flare-up",
    "flared up", "epilepsy", "epileptic", "diabetes", "diabetic", "hypo", "sickle cell",
    "sickle cell crisis", "tics", "sensory overload", "overwhelmed", "burnout", "burnt out",
    "off his food", "off her food", "off their food", "not eating", "bad night", "rough night",
    "no sleep", "up all night", "up in the night", "48 hours", "48 hrs", "48hrs",
    "reaction", "side effects", "tested positive", "covid positive", "positive for covid",
    "bitten", "dog bite", "stung", "sunburn", "sunstroke", "heatstroke", "dehydrated",
    "food poisoning", "slapped cheek", "whooping cough", "strep a", "scarlatina", "rsv",
    "ringworm", "scabies", "molluscum", "sore ear", "sore ears", "sore eye", "sore eyes",
    "sore head", "sore tummy", "sore belly", "sore stomach", "sore chest", "sore", "runny nose",
    "blocked nose", "bunged up", "snotty", "congested", "shivery", "shivering", "clammy",
    "lethargic", "floppy", "run down", "feeling rotten", "rotten", "not 100%", "not 100",
    "under par", "nauseous", "nausea", "queasy", "feels sick", "feeling sick", "diarrhoea",
    "loose stools", "gastro", "gastroenteritis", "sickness and diarrhoea", "s&d", "d and v",
    "temp", "a temp", "hot and cold", "burning up", "fell off", "fell over",
    "had a fall", "a fall", "limping", "can't put weight", "gash", "chipped", "knocked out",
    "wisdom teeth", "tooth abscess", "teething", "allergy", "allergic", "anaphylaxis",
    "epipen", "nosebleeds", "nose bleed", "conjunctivitus", "tonsilitis", "diarrea",
    "pneumonia", "hand, foot and mouth", "hfm", "hfmd", "norovirus", "rotavirus", "cystitis",
    "dermatitis", "psoriasis", "crohn's", "colitis", "ibs", "reflux", "ear infections",
    "chest infections", "virus going round", "bug going round", "what's going round",
    "poorly again", "ill again", "sick again", "mental health day",
    "wasn't well", "isn't well", "not been well", "hasn't been well", "wasn't feeling well",
    "bad belly", "with his ear", "with her ear", "ear pain", "cried all night",
    "crying all night", "cry all night",
]

# Appointments: code M. "doctor", "GP" and "hospital" alone are not appointments ("GP says keep
# him off" is illness), so they count only next to a time or the word appointment.
MEDICAL = [
    "appointment", "dentist", "dental", "orthodontist", "orthodontics", "braces", "optician",
    "opticians", "eye test", "hearing test", "camhs", "physio", "physiotherapy", "vaccination",
    "vaccine", "jab", "jabs", "immunisation", "injection", "check up", "check-up", "checkup",
    "blood test", "clinic", "consultant", "speech therapy", "speech and language", "audiology",
    "x-ray", "scan", "specsavers", "hygienist", "podiatrist", "occupational therapy",
    "paediatrician", "paediatrics", "ent", "fracture clinic", "eye hospital", "dentists",
    "grommets", "day case", "day surgery", "having an operation", "tonsils out", "procedure",
    "assessment", "hearing aid", "eye appointment", "dentist appointment", "doctor's appointment",
    "gp appointment", "hospital appointment",
    "brace fitting", "brace", "mri", "allergy clinic", "asthma review", "eye clinic", "hearing",
    "dentist's", "doctors appointment",
    "operation", "surgery", "op", "eye op", "general anaesthetic", "tooth out", "teeth out",
    "teeth taken out", "tooth taken out", "having an op", "hearing check", "health centre",
    "ecg", "echocardiogram", "allergy test", "skin prick", "speech therapist", "therapist",
    "therapy", "counselling", "counsellor", "paediatric", "adhd assessment",
    "autism assessment", "asd assessment", "dietitian", "dietician", "dermatology",
    "dermatologist", "cardiology", "neurology", "neurologist", "urology", "booster",
    "flu jab", "flu spray", "nasal spray", "follow up appointment", "ultrasound", "eeg",
    "ct scan", "outpatients", "out patients", "endocrinology", "gastro clinic", "eye check",
    "orthoptist", "ophthalmology", "ophthalmologist", "physio appointment", "osteopath",
    "chiropractor", "psychologist", "psychiatrist", "ot appointment", "sleep clinic",
    "brace adjustment", "braces tightened", "retainer", "fillings", "a filling", "extraction",
]

RELIGIOUS = [
    "eid", "eid al-fitr", "eid al-adha", "eid ul fitr", "eid ul adha", "diwali", "yom kippur",
    "rosh hashanah", "rosh hashana", "passover", "pesach", "sukkot", "vaisakhi", "baisakhi",
    "gurpurab", "guru nanak", "holi", "navratri", "durga puja", "janmashtami", "religious",
    "religious festival", "holy day", "ash wednesday", "shavuot", "purim", "chhath", "bandi chhor",
    "ramadan",
    "orthodox", "orthodox christmas", "orthodox easter", "church", "mosque", "gurdwara", "temple",
    "synagogue", "mandir", "genna", "lent",
    "dashain", "tika", "tihar", "bhai tika", "onam", "pongal", "thai pongal", "lohri",
    "raksha bandhan", "makar sankranti", "ganesh chaturthi", "dussehra", "vesak", "wesak",
    "timket", "meskel", "ridvan", "bar mitzvah", "bat mitzvah", "first communion", "confirmation",
    "christening", "baptism",
]

HOLIDAY = [
    "holiday", "holidays", "vacation", "abroad", "flight", "flights", "flying", "skiing",
    "ski trip", "center parcs", "centre parcs", "disney", "disneyland", "cruise", "going away",
    "travelling", "traveling", "trip", "break away", "staying on",


    "visit family",
    "visiting family", "see family", "family abroad", "caravan", "camping", "half term deal",
    "harry potter studios", "legoland", "theme park", "the flight", "flies back",
    "to spain", "in spain", "to portugal", "in portugal", "to turkey", "in turkey", "to poland",
    "in poland", "to pakistan", "in pakistan", "to bangladesh", "in bangladesh", "to india",
    "in india", "to nigeria", "in nigeria", "to ghana", "in ghana", "to romania", "in romania",
    "to jamaica", "in jamaica", "to morocco", "in morocco", "to dubai", "in dubai", "to florida",
    "in florida", "to lanzarote", "in lanzarote", "to greece", "in greece", "to cyprus",
    "in cyprus", "to ireland", "in ireland", "to france", "in france", "to italy", "in italy",
    "to somalia", "in somalia", "to lithuania", "in lithuania", "to kenya", "in kenya", "to egypt",
    "in egypt", "to mallorca", "in mallorca", "to majorca", "in majorca", "to tenerife",
    "in tenerife", "to lisbon", "in lisbon", "to paris", "in paris", "to scotland", "in scotland",
    "to wales", "in wales", "to cornwall", "in cornwall", "to devon", "in devon", "flying to",
    "fly to", "fly out", "flying out",
    "for half term", "for the holidays", "for christmas", "for easter", "holiday to",
    "disneyland paris",
    "ferry", "for the summer", "summer holidays", "staycation", "getaway", "long weekend",
    "weekend away", "umrah", "hajj", "pilgrimage",
    "visit the family", "visiting the family", "drive to", "driving to",
]

EXCEPTIONAL = [
    "funeral", "bereavement", "passed away", "died", "death", "janazah", "stone setting",
    "family emergency", "court", "witness", "court hearing", "wedding", "grief",
    "grieving", "memorial", "cremation", "wake",
    "family emergency", "rushed into hospital", "rushed to hospital", "very ill", "seriously ill",
    "intensive care", "critically ill", "dying",
    "getting married", "married", "marriage",
    "refuge", "fled", "fleeing", "domestic abuse", "domestic violence", "hit me",
    "police came", "police were called", "called the police",
]

LATE = [
    "late", "running late", "traffic", "on our way", "on the way", "be there in", "held up",
    "delayed",
]

OTHER = [
    "overslept", "slept in", "uniform", "birthday", "shopping", "looking after", "childcare",
    "broken down", "broke down", "car won't start", "car wont start", "no car", "car trouble",
    "heating", "hot water", "no electric", "no electricity", "power cut", "engineer", "boiler",
    "snow", "missed the bus", "missed bus", "family day", "day off", "tired", "moving house",
    "house move", "moving day", "babysitter", "no lift", "strike", "flat tyre", "puncture",
    "no way of getting", "can't get him in", "can't get her in", "can't get them in", "locked out",
    "flood", "burst pipe", "storm", "show", "audition", "match", "tournament", "competition",
    "concert", "family reasons", "personal reasons", "passport", "visa", "interview", "exam",
    "mock", "mocks", "study leave",
    "shattered", "exhausted", "no bus", "bus didn't come", "bus did not come", "mot",
    "no transport", "no way to get", "spend the day with", "spend time with", "spend it with",
    "shoes", "no coat", "council", "housing", "solicitor", "jobcentre", "home office", "bank",
    "alarm", "party", "family visiting", "visitors", "nobody to", "no one to bring",
    "no one to take",
    "snowed in", "snowed", "icy", "ice", "can't get the car out",
    "plumber", "landlord", "wait in", "waiting in", "flooded", "removal", "removals", "move house",
    "moving", "packed up",
    "no food", "bus fare", "no money", "can't afford", "shift", "early shift", "work",
    "nobody can take", "nobody can bring", "no one can take", "no one can bring", "nobody to take",
    "nobody to bring", "childminder",
    "very cold", "so cold", "freezing",
    "graduation", "ceremony", "parade", "homecoming", "celebration",
    "graduates", "graduating", "airport", "arriving from", "embassy", "consulate",
    "registry office",
    "nits", "head lice", "lice", "family lunch", "family party", "turns 80", "turns 70",
    "turns 60", "80th", "70th", "60th", "90th", "money for", "the money", "afford",
    "new house", "move to", "moving to", "the keys", "football", "trial for", "trials",
    "shoes fell apart", "nothing that fits", "nothing else that fits",
]

CALLBACK = [
    "call me", "ring me", "phone me", "give me a call", "give me a ring", "call me back",
    "ring me back", "call back", "speak to someone", "speak to you", "talk to someone",
    "talk to you", "someone call", "somebody call", "could you call", "can you call",
    "could someone call", "can someone call", "please call", "please ring", "call us",
    "contact me", "get in touch", "have a chat", "a quick word", "arrange a meeting",
    "speak with someone", "speak to the head", "speak to her teacher", "speak to his teacher",
]

SAFEGUARDING = [
    "self harm", "self-harm", "self harming", "self-harming", "cutting herself", "cutting himself",
    "cut herself", "cut himself", "hurt herself", "hurt himself", "suicide", "suicidal",
    "kill herself", "kill himself", "end it all", "overdose", "police", "arrested", "domestic",
    "abuse", "abusive", "abused", "hit me", "hits me", "hit her", "hit him", "hits her",
    "hits him", "violent", "violence", "not safe", "unsafe", "scared to go home", "scared of him",
    "scared of her", "scared of my", "frightened of him", "frightened of her",
    "frightened to go home", "social services", "social worker", "refuge", "bruise", "bruises",
    "bruising", "neglect", "ran away", "run away", "running away", "gone missing", "went missing",
    "restraining order", "non-molestation", "drunk", "drugs", "threatened", "threatening",
    "kicked out", "homeless", "things are bad at home", "bad at home", "grooming", "exploited",
    "exploitation", "knife", "weapon", "assault", "assaulted", "sexual", "touched her",
    "touched him", "don't feel safe", "doesn't feel safe", "isn't safe", "is not safe",
    "hurting her", "hurting him", "hurting me",
]

# Phrases that name a time, not a reason ("back after the Easter holiday"): matched so that
# their words are not read as a holiday.
DATE_PHRASES = [
    "after the holidays", "after the holiday", "after the easter holidays",
    "after the easter holiday", "after the christmas holidays", "after the christmas holiday",
    "after the summer holidays", "after the summer holiday", "after the half term holiday",
    "after the half term holidays", "over the holidays", "in the holidays",
]
