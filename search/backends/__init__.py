"""Search backends of our own, for Wagtail's search API (`WAGTAILSEARCH_BACKENDS`)."""


class SearchUnavailable(Exception):
    """The search service did not answer; the storefront falls back to the database backend."""
