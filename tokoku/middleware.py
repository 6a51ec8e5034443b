from django.conf import settings
from django.utils import translation


class ShopLanguageMiddleware:
    """Bahasa Indonesia unless the visitor chose another language with the footer switcher.

    Django's LocaleMiddleware follows the browser's Accept-Language, which would serve an English
    phone a mix of English library strings and our Indonesian pages; the shop's language is the
    owner's choice, and the visitor's explicit one.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
