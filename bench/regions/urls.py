from django.db import connection
from django.http import JsonResponse
from django.urls import path

from bench.pages.urls import urlpatterns as page_urlpatterns


def one_village(request):
    """The floor for a view that asks the database: one village read by its primary key, as JSON."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT code, name, postal_code, district_id FROM shop_village WHERE code = %s", ["34.04.12.2001"]
        )
        columns = [column[0] for column in cursor.description]
        return JsonResponse({"results": [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]})


urlpatterns = [path("bench/one-village/", one_village, name="bench_one_village"), *page_urlpatterns]
