"""``{{ deadline|deadline_cell }}``: a claim's payment deadline as its list cell says it (``claims.deadlines``).

A filter rather than an included template: a queue shows it on each of its 50 rows, and an include per
row cost the page more than the rest of the row did."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def deadline_cell(deadline):
    if deadline is None:
        return "—"
    if deadline.paid_on:
        if deadline.overdue:
            return format_html('<span class="flag">用 {} 天支付（逾期）</span>', deadline.used)
        return format_html("<span>用 {} 天支付</span>", deadline.used)
    due = f"应于 {deadline.due:%Y-%m-%d} 前支付"
    if deadline.overdue:
        return format_html(
            '<span class="flag" title="{}">已用 {}，逾期 {}</span>', due, deadline.used, deadline.late_by
        )
    if deadline.near:
        return format_html('<span class="soon" title="{}">已用 {}，剩 {}</span>', due, deadline.used, deadline.left)
    return format_html('<span title="{}">已用 {}，剩 {}</span>', due, deadline.used, deadline.left)
