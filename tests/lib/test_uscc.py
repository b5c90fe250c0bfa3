import pytest

from mutualaid.lib.uscc import UsccError, make_uscc, normalize_uscc, validate_uscc


@pytest.mark.parametrize(
    "code",
    ["91371000MA3C00010N", "12371002MB1C00030G", "91371081MA3C000202"],
)
def test_demo_codes_validate(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" 91371000ma3c00010n ", "91371000MA3C00010N"),
        ("\u300091371000MA3C00010N\u3000", "91371000MA3C00010N"),
        # full-width "91371000MA3C00010N" from a Chinese input method
        (
            (
                "\uff19\uff11\uff13\uff17\uff11\uff10\uff10\uff10\uff2d\uff21"
                "\uff13\uff23\uff10\uff10\uff10\uff11\uff10\uff2e"
            ),
            "91371000MA3C00010N",
        ),
        ("", ""),
    ],
)
def test_normalize_uscc(raw: str, expected: str) -> None:
    assert normalize_uscc(raw) == expected


def test_validate_returns_normalized_code() -> None:
    assert validate_uscc(" 91371000ma3c00010n") == "91371000MA3C00010N"


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (None, "uscc_format", "请填写统一社会信用代码"),
        ("  ", "uscc_format", "请填写统一社会信用代码"),
        ("91371000MA3C00010", "uscc_format", "统一社会信用代码应为18位，当前为17位"),
        (
            "91371000MA3C00O10N",
            "uscc_format",
            "统一社会信用代码不使用字母O（不含I、O、Z、S、V），请检查是否把数字错写成了字母",
        ),
        ("91371000MA3C0001-N", "uscc_format", "统一社会信用代码含有无效字符“-”"),
        ("91371000MA3C00010M", "uscc_checksum", "统一社会信用代码校验位错误"),
        # two characters swapped
        ("91371000AM3C00010N", "uscc_checksum", "统一社会信用代码校验位错误"),
    ],
)
def test_validate_uscc_errors(raw: str | None, code: str, message: str) -> None:
    with pytest.raises(UsccError) as excinfo:
        validate_uscc(raw)
    assert (excinfo.value.code, excinfo.value.message) == (code, message)


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("91371000MA3C00010", "91371000MA3C00010N"),
        ("12371002MB1C00030", "12371002MB1C00030G"),
        ("91371081MA3C00020", "91371081MA3C000202"),
        ("91371000ma3c00010", "91371000MA3C00010N"),
    ],
)
def test_make_uscc(first17: str, expected: str) -> None:
    assert make_uscc(first17) == expected


@pytest.mark.parametrize("first17", ["91371000MA3C0001", "91371000MA3C0001O", ""])
def test_make_uscc_rejects_bad_input(first17: str) -> None:
    with pytest.raises(ValueError):
        make_uscc(first17)


def test_check_value_31_maps_to_zero() -> None:
    # The weighted sum of this body is 0 mod 31, so "31 - 0" = 31 must wrap to
    # check character "0" instead of indexing past the 31-symbol alphabet.
    assert make_uscc("91371000MA3C00013") == "91371000MA3C000130"
    assert validate_uscc("91371000MA3C000130") == "91371000MA3C000130"
