"""End to end: paper + responses → analysis.json (schema in docs/voice.md), summary.html and summary.pdf.

Also the calls an analyst's pages need: ``recode`` (after the theme set is edited or a sample coded),
``remap`` (a passage moved to another question), ``check_decisions`` ("you said, we did" against themes).
"""

from __future__ import annotations

import re
from pathlib import Path

from . import campaigns, themes
from .documents import read_responses_csv, read_text
from .mapping import Passage, closed_answer, map_response
from .mapping import remap as mapping_remap
from .paper import OPEN, Question, parse_paper
from .points import code_points, question_points, theme_output

SCHEMA_VERSION = 2
PUBLISH_CHOICES = ("name", "anonymous", "no")
OUTSIDE = "outside"  # the key of points raised outside the questions in theme references ("outside/T1")


def _respondent_name(text: str, fallback: str) -> str:
    for line in text.split("\n"):
        line = line.strip()
        if line and not re.match(r"^(www\.|https?:)", line):
            return line[:120]
    return fallback


def analyse(paper: Path | None, responses: list[Path], respondents: dict[str, dict] | None = None,
            decisions: list[dict] | None = None, title: str = "", compare_with: dict | None = None) -> dict:
    """Paper + responses → the analysis (docs/voice.md). respondents: optional {file stem or respondent id:
    {name, type, publish}}; unknown → not published. Without a paper every passage is outside the questions
    (a feedback note or a summary, e.g. to compare with another consultation)."""
    respondents = respondents or {}
    paper_text = read_text(paper) if paper else ""
    questions = parse_paper(paper_text) if paper else []
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
                    answers.append(passage.as_dict() | {"column": qid,
                                                        "document": f"{path.name}#{row.respondent_id}:{qid}"})
                people.append(_person(row.respondent_id, f"{path.name}#{row.respondent_id}", meta,
                                      row.name, row.respondent_type, row.publish, answers,
                                      " ".join(row.answers.values())))
            continue
        text = read_text(path)
        meta = respondents.get(path.stem, {})
        passages = [p.as_dict() for p in map_response(text, questions)]
        people.append(_person(path.stem, path.name, meta, _respondent_name(text, path.stem), "", "", passages, text))
    groups = campaigns.find_groups({p["id"]: p["_text"] for p in people}, ignore_text=paper_text)
    for person in people:
        person.pop("_text")
    result = {
        "schema_version": SCHEMA_VERSION,
        "title": title or (_respondent_name(paper_text, paper.stem) if paper else
                           _respondent_name(read_text(responses[0]), responses[0].stem) if responses else ""),
        "paper": paper.name if paper else None,
        "questions": [q.as_dict() for q in questions],
        "respondents": people,
        "campaigns": [g.as_dict() for g in groups],
        "themes": {}, "points": {}, "assignments": {},
        "outside_questions": {},
        "redactions": [], "withheld_quotes": [],
        "thresholds": QUANTIFIERS_DOC,
    }
    in_campaign = {m: g.standard_id for g in groups if g.kind == "campaign" for m in g.members}
    for person in people:
        person["campaign"] = in_campaign.get(person["id"])
    for question in questions:
        if question.type == OPEN or question.explain:
            _analyse_question(result, question.id)
    _analyse_question(result, None)
    result["tallies"] = tallies(result)
    result["decisions"] = check_decisions(decisions or [], result)
    if compare_with is not None:
        from .compare import compare

        result["comparison"] = compare(result, compare_with)
    return result


def _standards(result: dict) -> dict[str, str]:
    """{campaign member (not the standard itself): the standard response's respondent id}."""
    return {m: g["standard_response"] for g in result["campaigns"] if g["kind"] == "campaign"
            for m in g["members"] if m != g["standard_response"]}


def _members_of(result: dict) -> dict[str, list[str]]:
    """{standard response id: the other members of its campaign} (they are counted with the standard)."""
    return {g["standard_response"]: [m for m in g["members"] if m != g["standard_response"]]
            for g in result["campaigns"] if g["kind"] == "campaign"}


def _analyse_question(result: dict, question_id: str | None, theme_list: list[dict] | None = None,
                      coded_sample: dict[str, list[str]] | None = None) -> None:
    """Points, themes (proposed unless given), every point coded, quotes: for one question (None: outside)."""
    key = question_id or OUTSIDE
    points = question_points(result["respondents"], question_id, _standards(result))
    result["redactions"] = [r for r in result["redactions"] if r["point"].split("|")[1] != (question_id or "")]
    result["withheld_quotes"] = [w for w in result["withheld_quotes"]
                                 if w["point"].split("|")[1] != (question_id or "")]
    if theme_list is None:
        theme_list = [t.as_dict() for t in themes.propose({p["id"]: p["text"] for p in points})]
    assignments = code_points(theme_list, points, coded_sample) if points else []
    members_of = _members_of(result)
    out = [theme_output(t, points, assignments, result["respondents"], members_of, result["redactions"],
                        result["withheld_quotes"]) for t in theme_list] if points else []
    if question_id is None:
        general = [(p["id"], i) for p in result["respondents"] for i, a in enumerate(p["answers"])
                   if a["question"] is None and a["text"].strip()]
        result["outside_questions"] = {"passages": len(general), "respondents": len({r for r, _i in general}),
                                       "points": points, "themes": out, "assignments": assignments}
        return
    result["points"][key] = points
    result["assignments"][key] = assignments
    if out:
        result["themes"][key] = out
    else:
        result["themes"].pop(key, None)


def recode(result: dict, question_id: str | None, theme_list: list[dict],
           coded_sample: dict[str, list[str]] | None = None) -> dict:
    """After an analyst edits a question's themes (merge, split, rename, approve: a list of {id, label,
    description, ...}) and optionally codes a sample ({point id: theme ids}), code every point again.
    Updates and returns `result`."""
    if question_id is not None and question_id not in {q["id"] for q in result["questions"]}:
        raise ValueError(f"There is no question {question_id}")
    if not theme_list:
        raise themes.ThemeError("The theme set is empty")
    _analyse_question(result, question_id, [dict(t) for t in theme_list], coded_sample)
    return result


def current_themes(result: dict, question_id: str | None) -> list[dict]:
    if question_id is None:
        return [dict(t) for t in result.get("outside_questions", {}).get("themes", [])]
    return [dict(t) for t in result["themes"].get(question_id, [])]


def remap(result: dict, respondent_id: str, answer_index: int, question_id: str | None) -> dict:
    """An analyst moves one passage to another question (None: outside the questions); both questions'
    points are coded again against their current themes, and the tallies are recounted."""
    by_id = {q["id"]: q for q in result["questions"]}
    if question_id is not None and question_id not in by_id:
        raise ValueError(f"There is no question {question_id}")
    person = next((p for p in result["respondents"] if p["id"] == respondent_id), None)
    if person is None:
        raise ValueError(f"There is no respondent {respondent_id}")
    before = person["answers"][answer_index]["question"] if 0 <= answer_index < len(person["answers"]) else None
    question = Question(**{k: v for k, v in by_id[question_id].items() if k != "title"}) if question_id else None
    mapping_remap(person["answers"], answer_index, question)
    for qid in dict.fromkeys([before, question_id]):
        if qid is not None and by_id[qid]["type"] != OPEN and not by_id[qid]["explain"]:
            continue
        existing = current_themes(result, qid)
        if existing:
            _analyse_question(result, qid, existing)
        else:
            _analyse_question(result, qid)
    result["tallies"] = tallies(result)
    return result


def theme_index(result: dict) -> dict[str, dict]:
    """{"<question id>/<theme id>" or "outside/<theme id>": theme} for every theme in the analysis."""
    index = {f"{qid}/{t['id']}": t for qid, ts in result["themes"].items() for t in ts}
    index.update({f"{OUTSIDE}/{t['id']}": t for t in result.get("outside_questions", {}).get("themes", [])})
    return index


DECISION_FIELDS = ("you_said", "we_did", "status", "rationale", "next_steps")


def check_decisions(decisions: list[dict], result: dict) -> list[dict]:
    """"You said, we did" decisions, each recorded against theme references ("A2/T1", "outside/T3").
    A reference to a theme that does not exist is refused (ValueError naming it)."""
    if not isinstance(decisions, list):
        raise ValueError("decisions: give a JSON list of {you_said, we_did, status, rationale, next_steps, themes}")
    index = theme_index(result)
    out = []
    for number, decision in enumerate(decisions, start=1):
        if not isinstance(decision, dict) or not str(decision.get("you_said", "")).strip():
            raise ValueError(f"decisions: decision {number} needs you_said")
        refs = decision.get("themes", [])
        if isinstance(refs, str):
            refs = [refs]
        unknown = [r for r in refs if r not in index]
        if unknown:
            raise ValueError(f"decisions: decision {number} names a theme that does not exist: {', '.join(unknown)}")
        out.append({k: str(decision.get(k, "") or "") for k in DECISION_FIELDS}
                   | {"themes": list(refs), "theme_labels": [index[r]["label"] for r in refs]})
    return out


def _person(rid, source, meta, name, rtype, publish, answers, text) -> dict:
    publish = (meta.get("publish") or publish or "no").strip().lower()
    publish = publish if publish in PUBLISH_CHOICES else "no"
    for answer in answers:
        answer.setdefault("document", source)
    return {"id": rid, "source": source, "name": meta.get("name") or name,
            "type": (meta.get("type") or rtype or "not stated").strip().lower(), "publish": publish,
            "answers": answers, "_text": text}


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
