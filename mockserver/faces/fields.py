"""Strict marshmallow fields for Zuora's JSON: numbers that are JSON numbers
within the sandbox's range, dates that are ``YYYY-MM-DD``, booleans that are
``true``/``false``, text that is text (``text.py``) and has a length limit.

Shared by the API's request schemas and by the snapshot format; ``Schema`` is the
base of the API's schemas.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import marshmallow
from marshmallow import ValidationError, fields
from marshmallow.validate import Length

from mockserver.domain.money import number_problem
from mockserver.domain.tenant_settings import CUSTOM_FIELD_NAME
from mockserver.faces.text import unsafe_character

DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
TEXT_LIMIT = 255  # (sandbox rule) Zuora's usual limit for free text
MAX_CUSTOM_FIELDS = 50
MAX_CUSTOM_NUMBER = 10**15
# (sandbox rule) instants from 0001-01-02 to 9999-12-30 UTC: any offset still gives a datetime
FIRST_INSTANT = datetime(1, 1, 2, tzinfo=UTC)
LAST_INSTANT = datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC)


class Schema(marshmallow.Schema):
    """A schema of the API's views. A schema instance is never changed once made, so
    its deep copy is itself: flask-smorest deep-copies each view's documentation,
    schema instances included (a fifth of the app's start-up), to fill the OpenAPI
    document, which reads them and changes only its own dicts."""

    def __deepcopy__(self, memo):
        return self


class Text(fields.String):
    """A string of at most ``max_length`` characters of text: no lone surrogates, no
    control characters but tab, line feed and carriage return."""

    def __init__(self, max_length: int = TEXT_LIMIT, validate=None, **kwargs):
        checks = [Length(max=max_length)]
        if validate is not None:
            checks += validate if isinstance(validate, list) else [validate]
        super().__init__(validate=checks, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = unsafe_character(text)
        if problem is not None:
            raise ValidationError(f"Must be text: it holds {problem}.")
        return text


class Number(fields.Field):
    """A JSON number read as ``Decimal``, exactly as sent: no strings, booleans, NaN or
    infinities, and within the range any number must keep (``money.number_problem``)."""

    def _deserialize(self, value, attr, data, **kwargs) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise ValidationError("Not a valid number.")
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        problem = number_problem(number)
        if problem is not None:
            raise ValidationError(f"Not a valid number: {problem}.")
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
            moment = datetime.fromisoformat(value.replace("z", "Z")).astimezone(UTC)
        except (ValueError, OverflowError):
            raise ValidationError("Not a valid date-time: no such instant.") from None
        if not FIRST_INSTANT <= moment <= LAST_INSTANT:
            raise ValidationError("Not a valid date-time: from 0001-01-02 to 9999-12-30 UTC.")
        return moment

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
            problem = (
                "Custom field names end in '__c'."
                if not CUSTOM_FIELD_NAME.fullmatch(name)
                else _custom_value_problem(field_value)
            )
            if problem is not None:
                errors[name] = [problem]
        if errors:
            raise ValidationError(errors)
        return mapping


def _custom_value_problem(value) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        if len(value) > TEXT_LIMIT:
            return f"Text of at most {TEXT_LIMIT} characters."
        problem = unsafe_character(value)
        return None if problem is None else f"Must be text: it holds {problem}."
    if isinstance(value, (int, float, Decimal)):
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if number_problem(number) is not None or number.copy_abs() >= MAX_CUSTOM_NUMBER:
            return "Not a valid number: finite, below 10**15, at most 30 decimal places."
        return None
    return "Must be text, a number, a boolean or null."
