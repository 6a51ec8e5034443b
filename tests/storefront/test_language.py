import pytest

pytestmark = pytest.mark.django_db


def test_indonesian_by_default_even_for_an_english_browser(client, catalog_page):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "id"
    assert 'lang="id"' in response.content.decode()


def test_the_switcher_choice_is_kept(client, catalog_page):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/accounts/login/")
    assert response["Content-Language"] == "en"
