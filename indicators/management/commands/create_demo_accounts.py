"""python manage.py create_demo_accounts: one login per role, for trying the product.

Never run by migrations, and refused in production mode (DEBUG off).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators import readers
from indicators.models import Appointment, OrgUnit, Person

PASSWORD = "kpi-demo-2565"

# username, first name, last name, person to link (first last), role, is admin
DEMO = [
    ("director", "ผู้อำนวยการ", "กลุ่มพัฒนาระบบบริหาร", None, Appointment.Role.DIRECTOR),
    ("owner1", "สุวิมล", "นาครอด", ("สุวิมล", "นาครอด"), None),
    ("owner2", "ณฐนันท์", "แดงยิ้ม", ("ณฐนันท์", "แดงยิ้ม"), None),
    ("staff1", "จักรพันธ์", "สว่างพงศ์พันธ์", ("จักรพันธ์", "สว่างพงศ์พันธ์"), None),
    ("admin", "ผู้ดูแลระบบ", "", None, Appointment.Role.ADMIN),
    ("viewer", "ผู้บริหาร", "กรมบังคับคดี", None, Appointment.Role.VIEWER),
]


class Command(BaseCommand):
    help = "สร้างบัญชีทดลองใช้งาน (เฉพาะโหมดพัฒนา)"

    def add_arguments(self, parser):
        parser.add_argument("--password", default=PASSWORD)

    @transaction.atomic
    def handle(self, *args, password, **options):
        if not settings.DEBUG:
            raise CommandError("ไม่สร้างบัญชีทดลองในโหมดใช้งานจริง (DEBUG ปิดอยู่)")
        group = OrgUnit.objects.filter(kind=OrgUnit.Kind.GROUP, name="กลุ่มพัฒนาระบบบริหาร").first()
        if group is None:
            raise CommandError("ยังไม่มีแผนปฏิบัติการ: รัน python manage.py load_plan ก่อน")
        department = group.parent or group
        User = get_user_model()
        for username, first, last, person_name, role in DEMO:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@example.go.th"}
            )
            if created:
                user.set_password(password)
            if role == Appointment.Role.ADMIN:
                user.is_staff = user.is_superuser = True
            user.save()
            if person_name:
                Person.objects.filter(first_name=person_name[0], last_name=person_name[1]).update(user=user)
                readers.people_changed()  # update() sends no signal
            if role:
                unit = group if role == Appointment.Role.DIRECTOR else department
                Appointment.objects.get_or_create(user=user, org_unit=unit, role=role)
            self.stdout.write(f"{'สร้าง' if created else 'มีอยู่แล้ว'}: {username}")
