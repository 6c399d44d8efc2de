"""The client's address, as the sign-in lockout (django-axes) keys on it.

Directly on the internet (AXES_PROXY_COUNT=0, the default) it is REMOTE_ADDR,
and X-Forwarded-For is ignored: anyone can write that header. Behind N reverse
proxies each proxy appends the address it received the request from, so the
client is the N-th address from the right; whatever the client wrote into the
header itself stands further left and is ignored. A request that did not come
through the proxies (too few addresses) falls back to REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    count = getattr(settings, "KPI_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
