"""{% inline_css "css/app.css" %}: a small stylesheet of ours written into the page's <style>.

Bootstrap stays the one external stylesheet; our few rules arrive with the HTML instead
of as a second render-blocking request (a phone on a slow line waited for both). The file
is read through the staticfiles finders, once per change of the file, and must not use
relative url()s: they would resolve against the page (fonts are declared in base.html).
"""

from functools import lru_cache
from pathlib import Path

from django import template
from django.contrib.staticfiles import finders
from django.utils.safestring import mark_safe

register = template.Library()


@lru_cache(maxsize=8)
def _read(path: str, mtime: float) -> str:
    text = Path(path).read_text(encoding="utf-8")
    if "</" in text:
        raise ValueError(f"{path}: a stylesheet written into <style> cannot contain '</'")
    return text


@register.simple_tag
def inline_css(name: str) -> str:
    path = finders.find(name)
    if not path:
        raise FileNotFoundError(f"static file {name} not found")
    return mark_safe(_read(path, Path(path).stat().st_mtime))
