"""Cached page content (issue 19): rendered once per version of what it shows, served to every reader.

A page's content (the dashboard's, the indicator page's, the roll-up's) depends on data that changes
rarely and is read often. Its view works out a key that holds everything the content depends on
(`key(...)`: a version token of the data, indicators/versions.py, which every write replaces, the view's
parameters, the language, today's date and what the reader may do there) and asks `content()` for it:
a hit costs one round trip to the cache (Redis with REDIS_URL, shared by every process); a miss renders
the content and keeps it. Nothing of the reader's own is in it but their CSRF token, which the content is
rendered with as CSRF_SLOT and which `content()` puts in on every request.

The content is kept as UTF-8 bytes, cut at the CSRF slots, and never becomes text again: the page around
it is rendered with SLOT where the content goes, and PageContentMiddleware (core.middleware) puts the
bytes in. A 300-indicator dashboard is 1.5 MB of Thai; decoding, copying it through the template and
encoding it again on every request cost more than the rest of the page (issue 19: 300 indicators at
most twice the time of 30).
"""

from __future__ import annotations

import hashlib
from typing import Callable

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

# Stands for the reader's CSRF token in cached content: render it as the context's "csrf_token".
CSRF_SLOT = "kpicsrfslot7f3b9c"
# Stands for the content in the page around it (what content() returns); PageContentMiddleware replaces it.
SLOT = "kpipagecontentslot5c8e1d"
SECONDS = 3600


def key(name: str, *parts) -> str:
    """A cache key for content `name` that depends on `parts` (anything with a stable repr)."""
    return f"kpi:{name}:bytes:" + hashlib.sha1(repr(parts).encode()).hexdigest()


def content(request, cache_key: str | None, render: Callable[[], tuple[str, bool]]) -> SafeString:
    """The content under `cache_key`, else `render()` -> (html, keep): kept when `keep` (not when the page
    shows a refusal, say); `cache_key` None renders without the cache. Returns SLOT, to be rendered where
    the content goes; the content itself, with the reader's CSRF token in it, waits on the request for
    PageContentMiddleware. One content per page."""
    parts = cache.get(cache_key) if cache_key else None
    if parts is None:
        html, keep = render()
        parts = html.encode().split(CSRF_SLOT.encode())
        if cache_key and keep:
            cache.set(cache_key, parts, SECONDS)
    request._kpi_page_content = get_token(request).encode().join(parts)
    return mark_safe(SLOT)


def splice(request, response):
    """The page with its content put in where SLOT was rendered (PageContentMiddleware)."""
    body = getattr(request, "_kpi_page_content", None)
    if body is None or response.streaming:
        return response
    head, found, tail = response.content.partition(SLOT.encode())
    if found:
        response.content = b"".join((head, body, tail))
    return response
