"""What a page tells a person whose action a service refused."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError


def refusal_text(exc: Exception) -> str:
    """A service's refusal in the words it gave: every validation message, or the permission's."""
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "您没有执行此操作的权限。"


def attempt(request, call, success: str) -> bool:
    """Run a service call for a page: its success or its refusal becomes the page's message."""
    try:
        call()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
        return False
    messages.success(request, success)
    return True
