"""Voice, parts 3 to 7: campaigns, themes and coding, redaction, the summary and the command line."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from throughcare.cli import app
from throughcare.voice.analysis import campaigns, themes
from throughcare.voice.analysis.redact import nhs_number_valid, redact, structured_left

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "voice"
EXAMPLE = ROOT / "examples" / "voice"


def synthetic_campaign_set(seed: int = 7):
    """Three campaigns (standard text with small edits) among distinct responses on the same subject."""
    rng = random.Random(seed)
    standards = [
        "I support the new recovery hub because people in recovery need one place for housing advice, treatment "
        "and peer support, and the council should fund it for at least five years so it can prove itself.",
        "Please keep the needle exchange open in the town centre. Closing it would push people to share equipment "
        "and hepatitis C infections would rise across the borough within a year.",
        "Families of people who use drugs need their own support group with evening meetings, run by families "
        "who have been through it, and the partnership should pay for a coordinator.",
    ]
    vocabulary = ("hub recovery support housing treatment peer evening bus fares worker family children needle "
                  "exchange council fund doctor script appointment group mentor weekend drop in advice").split()
    responses, truth = {}, []
    for c, standard in enumerate(standards):
        members = []
        for m in range(12):
            text = standard
            if m % 3 == 1:
                text += " " + " ".join(rng.choice(vocabulary) for _ in range(6)) + "."
            if m % 4 == 2:
                text = "As a parent: " + text
            rid = f"c{c}-{m:02d}"
            responses[rid] = text
            members.append(rid)
        truth.append(members)
    for n in range(60):
        responses[f"d{n:02d}"] = " ".join(rng.choice(vocabulary) for _ in range(30))
    pairs = {(a, b) for members in truth for i, a in enumerate(members) for b in members[i + 1:]}
    return responses, pairs


def test_campaigns_are_found_with_high_precision_and_recall():
    responses, true_pairs = synthetic_campaign_set()
    groups = campaigns.find_groups(responses)
    found = campaigns.pair_set(groups)
    precision = len(found & true_pairs) / len(found)
    recall = len(found & true_pairs) / len(true_pairs)
    assert precision >= 0.99 and recall >= 0.98, (precision, recall)
    assert [g.kind for g in groups] == ["campaign"] * 3
    assert any(g.variations for g in groups)  # the added words are kept to read separately
    assert campaigns.find_groups(responses)[0].as_dict() == groups[0].as_dict()  # deterministic


def coded_set():
    rows = list(csv.DictReader((DATA / "appointment_coded.csv").open()))
    return ({r["response_id"]: r["text"] for r in rows}, {r["response_id"]: r["theme_ids"].split(";") for r in rows},
            json.loads((DATA / "appointment_themes.json").read_text()))


def test_theme_coding_f1_on_the_hand_coded_set():
    texts, truth, theme_list = coded_set()
    coded = themes.Coder(theme_list).code(texts)
    zero_shot = themes.f1({c.response_id: c.theme_ids for c in coded}, truth)
    assert zero_shot >= 0.60, zero_shot  # 0.79 when written: the set is small and written by the project
    examples = [(texts[r], truth[r]) for r in sorted(texts) if int(r[1:]) % 2]
    held_out = {r: t for r, t in texts.items() if not int(r[1:]) % 2}
    coded = themes.Coder(theme_list, examples).code(held_out)
    with_examples = themes.f1({c.response_id: c.theme_ids for c in coded}, {r: truth[r] for r in held_out})
    assert with_examples >= 0.75, with_examples
    assert all(0 <= c.confidence <= 1 for c in coded)
    assert themes.Coder(theme_list, examples).code(held_out)[0].scores == coded[0].scores


def test_themes_are_proposed_then_edited_by_an_analyst():
    texts, _truth, _ = coded_set()
    proposed = themes.propose(texts)
    assert proposed == themes.propose(dict(reversed(list(texts.items()))))  # same input, same themes
    assert sorted(m for t in proposed for m in t.members) == sorted(texts)
    assert all(t.keywords and t.representatives for t in proposed)
    count = len(proposed)
    edit = themes.ThemeSet(list(proposed))
    merged = edit.merge([proposed[0].id, proposed[1].id], label="Reminders and travel")
    assert merged.label == "Reminders and travel" and len(edit.themes) == count - 1
    parts = edit.split(merged.id, texts)
    assert len(parts) == 2 and sorted(parts[0].members + parts[1].members) == sorted(merged.members)
    edit.rename(parts[0].id, "Reminders", "Texts and calls before an appointment")
    edit.approve(parts[0].id)
    assert [t.label for t in edit.approved()] == ["Reminders"]
    assert [h["edit"] for h in edit.history] == ["merge", "split", "rename", "approve"]
    with pytest.raises(themes.ThemeError, match="Enter a label"):
        edit.rename(parts[0].id, " ")
    with pytest.raises(themes.ThemeError, match="at least two"):
        edit.merge([parts[0].id])


def test_stance():
    assert themes.stance("We strongly support and welcome this.") == "agree"
    assert themes.stance("No. We oppose linking benefit sanctions to treatment.") == "disagree"
    assert themes.stance("We support the aim but are concerned it will fail.") == "mixed"


def test_redaction_leaves_no_structured_identifier_and_lists_each_one():
    text = ("Call Anna Page on 07983 612 728 or +44 20 7253 4038, anna.page@example.org. NHS number 943 476 5919, "
            "NI number AB 12 34 56 C, at 12 High Street, Leeds LS1 4AB. Mr Smith agreed. Revolving Doors said no.")
    cleaned, found = redact(text)
    assert structured_left(cleaned) == []
    assert {f.entity for f in found} == {"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "UK_NHS", "UK_NINO",
                                         "STREET_ADDRESS", "UK_POSTCODE"}
    assert all(text[f.start:f.end] == f.text for f in found)
    assert "Revolving Doors said no." in cleaned and "Anna" not in cleaned and "Smith" not in cleaned
    assert nhs_number_valid("943 476 5919") and not nhs_number_valid("943 476 5918")
    assert all(f.entity != "UK_NHS" for f in redact("Ring 943 476 5918 for the helpline")[1])


def test_cli_analyse_writes_the_analysis_and_a_summary_that_respects_publication_choices(tmp_path):
    result = CliRunner().invoke(app, [
        "voice", "analyse", "--paper", str(EXAMPLE / "paper.txt"), "--responses",
        str(EXAMPLE / "response_families.txt"), str(EXAMPLE / "response_individual.txt"),
        "--respondents", str(EXAMPLE / "respondents.json"), "--decisions", str(EXAMPLE / "decisions.json"),
        "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    analysis = json.loads((tmp_path / "analysis.json").read_text())
    assert analysis["schema_version"] == 2 and [q["id"] for q in analysis["questions"]] == ["1", "2", "3"]
    assert analysis["tallies"]["1"]["counts"] == {"Yes": 1, "No": 0, "Don't know": 1}
    assert analysis["tallies"]["2"]["counts"] == {"Needle exchange": 0, "Housing advice": 1, "Peer support groups": 1}
    assert {r["entity"] for r in analysis["redactions"]} == {"PERSON", "PHONE_NUMBER"}
    html = (tmp_path / "summary.html").read_text()
    assert "07700 900123" not in html and "Sarah Jones" not in html
    assert "You said, we did" in html and "Bus fares refunded on the day" in html
    assert analysis["decisions"][1]["themes"] == ["3/T1"] and analysis["decisions"][1]["theme_labels"]
    assert "Organisation" in html and "Individual" in html
    assert (tmp_path / "summary.pdf").read_bytes()[:4] == b"%PDF"


def test_cli_analyse_quotes_nobody_who_did_not_allow_publication(tmp_path):
    result = CliRunner().invoke(app, ["voice", "analyse", "--paper", str(EXAMPLE / "paper.txt"), "--responses",
                                      str(EXAMPLE / "response_families.txt"), "--out", str(tmp_path), "--no-pdf"])
    assert result.exit_code == 0, result.output
    analysis = json.loads((tmp_path / "analysis.json").read_text())
    assert analysis["respondents"][0]["publish"] == "no"
    assert all(not t["quotes"] for ts in analysis["themes"].values() for t in ts)
    assert "<blockquote>" not in (tmp_path / "summary.html").read_text()


def test_cli_code_writes_coded_csv(tmp_path):
    responses = tmp_path / "responses.csv"
    texts, _truth, _ = coded_set()
    with responses.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["response_id", "text"])
        writer.writerows(sorted(texts.items()))
    out = tmp_path / "coded.csv"
    result = CliRunner().invoke(app, ["voice", "code", "--themes", str(DATA / "appointment_themes.json"),
                                      "--responses", str(responses), "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 40 and list(rows[0]) == ["response_id", "theme_ids", "stance", "confidence", "review"]
    assert rows[0]["theme_ids"]
    bad = CliRunner().invoke(app, ["voice", "code", "--themes", str(responses), "--responses", str(responses),
                                   "--out", str(out)])
    assert bad.exit_code == 2


def test_theme_f1_on_the_larger_synthetic_coded_set():
    """benchmarks/voice_data.py says how the set is written; 250 responses to each of three questions."""
    from benchmarks.voice_data import THEMES, coded_responses

    zero_shot, trained = [], []
    for question, theme_list in THEMES.items():
        rows = coded_responses(question, 250)
        texts = {r: t for r, t, _c in rows}
        truth = {r: c for r, _t, c in rows}
        coded = themes.Coder(theme_list).code(texts)
        zero_shot.append(themes.f1({c.response_id: c.theme_ids for c in coded}, truth))
        sample = themes.coding_sample(texts, 100)
        held_out = {r: t for r, t in texts.items() if r not in sample}
        coder = themes.train(theme_list, {r: truth[r] for r in sample}, texts)
        coded = coder.code(held_out)
        trained.append(themes.f1({c.response_id: c.theme_ids for c in coded}, {r: truth[r] for r in held_out}))
        assert all(set(c.stances) == set(c.theme_ids) for c in coded)
        assert all(s in ("agree", "disagree", "mixed", "neutral") for c in coded for s in c.stances.values())
    assert sum(zero_shot) / 3 >= 0.60, zero_shot
    assert sum(trained) / 3 >= 0.75, trained
    with pytest.raises(themes.ThemeError, match="not in the theme set: nope"):
        themes.train(THEMES["hub"], {"hub-00000": ["nope"]}, {"hub-00000": "x"})


# --- the pipeline's output: coding, offsets, campaigns, quotes, decisions, re-coding ----------------------

def example_analysis():
    from throughcare.voice.analysis import pipeline

    return pipeline.analyse(EXAMPLE / "paper.txt", [EXAMPLE / "response_families.txt",
                                                    EXAMPLE / "response_individual.txt"],
                            respondents=json.loads((EXAMPLE / "respondents.json").read_text()),
                            decisions=json.loads((EXAMPLE / "decisions.json").read_text()))


def test_every_point_is_coded_with_a_stance_and_keeps_its_source_offsets():
    from throughcare.voice.analysis.documents import read_text

    analysis = example_analysis()
    for question_id, points in analysis["points"].items():
        coded = {a["point"]: a for a in analysis["assignments"][question_id]}
        assert points and set(coded) == {p["id"] for p in points}
        for point in points:
            assert read_text(EXAMPLE / point["document"])[point["start"]:point["end"]] == point["text"]
            assignment = coded[point["id"]]
            assert 0 <= assignment["confidence"] <= 1 and isinstance(assignment["review"], bool)
            assert set(assignment["stances"]) == set(assignment["theme_ids"])
    for theme in analysis["themes"]["3"]:
        for quote in theme["quotes"]:
            source = read_text(EXAMPLE / quote["document"])[quote["start"]:quote["end"]]
            assert redact(source)[0] == quote["text"]
    outside = analysis["outside_questions"]
    assert outside["passages"] >= 1 and outside["themes"] and outside["assignments"]
    assert example_analysis() == analysis  # same input, same output


def test_a_quote_with_an_identifier_left_after_redaction_is_withheld(monkeypatch):
    from throughcare.voice.analysis import points

    people = [{"id": "r1", "publish": "name", "name": "Riverside Forum"}]
    candidate = {"id": "r1|3|0|0", "respondent": "r1", "document": "r1.txt", "start": 10, "end": 60,
                 "text": "Ring our office on 07700 900123 about bus fares."}
    monkeypatch.setattr(points, "redact", lambda text: (text, []))  # a redaction that missed the number
    withheld, redactions = [], []
    assert points.quotes_for([candidate], people, redactions, withheld) == []
    assert withheld == [{"point": "r1|3|0|0", "respondent": "r1", "reason": "identifier left after redaction",
                         "entities": ["PHONE_NUMBER"]}]
    monkeypatch.undo()
    quotes = points.quotes_for([candidate], people, redactions, [])
    assert quotes[0]["text"] == "Ring our office on [phone] about bus fares." and redactions[0]["source_start"] == 29


def test_campaign_members_are_counted_once_analysed_and_their_own_words_read_separately(tmp_path):
    from throughcare.voice.analysis import pipeline

    standard = ("Q3 What would help you keep your appointments at the hub?\n\nPlease pay bus fares up front for "
                "everyone on benefits, because the hub is two buses from the estates and people miss appointments "
                "when they have no money left at the end of the week.")
    files = []
    for n in range(4):
        text = standard + (" My own appointments are at nine so an evening clinic would suit me better." if n == 3
                           else "")
        files.append(tmp_path / f"resident{n}.txt")
        files[-1].write_text(text)
    other = tmp_path / "worker.txt"
    other.write_text("Q3 What would help?\n\nA text reminder the day before and somewhere for children to wait.")
    analysis = pipeline.analyse(EXAMPLE / "paper.txt", files + [other])
    [group] = [g for g in analysis["campaigns"] if g["kind"] == "campaign"]
    assert group["size"] == 4
    points = analysis["points"]["3"]
    from_campaign = [p for p in points if p["respondent"].startswith("resident")]
    assert len([p for p in from_campaign if not p["variation_of"]]) == 1  # the standard text, analysed once
    [variation] = [p for p in from_campaign if p["variation_of"]]
    assert variation["respondent"] == "resident3" and variation["text"].startswith("My own appointments")
    counted = {r for t in analysis["themes"]["3"] for r in t["respondents"]}
    assert {f"resident{n}" for n in range(4)} <= counted


def test_an_analyst_edits_themes_codes_a_sample_and_everything_is_recoded():
    from throughcare.voice.analysis import pipeline

    analysis = example_analysis()
    edited = [{"id": "fares", "label": "Travel costs", "description": "Help with bus fares and getting to the hub",
               "approved": True},
              {"id": "kids", "label": "Children", "description": "Somewhere for children while parents are seen",
               "approved": True}]
    points = {p["id"]: p["text"] for p in analysis["points"]["3"]}
    sample = {pid: (["fares"] if "bus" in text else ["kids"]) for pid, text in points.items()}
    pipeline.recode(analysis, "3", edited, coded_sample=sample)
    assert [t["id"] for t in analysis["themes"]["3"]] == ["fares", "kids"]
    assert {a["point"] for a in analysis["assignments"]["3"]} == set(points)
    assert all(t["approved"] for t in analysis["themes"]["3"])
    with pytest.raises(ValueError, match="no question 9"):
        pipeline.recode(analysis, "9", edited)
    with pytest.raises(themes.ThemeError, match="empty"):
        pipeline.recode(analysis, "3", [])


def test_an_analyst_remaps_a_passage_and_the_tallies_and_points_follow():
    from throughcare.voice.analysis import pipeline

    analysis = example_analysis()
    person = next(p for p in analysis["respondents"] if p["id"] == "response_individual")
    index = next(i for i, a in enumerate(person["answers"]) if a["question"] == "3")
    pipeline.remap(analysis, "response_individual", index, None)
    assert person["answers"][index]["how"] == "analyst"
    assert not any(p["respondent"] == "response_individual" for p in analysis["points"]["3"])
    assert any(p["respondent"] == "response_individual" for p in analysis["outside_questions"]["points"])
    with pytest.raises(ValueError, match="no question Z9"):
        pipeline.remap(analysis, "response_individual", index, "Z9")


def test_decisions_must_name_themes_that_exist(tmp_path):
    bad = tmp_path / "decisions.json"
    bad.write_text(json.dumps([{"you_said": "More buses", "we_did": "Asked the council", "themes": ["3/T9"]}]))
    result = CliRunner().invoke(app, ["voice", "analyse", "--paper", str(EXAMPLE / "paper.txt"), "--responses",
                                      str(EXAMPLE / "response_families.txt"), "--decisions", str(bad),
                                      "--out", str(tmp_path / "out"), "--no-pdf"])
    assert result.exit_code == 2 and "3/T9" in result.output


def test_larger_synthetic_campaign_set_with_near_duplicates_that_are_not_campaigns():
    from benchmarks.voice_data import PAPER_QUOTE_TEXT, campaign_set

    responses, campaign_pairs, duplicate_pairs = campaign_set()
    assert len(responses) >= 1800
    groups = campaigns.find_groups(responses, ignore_text=PAPER_QUOTE_TEXT)
    found = campaigns.pair_set([g for g in groups if g.kind == "campaign"])
    precision = len(found & campaign_pairs) / len(found)
    recall = len(found & campaign_pairs) / len(campaign_pairs)
    assert precision >= 0.99 and recall >= 0.98, (precision, recall)
    duplicates = campaigns.pair_set([g for g in groups if g.kind == "duplicate"])
    assert len(duplicates & duplicate_pairs) / len(duplicate_pairs) >= 0.98
    # Without the paper's text left out, respondents who quote the same passage of it look like a campaign:
    careless = campaigns.pair_set([g for g in campaigns.find_groups(responses) if g.kind == "campaign"])
    assert len(careless & campaign_pairs) / len(careless) < 0.99


def test_redaction_runs_with_the_network_blocked_and_downloads_nothing(monkeypatch, tmp_path):
    import socket

    from throughcare.voice.analysis import redact as redaction

    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    redaction.analyzer.cache_clear()
    try:
        cleaned, found = redaction.redact("Email jo.bloggs@example.org or ring 07700 900123, Dr Patel said.")
    finally:
        redaction.analyzer.cache_clear()
    assert cleaned == "Email [email] or ring [phone], [name] said."
    assert {f.entity for f in found} == {"EMAIL_ADDRESS", "PHONE_NUMBER", "PERSON"}
    assert list(tmp_path.iterdir()) == []


# --- comparing two consultations -----------------------------------------------------------------------------

def _synthetic_consultation(title: str, chosen: dict[str, list[str]], half: int) -> dict:
    """An analysis-shaped dict whose themes are made of one half of each theme's phrasings."""
    from benchmarks.voice_data import BANK, THEMES

    points, theme_lists = {}, {}
    for question, theme_ids in chosen.items():
        labels = {t["id"]: t["label"] for t in THEMES[question]}
        points[question], theme_lists[question] = [], []
        for theme_id in theme_ids:
            phrasings = BANK[theme_id][half::2]
            members = []
            for n, text in enumerate(phrasings):
                point_id = f"{title}-{theme_id}-{n}|{question}|0|0"
                points[question].append({"id": point_id, "text": text})
                members.append(point_id)
            theme_lists[question].append({"id": theme_id, "label": labels[theme_id], "members": members,
                                          "respondents": [m.split("|")[0] for m in members]})
    return {"title": title, "themes": theme_lists, "points": points}


def test_compare_finds_the_themes_raised_in_one_consultation_and_not_the_other():
    from throughcare.voice.analysis.compare import compare

    first = _synthetic_consultation("2024", {"hub": ["hours", "travel", "peers", "privacy"],
                                             "overdose": ["naloxone", "checking"]}, half=0)
    second = _synthetic_consultation("2026", {"hub": ["travel", "peers", "children", "advice"],
                                              "overdose": ["naloxone", "rooms"]}, half=1)
    result = compare(first, second)
    assert {t["ref"] for t in result["only_in_a"]} == {"hub/hours", "hub/privacy", "overdose/checking"}
    assert {t["ref"] for t in result["only_in_b"]} == {"hub/children", "hub/advice", "overdose/rooms"}
    assert {(p["a"], p["b"]) for p in result["in_both"]} == {("hub/travel", "hub/travel"), ("hub/peers", "hub/peers"),
                                                            ("overdose/naloxone", "overdose/naloxone")}
    assert result["threshold"] == 0.57 and compare(first, second) == result


SEEDS = ROOT.parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed documents are not beside the repository")


@pytest.fixture(scope="module")
def seed_analyses(tmp_path_factory):
    """The 2010 consultation (paper 004, responses 000 and 001, both allowing publication) and the 2007
    consultation's feedback note (002, no paper), each analysed through the command line."""
    out = tmp_path_factory.mktemp("seeds")
    paper, r000, r001, r002 = (next(SEEDS.glob(f"{n}_*.txt")) for n in ("004", "000", "001", "002"))
    respondents = out / "respondents.json"
    respondents.write_text(json.dumps({r000.stem: {"publish": "name"}, r001.stem: {"publish": "anonymous"}}))
    runner = CliRunner()
    first = runner.invoke(app, ["voice", "analyse", "--paper", str(paper), "--responses", str(r000), str(r001),
                                "--respondents", str(respondents), "--out", str(out / "2010"), "--no-pdf"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(app, ["voice", "analyse", "--responses", str(r002), "--out", str(out / "2007"),
                                 "--no-pdf", "--compare-with", str(out / "2010" / "analysis.json")])
    assert second.exit_code == 0, second.output
    return out


@needs_seeds
@pytest.mark.timeout(1200)
def test_no_structured_identifier_is_left_in_any_published_quote_of_the_seeds_or_the_example(seed_analyses, tmp_path):
    example = example_analysis()
    seeds = json.loads((seed_analyses / "2010" / "analysis.json").read_text())
    published = 0
    for analysis in (example, seeds):
        groups = list(analysis["themes"].values()) + [analysis["outside_questions"]["themes"]]
        for theme_list in groups:
            for theme in theme_list:
                for quote in theme["quotes"]:
                    published += 1
                    assert structured_left(quote["text"]) == [], quote
    assert published >= 20
    html = (seed_analyses / "2010" / "summary.html").read_text()
    assert structured_left(html) == []


@needs_seeds
@pytest.mark.timeout(1200)
def test_the_2007_feedback_note_is_compared_with_the_2010_consultation(seed_analyses, tmp_path):
    note = json.loads((seed_analyses / "2007" / "analysis.json").read_text())
    assert note["paper"] is None and note["outside_questions"]["themes"]
    comparison = note["comparison"]
    assert comparison["only_in_a"] or comparison["only_in_b"]
    for item in comparison["only_in_a"] + comparison["only_in_b"]:
        assert item["similarity"] < comparison["threshold"]
    for pair in comparison["in_both"]:
        assert pair["similarity"] >= comparison["threshold"]
    assert "Compared with" in (seed_analyses / "2007" / "summary.html").read_text()
    result = CliRunner().invoke(app, ["voice", "compare", str(seed_analyses / "2010" / "analysis.json"),
                                      str(seed_analyses / "2007" / "analysis.json"), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    reverse = json.loads((tmp_path / "comparison.json").read_text())
    assert {t["ref"] for t in reverse["only_in_b"]} == {t["ref"] for t in comparison["only_in_a"]}
    assert "Raised in A only" in (tmp_path / "comparison.html").read_text()
    bad = CliRunner().invoke(app, ["voice", "compare", str(tmp_path / "comparison.json"),
                                   str(tmp_path / "comparison.json"), "--out", str(tmp_path)])
    assert bad.exit_code == 2
