"""The Indonesian couriers CS can ship with. Codes are BinderByte's, so tracking can use them as they are."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Courier:
    code: str
    name: str
    # The courier's own site, where buyers track a parcel by its number when the shop has no live
    # tracking (no BINDERBYTE_API_KEY). Home pages, not tracking pages: those move often (unverified).
    site: str = ""


COURIERS = (
    Courier("jne", "JNE", "https://www.jne.co.id/"),
    Courier("jnt", "J&T Express", "https://jet.co.id/"),
    Courier("sicepat", "SiCepat", "https://www.sicepat.com/"),
    Courier("anteraja", "AnterAja", "https://anteraja.id/"),
    Courier("pos", "Pos Indonesia", "https://www.posindonesia.co.id/"),
    Courier("tiki", "TIKI", "https://www.tiki.id/"),
    Courier("ninja", "Ninja Xpress", "https://www.ninjaxpress.co/"),
    Courier("lion", "Lion Parcel", "https://lionparcel.com/"),
    Courier("spx", "SPX Express", "https://spx.co.id/"),
    Courier("ide", "ID Express", "https://idexpress.com/"),
    Courier("sap", "SAP Express", "https://www.sap-express.id/"),
    Courier("wahana", "Wahana", "https://www.wahana.com/"),
    Courier("rpx", "RPX", "https://www.rpx.co.id/"),
)

_BY_CODE = {courier.code: courier for courier in COURIERS}


def courier_choices():
    return [(courier.code, courier.name) for courier in COURIERS]


def courier_name(code):
    """The name to show for a stored code; an unknown code (typed in before this list) shows as it is."""
    courier = _BY_CODE.get((code or "").lower())
    return courier.name if courier else code


def courier_site(code):
    """The courier's own site for a stored code, or "" for a courier not in the list."""
    courier = _BY_CODE.get((code or "").lower())
    return courier.site if courier else ""


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
