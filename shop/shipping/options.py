"""What a shipping quote is made of: where the parcel goes, the options offered, and the quote itself.

Checkout imports these from shop.shipping.quotes, which re-exports them; they live here so that
the modules building options (rates, live, rules) need not import the module that calls them.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Destination:
    """Where a parcel goes: a village's code when the address has one, and the names as typed or picked."""

    region_code: str = ""  # "34.04.12.2001"; empty for an address saved before regions existed
    province: str = ""


@dataclass(frozen=True)
class ShippingOption:
    key: str  # what the form posts: "tarif:12" (a flat rate) or "komerce:jne:REG"
    courier: str  # as shown: "JNE"
    service: str  # "REG"
    etd: str  # "2-3 hari", or ""
    cost: int  # what the buyer pays, after any rule's discount
    original_cost: int = 0  # before the discount (equal to cost when no rule applies)
    rule_name: str = ""  # the free-shipping rule that applied, shown to the buyer
    source: str = "flat"  # "komerce" or "flat"
    # The courier's code (shop.shipping.couriers, "jne"), when known: what rules and tracking match on.
    courier_code: str = ""

    @property
    def label(self):
        return f"{self.courier} {self.service}"

    @property
    def discount(self):
        return self.original_cost - self.cost


@dataclass(frozen=True)
class Quote:
    options: list = field(default_factory=list)
    source: str = "flat"
    # Said to the buyer when the options are the owner's rates because live rates could not be had,
    # or when there is no option at all (checkout must then say so, never charge 0).
    note: str = ""
