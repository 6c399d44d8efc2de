from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

# Everything the pages load comes from this server. Inline style attributes are
# allowed (progress bars set their width); scripts only from our own origin.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        return response


class ChosenLanguageMiddleware:
    """Thai unless the user picked English with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a
    clerk whose browser happens to be set to English would get an English
    page they never asked for. Here only the cookie that Django's
    set_language view writes (the switch in base.html) can change it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ("Cookie",))
        return response


class PageContentMiddleware:
    """Puts a page's cached content (core.pagecache) into the page rendered around it. Below
    CommonMiddleware, which then counts the Content-Length of the whole page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core import pagecache

        return pagecache.splice(request, self.get_response(request))
