"""Every Django form field a template shows goes through crispy-forms (README "Forms").

Read from the template files as text: a field printed bare (``{{ form.name }}``, ``{{ copy_form.to_year }}``,
``{{ field }}`` in a loop over a form, or a whole ``{{ form }}``) gets Django's default markup instead
of crispy-bootstrap5's label, classes, error messages and aria-invalid. Written through a crispy filter
(``|crispy``, ``|as_crispy_field``) or the ``{% crispy %}`` tag it passes. ``form.errors`` and
``form.non_field_errors`` are messages, not fields.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_FIELDS = {"errors", "non_field_errors", "media", "is_bound", "instance", "initial", "refusal"}
# {{ form }}, {{ form.x }}, {{ report_form.x }}, {{ field }}, {{ f }}: with no filter at all.
BARE = re.compile(r"\{\{\s*(?P<form>(?:\w+_)?form|field|f)(?:\.(?P<attr>\w+))?\s*\}\}")


def bare_fields(text: str) -> list[str]:
    """{{ form.x }} prints field x; {{ field.label }} prints a bound field's label, not the field."""
    return [m.group(0) for m in BARE.finditer(text)
            if m.group("attr") not in NOT_FIELDS and not (m.group("form") in ("field", "f") and m.group("attr"))]


def templates() -> list[Path]:
    return sorted((ROOT / "templates").rglob("*.html"))


def test_no_template_renders_a_form_field_bare():
    found = {p.relative_to(ROOT).as_posix(): bare_fields(p.read_text(encoding="utf-8")) for p in templates()}
    assert not {k: v for k, v in found.items() if v}, found


def test_the_check_tells_bare_from_crispy():
    assert bare_fields("{{ form.reason }} {{ copy_form.to_year }} {{ field }} {{ f }} {{ form }}") == [
        "{{ form.reason }}", "{{ copy_form.to_year }}", "{{ field }}", "{{ f }}", "{{ form }}"]
    assert bare_fields("{{ form.reason|as_crispy_field }} {{ form|crispy }} {% crispy form %} {{ form.errors }}"
                       " {{ f|as_crispy_field }} {{ form.username.value|default:'' }} {{ platform }} {{ field.label }}") == []


def test_the_forms_that_pages_show_are_crispy():
    """The sign-in, plan copy, evidence removal and round report forms (and the plan pages) use crispy."""
    crispy = re.compile(r"\|crispy\b|\|as_crispy_field\b|\{% crispy ")
    for name in ("registration/login.html", "indicators/plan_detail.html", "indicators/plan_form.html",
                 "indicators/indicator_form.html", "indicators/criteria_form.html", "indicators/kpi_form.html",
                 "indicators/plan_import.html", "assessments/evidence_remove_confirm.html",
                 "assessments/indicator.html", "assessments/review_detail.html", "indicators/cascade_form.html"):
        assert crispy.search((ROOT / "templates" / name).read_text(encoding="utf-8")), name
