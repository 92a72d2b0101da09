"""`throughcare voice ...`: analyse a consultation, and apply an approved theme set to responses."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer

voice_app = typer.Typer(help="Voice: consultations, from questions to a published summary of responses.",
                        no_args_is_help=True)


def _fail(message: str, code: int = 2) -> None:
    from throughcare.cli import err

    err.print(f"[red]{message}[/red]", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@voice_app.command("analyse")
def analyse(paper: Path | None = typer.Option(None, "--paper", help="The consultation paper (.txt, .pdf, .docx); "
                                              "without one every passage is a point outside the questions"),
            responses: list[Path] = typer.Option(..., "--responses", help="Response documents (.txt, .pdf, .docx) "
                                                 "or a CSV with one row per respondent"),
            out: Path = typer.Option(..., "--out", help="Directory for analysis.json, summary.html, summary.pdf"),
            respondents: Path | None = typer.Option(None, "--respondents", help="JSON {id: {name, type, publish}}"),
            decisions: Path | None = typer.Option(None, "--decisions", help="JSON list of you-said-we-did decisions"),
            compare_with: Path | None = typer.Option(None, "--compare-with", help="Another consultation's "
                                                     "analysis.json: themes in one and not the other"),
            title: str = typer.Option("", "--title"),
            pdf: bool = typer.Option(True, "--pdf/--no-pdf"),
            more: list[Path] | None = typer.Argument(None, metavar="[FILE...]",
                                                     help="More response files (so `--responses A B C` works)")):
    """Map responses to the paper's questions, find campaigns and themes, code and redact, write the summary."""
    from throughcare.cli import console
    from throughcare.voice.analysis import pipeline, publish
    from throughcare.voice.analysis.documents import DocumentError

    try:
        meta = _json(respondents, "--respondents") if respondents else None
        chosen = _json(decisions, "--decisions") if decisions else None
        other = _json(compare_with, "--compare-with") if compare_with else None
        result = pipeline.analyse(paper, list(responses) + list(more or []), respondents=meta, decisions=chosen,
                                  title=title, compare_with=other)
    except (DocumentError, ValueError, OSError) as exc:
        _fail(str(exc))
    out.mkdir(parents=True, exist_ok=True)
    (out / "analysis.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    publish.write(result, out, pdf=pdf)
    mapped = sum(1 for p in result["respondents"] for a in p["answers"] if a["question"])
    review = sum(a["review"] for ts in result["assignments"].values() for a in ts)
    console.print(f"{len(result['questions'])} questions, {len(result['respondents'])} respondents, {mapped} passages "
                  f"mapped, {sum(len(t) for t in result['themes'].values())} candidate themes "
                  f"(+{len(result['outside_questions'].get('themes', []))} outside the questions), {review} coded "
                  f"points for review, {len(result['campaigns'])} campaign/duplicate groups, "
                  f"{len(result['redactions'])} redactions → {out}")


def _json(path: Path, option: str):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{option}: {path.name} is not valid JSON ({exc.msg}, line {exc.lineno})") from exc


@voice_app.command("compare")
def compare(first: Path = typer.Argument(..., help="A/analysis.json"),
            second: Path = typer.Argument(..., help="B/analysis.json"),
            out: Path = typer.Option(..., "--out", help="Directory for comparison.json and comparison.html"),
            threshold: float | None = typer.Option(None, "--threshold", help="Similarity at which two themes are "
                                                   "the same (default 0.57)")):
    """Two consultations on the same subject: themes raised in one and not the other."""
    from throughcare.cli import console
    from throughcare.voice.analysis import compare as comparing
    from throughcare.voice.analysis import publish

    try:
        a, b = _json(first, "A"), _json(second, "B")
        if not all(isinstance(x, dict) and "themes" in x for x in (a, b)):
            _fail("Give two analysis.json files written by `throughcare voice analyse`")
        result = comparing.compare(a, b, threshold if threshold is not None else comparing.THRESHOLD)
    except (ValueError, OSError) as exc:
        _fail(str(exc))
    out.mkdir(parents=True, exist_ok=True)
    (out / "comparison.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (out / "comparison.html").write_text(publish.render_comparison(result), encoding="utf-8")
    console.print(f"{len(result['only_in_a'])} themes only in A, {len(result['only_in_b'])} only in B, "
                  f"{len(result['in_both'])} in both → {out}")


@voice_app.command("code")
def code(themes: Path = typer.Option(..., "--themes", help="THEMES.json: a list of {id, label, description}"),
         responses: Path = typer.Option(..., "--responses", help="RESPONSES.csv: response_id,text"),
         out: Path = typer.Option(..., "--out", help="CODED.csv: response_id,theme_ids,stance,confidence"),
         examples: Path | None = typer.Option(None, "--examples", help="Coded examples CSV: response_id,text,theme_ids"),
         review_below: float = typer.Option(0.35, "--review-below", help="Confidence below which a response "
                                            "goes to the review queue")):
    """Apply an approved theme set to responses (with coded examples if given)."""
    from throughcare.cli import console
    from throughcare.voice.analysis.themes import Coder, ThemeError

    try:
        theme_list = json.loads(themes.read_text())
        if not isinstance(theme_list, list) or not all(isinstance(t, dict) and t.get("id") and t.get("label")
                                                        for t in theme_list):
            _fail("--themes: give a JSON list of {id, label, description}")
        rows = _read_csv(responses, ("response_id", "text"))
        coded_examples = [(r["text"], [t for t in r["theme_ids"].split(";") if t])
                          for r in _read_csv(examples, ("text", "theme_ids"))] if examples else None
        known = {t["id"] for t in theme_list}
        unknown = sorted({t for _text, tids in coded_examples or [] for t in tids} - known)
        if unknown:
            _fail(f"--examples: theme ids not in --themes: {', '.join(unknown)}")
        coded = Coder(theme_list, coded_examples, review_below=review_below).code(
            {r["response_id"]: r["text"] for r in rows})
    except (OSError, json.JSONDecodeError, ThemeError, KeyError) as exc:
        _fail(str(exc))
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["response_id", "theme_ids", "stance", "confidence", "review"])
        for c in coded:
            writer.writerow([c.response_id, ";".join(c.theme_ids), c.stance, f"{c.confidence:.3f}",
                             "yes" if c.review else ""])
    console.print(f"Coded {len(coded)} responses; {sum(c.review for c in coded)} for review → {out}")


@voice_app.command("work")
def work(once: bool = typer.Option(False, "--once", help="Do the runs queued now, then stop (a scheduled job)"),
         poll: float = typer.Option(2.0, "--poll", min=0.1, help="Seconds to wait when the queue is empty")):
    """The Voice worker: do the analysis runs analysts queue in the pages or the API (docs/operations.md)."""
    import signal
    import threading

    from throughcare.cli import console, setup

    setup()
    from throughcare.voice import worker

    if once:
        console.print(f"Voice worker: {worker.work_until_idle()} analysis run(s) done")
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_args: stop.set())  # finish the run in hand, then stop
    console.print("Voice worker: waiting for analysis runs (Ctrl+C to stop)")
    worker.work_forever(poll=poll, stop=stop)


def _read_csv(path: Path, required: tuple[str, ...]) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            _fail(f"{path.name}: the CSV needs the columns {', '.join(required)} (missing {', '.join(missing)})")
        return list(reader)
