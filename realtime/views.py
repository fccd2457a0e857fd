from django.http import JsonResponse
from django.views.decorators.http import require_GET

from realtime.asyncapi import document


@require_GET
def asyncapi_document(request):
    """The AsyncAPI 3 document of the socket protocol."""
    return JsonResponse(document(), json_dumps_params={"indent": 2})
