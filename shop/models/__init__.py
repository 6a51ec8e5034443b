"""Every model of the shop app, wherever its domain keeps it, so `shop.models.Order` works as before."""

from shop.cart.models import Cart, CartItem
from shop.catalog.models import Category, Product, ProductImage, ProductVariant
from shop.checkout.models import Address, DailyOrderCounter
from shop.imports.models import ProductImport
from shop.inventory.models import StockMovement
from shop.notifications.models import Notification
from shop.orders.models import Order, OrderEvent, OrderLine, PaymentMethod
from shop.orders.status import OrderStatus
from shop.payments.models import GatewayCallback, GatewayPayment, PaymentChannel, PaymentProof, PaymentSettings
from shop.shipping.models import (
    City,
    District,
    KomerceDestination,
    Province,
    ShippingRate,
    ShippingRule,
    ShippingSettings,
    Village,
)

__all__ = [
    "Address",
    "Cart",
    "CartItem",
    "Category",
    "City",
    "DailyOrderCounter",
    "District",
    "GatewayCallback",
    "GatewayPayment",
    "KomerceDestination",
    "Notification",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "PaymentChannel",
    "PaymentMethod",
    "PaymentProof",
    "PaymentSettings",
    "Product",
    "ProductImage",
    "ProductImport",
    "ProductVariant",
    "Province",
    "ShippingRate",
    "ShippingRule",
    "ShippingSettings",
    "StockMovement",
    "Village",
]
