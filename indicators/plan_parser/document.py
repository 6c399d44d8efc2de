"""The whole document: split into its parts, each part read by its module,
then cards matched to rows, owners and sections worked out, and the result
assembled in the schema of ``fixtures/plan_2565.json``."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .cards import FIELD_LABELS, ParsedCard, match_cards, parse_card, split_cards
from .corrections import correct
from .header import parse_header
from .people import Owners, assign_sections, collect_owners, unify_collectors
from .policy import parse_policy
from .table import parse_table
from .text import clean, nfc_tree

_POLICY_START = "ตัวชี้วัดและค่าเป้าหมาย"
_TABLE_START = "ประเภทตัวชี้วัด"
#: Fields every card should have; a missing one is a warning.
_CARD_FIELDS = ("dimension", "objective", "title", "unit", "weight", "description",
                "conditions", "data_source", "supervisor", "data_collector")
#: What an indicator carries of its card, in the schema's order.
_CARD_OUT = ("printed_number", "title", "dimension", "perspective", "objective_number", "objective",
             "weight", "description", "conditions", "data_source", "supervisor", "data_collector",
             "criteria")


@dataclass
class Parts:
    header: list[str]
    policy: list[str]
    table: list[str]
    cards: list[list[str]]


def _corrected_lines(text: str, warnings: list[str]) -> list[str]:
    """One kind of line end, NFC, no byte-order mark, corrections applied."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.lstrip("\ufeff")
    return correct(text, warnings).split("\n")


def _first_line(lines: list[str], prefix: str) -> int | None:
    return next((i for i, line in enumerate(lines) if clean(line).startswith(prefix)), None)


def _policy_end(lines: list[str], pol_i: int, tab_i: int) -> int:
    """The policy block ends at the table's own title line (if any) or the table."""
    for j in range(pol_i + 1, tab_i):
        s = clean(lines[j])
        if s.startswith("แผนปฏิบัติ") and "ประจำปีงบประมาณ" in s:
            return j
    return tab_i


def _split_document(lines: list[str], warnings: list[str]) -> Parts:
    before_cards, card_blocks = split_cards(lines)
    pol_i = _first_line(before_cards, _POLICY_START)
    tab_i = _first_line(before_cards, _TABLE_START)
    if tab_i is None:
        warnings.append("ไม่พบตารางสรุปตัวชี้วัด (หัวตาราง 'ประเภทตัวชี้วัด')")
        tab_i = len(before_cards)
    if pol_i is None:
        return Parts(before_cards[:tab_i], [], before_cards[tab_i:], card_blocks)
    policy = before_cards[pol_i:_policy_end(before_cards, pol_i, tab_i)]
    return Parts(before_cards[:pol_i], policy, before_cards[tab_i:], card_blocks)


def _check_card(parsed: ParsedCard, row: dict, last: bool, warnings: list[str]) -> None:
    """Warnings about a card matched to a row: its number, its problems, missing fields."""
    card, where = parsed.card, f"ตัวชี้วัดที่ {row['number']}"
    if card["printed_number"] != row["number"]:
        warnings.append(
            f"{where}: รายละเอียดตัวชี้วัดพิมพ์เลขเป็น 'ตัวชี้วัดที่ {card['printed_number']}' "
            f"แต่ชื่อ '{card['title']}' ตรงกับตัวชี้วัดที่ {row['number']} ในตาราง "
            "จึงจับคู่ตามชื่อ"
        )
    warnings.extend(f"{where}: {p}" for p in parsed.problems)
    for fld in _CARD_FIELDS:
        if fld not in parsed.seen:
            warnings.append(
                f"{where}: รายละเอียดตัวชี้วัดไม่มีหัวข้อ '{FIELD_LABELS[fld]}'"
                + (" (เอกสารจบก่อนถึงหัวข้อนี้)" if last else "")
            )
    if "criteria" not in parsed.seen or not card["criteria"]:
        warnings.append(f"{where}: รายละเอียดตัวชี้วัดไม่มีเกณฑ์การให้คะแนนที่อ่านได้")
    if card["unit"] and row["unit"] and card["unit"] != row["unit"]:
        warnings.append(
            f"{where}: หน่วยวัดในรายละเอียด ('{card['unit']}') ไม่ตรงกับตาราง ('{row['unit']}')"
        )


def _check_cards(cards: list[ParsedCard], matches: dict[int, int], rows: list[dict],
                 warnings: list[str]) -> None:
    for ci, parsed in enumerate(cards):
        if ci in matches:
            _check_card(parsed, rows[matches[ci]], ci == len(cards) - 1, warnings)
            continue
        card = parsed.card
        label = f"รายละเอียดตัวชี้วัดลำดับที่ {ci + 1} ในเอกสาร"
        if card["printed_number"] is not None:
            label += f" (พิมพ์ว่า 'ตัวชี้วัดที่ {card['printed_number']}')"
        warnings.append(f"{label}: ชื่อ '{card['title'] or '-'}' ไม่ตรงกับตัวชี้วัดใดในตาราง จึงไม่ได้นำเข้า")


def _indicators(rows: list[dict], round_keys: list[str], card_of_row: dict[int, dict], owners: Owners,
                warnings: list[str]) -> list[dict]:
    indicators = []
    for ri, row in enumerate(rows):
        t = row["targets"]
        targets = {round_keys[i] if i < len(round_keys) else str(i): t[i] for i in range(len(t))}
        card = card_of_row.get(ri)
        if card is None:
            warnings.append(
                f"ตัวชี้วัดที่ {row['number']}: ไม่พบรายละเอียดตัวชี้วัด (ยังไม่ได้กำหนดเกณฑ์การให้คะแนน)"
            )
        indicators.append({
            "number": row["number"],
            "name": row["name"],
            "category": row["category"],
            "unit": row["unit"],
            "owners": owners.of_row[ri],
            "all_staff": owners.all_staff_of_row[ri],
            "targets": targets,
            "card": None if card is None else {key: card[key] for key in _CARD_OUT},
        })
    return indicators


def _result(header: dict, parent: str | None, policy: dict | None, section_names: list[str],
            owners: Owners, indicators: list[dict], warnings: list[str]) -> dict:
    """The parser's output, keys in the schema's order."""
    return {
        "org_unit": {"name": header["org_name"], "short_name": header["short_name"], "parent": parent},
        "fiscal_year": header["fiscal_year"],
        "title": header["title"],
        "vision": header["vision"],
        "motto": header["motto"],
        "mission": header["mission"],
        "values_name": header["values_name"],
        "values": header["values"],
        "culture": header["culture"],
        "sections": [{"name": n} for n in section_names],
        "people": list(owners.people.values()),
        "policy_kpis": policy,
        "indicators": indicators,
        "warnings": warnings,
    }


def parse_plan(text: str) -> dict:
    """Parse the text of an action plan into a JSON-serialisable dict.

    Keys, in order: ``org_unit``, ``fiscal_year``, ``title``, ``vision``,
    ``motto``, ``mission``, ``values_name``, ``values``, ``culture``,
    ``sections``, ``people``, ``policy_kpis``, ``indicators``, ``warnings``.
    Never raises on a malformed document: what cannot be read is skipped and
    described in ``warnings`` (Thai sentences).
    """
    warnings: list[str] = []
    parts = _split_document(_corrected_lines(text, warnings), warnings)
    header = parse_header(parts.header, warnings)
    policy, parent = parse_policy(parts.policy, warnings)
    rows, round_keys = parse_table(parts.table, warnings)

    cards = [parse_card(block, round_keys) for block in parts.cards]
    matches = match_cards([c.card for c in cards], rows)
    _check_cards(cards, matches, rows, warnings)
    card_of_row = {ri: cards[ci].card for ci, ri in matches.items()}

    section_names = unify_collectors(rows, card_of_row, warnings)
    owners = collect_owners(rows, warnings)
    assign_sections(owners, card_of_row, section_names, warnings)
    indicators = _indicators(rows, round_keys, card_of_row, owners, warnings)
    if parent is None:
        warnings.append("ไม่พบชื่อหน่วยงานต้นสังกัด (กรม) ในหัวข้อตัวชี้วัดนโยบาย")
    return nfc_tree(_result(header, parent, policy, section_names, owners, indicators, warnings))
