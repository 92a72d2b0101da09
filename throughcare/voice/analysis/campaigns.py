"""Campaigns and near-duplicates: word 4-shingles, MinHash with LSH banding, confirmed by exact Jaccard.

Responses whose shingle sets overlap by at least ``threshold`` (Jaccard) are linked; linked responses form
groups (union-find). A group of ``campaign_size`` or more is a campaign; smaller groups are duplicates. The
text most members share (the medoid) is the standard text, analysed once; each member's own additions are
its variation, read separately. Deterministic: hashing is blake2b with fixed seeds.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

SHINGLE = 4
PERMUTATIONS = 64
BANDS = 16
PRIME = (1 << 61) - 1


@dataclass
class Group:
    members: list[str]
    standard_id: str
    kind: str  # campaign | duplicate
    similarity: float
    variations: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "size": len(self.members), "members": self.members,
                "standard_response": self.standard_id, "mean_similarity": round(self.similarity, 3),
                "variations": self.variations}


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))


def shingles(text: str, size: int = SHINGLE) -> set[int]:
    tokens = _tokens(text)
    if len(tokens) < size:
        return {_hash(" ".join(tokens))} if tokens else set()
    return {_hash(" ".join(tokens[i:i + size])) for i in range(len(tokens) - size + 1)}


def _hash(value: str) -> int:
    return int.from_bytes(hashlib.blake2b(value.encode(), digest_size=8).digest(), "big") & PRIME


_rng = np.random.default_rng(20101)
_A = _rng.integers(1, PRIME, PERMUTATIONS, dtype=np.int64).astype(object)
_B = _rng.integers(0, PRIME, PERMUTATIONS, dtype=np.int64).astype(object)


def minhash(items: set[int]) -> tuple[int, ...]:
    if not items:
        return tuple([PRIME] * PERMUTATIONS)
    values = np.array(sorted(items), dtype=object)
    return tuple(int(((a * values + b) % PRIME).min()) for a, b in zip(_A, _B, strict=True))


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def find_groups(responses: dict[str, str], threshold: float = 0.6, campaign_size: int = 3,
                min_words: int = 8, ignore_text: str = "") -> list[Group]:
    """Groups of near-identical responses, largest first (ties by the first member's id).

    ``ignore_text`` (the consultation paper): its shingles are left out, so respondents who quote the same
    passage of the paper before their own answers are not taken for a campaign."""
    ids = sorted(responses)
    ignored = shingles(ignore_text) if ignore_text else set()
    sets = {i: shingles(responses[i]) - ignored for i in ids if len(_tokens(responses[i])) >= min_words}
    sets = {i: items for i, items in sets.items() if items}
    rows = BANDS and PERMUTATIONS // BANDS
    buckets: dict[tuple, list[str]] = defaultdict(list)
    for rid, items in sets.items():
        signature = minhash(items)
        for band in range(BANDS):
            buckets[(band, signature[band * rows:(band + 1) * rows])].append(rid)
    parent = {rid: rid for rid in sets}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    checked = set()
    scores: dict[tuple[str, str], float] = {}
    for members in buckets.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                pair = (a, b) if a < b else (b, a)
                if pair in checked:
                    continue
                checked.add(pair)
                score = jaccard(sets[a], sets[b])
                if score >= threshold:
                    scores[pair] = score
                    parent[find(a)] = find(b)
    clusters: dict[str, list[str]] = defaultdict(list)
    for rid in sets:
        clusters[find(rid)].append(rid)
    scores_of: dict[str, list[float]] = defaultdict(list)
    for (a, _b), score in scores.items():
        scores_of[find(a)].append(score)
    position = {rid: n for n, rid in enumerate(ids)}
    groups = []
    for root, members in clusters.items():
        if len(members) < 2:
            continue
        members.sort()
        # standard text: the member most like the others (on a fixed sample of them in a large group)
        sample = members if len(members) <= 60 else members[:: max(1, len(members) // 60)]
        best = max(members, key=lambda m: (sum(jaccard(sets[m], sets[o]) for o in sample if o != m), -position[m]))
        pair_scores = scores_of[root]
        standard_tokens = set(_tokens(responses[best]))
        variations = {}
        for m in members:
            extra = [w for w in re.split(r"(?<=[.!?])\s+", responses[m].strip())
                     if w and not set(_tokens(w)) <= standard_tokens]
            if extra and m != best:
                variations[m] = " ".join(extra)
        groups.append(Group(members=members, standard_id=best,
                            kind="campaign" if len(members) >= campaign_size else "duplicate",
                            similarity=float(np.mean(pair_scores)) if pair_scores else threshold,
                            variations=variations))
    groups.sort(key=lambda g: (-len(g.members), g.members[0]))
    return groups


def variation_spans(standard: str, text: str) -> list[tuple[int, int]]:
    """Offsets in `text` of its sentences that the standard text does not contain (the member's own words)."""
    known = set(_tokens(standard))
    spans = []
    for match in re.finditer(r"[^.!?\n]+[.!?]*", text):
        words = set(_tokens(match.group()))
        if words and not words <= known:
            start = match.start() + len(match.group()) - len(match.group().lstrip())
            spans.append((start, match.start() + len(match.group().rstrip())))
    return spans


def pair_set(groups: list[Group]) -> set[tuple[str, str]]:
    pairs = set()
    for group in groups:
        for i, a in enumerate(group.members):
            for b in group.members[i + 1:]:
                pairs.add((a, b))
    return pairs
