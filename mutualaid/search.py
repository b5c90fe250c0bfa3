"""What a search box finds, written once for every list that has one (claims, applications).

A person types a reference or part of one (``16-MED-U001``), a member's ID number (whole, or the last
digits read off a card), or a unit's code or part of its name. Each list names its paths to those
fields; the list has already gone through ``visible_to``, so a search never widens what a person
sees. Partial matches are ``LIKE '%…%'`` on the exact column, case folded here rather than in SQL,
so the trigram indexes (``gin_trgm_ops``, migrations ``enrollment.0014``/``claims.0007``) serve them:
references and codes are upper case, ID numbers end in a digit or ``X``. The last digits of an ID
number are the first of the number reversed, on a B-tree (``enrollment.0022``); a member's name is
found from its first character, on a B-tree (``enrollment.0026``). The admin's lists search the same
way (``mutualaid.admin.IndexedSearchMixin``).
"""

from django.db.models import Q

QUERY_LENGTH = 50


def clean(text: str | None) -> str:
    return (text or "").strip()[:QUERY_LENGTH]


def search_q(text: str, *, reference: str | None, units=None, unit: str = "unit", members=None,
             member: str = "member", names: bool = False) -> Q:  # fmt: skip
    """The rows whose reference contains ``text``, whose unit's code or name contains it (``units``: the
    unit model's queryset), whose member's ID number is it (18 characters) or ends with it (4 to 17
    digits; ``members``: the member model's queryset), or (``names``, with ``members``) whose member's
    name begins with it (张伟, or 张 for every 张). ``reference`` None: the rows have none (the admin's
    member list, ``member="pk"``).

    The units and members are found first, each by its own table's index, and the rows then by
    their ids (``unit_id IN (3, 17)``), so that every part of the OR has an index and the database
    combines them: the same parts ORed across a join read every row of the list and its member
    (150 ms over a province's claims, 1.7 s for a name, which hashed all five million members), and as
    subqueries every row still (45 ms). A name is looked for only when the text could be one (no digit
    in it), from its first character: the B-tree ``member_name_prefix`` serves that, no index serves a
    name's middle (a trigram index there would cost every new member of a roster more than the
    unique index does)."""
    upper = text.upper()
    # A reference is ASCII (16-MED-U001-C1): text in Chinese is never part of one, and a two-character
    # text gives its trigram index nothing to look up, so that part would read every row.
    found = Q(**{f"{reference}__contains": upper}) if reference and upper.isascii() else Q(pk__in=[])
    if units is not None:
        found |= Q(**{f"{unit}__in": ids(units.filter(Q(code__contains=upper) | Q(name__contains=text)))})
    lookup = id_number_lookup(text)
    if members is not None and lookup:
        people = members.filter(**{f"id_number{suffix}": value for suffix, value in lookup.items()})
        found |= Q(**{f"{member}__in": ids(people)})
    if names and members is not None and not any(character.isdigit() for character in text):
        found |= Q(**{f"{member}__in": ids(members.filter(name__startswith=text))})
    return found


def recorded_object_q(text: str) -> Q:
    """Audit rows whose object, as recorded, holds ``text`` (in any case), by the trail's indexes
    (mutualaid 0009): three characters or more anywhere in it, on the trigram index; fewer, which give
    trigrams nothing to look up (张伟, C1), at its start, on the B-tree, which also finds a person
    deleted or renamed since. The 操作记录 page and the admin's trail both search this way."""
    return Q(object_repr__icontains=text) if len(text) >= 3 else Q(object_repr__istartswith=text)


IDS_INLINE = 1000  # above this many units or people the part stays a subquery


def ids(queryset):
    """The ids of ``queryset`` as a list the database can look up by index, or the queryset itself
    when it matches more than ``IDS_INLINE`` rows (a very short text). Unordered: sorting every 蒋 of
    a province by ID number to keep the first 1,001 took longer than the search."""
    found = list(queryset.order_by().values_list("pk", flat=True)[: IDS_INLINE + 1])
    return found if len(found) <= IDS_INLINE else queryset.order_by().values("pk")


def id_number_lookup(text: str) -> dict[str, str] | None:
    """How ``text`` finds ID numbers (``{"": whole}``, or its last digits as the start of the reversed
    number, which ``member_id_number_reversed`` serves), or None
    when it is not one; a list whose people are behind a many-valued relation (an application's
    roster) puts it in a subquery instead of a join."""
    upper = text.upper()
    if len(upper) == 18:
        return {"": upper}
    if 4 <= len(upper) < 18 and upper.removesuffix("X").isdigit():
        return {"__reverse__startswith": upper[::-1]}  # the last digits people read off a card
    return None
