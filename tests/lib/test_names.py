import pytest

from mutualaid.lib.names import payer_is_person


@pytest.mark.parametrize(
    "name",
    ["张伟", "王芳", "欧阳娜娜", "司马相如", "阿依古丽·买买提", "李强（个人）", "李 强", "赵敏(储蓄)"],
)
def test_a_persons_name_is_a_person(name):
    assert payer_is_person(name)


@pytest.mark.parametrize(
    "name",
    ["", None, "荣成示例水产合作社", "威海示例纺织有限公司", "乳山市总工会", "某厂", "市医院", "环翠区财政局",
     "文登区某某中心", "ACME Ltd", "张伟2", "6222020000000001", "威海市环翠区竹岛街道办事处"],
)  # fmt: skip
def test_an_organisation_or_nothing_is_not_a_person(name):
    assert not payer_is_person(name)
