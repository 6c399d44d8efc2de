"""python manage.py import_plan PATH: read a plan document in the seed's layout."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.plan_parser import parse_plan
from indicators.services import PlanError, plan_load


class Command(BaseCommand):
    help = "อ่านแผนปฏิบัติการจากไฟล์ข้อความ (รูปแบบเดียวกับเอกสารแผน) แล้วนำเข้าฐานข้อมูล"

    def add_arguments(self, parser):
        parser.add_argument("path", help="ไฟล์แผนปฏิบัติการ (.txt) หรือไฟล์ JSON ที่ได้จากคำสั่งนี้")
        parser.add_argument("--json", dest="json_out", help="เขียนแผนที่อ่านได้เป็น JSON ลงไฟล์นี้")
        parser.add_argument("--dry-run", action="store_true", help="อ่านและรายงานเท่านั้น ไม่บันทึกลงฐานข้อมูล")
        parser.add_argument("--replace", action="store_true", help="แทนที่แผนเดิมของหน่วยงานและปีเดียวกัน")

    def handle(self, *args, path, json_out=None, dry_run=False, replace=False, **options):
        source = Path(path)
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"อ่านไฟล์ {source} ไม่ได้: {exc}") from exc
        data = json.loads(text) if source.suffix == ".json" else parse_plan(text)
        if not data.get("indicators"):
            raise CommandError(f"ไม่พบตัวชี้วัดในไฟล์ {source}")
        for warning in data.get("warnings", []):
            self.stderr.write(f"คำเตือน: {warning}")
        if json_out:
            Path(json_out).write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            self.stdout.write(f"เขียน {json_out} แล้ว")
        carded = sum(1 for i in data["indicators"] if i.get("card"))
        self.stdout.write(
            f"อ่านได้ {len(data['indicators'])} ตัวชี้วัด (มีรายละเอียดตัวชี้วัด {carded}), "
            f"บุคลากร {len(data.get('people', []))} คน, "
            f"ตัวชี้วัดนโยบาย {len((data.get('policy_kpis') or {}).get('items', []))} ตัว"
        )
        if dry_run:
            return
        try:
            result = plan_load(data=data, replace=replace)
        except PlanError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"นำเข้า {result.plan} แล้ว"))
        else:
            self.stdout.write(f"มี {result.plan} อยู่แล้ว ไม่ได้เปลี่ยนแปลง (ใช้ --replace เพื่อแทนที่)")
