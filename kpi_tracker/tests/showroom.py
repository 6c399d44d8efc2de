"""Show a page rendered by the Django test client to chromium, with the app's own static files.

No server runs: a browser context answers every request for a made-up origin itself, the
document with the rendered page (status and headers included) and /static/… through the
staticfiles finders, as the app would serve them. The browser therefore sees exactly the
HTML the other checks read. Used by the axe-core and layout-shift tests.
"""

from __future__ import annotations

import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

ORIGIN = "http://kpi.test"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def static_file(path: str) -> Path | None:
    if not path.startswith(settings.STATIC_URL):
        return None
    found = finders.find(path[len(settings.STATIC_URL):])
    return Path(found) if found else None


class PageServer:
    """One rendered page and the static files, from a real server on 127.0.0.1.

    For the layout-shift test, whose slow network chromium emulates: requests answered by
    a route handler never pass through the browser's network, so they would not be slowed.
    """

    def __init__(self, page):
        shown = page

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                path = urlsplit(self.path).path
                if path == urlsplit(shown.url).path:
                    body, kind, status = shown.html.encode("utf-8"), "text/html; charset=utf-8", shown.status
                else:
                    file = static_file(path)
                    if file is None:
                        self.send_error(404)
                        return
                    body, status = file.read_bytes(), 200
                    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # a free port, as the live server takes
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{page.url}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Showroom:
    """A browser context that serves one rendered page at a time.

    bypass_csp: the page's own content security policy (sent as the app sends it) would
    refuse a script the test injects (axe-core); it is bypassed only in this context.
    """

    def __init__(self, browser, viewport, **context_options):
        self.context = browser.new_context(viewport=viewport, bypass_csp=True, base_url=ORIGIN, **context_options)
        self.context.set_default_timeout(15_000)
        self.page_shown = None
        self.requests: list[tuple[str, str]] = []  # (resource type, path) in the order asked
        self.context.route(f"{ORIGIN}/**", self._serve)
        self.tab = self.context.new_page()

    def _serve(self, route):
        request = route.request
        path = urlsplit(request.url).path
        self.requests.append((request.resource_type, path))
        if request.resource_type == "document":
            page = self.page_shown
            headers = {k: v for k, v in page.headers.items() if k.lower() not in ("content-length", "set-cookie")}
            return route.fulfill(status=page.status, headers=headers, body=page.html.encode("utf-8"))
        file = static_file(path)
        if file is None:
            return route.fulfill(status=404, body="not found")
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return route.fulfill(status=200, body=file.read_bytes(), headers={"Content-Type": kind})

    def show(self, page, wait_until="load"):
        self.page_shown = page
        self.tab.goto(ORIGIN + page.url, wait_until=wait_until)

    def close(self):
        self.context.close()
