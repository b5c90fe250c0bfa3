from mutualaid.notices import unread_count
from mutualaid.scoping import OFFICE_ROLES, Role, district_of, prefecture_of, role_of, unit_of


def role(request):
    user = getattr(request, "user", None)
    current = role_of(user) if user else None
    return {
        "role": current,
        "role_label": current.label if current else "",
        "is_clerk": current == Role.CLERK,
        "is_district": current == Role.DISTRICT,
        # A prefecture office reads what its districts' offices read and takes none of their steps (§15).
        "is_prefecture": current == Role.PREFECTURE,
        "is_office": current in OFFICE_ROLES,
        "is_city": current in {Role.CENTRE_HANDLER, Role.CENTRE_HEAD, Role.ADMIN},
        "my_unit": unit_of(user) if current == Role.CLERK else None,
        "my_district": district_of(user) if current == Role.DISTRICT else None,
        "my_prefecture": prefecture_of(user) if current == Role.PREFECTURE else None,
        # The header's 消息 count: one COUNT on an index, only for people who have a 消息 page.
        "unread_notices": unread_count(user) if current is not None else 0,
    }
