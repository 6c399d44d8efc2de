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
glyph draws under its own code, meaning exactly the unit's text, is left as
it is: most Thai letters, digits, spaces, Latin. Every other unit is drawn
under *codes of its own*: the glyph that advances the pen (the consonant, the
า of ำ) gets a code whose /ToUnicode entry is the unit's whole text, the
other glyphs (zero-width marks) get codes that map to nothing, so extractors
never have to place a mark. Such a code is a CID above the font's glyphs
(allocated downwards from 0xFFFF, clear of the ids WeasyPrint gives missing
glyphs); a /CIDToGIDMap stream draws it with the real glyph, and /W gives it
the real glyph's width, except for a mark the shaper moved left: its code is
as wide as the move, so that the pen comes back by advancing rather than by
a positioning step that pypdf would take for a space. The widths are chosen
so the pen lands exactly where it did: the pages look the same
(reports/tests/test_pdf_text.py rasterises them with and without the fix).

Why not /ActualText? A marked-content span ``/Span <</ActualText ...>> BDC
... EMC`` is the textbook tool, and poppler 22.12 honours it, but pypdf 7.1.0
ignores marked content when it extracts text (checked: a span around "สำเร็จ"
still gives "สาเร็จ"), so /ToUnicode has to be right anyway; once it is, an
/ActualText span adds nothing.

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
   and writes the new codes into the glyph ids in place, restoring them
   afterwards. It gets WeasyPrint's ``Font`` through ``stream.add_font``, as
   the original does, and fills in ``font.to_unicode`` and ``font.widths``
   for the new codes (the original never overwrites an entry that exists).
   `_pdf_width` copies the original's arithmetic for a glyph's width and
   positioning steps. Lines drawn with an ellipsis (the original lays them
   out again) and bitmap or colour fonts are left alone.
2. ``weasyprint.pdf.fonts.Font.clean(to_unicode, hinting)`` is wrapped: the
   font subset keeps the real glyphs behind the new codes instead of codes.
3. ``weasyprint.pdf.fonts._build_vector_font_dictionary`` is wrapped: once it
   has written a font, the CIDFont dictionary (through the font dictionary's
   /DescendantFonts reference, in ``pdf.objects``) gets the /CIDToGIDMap.
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


@dataclass
class _FontCodes:
    """The new codes of one font (keyed by WeasyPrint's font hash)."""

    by_key: dict[tuple[int, str, int], int] = field(default_factory=dict)  # (glyph, text, width) -> code
    glyph_of: dict[int, int] = field(default_factory=dict)  # code -> glyph


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

        _originals["draw_first_line"] = draw_text.draw_first_line
        _originals["clean"] = pdf_fonts.Font.clean
        _originals["build_vector"] = pdf_fonts._build_vector_font_dictionary
        draw_text.draw_first_line = _draw_first_line
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
        for glyph_info, glyph_id in changed:
            glyph_info.glyph = glyph_id


def _recode_first_line(render: _Render, stream, textbox) -> list:
    """Write new codes into the glyphs of the line; return (glyph info, old id) pairs."""
    from weasyprint.text.ffi import ffi, pango

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
        for first, end, text in _units(glyph_item, utf8):
            if end - first == 1:
                info = infos[first]
                glyph_id = info.glyph
                if not _drawable(glyph_id):
                    continue
                if not info.geometry.x_offset and font.to_unicode.setdefault(glyph_id, text) == text:
                    continue  # the glyph's own code already says it
                drawn = [info]
            else:
                drawn = [infos[i] for i in range(first, end) if _drawable(infos[i].glyph)]
                if not drawn:
                    continue
            # The text goes on the glyph that advances the pen, never on a mark.
            carrier = max(drawn, key=lambda info: info.geometry.width)
            for info in drawn:
                glyph_id = info.glyph
                glyph_text = text if info is carrier else ""
                width, own = _pdf_width(font, pango_font, font_size, info)
                if own and len(drawn) == 1 and font.to_unicode.setdefault(glyph_id, glyph_text) == glyph_text:
                    continue
                code = _code(codes, font, glyph_id, glyph_text, width)
                if code is not None:  # else no room left: the glyph is drawn as WeasyPrint would
                    changed.append((info, glyph_id))
                    info.glyph = code
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


def _drawable(glyph_id: int) -> bool:
    from weasyprint.text.ffi import pango

    return glyph_id != pango.PANGO_GLYPH_EMPTY and not glyph_id & pango.PANGO_GLYPH_UNKNOWN_FLAG


def _pdf_width(font, pango_font, font_size, info) -> tuple[int, bool]:
    """The width (thousandths of an em) to give the glyph's code in /W, and whether it is its own.

    Normally the glyph's own width, computed and cached in `font.widths` as
    draw_first_line would. For a mark the shaper moved left, draw_first_line
    writes "step left, mark, step right again"; the code is made as wide as
    the step right (whole units, as the original rounds it), so the pen lands
    exactly where it did and the original has no step right left to write.
    """
    from weasyprint.text.ffi import FROM_UNITS

    glyph_id = info.glyph
    if glyph_id not in font.widths:
        font.widths[glyph_id] = _glyph_width(pango_font, font_size, glyph_id)
    width = font.widths[glyph_id]
    x_offset = info.geometry.x_offset
    if x_offset:
        # draw_first_line's arithmetic, term for term.
        offset = x_offset / font_size
        kerning = int(width + offset - info.geometry.width * 1000 * FROM_UNITS / font_size)
        if kerning < 0:
            return width - kerning, False
    return width, True


def _glyph_width(pango_font, font_size, glyph_id: int) -> int:
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    ink, logical = ffi.new("PangoRectangle *"), ffi.new("PangoRectangle *")
    pango.pango_font_get_glyph_extents(pango_font, glyph_id, ink, logical)
    return round(logical.width * 1000 * FROM_UNITS / font_size)


def _code(codes: _FontCodes, font, glyph_id: int, text: str, width: int) -> int | None:
    """The code that draws `glyph_id`, `width` wide, and extracts as `text` (made on first use)."""
    key = (glyph_id, text, width)
    code = codes.by_key.get(key)
    if code is None:
        code = TOP_CODE - len(codes.by_key)
        if code <= font.glyph_count + len(font.missing) + MARGIN:
            return None
        codes.by_key[key] = code
        codes.glyph_of[code] = glyph_id
        font.to_unicode[code] = text
        font.widths[code] = width
    return code


# --- 2. subsetting: keep the glyphs behind the codes ---------------------------------------


def _clean(self, to_unicode, hinting):
    render = _current.get()
    codes = render.fonts.get(self.hash) if render is not None else None
    if codes and to_unicode:
        to_unicode = {gid: text for gid, text in to_unicode.items() if gid not in codes.glyph_of}
        for code, glyph_id in codes.glyph_of.items():
            to_unicode.setdefault(glyph_id, "")
    return _originals["clean"](self, to_unicode, hinting)


# --- 3. the font dictionary: each code draws its glyph -------------------------------------


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
