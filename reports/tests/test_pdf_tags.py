"""The scorecard PDF is tagged and describes itself: what a screen reader and an archive need.

WeasyPrint's PDF/UA-1 variant (reports/pdf.py PDF_VARIANT) writes the structure tree;
these tests read it back with pypdf. veraPDF is not available here, so this checks the
parts of PDF/UA-1 a reader depends on, not a full validation.
"""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from pypdf import PdfReader

from .pdf_helpers import q2_scorecard

pytestmark = pytest.mark.django_db

TITLE = "รายงานผลการดำเนินงานตามตัวชี้วัด กลุ่มพัฒนาระบบบริหาร ไตรมาสที่ ๒ ปีงบประมาณ พ.ศ. ๒๕๖๕"


def structure(root) -> tuple[Counter, list]:
    """(count of each structure type, [(type, parent type, element)] of every element)."""
    counts, elements = Counter(), []

    def walk(node, parent_type):
        node = node.get_object()
        if not isinstance(node, dict):
            return
        kind = node.get("/S")
        if kind is not None:
            counts[kind] += 1
            elements.append((kind, parent_type, node))
        kids = node.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            walk(kid, kind or parent_type)

    walk(root["/StructTreeRoot"], None)
    return counts, elements


def test_the_scorecard_is_tagged_with_headings_and_table_header_cells(request):
    sc, data = q2_scorecard(request)
    root = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "th"
    counts, elements = structure(root)
    assert counts["/Document"] == 1 and counts["/H1"] == 1
    assert counts["/H2"] >= 1 and counts["/H3"] >= len(sc.rows)  # a heading per indicator
    assert counts["/Table"] >= 2 and counts["/TH"] >= 5 * counts["/THead"] > 0
    assert all(parent == "/TR" for kind, parent, _ in elements if kind in ("/TH", "/TD"))
    # Any figure carries a Thai text alternative (the printed scorecard has no charts since the
    # editions: the tables say the same, and the charts stay on the web page).
    figures = [node for kind, _, node in elements if kind == "/Figure"]
    assert all(str(node.get("/Alt", "")).strip() for node in figures)


def test_the_scorecard_has_xmp_metadata_title_language_and_shows_its_title(request):
    _, data = q2_scorecard(request)
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.pdf_header == "%PDF-1.7"
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp
    assert re.search(r"<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">" + re.escape(TITLE) + "</rdf:li>", xmp)
    assert re.search(r"<dc:language><rdf:Bag><rdf:li>th</rdf:li></rdf:Bag></dc:language>", xmp)
    assert reader.metadata.title == TITLE  # the document information dictionary agrees
