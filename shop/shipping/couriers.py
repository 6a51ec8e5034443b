"""The Indonesian couriers CS can ship with. Codes are BinderByte's, so tracking can use them as they are."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Courier:
    code: str
    name: str


COURIERS = (
    Courier("jne", "JNE"),
    Courier("jnt", "J&T Express"),
    Courier("sicepat", "SiCepat"),
    Courier("anteraja", "AnterAja"),
    Courier("pos", "Pos Indonesia"),
    Courier("tiki", "TIKI"),
    Courier("ninja", "Ninja Xpress"),
    Courier("lion", "Lion Parcel"),
    Courier("spx", "SPX Express"),
    Courier("ide", "ID Express"),
    Courier("sap", "SAP Express"),
    Courier("wahana", "Wahana"),
    Courier("rpx", "RPX"),
)

_BY_CODE = {courier.code: courier for courier in COURIERS}


def courier_choices():
    return [(courier.code, courier.name) for courier in COURIERS]


def courier_name(code):
    """The name to show for a stored code; an unknown code (typed in before this list) shows as it is."""
    courier = _BY_CODE.get((code or "").lower())
    return courier.name if courier else code


def courier_code_for(name_or_code):
    """The code for a courier given as code or as the name a buyer picked at checkout ("JNE", "J&T")."""
    value = (name_or_code or "").strip().lower()
    if not value or value in _BY_CODE:
        return value
    first_word = value.split()[0]
    for courier in COURIERS:
        name = courier.name.lower()
        if value == name or first_word == name.split()[0]:
            return courier.code
    return ""
