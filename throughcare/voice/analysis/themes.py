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
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from .vectors import SEED, word_vectoriser


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


def choose_k(vectors: np.ndarray, most: int = 12) -> int:
    """The number of themes: the k (2..most) with the best silhouette (cosine) on a fixed sample of points."""
    n = len(vectors)
    ks = list(range(2, min(most, n - 1, max(2, n // 3)) + 1))
    if len(ks) <= 1:
        return ks[0] if ks else 1
    sample = vectors if n <= 1500 else vectors[np.linspace(0, n - 1, 1500).astype(int)]
    best_k, best_score = ks[0], -2.0
    for k in ks:
        labels = KMeans(n_clusters=k, random_state=SEED, n_init=1).fit_predict(sample)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(sample, labels, metric="cosine")
        if score > best_score + 1e-9:
            best_k, best_score = k, score
    return best_k


def propose(responses: dict[str, str], k: int | None = None, representatives: int = 3) -> list[Theme]:
    """Candidate themes for the responses to one question (ids sorted; the same input gives the same themes).

    Sentence embeddings (all-MiniLM-L6-v2) clustered by k-means (k by silhouette unless given); keywords by
    class-based TF-IDF; representatives are the members nearest the cluster's centre."""
    from .embeddings import embed

    ids = sorted(rid for rid, text in responses.items() if text and text.strip())
    if not ids:
        return []
    texts = [responses[i] for i in ids]
    if len(ids) < 3:
        keywords = _keywords([texts])[0]
        return [Theme(id="T1", label=", ".join(keywords[:3]) or "All responses", keywords=keywords,
                      members=ids, representatives=ids[:representatives])]
    vectors = embed(texts)
    with threadpool_limits(limits=1 if len(ids) < 2000 else None):  # small sets: threads cost more than they save
        k = min(k or choose_k(vectors), len(ids) - 1)
        model = KMeans(n_clusters=k, random_state=SEED, n_init=4).fit(vectors)
    labels = model.labels_
    clusters = []
    for c in range(k):
        rows = np.flatnonzero(labels == c)
        if not len(rows):
            continue
        members = [ids[i] for i in rows]
        centre = model.cluster_centers_[c]
        closeness = {ids[i]: float(vectors[i] @ centre) for i in rows}
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
    stances: dict[str, str] = field(default_factory=dict)  # per assigned theme: the stance of its sentences


SENTENCE_RE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def sentences(text: str) -> list[str]:
    """The sentences of a response (at least the whole text)."""
    found = [m.group().strip() for m in SENTENCE_RE.finditer(text) if len(m.group().strip()) >= 3]
    return found or [text]


class Coder:
    """Assign approved themes to responses, with a confidence; low confidence goes to the review queue.

    Without coded examples: each theme's label and description is embedded, and every sentence of a response
    (and the whole response) is compared with them; each sentence whose best theme scores at least
    ``floor`` adds that theme. With coded examples (``train``): a logistic regression per theme on the
    examples' embeddings (balanced classes), applied to the response and its sentences; a theme with too few
    examples falls back to its description. Same input, same output (no random state is left unset)."""

    def __init__(self, themes: list[dict], examples: list[tuple[str, list[str]]] | None = None,
                 review_below: float = 0.35, floor: float = 0.2, relative: float = 0.6, min_examples: int = 3):
        if not themes:
            raise ThemeError("The theme set is empty")
        from .embeddings import embed

        self.themes = themes
        self.ids = [t["id"] for t in themes]
        self.examples = [(text, [t for t in tids if t in self.ids]) for text, tids in (examples or [])]
        self.review_below = review_below
        self.floor = floor
        self.relative = relative
        self.prototypes = embed([f"{t['label']}. {t.get('description', '')}".strip() for t in themes])
        for j, theme in enumerate(themes):  # a theme given by example texts (a candidate theme): their centre
            if theme.get("texts"):
                centre = embed(list(theme["texts"])).mean(axis=0)
                self.prototypes[j] = centre / max(float(np.linalg.norm(centre)), 1e-12)
        self.models: dict[int, LogisticRegression] = {}
        if self.examples:
            vectors = embed([text for text, _ in self.examples])
            for j, theme_id in enumerate(self.ids):
                target = np.array([theme_id in tids for _text, tids in self.examples])
                if target.sum() >= min_examples and (~target).sum() >= min_examples:
                    self.models[j] = LogisticRegression(C=4.0, class_weight="balanced", max_iter=1000).fit(
                        vectors, target)

    def _scores(self, whole: np.ndarray, parts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(whole-response scores, per-sentence scores) on one scale: a probability-like 0..1."""
        zero_whole = np.clip((whole @ self.prototypes.T - 0.1) / 0.5, 0, 1)
        zero_parts = np.clip((parts @ self.prototypes.T - 0.1) / 0.5, 0, 1)
        for j, model in self.models.items():
            zero_whole[:, j] = model.predict_proba(whole)[:, 1]
            zero_parts[:, j] = model.predict_proba(parts)[:, 1]
        return zero_whole, zero_parts

    def code(self, responses: dict[str, str]) -> list[Coded]:
        from .embeddings import embed

        ids = sorted(responses)
        texts = [responses[i] or "" for i in ids]
        if not ids:
            return []
        split = [sentences(t) for t in texts]
        whole = embed(texts)
        flat = [s for parts in split for s in parts]
        part_vectors = embed(flat)
        whole_scores, part_scores = self._scores(whole, part_vectors)
        trained = bool(self.models)
        threshold = 0.5 if trained else (self.floor - 0.1) / 0.5
        result, at = [], 0
        for i, rid in enumerate(ids):
            count = len(split[i])
            parts = part_scores[at:at + count]
            at += count
            row = np.maximum(whole_scores[i], parts.max(axis=0))
            order = np.argsort(-row, kind="stable")
            chosen_idx = []
            for k in range(count):
                best = int(np.argmax(parts[k]))
                if parts[k, best] >= threshold and best not in chosen_idx:
                    chosen_idx.append(best)
            top = int(order[0])
            if row[top] >= threshold and top not in chosen_idx:
                chosen_idx.insert(0, top)
            chosen_idx = [j for j in order if j in chosen_idx and row[j] >= self.relative * row[top]]
            chosen = [self.ids[j] for j in chosen_idx]
            second = float(row[order[1]]) if len(order) > 1 else 0.0
            best = float(row[top])
            confidence = round(float(min(1.0, 0.6 * best + 0.4 * min(1.0, (best - second) / 0.3))), 3)
            per_theme = {}
            for j in chosen_idx:
                own = [split[i][k] for k in range(count) if int(np.argmax(parts[k])) == j]
                per_theme[self.ids[j]] = stance(" ".join(own) or texts[i])
            result.append(Coded(response_id=rid, theme_ids=chosen, confidence=confidence, stance=stance(texts[i]),
                                review=confidence < self.review_below or not chosen,
                                scores={self.ids[j]: round(float(row[j]), 4) for j in range(len(row))},
                                stances=per_theme))
        return result


def train(themes: list[dict], coded_sample: dict[str, list[str]], texts: dict[str, str],
          review_below: float = 0.35) -> Coder:
    """A coder trained on an analyst's coded sample ({response id: theme ids}) of `texts`."""
    unknown = sorted({t for tids in coded_sample.values() for t in tids} - {t["id"] for t in themes})
    if unknown:
        raise ThemeError(f"The coded sample uses themes that are not in the theme set: {', '.join(unknown)}")
    missing = sorted(set(coded_sample) - set(texts))
    if missing:
        raise ThemeError(f"The coded sample names responses that do not exist: {', '.join(missing[:5])}")
    examples = [(texts[rid], list(tids)) for rid, tids in sorted(coded_sample.items())]
    return Coder(themes, examples, review_below=review_below)


def coding_sample(responses: dict[str, str], size: int, themes: list[Theme] | None = None) -> list[str]:
    """Response ids for an analyst to code first: spread over the proposed themes (round robin, nearest the
    centre first), then by a fixed hash order. Same input, same sample."""
    import hashlib

    by_hash = sorted(responses, key=lambda r: (hashlib.sha256(r.encode()).hexdigest(), r))
    chosen: list[str] = []
    if themes:
        queues = [list(t.representatives) + [m for m in sorted(t.members, key=lambda r: by_hash.index(r))
                                             if m not in t.representatives] for t in themes]
        while len(chosen) < size and any(queues):
            for queue in queues:
                while queue and queue[0] in chosen:
                    queue.pop(0)
                if queue and len(chosen) < size:
                    chosen.append(queue.pop(0))
    for rid in by_hash:
        if len(chosen) >= size:
            break
        if rid not in chosen:
            chosen.append(rid)
    return chosen


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
