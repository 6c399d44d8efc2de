from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("แผนปฏิบัติการและตัวชี้วัด")

    def ready(self):
        # Every user's cached Scope (indicators.readers.Reader) is read again after any write to the
        # people, their appointments or the units; bulk writes call readers.people_changed() themselves.
        from django.db.models.signals import post_delete, post_save

        from .models import Appointment, OrgUnit, Person

        from django.core.signals import request_finished, request_started

        from . import tokens

        # Each request reads a version token from the cache once (indicators.tokens).
        request_started.connect(tokens.request_started, dispatch_uid="tokens-request-started")
        request_finished.connect(tokens.request_finished, dispatch_uid="tokens-request-finished")
        for model in (Person, Appointment, OrgUnit):
            post_save.connect(_people_changed, sender=model, dispatch_uid=f"people-saved-{model.__name__}")
            post_delete.connect(_people_changed, sender=model, dispatch_uid=f"people-deleted-{model.__name__}")


def _people_changed(**kwargs):
    from . import readers

    readers.people_changed()
