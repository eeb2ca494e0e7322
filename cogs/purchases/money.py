"""Money as integer minor units of an ISO 4217 currency (cents; yen for JPY; fils/1000 for KWD).

Stores send decimal strings ("404.95"); Stripe and Lemon Squeezy send integers in *their* smallest unit,
which for a few currencies differs from ISO 4217 (Stripe writes ISK with two decimals). Everything is
converted to ISO minor units on arrival, so one order's amount means the same whatever store sent it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 currencies whose minor unit is not 1/100.
ISO_EXPONENT = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                     "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    "CLF": 4, "UYW": 4,
}
# Stripe's own list (docs.stripe.com/currencies): zero-decimal and three-decimal currencies. Stripe keeps
# ISK (ISO: zero-decimal) as two-decimal and treats MGA (ISO: two) as zero-decimal.
STRIPE_ZERO_DECIMAL = frozenset(("BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX",
                                 "VND", "VUV", "XAF", "XOF", "XPF"))
STRIPE_THREE_DECIMAL = frozenset(("BHD", "JOD", "KWD", "OMR", "TND"))
MAX_MINOR = 10**15  # a quadrillion minor units: anything larger is a broken payload, not an order


class MoneyError(ValueError):
    """An amount or currency that can't be an order's."""


def currency_code(value: object) -> str:
    if not isinstance(value, str) or len(value.strip()) != 3 or not value.strip().isalpha():
        raise MoneyError(f"currency must be a three-letter ISO code, not {value!r}")
    return value.strip().upper()


def exponent(currency: str) -> int:
    return ISO_EXPONENT.get(currency, 2)


def _checked(amount: int) -> int:
    if not -MAX_MINOR <= amount <= MAX_MINOR:
        raise MoneyError("amount out of range")
    return amount


def decimal_to_minor(value: object, currency: str) -> int:
    """ "404.95" (or 404.95, or 405) in major units → 40495 minor units, rounded half up."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise MoneyError(f"amount must be a number or a decimal string, not {value!r}")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise MoneyError(f"amount {value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise MoneyError("amount must be finite")
    if abs(amount) > MAX_MINOR:
        raise MoneyError("amount out of range")
    minor = (amount * (Decimal(10) ** exponent(currency))).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return _checked(int(minor))


def integer_minor(value: object) -> int:
    """An amount that is already an integer of minor units (the documented Standard Webhooks field)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise MoneyError(f"amount must be an integer of minor units, not {value!r}")
    return _checked(value)


def stripe_exponent(currency: str) -> int:
    if currency in STRIPE_ZERO_DECIMAL:
        return 0
    if currency in STRIPE_THREE_DECIMAL:
        return 3
    return 2


def stripe_to_minor(value: object, currency: str) -> int:
    """Stripe's integer amount (its "smallest currency unit") → ISO minor units."""
    amount = integer_minor(value)
    shift = exponent(currency) - stripe_exponent(currency)
    if shift >= 0:
        return _checked(amount * 10**shift)
    return _checked(int((Decimal(amount) / (Decimal(10) ** -shift)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def major_units(amount_minor: int, currency: str) -> Decimal:
    """40495 USD → Decimal("404.95"), with exactly the currency's decimals."""
    return Decimal(amount_minor).scaleb(-exponent(currency))


def display(amount_minor: int | None, currency: str | None) -> str:
    if amount_minor is None or currency is None:
        return "unknown amount"
    places = exponent(currency)
    return f"{major_units(amount_minor, currency):.{places}f} {currency}"
