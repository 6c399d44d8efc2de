"""{% navbar %}: the menu bar of every page (base.html).

It shows the same thing on every page a user opens: links by their rights, their name, their unread-notice
count, the language. So it is rendered once per combination of those (kept in this process, a few
thousand at most) and reused; only the request's own values, its CSRF token and its address (the language
switch comes back to it), are put in each time, escaped as the template would. Rendering it every time
cost as much as the whole bare request (issue 19).

The unread count is one small query, then cached with the user's Scope until their notices change
(indicators.readers).
"""

from functools import lru_cache

from django import template
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe

from assessments.models import Notice
from indicators import readers
from indicators.models import display_name
from indicators.querysets import scope_of

register = template.Library()

CSRF_SLOT = "kpinavcsrfslot9a1b"
NEXT_SLOT = "kpinavnextslot3c7d"


def unread_count(user) -> int:
    reader = readers.reader(user)
    count = reader.get("unread")
    if count is None:
        count = Notice.objects.for_user(user).unread().count()
        reader.put("unread", count)
    return count


@lru_cache(maxsize=4096)
def _rendered(language: str, shown: tuple) -> str:
    """The bar for one combination of what it shows (`shown`: see navbar), in `language`."""
    names = ("authenticated", "name", "sees_rollup", "is_director_anywhere", "is_staff", "unread")
    with translation.override(language):
        return render_to_string("_navbar.html", dict(zip(names, shown)) | {
            "csrf_slot": CSRF_SLOT, "next_slot": NEXT_SLOT})


@register.simple_tag(takes_context=True)
def navbar(context) -> str:
    request = context["request"]
    user = request.user
    if user.is_authenticated:
        scope = scope_of(user)
        shown = (True, display_name(user), scope.sees_rollup, scope.is_director_anywhere, user.is_staff,
                 unread_count(user))
    else:
        shown = (False,)
    html = _rendered(translation.get_language(), shown)
    return mark_safe(html.replace(CSRF_SLOT, get_token(request)).replace(NEXT_SLOT, escape(request.get_full_path())))
