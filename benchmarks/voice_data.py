"""Synthetic consultation responses for Voice's tests and benchmarks, written for Throughcare (not copied).

How the coded set is made (docs/voice.md, "Measured"): three open questions, each with six or seven themes.
For every theme we wrote ten to twelve ways a respondent might make that point (``BANK``), in plain words
and in different registers; separately, as an analyst would, a label and a one-line description
(``THEMES``), worded independently of the phrasings. A response is one to three phrasings from different
themes of the same question (70 % one, 25 % two, 5 % three), joined with the connectives people use, often
after a sentence about the respondent that carries no theme, sometimes with a dropped letter (typing
slips). Its true codes are the themes its phrasings came from: that is the "human coding". Everything is
drawn from ``random.Random(seed)``, so the same seed gives the same set.

Honest limits: phrasings recur across responses (real responses are more varied), and each response is
built from clear statements of its themes (real ones are vaguer). Figures on this set are an upper bound.
"""

from __future__ import annotations

import random

QUESTIONS = {
    "hub": "What would make the new recovery hub work for you?",
    "overdose": "What more should we do to prevent overdose deaths?",
    "video": "What do you think of offering key worker appointments by video call?",
}

THEMES = {
    "hub": [
        {"id": "hours", "label": "Opening times", "description": "Open in the evenings, at weekends or later, outside office hours"},
        {"id": "travel", "label": "Getting there", "description": "Distance, buses, transport and the cost of travelling to the hub"},
        {"id": "peers", "label": "Lived experience", "description": "Peer mentors, recovery groups and staff who have been through it themselves"},
        {"id": "children", "label": "Children and families", "description": "Childcare, a family room, bringing children, times that fit the school day"},
        {"id": "privacy", "label": "Privacy and stigma", "description": "A discreet entrance, not being seen or judged by others"},
        {"id": "mental", "label": "Mental health", "description": "Mental health support, counselling and help with anxiety or trauma in the same place"},
        {"id": "advice", "label": "Housing, money and benefits", "description": "Advice about housing, benefits, debt and money"},
    ],
    "overdose": [
        {"id": "naloxone", "label": "More naloxone", "description": "Wider supply of naloxone kits and training in how to use them"},
        {"id": "checking", "label": "Drug checking", "description": "Testing substances so people know what they are taking, warnings about strong batches"},
        {"id": "release", "label": "After prison", "description": "Support on release from prison when tolerance is low"},
        {"id": "outreach", "label": "Keep hold of people", "description": "Outreach and follow-up for people who drop out of or are discharged from treatment"},
        {"id": "rooms", "label": "Supervised consumption", "description": "A supervised consumption room or safe place to use"},
        {"id": "families", "label": "Involve families", "description": "Training and support for families and friends who may witness an overdose"},
    ],
    "video": [
        {"id": "saves", "label": "Saves time and travel", "description": "Video calls avoid journeys, bus fares and time off work"},
        {"id": "exclusion", "label": "Not everyone is online", "description": "No smartphone, data, internet or skills to join a video call"},
        {"id": "home", "label": "No private space", "description": "No private place at home to talk openly"},
        {"id": "complex", "label": "Not for complex needs", "description": "Risky or unwell people need to be seen in person"},
        {"id": "choice", "label": "Offer a choice", "description": "Video as an option alongside face-to-face appointments, not a replacement"},
        {"id": "connection", "label": "Harder to connect", "description": "Trust and rapport with the worker are harder to build on a screen"},
    ],
}

BANK = {
    "hours": ["Open later in the evening so people who work can come.", "Weekend opening, Saturdays at least.",
              "I finish at six so anything before seven is no use to me.", "Please don't shut at four o'clock like the old place.",
              "A late night once a week would help me a lot.", "Sunday mornings are when I struggle most and nothing is open.",
              "Hours that fit round shift work.", "Being able to drop in after work instead of taking a morning off.",
              "Open at times when working people can actually get there.", "Evenings and weekends, not nine to five.",
              "Opening hours that suit people with jobs."],
    "travel": ["It needs to be on a bus route.", "Help with bus fares, I can't afford two buses a week.",
               "Somewhere in the town centre, not out on the industrial estate.", "The last place took me over an hour to reach.",
               "Free travel passes for appointments.", "I don't drive and the trains are expensive.",
               "Put it near the station so people from the villages can get there.", "A minibus from the estates would make all the difference.",
               "Travel costs paid back on the day.", "It is too far to walk and taxis cost a fortune.",
               "Transport for people who live out of town."],
    "peers": ["People who have been through it themselves running the groups.", "A mentor who knows what it's like.",
              "Recovery groups every day, not just once a week.", "Staff with lived experience, they get it.",
              "Seeing people further along in recovery gives you hope.", "A buddy to meet you at the door on your first visit.",
              "Mutual aid meetings in the building.", "Volunteers who used to use services themselves.",
              "Talking to someone who's been where I am.", "Peer support, that is what kept me going last time.",
              "Groups led by people in recovery."],
    "children": ["Somewhere for my kids to play while I'm seen.", "A crèche or childcare during appointments.",
                 "Appointments in school hours so I can do the pick up.", "A family room where my children are welcome.",
                 "I can't come if I have to leave my son with someone.", "Support for parents, not just the person using.",
                 "Child friendly space, not a waiting room full of people off their heads.", "Help for grandparents bringing up grandchildren.",
                 "Times that work around nursery.", "Let mums bring their babies in.", "Activities for the children in the holidays."],
    "privacy": ["A back entrance so nobody sees you going in.", "Don't put a big sign on the front saying drug service.",
                "In a small town everyone knows your business.", "Somewhere discreet, I don't want my neighbours to know.",
                "A private room to talk, not a counter where everyone can hear.", "No name called out across a waiting room.",
                "The stigma stops people coming, it should look like any other building.", "I'm scared of being judged by people I know.",
                "Confidential, so my employer never finds out.", "An entrance shared with other services so it's not obvious.",
                "Make it feel anonymous."],
    "mental": ["Mental health support in the same building.", "Counselling, because the drinking started after my trauma.",
               "Someone to help with anxiety and depression.", "Don't send me away to the mental health team who send me back.",
               "Help with the reasons people use in the first place.", "A psychologist or therapist on site.",
               "Support for panic attacks and not sleeping.", "Dual diagnosis workers.", "Talking therapies alongside the script.",
               "People with PTSD need proper help, not just a leaflet.", "Help for my mental health as well as my drug use."],
    "advice": ["Housing advice, half of us are sofa surfing.", "Help with benefits forms and the job centre.",
               "Debt advice, the money worries make me drink.", "Someone from the council housing team there once a week.",
               "Help with Universal Credit.", "Advice about rent arrears before you get evicted.",
               "A welfare rights worker.", "Help sorting out bills and budgeting.", "Support to find somewhere to live.",
               "Citizens Advice sessions at the hub.", "Money advice, I owe everyone."],
    "naloxone": ["Give everyone a naloxone kit, not just people in treatment.", "More naloxone in hostels and pubs.",
                 "Nasal naloxone is easier than the injection for most people.", "Train people how to use the kit properly.",
                 "Every pharmacy should hand out naloxone.", "Kits for security guards and shop staff in the town centre.",
                 "Replace used kits quickly, people don't come back for new ones.", "Naloxone should be as common as a first aid kit.",
                 "Hand out the reversal kits at the needle exchange every visit.", "Police and paramedics aren't always there in time, we need kits on the street.",
                 "Get kits into people's homes."],
    "checking": ["Drug testing so people know what they are taking.", "Warn people when a strong batch is going round.",
                 "Test strips for fentanyl and nitazenes.", "A drug checking service in the town.",
                 "Alerts by text when something dangerous is about.", "Nobody knows what is in the pills they buy now.",
                 "Let people send samples to be tested anonymously.", "Tell us what's actually in the heroin.",
                 "Fake benzos are killing people, get them tested.", "Share the lab results with people who use.",
                 "Checking what's in the bags before people use them."],
    "release": ["People die in the first week out of prison.", "Meet people at the gate when they are released.",
                "Prisoners should leave with a kit and a script.", "Tolerance is low after a sentence and nobody warns them.",
                "Support on release, not weeks later.", "Link prison treatment straight to the community team.",
                "Don't release people on a Friday with nowhere to go.", "A worker who visits before release and is there after.",
                "Coming out of jail is the most dangerous time.", "Make sure the prescription carries on the day they get out.",
                "Overdose training for everyone leaving custody."],
    "outreach": ["Chase people who miss appointments instead of discharging them.", "Outreach workers on the streets.",
                 "Follow up everyone who drops out of treatment.", "Don't close the case after three missed appointments.",
                 "Knock on doors when someone goes quiet.", "Check on people just discharged from hospital after an overdose.",
                 "Keep people on the books even when they're struggling.", "People who fall out of treatment are the ones dying.",
                 "A phone call when someone doesn't turn up.", "Go to the hostels and find people.",
                 "Stay in touch after people leave the service."],
    "rooms": ["Open a supervised consumption room.", "A safe place to use with staff who can help.",
              "Overdose prevention centres work in other countries.", "Somewhere indoors rather than alleys and car parks.",
              "People shouldn't have to use alone.", "A room where nurses watch over people using.",
              "Glasgow has shown a safe consumption site can work.", "Stop people dying alone in public toilets.",
              "Legal safe spaces for injecting.", "A supervised site with clean equipment.", "A place where nobody uses alone."],
    "families": ["Teach families what an overdose looks like.", "Give parents naloxone training too.",
                 "Support for families who have found someone collapsed.", "My sister found my brother, she had no idea what to do.",
                 "Friends and partners are usually there first, train them.", "Family members need first aid courses.",
                 "Tell families about the risks when someone comes home from rehab.", "Support groups for bereaved families.",
                 "Parents need to know the signs.", "Include relatives in overdose awareness sessions.",
                 "Flatmates and partners should know how to respond."],
    "saves": ["It would save me two buses each way.", "I could do it on my lunch break without taking time off.",
              "No more travelling across the county for a twenty minute chat.", "Great, it saves money on fares.",
              "Much easier when you work full time.", "Less time in waiting rooms.", "I live in a village with one bus a day so it would really help.",
              "Saves me getting a taxi every fortnight.", "Quicker and I don't miss work.", "Handy when you've got no way to get there.",
              "Fits around my job much better."],
    "exclusion": ["I haven't got a smartphone.", "No data on my phone most of the month.", "My internet is too slow for video.",
                  "Older people won't know how to use it.", "Not everyone can afford wifi.", "I wouldn't know how to set it up.",
                  "Half the people I know have their phones cut off all the time.", "People in hostels can't get online.",
                  "I'm not good with technology.", "You need a laptop or a decent phone and many of us don't have one.",
                  "Lend people tablets or they'll be left out."],
    "home": ["There's nowhere private at home to talk.", "My partner would be listening.", "I live with my parents and they'd hear everything.",
             "In a shared house you can't speak freely.", "The kids are always around.", "I don't want my family overhearing.",
             "Someone in the hostel would be earwigging.", "No quiet room in my flat.", "I can't be honest with my dad in the next room.",
             "You can't talk about abuse when the abuser is in the house.", "Thin walls, everyone would hear."],
    "complex": ["Not for anyone who is unwell or at risk.", "You need to see someone in person to know if they're using.",
                "People on high doses should be seen face to face.", "Workers can't spot the signs over a screen.",
                "Not for the first appointment or anyone in crisis.", "Fine for stable people, not for the chaotic ones.",
                "Safeguarding needs face to face.", "You can hide how bad things are on a video call.",
                "Mental health crises need a real person in the room.", "Someone who's just relapsed needs to be seen.",
                "Too risky for people with complex needs."],
    "choice": ["Give people the choice.", "Both options should be available.", "Video as well as face to face, not instead of it.",
               "Let people decide what suits them.", "Some weeks video, some weeks in person.", "Keep face to face for anyone who wants it.",
               "Offer it but don't force it.", "A mix would be best.", "As an extra option it's fine.", "Whatever the person prefers.",
               "It should be up to each person."],
    "connection": ["It's harder to build trust on a screen.", "You lose the connection with your worker.", "It feels cold and distant.",
                   "I open up more when someone is sat with me.", "You can't have a proper relationship over video.",
                   "It feels like a box ticking exercise.", "I'd feel awkward and say less.", "Eye contact and a cup of tea matter.",
                   "My worker wouldn't really know me.", "It's impersonal.", "Human contact is part of getting better."],
}

PREAMBLES = ["I've been in treatment for two years.", "Speaking as a mum.", "I work full time.", "I'm in recovery.",
             "As a volunteer at the food bank.", "My son uses the service.", "I've lived here all my life.",
             "I was released last year.", "I'm 58 and on a script.", "We run a small charity.", "Honestly?", "Good question."]
CONNECTIVES = [" ", " Also, ", " And ", " Plus ", " As well as that, ", " Another thing: "]


def _slip(text: str, rng: random.Random) -> str:
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) > 5]
    if not long:
        return text
    i = rng.choice(long)
    j = rng.randrange(1, len(words[i]) - 1)
    words[i] = words[i][:j] + words[i][j + 1:]
    return " ".join(words)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != "I " and not text.startswith("I'") else text


def coded_responses(question: str, n: int, seed: int = 11) -> list[tuple[str, str, list[str]]]:
    """(response_id, text, true theme ids) for `n` synthetic responses to one question."""
    rng = random.Random(f"{seed}-{question}")
    theme_ids = [t["id"] for t in THEMES[question]]
    out = []
    for number in range(n):
        count = 1 if (r := rng.random()) < 0.70 else 2 if r < 0.95 else 3
        chosen = rng.sample(theme_ids, count)
        parts = [rng.choice(BANK[t]) for t in chosen]
        text = parts[0]
        for part in parts[1:]:
            connective = rng.choice(CONNECTIVES)
            text += connective + (part if connective == " " else _lower_first(part))
        if rng.random() < 0.35:
            text = rng.choice(PREAMBLES) + " " + text
        if rng.random() < 0.2:
            text = _slip(text, rng)
        out.append((f"{question}-{number:05d}", text, sorted(chosen)))
    return out


def campaign_set(seed: int = 5, distinct: int = 1500) -> tuple[dict[str, str], set[tuple[str, str]], set[tuple[str, str]]]:
    """Responses with campaigns, pairs of the same response sent twice, and near-duplicates that are not
    campaigns. Returns (responses, true campaign pairs, true duplicate pairs).

    Campaigns: eight standard texts (80 to 140 words) sent by 5 to 120 people each, members edited as people
    edit a campaign e-mail: a sentence of their own added (a third), a greeting or sign-off (a quarter), a
    sentence dropped (a fifth), a typing slip (a fifth). Not campaigns: `distinct` independent responses
    built from the same phrase bank (so they share many phrases), responses that quote the same long
    passage of the paper before their own answer, and 30 pairs of one person's response sent twice.
    """
    rng = random.Random(seed)
    paper_quote = ("The partnership proposes to move the needle and syringe programme from Market Street to the "
                   "new recovery hub on Orchard Road, which will have a pharmacy, a clinic room and longer opening "
                   "hours but is further from the town centre.")
    responses: dict[str, str] = {}
    campaign_pairs: set[tuple[str, str]] = set()
    duplicate_pairs: set[tuple[str, str]] = set()
    everything = [p for bank in BANK.values() for p in bank]
    sizes = [120, 60, 40, 25, 12, 8, 6, 5]
    for c, size in enumerate(sizes):
        standard = " ".join(rng.sample(everything, 9))
        sentences = standard.split(". ")
        members = []
        for m in range(size):
            text = standard
            if m and rng.random() < 0.2:
                drop = rng.randrange(len(sentences))
                text = ". ".join(s for i, s in enumerate(sentences) if i != drop)
            if m and rng.random() < 0.33:
                text += " " + rng.choice(everything)
            if m and rng.random() < 0.25:
                text = rng.choice(["Dear Sir or Madam, ", "To whom it may concern. ", "Hello, "]) + text
                text += rng.choice([" Yours faithfully.", " Thank you.", " Regards, a local resident."])
            if m and rng.random() < 0.2:
                text = _slip(text, rng)
            rid = f"camp{c}-{m:03d}"
            responses[rid] = text
            members.append(rid)
        campaign_pairs |= {(a, b) for i, a in enumerate(members) for b in members[i + 1:]}
    for n in range(distinct):
        parts = rng.sample(everything, rng.randint(2, 5))
        text = " ".join(parts)
        if n % 10 == 0:
            text = paper_quote + " " + text
        responses[f"ind{n:04d}"] = text
    for n in range(30):
        text = " ".join(rng.sample(everything, rng.randint(3, 6)))
        responses[f"twice{n:02d}-a"] = text
        responses[f"twice{n:02d}-b"] = text if n % 2 else text + " Sorry, sending again as I got no reply."
        duplicate_pairs.add((f"twice{n:02d}-a", f"twice{n:02d}-b"))
    return responses, campaign_pairs, duplicate_pairs


PAPER_QUOTE_TEXT = ("QUESTION 1: SHOULD THE NEEDLE EXCHANGE MOVE?\n\nThe partnership proposes to move the needle and "
                    "syringe programme from Market Street to the new recovery hub on Orchard Road, which will have a "
                    "pharmacy, a clinic room and longer opening hours but is further from the town centre.")
