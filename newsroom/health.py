"""/healthz for load balancers: the database and the page cache, apart.

200 ``"ok"`` when both answer; 200 ``"degraded"`` when only the cache does
not (pages are then rendered, slower but right); 503 ``"error"`` when the
database does not. Never answered from the page cache, and the cache is
tried once with its short timeouts (or not at all while a failed Redis is
being left alone), so a frozen Redis cannot freeze it.
"""

from django.db import Error, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from briefs.caching import cache_health


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    cache = cache_health()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error as error:  # InterfaceError too, which is no DatabaseError
        return JsonResponse(
            {"status": "error", "database": type(error).__name__, "cache": cache},
            status=503,
        )
    status = "ok" if cache == "ok" else "degraded"
    return JsonResponse({"status": status, "database": "ok", "cache": cache})
