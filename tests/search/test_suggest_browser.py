"""The header's suggestions in Chromium (issue 16, item 3): after two letters, up to eight products with
picture and price; arrow keys, Enter and Escape; an ARIA combobox with a listbox; the form still
searches with JavaScript off."""

import pytest

from tests.browser import conftest as browser

# The project's Chromium fixtures (system Chromium through Playwright), shared from tests/browser.
chromium = browser.chromium
journey = browser.journey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def suggestions(page):
    return page.get_by_role("listbox", name="Saran produk").get_by_role("option")


def test_suggestions_follow_typing_and_the_keyboard(journey, demo_shelf):
    page = journey.page_for("buyer")
    with journey.step("open the search page"):
        page.goto(journey.url("/search/"))
        box = page.locator("#header-q")
        assert box.get_attribute("role") == "combobox"
        assert box.get_attribute("aria-expanded") == "false"
    with journey.step("one letter asks nothing, two letters show products"):
        box.press_sequentially("k")
        page.wait_for_timeout(400)
        assert suggestions(page).count() == 0
        box.press_sequentially("o")
        suggestions(page).first.wait_for()
        names = suggestions(page).all_inner_texts()
        assert any("Kopi Gayo Arabika 200 g" in name and "Rp 85.000" in name for name in names)
        assert box.get_attribute("aria-expanded") == "true"
    with journey.step("a synonym and a typo are understood while typing"):
        box.fill("")
        box.press_sequentially("jilbab")
        page.get_by_role("option", name="Hijab Segi Empat Voal").wait_for()
    with journey.step("arrow keys move the choice, Escape closes"):
        box.fill("")
        box.press_sequentially("kopi gayo")
        page.get_by_role("option", name="Kopi Gayo Arabika 200 g").wait_for()
        box.press("ArrowDown")
        first = suggestions(page).first
        assert first.get_attribute("aria-selected") == "true"
        assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
        box.press("Escape")
        assert box.get_attribute("aria-expanded") == "false"
        assert not page.get_by_role("listbox", name="Saran produk").is_visible()
    with journey.step("Enter opens the chosen product"):
        box.press("ArrowDown")
        page.get_by_role("listbox", name="Saran produk").wait_for()
        box.press("ArrowDown")
        box.press("Enter")
        page.wait_for_url(f"**{demo_shelf['kopi'].get_absolute_url()}")


def test_enter_without_a_choice_searches(journey, demo_shelf):
    page = journey.page_for("buyer")
    page.goto(journey.url("/search/"))
    box = page.locator("#header-q")
    box.press_sequentially("sambel")
    page.get_by_role("option", name="Sambal Bawang Botol").wait_for()
    box.press("Enter")
    page.wait_for_url("**/search/?q=sambel")
    assert "Sambal Bawang Botol" in page.locator(".product-grid").inner_text()


def test_without_javascript_the_box_is_a_plain_search_form(journey, demo_shelf):
    context = journey.browser.new_context(java_script_enabled=False)
    page = context.new_page()
    journey.pages["no-js"] = page
    page.goto(journey.url("/search/"))
    box = page.locator("#header-q")
    assert box.get_attribute("role") is None
    box.fill("kripik pedas")
    box.press("Enter")
    page.wait_for_url("**/search/?q=kripik+pedas")
    assert "Keripik Singkong Pedas" in page.locator(".product-grid").inner_text()
