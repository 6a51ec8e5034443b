"""The owner's synonym groups as a word -> alternatives map, read once per change, for every backend."""

import threading

from django.db.models import Count, Max

from .models import Synonym

_lock = threading.Lock()
_cache = {"stamp": None, "map": {}}


def _stamp():
    # One small query tells whether the groups changed, in this process or another one (no shared cache needed).
    row = Synonym.objects.aggregate(count=Count("pk"), changed=Max("updated_at"))
    return row["count"], row["changed"]


def synonym_map():
    """{word: (word, other words of its groups...)} for every word in a group; multi-word entries included."""
    stamp = _stamp()
    if _cache["stamp"] == stamp:
        return _cache["map"]
    mapping = {}
    for synonym in Synonym.objects.all():
        group = synonym.word_list()
        for word in group:
            alternatives = mapping.setdefault(word, [word])
            alternatives += [other for other in group if other not in alternatives]
    with _lock:
        _cache.update(stamp=stamp, map={word: tuple(alts) for word, alts in mapping.items()})
    return _cache["map"]


def alternatives(word, mapping):
    """The word itself first, then its synonyms (single words only: a phrase needs all its words anyway)."""
    return tuple(alt for alt in mapping.get(word, (word,)) if " " not in alt) or (word,)


def forget():
    _cache["stamp"] = None
