"""Cached page content (issue 19): rendered once per version of what it shows, served to every reader.

A page's content (the dashboard's, the indicator page's, the roll-up's) depends on data that changes
rarely and is read often. Its view works out a key that holds everything the content depends on
(`key(...)`: a version token of the data, indicators/versions.py, which every write replaces, the view's
parameters, the language, today's date and what the reader may do there) and asks `content()` for it:
a hit costs one round trip to the cache (Redis with REDIS_URL, shared by every process); a miss renders
the content and keeps it. Nothing of the reader's own is in it but their CSRF token, which the content is
rendered with as CSRF_SLOT and which `content()` puts in on every request.
"""

from __future__ import annotations

import hashlib
from typing import Callable

from django.core.cache import cache
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString, mark_safe

# Stands for the reader's CSRF token in cached content: render it as the context's "csrf_token".
CSRF_SLOT = "kpicsrfslot7f3b9c"
SECONDS = 3600


def key(name: str, *parts) -> str:
    """A cache key for content `name` that depends on `parts` (anything with a stable repr)."""
    return f"kpi:{name}:" + hashlib.sha1(repr(parts).encode()).hexdigest()


def content(request, cache_key: str | None, render: Callable[[], tuple[str, bool]]) -> SafeString:
    """The content under `cache_key`, else `render()` -> (html, keep): kept when `keep` (not when the page
    shows a refusal, say); `cache_key` None renders without the cache. The reader's CSRF token put in."""
    html = cache.get(cache_key) if cache_key else None
    if html is None:
        html, keep = render()
        if cache_key and keep:
            cache.set(cache_key, html, SECONDS)
    return mark_safe(html.replace(CSRF_SLOT, get_token(request)))
