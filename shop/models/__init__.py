from .catalog import Category, Product, ProductImage
from .checkout import Address, Cart, CartItem, DailyOrderCounter, PaymentSettings, ShippingRate
from .imports import ProductImport
from .notifications import Notification
from .orders import Order, OrderEvent, OrderLine, OrderStatus, PaymentMethod
from .payments import PaymentProof
from .stock import StockMovement

__all__ = [
    "Address",
    "Cart",
    "CartItem",
    "Category",
    "DailyOrderCounter",
    "Notification",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "PaymentMethod",
    "PaymentProof",
    "PaymentSettings",
    "Product",
    "ProductImage",
    "ProductImport",
    "ShippingRate",
    "StockMovement",
]
