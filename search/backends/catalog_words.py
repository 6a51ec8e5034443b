"""The catalog as words, kept in memory: the SQLite/MariaDB search engine and every backend's "did you mean".

A snapshot holds, for each active product, which words of its name, SKU, variants (options and
SKUs), category and description it has (an inverted index), plus the vocabulary with its one-typo
neighbours. It is rebuilt when the catalog changes: at once in this process (receivers.py), and in
other processes when one small query sees a different number of active products or a newer change,
or after SNAPSHOT_SECONDS (a renamed category changes no product row). Meant for shops of up to a few thousand products; PostgreSQL shops
search in the database instead (postgres.py).
"""

import bisect
import threading
import time
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from shop.models import Product

from ..text import deletes, stem, typo_allowed, within_one_typo, words

SNAPSHOT_SECONDS = 60
# How much a word found in each field counts toward a product's score.
FIELD_WEIGHTS = {"name": 8.0, "sku": 8.0, "variant": 6.0, "category": 4.0, "description": 2.0}
# How much a match counts by how it was found: whole word, same stem, beginning of a word, one typo away.
EXACT, STEMMED, PREFIX, TYPO = 1.0, 0.9, 0.6, 0.5
MAX_PREFIX_WORDS = 200


@dataclass
class Snapshot:
    stamp: tuple
    built: float
    facts: dict = field(default_factory=dict)  # pid -> (category_id, price, created timestamp)
    postings: dict = field(default_factory=dict)  # word -> {pid: weight}
    stems: dict = field(default_factory=dict)  # stem -> {word}
    sorted_words: list = field(default_factory=list)
    neighbours: dict = field(default_factory=dict)  # one-letter-deleted form -> {word}
    importance: dict = field(default_factory=dict)  # word -> (best field weight, products with it)

    def add(self, pid, word, weight):
        postings = self.postings.setdefault(word, {})
        if postings.get(pid, 0) < weight:
            postings[pid] = weight

    def finish(self):
        self.sorted_words = sorted(self.postings)
        for word, postings in self.postings.items():
            self.stems.setdefault(stem(word), set()).add(word)
            self.importance[word] = (max(postings.values()), len(postings))
            if typo_allowed(word):
                for form in deletes(word):
                    self.neighbours.setdefault(form, set()).add(word)

    # --- Finding words ----------------------------------------------------------------------------

    def starting_with(self, prefix):
        start = bisect.bisect_left(self.sorted_words, prefix)
        found = []
        for word in self.sorted_words[start : start + MAX_PREFIX_WORDS]:
            if not word.startswith(prefix):
                break
            found.append(word)
        return found

    def closest(self, word):
        """The catalog word one typo away from `word` that matters most (names before descriptions), or None."""
        if not typo_allowed(word):
            return None
        candidates = set()
        for form in deletes(word):
            candidates |= self.neighbours.get(form, set())
        candidates = [c for c in candidates if c != word and within_one_typo(word, c)]
        if not candidates:
            return None
        return max(candidates, key=lambda c: (self.importance[c], c == word[: len(c)], c))

    def matches(self, alternatives, prefix):
        """{pid: score} of products having any of the alternatives, by how well they have it."""
        scores = {}

        def take(word, quality):
            for pid, weight in self.postings.get(word, {}).items():
                value = weight * quality
                if scores.get(pid, 0) < value:
                    scores[pid] = value

        for alternative in alternatives:
            take(alternative, EXACT)
            for word in self.stems.get(stem(alternative), ()):
                take(word, STEMMED)
            if prefix and len(alternative) >= 2:
                for word in self.starting_with(alternative):
                    take(word, PREFIX)
        return scores


_lock = threading.Lock()
_current = {"snapshot": None}


def _stamp():
    row = Product.objects.aggregate(active=Count("pk", filter=Q(is_active=True)), changed=Max("updated_at"))
    return row["active"], row["changed"]


def snapshot():
    stamp = _stamp()
    current = _current["snapshot"]
    if current is not None and current.stamp == stamp and time.monotonic() - current.built < SNAPSHOT_SECONDS:
        return current
    with _lock:
        current = build(stamp)
        _current["snapshot"] = current
    return current


def build(stamp):
    snap = Snapshot(stamp=stamp, built=time.monotonic())
    rows = Product.objects.active().values_list(
        "pk", "name", "sku", "description", "category_id", "category__name", "price", "created_at", "variant_words"
    )
    for pid, name, sku, description, category_id, category_name, price, created, variant in rows.iterator(
        chunk_size=2000
    ):
        snap.facts[pid] = (category_id, price, created.timestamp())
        texts = (("description", description), ("category", category_name), ("variant", variant), ("name", name))
        for field_name, text in texts:
            for word in words(text):
                snap.add(pid, word, FIELD_WEIGHTS[field_name])
        for word in words(sku):
            snap.add(pid, word, FIELD_WEIGHTS["sku"])
    snap.finish()
    return snap


def forget():
    _current["snapshot"] = None
