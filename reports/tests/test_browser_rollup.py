"""The department roll-up in Chromium: 1280 and 390 px, no sideways scrolling, as the monitor and a
unit director; screenshots for a human look (written to $ROLLUP_SHOTS when set)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse

from assessments.tests.test_browser import browser  # noqa: F401  (fixture)
from indicators.models import OrgUnit
from reports.tests.test_browser_dashboard import WIDTHS, sideways, signed_in_context
from reports.demo_department import MONITOR_USERNAME, build_department

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
TODAY = dt.date(2026, 12, 1)


def test_the_rollup_fits_1280_and_390_px(browser, live_server, fy_today):  # noqa: F811
    from django.contrib.auth import get_user_model

    fy_today(TODAY)
    build_department(units=30, indicators=8, year_be=2569, today=TODAY)
    User = get_user_model()
    office = OrgUnit.objects.filter(kind="branch").first().parent
    people = {"monitor": User.objects.get(username=MONITOR_USERNAME), "director": User.objects.get(username=f"dir-{office.pk}")}
    shots = os.environ.get("ROLLUP_SHOTS")
    failures = []
    for role, user in people.items():
        for width in WIDTHS:
            context = signed_in_context(browser, live_server, user, width)
            page = context.new_page()
            for query in ("", "?kind=provincial&round=6&status=behind&sort=average&desc=1"):
                response = page.goto(live_server.url + reverse("reports:rollup") + query)
                assert response.status == 200
                assert page.locator("table.rollup-table tbody tr").count() >= (2 if role == "director" and not query else 1)
                failures += [f"{role} {width}px {query}: {p}" for p in sideways(page)]
                if shots:
                    page.screenshot(path=f"{shots}/rollup-{role}-{width}{'-filtered' if query else ''}.png", full_page=True)
            context.close()
    assert not failures, "\n".join(failures)


def test_cascade_pages_fit_1280_and_390_px(browser, live_server, fy_today):  # noqa: F811
    """The parent's children, the child's parent, the cascade form: nothing scrolls sideways."""
    from django.contrib.auth import get_user_model

    from indicators.models import Cascade

    fy_today(TODAY)
    build_department(units=12, indicators=6, year_be=2569, today=TODAY)
    link = Cascade.objects.filter(indicator__isnull=False).select_related("child__plan").first()
    director = get_user_model().objects.get(username=f"dir-{link.child.plan.org_unit_id}")
    monitor = get_user_model().objects.get(username=MONITOR_USERNAME)
    shots = os.environ.get("ROLLUP_SHOTS")
    failures = []
    for user, urls in ((monitor, [reverse("assessments:indicator", args=[link.indicator_id]),
                                  reverse("assessments:indicator", args=[link.child_id])]),
                       (director, [reverse("indicators:cascade-edit", args=[link.child_id])])):
        for width in WIDTHS:
            context = signed_in_context(browser, live_server, user, width)
            page = context.new_page()
            for n, url in enumerate(urls):
                assert page.goto(live_server.url + url).status == 200
                failures += [f"{user.username} {width}px {url}: {p}" for p in sideways(page)]
                if shots:
                    page.screenshot(path=f"{shots}/cascade-{user.username}-{width}-{n}.png", full_page=True)
            context.close()
    assert not failures, "\n".join(failures)
