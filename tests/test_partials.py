"""The pieces every list and record page shares: the pager keeps what the user filtered by, and the
history reads the same on every record."""

import re
from html import unescape

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from enrollment.models import UnitRegistration
from tests.test_units_and_people import register


def links(html: str) -> dict[str, str]:
    return {text: unescape(href) for href, text in re.findall(r'<a href="([^"]*)">([^<]*)</a>', html)}


def test_the_pager_turns_the_page_and_keeps_the_status_and_the_search():
    request = RequestFactory().get("/claims/", {"status": "submitted", "q": "威海 A&B", "page": "2"})
    html = render_to_string("_pager.html", {"page": Paginator(range(120), 50).get_page(2)}, request=request)
    assert "第 2 / 3 页" in html
    assert links(html) == {"上一页": "?status=submitted&q=%E5%A8%81%E6%B5%B7+A%26B&page=1",
                           "下一页": "?status=submitted&q=%E5%A8%81%E6%B5%B7+A%26B&page=3"}  # fmt: skip
    one_page = render_to_string("_pager.html", {"page": Paginator(range(20), 50).get_page(1)}, request=request)
    assert "分页" not in one_page


def test_the_audit_trails_pager_keeps_its_filters(login, handler):
    client = login(handler)
    first = client.get(reverse("audit"), {"start": "2020-01-01"}).text
    assert links(first)["下一页"] == "?start=2020-01-01&page=2" and "上一页" not in links(first)
    second = client.get(reverse("audit") + links(first)["下一页"]).text
    assert "第 2 页" in second and links(second)["上一页"] == "?start=2020-01-01&page=1"


def test_a_registrations_history_names_the_union_for_what_it_did_before_it_had_an_account(login, district_rc):
    register()
    registration = UnitRegistration.objects.get(name="威海示例新材料有限公司工会委员会")
    page = login(district_rc).get(reverse("enrollment:registration", args=[registration.pk])).text
    history = page.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert re.search(r"申请单位：\S+（— → 待办事处审核）", history), history
