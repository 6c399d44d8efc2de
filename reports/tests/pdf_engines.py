"""What the PDF engines people read our PDFs with make of a PDF's text.

* pdf.js: Firefox's viewer (and many web apps), `getTextContent`, run by the machine's
  Node.js through reports/tests/pdfjs_text.mjs (pdfjs-dist from package.json: `npm ci`);
* PDFium: Chrome's and Edge's viewer, through pypdfium2 (requirements.txt);
* MuPDF: `mutool draw -F txt` (Debian's mupdf-tools);
* poppler: `pdftotext -raw` (poppler-utils; Evince, Okular and most Linux viewers);
* pypdf (requirements.txt).

A missing engine fails the test with what to install; it never skips.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from .pdf_helpers import pdftotext, poppler, pypdf_pages

ROOT = Path(settings.BASE_DIR)
PDFJS_SCRIPT = ROOT / "reports" / "tests" / "pdfjs_text.mjs"
ENGINES = ["pdf.js", "PDFium", "MuPDF", "poppler", "pypdf"]


@dataclass(frozen=True)
class Reading:
    engine: str  # "pdf.js 5.6.205"
    text: str


def _tool(name: str, install: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} not found: the PDF engine tests need it ({install})")
    return path


def _pdfjs(data: bytes) -> Reading:
    node = _tool("node", "Node.js 20.19 or later: apt-get install nodejs")
    if not (ROOT / "node_modules" / "pdfjs-dist").is_dir():
        pytest.fail("pdfjs-dist is not installed: run `npm ci` in the project (make test does)")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        result = subprocess.run([node, str(PDFJS_SCRIPT), file.name], capture_output=True, cwd=ROOT, timeout=300)
    if result.returncode:
        pytest.fail(f"pdf.js could not read the PDF: {result.stderr.decode()[-2000:]}")
    out = json.loads(result.stdout)
    return Reading(f"pdf.js {out['version']}", "\n".join(out["pages"]))


def _pdfium(data: bytes) -> Reading:
    try:
        import pypdfium2
    except ImportError:
        pytest.fail("pypdfium2 is not installed: pip install -r requirements.txt")
    document = pypdfium2.PdfDocument(data)
    try:
        pages = []
        for page in document:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()
    version = str(pypdfium2.PDFIUM_INFO).split(".")[0]
    return Reading(f"PDFium {version} (pypdfium2 {pypdfium2.PYPDFIUM_INFO})", "\n".join(pages))


@functools.cache
def _mutool_version(mutool: str) -> str:
    result = subprocess.run([mutool, "-v"], capture_output=True, text=True)
    found = re.search(r"version\s+(\S+)", result.stdout + result.stderr)
    return found[1] if found else "?"


def _mupdf(data: bytes) -> Reading:
    mutool = _tool("mutool", "apt-get install mupdf-tools")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        result = subprocess.run([mutool, "draw", "-q", "-F", "txt", "-o", "-", file.name], capture_output=True, timeout=300)
    if result.returncode:
        pytest.fail(f"MuPDF could not read the PDF: {result.stderr.decode()[-2000:]}")
    return Reading(f"MuPDF {_mutool_version(mutool)}", result.stdout.decode())


@functools.cache
def _poppler_version() -> str:
    result = subprocess.run([poppler("pdftotext"), "-v"], capture_output=True, text=True)
    found = re.search(r"version\s+(\S+)", result.stdout + result.stderr)
    return found[1] if found else "?"


def _poppler(data: bytes) -> Reading:
    return Reading(f"poppler {_poppler_version()}", pdftotext(data, "-raw"))


def _pypdf(data: bytes) -> Reading:
    import pypdf

    return Reading(f"pypdf {pypdf.__version__}", "\n".join(pypdf_pages(data)))


_READERS = {"pdf.js": _pdfjs, "PDFium": _pdfium, "MuPDF": _mupdf, "poppler": _poppler, "pypdf": _pypdf}
_cache: dict = {}


def read(engine: str, data: bytes) -> Reading:
    """The text `engine` extracts from the PDF `data` (cached per document)."""
    key = (engine, hashlib.sha256(data).hexdigest())
    if key not in _cache:
        _cache[key] = _READERS[engine](data)
    return _cache[key]


JUNK = re.compile("[\ufffd\ufffe\uffff\ue000-\uf8ff\U000f0000-\U0010ffff\x00-\x08\x0b\x0e-\x1f]")


def junk(text: str) -> list[str]:
    """Replacement, non-character and private-use characters, and control characters
    other than tab, line feeds and form feeds (a page break)."""
    return JUNK.findall(text)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def html_text(html: str) -> str:
    """The text a browser would show of the print HTML (no head, style, tags, or the
    <title> tooltips of the charts' SVG, which are not drawn)."""
    import html as html_module

    body = re.sub(r"(?is)<head.*?</head>|<style.*?</style>|<script.*?</script>|<title.*?</title>", " ", html)
    return html_module.unescape(re.sub(r"(?s)<[^>]+>", " ", body))
