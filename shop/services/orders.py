"""The order services' public contract (ARCHITECTURE.md): views, desks, the gateway and jobs call these."""

from shop.orders.errors import (
    ActionNotAllowed,
    InsufficientStock,
    InvalidPaymentProof,
    InvalidTransition,
    OrderError,
    PriceChange,
    PriceChanged,
    Shortage,
    StockChanged,
)
from shop.orders.services.cancelling import cancel_order
from shop.orders.services.completion import auto_complete_orders
from shop.orders.services.expiry import expire_unpaid_orders
from shop.orders.services.fulfilment import complete_order, ship_order
from shop.orders.services.payment import confirm_payment, reject_payment, submit_payment_proof
from shop.orders.services.placing import place_order

__all__ = [
    "ActionNotAllowed",
    "InsufficientStock",
    "InvalidPaymentProof",
    "InvalidTransition",
    "OrderError",
    "PriceChange",
    "PriceChanged",
    "Shortage",
    "StockChanged",
    "auto_complete_orders",
    "cancel_order",
    "complete_order",
    "confirm_payment",
    "expire_unpaid_orders",
    "place_order",
    "reject_payment",
    "ship_order",
    "submit_payment_proof",
]
