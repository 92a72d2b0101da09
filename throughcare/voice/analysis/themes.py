"""Themes for one open question: proposed by clustering, edited and approved by an analyst, then applied.

- ``propose``: embed each response (``vectors.Embedder``), k-means (seeded) into candidate themes; each theme
  gets keywords (class-based TF-IDF, as BERTopic does) and its most representative responses.
- ``ThemeSet``: the analyst merges, splits, renames and approves; every edit is kept in ``history``.
- ``Coder``: applies approved themes ({id, label, description}) to responses, with or without coded examples:
  a theme's prototype is its description's vector plus the mean of its examples; scores mix the prototype
  and the nearest examples. A response gets every theme scoring within 75 % of its best; its confidence is
  the best score's margin over the floor; below ``review_below`` it goes to the review queue.
- ``stance``: agree / disagree / mixed / neutral from a small lexicon of support and opposition.
Same input, same output: every random step is seeded and ties break by id.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.cluster import KMeans

from .vectors import SEED, Embedder, word_vectoriser


@dataclass
class Theme:
    id: str
    label: str
    description: str = ""
    keywords: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    representatives: list[str] = field(default_factory=list)
    approved: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def _keywords(groups: list[list[str]], top: int = 5) -> list[list[str]]:
    docs = [" ".join(g) for g in groups]
    try:
        vectoriser = word_vectoriser().fit(docs)
    except ValueError:
        return [[] for _ in groups]
    matrix = vectoriser.transform(docs).toarray()
    vocab = np.array(vectoriser.get_feature_names_out())
    result = []
    for row in matrix:
        order = np.lexsort((vocab, -row))
        words = []
        for index in order:
            term = vocab[index]
            if row[index] <= 0 or len(words) >= top:
                break
            if any(term in w or w in term for w in words):
                continue
            words.append(term)
        result.append(words)
    return result


def propose(responses: dict[str, str], k: int | None = None, representatives: int = 3) -> list[Theme]:
    """Candidate themes for the responses to one question (ids sorted; the same input gives the same themes)."""
    ids = sorted(rid for rid, text in responses.items() if text and text.strip())
    if not ids:
        return []
    texts = [responses[i] for i in ids]
    if len(ids) < 3:
        keywords = _keywords([texts])[0]
        return [Theme(id="T1", label=", ".join(keywords[:3]) or "All responses", keywords=keywords,
                      members=ids, representatives=ids[:representatives])]
    k = k or int(min(12, max(2, round(np.sqrt(len(ids) / 2)))))
    k = min(k, len(ids) - 1)
    vectors = Embedder(dims=100).fit_transform(texts)
    model = KMeans(n_clusters=k, random_state=SEED, n_init=4).fit(vectors)
    labels = model.labels_
    clusters = []
    for c in range(k):
        members = [ids[i] for i in np.flatnonzero(labels == c)]
        if not members:
            continue
        centre = model.cluster_centers_[c]
        closeness = {ids[i]: float(vectors[i] @ centre) for i in np.flatnonzero(labels == c)}
        reps = sorted(members, key=lambda m: (-closeness[m], m))[:representatives]
        clusters.append((members, reps))
    clusters.sort(key=lambda c: (-len(c[0]), c[0][0]))
    keywords = _keywords([[responses[m] for m in members] for members, _reps in clusters])
    return [Theme(id=f"T{n}", label=", ".join(kw[:3]) or f"Theme {n}", keywords=kw, members=members,
                  representatives=reps)
            for n, ((members, reps), kw) in enumerate(zip(clusters, keywords, strict=True), start=1)]


class ThemeError(ValueError):
    pass


@dataclass
class ThemeSet:
    themes: list[Theme]
    history: list[dict] = field(default_factory=list)

    def get(self, theme_id: str) -> Theme:
        for theme in self.themes:
            if theme.id == theme_id:
                return theme
        raise ThemeError(f"There is no theme {theme_id}")

    def _next_id(self) -> str:
        numbers = [int(t.id[1:]) for t in self.themes if t.id[1:].isdigit()]
        return f"T{max(numbers, default=0) + 1}"

    def rename(self, theme_id: str, label: str, description: str | None = None) -> Theme:
        if not label.strip():
            raise ThemeError("Enter a label for the theme")
        theme = self.get(theme_id)
        theme.label = label.strip()
        if description is not None:
            theme.description = description.strip()
        self.history.append({"edit": "rename", "theme": theme_id, "label": theme.label})
        return theme

    def merge(self, theme_ids: list[str], label: str | None = None) -> Theme:
        if len(set(theme_ids)) < 2:
            raise ThemeError("Choose at least two themes to merge")
        themes = [self.get(t) for t in theme_ids]
        keep = themes[0]
        for other in themes[1:]:
            keep.members = sorted(set(keep.members) | set(other.members))
            keep.keywords += [k for k in other.keywords if k not in keep.keywords]
            keep.representatives += [r for r in other.representatives if r not in keep.representatives]
            self.themes.remove(other)
        keep.label = label or keep.label
        keep.approved = False
        self.history.append({"edit": "merge", "themes": theme_ids, "into": keep.id})
        return keep

    def split(self, theme_id: str, responses: dict[str, str], k: int = 2) -> list[Theme]:
        theme = self.get(theme_id)
        if len(theme.members) < 2 * k - 1:
            raise ThemeError(f"Theme {theme_id} has too few responses to split into {k}")
        parts = propose({m: responses[m] for m in theme.members}, k=k)
        new = []
        index = self.themes.index(theme)
        self.themes.remove(theme)
        for offset, part in enumerate(parts):
            part.id = self._next_id() if offset else theme.id
            self.themes.insert(index + offset, part)
            new.append(part)
        self.history.append({"edit": "split", "theme": theme_id, "into": [t.id for t in new]})
        return new

    def approve(self, theme_id: str) -> Theme:
        theme = self.get(theme_id)
        theme.approved = True
        self.history.append({"edit": "approve", "theme": theme_id})
        return theme

    def approved(self) -> list[Theme]:
        return [t for t in self.themes if t.approved]


AGREE = re.compile(r"\b(yes|agree|support|supports|welcome|welcomes|good idea|positive|should|would help|in favour|"
                   r"works well|worked well|essential|vital|important)\b", re.I)
DISAGREE = re.compile(r"\b(no|not|disagree|oppose|opposes|against|object|concern|concerned|wrong|fail|fails|"
                      r"failed|waste|harmful|don't|do not|shouldn't|should not|won't|never)\b", re.I)


def stance(text: str) -> str:
    agree = len(AGREE.findall(text))
    disagree = len(DISAGREE.findall(text))
    if not agree and not disagree:
        return "neutral"
    if agree and disagree and min(agree, disagree) / max(agree, disagree) >= 0.5:
        return "mixed"
    return "agree" if agree > disagree else "disagree"


@dataclass
class Coded:
    response_id: str
    theme_ids: list[str]
    confidence: float
    stance: str
    review: bool
    scores: dict[str, float] = field(default_factory=dict)


class Coder:
    def __init__(self, themes: list[dict], examples: list[tuple[str, list[str]]] | None = None,
                 review_below: float = 0.35, floor: float = 0.05, relative: float = 0.75):
        if not themes:
            raise ThemeError("The theme set is empty")
        self.themes = themes
        self.examples = examples or []
        self.review_below = review_below
        self.floor = floor
        self.relative = relative

    def code(self, responses: dict[str, str]) -> list[Coded]:
        ids = sorted(responses)
        texts = [responses[i] for i in ids]
        descriptions = [f"{t['label']}. {t.get('description', '')} {' '.join(t.get('keywords', []))}"
                        for t in self.themes]
        example_texts = [text for text, _ in self.examples]
        embedder = Embedder(dims=150).fit(texts + descriptions + example_texts)
        response_vectors = embedder.transform(texts) if texts else np.zeros((0, 1))
        prototypes = embedder.transform(descriptions)
        knn = np.zeros((len(texts), len(self.themes)))
        if self.examples:
            example_vectors = embedder.transform(example_texts)
            sims = response_vectors @ example_vectors.T
            for j, theme in enumerate(self.themes):
                rows = [i for i, (_t, tids) in enumerate(self.examples) if theme["id"] in tids]
                if rows:
                    prototypes[j] = prototypes[j] + 2 * example_vectors[rows].mean(axis=0)
                    top = np.sort(sims[:, rows], axis=1)[:, ::-1][:, :3]
                    knn[:, j] = top.mean(axis=1)
            prototypes = prototypes / np.maximum(np.linalg.norm(prototypes, axis=1, keepdims=True), 1e-12)
        scores = response_vectors @ prototypes.T if texts else np.zeros((0, len(self.themes)))
        if self.examples:
            scores = 0.5 * scores + 0.5 * knn
        result = []
        for i, rid in enumerate(ids):
            row = scores[i]
            best = float(row.max()) if len(row) else 0.0
            chosen = [self.themes[j]["id"] for j in np.argsort(-row, kind="stable")
                      if row[j] >= max(self.floor, self.relative * best)]
            ordered = sorted(row, reverse=True)
            margin = (ordered[0] - ordered[1]) if len(ordered) > 1 else ordered[0]
            confidence = round(float(min(1.0, 0.6 * best / 0.3 + 0.4 * margin / 0.1)), 3)
            result.append(Coded(response_id=rid, theme_ids=chosen, confidence=confidence, stance=stance(texts[i]),
                                review=confidence < self.review_below or not chosen,
                                scores={self.themes[j]["id"]: round(float(row[j]), 4) for j in range(len(row))}))
        return result


def f1(predicted: dict[str, list[str]], truth: dict[str, list[str]]) -> float:
    """Sample-averaged F1 (the measure themefinder reports against human coders)."""
    total = 0.0
    for rid, gold in truth.items():
        got = set(predicted.get(rid, []))
        gold = set(gold)
        if not got and not gold:
            total += 1
            continue
        hit = len(got & gold)
        total += 0 if not hit else 2 * hit / (len(got) + len(gold))
    return total / len(truth) if truth else 0.0
