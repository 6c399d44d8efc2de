from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from indicators.querysets import scope_of


@login_required
@require_safe
def home(request):
    """Owners land on their indicators; directors, admins and viewers on the overview."""
    scope = scope_of(request.user)
    if scope.person_id is not None and not scope.reader_paths and not scope.superuser:
        return redirect("assessments:my-indicators")
    try:
        return redirect(reverse("reports:dashboard"))
    except NoReverseMatch:
        return redirect("assessments:plan")


def csrf_failure(request, reason=""):
    from django.shortcuts import render

    return render(request, "403_csrf.html", status=403)


def bad_request(request, exception=None):
    """A Thai 400 page saying which limit the request went over (Django's is a bare English line)."""
    from django.conf import settings
    from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
    from django.http.multipartparser import MultiPartParserError
    from django.http import HttpResponseBadRequest
    from django.template.loader import render_to_string
    from django.utils.translation import gettext as _

    if isinstance(exception, TooManyFilesSent):
        reason = _("แนบไฟล์มากเกินไป: ส่งได้ครั้งละไม่เกิน {n} ไฟล์").format(n=settings.DATA_UPLOAD_MAX_NUMBER_FILES)
    elif isinstance(exception, TooManyFieldsSent):
        reason = _("ฟอร์มมีช่องข้อมูลมากเกินไป (เกิน {n} ช่อง)").format(n=f"{settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,}")
    elif isinstance(exception, RequestDataTooBig):
        reason = _("ข้อความที่ส่งมีขนาดใหญ่เกิน {mb} MB (ไม่นับไฟล์แนบ) โปรดตัดให้สั้นลง").format(
            mb=settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))
    elif isinstance(exception, MultiPartParserError):
        reason = _("อ่านไฟล์แนบไม่ได้ (ข้อมูลไม่ครบ หรือชื่อไฟล์ยาวเกินไป) โปรดเปลี่ยนชื่อไฟล์ให้สั้นลงแล้วแนบใหม่")
    else:
        reason = _("ข้อมูลที่ส่งมาไม่ถูกต้อง")
    # Rendered without the request: its body cannot be read again, and the error may come
    # from a middleware that ran before the user was known.
    return HttpResponseBadRequest(render_to_string("400.html", {"reason": reason}))
