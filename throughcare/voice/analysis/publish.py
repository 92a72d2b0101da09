"""The summary of responses, as HTML (Jinja2, autoescaped) and PDF (WeasyPrint), from analysis.json.

Follows the Consultation Principles: who responded (by respondent type), per question the closed-answer
tallies (bar charts drawn in HTML, with the numbers as text) and themes worded "all / most / many / some /
a few" by stated thresholds, quotes only from respondents who allowed publication (redacted), points raised
outside the questions, campaign disclosure, and "you said, we did" decisions.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .pipeline import QUANTIFIERS_DOC, quantifier


def context(analysis: dict) -> dict:
    people = analysis["respondents"]
    per_question = []
    for q in analysis["questions"]:
        answered = {p["id"] for p in people for a in p["answers"] if a["question"] == q["id"] and a["text"].strip()}
        themes = []
        for theme in analysis["themes"].get(q["id"], []):
            count = len(theme["respondents"])
            themes.append(theme | {"count": count, "word": quantifier(count, len(answered))})
        review = sum(1 for a in analysis.get("assignments", {}).get(q["id"], []) if a.get("review"))
        per_question.append({"question": q, "answered": len(answered), "themes": themes,
                             "tally": analysis["tallies"].get(q["id"]), "review": review})
    general = sum(1 for p in people for a in p["answers"] if a["question"] is None and len(a["text"]) > 80)
    outside = analysis.get("outside_questions") or {}
    raised = outside.get("respondents", 0)
    outside_themes = [t | {"count": len(t["respondents"]), "word": quantifier(len(t["respondents"]), raised)}
                      for t in outside.get("themes", [])]
    return {"a": analysis, "by_type": sorted(Counter(p["type"] for p in people).items()),
            "total": len(people), "per_question": per_question, "general_points": general,
            "outside_themes": outside_themes, "outside_respondents": raised,
            "thresholds": QUANTIFIERS_DOC, "decisions": analysis.get("decisions", []),
            "comparison": analysis.get("comparison")}


def render_html(analysis: dict) -> str:
    env = Environment(loader=PackageLoader("throughcare.voice", "analysis/templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    return env.get_template("summary.html").render(**context(analysis))


def render_comparison(comparison: dict) -> str:
    """A comparison of two consultations as a standalone HTML page."""
    env = Environment(loader=PackageLoader("throughcare.voice", "analysis/templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    return env.get_template("comparison.html").render(c=comparison)


def write(analysis: dict, out: Path, pdf: bool = True) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    html = render_html(analysis)
    written = [out / "summary.html"]
    written[0].write_text(html, encoding="utf-8")
    if pdf:
        from weasyprint import HTML

        HTML(string=html, base_url=str(out)).write_pdf(out / "summary.pdf")
        written.append(out / "summary.pdf")
    return written
