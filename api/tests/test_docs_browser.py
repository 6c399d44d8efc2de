"""The API documentation page in Chromium: Swagger UI from the installed sidecar package, under the
site's Content-Security-Policy (no CDN, no inline script), readable at 1280 and 390 px."""

from __future__ import annotations

import pytest

from assessments.tests.test_browser import browser  # noqa: F401 (fixture: one chromium per module)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_docs_page_renders_swagger_ui_under_the_csp(browser, live_server, plan, width, tmp_path):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems, requests = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    response = page.goto(f"{live_server.url}/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    page.wait_for_selector(".opblock-tag", timeout=15_000)
    assert "KPI tracker API" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock-summary-path", has_text="/api/v1/plans/{id}/progress/").count() == 1
    page.screenshot(path=str(tmp_path / f"api-docs-{width}.png"), full_page=False)
    scroll = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert not problems, problems  # a CSP refusal is a console error
    assert all(url.startswith(live_server.url) for url in requests), "only this server is asked (no CDN)"
    assert scroll <= 0, f"the page scrolls sideways by {scroll}px at {width}px"
