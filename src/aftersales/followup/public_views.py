"""The public survey page (FUP-2, FUP-6, SEC-4): no login, phone-first, in the site's
language (Chinese) unless the browser asks for English.

/survey/<token>/ shows the four graded questions of the survey whose token hash matches.
A token no survey has gets a friendly "not found" (404), a link past its validity a
clear page (410), a survey already answered "already answered, thank you" (and a second
answer is refused with 409, nothing written). Every request counts towards the rate limit
per client address (AFTERSALES_SURVEY_RATE), so tokens cannot be guessed by trying.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from aftersales.core.exceptions import ServiceError
from aftersales.core.ratelimit import RateLimit, client_ip
from aftersales.followup import surveys
from aftersales.followup.models import Survey
from aftersales.followup.survey_forms import AnswerForm
from aftersales.service.services import technician_greeting

ANSWER_LIMIT = RateLimit("survey-answer", "AFTERSALES_SURVEY_RATE", "30/h")


def _hotline() -> str:
    return getattr(settings, "AFTERSALES_SERVICE_HOTLINE", "")


def _page(request, template: str, status: int, **context):
    return render(
        request, f"followup/{template}", {"hotline": _hotline(), **context}, status=status
    )


def _rate_limited(request):
    response = _page(request, "public_rate_limited.html", 429)
    response["Retry-After"] = str(ANSWER_LIMIT.retry_after())
    return response


def _form_page(request, survey: Survey, token: str, form: AnswerForm, status: int = 200):
    return _page(
        request,
        "public_answer.html",
        status,
        survey=survey,
        form=form,
        ratings=form.rating_fields(),
        # Privacy: the family name and 师傅, as on the public status page.
        technician=technician_greeting(survey.technician),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    """FUP-2: the customer rates the service once through the link."""
    if not ANSWER_LIMIT.allow(client_ip(request)):
        return _rate_limited(request)
    survey = surveys.find_by_token(token)
    if survey is None:
        return _page(request, "public_not_found.html", 404)
    answered_status = 200 if request.method == "GET" else 409
    if survey.answered_at is not None:
        return _page(request, "public_answered.html", answered_status, survey=survey)
    if survey.expires_at <= timezone.now():
        return _page(request, "public_expired.html", 410, survey=survey)
    if request.method != "POST":
        return _form_page(request, survey, token, AnswerForm(kind=survey.kind))

    form = AnswerForm(request.POST, kind=survey.kind)
    if not form.is_valid():
        return _form_page(request, survey, token, form, status=400)
    try:
        surveys.answer_survey(token=token, **form.cleaned_data)
    except surveys.SurveyNotFound:
        return _page(request, "public_not_found.html", 404)
    except surveys.SurveyAnswered:
        return _page(request, "public_answered.html", 409, survey=survey)
    except surveys.SurveyExpired:
        return _page(request, "public_expired.html", 410, survey=survey)
    except ServiceError as exc:
        form.add_service_error(exc)
        return _form_page(request, survey, token, form, status=400)
    return redirect("survey:thanks")


@never_cache
@require_GET
def thanks(request):
    """After the answer: thank you (shows nothing of the survey)."""
    return _page(request, "public_thanks.html", 200)


urlpatterns = [
    # "thanks/" first: a token is 32 characters and never that word.
    path("thanks/", thanks, name="thanks"),
    path("<str:token>/", answer, name="answer"),
]
