"""What the search understood when it tolerated a typo: the "did you mean" of the result page.

PostgreSQL's trigrams and Meilisearch find "kopii gayo" without saying which word they took "kopii"
for; the words of the best results tell: the nearest one to each typed word they do not contain.
"""

from shop.models import Product

from .text import stem, within_one_typo, words


def corrections_from_hits(groups, top_ids):
    """For each typed word the best results do not contain, the word of theirs nearest to it ("kopii" -> "kopi")."""
    rows = Product.objects.filter(pk__in=top_ids).values_list("name", "sku", "category__name")
    return nearest_words(groups, {word for row in rows for text in row for word in words(text)})


def nearest_words(groups, found):
    corrections = {}
    stems = {stem(word) for word in found}
    for term, alternatives in groups:
        if any(alt in found or stem(alt) in stems or any(w.startswith(alt) for w in found) for alt in alternatives):
            continue
        close = [word for word in found if within_one_typo(term, word)]
        candidates = close or sorted(found, key=lambda word: -_similarity(term, word))[:1]
        if candidates and (close or _similarity(term, candidates[0]) >= 0.3):
            corrections[term] = min(candidates, key=lambda word: (abs(len(word) - len(term)), word))
    return corrections


def _trigrams(word):
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _similarity(a, b):
    ta, tb = _trigrams(a), _trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0
