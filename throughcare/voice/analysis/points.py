"""Points (the units themes are found in), campaign variations, coding a question's points, and quotes.

A point is a paragraph of an answer (a bullet list's items are points of their own) with its exact source:
``document`` (the response file, or ``file.csv#respondent:column``), ``start``/``end`` offsets into that
document's text (``read_text``), so ``source[start:end] == text``. Its id is
``respondent|question|answer index|n`` (question empty for points outside the questions).
"""

from __future__ import annotations

import re

from . import campaigns, themes
from .redact import redact, structured_left

MIN_POINT = 20
ITEM_RE = re.compile(r"(?m)^[ \t]*(?:[-•*▪●]|\d{1,2}[.)])[ \t]+\S.*$")
PARAGRAPH_RE = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")
QUOTE_LIMIT = 320
QUOTES_PER_THEME = 2
#: Candidate themes (not yet approved) are coded against the points nearest their centre.
PROTOTYPE_POINTS = 20


def spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each point in an answer's text: paragraphs, with list items split out."""
    found = []
    for match in PARAGRAPH_RE.finditer(text):
        items = list(ITEM_RE.finditer(text, match.start(), match.end()))
        pieces = [(m.start(), m.end()) for m in items] if len(items) >= 2 else [(match.start(), match.end())]
        for start, end in pieces:
            chunk = text[start:end]
            start += len(chunk) - len(chunk.lstrip())
            end = start + len(chunk.strip())
            if end - start >= MIN_POINT:
                found.append((start, end))
    return found


def question_points(people: list[dict], question_id: str | None, standards: dict[str, str]) -> list[dict]:
    """The points of every answer to one question (None: the passages outside the questions).

    standards: {campaign member id: standard response id}. A campaign member's points are left out where the
    standard response says the same; the sentences the member added are points of their own (variations)."""
    by_id = {p["id"]: p for p in people}
    out = []
    for person in people:
        answers = [(i, a) for i, a in enumerate(person["answers"]) if a["question"] == question_id]
        standard = standards.get(person["id"])
        standard_text = ""
        if standard:
            standard_text = " ".join(a["text"] for a in by_id[standard]["answers"] if a["question"] == question_id)
        for index, answer in answers:
            for n, (s, e) in enumerate(spans(answer["text"])):
                pieces = [(s, e)]
                if standard:
                    pieces = [(s + a, s + b) for a, b in campaigns.variation_spans(standard_text, answer["text"][s:e])]
                for m, (ps, pe) in enumerate(pieces):
                    if pe - ps < MIN_POINT and standard:
                        continue
                    point_id = f"{person['id']}|{question_id or ''}|{index}|{n}" + (f"v{m}" if standard else "")
                    out.append({"id": point_id, "respondent": person["id"], "question": question_id,
                                "answer": index, "document": answer.get("document", person["source"]),
                                "start": answer["start"] + ps, "end": answer["start"] + pe,
                                "text": answer["text"][ps:pe], "variation_of": standard})
    return out


def coder_themes(theme_list: list[dict], texts: dict[str, str]) -> list[dict]:
    """Theme dicts for the Coder: an analyst's description when there is one, otherwise (a candidate theme)
    the points nearest its centre stand for it."""
    out = []
    for theme in theme_list:
        item = {"id": theme["id"], "label": theme["label"], "description": theme.get("description", "")}
        if not item["description"]:
            members = [m for m in theme.get("representatives", []) + theme.get("members", []) if m in texts]
            item["texts"] = [texts[m] for m in dict.fromkeys(members)][:PROTOTYPE_POINTS]
        out.append(item)
    return out


def code_points(theme_list: list[dict], points: list[dict], coded_sample: dict[str, list[str]] | None = None,
                review_below: float = 0.35) -> list[dict]:
    """Every point coded against the themes: theme ids, stance per theme, confidence, review flag."""
    texts = {p["id"]: p["text"] for p in points}
    if not theme_list or not texts:
        return []
    items = coder_themes(theme_list, texts)
    if coded_sample:
        coder = themes.train(items, {k: v for k, v in coded_sample.items() if k in texts}, texts,
                             review_below=review_below)
    else:
        coder = themes.Coder(items, review_below=review_below)
    return [{"point": c.response_id, "theme_ids": c.theme_ids, "stances": c.stances, "stance": c.stance,
             "confidence": c.confidence, "review": c.review, "scores": c.scores} for c in coder.code(texts)]


def theme_output(theme: dict, points: list[dict], assignments: list[dict], people: list[dict],
                 members_of: dict[str, list[str]], redactions: list, withheld: list) -> dict:
    """A theme as analysis.json holds it: members from the coding, respondents (campaign members counted
    through their standard response), stances, and quotes that pass the publication check."""
    by_point = {p["id"]: p for p in points}
    coded = [a for a in assignments if theme["id"] in a["theme_ids"]]
    members = [a["point"] for a in coded]
    respondents = sorted({by_point[m]["respondent"] for m in members})
    through_campaign = sorted({member for r in respondents for member in members_of.get(r, [])} - set(respondents))
    stances = {}
    for a in coded:
        stance = a["stances"].get(theme["id"], a["stance"])
        stances[stance] = stances.get(stance, 0) + 1
    ordered = sorted(coded, key=lambda a: (-a["scores"].get(theme["id"], 0), a["point"]))
    quotes = quotes_for([by_point[a["point"]] for a in ordered], people, redactions, withheld)
    out = {k: v for k, v in theme.items() if k not in ("texts",)}
    return out | {"members": members, "respondents": sorted(set(respondents) | set(through_campaign)),
                  "campaign_respondents": through_campaign, "stances": dict(sorted(stances.items())),
                  "quotes": quotes}


def quotes_for(candidates: list[dict], people: list[dict], redactions: list, withheld: list,
               limit: int = QUOTES_PER_THEME) -> list[dict]:
    """Verbatim quotes (redacted) from respondents who allowed publication; a quote in which any structured
    identifier is left after redaction is withheld (listed in ``withheld``), never published."""
    publishable = {p["id"]: p for p in people if p["publish"] in ("name", "anonymous")}
    quotes, used = [], set()
    for point in candidates:
        rid = point["respondent"]
        if rid not in publishable or rid in used or len(quotes) >= limit:
            continue
        start, end, text = point["start"], point["end"], point["text"]
        if len(text) > QUOTE_LIMIT:
            cuts = [m.end() for m in re.finditer(r"[.!?](?=\s)", text[:QUOTE_LIMIT])]
            keep = cuts[-1] if cuts else QUOTE_LIMIT
            text, end = text[:keep], start + keep
        cleaned, found = redact(text)
        left = structured_left(cleaned)
        if left:
            withheld.append({"point": point["id"], "respondent": rid, "reason": "identifier left after redaction",
                             "entities": sorted({item.split(":")[0] for item in left})})
            continue
        for item in found:
            redactions.append({"respondent": rid, "point": point["id"], "document": point["document"]}
                              | item.as_dict() | {"source_start": start + item.start, "source_end": start + item.end})
        person = publishable[rid]
        quotes.append({"point": point["id"], "respondent": rid,
                       "attribution": person["name"] if person["publish"] == "name" else "A respondent",
                       "document": point["document"], "start": start, "end": end, "text": cleaned,
                       "redactions": len(found)})
        used.add(rid)
    return quotes
