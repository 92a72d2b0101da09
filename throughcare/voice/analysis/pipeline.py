"""End to end: paper + responses → analysis.json (schema in docs/voice.md), summary.html and summary.pdf."""

from __future__ import annotations

import re
from pathlib import Path

from . import campaigns, themes
from .documents import read_responses_csv, read_text
from .mapping import PARAGRAPH_RE, Passage, closed_answer, map_response
from .paper import OPEN, parse_paper
from .redact import redact

SCHEMA_VERSION = 1
PUBLISH_CHOICES = ("name", "anonymous", "no")


def _respondent_name(text: str, fallback: str) -> str:
    for line in text.split("\n"):
        line = line.strip()
        if line and not re.match(r"^(www\.|https?:)", line):
            return line[:120]
    return fallback


def analyse(paper: Path, responses: list[Path], respondents: dict[str, dict] | None = None,
            decisions: list[dict] | None = None, title: str = "") -> dict:
    """respondents: optional {file stem or respondent id: {name, type, publish}}; unknown → not published."""
    respondents = respondents or {}
    paper_text = read_text(paper)
    questions = parse_paper(paper_text)
    by_id = {q.id: q for q in questions}
    people: list[dict] = []
    for path in responses:
        if path.suffix.lower() == ".csv":
            for row in read_responses_csv(path):
                meta = respondents.get(row.respondent_id, {})
                answers = []
                for qid, value in row.answers.items():
                    if qid not in by_id:
                        continue
                    passage = Passage(qid, "csv", 0, len(value), value)
                    passage.closed = closed_answer(value, by_id[qid])
                    answers.append(passage.as_dict() | {"column": qid})
                people.append(_person(row.respondent_id, f"{path.name}#{row.respondent_id}", meta,
                                      row.name, row.respondent_type, row.publish, answers, " ".join(row.answers.values())))
            continue
        text = read_text(path)
        meta = respondents.get(path.stem, {})
        passages = [p.as_dict() for p in map_response(text, questions)]
        people.append(_person(path.stem, path.name, meta, _respondent_name(text, path.stem), "", "", passages, text))
    groups = campaigns.find_groups({p["id"]: p["_text"] for p in people})
    in_campaign = {m: g for g in groups for m in g.members if g.kind == "campaign"}
    analysed_once = {m for g in groups if g.kind == "campaign" for m in g.members if m != g.standard_id}
    theme_sets, redactions = {}, []
    for question in questions:
        if question.type != OPEN and not question.explain:
            continue
        points = {}
        for person in people:
            if person["id"] in analysed_once:
                continue
            for index, answer in enumerate(a for a in person["answers"] if a["question"] == question.id):
                for n, match in enumerate(PARAGRAPH_RE.finditer(answer["text"])):
                    chunk = match.group().strip()
                    if len(chunk) >= 20:
                        points[f"{person['id']}|{question.id}|{index}|{n}"] = chunk
        if not points:
            continue
        proposed = themes.propose(points)
        theme_sets[question.id] = [_theme_out(t, points, people, redactions) for t in proposed]
    for person in people:
        person.pop("_text")
    result = {
        "schema_version": SCHEMA_VERSION,
        "title": title or _respondent_name(paper_text, paper.stem),
        "paper": paper.name,
        "questions": [q.as_dict() for q in questions],
        "respondents": people,
        "themes": theme_sets,
        "campaigns": [g.as_dict() for g in groups],
        "redactions": redactions,
        "decisions": decisions or [],
        "thresholds": QUANTIFIERS_DOC,
    }
    result["tallies"] = tallies(result)
    for person in people:
        person["campaign"] = (in_campaign[person["id"]].standard_id if person["id"] in in_campaign else None)
    return result


def _person(rid, source, meta, name, rtype, publish, answers, text) -> dict:
    publish = (meta.get("publish") or publish or "no").strip().lower()
    publish = publish if publish in PUBLISH_CHOICES else "no"
    return {"id": rid, "source": source, "name": meta.get("name") or name,
            "type": (meta.get("type") or rtype or "not stated").strip().lower(), "publish": publish,
            "answers": answers, "_text": text}


def _theme_out(theme: themes.Theme, points: dict[str, str], people: list[dict], redactions: list) -> dict:
    publishable = {p["id"]: p for p in people if p["publish"] in ("name", "anonymous")}
    respondents = sorted({m.split("|")[0] for m in theme.members})
    quotes = []
    for member in theme.representatives:
        rid = member.split("|")[0]
        if rid not in publishable or len(quotes) >= 2:
            continue
        text, found = redact(points[member])
        for item in found:
            redactions.append({"respondent": rid, "point": member} | item.as_dict())
        who = publishable[rid]["name"] if publishable[rid]["publish"] == "name" else "A respondent"
        quotes.append({"point": member, "respondent": rid, "attribution": who, "text": text,
                       "redactions": len(found)})
    return theme.as_dict() | {"respondents": respondents, "quotes": quotes}


#: How counts are worded in the summary (share of the respondents who answered that question).
QUANTIFIERS_DOC = {"all": "every respondent who answered", "most": "more than half",
                   "many": "a quarter to a half", "some": "a tenth to a quarter", "a few": "under a tenth"}


def quantifier(count: int, total: int) -> str:
    share = count / total if total else 0
    if share >= 1.0:
        return "all"
    if share > 0.5:
        return "most"
    if share >= 0.25:
        return "many"
    if share >= 0.10:
        return "some"
    return "a few"


def tallies(result: dict) -> dict:
    out = {}
    for q in result["questions"]:
        if not q["options"]:
            continue
        counts = {o: 0 for o in q["options"]}
        answered = 0
        for person in result["respondents"]:
            chosen = set()
            for answer in person["answers"]:
                if answer["question"] == q["id"] and answer.get("closed"):
                    chosen.update(answer["closed"]["chosen"])
            if chosen:
                answered += 1
                for option in chosen:
                    counts[option] = counts.get(option, 0) + 1
        out[q["id"]] = {"answered": answered, "counts": counts}
    return out
