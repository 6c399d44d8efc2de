"""{% unread_notices %}: the count beside การแจ้งเตือน in the navigation bar: one small query, then
cached until the user's notices change (indicators.readers.Reader, read with the user's Scope)."""

from django import template

from assessments.models import Notice
from indicators import readers

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notices(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    reader = readers.reader(user)
    count = reader.get("unread")
    if count is None:
        count = Notice.objects.for_user(user).unread().count()
        reader.put("unread", count)
    return count
