from django.conf import settings
from django.utils import translation


def shop_language(request):
    """The visitor's choice from the footer switcher (its cookie), else the shop's language."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    return chosen if chosen and any(chosen == code for code, _name in settings.LANGUAGES) else settings.LANGUAGE_CODE


class ShopLanguageMiddleware:
    """Bahasa Indonesia unless the visitor chose another language with the footer switcher.

    Django's LocaleMiddleware follows the browser's Accept-Language, which would serve an English
    phone a mix of English library strings and our Indonesian pages; the shop's language is the
    owner's choice, and the visitor's explicit one. The page cache serves visitors without a session
    before this middleware runs (home/page_cache.py) and picks the language with shop_language() too.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = shop_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
