from django.http import HttpResponse
from django.urls import path

from tokoku.urls import urlpatterns as project_urlpatterns


def ok(request):
    """The floor: a Django response through the project's whole middleware stack, no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/ok/", ok, name="bench_ok"), *project_urlpatterns]
