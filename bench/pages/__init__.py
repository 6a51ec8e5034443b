"""Storefront pages benchmark: catalog and product page against a trivial view, under gunicorn."""
