"""Money rules: decimal arithmetic only, and each currency's minor units.

Amounts are ``Decimal`` from the moment a request body is parsed to the
moment a response is written, so 0.1 + 0.2 is 0.3. A value with more decimal
places than its currency allows is refused, never rounded silently.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

from mockserver.domain.errors import InvalidParameter

# ISO 4217 minor units for the currencies the sandbox accepts. (sandbox rule)
MINOR_UNITS = {
    "USD": 2, "EUR": 2, "GBP": 2, "CAD": 2, "AUD": 2, "NZD": 2, "CHF": 2,
    "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "SGD": 2, "HKD": 2,
    "INR": 2, "CNY": 2, "BRL": 2, "MXN": 2, "ZAR": 2,
    "JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0,
}  # fmt: skip

# Amounts stay below 10**12 and quantities below 10**9 (6 decimal places), so
# every value has at most 15 significant digits and is exact as a JSON number.
# (sandbox rule)
MAX_AMOUNT = Decimal(10) ** 12
MAX_QUANTITY = Decimal(10) ** 9
QUANTITY_PLACES = 6
ZERO = Decimal(0)
CENT = 100
# Any number read from a client (body, filter, cursor, snapshot) stays below
# 10**18 with at most 30 decimal places (sandbox rule): arithmetic on it can
# neither overflow nor underflow. Money and quantities have tighter rules below.
MAX_NUMBER = Decimal(10) ** 18
MAX_NUMBER_PLACES = 30
EXACT = Context(prec=MAX_NUMBER_PLACES + 25)  # digits enough for any number in range, times 100
JSON_EXACT_DIGITS = 15  # a float prints back every decimal of up to 15 significant digits


def decimal_places(value: Decimal) -> int:
    """Counted exactly, without rounding: 10.10 has 1, 1E-999999999 has 999999999."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0:
        return 0
    significant = "".join(map(str, digits)).rstrip("0")
    return max(0, -exponent - (len(digits) - len(significant))) if significant else 0


def number_problem(value: Decimal) -> str | None:
    """Why ``value`` is not a number the sandbox computes with, or None."""
    if not value.is_finite():
        return "NaN and infinities are not allowed"
    if value.copy_abs() >= MAX_NUMBER:
        return "it must be less than 10**18 in magnitude"
    if decimal_places(value) > MAX_NUMBER_PLACES:
        return f"it must have at most {MAX_NUMBER_PLACES} decimal places"
    return None


def in_cents(value: Decimal) -> Decimal:
    """``value`` * 100, exactly (no context rounding), for a number within range."""
    return value.scaleb(2, context=EXACT)


def _more_places_than(value: Decimal, places: int) -> bool:
    # Most values are written with no more places than allowed: no need to
    # normalize away trailing zeros (12.50 has two places, 12.500 has too).
    return value.as_tuple().exponent < -places and decimal_places(value) > places


def check_amount(
    value: Decimal, currency: str, parameter: str, *, positive: bool = False
) -> Decimal:
    """An amount in ``currency``: finite, not negative, within range, exact in minor units."""
    _check_finite_range(value, parameter, positive, MAX_AMOUNT)
    places = MINOR_UNITS[currency]
    if _more_places_than(value, places):
        raise InvalidParameter(
            parameter, f"'{parameter}' has more than {places} decimal places for {currency}"
        )
    return value


def check_quantity(value: Decimal, parameter: str, *, positive: bool = True) -> Decimal:
    """A quantity or a rate: up to six decimal places."""
    _check_finite_range(value, parameter, positive, MAX_QUANTITY)
    if _more_places_than(value, QUANTITY_PLACES):
        raise InvalidParameter(
            parameter, f"'{parameter}' has more than {QUANTITY_PLACES} decimal places"
        )
    return value


def _check_finite_range(value: Decimal, parameter: str, positive: bool, limit: Decimal) -> None:
    if not value.is_finite():
        raise InvalidParameter(parameter, f"'{parameter}' must be a finite number")
    if value < 0 or (positive and value == 0):
        bound = "greater than 0" if positive else "0 or more"
        raise InvalidParameter(parameter, f"'{parameter}' must be {bound}")
    if value >= limit:
        raise InvalidParameter(parameter, f"'{parameter}' must be less than {limit}")


def to_cents(value: Decimal) -> int:
    """An amount (already checked to have at most two decimal places) in hundredths.

    Records keep money as integer hundredths of the currency unit, whatever the
    currency: exact, small in memory, fast to add and compare.
    """
    return int(value * CENT)


def from_cents(cents: int) -> Decimal:
    return Decimal(cents) / CENT


def cents_to_json(cents: int) -> int | float | Decimal:
    """A JSON number for hundredths: ``10`` for 1000, ``0.3`` for 30.

    A float where it prints back exactly (``int / int`` is correctly rounded),
    else the exact ``Decimal`` (totals near 10**14), which ``dumps`` writes digit
    for digit.
    """
    whole, part = divmod(cents, CENT)
    if part == 0:
        return whole
    if abs(cents) < 10**JSON_EXACT_DIGITS:
        return cents / CENT
    return Decimal(cents).scaleb(-2, context=EXACT)


def to_json_number(value: Decimal) -> int | float | Decimal:
    """A JSON number for a decimal: ``10`` for 10.00, ``0.3`` for 0.30.

    A float where it prints back exactly (15 significant digits at most), else
    the exact ``Decimal`` without trailing zeros.
    """
    integral = value.to_integral_value()
    if value == integral:
        return int(integral)
    digits = value.as_tuple().digits
    if len("".join(map(str, digits)).strip("0")) <= JSON_EXACT_DIGITS:
        return float(value)
    return value.normalize(context=EXACT)


def round_half_up(value: Decimal, places: int) -> Decimal:
    """``value`` to ``places`` decimal places, halves away from zero (for generated prices)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
