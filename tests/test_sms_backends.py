"""The SMS providers, faked only where they meet the network: ``requests``' HTTP adapter answers as
Alibaba Cloud and Tencent Cloud answer (success, throttled, a rejected template) or times out. The
SDKs build, sign and read every request themselves, as in production."""

import json
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.core.management import call_command

from mutualaid.notices import backends
from mutualaid.notices.events import sms_templates

CODE = backends.Sms("13806310001", "login_code", {"code": "123456"}, "您的登录验证码为 123456，5 分钟内有效。")


@pytest.fixture
def aliyun(monkeypatch):
    monkeypatch.setenv("DJANGO_SMS_BACKEND", "aliyun")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-test")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret")
    monkeypatch.setenv("DJANGO_SMS_SIGN_NAME", "威海职工互助")
    monkeypatch.setenv("DJANGO_SMS_TEMPLATE_LOGIN_CODE", "SMS_480000001")


@pytest.fixture
def tencent(monkeypatch):
    monkeypatch.setenv("DJANGO_SMS_BACKEND", "tencent")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKID-test")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "secret")
    monkeypatch.setenv("DJANGO_SMS_TENCENT_APP_ID", "1400000001")
    monkeypatch.setenv("DJANGO_SMS_SIGN_NAME", "威海职工互助")
    monkeypatch.setenv("DJANGO_SMS_TEMPLATE_LOGIN_CODE", "2000001")


def answering(status=200, body=None, error=None):
    """The network: every request the SDK sends is kept, and answered with ``body`` (or ``error``)."""
    seen = []

    def send(adapter, request, **kwargs):
        seen.append(request)
        if error is not None:
            raise error
        response = requests.Response()
        response.status_code, response._content, response.url, response.request = (
            status, json.dumps(body).encode(), request.url, request)  # fmt: skip
        response.headers["Content-Type"] = "application/json"
        return response

    return mock.patch("requests.adapters.HTTPAdapter.send", send), seen


ALIYUN = {
    "success": (200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"}),
    "throttled": (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1", "RequestId": "R2"}),
    "rejected": (200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "该账号下找不到对应模板", "RequestId": "R3"}),
    "account_throttled": (
        400,
        {"Code": "Throttling.User", "Message": "Request was denied due to user flow control.", "RequestId": "R4"},
    ),
}


@pytest.mark.parametrize(
    ("case", "ok", "retry", "said"),
    [("success", True, False, "OK: OK"), ("throttled", False, True, "isv.BUSINESS_LIMIT_CONTROL"),
     ("rejected", False, False, "isv.SMS_TEMPLATE_ILLEGAL"), ("account_throttled", False, True, "Throttling.User")],
)  # fmt: skip
def test_alibaba_cloud_answers(aliyun, case, ok, retry, said):
    patch, seen = answering(*ALIYUN[case])
    with patch:
        answer = backends.send(CODE)
    assert (answer.ok, answer.retry) == (ok, retry) and said in answer.answer
    sent = dict(parse_qsl(urlsplit(seen[0].url).query))
    body = seen[0].body or ""
    sent.update(dict(parse_qsl(body.decode() if isinstance(body, bytes) else body)))
    assert sent["PhoneNumbers"] == "13806310001" and sent["TemplateCode"] == "SMS_480000001"
    assert sent["SignName"] == "威海职工互助" and json.loads(sent["TemplateParam"]) == {"code": "123456"}
    signed = seen[0].headers["Authorization"]  # signed by the SDK itself, with our key
    assert signed.startswith("ACS3-HMAC-SHA256") and "Credential=LTAI-test" in signed
    assert seen[0].headers["x-acs-action"] == "SendSms"
    if ok:
        assert answer.provider_id == "900619746936498440^0"


def test_alibaba_cloud_timing_out_is_tried_again(aliyun):
    patch, seen = answering(error=requests.exceptions.ReadTimeout("read timed out"))
    with patch:
        answer = backends.send(CODE)
    assert (answer.ok, answer.retry) == (False, True) and len(seen) == 1  # the SDK's own retries are off


def _tencent_status(code, message):
    return {"Response": {"SendStatusSet": [{"SerialNo": "2028:1" if code == "Ok" else "", "PhoneNumber": "+8613806310001",
            "Fee": 1, "SessionContext": "", "Code": code, "Message": message, "IsoCode": "CN"}], "RequestId": "a0"}}  # fmt: skip


TENCENT = {
    "success": _tencent_status("Ok", "send success"),
    "throttled": _tencent_status("LimitExceeded.PhoneNumberThirtySecondLimit", "30 秒内发送短信条数超过上限"),
    "rejected": {"Response": {"Error": {"Code": "FailedOperation.TemplateIncorrectOrUnapproved",
                                        "Message": "模板未审批或请求的内容与审核通过的模板内容不匹配"}, "RequestId": "c2"}},
    "request_throttled": {"Response": {"Error": {"Code": "RequestLimitExceeded", "Message": "请求的次数超过了频率限制"},
                                       "RequestId": "d3"}},
}  # fmt: skip


@pytest.mark.parametrize(
    ("case", "ok", "retry", "said"),
    [("success", True, False, "Ok: send success"), ("throttled", False, True, "PhoneNumberThirtySecondLimit"),
     ("rejected", False, False, "TemplateIncorrectOrUnapproved"), ("request_throttled", False, True, "RequestLimit")],
)  # fmt: skip
def test_tencent_cloud_answers(tencent, case, ok, retry, said):
    patch, seen = answering(200, TENCENT[case])
    with patch:
        answer = backends.send(CODE)
    assert (answer.ok, answer.retry) == (ok, retry) and said in answer.answer
    body = json.loads(seen[0].body)
    assert body == {"PhoneNumberSet": ["+8613806310001"], "SmsSdkAppId": "1400000001", "SignName": "威海职工互助",
                    "TemplateId": "2000001", "TemplateParamSet": ["123456"]}  # fmt: skip
    assert seen[0].headers["X-TC-Action"] == "SendSms" and "TC3-HMAC-SHA256" in seen[0].headers["Authorization"]
    if ok:
        assert answer.provider_id == "2028:1"


def test_tencent_cloud_timing_out_is_tried_again(tencent):
    patch, _ = answering(error=requests.exceptions.ReadTimeout("read timed out"))
    with patch:
        answer = backends.send(CODE)
    assert (answer.ok, answer.retry) == (False, True)


def test_the_start_up_check_names_what_a_provider_lacks(tencent, monkeypatch):
    from django.core.management.base import SystemCheckError

    monkeypatch.delenv("TENCENTCLOUD_SECRET_KEY")
    with pytest.raises(SystemCheckError) as refused:
        call_command("check")
    message = str(refused.value)
    assert "mutualaid.E011" in message and "TENCENTCLOUD_SECRET_KEY" in message
    assert "DJANGO_SMS_TEMPLATE_CLAIM_PAID_MEMBER" in message and "DJANGO_SMS_TEMPLATE_LOGIN_CODE" not in message
    for name in sms_templates():
        monkeypatch.setenv(backends.template_variable(name), "1")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", "secret")
    call_command("check")  # nothing missing: no error
    monkeypatch.setenv("DJANGO_SMS_BACKEND", "smoke-signals")
    with pytest.raises(SystemCheckError, match=r"mutualaid\.E010"):
        call_command("check")
