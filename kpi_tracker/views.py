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
