"""Voice benchmarks (docs/benchmarks.md, "Voice"): the issue's speed and memory targets, on 2 CPU cores.

    nice -n 10 .venv/bin/python -m benchmarks.voice            # all three, one after the other

1. ``seeds``: the seed consultation (paper 004, responses 000 and 001 from ../shared/seeds) analysed end to
   end, as `throughcare voice analyse` does it: questions, mapping, campaigns, themes, coding, redaction,
   summary HTML and PDF. Target ≤ 30 s.
2. ``ten-thousand``: 10,000 synthetic responses to one open question (benchmarks/voice_data.py, seed 11, in a
   CSV with one row per respondent, a tenth allowing publication) analysed end to end. Target ≤ 5 min.
3. ``recode``: in a new process, an analyst's edit of that question's theme set (the candidate themes
   replaced by six approved themes with descriptions) and a coded sample of 100 responses, then every
   response coded again with `pipeline.recode`. Vectors come from the embedding cache file the first run
   wrote (as a web worker's would). Target ≤ 30 s. Also reports the F1 of the re-coding against the
   synthetic set's true codes.

Wall seconds and CPU seconds (user + system) are both reported: on a machine shared with other work the wall
time grows with the load, the CPU time much less. Each runs in a process of its own so its peak memory (ru_maxrss) is its own: target ≤ 2 GB. Each checks that
PyTorch is neither importable nor imported. Results: benchmarks/results/<date>-voice.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.util
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.provenance import commit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SEEDS = ROOT.parent / "shared" / "seeds"
EXAMPLE = ROOT / "examples" / "voice"
WORK = Path(os.environ.get("THROUGHCARE_DATA_DIR", ROOT / "data")) / "bench-voice"
N = 10_000


def _peak_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _cpu_seconds() -> float:
    """User + system CPU time of this process so far: steadier than wall time on a machine shared with others."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return round(usage.ru_utime + usage.ru_stime, 2)


def _no_torch() -> bool:
    return importlib.util.find_spec("torch") is None and "torch" not in sys.modules


def run_seeds() -> dict:
    started = time.perf_counter()
    from throughcare.voice.analysis import pipeline, publish

    imported = time.perf_counter() - started
    paper, r000, r001 = (next(SEEDS.glob(f"{n}_*.txt")) for n in ("004", "000", "001"))
    respondents = {r000.stem: {"publish": "name"}, r001.stem: {"publish": "anonymous"}}
    result = pipeline.analyse(paper, [r000, r001], respondents=respondents)
    analysed = time.perf_counter() - started
    out = WORK / "seeds"
    out.mkdir(parents=True, exist_ok=True)
    (out / "analysis.json").write_text(json.dumps(result, ensure_ascii=False))
    publish.write(result, out, pdf=True)
    total = time.perf_counter() - started
    return {"scenario": "seeds", "seconds": round(total, 2), "imports": round(imported, 2),
            "analyse": round(analysed - imported, 2), "summary_html_pdf": round(total - analysed, 2),
            "questions": len(result["questions"]), "points": sum(len(p) for p in result["points"].values()),
            "themes": sum(len(t) for t in result["themes"].values()), "redactions": len(result["redactions"]),
            "cpu_seconds": _cpu_seconds(), "peak_memory_mb": _peak_mb(), "no_torch": _no_torch(),
            "target_seconds": 30}


def _write_csv(path: Path) -> dict[str, list[str]]:
    from benchmarks.voice_data import coded_responses

    rows = coded_responses("hub", N)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["respondent_id", "respondent_type", "publish", "3"])
        for n, (rid, text, _codes) in enumerate(rows):
            writer.writerow([rid, "individual", "anonymous" if n % 10 == 0 else "no", text])
    return {rid: codes for rid, _text, codes in rows}


def run_ten_thousand() -> dict:
    from throughcare.voice.analysis import embeddings, pipeline

    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "responses-10000.csv"
    truth = _write_csv(path)
    (WORK / "truth.json").write_text(json.dumps(truth))
    cache = WORK / "vectors.sqlite"
    cache.unlink(missing_ok=True)
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    embeddings.use_cache_file(cache)
    result = pipeline.analyse(EXAMPLE / "paper.txt", [path])
    seconds = time.perf_counter() - started
    (WORK / "analysis-10000.json").write_text(json.dumps(result, ensure_ascii=False))
    return {"scenario": "ten-thousand", "responses": N, "seconds": round(seconds, 2),
            "points": len(result["points"]["3"]), "candidate_themes": len(result["themes"]["3"]),
            "for_review": sum(a["review"] for a in result["assignments"]["3"]),
            "campaign_groups": len(result["campaigns"]), "texts_embedded": embeddings.default().embedded,
            "cpu_seconds": round(_cpu_seconds() - cpu_before, 2), "peak_memory_mb": _peak_mb(),
            "no_torch": _no_torch(), "target_seconds": 300}


def run_recode() -> dict:
    from benchmarks.voice_data import THEMES
    from throughcare.voice.analysis import embeddings, pipeline, themes

    result = json.loads((WORK / "analysis-10000.json").read_text())
    truth = json.loads((WORK / "truth.json").read_text())
    embeddings.use_cache_file(WORK / "vectors.sqlite")
    edited = [dict(t, approved=True) for t in THEMES["hub"]]
    # A point's true codes are its respondent's (a campaign member's added words can carry others: a small
    # overcount of error, so the F1 below is if anything low).
    point_truth = {p["id"]: truth[p["respondent"]] for p in result["points"]["3"]}
    sample_ids = themes.coding_sample({p: "" for p in point_truth}, 100)
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    pipeline.recode(result, "3", edited, coded_sample={pid: point_truth[pid] for pid in sample_ids})
    seconds = time.perf_counter() - started
    coded = {a["point"]: a["theme_ids"] for a in result["assignments"]["3"] if a["point"] not in sample_ids}
    score = themes.f1(coded, {p: point_truth[p] for p in coded})
    return {"scenario": "recode", "responses": len(result["points"]["3"]), "seconds": round(seconds, 2),
            "f1_against_true_codes": round(score, 4), "coded_sample": len(sample_ids),
            "texts_embedded": embeddings.default().embedded, "cpu_seconds": round(_cpu_seconds() - cpu_before, 2),
            "peak_memory_mb": _peak_mb(), "no_torch": _no_torch(), "target_seconds": 30}


SCENARIOS = {"seeds": run_seeds, "ten-thousand": run_ten_thousand, "recode": run_recode}


def _machine() -> dict:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(), "platform": platform.platform(),
            "load_average": list(os.getloadavg())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default="all", choices=["all", *SCENARIOS])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(SCENARIOS[args.scenario]()))
        return
    names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    report = {"started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "commit": commit(),
              "machine": _machine(), "runs": []}
    for name in names:
        load_before = list(os.getloadavg())
        done = subprocess.run([sys.executable, "-m", "benchmarks.voice", name, "--child"], cwd=ROOT,
                              capture_output=True, text=True, timeout=1800, check=False)
        if done.returncode:
            print(done.stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"{name} failed")
        run = json.loads(done.stdout.strip().splitlines()[-1]) | {"load_average_before": load_before,
                                                                    "load_average_after": list(os.getloadavg())}
        report["runs"].append(run)
        print(json.dumps(run))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{dt.date.today().isoformat()}-voice.json"
    if out.exists() and args.scenario != "all":  # one scenario run again: keep the others' runs
        earlier = json.loads(out.read_text())
        report["earlier_runs"] = [r for r in earlier.get("runs", []) + earlier.get("earlier_runs", [])
                                  if r["scenario"] not in names]
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"→ {out}")


if __name__ == "__main__":
    main()
