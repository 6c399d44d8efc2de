"""การแจ้งเตือน: who hears about a round's change, the in-app notice rows, and the channels.

Services call the `round_*` functions below inside their own transaction, so a
notice exists exactly when the change it tells of was committed. The rows are
the in-app list; the channels (today only e-mail) are handed the new notices
after the commit (`transaction.on_commit`), so a rolled-back change mails
nobody and a mail server that is down never undoes a decision.

Another channel (an instant-messaging service, say) is one more object with a
`send(notices)` method in CHANNELS.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from indicators import readers
from indicators.models import Indicator, IndicatorOwner, Person, Round, display_name
from indicators.querysets import users_who_review

from .models import Notice

log = logging.getLogger(__name__)
SUBJECT_PREFIX = "[ระบบติดตามตัวชี้วัด กพร.] "


def absolute(path: str) -> str:
    """An address people can open from their mail: SITE_URL + the path."""
    return settings.SITE_URL.rstrip("/") + path


def indicator_link(indicator: Indicator, round: Round | None = None) -> str:
    url = reverse("assessments:indicator", args=[indicator.pk])
    return f"{url}?round={round.pk}" if round is not None else url


# --- who ------------------------------------------------------------------------

def owners_of(indicator: Indicator) -> list:
    """The active users who own the indicator: its named owners, or everyone under the unit (ทุกตำแหน่ง)."""
    User = get_user_model()
    if indicator.all_staff:
        people = Person.objects.filter(org_unit__tree_path__startswith=indicator.plan.org_unit.tree_path)
    else:
        people = Person.objects.filter(pk__in=IndicatorOwner.objects.filter(indicator=indicator).values("person_id"))
    return list(User.objects.filter(is_active=True, person__in=people).select_related("person").order_by("pk"))


def reviewers_of(indicator: Indicator) -> list:
    """Those who may decide the round (indicators.querysets.users_who_review: the rule of access.can_review),
    department-level directors included."""
    return list(users_who_review(indicator.plan.org_unit).select_related("person"))


# --- what -----------------------------------------------------------------------

def notify(*, recipients, kind: str, title: str, body: str = "", link: str = "",
           indicator: Indicator | None = None, round: Round | None = None, exclude=None) -> list[Notice]:
    """Write one notice per recipient (in the caller's transaction) and dispatch them after commit."""
    seen, rows = set(), []
    for user in recipients:
        if user.pk in seen or (exclude is not None and user.pk == exclude.pk):
            continue
        seen.add(user.pk)
        rows.append(Notice(recipient=user, kind=kind, title=title[:255], body=body, link=link,
                           indicator=indicator, round=round))
    notices = Notice.objects.bulk_create(rows)
    readers.notices_changed(n.recipient_id for n in notices)  # bulk_create sends no signal: the menu's counts
    if notices:
        transaction.on_commit(lambda: dispatch(notices))
    return notices


def _label(indicator: Indicator, round: Round) -> str:
    return f"ตัวชี้วัดที่ {indicator.number} {round.label}"


def round_returned(*, assessment, by) -> list[Notice]:
    indicator, rnd = assessment.indicator, assessment.round
    return notify(recipients=owners_of(indicator), kind=Notice.Kind.ROUND_RETURNED, indicator=indicator, round=rnd,
                  title=f"{_label(indicator, rnd)}: ส่งกลับแก้ไข", body=assessment.review_comment,
                  link=indicator_link(indicator, rnd), exclude=by)


def round_reopened(*, assessment, by) -> list[Notice]:
    """An administrator reopened a decided round: to its owners it is returned, with the reason."""
    indicator, rnd = assessment.indicator, assessment.round
    return notify(recipients=owners_of(indicator), kind=Notice.Kind.ROUND_RETURNED, indicator=indicator, round=rnd,
                  title=f"{_label(indicator, rnd)}: เปิดรอบให้แก้ไขอีกครั้ง", body=assessment.review_comment,
                  link=indicator_link(indicator, rnd), exclude=by)


def round_verified(*, assessment, by) -> list[Notice]:
    indicator, rnd = assessment.indicator, assessment.round
    return notify(recipients=owners_of(indicator), kind=Notice.Kind.ROUND_VERIFIED, indicator=indicator, round=rnd,
                  title=f"{_label(indicator, rnd)}: ผ่านการตรวจสอบ ระดับ {assessment.verified_level}",
                  body=assessment.review_comment, link=indicator_link(indicator, rnd), exclude=by)


def round_submitted(*, assessment, by) -> list[Notice]:
    indicator, rnd = assessment.indicator, assessment.round
    return notify(recipients=reviewers_of(indicator), kind=Notice.Kind.ROUND_SUBMITTED, indicator=indicator, round=rnd,
                  title=f"{_label(indicator, rnd)}: ส่งผลการประเมินตนเอง ระดับ {assessment.self_level} รอตรวจสอบ",
                  body=assessment.submit_note,
                  link=reverse("assessments:review", args=[indicator.pk, rnd.pk]), exclude=by)


# --- channels -------------------------------------------------------------------

class EmailChannel:
    """One e-mail per notice, from templates/assessments/email/<kind>.txt, with absolute links."""

    def send(self, notices: list[Notice]) -> None:
        connection = get_connection()
        with translation.override("th"):
            for notice in notices:
                user = notice.recipient
                if not user.email:
                    continue
                ctx = {"notice": notice, "name": display_name(user),
                       "url": absolute(notice.link) if notice.link else "",
                       "notices_url": absolute(reverse("assessments:notices")),
                       "indicator": notice.indicator, "round": notice.round}
                subject = SUBJECT_PREFIX + notice.title
                body = render_to_string(f"assessments/email/{notice.kind}.txt", ctx)
                try:
                    EmailMessage(subject, body, to=[user.email], connection=connection).send()
                except Exception:  # the notice is in the app; a mail server outage must not undo anything
                    log.exception("notice %s: e-mail to %s failed", notice.pk, user.email)


CHANNELS = [EmailChannel()]


def dispatch(notices: list[Notice]) -> None:
    for channel in CHANNELS:
        channel.send(notices)
