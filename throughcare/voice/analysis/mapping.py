"""Map a response document's passages to the paper's questions, keeping exact source offsets.

How a passage is found (``how``):
- ``labelled``: a label that names a question ("QA1", "Question A1:", "A1.", inline "… crime. Question E6:");
- ``damaged-label``: a label damaged by OCR ("Question EI L." → E11, "Question CL" → C1, "alon E84 What" → E8,
  "Question 27:" → E7), read with OCR confusions and confirmed by the echoed question text;
- ``meaning``: an unlabelled passage matched by meaning to the question text (in document order: a passage
  between the answers to A4 and B2 is first compared with B1);
- ``options``: an unlabelled list of a closed question's options (e.g. the aims marked "(Priority)");
- ``cross-reference``: "See above" / "See question C2" resolved to the passage it points at;
- ``analyst``: moved to its question by an analyst (``remap``);
- ``general``: text that answers no question (introductions, key points, conclusions): points raised outside
  the questions.

The echoed question text after a label is skipped: ``start``..``end`` is the answer itself, and
``source[start:end] == text`` always holds.

A passage of a document with no labels carries a ``margin``: how far its question (or "outside") led the next
best choice for its least certain paragraph. Under ``CHECK_MARGIN`` it is one for an analyst to check first
(``to_check``): on the project's unlabelled test set that is nearly two paragraphs in five, and more than nine
in ten of the mapper's mistakes (docs/voice.md).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np

from .paper import OPEN, SELECT_ALL, SELECT_ONE, YES_NO, YES_NO_DK, Question
from .vectors import STOP_WORDS, similarity, words

LABELLED, DAMAGED, MEANING, OPTIONS, CROSS_REFERENCE, GENERAL = (
    "labelled", "damaged-label", "meaning", "options", "cross-reference", "general")

#: OCR confusions for characters where a digit belongs.
DIGIT_FIXES = str.maketrans({"I": "1", "l": "1", "L": "1", "|": "1", "i": "1", "!": "1", "O": "0", "o": "0",
                             "S": "5", "s": "5", "Z": "2", "z": "2", "B": "8", "g": "9"})
LETTER_FIXES = {"8": "B", "0": "D", "5": "S", "6": "G", "1": "I", "2": "Z"}

_LBL = r"(?P<lbl>(?:\*\*)?[A-Za-z0-9](?:\*\*)?(?:[0-9IlL|!oO]{0,2})(?:\s[IlL1|](?=[.:\s]))?)"
LABEL_PATTERNS = [
    # Question A1: / QUESTION A1 / Question EI L. / Question **E**4: (line start)
    re.compile(r"(?m)^[ \t]*(?:\*\*)?(?P<word>Question|QUESTION)\s+" + _LBL + r"(?P<sep>\s*[:.\-–]|\s+(?=[A-Z(]))"),
    # QA1 / Q A1 / Q1 (line start)
    re.compile(r"(?m)^[ \t]*(?P<word>Q)\s?(?P<lbl>[A-Z]?\d{1,2})(?P<sep>\s*[:.\-–]?\s+|\s*$)"),
    # A1. / A1: / 1. (line start, followed by a capital)
    re.compile(r"(?m)^[ \t]*(?P<word>)(?P<lbl>[A-Z]\d{1,2})(?P<sep>[.:)]\s+)(?=[A-Z\"“])"),
    # … sentence. Question E6: (inline, capitalised, after the end of a sentence)
    re.compile(r"(?<=[.!?][ \t])(?P<word>Question)\s+" + _LBL + r"(?P<sep>\s*:)"),
    # damaged: "alon E84 What particular" (short line: a label-like word_, then an interrogative)
    re.compile(r"(?m)^[^\S\n]*\S{0,6}[^\S\n]+(?P<word>)(?P<lbl>[A-E][0-9IlL]{1,3})(?P<sep>\s+)"
               r"(?=(?:What|How|Which|Who|Do|Does|Should|Are|Is|Can|When|Where|In|Based|Thinking)\b)"),
]
SECTION_RE = re.compile(r"(?m)^[ \t]*(?:\*\*)?(SECTION\s+[A-E]\b.*|(?:Conclusions?|Appendix\b.*|Annex\b.*|References|"
                        r"Key points|Summary|Contact details?)[ \t]*:?)[ \t]*(?:\*\*)?[ \t]*$")
CROSS_REF_ONLY_RE = re.compile(
    r"^\s*(?:please\s+)?(?:see|as|refer to)\s+(?:(?:the\s+)?(?:above|below|previous(?:\s+answer)?)|(?:our|my)\s+"
    r"(?:answer|response)\s+(?:to|at)\s+(?:question\s+)?(?P<a>[A-Z]\d{1,2})|(?:question\s+|Q)(?P<b>[A-Z]\d{1,2}))"
    r"\s*[.!]?\s*$", re.I)
REFERENCE_RE = re.compile(r"(?:\b[Ss]ee\s+(?:also\s+)?(?:[Qq]uestion\s+)?|\b[Qq]uestion\s+|"
                          r"\b(?:above|outlined|described)\s+in\s+(?:[Qq]uestion\s+)?)(?P<id>[A-E][0-9IlL]{1,2})\b")
YES_NO_RE = re.compile(r"^\s*[-•*]?\s*(?P<answer>yes|no|don'?t know|do not know|not sure)\b(?!-)", re.I)
MARKER_RE = re.compile(r"\((?:priority|selected|chosen|agree)\)|\[\s*[xX✓✔]\s*\]|[☒✓✔]|\s[xX]$", re.I)
PARAGRAPH_RE = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")

ECHO_WINDOW = 400
MEANING_THRESHOLD = 0.25


@dataclass
class Passage:
    question: str | None
    how: str
    start: int
    end: int
    text: str
    label: str = ""
    label_start: int | None = None
    label_end: int | None = None
    score: float = 1.0
    closed: dict | None = None
    references: list[str] = field(default_factory=list)
    resolved_to: int | None = None  # index of the passage a cross-reference points at
    margin: float | None = None  # matched by meaning: the lead of its choice over the next best (see above)

    @property
    def to_check(self) -> bool:
        return to_check(self.margin)

    def as_dict(self) -> dict:
        return asdict(self)


#: A passage matched by meaning whose choice led the next best by less than this is listed for an analyst to
#: check (chosen by the unlabelled test set's parts before 'fresh-5': 28 of their 30 mistakes are listed).
CHECK_MARGIN = 0.1


def to_check(margin: float | None) -> bool:
    return margin is not None and margin < CHECK_MARGIN


@dataclass
class _Label:
    start: int
    end: int
    raw: str
    candidates: list[str]
    echo: str = ""


def normalise_label(raw: str, valid: set[str]) -> list[str]:
    """Candidate question ids for a label as written, OCR confusions read both ways; valid ones first."""
    raw = re.sub(r"[*\s.]", "", raw)
    if not raw:
        return []
    head, tail = raw[0], raw[1:]
    heads = [head.upper()] if head.isalpha() else [LETTER_FIXES.get(head, head)]
    digits = tail.translate(DIGIT_FIXES)
    found: list[str] = []
    for h in heads:
        for d in (digits, digits[:-1], digits[:1]):
            candidate = f"{h}{d}" if head.isalpha() or h.isalpha() else f"{head}{digits}"
            if candidate in valid and candidate not in found:
                found.append(candidate)
    if not head.isalpha() and raw in valid:
        found.insert(0, raw)
    return found


def find_labels(text: str, questions: list[Question]) -> list[_Label]:
    valid = {q.id for q in questions}
    plain = {q.id.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for q in questions}
    labels: dict[int, _Label] = {}
    for pattern in LABEL_PATTERNS:
        for match in pattern.finditer(text):
            raw = match.group("lbl")
            start = match.start("word") if match.group("word") else match.start("lbl")
            if pattern is LABEL_PATTERNS[4]:
                start = match.start() + len(match.group()) - len(match.group().lstrip())
            if any(abs(start - s) < 3 for s in labels):
                continue
            if pattern is LABEL_PATTERNS[1] and raw.isdigit() and raw not in plain and raw not in valid:
                continue
            candidates = normalise_label(raw, valid)
            if pattern is LABEL_PATTERNS[4] and not candidates:
                continue
            labels[start] = _Label(start=start, end=match.end(), raw=text[start:match.end()].strip(),
                                   candidates=candidates)
    return [labels[k] for k in sorted(labels)]


def _question_words(question: Question) -> set[str]:
    options = question.options if question.type == SELECT_ONE else []
    bag = " ".join([question.text, question.guidance, *question.parts, *options])
    return set(words(bag))


def _fuzzy_in(word: str, bag: set[str]) -> bool:
    if word in bag:
        return True
    return any((len(word) >= 6 and b[:6] == word[:6]) or (len(word) >= 4 and b.startswith(word)) for b in bag)


def _echo_end(text: str, start: int, limit: int, question: Question | None) -> int:
    """Where the echoed question (and echoed options) after a label ends, as an offset into text."""
    if question is None:
        # Unknown question: the echo is the label's own line up to a '?' (or the line).
        line_end = text.find("\n", start)
        line_end = limit if line_end < 0 or line_end > limit else line_end
        qmark = text.find("?", start, line_end)
        return qmark + 1 if qmark >= 0 else line_end
    bag = _question_words(question)
    q_words = words(question.text + " " + question.guidance)
    pos = start
    window_end = min(limit, start + max(ECHO_WINDOW, int(len(question.text) * 2.2) + 200))
    # 1. the label's own paragraph: align word by word with the question, allowing OCR junk
    para_end = text.find("\n", start)
    para_end = limit if para_end < 0 or para_end > limit else para_end
    j, misses, last = 0, 0, start
    for match in re.finditer(r"[A-Za-z'’*-]+|\?|\(|\)", text[start:para_end]):
        word_ = match.group().lower().strip("*").replace("’", "'")
        absolute = start + match.end()
        if word_ == "?":
            if j >= max(2, len(q_words) // 3):
                last = absolute
                break
            continue
        if word_ in "()":
            continue
        ahead = q_words[j:j + 4]
        if any(_same_word(word_, w) for w in ahead):
            step = next(k for k, w in enumerate(ahead) if _same_word(word_, w))
            j += step + 1
            misses = 0
            last = absolute
            if j >= len(q_words):
                tail = re.match(r"\s*[?:.]", text[absolute:para_end])
                last = absolute + (tail.end() if tail else 0)
                break
        else:
            misses += 1
            if misses > 2:
                break
    if last == start:
        qmark = text.find("?", start, para_end)
        last = qmark + 1 if 0 <= qmark < start + int(len(question.text) * 1.5) + 40 else start
    tail = re.match(r"[ \t]*[?:]", text[last:para_end])
    pos = last + (tail.end() if tail else 0)
    # 2. following short paragraphs that are fragments of the question or its options
    options = [o for o in (*question.options, *question.parts)]
    newline = text.find("\n", pos)
    for match in PARAGRAPH_RE.finditer(text, newline if 0 <= newline < window_end else window_end, limit):
        if match.start() >= window_end:
            break
        chunk = match.group().strip()
        if not chunk:
            continue
        chunk_words = [w for w in words(chunk) if w not in STOP_WORDS] or words(chunk)
        is_option = options and max(similarity([chunk], options)[0]) >= 0.8
        ratio = sum(_fuzzy_in(w, bag) for w in chunk_words) / len(chunk_words) if chunk_words else 0
        is_fragment = ((len(chunk) <= 160 and ratio >= 0.6) or (len(chunk) <= 400 and ratio >= 0.7)
                       and not YES_NO_RE.match(chunk))
        lines = [ln.strip() for ln in chunk.split("\n") if ln.strip()]
        if (question.type == SELECT_ONE and len(lines) == len(question.options) >= 2
                and all(max(similarity([ln], question.options)[0]) >= 0.8 for ln in lines)):
            pos = match.end()  # every option echoed, one a line
            continue
        if is_option and question.type in (YES_NO, YES_NO_DK, SELECT_ALL):
            break
        if is_option and not _starts_with_option_then_more(chunk, options):
            pos = match.end()
            continue
        if is_fragment and not is_option:
            pos = match.end()
            continue
        break
    return pos


def _same_word(word_: str, word: str) -> bool:
    return word_ == word or (len(word_) >= 5 and word[:5] == word_[:5]) or (len(word_) >= 3 and word.startswith(word_))


def _starts_with_option_then_more(chunk: str, options: list[str]) -> bool:
    for option in options:
        head = option.strip().rstrip(".;").lower()
        if chunk.lower().startswith(head[: max(6, len(head))]) and len(chunk) > len(head) + 8:
            return True
    return False


def _boundaries(text: str, questions: list[Question]) -> list[tuple[int, int]]:
    """(start, end) of section headings that end a passage (e.g. 'SECTION B:', 'PREVENTING DRUG USE')."""
    spans = [(m.start(), m.end()) for m in SECTION_RE.finditer(text)]
    sections = sorted({q.section for q in questions if q.section})
    if sections:
        for match in re.finditer(r"(?m)^[ \t]*([A-Z][A-Z ,&'’–-]{5,90})[ \t]*$", text):
            heading = match.group(1).strip()
            hw = set(words(heading))
            if len(hw) < 2:
                continue
            best = max(len(hw & set(words(s))) / len(hw) for s in sections)
            if best >= 0.6:
                spans.append((match.start(), match.end()))
    return sorted(spans)


def _question_like(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Short paragraphs ending in '?' (a damaged or unlabelled question echo)."""
    found = []
    for match in PARAGRAPH_RE.finditer(text, start, end):
        chunk = match.group().strip()
        if 8 <= len(chunk) <= 160 and chunk.endswith("?") and not chunk.startswith(('"', "“")):
            found.append((match.start(), match.end()))
    return found


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\n\r:–-—.":
        start += 1
    while end > start and text[end - 1] in " \t\n\r":
        end -= 1
    return start, end


def map_response(text: str, questions: list[Question]) -> list[Passage]:
    """Every passage of one response, in document order."""
    if not questions:
        return _map_unlabelled_document(text, [])
    by_id = {q.id: q for q in questions}
    order = {q.id: i for i, q in enumerate(questions)}
    labels = find_labels(text, questions)
    heads = _boundaries(text, questions)
    # Resolve damaged labels by meaning: the echo after the label against the candidates (or every question).
    for index, label in enumerate(labels):
        nxt = labels[index + 1].start if index + 1 < len(labels) else len(text)
        label.echo = text[label.end:min(nxt, label.end + 300)]
        exact = re.sub(r"[*\s.:–-]|Question|QUESTION|^Q", "", label.raw)
        if label.candidates and (label.candidates[0] == exact or len(label.candidates) == 1 and
                                 _echo_score(label.echo, by_id[label.candidates[0]]) > 0.2):
            continue
        pool = [by_id[c] for c in label.candidates] or questions
        scores = similarity([label.echo[:250]], [q.text + " " + q.guidance for q in pool])[0]
        best = int(scores.argmax())
        label.candidates = [pool[best].id] if scores[best] >= MEANING_THRESHOLD else []
    # Cut points: labels, headings, question-like paragraphs not inside an echo.
    if not labels:
        return _map_unlabelled_document(text, questions)
    cuts: list[tuple[int, int, str, _Label | None]] = [(lb.start, lb.end, "label", lb) for lb in labels]
    cuts += [(s, e, "heading", None) for s, e in heads if not any(lb.start <= s < lb.end for lb in labels)]
    cuts.sort(key=lambda c: c[0])
    passages: list[Passage] = []
    positions = [c[0] for c in cuts] + [len(text)]
    # The text before the first cut.
    if cuts:
        passages += _unlabelled(text, 0, cuts[0][0], questions, None, _next_qid(cuts, 0))
    else:
        return _map_unlabelled_document(text, questions)
    for index, (_cstart, cend, kind, label) in enumerate(cuts):
        limit = positions[index + 1]
        if kind == "heading":
            prev_q = next((p.question for p in reversed(passages) if p.question), None)
            passages += _unlabelled(text, cend, limit, questions, prev_q, _next_qid(cuts, index + 1), heading=True)
            continue
        qid = label.candidates[0] if label.candidates else None
        question = by_id.get(qid) if qid else None
        echo_end = _echo_end(text, cend, limit, question)
        # Question-like paragraphs after the echo may start an unlabelled passage (a label lost to OCR).
        inner_cuts = [s for s, e in _question_like(text, max(echo_end, cend + ECHO_WINDOW), limit)]
        split_at = limit
        extra: list[Passage] = []
        if inner_cuts and qid:
            following = _next_qid(cuts, index + 1)
            extra_candidates = _between(questions, order, qid, following)
            for s in inner_cuts:
                chunk = text[s:text.find("\n", s) if text.find("\n", s) > 0 else limit]
                if extra_candidates:
                    scores = similarity([chunk], [q.text for q in extra_candidates])[0]
                    if scores.max() >= MEANING_THRESHOLD:
                        split_at = s
                        extra = _unlabelled(text, s, limit, questions, qid, following)
                        break
        start, end = _trim(text, echo_end, split_at)
        how = LABELLED if _label_is_exact(label) else DAMAGED
        if question is None:
            how = GENERAL
        passage = Passage(question=qid, how=how, start=start, end=end, text=text[start:end], label=label.raw,
                          label_start=label.start, label_end=label.end)
        passages.append(passage)
        passages += extra
    passages = [p for p in passages if p.text.strip() or p.label]
    for passage in passages:
        _references(passage, by_id)
        if passage.question:
            passage.closed = closed_answer(passage.text, by_id[passage.question])
    _resolve_cross_references(passages, by_id)
    return passages


def _label_is_exact(label: _Label) -> bool:
    core = re.sub(r"^(?:\*\*)?(?:Question|QUESTION|Q)\s*", "", label.raw)
    core = re.sub(r"[\s:.\-–]+$", "", core)
    return bool(label.candidates) and core == label.candidates[0]


def _echo_score(echo: str, question: Question) -> float:
    return float(similarity([echo[:250]], [question.text + " " + question.guidance])[0][0])


def _next_qid(cuts, index: int) -> str | None:
    for _s, _e, kind, label in cuts[index:]:
        if kind == "label" and label.candidates:
            return label.candidates[0]
    return None


def _between(questions, order, before: str | None, after: str | None) -> list[Question]:
    lo = order.get(before, -1) if before else -1
    hi = order.get(after, len(questions)) if after else len(questions)
    return [q for q in questions if lo < order[q.id] < hi]


def _unlabelled(text: str, start: int, end: int, questions: list[Question], before: str | None,
                after: str | None, heading: bool = False) -> list[Passage]:
    """Text between cuts that no label claims: options lists, question-like openings, or general points."""
    start, end = _trim(text, start, end)
    if start >= end:
        return []
    order = {q.id: i for i, q in enumerate(questions)}
    candidates = _between(questions, order, before, after)
    # A list of a closed question's options (e.g. the aims, three marked "(Priority)").
    select = [q for q in questions if q.type in (SELECT_ALL, SELECT_ONE) and len(q.options) >= 3]
    paragraphs = [m for m in PARAGRAPH_RE.finditer(text, start, end) if m.group().strip()]
    for question in select:
        hits = sum(1 for m in paragraphs if max(similarity([m.group()], question.options)[0]) >= 0.55)
        if paragraphs and hits >= max(3, len(paragraphs) // 2):
            first = next(m for m in paragraphs if max(similarity([m.group()], question.options)[0]) >= 0.55)
            s, e = _trim(text, first.start(), end)
            hs, he = _trim(text, start, first.start())
            head = [] if hs >= he else [Passage(None, GENERAL, hs, he, text[hs:he])]
            return head + [Passage(question.id, OPTIONS, s, e, text[s:e], score=round(hits / len(paragraphs), 3))]
    # An opening that reads like one of the questions between the neighbouring answers.
    for qs, qe in _question_like(text, start, end):
        if not candidates:
            break
        chunk = text[qs:qe]
        scores = similarity([chunk], [q.text for q in candidates])[0]
        best = int(scores.argmax())
        if scores[best] >= MEANING_THRESHOLD:
            s, e = _trim(text, qe, end)
            hs, he = _trim(text, start, qs)
            head = [] if hs >= he else [Passage(None, GENERAL, hs, he, text[hs:he])]
            return head + [Passage(candidates[best].id, MEANING, s, e, text[s:e], label=chunk.strip(),
                                   label_start=qs, label_end=qe, score=round(float(scores[best]), 3))]
    return [Passage(None, GENERAL, start, end, text[start:end])]


#: Meaning-based mapping of unlabelled paragraphs (constants and patterns chosen on the documents of
#: tests/data/voice/unlabelled except the 'fresh-4' part; docs/voice.md says which part was used when).
CONTEXT_WEIGHT = 0.4     # share of a question's score from the paper's explanation before it
CLOSED_BONUS = 0.2       # the paragraph picks options of a select question
YES_NO_BONUS = (0.15, 0.05)  # opens "Yes." / "Yes ..." for a yes/no question
CLOSED_PENALTY = 0.2     # a closed question (no explanation invited) whose answer the paragraph does not give,
#                          waived for the paragraph right after the closed answer when it carries on the question
YES_NO_PENALTY = 0.15    # the same for a yes/no question (a stance without 'Yes'/'No': "I'd rather it stayed")
BACKWARDS = 0.05         # answering an earlier question than the one before (documents mostly follow the paper)
CONTINUE = 0.03          # the same question as the paragraph before
CONTINUE_CUE = 0.25      # ... when the paragraph opens "Also", "And", "Another thing", "As well as that"
GENERAL_WEIGHT, GENERAL_EDGE, GENERAL_SELF = 0.6, 0.05, 0.3
YES_NO_OPEN_RE = re.compile(r"^\s*(yes|no(?!\s+(?:one|body|longer|matter|doubt|more)\b)|don'?t know|not sure)\b"
                            r"([.,:;!—–-])?", re.I)
#: Openings that carry on from the paragraph before (the same question, a further point).
CONTINUE_RE = re.compile(r"^\s*(?:also|and|plus|another(?: thing| point)?|as well(?: as that)?|on top of (?:that|this)|"
                         r"in addition|furthermore|what is more|the same (?:goes|applies))\b", re.I)
SELF_RE = re.compile(r"^\s*(?:(?:I am|I'm) (?:a|an|the|one|writing|responding|part|\d{2}\b)|I have been|I work|We are|We're|"
                     r"Our organisation|This response|These are the (?:[a-z]+ )?views|This is the response|Response from|"
                     r"On behalf of|Thank you|I (?:go to|attend|come to|use|visit) the [^.]{0,60}?\b(?:every|each|once|twice|"
                     r"weekly|daily)|(?:These|The following|Our) (?:comments|views|answers|responses|points) "
                     r"(?:are|come|were)|(?:Written|Submitted|Prepared|Put together|Compiled) by)\b"
                     r"|^[^.]{0,80}\bis an? (?:[a-z]+ ){0,3}(?:charity|group|organisation|organization|association|service|"
                     r"forum|project|team)\b"
                     # an organisation introducing itself: "Riverside Women's Centre runs a weekly drop-in ..."
                     r"|^\s*(?-i:(?:The )?(?:[A-Z][\w'’&-]*\s+){1,6})(?:runs|supports|provides|represents|works with|helps)\b",
                     re.I)
#: What a point outside the questions reads like: who is responding, thanks, requests about the response.
GENERAL_PROTOTYPES = [
    "I am writing as someone who uses the service, on my own behalf.",
    "We are a local charity and this is our organisation's response to the consultation.",
    "This response is from our team, agreed at our meeting by our members.",
    "Thank you for the opportunity to respond. We would be happy to discuss our views further.",
    "Please keep my response confidential and anonymous.",
    "I work as a professional in this area and have many years of experience.",
    "I use the service regularly and have done for some years.",
    "Our organisation works with people across the area and helps several hundred of them each year.",
    "These are the combined views of our staff team.",
    "That is all I have to say. Good luck with your plans.",
]


#: The interrogative opening of a question ("What should", "How could", "What more should"): an answer is a
#: statement about the rest ("peer mentors be trained to do"), so the rest is embedded again on its own.
INTERROGATIVE_RE = re.compile(r"^(?:what|how|which|who|why|when|where)\s+(?:more\s+)?(?:should|could|would|do|does|did|is|"
                              r"are|can|stops?)\s+", re.I)


def question_target(question: Question) -> str:
    """What a paragraph is compared with: the question, its statement form, guidance, options and parts."""
    title = question.title.strip()
    statement = INTERROGATIVE_RE.sub("", title).rstrip("?") if INTERROGATIVE_RE.match(title) else ""
    return " ".join([question.title, statement, question.guidance, *question.options, *question.parts]).strip()


@dataclass
class Evidence:
    """What ``align`` weighs for each paragraph (rows) against each question (columns)."""

    scores: np.ndarray    # likeness to the question and the paper's explanation before it, closed-answer bonuses
    general: np.ndarray   # likeness to a point outside the questions
    penalty: np.ndarray   # a closed question's answer not given (none right after the closed answer)
    stay: np.ndarray      # the gain for answering the same question as the paragraph before


def meaning_evidence(paragraphs: list[str], questions: list[Question]) -> Evidence:
    """Sentence embeddings (all-MiniLM-L6-v2) of each paragraph against the question and the paper's
    explanation before it, plus evidence from closed answers (a "Yes." opening, options picked) and from
    openings that carry on from the paragraph before ("Also ...": read together with that paragraph, and a
    gain for staying on its question)."""
    from .embeddings import embed

    vectors = embed(paragraphs)
    # A paragraph that carries on from the one before ("Also a supervised consumption room.") is read with it:
    # its topic is often only in the paragraph it continues.
    carries_on = [i > 0 and bool(CONTINUE_RE.match(p)) for i, p in enumerate(paragraphs)]
    read_as = embed([paragraphs[i - 1] + "\n" + p if carries_on[i] else p for i, p in enumerate(paragraphs)])
    targets = embed([question_target(q) for q in questions])
    contexts = embed([q.context or question_target(q) for q in questions])
    scores = (1 - CONTEXT_WEIGHT) * (read_as @ targets.T) + CONTEXT_WEIGHT * (read_as @ contexts.T)
    penalty = np.zeros_like(scores)
    answered = np.zeros_like(scores, dtype=bool)  # the paragraph gives the closed answer to the question
    for i, paragraph in enumerate(paragraphs):
        opening = YES_NO_OPEN_RE.match(paragraph)
        for j, question in enumerate(questions):
            if question.type in (YES_NO, YES_NO_DK):
                if opening:
                    scores[i, j] += YES_NO_BONUS[0] if opening.group(2) else YES_NO_BONUS[1]
                    answered[i, j] = True
                else:
                    penalty[i, j] = YES_NO_PENALTY
            elif question.type in (SELECT_ALL, SELECT_ONE):
                if closed_answer(paragraph, question):
                    scores[i, j] += CLOSED_BONUS
                    answered[i, j] = True
                elif not question.explain:
                    penalty[i, j] = CLOSED_PENALTY
    # The paragraph right after a closed answer may explain it: no penalty there for carrying on.
    penalty[1:][answered[:-1]] = 0.0
    general = GENERAL_WEIGHT * (vectors @ embed(GENERAL_PROTOTYPES).T).max(axis=1)
    if len(general):
        general[0] += GENERAL_EDGE
        general[-1] += GENERAL_EDGE
    general += np.array([GENERAL_SELF if SELF_RE.search(p) else 0.0 for p in paragraphs])
    stay = np.array([CONTINUE + (CONTINUE_CUE if cue else 0.0) for cue in carries_on])
    return Evidence(scores, general, penalty, stay)


def meaning_scores(paragraphs: list[str], questions: list[Question]) -> tuple[np.ndarray, np.ndarray]:
    """(paragraphs × questions scores with closed-answer penalties, each paragraph's score as a point outside
    the questions): ``meaning_evidence`` as two arrays."""
    evidence = meaning_evidence(paragraphs, questions)
    return evidence.scores - evidence.penalty, evidence.general


def align(scores: np.ndarray | Evidence, general: np.ndarray | None = None) -> list[int | None]:
    """The best question (index) or None for each paragraph in turn, by dynamic programming: the paragraph's
    scores less their penalties, a small cost for going back to an earlier question and a gain for staying on
    one (larger after "Also ...")."""
    if isinstance(scores, Evidence):
        evidence = scores
    else:
        evidence = Evidence(scores, general, np.zeros_like(scores), np.full(scores.shape[0], CONTINUE))
    scores, general, penalty, stay = evidence.scores, evidence.general, evidence.penalty, evidence.stay
    n, m = scores.shape
    if m == 0:
        return [None] * n
    neg = -1e18
    best = np.full((n + 1, m + 1), neg)  # state j: the last question answered (index + 1; 0: none yet)
    best[0, 0] = 0.0
    back: dict[tuple[int, int], tuple[int, int | None]] = {}
    for i in range(n):
        for j in range(m + 1):
            here = best[i, j]
            if here <= neg:
                continue
            if here + general[i] > best[i + 1, j]:
                best[i + 1, j] = here + general[i]
                back[i + 1, j] = (j, None)
            for q in range(m):
                value = here + scores[i, q] - penalty[i, q]
                if q + 1 == j:
                    value += stay[i]
                elif j and q + 1 < j:
                    value -= BACKWARDS
                if value > best[i + 1, q + 1]:
                    best[i + 1, q + 1] = value
                    back[i + 1, q + 1] = (j, q)
    j = int(np.argmax(best[n]))
    chosen: list[int | None] = []
    for i in range(n, 0, -1):
        j_before, q = back[i, j]
        chosen.append(q)
        j = j_before
    return chosen[::-1]


def choice_margins(evidence: Evidence, chosen: list[int | None]) -> list[float]:
    """For each paragraph, its chosen question's score (or its "outside" score, when none was chosen) less the
    best of the others, rounded to three places: negative where the document order overruled the paragraph's
    own best."""
    options = np.hstack([evidence.scores - evidence.penalty, evidence.general[:, None]])
    margins = []
    for row, q in zip(options, chosen, strict=True):
        k = len(row) - 1 if q is None else q
        margins.append(round(float(row[k] - np.delete(row, k).max()), 3))
    return margins


def _map_unlabelled_document(text: str, questions: list[Question]) -> list[Passage]:
    """No labels at all: each paragraph to the question it reads like (in document order, see ``align``);
    runs of one question are merged into one passage."""
    paragraphs = [m for m in PARAGRAPH_RE.finditer(text) if m.group().strip()]
    if not paragraphs:
        return []
    if questions:
        evidence = meaning_evidence([m.group() for m in paragraphs], questions)
        scores = evidence.scores - evidence.penalty
        chosen = align(evidence)
        margins = choice_margins(evidence, chosen)
    else:
        scores, chosen = np.zeros((len(paragraphs), 1)), [None] * len(paragraphs)
        margins = [None] * len(paragraphs)
    passages: list[Passage] = []
    for match, row, q, margin in zip(paragraphs, scores, chosen, margins, strict=True):
        qid = questions[q].id if q is not None else None
        s, e = _trim(text, match.start(), match.end())
        score = round(float(row[q]), 3) if q is not None else 0.0
        if passages and passages[-1].question == qid and passages[-1].how in (MEANING, GENERAL):
            passages[-1].end = e
            passages[-1].text = text[passages[-1].start:e]
            if margin is not None:
                passages[-1].margin = min(passages[-1].margin, margin)
            continue
        passages.append(Passage(qid, MEANING if qid else GENERAL, s, e, text[s:e], score=score, margin=margin))
    by_id = {q.id: q for q in questions}
    for passage in passages:
        _references(passage, by_id)
        if passage.question:
            passage.closed = closed_answer(passage.text, by_id[passage.question])
    _resolve_cross_references(passages, by_id)
    return passages


ANALYST = "analyst"


def remap(passages: list[Passage | dict], index: int, question: Question | None) -> Passage | dict:
    """An analyst moves passage ``index`` to another question (or, with None, outside the questions).

    The passage keeps its text and source offsets; ``how`` becomes ``analyst`` and the closed answer is read
    again for the new question. Works on Passage objects and on their dicts (analysis.json)."""
    if not 0 <= index < len(passages):
        raise ValueError(f"There is no passage {index}")
    passage = passages[index]
    is_dict = isinstance(passage, dict)
    text = passage["text"] if is_dict else passage.text
    closed = closed_answer(text, question) if question is not None else None
    values = {"question": question.id if question else None, "how": ANALYST, "closed": closed, "score": 1.0,
              "margin": None}
    if is_dict:
        passage.update(values)
    else:
        for key, value in values.items():
            setattr(passage, key, value)
    return passage


def _references(passage: Passage, by_id: dict[str, Question]) -> None:
    refs = []
    for match in REFERENCE_RE.finditer(passage.text):
        for candidate in normalise_label(match.group("id"), set(by_id)):
            if candidate != passage.question and candidate not in refs:
                refs.append(candidate)
            break
    passage.references = refs


def _resolve_cross_references(passages: list[Passage], by_id: dict[str, Question]) -> None:
    for index, passage in enumerate(passages):
        match = CROSS_REF_ONLY_RE.match(passage.text)
        if not match or not passage.question:
            continue
        target = match.group("a") or match.group("b")
        if target:
            hit = next((i for i, p in enumerate(passages) if p.question == target.upper() and i != index), None)
        else:
            earlier = [(i, p) for i, p in enumerate(passages[:index]) if p.text.strip()]
            if not earlier:
                continue
            question = by_id[passage.question]
            scores = similarity([" ".join([question.text, *question.options])], [p.text for _i, p in earlier])[0]
            hit = earlier[int(scores.argmax())][0]
            if passage.how in (LABELLED, DAMAGED) and passages[hit].question is None:
                passages[hit].question = passage.question
                passages[hit].how = CROSS_REFERENCE
        if hit is not None:
            passage.resolved_to = hit
            passage.how = CROSS_REFERENCE if passage.how == GENERAL else passage.how
            if passages[hit].closed and not passage.closed:
                passage.closed = passages[hit].closed


def closed_answer(text: str, question: Question) -> dict | None:
    """The closed part of an answer: Yes / No / Don't know, or the options chosen (with offsets in the passage)."""
    if question.type == OPEN:
        return None
    if question.type in (YES_NO, YES_NO_DK):
        match = YES_NO_RE.match(text)
        if not match:
            return None
        word = match.group("answer").lower().replace("’", "'")
        answer = "Yes" if word == "yes" else "No" if word == "no" else "Don't know"
        if answer == "Don't know" and question.type == YES_NO:
            return None
        return {"answer": answer, "chosen": [answer], "at": [match.start("answer"), match.end("answer")]}
    options = question.options
    if not options:
        return None
    chosen: list[str] = []
    at: list[list[int]] = []
    paragraphs = [m for m in re.finditer(r"[^\n]+", text) if m.group().strip()]
    listed = []
    for m in paragraphs:
        line = m.group().strip()
        line_clean = re.sub(r"^[-•*]\s*", "", line)
        letter = re.match(r"^\(?([a-hA-H])\)?\s*(?:[–—-]|\))\s*", line_clean)
        if letter and question.type == SELECT_ONE and len(options) <= 8:
            position = ord(letter.group(1).lower()) - ord("a")
            if 0 <= position < len(options):
                listed.append((position, m, True))
                continue
        scores = similarity([line_clean[:200]], options)[0]
        best = int(scores.argmax())
        prefix = [i for i, o in enumerate(options) if line_clean.lower().startswith(o.lower().rstrip(".")[:25])]
        if prefix:
            best = prefix[0]
        if prefix or (scores[best] >= 0.75 and len(line_clean) < len(options[best]) * 1.5 + 20):
            marked = bool(MARKER_RE.search(line)) or (bool(prefix) and len(line_clean) > len(options[best]) + 10)
            listed.append((best, m, marked))
    if not listed:
        return None
    any_marked = any(marked for _b, _m, marked in listed)
    distinct = {b for b, _m, _k in listed}
    for best, m, marked in listed:
        real = [o for o in options if not o.lower().startswith("none")]
        take = marked if any_marked else len(distinct) < len(real) or question.type == SELECT_ALL and len(real) < 3
        if take and options[best] not in chosen:
            chosen.append(options[best])
            at.append([m.start(), m.end()])
    if question.type == SELECT_ONE:
        chosen, at = chosen[-1:], at[-1:]
    if not chosen:
        return None
    return {"answer": "; ".join(chosen), "chosen": chosen, "at": at[0] if len(at) == 1 else at}
