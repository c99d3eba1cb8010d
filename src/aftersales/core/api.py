"""API of the business calendar (CAL-1): entries, working hours, deadlines, years.

The calendar is company-wide reference data: everyone with the right
``core.view_calendarday`` reads all of it (there is no reach to apply); writes go
through the services, which check the administrator's rights.
"""

import datetime as dt
from contextlib import contextmanager
from decimal import Decimal

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, permissions, serializers, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.permissions import ModelPermissions
from aftersales.core import calendar as cal
from aftersales.core import services
from aftersales.core.forms_calendar import MAX_AMOUNT
from aftersales.core.models import BusinessCalendar, CalendarDay, WorkingHours

VIEW_CALENDAR = "core.view_calendarday"


def _default_calendar() -> BusinessCalendar:
    """The default calendar (re-created by the service if a flush removed it)."""
    return services.ensure_default_calendar(actor=None)


@contextmanager
def field_errors():
    """A service's ValidationError → DRF 400 with field errors (one shape for all clients)."""
    try:
        yield
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            detail = {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            detail = {"non_field_errors": exc.messages}
        raise serializers.ValidationError(detail) from exc


class CalendarReadPermissions(ModelPermissions):
    """Reading the calendar (hours included) needs only the calendar's view right."""

    perms_map = {**ModelPermissions.perms_map, "GET": [VIEW_CALENDAR], "HEAD": [VIEW_CALENDAR]}


class CanViewCalendar(permissions.BasePermission):
    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not user.has_perm(VIEW_CALENDAR):
            raise exceptions.PermissionDenied(
                _("Your roles do not include the right “%(perm)s”.") % {"perm": VIEW_CALENDAR}
            )
        return True


# --- calendar days ------------------------------------------------------------
class CalendarDayFilter(django_filters.FilterSet):
    year = django_filters.NumberFilter(field_name="date", lookup_expr="year", label="year")
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = CalendarDay
        fields = ["calendar", "kind", "source", "year", "date_from", "date_to"]


class CalendarDaySerializer(serializers.ModelSerializer):
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.all(),
        required=False,
        help_text="Default: the default calendar.",
    )

    class Meta:
        model = CalendarDay
        fields = ["id", "calendar", "date", "kind", "name", "source"]
        read_only_fields = ["source"]
        # One entry per date: the service adds or changes it, so no unique check here.
        validators: list = []

    def validate(self, attrs):
        if self.instance is not None:
            for field in ("date", "calendar"):
                if field in attrs and attrs[field] != getattr(self.instance, field):
                    raise serializers.ValidationError(
                        {field: _("An entry cannot be moved; remove it and add a new one instead.")}
                    )
        return attrs


class CalendarDayViewSet(viewsets.ModelViewSet):
    """Holidays and make-up working days; writes need the administrator's rights."""

    serializer_class = CalendarDaySerializer
    permission_classes = [ModelPermissions]
    queryset = CalendarDay.objects.all()
    filterset_class = CalendarDayFilter
    search_fields = ["name"]
    ordering_fields = ["date"]

    def get_queryset(self):
        return CalendarDay.objects.select_related("calendar").order_by("calendar", "date")

    def perform_create(self, serializer):
        data = serializer.validated_data
        with field_errors():
            serializer.instance = services.set_calendar_day(
                actor=self.request.user,
                calendar=data.get("calendar") or _default_calendar(),
                date=data["date"],
                kind=data["kind"],
                name=data.get("name", ""),
            )

    def perform_update(self, serializer):
        day = serializer.instance
        data = serializer.validated_data
        with field_errors():
            serializer.instance = services.set_calendar_day(
                actor=self.request.user,
                calendar=day.calendar,
                date=day.date,
                kind=data.get("kind", day.kind),
                name=data.get("name", day.name),
            )

    def perform_destroy(self, instance):
        with field_errors():
            services.remove_calendar_day(actor=self.request.user, day=instance)


# --- working hours ---------------------------------------------------------------
class WorkingHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkingHours
        fields = ["id", "calendar", "weekday", "opens_at", "closes_at"]
        read_only_fields = ["calendar", "weekday"]


class WorkingHoursViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Opening hours per weekday (0 = Monday); a weekday without a row is closed."""

    serializer_class = WorkingHoursSerializer
    permission_classes = [CalendarReadPermissions]
    queryset = WorkingHours.objects.all()
    filterset_fields = ["calendar", "weekday"]

    def get_queryset(self):
        return WorkingHours.objects.order_by("calendar", "weekday")

    def perform_update(self, serializer):
        hours = serializer.instance
        data = serializer.validated_data
        with field_errors():
            serializer.instance = services.set_working_hours(
                actor=self.request.user,
                calendar=hours.calendar,
                weekday=hours.weekday,
                opens_at=data.get("opens_at", hours.opens_at),
                closes_at=data.get("closes_at", hours.closes_at),
            )


# --- deadline and year ----------------------------------------------------------
class DeadlineQuerySerializer(serializers.Serializer):
    start = serializers.DateTimeField(
        help_text="When the clock starts (ISO 8601; without an offset: local time)."
    )
    amount = serializers.DecimalField(
        max_digits=9, decimal_places=2, min_value=Decimal("0.01"), max_value=MAX_AMOUNT
    )
    unit = serializers.ChoiceField(choices=cal.UNITS)

    def validate(self, attrs):
        amount = attrs["amount"]
        if attrs["unit"] in (cal.UNIT_WORKING_DAYS, cal.UNIT_DAYS):
            if amount != amount.to_integral_value():
                raise serializers.ValidationError({"amount": _("Days are counted in whole days.")})
            attrs["amount"] = int(amount)
        return attrs


DeadlineResponse = inline_serializer(
    "DeadlineResponse",
    {
        "start": serializers.DateTimeField(),
        "amount": serializers.CharField(),
        "unit": serializers.CharField(),
        "deadline": serializers.DateTimeField(),
        "official_data": serializers.DictField(
            child=serializers.BooleanField(),
            help_text="Per year from start to deadline: has the calendar an official schedule?",
        ),
        "fallback_notes": serializers.ListField(child=serializers.CharField()),
    },
)


class CalendarYearDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField()
    source = serializers.CharField(help_text="official, manual, or week (a closed weekday)")


YearResponse = inline_serializer(
    "CalendarYear",
    {
        "year": serializers.IntegerField(),
        "calendar": serializers.CharField(),
        "official": serializers.BooleanField(),
        "fallback_note": serializers.CharField(),
        "working_hours": serializers.DictField(child=serializers.ListField()),
        "non_working_days": CalendarYearDaySerializer(many=True),
        "workdays": CalendarYearDaySerializer(many=True),
    },
)


CALENDAR_PARAMETERS = [
    OpenApiParameter(
        "calendar",
        OpenApiTypes.STR,
        description="Code of the calendar to use (default: the default calendar).",
    ),
    OpenApiParameter(
        "org_unit",
        OpenApiTypes.INT,
        description="Use the calendar of this organisation unit (its own, its parent's, "
        "or the default).",
    ),
]


def _calendar_data(request, years=()) -> cal.BusinessCalendarData:
    """The calendar chosen by ?calendar=CODE or ?org_unit=ID (CAL-1), else the default."""
    from aftersales.accounts.models import OrgUnit

    code = request.query_params.get("calendar")
    unit_id = request.query_params.get("org_unit")
    if code:
        calendar = BusinessCalendar.objects.filter(code=code).first()
        if calendar is None:
            raise serializers.ValidationError({"calendar": [_("No calendar with this code.")]})
        return cal.BusinessCalendarData.from_model(calendar, years=years)
    if unit_id:
        unit = OrgUnit.objects.filter(pk=unit_id).first() if unit_id.isdigit() else None
        if unit is None:
            raise serializers.ValidationError(
                {"org_unit": [_("No organisation unit with this id.")]}
            )
        return cal.get_calendar(unit, years=years)
    return cal.get_calendar(years=years)


class DeadlineView(APIView):
    """Compute a CAL-1 deadline on a business calendar (reads only)."""

    permission_classes = [CanViewCalendar]

    @extend_schema(
        operation_id="calendar_deadline",
        parameters=[
            OpenApiParameter(
                "start",
                OpenApiTypes.DATETIME,
                required=True,
                description="When the clock starts (ISO 8601; without an offset: local time).",
            ),
            OpenApiParameter(
                "amount",
                OpenApiTypes.DECIMAL,
                required=True,
                description="The limit: hours (decimals allowed) or a whole number of days.",
            ),
            OpenApiParameter(
                "unit",
                OpenApiTypes.STR,
                required=True,
                enum=list(cal.UNITS),
                description="hours = wall clock; working_hours; working_days; days (CAL-1).",
            ),
            *CALENDAR_PARAMETERS,
        ],
        responses={200: DeadlineResponse},
    )
    def get(self, request):
        query = DeadlineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, amount, unit = (query.validated_data[k] for k in ("start", "amount", "unit"))
        data = _calendar_data(request)
        try:
            due = cal.deadline(start, amount, unit, data)
        except ValueError as exc:
            raise serializers.ValidationError({"amount": [str(exc)]}) from exc
        flags = data.official_flags(start, due)
        return Response(
            {
                "start": start.astimezone(cal.local_tz()).isoformat(),
                "amount": str(query.validated_data["amount"]),
                "unit": unit,
                "deadline": due.isoformat(),
                "official_data": {str(year): ok for year, ok in flags.items()},
                "fallback_notes": [data.fallback_note(y) for y, ok in flags.items() if not ok],
            }
        )


class CalendarYearView(APIView):
    """One year of a calendar: official or fallback, days off and make-up days."""

    permission_classes = [CanViewCalendar]

    @extend_schema(
        operation_id="calendar_year", parameters=CALENDAR_PARAMETERS, responses={200: YearResponse}
    )
    def get(self, request, year: int):
        if not 1900 <= year <= 2100:
            raise serializers.ValidationError({"year": _("Enter a year from 1900 to 2100.")})
        data = _calendar_data(request, years=[year])
        non_working, workdays = [], []
        day = dt.date(year, 1, 1)
        while day.year == year:
            entry = data.entry(day)
            working = data.is_working_day(day)
            if not working:
                non_working.append(
                    {
                        "date": day.isoformat(),
                        "name": entry.name if entry else "",
                        "source": entry.source if entry else "week",
                    }
                )
            elif entry is not None and day.weekday() not in data.hours:
                workdays.append(
                    {"date": day.isoformat(), "name": entry.name, "source": entry.source}
                )
            day += dt.timedelta(days=1)
        return Response(
            {
                "year": year,
                "calendar": data.code,
                "official": data.has_official_data(year),
                "fallback_note": data.fallback_note(year),
                "working_hours": {
                    str(weekday): [opens.strftime("%H:%M"), closes.strftime("%H:%M")]
                    for weekday, (opens, closes) in sorted(data.hours.items())
                },
                "non_working_days": non_working,
                "workdays": workdays,
            }
        )


urlpatterns = [
    path("calendar/deadline/", DeadlineView.as_view(), name="calendar-deadline"),
    path("calendar/years/<int:year>/", CalendarYearView.as_view(), name="calendar-year"),
]


def register(router) -> None:
    """Viewsets of this app are added to the API router here."""
    router.register("calendar-days", CalendarDayViewSet, basename="calendarday")
    router.register("working-hours", WorkingHoursViewSet, basename="workinghours")
