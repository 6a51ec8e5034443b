"""The storefront's pages in the Wagtail admin."""

from django.shortcuts import redirect
from wagtail import hooks


@hooks.register("after_edit_page")
def back_to_a_top_level_page_after_publishing(request, page):
    # Wagtail goes to the parent's listing after a publish; for the home page that is the tree's root
    # ("Exploring: Root"), a screen an owner has no use for. They come back to the page they edited.
    if "action-publish" in request.POST and page.get_parent().is_root():
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None
