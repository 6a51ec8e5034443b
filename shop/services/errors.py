"""Errors raised by the shop's services. Every one of them is an OrderError."""

from dataclasses import dataclass

from django.utils.translation import gettext as _


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


class InsufficientStock(OrderError):
    """Carries every short line, not only the first, so CS can see the whole problem at once."""

    def __init__(self, shortages):
        self.shortages = list(shortages)
        names = ", ".join(
            _("%(name)s (diminta %(requested)s, tersedia %(available)s)")
            % {"name": s.name, "requested": s.requested, "available": s.available}
            for s in self.shortages
        )
        super().__init__(_("Stok tidak cukup: %(names)s.") % {"names": names})
