"""How an SMS leaves, chosen like Django's EMAIL_BACKEND by ``DJANGO_SMS_BACKEND``:

- ``console`` (the ``make run`` default): printed on the server's console;
- ``file`` (tests): one JSON line per message (``to``, ``template``, ``text``, ``params``, ``sign``, ``at``)
  appended to ``sms.jsonl`` in the folder ``DJANGO_SMS_FILE_PATH``;
- ``aliyun``: Alibaba Cloud SMS (``alibabacloud-dysmsapi20170525``);
- ``tencent``: Tencent Cloud SMS (``tencentcloud-sdk-python-sms``).

The providers send only templates registered (and approved) with them: each of our templates
(``events.sms_templates()``) is registered there with the same text, and its id is given as
``DJANGO_SMS_TEMPLATE_<NAME>`` (``DJANGO_SMS_TEMPLATE_LOGIN_CODE=SMS_123456789``). Keys, sign name and
template ids come from the environment, read when a message is sent; ``checks.py`` names at start-up
what is missing.

A backend answers every message with an ``Answer``: sent (with the provider's id), to be tried again
(throttled, timed out, the provider down) or refused for good (a rejected template, a bad number).
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

BACKENDS = ("console", "file", "aliyun", "tencent")
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Sms:
    to: str
    template: str
    params: dict
    text: str


@dataclass(frozen=True)
class Answer:
    ok: bool
    retry: bool = False
    answer: str = ""
    provider_id: str = ""


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def backend_name() -> str:
    """Read at each send (so a test, or an operator's shell, may switch it); the settings hold the
    value the process started with."""
    return env("DJANGO_SMS_BACKEND") or settings.SMS_BACKEND


def sign_name() -> str:
    return env("DJANGO_SMS_SIGN_NAME") or settings.SMS_SIGN_NAME


def template_variable(template: str) -> str:
    return f"DJANGO_SMS_TEMPLATE_{template.upper()}"


def template_id(template: str) -> str:
    return env(template_variable(template))


REQUIRED = {
    "aliyun": ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "DJANGO_SMS_SIGN_NAME"),
    "tencent": ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "DJANGO_SMS_TENCENT_APP_ID",
                "DJANGO_SMS_SIGN_NAME"),
}  # fmt: skip


def missing_configuration(name: str, templates) -> list[str]:
    """The environment variables a provider backend needs and does not have."""
    needed = list(REQUIRED.get(name, ()))
    if name in REQUIRED:
        needed += [template_variable(template) for template in templates]
    return [variable for variable in needed if not env(variable)]


class ConsoleBackend:
    def send(self, sms: Sms) -> Answer:
        sys.stdout.write(f"[短信] 至 {sms.to}（{sms.template}）：{sms.text}\n")
        sys.stdout.flush()
        return Answer(ok=True, answer="console: printed")


class FileBackend:
    FILE_NAME = "sms.jsonl"

    def __init__(self, folder: str | None = None):
        self.folder = Path(folder or env("DJANGO_SMS_FILE_PATH") or settings.SMS_FILE_PATH)

    def send(self, sms: Sms) -> Answer:
        self.folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": sms.to, "template": sms.template, "text": sms.text, "params": sms.params,
                           "sign": sign_name(), "at": timezone.localtime().isoformat(timespec="seconds")},
                          ensure_ascii=False)  # fmt: skip
        path = self.folder / self.FILE_NAME
        with open(path, "a", encoding="utf-8") as out:
            fcntl.flock(out, fcntl.LOCK_EX)  # two workers appending never interleave a line
            out.write(line + "\n")
        return Answer(ok=True, answer=f"file: {path}")


def _network_error(exc: Exception) -> bool:
    """The provider was not reached, or did not answer in time: try again later. (Alibaba Cloud's SDK
    wraps these in its UnretryableException, "unretryable" only because we turned its own retries off.)"""
    import requests

    if isinstance(exc, requests.exceptions.RequestException | TimeoutError | ConnectionError):
        return True
    text = str(exc).lower()
    return type(exc).__name__ == "UnretryableException" or "timed out" in text or "timeout" in text


# Alibaba Cloud's answer codes that mean "later": flow control per number or account, the service busy.
ALIYUN_RETRY = {"isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "Throttling.User", "Throttling",
                "ServiceUnavailable", "InternalError", "isp.SYSTEM_ERROR", "isv.SYSTEM_ERROR"}  # fmt: skip


class AliyunBackend:
    ENDPOINT = "dysmsapi.aliyuncs.com"

    def client(self):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        return Client(Config(
            access_key_id=env("ALIBABA_CLOUD_ACCESS_KEY_ID"), access_key_secret=env("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            endpoint=env("DJANGO_SMS_ALIYUN_ENDPOINT") or self.ENDPOINT,
        ))  # fmt: skip

    def send(self, sms: Sms) -> Answer:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from darabonba.runtime import RuntimeOptions

        request = SendSmsRequest(phone_numbers=sms.to, sign_name=sign_name(), template_code=template_id(sms.template),
                                 template_param=json.dumps(sms.params, ensure_ascii=False))  # fmt: skip
        runtime = RuntimeOptions(autoretry=False, connect_timeout=5000, read_timeout=TIMEOUT_SECONDS * 1000)
        try:
            body = self.client().send_sms_with_options(request, runtime).body
        except Exception as exc:
            code = getattr(exc, "code", "") or type(exc).__name__
            message = getattr(exc, "message", "") or str(exc)
            retry = _network_error(exc) or code in ALIYUN_RETRY
            return Answer(ok=False, retry=retry, answer=f"{code}: {message}"[:500])
        answer = f"{body.code}: {body.message}（RequestId {body.request_id}）"
        if body.code == "OK":
            return Answer(ok=True, answer=answer, provider_id=body.biz_id or "")
        return Answer(ok=False, retry=body.code in ALIYUN_RETRY, answer=answer[:500])


# Tencent Cloud's codes that mean "later" (per-number limits are LimitExceeded.PhoneNumber*).
TENCENT_RETRY_PREFIXES = ("LimitExceeded.PhoneNumber", "RequestLimitExceeded", "InternalError",
                          "ClientNetworkError", "ServerNetworkError", "FailedOperation.FailResolvePacket")  # fmt: skip


class TencentBackend:
    ENDPOINT = "sms.tencentcloudapi.com"

    def client(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(endpoint=env("DJANGO_SMS_TENCENT_ENDPOINT") or self.ENDPOINT, reqTimeout=TIMEOUT_SECONDS)
        return sms_client.SmsClient(
            credential.Credential(env("TENCENTCLOUD_SECRET_ID"), env("TENCENTCLOUD_SECRET_KEY")),
            env("DJANGO_SMS_TENCENT_REGION") or "ap-guangzhou", ClientProfile(httpProfile=http),
        )  # fmt: skip

    def send(self, sms: Sms) -> Answer:
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{sms.to}"]
        request.SmsSdkAppId = env("DJANGO_SMS_TENCENT_APP_ID")
        request.SignName = sign_name()
        request.TemplateId = template_id(sms.template)
        request.TemplateParamSet = [str(value) for value in sms.params.values()]
        try:
            response = self.client().SendSms(request)
        except Exception as exc:
            code = getattr(exc, "code", "") or type(exc).__name__
            message = getattr(exc, "message", "") or str(exc)
            retry = _network_error(exc) or str(code).startswith(TENCENT_RETRY_PREFIXES)
            return Answer(ok=False, retry=retry, answer=f"{code}: {message}"[:500])
        status = response.SendStatusSet[0] if response.SendStatusSet else None
        if status is None:
            return Answer(ok=False, retry=True, answer=f"no status（RequestId {response.RequestId}）")
        answer = f"{status.Code}: {status.Message}（RequestId {response.RequestId}）"
        if status.Code == "Ok":
            return Answer(ok=True, answer=answer, provider_id=status.SerialNo or "")
        return Answer(ok=False, retry=status.Code.startswith(TENCENT_RETRY_PREFIXES), answer=answer[:500])


def get_backend():
    name = backend_name()
    return {"console": ConsoleBackend, "file": FileBackend, "aliyun": AliyunBackend, "tencent": TencentBackend}[name]()


def send(sms: Sms) -> Answer:
    """Through the configured backend; whatever goes wrong becomes an answer, never an exception."""
    try:
        return get_backend().send(sms)
    except Exception as exc:
        return Answer(ok=False, retry=True, answer=f"{type(exc).__name__}: {exc}"[:500])
