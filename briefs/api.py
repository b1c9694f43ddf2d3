"""The read-only JSON API. Placeholder until it lands."""

from django.http import Http404


def brief_list(request):
    raise Http404


brief_detail = openapi = brief_list
