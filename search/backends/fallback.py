"""Search for SQLite and MariaDB: the in-memory catalog words (catalog_words.py), one typo tolerated per word.

Every word of the query must be found (in the name, SKU, category or description) as a whole word,
a word with the same stem ("pedasnya" -> "pedas"), one of its synonyms, or, for the last word, the
beginning of a word ("kop" -> "kopi"). A word found none of those ways is replaced by the catalog
word one typo away that matters most ("kopii" -> "kopi"), and the page says "did you mean".
"""

from .catalog_words import TYPO, snapshot


def find(groups, limit):
    """(hits, corrections): hits as [(pid, category_id, price, created)] best first, corrections {typed: used}."""
    snap = snapshot()
    totals = None
    corrections = {}
    last = len(groups) - 1
    for position, (term, alternatives) in enumerate(groups):
        scores = snap.matches(alternatives, prefix=position == last)
        if not scores and position != last:
            scores = snap.matches(alternatives, prefix=True)
        if not scores:
            replacement = snap.closest(term)
            if replacement is None:
                return [], {}
            corrections[term] = replacement
            scores = {pid: score * TYPO for pid, score in snap.matches((replacement,), prefix=False).items()}
        if totals is None:
            totals = dict(scores)
        else:
            totals = {pid: totals[pid] + score for pid, score in scores.items() if pid in totals}
        if not totals:
            return [], {}
    ranked = sorted(totals, key=lambda pid: (-totals[pid], -snap.facts[pid][2], -pid))[:limit]
    return [(pid, *snap.facts[pid]) for pid in ranked], corrections
