"""python manage.py load_plan [FIXTURE]: load the reviewed plan fixture, idempotently."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from indicators.services import plan_load

DEFAULT = Path(settings.BASE_DIR) / "fixtures" / "plan_2565.json"


class Command(BaseCommand):
    help = "โหลดแผนปฏิบัติการจาก fixtures/ (ไม่ทำซ้ำถ้ามีอยู่แล้ว)"

    def add_arguments(self, parser):
        parser.add_argument("fixture", nargs="?", default=str(DEFAULT))

    def handle(self, *args, fixture, **options):
        try:
            data = json.loads(Path(fixture).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"อ่าน {fixture} ไม่ได้: {exc}") from exc
        result = plan_load(data=data)
        verb = "โหลด" if result.created else "มีอยู่แล้ว:"
        self.stdout.write(f"{verb} {result.plan} ({result.plan.indicators.count()} ตัวชี้วัด)")
