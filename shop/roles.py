from shop.staff.roles import ADMIN, CS_LAYER_1, CS_LAYER_2, sync_roles  # noqa: F401  (imported by migration 0002)
