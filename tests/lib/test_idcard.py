import random
from datetime import date

import pytest

from mutualaid.lib.idcard import (
    IdInfo,
    IdNumberError,
    check_digit,
    id_checker,
    make_id,
    mask_id,
    mask_ids_in,
    normalize_id,
    validate_id,
)

TODAY = date(2024, 6, 1)

EXCEL_MESSAGE = (
    "身份证号码被Excel当作数字处理（显示为科学计数法或末几位变成0），后几位已经丢失。请将该列设置为“文本”格式后重新填写"
)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("371002198005120137", date(1980, 5, 12), "M"),
        ("371002199008200241", date(1990, 8, 20), "F"),
        ("371002196601100379", date(1966, 1, 10), "M"),
        ("371003198502280496", date(1985, 2, 28), "M"),
        ("371003199203050505", date(1992, 3, 5), "F"),
        ("371082197511030625", date(1975, 11, 3), "F"),
        ("37108219950716075X", date(1995, 7, 16), "M"),
        ("371082198812010868", date(1988, 12, 1), "F"),
    ],
)
def test_demo_ids_validate(number: str, birth: date, sex: str) -> None:
    assert validate_id(number, today=TODAY) == IdInfo(number, birth, sex)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  371002198005120137  ", "371002198005120137"),
        ("\u3000371002198005120137\u3000", "371002198005120137"),
        # full-width digits and x typed with a Chinese input method
        (
            (
                "\uff13\uff17\uff11\uff10\uff18\uff12\uff11\uff19\uff19\uff15"
                "\uff10\uff17\uff11\uff16\uff10\uff17\uff15\uff58"
            ),
            "37108219950716075X",
        ),
        ("37108219950716075x", "37108219950716075X"),
        ("\ufeff371002198005120137\u200b", "371002198005120137"),
        ("", ""),
    ],
)
def test_normalize_id(raw: str, expected: str) -> None:
    assert normalize_id(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [" 37108219950716075x ", "\uff13\uff17\uff11\uff10\uff18\uff12" + "19950716075X"],
)
def test_validate_returns_normalized_number(raw: str) -> None:
    assert validate_id(raw, today=TODAY).number == "37108219950716075X"


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("37100219800512013", "7"),
        ("37108219950716075", "X"),
        ("11010519491231002", "X"),
        ("44052418800101001", "4"),
    ],
)
def test_check_digit(first17: str, expected: str) -> None:
    assert check_digit(first17) == expected


def test_check_digit_is_the_standards_weighted_sum() -> None:
    """The one-call remainder (base 13) against GB 11643 written out: weights, sum, mod 11."""
    weights, chars, rng = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), "10X98765432", random.Random(11643)
    for first17 in ["0" * 17, "9" * 17, *("".join(rng.choices("0123456789", k=17)) for _ in range(2000))]:
        assert check_digit(first17) == chars[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


@pytest.mark.parametrize(
    "raw",
    ["371002198005120137", "371002198005120137", " 37108219950716075x ", "３７１００２１９８００５１２０１３７", 3.70602198501011e17,
     "371002198005120138", "371002198002300137", "371002202507010017", "371002198005120000", None, "", "37100219800512013"],
)  # fmt: skip
def test_the_sheet_checker_answers_as_validate_id(raw) -> None:
    """A number already clean, seen again, takes the short way; every other value gets validate_id's own
    answer or error, whatever came before it."""
    check = id_checker(today=TODAY)
    check("371002198005120137")  # its birth date is known now
    try:
        info = validate_id(raw, today=TODAY)
    except IdNumberError as exc:
        with pytest.raises(IdNumberError) as excinfo:
            check(raw)
        assert (excinfo.value.code, excinfo.value.message) == (exc.code, exc.message)
    else:
        assert check(raw) == (info.number, info.birth_date, info.sex)


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (None, "id_missing", "请填写身份证号码"),
        ("", "id_missing", "请填写身份证号码"),
        ("\u3000 ", "id_missing", "请填写身份证号码"),
        ("3.70602198501011E+17", "id_format", EXCEL_MESSAGE),
        ("3.70602198501011e+17", "id_format", EXCEL_MESSAGE),
        (3.70602198501011e17, "id_format", EXCEL_MESSAGE),
        ("371002198005120000", "id_format", EXCEL_MESSAGE),
        ("371002198005120137.0", "id_format", EXCEL_MESSAGE),
        ("37100219800512013", "id_format", "身份证号码应为18位，当前为17位"),
        ("3710021980051201377", "id_format", "身份证号码应为18位，当前为19位"),
        (
            "371002800512013",
            "id_format",
            "身份证号码应为18位，当前为15位（旧版15位号码请换成18位新号码）",
        ),
        ("37100219800512013A", "id_format", "身份证号码只能包含数字，最后一位可以是X"),
        ("3710021980 5120137", "id_format", "身份证号码只能包含数字，最后一位可以是X"),
        ("371002198005120138", "id_checksum", "身份证号码校验位错误"),
        # two digits swapped: the checksum catches the typo
        ("371002198005121037", "id_checksum", "身份证号码校验位错误"),
        (
            "371002198002300137",
            "id_birthdate",
            "身份证号码中的出生日期无效（19800230）",
        ),
        (
            "371002202507010017",
            "id_birthdate",
            "身份证号码中的出生日期晚于今天（20250701）",
        ),
        (
            "371002189912310010",
            "id_birthdate",
            "身份证号码中的出生日期早于1900年（18991231）",
        ),
    ],
)
def test_validate_id_errors(raw: str | float | None, code: str, message: str) -> None:
    with pytest.raises(IdNumberError) as excinfo:
        validate_id(raw, today=TODAY)
    assert (excinfo.value.code, excinfo.value.message) == (code, message)
    assert str(excinfo.value) == message


def test_birth_date_on_today_is_accepted() -> None:
    number = make_id("371002", TODAY, 2, "F")
    assert validate_id(number, today=TODAY).birth_date == TODAY


def test_real_number_ending_in_000_is_not_mistaken_for_excel_damage() -> None:
    # sequence code 900 (female) whose check digit happens to be 0
    number = "371002198005129000"
    assert check_digit(number[:17]) == "0"
    assert validate_id(number, today=TODAY).sex == "F"


@pytest.mark.parametrize(
    ("on", "age"),
    [
        (date(2024, 5, 11), 43),
        (date(2024, 5, 12), 44),
        (date(2025, 1, 1), 44),
    ],
)
def test_id_info_age_on(on: date, age: int) -> None:
    assert validate_id("371002198005120137", today=TODAY).age_on(on) == age


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("371002198005120137", "371002********0137"),
        ("37108219950716075X", "371082********075X"),
        ("371002800512013", "371002*****2013"),
        ("12345", "12345"),
        ("1234567890", "1234567890"),
        ("", ""),
    ],
)
def test_mask_id(number: str, masked: str) -> None:
    assert mask_id(number) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("登录失败：371002198005120137", "登录失败：371002********0137"),
        ("37108219950716075X,371002198005120137", "371082********075X,371002********0137"),
        ("流水 6228480402564890018001", "流水 6228480402564890018001"),  # longer runs are not ID numbers
        ("91371000MA3C00010N", "91371000MA3C00010N"),
        ("", ""),
    ],
)
def test_mask_ids_in_text(text: str, masked: str) -> None:
    assert mask_ids_in(text) == masked


@pytest.mark.parametrize(
    ("area", "birth", "seq", "sex", "expected"),
    [
        ("371002", date(1980, 5, 12), 13, "M", "371002198005120137"),
        ("371002", date(1990, 8, 20), 24, "F", "371002199008200241"),
        ("371082", date(1995, 7, 16), 75, "M", "37108219950716075X"),
    ],
)
def test_make_id_reproduces_demo_numbers(area: str, birth: date, seq: int, sex: str, expected: str) -> None:
    assert make_id(area, birth, seq, sex) == expected


@pytest.mark.parametrize(
    ("area", "birth", "seq", "sex"),
    [
        ("37100", date(1980, 5, 12), 13, "M"),  # area too short
        ("371002", date(1980, 5, 12), 1000, "M"),  # seq out of range
        ("371002", date(1980, 5, 12), 12, "M"),  # even seq means female
        ("371002", date(1980, 5, 12), 13, "X"),
    ],
)
def test_make_id_rejects_bad_arguments(area: str, birth: date, seq: int, sex: str) -> None:
    with pytest.raises(ValueError):
        make_id(area, birth, seq, sex)


@pytest.mark.parametrize("seq", range(0, 1000, 37))
def test_make_id_output_always_validates(seq: int) -> None:
    sex = "M" if seq % 2 else "F"
    info = validate_id(make_id("999999", date(2000, 2, 29), seq, sex), today=TODAY)
    assert (info.birth_date, info.sex) == (date(2000, 2, 29), sex)
