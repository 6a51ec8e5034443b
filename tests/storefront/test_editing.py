"""The owner editing storefront pages in the Wagtail admin."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import nested_form_data, streamfield

from home.models import HomePage, StandardPage

pytestmark = pytest.mark.django_db


def publish(client, page, **fields):
    data = nested_form_data({"title": page.title, "slug": page.slug, **fields}) | {"action-publish": "action-publish"}
    return client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)


def test_after_publishing_the_home_page_the_owner_is_back_on_it(admin_client):
    home = HomePage.objects.get()
    response = publish(admin_client, home, title="Beranda Baru", body=streamfield([]))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_pages:edit", args=[home.pk])
    assert HomePage.objects.get().title == "Beranda Baru"


def test_other_pages_go_back_to_their_listing_as_in_wagtail(admin_client):
    home = HomePage.objects.get()
    page = home.add_child(instance=StandardPage(title="Tentang", slug="tentang"))
    response = publish(admin_client, page, body=streamfield([]))
    assert response.status_code == 302
    assert response.url == reverse("wagtailadmin_explore", args=[home.pk])
