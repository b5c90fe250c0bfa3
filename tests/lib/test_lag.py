"""The estimate of claims not yet filed, on a constructed history (issue #20, 以收定支)."""

from decimal import Decimal as D

from mutualaid.lib.lag import PastPeriod, estimate


def test_share_filed_by_the_same_day_scales_up_what_is_filed_so_far():
    # Two past periods: by 30 days after coverage end, 600 of 1,000 and 300 of 500 had been filed.
    past = [
        PastPeriod("第十四期", [(-100, D("400")), (20, D("200")), (90, D("400"))]),
        PastPeriod("第十五期", [(-10, D("300")), (45, D("150")), (170, D("50"))]),
    ]
    result = estimate(past, days=30, filed=D("1200"))
    assert result.share == D("900") / D("1500")  # 60%
    assert result.final == D("2000.00") and result.not_yet_filed == D("800.00")
    assert result.inputs == (("第十四期", D("600"), D("1000")), ("第十五期", D("300"), D("500")))


def test_no_history_gives_no_estimate():
    result = estimate([PastPeriod("第十五期", [])], days=10, filed=D("50"))
    assert result.final is None and result.share is None
