from indicators.querysets import scope_of


def scope(request):
    return {"kpi_scope": scope_of(request.user)} if hasattr(request, "user") else {}
