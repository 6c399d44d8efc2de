"""Every page of the product, as each role sees it, for the HTML and accessibility checks.

The list is derived, not written out: every URL of test_permission_matrix.MATRIX that
answers a GET with 200 for a role is a page for that role, with its arguments taken
from the matrix's `world`. A page someone adds to the matrix (as every new URL must be)
is therefore checked here too, with no edit to this file. A URL that answers 200 with
something other than HTML (a file, a PDF) must be named in NOT_PAGES, or
test_html_valid.test_every_page_of_the_matrix_is_checked fails.

On top of those, STATES: the same pages in the states a user meets (a returned round,
a form sent back with an error, the error pages), each a small function that drives the
Django test client. Add one with @state("label").

Both checks (html-validate with node, axe-core in Chromium) read the HTML rendered here
by the Django test client, so they judge exactly the same documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from kpi_tracker.tests.test_permission_matrix import MATRIX, ROLES

# URL name -> why a 200 from it is not an HTML page.
NOT_PAGES = {
    "assessments:evidence-download": "an evidence file, sent as an attachment",
    "reports:scorecard-pdf": "the scorecard as PDF",
    "reports:scorecard-xlsx": "the scorecard as Excel",
    "reports:ping": "a plain-text probe for the benchmark",
    "assessments:evidence-view": "an evidence file (PDF or image) opened in the browser, sandboxed",
    "reports:scorecard-annex": "the evidence annex as PDF",
    "indicators:plan-template": "the plan's Excel KPI template, a download",
    # Issue 20: the read-only API answers JSON (its schema YAML); its documentation page (api:docs) is HTML.
    "api:schema": "the OpenAPI description (YAML)",
    "api:year-list": "JSON for other systems",
    "api:year-detail": "JSON for other systems",
    "api:round-list": "JSON for other systems",
    "api:round-detail": "JSON for other systems",
    "api:unit-list": "JSON for other systems",
    "api:unit-detail": "JSON for other systems",
    "api:plan-list": "JSON for other systems",
    "api:plan-detail": "JSON for other systems",
    "api:plan-progress": "JSON for other systems",
    "api:indicator-list": "JSON for other systems",
    "api:indicator-detail": "JSON for other systems",
    "api:indicator-history": "JSON for other systems",
    "api:kpi-list": "JSON for other systems",
    "api:kpi-detail": "JSON for other systems",
    "api:rollup": "JSON for other systems",
    "reports:rollup-pdf": "the department roll-up as PDF",
    "reports:rollup-xlsx": "the department roll-up as Excel",
    "reports:batch-download": "the quarter-end batch, a ZIP download",
}


@dataclass
class Page:
    label: str  # what a failure names: the URL name or the state, and the query
    role: str
    url: str
    status: int
    html: str
    headers: dict = field(default_factory=dict)

    @property
    def is_html(self) -> bool:
        return self.headers.get("Content-Type", "").startswith("text/html")

    def __str__(self):
        return f"{self.label} as {self.role} ({self.url})"


def _login(client, users, role, language="th"):
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if role != "anonymous":
        client.force_login(users[role])


def _page(label, role, response, url) -> Page:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return Page(label, role, url, response.status_code, body.decode("utf-8", "replace"),
                {k: v for k, v in response.headers.items()})


def get_page(client, users, role, label, url, language="th") -> Page:
    _login(client, users, role, language)
    return _page(label, role, client.get(url), url)


def _post_then_page(client, users, role, label, url, data) -> Page:
    """A form sent back: the page rendered for the POST (400 with errors) or the one it redirects to."""
    _login(client, users, role)
    response = client.post(url, data, follow=True)
    return _page(label, role, response, response.request["PATH_INFO"] + (
        "?" + response.request["QUERY_STRING"] if response.request.get("QUERY_STRING") else ""))


# --- the pages of the matrix ------------------------------------------------------

def matrix_pages(client, users, world, roles=ROLES) -> list[Page]:
    pages = []
    for name, case in sorted(MATRIX.items()):
        if name in NOT_PAGES:
            continue
        args = world[case.args] if case.args else []
        url = reverse(name, args=args)
        for role in roles:
            if case.get[role] == 200:
                pages.append(get_page(client, users, role, name, url))
    return pages


def pages_not_html(pages: list[Page]) -> list[str]:
    """Matrix URLs that answer 200 with something other than HTML and are not in NOT_PAGES."""
    return [f"{p} answers {p.headers.get('Content-Type')}" for p in pages if not p.is_html]


# --- pages in their states ----------------------------------------------------------

STATES = []


def state(label):
    def register(fn):
        STATES.append((label, fn))
        return fn
    return register


@state("login: wrong password")
def _login_error(client, users, world):
    return [_post_then_page(client, users, "anonymous", "login: wrong password", reverse("login"),
                            {"username": "owner", "password": "not-the-password"})]


@state("login: locked out")
def _locked_out(client, users, world):
    import datetime as dt

    import pytest
    from django.utils import timezone

    _login(client, users, "anonymous")
    response = None
    # django-axes counts failures against the real clock, which `fy_today` moves back to FY 2565.
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: dt.datetime.now(dt.timezone.utc))
        for _ in range(settings.AXES_FAILURE_LIMIT + 1):
            response = client.post(reverse("login"), {"username": "locked-user", "password": "wrong"})
    return [_page("login: locked out (429)", "anonymous", response, reverse("login"))]


@state("error pages")
def _error_pages(client, users, world):
    forbidden = next(name for name, case in MATRIX.items() if case.get["viewer"] == 403)
    args = world[MATRIX[forbidden].args] if MATRIX[forbidden].args else []
    return [
        get_page(client, users, "viewer", f"403 page ({forbidden})", reverse(forbidden, args=args)),
        get_page(client, users, "owner", "404 page", "/no-such-page/"),
    ]


@state("English")
def _english(client, users, world):
    return [get_page(client, users, "director", "dashboard in English", reverse("reports:dashboard"), language="en"),
            get_page(client, users, "owner", "indicator in English",
                 reverse("assessments:indicator", args=world["indicator"]), language="en")]


@state("step saved with a bad date")
def _step_error(client, users, world):
    step_pk = world["step"][0]
    rnd = world["rounds"][12]
    page = _post_then_page(client, users, "owner", "indicator: step saved with a date in the future",
                           reverse("assessments:step-save", args=[step_pk]),
                           {"done": "on", "done_on": "2031-01-01", "note": "", "round": rnd.pk})
    return [page]


@state("review sent back with an error")
def _review_error(client, users, world):
    from assessments.models import RoundAssessment

    indicator_pk, round_pk = world["submitted"]
    self_level = RoundAssessment.objects.get(indicator_id=indicator_pk, round_id=round_pk).self_level or 0
    if self_level == 0:
        data = {"comment": ""}  # a return needs a comment
        url = reverse("assessments:round-return", args=world["submitted"])
    else:
        data = {"level": "0", "reason": ""}  # lower than self-assessed needs a reason
        url = reverse("assessments:round-verify", args=world["submitted"])
    return [_post_then_page(client, users, "director", "review: decision without its reason", url, data)]


@state("KPI value sent back with an error")
def _kpi_error(client, users, world):
    return [_post_then_page(client, users, "director", "dashboard: 5G KPI value not a number",
                            reverse("reports:kpi-record", args=world["kpi"]),
                            {"value": "ไม่ใช่ตัวเลข", "measured_on": "2022-05-01", "source": "", "plan": world["plan"].pk})]


@state("roll-up with a bad as-of date")
def _rollup_error(client, users, world):
    """Issue 18: the roll-up refuses a day that does not exist, with its Thai message and the form (400)."""
    url = reverse("reports:rollup") + "?as_of=31/02/2565"
    return [get_page(client, users, "monitor", "roll-up: a day that does not exist", url),
            get_page(client, users, "monitor", "roll-up as of a day", reverse("reports:rollup") + "?as_of=31/03/2565")]


@state("returned round")
def _returned(client, users, world):
    """Last: it changes the world. The director returns indicator 2's round; its owner reads why."""
    from assessments import services
    from indicators.models import Indicator

    indicator_pk, round_pk = world["submitted"]
    services.round_return(indicator=Indicator.objects.get(pk=indicator_pk), round=world["rounds"][6],
                          by=users["director"], comment="กรุณาแนบรายงานการประชุมของขั้นตอนที่ 1 แล้วส่งใหม่")
    indicator_url = reverse("assessments:indicator", args=[indicator_pk]) + f"?round={round_pk}"
    return [
        get_page(client, users, "owner", "indicator: returned round", indicator_url),
        get_page(client, users, "owner", "my indicators: a returned round", reverse("assessments:my-indicators")),
        get_page(client, users, "director", "review: a returned round", reverse("assessments:review", args=world["submitted"])),
        get_page(client, users, "director", "dashboard: a returned round", reverse("reports:dashboard")),
    ]


def state_pages(client, users, world, roles=ROLES) -> list[Page]:
    pages = []
    for _label, fn in STATES:
        pages += [p for p in fn(client, users, world) if p.role in roles]
    return pages


def all_pages(client, users, world, roles=ROLES) -> list[Page]:
    """Every page for the given roles: the matrix's, then the states (which may change the world)."""
    return matrix_pages(client, users, world, roles) + state_pages(client, users, world, roles)
