import pytest

from mutualaid.lib.bank import account_tail, normalise_account


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6222021614000000015", "6222021614000000015"),
        ("6222 0216 1400 0000 015", "6222021614000000015"),  # as printed on the card
        ("\u30006222\u30000216140000\t00015 ", "6222021614000000015"),  # full-width spaces, a tab
        ("\uff16\uff12\uff12\uff12021614000000015", "6222021614000000015"),  # full-width digits
        ("1234567890", "1234567890"),  # 10 digits: the shortest passbook number
        ("1" * 30, "1" * 30),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_an_account_is_kept_as_its_digits(raw, expected) -> None:
    assert normalise_account(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["123456789", "1" * 31, "6222-0216-1400-0000-015", "6222O21614000000015", "6.22202161400000E+18", "٦٢٢٢٠٢١٦١٤٠٠"],
)
def test_anything_else_is_refused_in_chinese(raw) -> None:
    with pytest.raises(ValueError, match="银行账号应为 10–30 位数字"):
        normalise_account(raw)


def test_the_tail_shows_only_the_last_four_digits() -> None:
    assert account_tail("6222021614000000015") == "尾号 0015"
    assert account_tail("") == ""
