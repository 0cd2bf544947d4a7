"""Strict marshmallow fields for Zuora's JSON: numbers that are JSON numbers,
dates that are ``YYYY-MM-DD``, booleans that are ``true``/``false``, text
without control characters and with a length limit.

Shared by the API's request schemas and by the snapshot format.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from marshmallow import ValidationError, fields
from marshmallow.validate import Length

from mockserver.domain.tenant_settings import CUSTOM_FIELD_NAME

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
TEXT_LIMIT = 255  # (sandbox rule) Zuora's usual limit for free text
MAX_CUSTOM_FIELDS = 50


class Text(fields.String):
    """A string of at most ``max_length`` characters, no control characters but tab and newline."""

    def __init__(self, max_length: int = TEXT_LIMIT, validate=None, **kwargs):
        checks = [Length(max=max_length)]
        if validate is not None:
            checks += validate if isinstance(validate, list) else [validate]
        super().__init__(validate=checks, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if CONTROL_CHARACTERS.search(text):
            raise ValidationError("Must not contain control characters.")
        return text


class Number(fields.Field):
    """A JSON number read as ``Decimal``: no strings, booleans, NaN or infinities."""

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise ValidationError("Not a valid number.")
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if not number.is_finite():
            raise ValidationError("Not a valid number: NaN and infinities are not allowed.")
        return number

    def _serialize(self, value, attr, obj, **kwargs):
        return value


class StrictBoolean(fields.Boolean):
    """Only JSON ``true`` and ``false``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean.")
        return value


class IsoDate(fields.Field):
    """``YYYY-MM-DD`` and a real calendar day."""

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        if not isinstance(value, str) or not DATE.fullmatch(value):
            raise ValidationError("Not a valid date: use YYYY-MM-DD.")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValidationError("Not a valid date: no such day.") from None

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if value is not None else None


class IsoDateTime(fields.Field):
    """ISO 8601 date-time with a UTC offset (``Z`` or ``+hh:mm``)."""

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        if not isinstance(value, str) or not DATE_TIME.fullmatch(value):
            raise ValidationError("Not a valid date-time: use ISO 8601 with an offset.")
        try:
            moment = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            raise ValidationError("Not a valid date-time: no such instant.") from None
        return moment.astimezone(UTC)

    def _serialize(self, value, attr, obj, **kwargs):
        return value.isoformat() if value is not None else None


class CustomFields(fields.Dict):
    """Custom fields: names ending in ``__c``, values text, numbers, booleans or null.

    Their form only: whether the tenant defines them, with that type, is the
    domain's check (``TenantSettings.check_custom_fields``).
    """

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        mapping = super()._deserialize(value, attr, data, **kwargs)
        if len(mapping) > MAX_CUSTOM_FIELDS:
            raise ValidationError(f"At most {MAX_CUSTOM_FIELDS} custom fields.")
        errors = {}
        for name, field_value in mapping.items():
            if not CUSTOM_FIELD_NAME.fullmatch(name):
                errors[name] = ["Custom field names end in '__c'."]
            elif isinstance(field_value, str):
                if len(field_value) > TEXT_LIMIT or CONTROL_CHARACTERS.search(field_value):
                    errors[name] = [
                        f"Text of at most {TEXT_LIMIT} characters, no control characters."
                    ]
            elif isinstance(field_value, (int, float, Decimal)) and not isinstance(
                field_value, bool
            ):
                if not Decimal(str(field_value)).is_finite() or abs(field_value) >= 10**15:
                    errors[name] = ["Not a valid number: finite and below 10**15."]
            elif field_value is not None and not isinstance(
                field_value, (bool, int, float, Decimal)
            ):
                errors[name] = ["Must be text, a number, a boolean or null."]
        if errors:
            raise ValidationError(errors)
        return mapping
