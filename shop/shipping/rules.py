"""The owner's free-shipping rules (ShippingRule), applied to every option of a quote.

A rule applies when it is active, the subtotal reaches its minimum, the destination lies in its
area and the option's courier (and service) is one it names. Its area is its island group together
with its provinces ("Jawa" plus "Bali"); a rule with neither applies anywhere, and a destination
whose province cannot be told gets only such rules. It takes the whole cost off, or up to its cap.
Where several rules apply to an option, the one that saves the buyer most wins (the first in the
owner's order on a tie), and its name is shown.
"""

from dataclasses import dataclass, replace

from shop.shipping.couriers import COURIERS, courier_code_for
from shop.shipping.models import ShippingRule

# A courier as the owner may write it in a rule: its code or its full name ("pos indonesia").
_EXACT_COURIERS = {courier.code: courier.code for courier in COURIERS} | {
    courier.name.lower(): courier.code for courier in COURIERS
}


@dataclass(frozen=True)
class CourierFilter:
    """One entry of a rule's courier list: "SiCepat REG" is courier sicepat, service reg."""

    courier: str  # a code from shop.shipping.couriers, or the name as written for a courier we do not know
    service: str = ""  # lower case; empty for every service of the courier
    known: bool = True

    def matches(self, option):
        if self.service and self.service != option.service.strip().lower():
            return False
        if self.known:
            return self.courier == (option.courier_code or courier_code_for(option.courier))
        return self.courier == option.courier.strip().lower()


def courier_filters(text):
    """A rule's courier list ("JNE, SiCepat REG, Pos Indonesia Pos Reguler") read entry by entry."""
    return [_courier_filter(entry) for entry in (text or "").split(",") if entry.strip()]


def _courier_filter(entry):
    words = entry.lower().split()
    # The longest start that is a courier's code or full name: "pos indonesia pos reguler".
    for end in range(len(words), 0, -1):
        code = _EXACT_COURIERS.get(" ".join(words[:end]))
        if code:
            return CourierFilter(code, " ".join(words[end:]))
    # A name's first word ("J&T EZ", "Ninja"), as couriers.courier_code_for reads a courier.
    code = courier_code_for(words[0])
    if code:
        return CourierFilter(code, " ".join(words[1:]))
    # A courier of the owner's own ("Kurir Toko"): matched as written, every service.
    return CourierFilter(" ".join(words), known=False)


def covers(rule, area):
    """Whether the destination's `area` (an areas.Area) lies where `rule` applies."""
    provinces = {province.pk for province in rule.provinces.all()}
    if not rule.island_group and not provinces:
        return True
    return bool(rule.island_group and rule.island_group == area.island_group) or area.province_code in provinces


def discount(rule, cost):
    return cost if rule.max_discount == 0 else min(cost, rule.max_discount)


def rules_for(area, subtotal):
    """The active rules that a subtotal of `subtotal` to `area` earns, in the owner's order."""
    rules = ShippingRule.objects.filter(is_active=True, min_subtotal__lte=subtotal).prefetch_related("provinces")
    return [rule for rule in rules if covers(rule, area)]


def apply_rules(options, area, subtotal):
    """`options` with the best rule of each applied: cost after the discount, original_cost before, rule_name."""
    rules = [(rule, courier_filters(rule.couriers)) for rule in rules_for(area, subtotal)]
    applied = []
    for option in options:
        best, saved = None, 0
        for rule, filters in rules:
            if filters and not any(courier.matches(option) for courier in filters):
                continue
            if (amount := discount(rule, option.original_cost)) > saved:
                best, saved = rule, amount
        applied.append(replace(option, cost=option.original_cost - saved, rule_name=best.name) if best else option)
    return applied
