"""Splink on DuckDB: training a model without labels, and deduplicating a table of records.

Splink is imported only here, and only when a batch job runs (it takes a second or two to import):
the register's one-record path (`scoring`) never needs it. See docs/decisions/0014-identity-matching.md
for the Spark settings a national register would use instead of DuckDB.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass, field

from throughcare.matching import spec


def u_sample_pairs(records: int) -> float:
    """Random pairs Splink samples to estimate u (the chance two different people agree by coincidence):
    40 per record, at least 100,000 and at most 5,000,000 (measured: FEBRL3's F1 is the same at 200,000 as
    at 1,000,000 pairs, in a fifth of the time)."""
    return float(max(100_000, min(5_000_000, 40 * records)))


#: Splink logs every EM iteration, and warns about levels FEBRL never fills (sex); the command line reports itself.
for _name in ("splink", "splink.internals"):
    logging.getLogger(_name).setLevel(logging.ERROR)


#: DuckDB's working memory; beyond it DuckDB spills to temporary files (a million records: 3.4 GB peak in all).
DUCKDB_MEMORY_LIMIT = "2GB"


def duckdb_api():
    """Splink's DuckDB backend on a connection of its own, with the memory limit."""
    import duckdb
    from splink import DuckDBAPI

    return DuckDBAPI(connection=duckdb.connect(config={"memory_limit": DUCKDB_MEMORY_LIMIT}))


def _jw_function(dialect: str) -> str:
    return "jaro_winkler" if dialect == "spark" else "jaro_winkler_similarity"


def splink_comparisons(dialect: str = "duckdb") -> list:
    """The comparisons in `spec`, as Splink comparison creators."""
    import splink.comparison_level_library as cll
    from splink import comparison_library as cl

    comparisons = []
    for comparison in spec.COMPARISONS:
        col = comparison.column
        levels = []
        for level in comparison.levels:
            if level.kind == "null":
                made = cll.NullLevel(col)
            elif level.kind == "exact":
                made = cll.ExactMatchLevel(col)
            elif level.kind == "jw":
                made = cll.JaroWinklerLevel(col, level.threshold)
            elif level.kind == "lev":
                made = cll.LevenshteinLevel(col, int(level.threshold))
            elif level.kind == "cross_jw":
                made = cll.CustomLevel(
                    f"{_jw_function(dialect)}({col}_l, {level.other}_r) >= {level.threshold}", base_dialect_str=dialect)
            elif level.kind == "dob_transposed":
                made = cll.CustomLevel(
                    f"substr({col}_l, 1, 4) = substr({col}_r, 1, 4) AND substr({col}_l, 6, 2) = substr({col}_r, 9, 2) "
                    f"AND substr({col}_l, 9, 2) = substr({col}_r, 6, 2)", base_dialect_str=dialect)
            elif level.kind == "year":
                made = cll.CustomLevel(f"substr({col}_l, 1, 4) = substr({col}_r, 1, 4)", base_dialect_str=dialect)
            elif level.kind == "else":
                made = cll.ElseLevel()
            else:  # a programming error in spec.py
                raise ValueError(f"unknown level kind {level.kind!r}")
            options = {"label_for_charts": level.label}
            if level.m is not None:
                options.update(m_probability=level.m, u_probability=level.u, fix_m_probability=True,
                               fix_u_probability=True)
            levels.append(made.configure(**options))
        comparisons.append(cl.CustomComparison(output_column_name=col, comparison_levels=levels,
                                               comparison_description=comparison.title))
    return comparisons


def _block(rule: tuple[str, ...]):
    from splink import block_on

    return block_on(*rule)


def settings(dialect: str = "duckdb"):
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only", unique_id_column_name="record_id", comparisons=splink_comparisons(dialect),
        blocking_rules_to_generate_predictions=[_block(rule) for rule in spec.BLOCKING_RULES],
        retain_intermediate_calculation_columns=False, retain_matching_columns=False,
        additional_columns_to_retain=[],
    )


def _frame(records):
    import pandas as pd

    if isinstance(records, pd.DataFrame):  # already a table (the benchmarks pass a million rows this way)
        return records[list(spec.COLUMNS)]
    frame = pd.DataFrame.from_records(list(records), columns=list(spec.COLUMNS))
    return frame.astype(object).where(frame.notna(), None)


@dataclass
class Timings:
    steps: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, started: float) -> float:
        now = time.perf_counter()
        self.steps[name] = round(now - started, 3)
        return now


#: Used for a level the training data never filled (FEBRL records no sex): m and u of "the same" and
#: "different". Any other untrained level gets m = u, no evidence either way, in Splink and in Python alike.
UNTRAINED_SEX = {"the same": (0.98, 0.5), "different": (0.02, 0.5)}


def finish_model(model: dict) -> dict:
    """Put the fixed identifier probabilities from `spec` back into a saved model (whatever training did), and
    give levels the data never filled explicit values, so Splink and the Python scorer read the same weights."""
    model = copy.deepcopy(model)
    for comparison in model["comparisons"]:
        wanted = spec.COMPARISON_BY_COLUMN.get(comparison["output_column_name"])
        if wanted is None:
            continue
        for saved, level in zip(comparison["comparison_levels"], wanted.levels, strict=True):
            if level.m is not None:
                saved["m_probability"], saved["u_probability"] = level.m, level.u
            elif not saved.get("is_null_level") and not (_number(saved.get("m_probability"))
                                                         and _number(saved.get("u_probability"))):
                if wanted.column == "sex" and level.label in UNTRAINED_SEX:
                    saved["m_probability"], saved["u_probability"] = UNTRAINED_SEX[level.label]
                else:
                    u = saved.get("u_probability") if _number(saved.get("u_probability")) else 0.5
                    saved["m_probability"], saved["u_probability"] = u, u
    return model


def _number(value) -> bool:
    return isinstance(value, int | float) and value > 0


def train(records, *, seed: int = 1, u_pairs: float | None = None, timings: Timings | None = None) -> dict:
    """Train a model on `records` (dicts with spec.COLUMNS) without labels; return it as Splink's JSON dict.

    1. the prior (how often two records match) from deterministic rules with an assumed recall;
    2. u by random sampling of pairs (two different people agreeing by chance);
    3. m by expectation maximisation, once per training block (each block leaves its own columns out).
    """
    from splink import Linker

    timings = timings or Timings()
    started = time.perf_counter()
    frame = _frame(records)
    linker = Linker(frame, settings(), db_api=duckdb_api())
    u_pairs = u_pairs or u_sample_pairs(len(frame))
    linker.training.estimate_probability_two_random_records_match(
        [_block(rule) for rule in spec.DETERMINISTIC_RULES], recall=spec.DETERMINISTIC_RECALL)
    prior = linker.misc.save_model_to_json()["probability_two_random_records_match"]
    floor = 2 * 0.005 / max(len(frame), 2)
    if not prior or prior < floor:
        # A register that registration keeps free of exact duplicates gives the deterministic rules nothing
        # to find; EM started from a prior of 0 collapses. Assume at least one record in 200 is a duplicate:
        # 0.005 n pairs among n²/2.
        saved = linker.misc.save_model_to_json()
        saved["probability_two_random_records_match"] = floor
        linker = Linker(frame, saved, db_api=duckdb_api())
    started = timings.add("prior", started)
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    started = timings.add("u", started)
    for block in spec.TRAINING_BLOCKS:
        linker.training.estimate_parameters_using_expectation_maximisation(_block(block), estimate_without_term_frequencies=True)
    timings.add("em", started)
    return finish_model(linker.misc.save_model_to_json())


def dedupe(records, model: dict, *, threshold: float = spec.LINK_THRESHOLD, timings: Timings | None = None):
    """Cluster `records` with a trained `model`: returns (clusters {record_id: cluster_id}, pairs).

    `pairs` are (record_id_l, record_id_r, match_probability) at or above the threshold.
    """
    from splink import Linker

    timings = timings or Timings()
    started = time.perf_counter()
    frame = _frame(records)
    linker = Linker(frame, copy.deepcopy(model), db_api=duckdb_api())
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    started = timings.add("predict", started)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, threshold)
    cluster_frame = clusters.as_pandas_dataframe()
    pairs_frame = predictions.as_pandas_dataframe()
    timings.add("cluster", started)
    cluster_of = dict(zip(cluster_frame["record_id"].astype(str), cluster_frame["cluster_id"].astype(str), strict=True))
    pairs = list(zip(pairs_frame["record_id_l"].astype(str), pairs_frame["record_id_r"].astype(str),
                     pairs_frame["match_probability"].astype(float), strict=True))
    return cluster_of, pairs
