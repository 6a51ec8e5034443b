"""Search on PostgreSQL, no extra server: full-text search with the `indonesian` configuration, then trigrams.

First every word of the query must be found by full-text search (Indonesian stemming, so "pedasnya"
meets "pedas"; the owner's synonyms; the last word also as the beginning of a word) in the product's
name, SKU, its variants' options and SKUs (variant_words) and description or in its category's
name. Only when that finds nothing, each word may instead be close to a word of those fields by
trigram similarity (pg_trgm's `<%`), which is what finds "kopii gayo". Products whose name has the
words come first, then by how close the name is to the query. The GIN indexes for both are made by
search/migrations/0001_initial.py and 0002_variant_words.py.
"""

import re

from django.db import connection, transaction

from ..corrections import corrections_from_hits

CONFIG = "'indonesian'::regconfig"
# The product's text as one weighted vector. The migration indexes this very expression, so it must stay
# character for character the same here and there ({p} is "p." in queries, empty in the index).
DOCUMENT = (
    "(setweight(to_tsvector({c}, coalesce({p}name, '')), 'A') || "
    "setweight(to_tsvector({c}, coalesce({p}sku, '')), 'B') || "
    "setweight(to_tsvector({c}, coalesce({p}variant_words, '')), 'B') || "
    "setweight(to_tsvector({c}, coalesce({p}description, '')), 'D'))"
)
INDEXES = {
    "search_product_document": "USING gin (" + DOCUMENT.format(c=CONFIG, p="") + ")",
    "search_product_name_trgm": "USING gin (lower(name) gin_trgm_ops)",
    "search_product_sku_trgm": "USING gin (lower(sku) gin_trgm_ops)",
    "search_product_variant_words_trgm": "USING gin (lower(variant_words) gin_trgm_ops)",
    "search_product_description_trgm": "USING gin (lower(description) gin_trgm_ops)",
}
# Below pg_trgm's default 0.6, so that "sambel" (0.57 to "sambal") is still close; above it matches noise.
WORD_SIMILARITY = "0.5"
PREFIXABLE = re.compile(r"[^\W_]+")


def _tsquery(alternatives, prefix, params):
    parts = []
    for alternative in alternatives:
        parts.append(f"plainto_tsquery({CONFIG}, %s)")
        params.append(alternative)
        if prefix and PREFIXABLE.fullmatch(alternative):
            parts.append(f"to_tsquery({CONFIG}, %s)")
            params.append(alternative + ":*")
    return "(" + " || ".join(parts) + ")"


def _term_condition(alternatives, prefix, tolerant, category_ids, params):
    # PostgreSQL tries the arms of an OR in the order written and stops at the first true one, for
    # every product the indexes let through: the cheap arms (short name and SKU, the category) go before
    # the product's whole text as a vector, and its long description's trigrams go last. That halves
    # the typo pass over 10,000 products (docs/search.md); every arm keeps an index, so the plan stays.
    document = DOCUMENT.format(c=CONFIG, p="p.")
    conditions = []
    if tolerant:
        for alternative in alternatives:
            conditions += ["%s <%% lower(p.name)", "%s <%% lower(p.sku)", "%s <%% lower(p.variant_words)"]
            params += [alternative, alternative, alternative]
    query = _tsquery(alternatives, prefix, params)
    conditions.append(f"numnode({query}) = 0")
    if category_ids:
        conditions.append("p.category_id = ANY(%s)")
        params.append(sorted(category_ids))
    query = _tsquery(alternatives, prefix, params)
    conditions.append(f"{document} @@ {query}")
    if tolerant:
        for alternative in alternatives:
            conditions.append("%s <%% lower(p.description)")
            params.append(alternative)
    return "(" + " OR ".join(conditions) + ")"


def _matching_categories(groups, tolerant):
    """For each word, the ids of the categories whose name has it: asked first, because the planner
    estimates a literal list well and a sub-select of unknown size badly (it then reads every product)."""
    params = []
    selects = []
    last = len(groups) - 1
    for position, (_term, alternatives) in enumerate(groups):
        query = _tsquery(alternatives, position == last, params)
        condition = f"to_tsvector({CONFIG}, c.name) @@ {query}"
        if tolerant:
            condition += "".join(" OR %s <%% lower(c.name)" for _alt in alternatives)
            params += list(alternatives)
        selects.append(f"SELECT {position}, c.id FROM shop_category c WHERE {condition}")
    found = [set() for _group in groups]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        for position, category_id in cursor:
            found[position].add(category_id)
    return found


def _select(groups, tolerant, limit):
    params = []
    last = len(groups) - 1
    categories = _matching_categories(groups, tolerant)
    where = [
        _term_condition(alts, i == last, tolerant, categories[i], params) for i, (_term, alts) in enumerate(groups)
    ]
    name_query = " && ".join(_tsquery(alts, i == last, params) for i, (_term, alts) in enumerate(groups))
    params += [" ".join(term for term, _alts in groups), limit]
    sql = (
        # The time as seconds, not a timestamp: turning hundreds of them into datetimes cost a millisecond or two.
        "SELECT p.id, p.category_id, p.price, extract(epoch FROM p.created_at)::float8 FROM shop_product p "
        f"WHERE p.is_active AND {' AND '.join(where)} "
        f"ORDER BY (to_tsvector({CONFIG}, p.name) @@ ({name_query})) DESC, "
        "word_similarity(%s, lower(p.name)) DESC, p.created_at DESC, p.id DESC LIMIT %s"
    )
    return sql, params


def _run(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def find(groups, limit):
    """(hits, corrections) as in fallback.find; corrections only when the typo-tolerant pass answered."""
    hits = _run(*_select(groups, tolerant=False, limit=limit))
    if hits:
        return hits, {}
    with transaction.atomic():
        # SET LOCAL ends with this transaction (a savepoint inside a test's), so other queries keep the default.
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {WORD_SIMILARITY}")
        hits = _run(*_select(groups, tolerant=True, limit=limit))
    if not hits:
        return [], {}
    return hits, corrections_from_hits(groups, [pid for pid, *_rest in hits[:5]])
