"""An exact text layer for the PDFs WeasyPrint makes of Thai text.

The problem
-----------
A PDF page holds glyphs, not characters. Text extraction (copy and paste,
search, pdftotext, pypdf) maps each glyph code back to text through the font's
/ToUnicode table: one code, one fixed string. WeasyPrint 70.0 uses the glyph
id as the code and takes that string from the first place the glyph is drawn.
That cannot describe Thai as HarfBuzz shapes it:

* SARA AM (ำ) is drawn as two glyphs, NIKHAHIT and SARA AA, and SARA AA is the
  glyph of the vowel า. One code cannot mean "า" in ความ and "ำ" in สำเร็จ:
  ำ comes out as า ("ความสาเร็จ").
* A tone mark before ำ is reordered and merged with it (น้ำ is drawn as น,
  a MAI THO + NIKHAHIT glyph and า); the two glyphs do not correspond one to
  one with the two characters and the tone mark is lost ("นาใจ" for "น้ำใจ"),
  or the first such cluster poisons every other use of า ("คว้ำม").
* Marks the shaper moves (ส่ in ส่วน, ้ in ฟื้น) confuse the extractors'
  layout guesses: poppler moves the mark to another word ("สว\\n่ น") and pypdf
  reads the pen moving back after the mark as a word gap ("ฟื้ น").

The fix
-------
Each base character and the combining marks on it (Unicode category Mn:
Thai upper and lower vowels, tone marks) is one *unit*. A unit that a single
glyph draws under its own code, meaning exactly the unit's text, at the pen
position, is left as it is: most Thai letters, digits, spaces, Latin. Every
other unit (a consonant with its marks, ำ drawn as NIKHAHIT + SARA AA, a mark
moved by the shaper) is drawn as ONE glyph under a code of its own, whose
/ToUnicode entry is the unit's whole text: a TrueType composite glyph,
appended to the embedded subset, that places the unit's real glyphs (as
components) exactly where WeasyPrint would have drawn them, and whose /W
width is exactly the distance WeasyPrint would have moved the pen over the
unit. Such a code is a CID above the font's glyphs (allocated downwards from
0xFFFF, clear of the ids WeasyPrint gives missing glyphs); a /CIDToGIDMap
stream draws it with its composite glyph. So every code maps to non-empty
text, one glyph per unit, and no extractor ever has to place a mark.

Why composite glyphs (checked with pdf.js 5.6.205, PDFium 159 through
pypdfium2 5.15.2, MuPDF 1.21.1, poppler 22.12, pypdf 7.1.0):

* The earlier form of this module gave the zero-width marks codes mapped to
  nothing (``<fffe> <>``). poppler and pypdf skip those, but pdf.js and
  PDFium print the code itself and MuPDF prints U+FFFD, one junk character
  per mark (5,000+ per scorecard), so Firefox and Chrome users could not
  search. ำ is one character drawn as two glyphs: as long as both glyphs are
  drawn as text, one of them has to map to nothing. Hence one glyph per unit.
* A marked-content ``/Span <</ActualText ...>> BDC ... EMC`` around the unit
  is the textbook tool, but none of pdf.js 5.6, PDFium 159 and MuPDF 1.21
  uses it for text extraction (a span around "น้ำ สำเร็จ" changed nothing),
  and pypdf 7.1.0 ignores marked content too.

The pages look the same: every component sits where WeasyPrint put the
glyph, to a rounding of half a font unit (half a thousandth of an em).
Rasterisers that snap each glyph to a pixel grid (poppler snaps to a quarter
pixel) shade a mark inside a composite glyph slightly differently from the
same mark drawn on its own, so the test compares shapes, not anti-aliasing
(reports/tests/test_pdf_text.py, reports/tests/pdf_helpers.pages_that_look_different).

The fix is active only inside `exact_text()`, which reports/pdf.py wraps
around WeasyPrint's write_pdf; any other WeasyPrint use in the process is
untouched.

What it touches in WeasyPrint (the whole surface)
-------------------------------------------------
It was written against WeasyPrint 70.0 (`WEASYPRINT_VERSION`); `install()`
refuses any other version with `UnsupportedWeasyPrint`, so an upgrade fails
loudly (reports/tests/test_pdf_text.py) rather than silently writing bad
text. Re-read these places before moving the pin:

1. ``weasyprint.draw.text.draw_first_line(stream, textbox, ...)`` is wrapped
   (the SVG text code imports it from there when it runs, so charts are
   covered too). Before the original runs, the wrapper reads the Pango glyph
   strings of the textbox's first line, as the original does (same
   ``single_paragraph_mode`` call, same ``pango_layout.get_first_line()``),
   and rewrites each recoded unit in place: its first glyph becomes the new
   code (no offsets, a Pango width that makes the original's step after it
   zero), its other glyphs PANGO_GLYPH_EMPTY of width 0; everything is
   restored afterwards. It gets WeasyPrint's ``Font`` through
   ``stream.add_font``, as the original does, and fills in
   ``font.to_unicode`` and ``font.widths`` for the new codes (the original
   never overwrites an entry that exists). Where each glyph lands and how far
   the pen moves copies the original's arithmetic term for term. Lines drawn
   with an ellipsis (the original lays them out again), units with a missing
   glyph, and bitmap or colour fonts are left alone.
2. ``weasyprint.pdf.fonts.Font.clean(to_unicode, hinting)`` is wrapped: the
   subset keeps the real glyphs behind the new codes, then fontTools appends
   one composite glyph per code (TrueType fonts only: Sarabun is one).
3. ``weasyprint.pdf.fonts._build_vector_font_dictionary`` is wrapped: once it
   has written a font, the CIDFont dictionary (through the font dictionary's
   /DescendantFonts reference, in ``pdf.objects``) gets the /CIDToGIDMap
   from each code to its composite glyph.
4. ``weasyprint.pdf.metadata.DocumentMetadata.generate_rdf_metadata`` is
   wrapped to add dc:language (from ``<html lang>``) to the XMP packet, which
   WeasyPrint fills with the title, authors and description only.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import unicodedata
from dataclasses import dataclass, field

WEASYPRINT_VERSION = "70.0"

# New codes are allocated downwards from here (a CID font's codes are 16-bit).
TOP_CODE = 0xFFFF
# Never allocate a code this close to the ids WeasyPrint gives missing glyphs.
MARGIN = 256


class UnsupportedWeasyPrint(RuntimeError):
    """The installed WeasyPrint is not the version this module was written against."""


# One glyph of a unit, placed in the unit's composite glyph: (glyph id, x, y in font units).
Component = tuple[int, int, int]


@dataclass
class _FontCodes:
    """The new codes of one font (keyed by WeasyPrint's font hash)."""

    by_key: dict[tuple, int] = field(default_factory=dict)  # (components, text, width) -> code
    components: dict[int, tuple[Component, ...]] = field(default_factory=dict)  # code -> its glyphs
    glyph_of: dict[int, int] = field(default_factory=dict)  # code -> glyph id in the subset (once written)


@dataclass
class _Render:
    fonts: dict[str, _FontCodes] = field(default_factory=dict)


_current: contextvars.ContextVar[_Render | None] = contextvars.ContextVar("exact_pdf_text", default=None)
_install_lock = threading.Lock()
_originals: dict[str, object] = {}


def check_version() -> None:
    import weasyprint

    if weasyprint.__version__ != WEASYPRINT_VERSION:
        raise UnsupportedWeasyPrint(
            f"reports.pdf_text was written against WeasyPrint {WEASYPRINT_VERSION} and reaches into its "
            f"internals, but WeasyPrint {weasyprint.__version__} is installed. Check the hooks listed in "
            "the module docstring against the new version, run reports/tests/test_pdf_text.py and then "
            "update WEASYPRINT_VERSION."
        )


def install() -> None:
    """Put the wrappers in place (once per process); they act only inside `exact_text()`."""
    check_version()
    with _install_lock:
        if _originals:
            return
        from weasyprint.draw import text as draw_text
        from weasyprint.pdf import fonts as pdf_fonts
        from weasyprint.pdf import metadata as pdf_metadata

        _originals["draw_first_line"] = draw_text.draw_first_line
        _originals["clean"] = pdf_fonts.Font.clean
        _originals["build_vector"] = pdf_fonts._build_vector_font_dictionary
        _originals["rdf"] = pdf_metadata.DocumentMetadata.generate_rdf_metadata
        draw_text.draw_first_line = _draw_first_line
        pdf_metadata.DocumentMetadata.generate_rdf_metadata = _generate_rdf_metadata
        pdf_fonts.Font.clean = _clean
        pdf_fonts._build_vector_font_dictionary = _build_vector_font_dictionary


@contextlib.contextmanager
def exact_text():
    """Within this block (and this thread or task), WeasyPrint writes an exact text layer."""
    install()
    token = _current.set(_Render())
    try:
        yield
    finally:
        _current.reset(token)


# --- 1. drawing: units get codes of their own ----------------------------------------------


def _draw_first_line(stream, textbox, text_overflow, block_ellipsis, matrix):
    original = _originals["draw_first_line"]
    render = _current.get()
    if (
        render is None
        or text_overflow == "ellipsis"
        or block_ellipsis != "none"
        or not textbox.text.strip()
        or textbox.style["font_size"] < 1e-6
    ):
        return original(stream, textbox, text_overflow, block_ellipsis, matrix)
    changed = _recode_first_line(render, stream, textbox)
    try:
        return original(stream, textbox, text_overflow, block_ellipsis, matrix)
    finally:
        for info, glyph, width, x_offset, y_offset in changed:
            info.glyph = glyph
            info.geometry.width, info.geometry.x_offset, info.geometry.y_offset = width, x_offset, y_offset


def _recode_first_line(render: _Render, stream, textbox) -> list:
    """Draw each unit that needs it as one glyph of its own; return what to restore afterwards.

    Long because it follows WeasyPrint 70.0's own first-line drawing step by step ("as the original
    does"), so that it can be read side by side with it before an upgrade.
    """
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    # The original sets this before reading the line. Setting it first means
    # that setting it again does not lay the line out again, dropping the codes.
    pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
    first_line, _ = textbox.pango_layout.get_first_line()
    utf8 = textbox.pango_layout.text.encode()
    changed: list = []
    run = first_line.runs[0]
    while run != ffi.NULL:
        glyph_item = run.data
        run = run.next
        pango_font = glyph_item.item.analysis.font
        font, font_size = stream.add_font(pango_font)
        if font.bitmap or font.png or font.svg or font.colr:
            continue
        if pango.pango_version() < 14802:  # as the original does
            font_size = textbox.style["font_size"]
        codes = render.fonts.setdefault(font.hash, _FontCodes())
        infos = glyph_item.glyphs.glyphs
        scale = font.upem / 1000  # font units per thousandth of an em
        for first, end, text in _units(glyph_item, utf8):
            unit = [infos[i] for i in range(first, end)]
            if any(info.glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG for info in unit):
                continue  # a missing glyph: drawn as WeasyPrint would
            drawn = [info for info in unit if info.glyph != pango.PANGO_GLYPH_EMPTY]
            if not drawn:
                continue
            if len(unit) == 1:
                info = unit[0]
                if not (info.geometry.x_offset or info.geometry.y_offset) and (
                    font.to_unicode.setdefault(info.glyph, text) == text
                ):
                    continue  # the glyph's own code already says it
            # Where draw_first_line would put each glyph, relative to the unit's start
            # (thousandths of an em), and how far it would move the pen: its arithmetic,
            # term for term.
            pen, components = 0.0, []
            for info in unit:
                geometry = info.geometry
                if info.glyph == pango.PANGO_GLYPH_EMPTY:
                    pen += geometry.width / font_size
                    continue
                if info.glyph not in font.widths:
                    font.widths[info.glyph] = _glyph_width(pango_font, font_size, info.glyph)
                logical_width = font.widths[info.glyph]
                offset = geometry.x_offset / font_size
                rise = -geometry.y_offset / font_size
                components.append((info.glyph, round((pen + offset) * scale), round(rise * scale)))
                kerning = logical_width + offset - geometry.width * 1000 * FROM_UNITS / font_size
                pen += logical_width + offset - (int(kerning) if kerning else 0)
            code = _code(codes, font, tuple(components), text, pen)
            if code is None:
                continue  # no room left: drawn as WeasyPrint would
            # The unit's first glyph becomes the code, drawn where the unit starts and as
            # wide as the unit; its other glyphs become empty and zero-width.
            for n, info in enumerate(unit):
                geometry = info.geometry
                changed.append((info, info.glyph, geometry.width, geometry.x_offset, geometry.y_offset))
                geometry.x_offset = geometry.y_offset = 0
                if n == 0:
                    info.glyph = code
                    # So that draw_first_line's step after the glyph is under one
                    # thousandth of an em, which it truncates to 0.
                    geometry.width = round(pen * font_size / (1000 * FROM_UNITS))
                else:
                    info.glyph = pango.PANGO_GLYPH_EMPTY
                    geometry.width = 0
    return changed


_mark_texts: dict[str, bool] = {}


def _is_marks(text: str) -> bool:
    """Whether `text` is combining marks only (Thai upper and lower vowels, tone marks)."""
    known = _mark_texts.get(text)
    if known is None:
        known = _mark_texts[text] = bool(text) and all(unicodedata.category(c) in ("Mn", "Me") for c in text)
    return known


def _units(glyph_item, utf8: bytes) -> list[tuple[int, int, str]]:
    """(first glyph, end glyph, text) of each unit of a Pango glyph item, in drawing order.

    A unit is a HarfBuzz cluster (glyphs sharing a log_clusters entry) plus the
    clusters of combining marks only that follow it, so that ส่ is one unit.
    """
    from weasyprint.text.ffi import ffi

    glyph_string = glyph_item.glyphs
    count = glyph_string.num_glyphs
    clusters = ffi.unpack(glyph_string.log_clusters, count)
    offset, length = glyph_item.item.offset, glyph_item.item.length
    rtl = glyph_item.item.analysis.level % 2
    units: list[tuple[int, int, str]] = []
    first = 0
    while first < count:
        end = first + 1
        while end < count and clusters[end] == clusters[first]:
            end += 1
        # The cluster's text runs to the start of the next cluster in logical order.
        if rtl:
            stop = length if first == 0 else clusters[first - 1]
        else:
            stop = length if end == count else clusters[end]
        text = utf8[offset + clusters[first] : offset + stop].decode()
        if units and not rtl and _is_marks(text):
            start, _, before = units[-1]
            units[-1] = (start, end, before + text)
        else:
            units.append((first, end, text))
        first = end
    return units


def _glyph_width(pango_font, font_size, glyph_id: int) -> int:
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    ink, logical = ffi.new("PangoRectangle *"), ffi.new("PangoRectangle *")
    pango.pango_font_get_glyph_extents(pango_font, glyph_id, ink, logical)
    return round(logical.width * 1000 * FROM_UNITS / font_size)


def _code(codes: _FontCodes, font, components: tuple[Component, ...], text: str, width: float) -> int | None:
    """The code that draws `components`, advances `width` and extracts as `text` (made on first use)."""
    key = (components, text, width)
    code = codes.by_key.get(key)
    if code is None:
        code = TOP_CODE - len(codes.by_key)
        if code <= font.glyph_count + len(font.missing) + MARGIN:
            return None
        codes.by_key[key] = code
        codes.components[code] = components
        font.to_unicode[code] = text
        font.widths[code] = width
    return code


# --- 2. subsetting: the composite glyphs behind the codes ----------------------------------


def _clean(self, to_unicode, hinting):
    render = _current.get()
    codes = render.fonts.get(self.hash) if render is not None else None
    used = {code: parts for code, parts in codes.components.items() if code in to_unicode} if codes else {}
    if not used:
        return _originals["clean"](self, to_unicode, hinting)
    to_unicode = {gid: text for gid, text in to_unicode.items() if gid not in codes.components}
    for parts in used.values():
        for glyph_id, _, _ in parts:
            to_unicode.setdefault(glyph_id, "")
    _originals["clean"](self, to_unicode, hinting)
    if self.type != "ttf":
        raise RuntimeError("reports.pdf_text needs TrueType (glyf) fonts; WeasyPrint embedded a CFF font")
    self.file_content = _add_composites(self.file_content, used, codes, self.index)


def _add_composites(file_content: bytes, used: dict[int, tuple[Component, ...]], codes: _FontCodes, index: int) -> bytes:
    """The subset font with one composite glyph per code appended; records code -> glyph id."""
    import io

    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables._g_l_y_f import Glyph, GlyphComponent

    ARGS_ARE_XY_VALUES = 0x0002
    ttfont = TTFont(io.BytesIO(file_content), fontNumber=index)
    order = list(ttfont.getGlyphOrder())
    glyf, hmtx = ttfont["glyf"], ttfont["hmtx"]
    codes.glyph_of.clear()
    for code, parts in sorted(used.items()):
        name = f"unit{code:04X}"
        glyph = Glyph()
        glyph.numberOfContours = -1
        glyph.components = []
        for glyph_id, x, y in parts:
            component = GlyphComponent()
            component.glyphName, component.x, component.y = order[glyph_id], x, y
            component.flags = ARGS_ARE_XY_VALUES
            glyph.components.append(component)
        codes.glyph_of[code] = len(order)
        order.append(name)
        glyf.glyphs[name] = glyph
        glyf.glyphOrder = order
        glyph.recalcBounds(glyf)
        hmtx.metrics[name] = (max(0, round(_width_of(codes, code))), getattr(glyph, "xMin", 0))
    ttfont.setGlyphOrder(order)
    if "post" in ttfont:
        ttfont["post"].formatType = 3.0  # no glyph names to keep in step
    for table in ("hdmx", "LTSH", "VDMX", "kern", "GDEF"):
        if table in ttfont:
            del ttfont[table]
    output = io.BytesIO()
    ttfont.save(output)
    return output.getvalue()


def _width_of(codes: _FontCodes, code: int) -> float:
    for (_, _, width), known in codes.by_key.items():
        if known == code:
            return width
    return 0


# --- 3. the font dictionary: each code draws its composite glyph ---------------------------


def _build_vector_font_dictionary(font_dictionary, pdf, font, widths, compress, reference, pdf_version):
    import pydyf

    result = _originals["build_vector"](font_dictionary, pdf, font, widths, compress, reference, pdf_version)
    render = _current.get()
    codes = render.fonts.get(font.hash) if render is not None else None
    used = {code: gid for code, gid in codes.glyph_of.items() if code in font.to_unicode} if codes else {}
    if used:
        if widths is not font.widths:
            raise RuntimeError("reports.pdf_text needs subset fonts; WeasyPrint wrote a whole font")
        cid_font = pdf.objects[int(font_dictionary["DescendantFonts"][0].split()[0])]
        gids = bytearray(2 * (max(used) + 1))
        for cid in range(min(font.glyph_count, max(used) + 1)):  # the font's own glyphs: identity
            gids[2 * cid : 2 * cid + 2] = cid.to_bytes(2, "big")
        for cid, gid in used.items():
            gids[2 * cid : 2 * cid + 2] = gid.to_bytes(2, "big")
        cid_to_gid = pydyf.Stream([bytes(gids)], compress=compress)
        pdf.add_object(cid_to_gid)
        cid_font["CIDToGIDMap"] = cid_to_gid.reference
    return result


# --- 4. XMP metadata: the document's language ----------------------------------------------


def _generate_rdf_metadata(self, variant, version, conformance):
    """WeasyPrint's XMP packet, plus dc:language (the html element's lang) when it has one."""
    from xml.etree.ElementTree import SubElement, fromstring, tostring

    from weasyprint.pdf.metadata import NS

    xml = _originals["rdf"](self, variant, version, conformance)
    if _current.get() is None or not self.lang:
        return xml
    rdf = fromstring(xml)
    description = SubElement(rdf, f"{{{NS['rdf']}}}Description")
    description.attrib[f"{{{NS['rdf']}}}about"] = ""
    bag = SubElement(SubElement(description, f"{{{NS['dc']}}}language"), f"{{{NS['rdf']}}}Bag")
    SubElement(bag, f"{{{NS['rdf']}}}li").text = self.lang
    return tostring(rdf, encoding="utf-8")
