"""Parse an annual action plan (แผนปฏิบัติการ) text export into plain data.

No Django import (``core.thai``, the one place for Buddhist Era years
and Thai digits, is plain Python), so it can be tested and reused anywhere:
the ``import_plan`` management command calls :func:`parse_plan`.

The input is the text conversion of the Word/PDF plan of one org unit for one
fiscal year (layout of ``fixtures/plan_2565.txt``), read by one module each:

1. ``header``: org unit, title with the fiscal year, vision, motto, mission,
   shared values, culture;
2. ``policy``: the department's policy KPIs (นโยบาย ๕ G): an overview
   ("ภาพรวม") and numbered KPIs grouped under numbered groups;
3. ``table``: the summary table of indicators (tab separated): number and
   name, unit, owners, 6- and 12-month targets; repeated header rows carry
   the category;
4. ``cards``: detail cards (one per indicator, not every indicator has one),
   each starting with "รายละเอียดตัวชี้วัด...".  Cards are matched to table
   rows by the similarity of their titles, never by their printed number.

Before that, ``corrections`` fixes known misspellings and letters of another
script; after it, ``people`` works out the owners and their sections, and
``document`` ties the parts together.

The result is a JSON-serialisable dict (see :func:`parse_plan`); anything the
parser could not read is described, in Thai, in ``result["warnings"]``.
Nothing in here refers to line numbers of a particular file.
"""

from .corrections import CORRECTIONS, SCRIPT_LOOKALIKES, apply_corrections
from .document import parse_plan
from .people import FALLBACK_SECTION

__all__ = [
    "CORRECTIONS",
    "FALLBACK_SECTION",
    "SCRIPT_LOOKALIKES",
    "apply_corrections",
    "parse_plan",
]
