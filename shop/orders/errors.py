"""Errors raised by the shop's services. Every one of them is an OrderError."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from shop.core.money import format_rupiah


class OrderError(Exception):
    """A state change of an order or of stock that is not allowed; the message is for people."""


class InvalidTransition(OrderError):
    pass


@dataclass(frozen=True)
class Shortage:
    product_id: int
    name: str
    requested: int
    available: int
    variant_id: int | None = None


class InsufficientStock(OrderError):
    """Carries every short line, not only the first, so CS can see the whole problem at once."""

    def __init__(self, shortages):
        self.shortages = list(shortages)
        message, line = self.templates()
        names = ", ".join(
            line % {"name": s.name, "requested": s.requested, "available": s.available} for s in self.shortages
        )
        super().__init__(message % {"names": names})

    @staticmethod
    def templates():
        """The message and the text of one short line, in the active language. The PostgreSQL
        confirmation writes the same message itself (shop migration 0007)."""
        return (
            _("Stok tidak cukup: %(names)s."),
            _("%(name)s (diminta %(requested)s, tersedia %(available)s)"),
        )


@dataclass(frozen=True)
class PriceChange:
    product_id: int
    name: str
    seen_price: int
    current_price: int


class PriceChanged(OrderError):
    """A price changed after the buyer saw it; carries every changed line, so the cart can show them all."""

    def __init__(self, changes):
        self.changes = list(changes)
        names = ", ".join(
            _("%(name)s (sekarang %(price)s)") % {"name": c.name, "price": format_rupiah(c.current_price)}
            for c in self.changes
        )
        super().__init__(_("Harga berubah: %(names)s. Periksa lagi keranjang Anda.") % {"names": names})


class InvalidPaymentProof(OrderError):
    """The uploaded proof is not a JPEG, PNG or PDF, is empty, or is too large."""


class ActionNotAllowed(OrderError):
    """The order could take this step, but not at this person's hands (shop.orders.policy)."""


class StockChanged(OrderError):
    """Stock is not what the person saw when they decided; carries the stock as it is now."""

    def __init__(self, message, current_stock):
        super().__init__(message)
        self.current_stock = current_stock
