from shop.core.storage import PrivateStorage, private_storage  # noqa: F401  (imported by migrations 0003, 0004)
