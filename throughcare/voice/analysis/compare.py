"""Compare two consultations on the same subject: which themes are raised in one and not the other.

Each theme (per question and outside the questions) is represented by the centre of its points' sentence
embeddings (all-MiniLM-L6-v2), with its label and description when an analyst wrote one. Two themes are the
same when the cosine similarity of their centres is at least ``THRESHOLD`` (0.57; chosen on the synthetic
consultations in tests/test_voice_analysis.py, where the same point made in other words scored 0.59 to 0.75
and different points 0.11 to 0.55: a narrow margin, so the pairs are shown for an analyst to check). Matching is across questions, since two papers rarely ask the same
questions. A theme with no counterpart at or above the threshold is "only in" its consultation.
"""

from __future__ import annotations

import numpy as np

THRESHOLD = 0.57


def theme_entries(analysis: dict) -> list[dict]:
    """{ref, question, label, respondents, texts} for every theme of an analysis.

    A theme's texts are its points (the command line's analysis.json), or, for a consultation read from the
    database (`voice.reads.build_analysis`, which keeps answers rather than points), the answers to its
    question of the respondents who raised it.
    """
    points = {p["id"]: p["text"] for ps in analysis.get("points", {}).values() for p in ps}
    outside = analysis.get("outside_questions") or {}
    points.update({p["id"]: p["text"] for p in outside.get("points", [])})
    answers: dict[tuple[str, str], list[str]] = {}
    if not points:
        for respondent in analysis.get("respondents", []):
            for answer in respondent.get("answers", []):
                if answer.get("question") and answer.get("text"):
                    answers.setdefault((answer["question"], respondent["id"]), []).append(answer["text"])
    entries = []
    groups = list(analysis.get("themes", {}).items()) + [("outside", outside.get("themes", []))]
    for qid, theme_list in groups:
        for theme in theme_list:
            texts = [points[m] for m in theme.get("members", []) if m in points]
            if not points:
                texts = [t for ref in theme.get("respondents", []) for t in answers.get((qid, ref), [])]
            if theme.get("description"):
                texts.append(f"{theme['label']}. {theme['description']}")
            entries.append({"ref": f"{qid}/{theme['id']}", "question": qid, "label": theme["label"],
                            "respondents": len(theme.get("respondents", [])), "texts": texts or [theme["label"]]})
    return entries


def _centres(entries: list[dict]) -> np.ndarray:
    from .embeddings import embed

    if not entries:
        return np.zeros((0, 384), dtype=np.float32)
    centres = np.vstack([embed(e["texts"]).mean(axis=0) for e in entries])
    return centres / np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)


def compare(a: dict, b: dict, threshold: float = THRESHOLD) -> dict:
    """Themes in `a` and not in `b`, in `b` and not in `a`, and the pairs found in both (with similarity)."""
    ea, eb = theme_entries(a), theme_entries(b)
    sims = _centres(ea) @ _centres(eb).T if ea and eb else np.zeros((len(ea), len(eb)))

    def side(entries, matrix):
        only, shared = [], []
        for i, entry in enumerate(entries):
            row = matrix[i] if matrix.shape[1] else np.zeros(0)
            j = int(np.argmax(row)) if len(row) else -1
            best = round(float(row[j]), 3) if j >= 0 else 0.0
            item = {"ref": entry["ref"], "label": entry["label"], "respondents": entry["respondents"],
                    "closest": j, "similarity": best}
            (shared if best >= threshold else only).append(item)
        return only, shared

    only_a, shared_a = side(ea, sims)
    only_b, _shared_b = side(eb, sims.T)
    for item in only_a + shared_a:
        item["closest_label"] = eb[item["closest"]]["label"] if item["closest"] >= 0 else ""
        item["closest"] = eb[item["closest"]]["ref"] if item["closest"] >= 0 else None
    for item in only_b:
        item["closest_label"] = ea[item["closest"]]["label"] if item["closest"] >= 0 else ""
        item["closest"] = ea[item["closest"]]["ref"] if item["closest"] >= 0 else None
    return {"threshold": threshold, "a": {"title": a.get("title", ""), "themes": len(ea)},
            "b": {"title": b.get("title", ""), "themes": len(eb)},
            "only_in_a": only_a, "only_in_b": only_b,
            "in_both": [{"a": s["ref"], "a_label": s["label"], "b": s["closest"], "b_label": s["closest_label"],
                         "similarity": s["similarity"]} for s in shared_a]}
