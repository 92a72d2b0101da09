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
    assert analysis["schema_version"] == 1 and [q["id"] for q in analysis["questions"]] == ["1", "2", "3"]
    assert analysis["tallies"]["1"]["counts"] == {"Yes": 1, "No": 0, "Don't know": 1}
    assert analysis["tallies"]["2"]["counts"] == {"Needle exchange": 0, "Housing advice": 1, "Peer support groups": 1}
    assert {r["entity"] for r in analysis["redactions"]} == {"PERSON", "PHONE_NUMBER"}
    html = (tmp_path / "summary.html").read_text()
    assert "07700 900123" not in html and "Sarah Jones" not in html
    assert "You said, we did" in html and "Bus fares refunded on the day" in html
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
