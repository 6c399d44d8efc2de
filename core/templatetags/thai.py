"""Template filters over core.thai: templates never add 543 themselves."""

from django import template

from core import thai

register = template.Library()


@register.filter
def be_date(value, style: str = ""):
    """{{ d|be_date }} → "31 มี.ค. 2565"; {{ d|be_date:"long" }}; {{ d|be_date:"thai" }} Thai digits."""
    styles = set(style.split(",")) if style else set()
    return thai.format_date(value, long="long" in styles, thai_digits="thai" in styles)


@register.filter
def be_datetime(value, style: str = ""):
    return thai.format_datetime(value, thai_digits=style == "thai")


@register.filter
def thai_digits(value):
    return thai.to_thai_digits(value)


@register.filter
def iso_date(value):
    return value.isoformat() if value else ""


@register.filter
def get_item(mapping, key):
    """{{ dict|get_item:key }} for dicts keyed by ids."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def iso_to_be(value):
    """"2022-03-31" (as stored in history JSON) → "31 มี.ค. 2565"."""
    import datetime as dt

    try:
        return thai.format_date(dt.date.fromisoformat(str(value)))
    except ValueError:
        return value


@register.filter
def minutes(value):
    """A timedelta as whole minutes (the sign-in lockout page)."""
    try:
        return int(value.total_seconds() // 60)
    except AttributeError:
        return ""


@register.filter
def input_date(value):
    """A date as people type it into a form: "31/03/2565"."""
    return thai.format_input_date(value) if value else ""


@register.filter
def arabic(value):
    """Arabic digits on screen, so a line never mixes "รอบ ๖ เดือน" with "3"."""
    return thai.to_arabic_digits(value)


@register.filter
def nobr_words(value):
    """A person's name that may wrap between its words but never inside one
    (Chromium's dictionary would split "นาครอด" or "ตรวจสอบ")."""
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    return mark_safe(" ".join(format_html('<span class="nobr">{}</span>', w) for w in str(value or "").split()))
