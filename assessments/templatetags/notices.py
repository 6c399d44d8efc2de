"""{% unread_notices %}: the count beside การแจ้งเตือน in the navigation bar (one small query)."""

from django import template

from assessments.models import Notice

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notices(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return Notice.objects.for_user(user).unread().count()
