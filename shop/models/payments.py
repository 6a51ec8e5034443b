from shop.payments.models import proof_upload_to  # noqa: F401  (imported by migration 0003)
