"""{{ user|display_name }}: a user's name on a page, by the one rule of indicators.models.display_name."""

from django import template

from indicators.models import display_name

register = template.Library()
register.filter("display_name", display_name)
