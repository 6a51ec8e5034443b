from shop.core.schedules import SCHEDULES, ensure_schedules  # noqa: F401  (imported by migrations 0005, 0006, 0009)
