from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("ผลการดำเนินงาน")

    def ready(self):
        # A user's cached unread-notice count (indicators.readers.Reader) is counted again after a write
        # to their notices; bulk writes call readers.notices_changed() themselves.
        from django.db.models.signals import post_delete, post_save

        from .models import Notice

        post_save.connect(_notices_changed, sender=Notice, dispatch_uid="notices-saved")
        post_delete.connect(_notices_changed, sender=Notice, dispatch_uid="notices-deleted")


def _notices_changed(instance, **kwargs):
    from indicators import readers

    readers.notices_changed([instance.recipient_id])
