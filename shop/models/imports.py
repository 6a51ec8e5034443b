from shop.imports.models import import_upload_to  # noqa: F401  (imported by migration 0004)
