"""Identity matching benchmarks, side by side with plain Splink (docs/benchmarks.md, "Identity matching").

    nice -n 10 .venv/bin/python -m benchmarks.matching febrl3            # FEBRL3 dedupe: F1 and time
    nice -n 10 .venv/bin/python -m benchmarks.matching synthetic --n 1000000   # time, F1, peak memory
    nice -n 10 .venv/bin/python -m benchmarks.matching register --n 1000000    # one new record: p95, top-1

Each pipeline runs in its own process (`_run`), so its peak memory (ru_maxrss) is its own. Results are
printed and written to benchmarks/results/<date>-matching-<what>.json.

"Plain Splink" is Splink 4 as its documentation sets it up for people data: the comparison library's
NameComparison, DateOfBirthComparison, PostcodeComparison and ExactMatch, trained the same way
(prior from deterministic rules, u by random sampling, EM on the same blocks) with the same blocking
rules, so the difference is Throughcare's comparison design (spec.py), not how many pairs are looked at.

Synthetic people: names drawn (Zipf-weighted) from Faker's name lists for several locales (about 3,000
given names and 5,000 surnames), birth dates 1940-2005, sex, UK-shaped postcodes shared by households,
NHS numbers on a third of records. Duplicates get one to three errors each: a typing slip in a name, a
nickname, a new surname, names swapped, day and month swapped, one digit of the birth date, a moved or
missing postcode, a missing NHS number.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.provenance import commit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
WORK = Path(os.environ.get("THROUGHCARE_DATA_DIR", ROOT / "data")) / "bench-matching"

NICKNAMES = {"william": "bill", "robert": "bob", "elizabeth": "liz", "margaret": "maggie", "james": "jim",
             "michael": "mike", "thomas": "tom", "richard": "rick", "katherine": "kate", "jennifer": "jen",
             "christopher": "chris", "joseph": "joe", "daniel": "dan", "samuel": "sam", "rebecca": "becky",
             "alexander": "alex", "anthony": "tony", "matthew": "matt", "jonathan": "jon", "susan": "sue"}
LOCALES = ("en_GB", "en_US", "en_IE", "en_IN", "en_NZ", "pl_PL", "ro_RO", "pt_PT", "it_IT", "lt_LT", "tw_GH")
COLUMNS = ("record_id", "given_name", "surname", "dob", "sex", "postcode", "address", "town", "nhs_number",
           "prison_number", "probation_reference")
AREAS = ("AB B BA BB BD BH BL BN BR BS CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX "
         "FK FY G GL GU HA HD HG HP HR HU HX IG IP KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR "
         "NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW "
         "UB W WA WC WD WF WN WR WS WV YO").split()


def _machine() -> dict:
    cpus = os.cpu_count()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": cpus, "cpu": model, "python": platform.python_version(), "platform": platform.platform(),
            "load_average": os.getloadavg()}


# --- synthetic people ------------------------------------------------------------------------------------


def _names():
    given, family = set(), set()
    for locale in LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:
            continue
        for attr in ("first_names_female", "first_names_male", "first_names"):
            given.update(n for n in (getattr(provider, attr, None) or ()) if n.isascii() and n.isalpha())
        family.update(n for n in (getattr(provider, "last_names", None) or ()) if n.isascii() and n.isalpha())
    return sorted(given), sorted(family)


def _zipf_weights(n: int) -> list[float]:
    return [1 / (rank + 10) for rank in range(n)]


def _nhs(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _unique_nhs(rng: random.Random, used: set) -> str:
    """NHS numbers are unique on the register (a unique constraint): a clash is drawn again."""
    while True:
        number = _nhs(rng)
        if number not in used:
            used.add(number)
            return number


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word + rng.choice("aeiou")
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1:]
    if kind == 1:
        return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[i:]
    if kind == 2:
        return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz") + word[i + 1:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def _corrupt(rng: random.Random, record: dict, surnames: list[str], postcodes: list[str]) -> dict:
    out = dict(record)
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        kind = rng.randrange(10)
        if kind == 0:
            out["given_name"] = _typo(rng, out["given_name"])
        elif kind == 1:
            out["given_name"] = NICKNAMES.get(out["given_name"], _typo(rng, out["given_name"]))
        elif kind == 2:
            out["surname"] = _typo(rng, out["surname"])
        elif kind == 3:
            out["surname"] = rng.choice(surnames).lower()
        elif kind == 4:
            out["given_name"], out["surname"] = out["surname"], out["given_name"]
        elif kind == 5:
            d = out["dob"]
            if int(d[8:10]) <= 12:
                out["dob"] = f"{d[:4]}-{d[8:10]}-{d[5:7]}"
        elif kind == 6:
            d = out["dob"]
            i = rng.choice((2, 3, 6, 8, 9))
            candidate = d[:i] + str(rng.randrange(10)) + d[i + 1:]
            try:
                dt.date.fromisoformat(candidate)
                out["dob"] = candidate
            except ValueError:
                pass
        elif kind == 7:
            out["postcode"] = rng.choice(postcodes)
        elif kind == 8:
            out["postcode"] = None
        else:
            out["nhs_number"] = None
    return out


def synthetic(n: int, *, seed: int = 1, duplicate_share: float = 0.2):
    """n records: originals and corrupted duplicates. Returns (records, person_of record_id)."""
    rng = random.Random(seed)
    given, family = _names()
    gw, fw = _zipf_weights(len(given)), _zipf_weights(len(family))
    rng.shuffle(given)
    rng.shuffle(family)
    postcodes = [f"{rng.choice(AREAS)}{rng.randrange(1, 30)} {rng.randrange(10)}"
                 f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}"
                 for _ in range(max(10, int(n * 0.6)))]
    originals = int(n * (1 - duplicate_share))
    start = dt.date(1940, 1, 1).toordinal()
    span = dt.date(2005, 12, 31).toordinal() - start
    given_draw = rng.choices(given, weights=gw, k=originals)
    family_draw = rng.choices(family, weights=fw, k=originals)
    records, person_of, used = [], {}, set()
    for i in range(originals):
        record = {"record_id": f"r{i}", "given_name": given_draw[i].lower(), "surname": family_draw[i].lower(),
                  "dob": dt.date.fromordinal(start + rng.randrange(span)).isoformat(), "sex": rng.choice("mf"),
                  "postcode": rng.choice(postcodes), "address": None, "town": None,
                  "nhs_number": _unique_nhs(rng, used) if rng.random() < 0.33 else None, "prison_number": None,
                  "probation_reference": None}
        records.append(record)
        person_of[record["record_id"]] = i
    for j in range(n - originals):
        source = rng.randrange(originals)
        dup = _corrupt(rng, records[source], family, postcodes)
        dup["record_id"] = f"d{j}"
        records.append(dup)
        person_of[dup["record_id"]] = source
    for record in records:
        record["postcode"] = record["postcode"].replace(" ", "") if record["postcode"] else None
    return records, person_of


def truth_pairs(person_of: dict) -> set:
    from itertools import combinations

    members: dict = {}
    for record_id, person in person_of.items():
        members.setdefault(person, []).append(record_id)
    return {tuple(sorted(p)) for group in members.values() if len(group) > 1 for p in combinations(group, 2)}


# --- the two pipelines -------------------------------------------------------------------------------------


def _plain_settings():
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    from throughcare.matching import spec

    return SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="record_id",
        comparisons=[cl.NameComparison("given_name"), cl.NameComparison("surname"),
                     cl.DateOfBirthComparison("dob", input_is_string=True), cl.ExactMatch("sex"),
                     cl.PostcodeComparison("postcode_spaced"), cl.ExactMatch("address"), cl.ExactMatch("town"),
                     cl.ExactMatch("nhs_number")],
        blocking_rules_to_generate_predictions=[block_on(*rule) for rule in spec.BLOCKING_RULES],
        retain_intermediate_calculation_columns=False, retain_matching_columns=False)


def _plain(frame, timings: dict):
    from splink import Linker, block_on

    from throughcare.matching import linkage, spec

    frame = frame.copy()
    frame["postcode_spaced"] = frame["postcode"].map(lambda p: f"{p[:-3]} {p[-3:]}" if p else None)
    started = time.perf_counter()
    linker = Linker(frame, _plain_settings(), db_api=linkage.duckdb_api())  # the same memory limit
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*rule) for rule in spec.DETERMINISTIC_RULES], recall=spec.DETERMINISTIC_RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=linkage.u_sample_pairs(len(frame)), seed=1)
    for block in spec.TRAINING_BLOCKS:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*block))
    timings["train"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=spec.LINK_THRESHOLD)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, spec.LINK_THRESHOLD)
    frame_out = clusters.as_pandas_dataframe()
    timings["predict_and_cluster"] = round(time.perf_counter() - started, 2)
    return dict(zip(frame_out["record_id"].astype(str), frame_out["cluster_id"].astype(str), strict=True))


def _ours(frame, timings: dict):
    from throughcare.matching import linkage

    started = time.perf_counter()
    model = linkage.train(frame)
    timings["train"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    clusters, _pairs = linkage.dedupe(frame, model)
    timings["predict_and_cluster"] = round(time.perf_counter() - started, 2)
    return clusters


def _load(dataset: str, n: int):
    import pandas as pd

    from throughcare.matching import records, spec

    if dataset in ("febrl3", "febrl4"):
        data, truth = records.febrl(dataset)
    else:  # a CSV read straight into a table: no million Python dicts in the measured process
        path = WORK / f"synthetic-{n}.csv"
        if not path.exists():
            raise SystemExit(f"{path} is missing: run the synthetic command first")
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        truth = truth_pairs(dict(zip(frame["record_id"], frame["person"], strict=True)))
        frame = frame[list(spec.COLUMNS)].replace("", None)
        return frame.astype(object).where(frame.notna(), None), truth
    frame = pd.DataFrame.from_records(data, columns=list(spec.COLUMNS))
    return frame.astype(object).where(frame.notna(), None), truth


def _run(which: str, dataset: str, n: int) -> dict:
    """One pipeline in this process: prints its figures as JSON (the parent reads them)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "throughcare.settings")
    import django

    django.setup()
    from throughcare.matching.evaluate import pairs_of, scores

    frame, truth = _load(dataset, n)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings: dict = {}
    started = time.perf_counter()
    clusters = (_ours if which == "ours" else _plain)(frame, timings)
    elapsed = time.perf_counter() - started
    result = {"pipeline": which, "dataset": dataset, "records": len(frame), "seconds": round(elapsed, 2),
              **timings, **scores(pairs_of(clusters), truth),
              "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
              "memory_before_linkage_mb": round(rss_before / 1024)}
    print(json.dumps(result))
    return result


def _child(which: str, dataset: str, n: int) -> dict:
    command = [sys.executable, "-m", "benchmarks.matching", "_run", "--which", which, "--dataset", dataset, "--n", str(n)]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=7200)
    if out.returncode != 0:
        raise SystemExit(f"{which} on {dataset} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def side_by_side(dataset: str, n: int = 0, repeat: int = 1) -> dict:
    runs = []
    for _ in range(repeat):
        for which in ("ours", "plain"):
            runs.append(_child(which, dataset, n))
            print(json.dumps(runs[-1]), flush=True)
    return {"dataset": dataset, "records": runs[0]["records"], "runs": runs}


# --- one new record against the register --------------------------------------------------------------------


def build_register(n: int, *, seed: int = 1) -> tuple[Path, list[dict], list[int]]:
    """A SQLite register of n people (Person, usual name, identifiers, profile and keys, as index.rebuild
    writes them) and queries: corrupted copies of people on it, with the person each should find."""
    import uuid

    os.environ["DATABASE_URL"] = f"sqlite:///{WORK / f'register-{n}.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "throughcare.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from throughcare.matching import index
    from throughcare.people.models import Person

    records, _person_of = synthetic(n, seed=seed, duplicate_share=0.0)
    given, family = _names()
    rng = random.Random(seed + 1)
    postcodes = [r["postcode"] for r in records[:1000] if r["postcode"]]
    sample = rng.sample(range(n), 1000)
    queries = [_corrupt(rng, {**records[i], "postcode": records[i]["postcode"]}, family, postcodes) for i in sample]
    path = WORK / f"register-{n}.sqlite3"
    if path.exists() and Person.objects.count() == n:
        return path, queries, sample
    path.unlink(missing_ok=True)
    connection.close()
    call_command("migrate", verbosity=0)
    from throughcare.agencies.actions import create_agency
    from throughcare.people.models import Identifier, PersonName

    agency = create_agency(actor=None, name="Benchmark", kind="community_treatment")
    now = timezone.now()
    for start in range(0, n, 20_000):
        batch = range(start, min(n, start + 20_000))
        with transaction.atomic():
            Person.objects.bulk_create([Person(
                id=uuid.UUID(int=i + 1), date_of_birth=dt.date.fromisoformat(records[i]["dob"]),
                sex="female" if records[i]["sex"] == "f" else "male", postcode=records[i]["postcode"] or "",
                display_name=f"{records[i]['given_name']} {records[i]['surname']}", registered_by_agency=agency,
                registered_at=now, updated_at=now) for i in batch], batch_size=5000)
            PersonName.objects.bulk_create([PersonName(
                person_id=uuid.UUID(int=i + 1), kind="usual", given_names=records[i]["given_name"],
                family_name=records[i]["surname"], folded_given=records[i]["given_name"],
                folded_family=records[i]["surname"]) for i in batch], batch_size=5000)
            Identifier.objects.bulk_create([Identifier(person_id=uuid.UUID(int=i + 1), scheme="nhs",
                                                       value=records[i]["nhs_number"])
                                            for i in batch if records[i]["nhs_number"]], batch_size=5000)
        print(f"people {batch.stop:,}", file=sys.stderr, flush=True)
    index.rebuild(batch_size=20_000, progress=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return path, queries, sample


def register_benchmark(n: int) -> dict:
    path, queries, sample = build_register(n)
    from django.db import connection

    from throughcare.matching import index, records, trained
    from throughcare.matching.candidates import scored
    from throughcare.people.inputs import PersonDetails

    connection.close()
    import uuid

    _version, scorer = trained.scorer()
    details = []
    for q in queries:
        details.append(PersonDetails(
            given_names=q["given_name"] or "", family_name=q["surname"] or "",
            date_of_birth=dt.date.fromisoformat(q["dob"]), sex={"f": "female", "m": "male"}[q["sex"]],
            postcode=q["postcode"] or "", nhs_number=q["nhs_number"] or ""))
    for d in details[:20]:  # warm the connection and caches
        scored(d)
    latencies, top1, found_any, candidate_counts = [], 0, 0, []
    for d, source in zip(details, sample, strict=True):
        started = time.perf_counter()
        _v, results = scored(d)
        latencies.append((time.perf_counter() - started) * 1000)
        record = records.from_details(d)
        candidate_counts.append(len(index.candidates(record)))
        if results:
            found_any += 1
            if results[0][0] == str(uuid.UUID(int=source + 1)):
                top1 += 1
    latencies.sort()
    ours = {"queries": len(details), "p50_ms": round(latencies[len(latencies) // 2], 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95)], 1), "max_ms": round(latencies[-1], 1),
            "top1": round(top1 / len(details), 4), "any_candidate": round(found_any / len(details), 4),
            "median_candidates": sorted(candidate_counts)[len(candidate_counts) // 2],
            "max_candidates": max(candidate_counts)}
    print(json.dumps({"ours": ours}), flush=True)
    plain = _plain_find_matches(n, queries[:50], sample[:50])
    return {"records": n, "database": f"SQLite ({path.name})", "ours": ours, "plain_splink": plain}


def _plain_find_matches(n: int, queries: list[dict], sample: list[int]) -> dict:
    """Plain Splink's own call for one new record, on the same register held in DuckDB."""
    import pandas as pd
    from splink import DuckDBAPI, Linker, block_on

    from throughcare.matching import linkage, spec, trained

    register, _ = synthetic(n, seed=1, duplicate_share=0.0)
    frame = linkage._frame(pd.DataFrame.from_records(register, columns=list(spec.COLUMNS)))
    frame = frame.astype(object).where(frame.notna(), None)
    _v, parameters = trained.current()
    linker = Linker(frame, json.loads(json.dumps(parameters)), db_api=DuckDBAPI())
    rules = [block_on(*rule) for rule in spec.BLOCKING_RULES]
    latencies, top1 = [], 0
    for q, source in zip(queries, sample, strict=True):
        record = {**q, "record_id": "new"}
        started = time.perf_counter()
        found = linker.inference.find_matches_to_new_records([record], blocking_rules=rules,
                                                             match_weight_threshold=-4).as_pandas_dataframe()
        latencies.append((time.perf_counter() - started) * 1000)
        if len(found):
            best = found.sort_values("match_weight", ascending=False).iloc[0]
            ids = {str(best["record_id_l"]), str(best["record_id_r"])}
            top1 += f"r{source}" in ids
    latencies.sort()
    return {"queries": len(queries), "p50_ms": round(latencies[len(latencies) // 2], 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95)], 1), "top1": round(top1 / len(queries), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["febrl3", "febrl4", "synthetic", "register", "_run"])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--which", choices=["ours", "plain"], default="ours")
    parser.add_argument("--dataset", default="febrl3")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    WORK.mkdir(parents=True, exist_ok=True)
    if args.what == "_run":
        _run(args.which, args.dataset, args.n)
        return
    started = dt.datetime.now(dt.UTC)
    if args.what in ("febrl3", "febrl4"):
        result = side_by_side(args.what, repeat=args.repeat)
    elif args.what == "synthetic":
        path = WORK / f"synthetic-{args.n}.csv"
        if not path.exists():
            import csv

            data, person_of = synthetic(args.n)
            with path.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["record_id", "person", *[c for c in COLUMNS if c != "record_id"]])
                for record in data:
                    writer.writerow([record["record_id"], person_of[record["record_id"]],
                                     *[record[c] or "" for c in COLUMNS if c != "record_id"]])
            del data, person_of
        result = side_by_side(f"synthetic-{args.n}", args.n, repeat=1)
    else:
        result = register_benchmark(args.n)
    result = {"started": started.isoformat(timespec="seconds"), "commit": commit(), "machine": _machine(), **result}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{started:%Y-%m-%d}-matching-{args.what}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
