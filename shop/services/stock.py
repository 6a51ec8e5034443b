"""The stock services' public contract: the only code that changes a product's stock."""

from shop.inventory.services import adjust_stock, import_stock_levels, move_stock, set_opening_stock

__all__ = ["adjust_stock", "import_stock_levels", "move_stock", "set_opening_stock"]
