from django.conf import settings
from django.urls import include, path, re_path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from search import views as search_views
from shop.staff import login as staff_login
from shop.staff import menus as staff_menus

urlpatterns = [
    # Before Wagtail's own: staff sign in and reset passwords where buyers do (shop/staff/login.py).
    path("admin/login/", staff_login.staff_login, name="staff_login"),
    re_path(r"^admin/password_reset/", staff_login.staff_password_reset),
    *staff_menus.site_history_urls,  # Wagtail serves it to all staff; here only to page editors (staff/menus.py)
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("search/", search_views.search, name="search"),
    path("", include("shop.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail's catch-all comes last so that the shop's own URLs win.
urlpatterns += [path("", include(wagtail_urls))]
