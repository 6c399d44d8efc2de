"""Helpers for the PDF tests: the plan's Q2 scorecard rendered once per run, and
what poppler and pypdf make of a PDF.

poppler-utils (pdftotext, pdftoppm) must be installed: a test that needs it
fails with a message saying so, never skips.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess

import pytest
from pypdf import PdfReader

_cache: dict = {}


def q2_scorecard(request):
    """(scorecard, PDF bytes) of the real plan's Q2 FY 2565 with progress, rendered once per run."""
    if "q2" not in _cache:
        from reports.pdf import render_pdf
        from reports.scorecard import Period, build_scorecard

        plan = request.getfixturevalue("plan")
        request.getfixturevalue("progress")
        sc = build_scorecard(plan=plan, period=Period.for_quarter(2565, 2))
        _cache["q2"] = (sc, render_pdf(sc))
    return _cache["q2"]


def pypdf_pages(data: bytes) -> list[str]:
    """The text pypdf extracts from each page (cached: pypdf takes seconds on a long scorecard)."""
    key = ("pypdf", hashlib.sha256(data).hexdigest())
    if key not in _cache:
        _cache[key] = [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    return _cache[key]


def poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: the PDF text tests need poppler-utils (apt-get install poppler-utils)")
    return path


def pdftotext(data: bytes, *options: str) -> str:
    """poppler's text of the whole PDF (reading order; "-raw" for content-stream order)."""
    result = subprocess.run([poppler("pdftotext"), *options, "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode()


def rasterise(data: bytes, dpi: int = 72) -> list[bytes]:
    """Each page as a PPM image drawn by poppler (pdftoppm)."""
    result = subprocess.run([poppler("pdftoppm"), "-r", str(dpi), "-"], input=data, capture_output=True, check=True)
    # pdftoppm writes the pages one after another: split at each "P6\n<w> <h>\n255\n" header.
    pages, raw = [], result.stdout
    while raw:
        header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", raw)
        assert header, "pdftoppm wrote something other than PPM images"
        size = header.end() + int(header[1]) * int(header[2]) * 3
        pages.append(raw[:size])
        raw = raw[size:]
    return pages


def pages_that_look_different(a: bytes, b: bytes, dpi: int = 200) -> list[int]:
    """Numbers of the pages of two PDFs that do not draw the same shapes in the same places.

    Both are rasterised by poppler and thresholded; a page looks the same when each inked
    pixel of one lies within one pixel of an inked pixel of the other. This ignores
    anti-aliasing, which depends on where the rasteriser puts each glyph within a pixel
    (poppler snaps each glyph to a quarter pixel, so a mark drawn inside a composite glyph
    is shaded a little differently than the same mark drawn on its own), and fails for
    anything a reader could see: a mark or a line moved by a point, a glyph missing or
    added, a different page count.
    """
    import io

    from PIL import Image, ImageChops, ImageFilter

    first, second = rasterise(a, dpi), rasterise(b, dpi)
    if len(first) != len(second):
        return [0]
    different = []
    for number, (x, y) in enumerate(zip(first, second), start=1):
        ink_x, ink_y = (Image.open(io.BytesIO(page)).convert("L").point(lambda v: 255 if v < 128 else 0) for page in (x, y))
        if ink_x.size != ink_y.size:
            different.append(number)
            continue
        near_x, near_y = ink_x.filter(ImageFilter.MaxFilter(3)), ink_y.filter(ImageFilter.MaxFilter(3))
        if ImageChops.subtract(ink_x, near_y).getbbox() or ImageChops.subtract(ink_y, near_x).getbbox():
            different.append(number)
    return different


def squash(text: str) -> str:
    """Text without any whitespace (line breaks inside a table cell fall between Thai words)."""
    return re.sub(r"\s+", "", text)


def words(text: str) -> str:
    """Text with each run of whitespace made one space."""
    return re.sub(r"\s+", " ", text).strip()
