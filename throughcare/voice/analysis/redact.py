"""Personal data redaction before publication: Presidio run fully offline plus rules.

Presidio's AnalyzerEngine runs on a *blank* spaCy English pipeline (no model download) with only the
recognisers registered here — none of Presidio's predefined ones, so nothing reaches for the Public Suffix
List (tldextract) or a model. UK recognisers: NHS number (10 digits, modulus 11 check digit), National
Insurance number (HMRC prefix rules), UK postcode, UK phone number, email, street address; names of
individuals by rule: a title (Mr, Mrs, Ms, Dr …) or a first name from a gazetteer followed by a capitalised
surname. Every redaction is listed (entity, offsets, text) for an analyst to check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FIRST_NAMES = frozenset((Path(__file__).with_name("first_names.txt")).read_text().split())
TITLE_RE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Baroness|Lord|Lady|Rev|Cllr)\.?"

PATTERNS = {
    "EMAIL_ADDRESS": [r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b"],
    "UK_NHS": [r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b"],
    # Any two letters: HMRC's prefix rules would let a mistyped number through to publication.
    "UK_NINO": [r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"],
    "UK_POSTCODE": [r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b"],
    "PHONE_NUMBER": [r"(?<![\d])(?:\+44\s?\(?0?\)?\s?|\(?0)(?:\d\s?\)?[\s-]?){9,10}(?![\d])"],
    "STREET_ADDRESS": [r"\b\d{1,4}[A-Za-z]?,? (?:[A-Z][a-z]+ ){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|"
                       r"Way|Crescent|Terrace|Place|Court|Gardens|Grove|Square|Walk|Row|Hill|Park)\b"],
    "PERSON": [rf"\b{TITLE_RE} (?:[A-Z]\.? )?[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+)?\b"],
}
FLAGS = re.DOTALL | re.MULTILINE  # not Presidio's default IGNORECASE: names and postcodes are capitalised
STRUCTURED = ("EMAIL_ADDRESS", "UK_NHS", "UK_NINO", "UK_POSTCODE", "PHONE_NUMBER")
PLACEHOLDER = {"EMAIL_ADDRESS": "[email]", "UK_NHS": "[NHS number]", "UK_NINO": "[NI number]",
               "UK_POSTCODE": "[postcode]", "PHONE_NUMBER": "[phone]", "STREET_ADDRESS": "[address]",
               "PERSON": "[name]"}


def nhs_number_valid(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if len(digits) != 10:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


@dataclass
class Redaction:
    entity: str
    start: int
    end: int
    text: str
    score: float

    def as_dict(self) -> dict:
        return {"entity": self.entity, "start": self.start, "end": self.end, "text": self.text,
                "score": round(self.score, 2)}


@lru_cache(maxsize=1)
def analyzer():
    import spacy
    from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

    class BlankSpacyEngine(NlpEngine):
        """A blank spaCy English tokenizer: no statistical model, nothing downloaded."""

        def __init__(self):
            self.nlp = spacy.blank("en")

        def load(self):
            return None

        def is_loaded(self):
            return True

        def get_supported_languages(self):
            return ["en"]

        def get_supported_entities(self):
            return []

        def process_text(self, text, language):
            doc = self.nlp(text)
            return NlpArtifacts(entities=[], tokens=doc, tokens_indices=[t.idx for t in doc],
                                lemmas=[t.text.lower() for t in doc], nlp_engine=self, language=language)

        def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):
            for text in texts:
                yield text, self.process_text(text, language)

        def is_stopword(self, word, language):
            return self.nlp.vocab[word].is_stop

        def is_punct(self, word, language):
            return bool(re.fullmatch(r"\W+", word))

    class NhsRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text):
            return nhs_number_valid(pattern_text)

    registry = RecognizerRegistry(supported_languages=["en"])
    for entity, patterns in PATTERNS.items():
        cls = NhsRecognizer if entity == "UK_NHS" else PatternRecognizer
        registry.add_recognizer(cls(supported_entity=entity, supported_language="en",
                                    patterns=[Pattern(entity.lower(), p, 0.6) for p in patterns],
                                    global_regex_flags=FLAGS))
    registry.add_recognizer(GazetteerNameRecognizer(PatternRecognizer))
    return AnalyzerEngine(nlp_engine=BlankSpacyEngine(), registry=registry, supported_languages=["en"])


def GazetteerNameRecognizer(base):  # noqa: N802 - a recogniser factory
    from presidio_analyzer import Pattern

    class _Names(base):
        """A first name from the gazetteer followed by a capitalised surname ("Anna Page")."""

        def __init__(self):
            names = "|".join(sorted(FIRST_NAMES))
            super().__init__(supported_entity="PERSON", supported_language="en", global_regex_flags=FLAGS,
                             patterns=[Pattern("first_last", rf"\b(?:{names}) [A-Z][a-z'’-]+\b", 0.5)])

    return _Names()


def find(text: str) -> list[Redaction]:
    results = analyzer().analyze(text=text, language="en")
    spans = sorted(results, key=lambda r: (r.start, -(r.end - r.start)))
    kept: list[Redaction] = []
    for r in spans:
        if kept and r.start < kept[-1].end:
            continue
        end = r.start + len(text[r.start:r.end].rstrip())
        kept.append(Redaction(r.entity_type, r.start, end, text[r.start:end], r.score))
    return kept


def redact(text: str) -> tuple[str, list[Redaction]]:
    """The text with personal data replaced by placeholders, and the list of what was replaced."""
    found = find(text)
    out, last = [], 0
    for item in found:
        out.append(text[last:item.start])
        out.append(PLACEHOLDER[item.entity])
        last = item.end
    out.append(text[last:])
    return "".join(out), found


def structured_left(text: str) -> list[str]:
    """Structured identifiers still in a text (the publication check: must be empty)."""
    left = []
    for entity in STRUCTURED:
        for pattern in PATTERNS[entity]:
            for match in re.finditer(pattern, text):
                if entity == "UK_NHS" and not nhs_number_valid(match.group()):
                    continue
                left.append(f"{entity}: {match.group()}")
    return left
