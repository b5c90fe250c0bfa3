"""What a search box finds, written once for every list that has one (claims, applications).

A person types a reference or part of one (``16-MED-U001``), a member's ID number (whole, or the last
digits read off a card), or a unit's code or part of its name. Each list names its paths to those
fields; the list has already gone through ``visible_to``, so a search never widens what a person
sees. Partial matches are ``LIKE '%…%'`` on the exact column, case folded here rather than in SQL,
so the trigram indexes (``gin_trgm_ops``, migrations ``enrollment.0014``/``claims.0007``) serve them:
references and codes are upper case, ID numbers end in a digit or ``X``.
"""

from django.db.models import Q

QUERY_LENGTH = 50


def clean(text: str | None) -> str:
    return (text or "").strip()[:QUERY_LENGTH]


def search_q(text: str, *, reference: str, id_number: str | None = None, unit: str | None = "unit",
             name: str | None = None) -> Q:  # fmt: skip
    """The rows whose reference contains ``text``, whose member's ID number is it (18 characters) or
    ends with it (4 to 17 digits), whose unit's code or name contains it, or (``name``) whose
    member's name contains it. ``unit`` and ``id_number`` are lookup paths from the row."""
    upper = text.upper()
    found = Q(**{f"{reference}__contains": upper})
    if unit:
        found |= Q(**{f"{unit}__code__contains": upper}) | Q(**{f"{unit}__name__contains": text})
    if name:
        found |= Q(**{f"{name}__contains": text})
    lookup = id_number_lookup(text)
    if id_number and lookup:
        found |= Q(**{f"{id_number}{suffix}": value for suffix, value in lookup.items()})
    return found


def id_number_lookup(text: str) -> dict[str, str] | None:
    """How ``text`` finds ID numbers (``{"": whole}`` or ``{"__endswith": last digits}``), or None
    when it is not one; a list whose people are behind a many-valued relation (an application's
    roster) puts it in a subquery instead of a join."""
    upper = text.upper()
    if len(upper) == 18:
        return {"": upper}
    if 4 <= len(upper) < 18 and upper.removesuffix("X").isdigit():
        return {"__endswith": upper}  # the last digits people read off a card
    return None
