"""API errors: a ServiceError / ValidationError becomes 400 with field errors; 403 says why."""

from django.conf import settings
from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _body_nested_too_deep(exc) -> bool:
    """A RecursionError raised while a parser read the request body (e.g. JSON nested
    thousands of levels deep): the client's fault, not a bug of ours."""
    if not isinstance(exc, RecursionError):
        return False
    frame = exc.__traceback__
    while frame is not None:
        if frame.tb_frame.f_code.co_filename.endswith("rest_framework/parsers.py"):
            return True
        frame = frame.tb_next
    return False


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def exception_handler(exc, context):
    if _body_nested_too_deep(exc):
        exc = exceptions.ParseError(_("The request body is nested too deeply to read."))
    elif isinstance(exc, RequestDataTooBig):
        # Past DATA_UPLOAD_MAX_MEMORY_SIZE: the API's own answer, not Django's HTML 400.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        exc = RequestTooLarge(
            _("The request is larger than %(mb)s MB; send less.") % {"mb": f"{limit:g}"}
        )
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ParseError(_("The request has too many fields or files."))
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(detail=str(exc.args[0]))
    return drf_exception_handler(exc, context)
