"""OpenAPI details the generator cannot know, registered when the API's URLs load."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema

# A wall-clock time as DRF writes it: HH:MM[:SS[.ffffff]], no offset (local time, CAL-2).
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


class LocalTimeField(OpenApiSerializerFieldExtension):
    """Times of day (opening hours …) are local times without an offset. The default
    ``format: time`` means an RFC 3339 time WITH an offset, which the API never sends, so
    clients validating against the schema would refuse every answer."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "pattern": LOCAL_TIME_PATTERN, "example": "08:30:00"}


class OneObjectSchema(AutoSchema):
    """For a viewset whose ``list`` answers one object (a month's figures …): the
    generator takes every ``list`` for an array unless told otherwise."""

    def _is_list_view(self, serializer=None) -> bool:
        return False
