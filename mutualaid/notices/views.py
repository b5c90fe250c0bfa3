"""The 消息 page (each person's in-app messages) and the centre's record of every message sent."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from mutualaid.models import Notice, NoticeChannel, NoticeStatus
from mutualaid.notices.sending import notice_retry
from mutualaid.refusals import refusal_text
from mutualaid.scoping import get_visible_or_404, is_city, role_of


def _staff(request):
    if role_of(request.user) is None:
        raise PermissionDenied


@login_required
@require_GET
def inbox(request):
    _staff(request)
    page = Paginator(Notice.objects.inbox(request.user).order_by("-created_at", "-pk"), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "notices/inbox.html", {"page": page})


@login_required
@require_GET
def notice_open(request, pk):
    """Open a message: it is read now, and the page it is about opens."""
    notice = get_visible_or_404(Notice.objects.inbox(request.user), request.user, pk=pk)
    if notice.read_at is None:
        Notice.objects.filter(pk=notice.pk).update(read_at=timezone.now())
    link = notice.link if notice.link.startswith("/") else ""
    if link and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    return redirect("notices:inbox")


@login_required
@require_POST
def mark_all_read(request):
    _staff(request)
    count = Notice.objects.inbox(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, f"已将 {count} 条消息标为已读。")
    return redirect("notices:inbox")


FAILURES_FIRST = Case(
    When(status=NoticeStatus.FAILED, then=Value(0)),
    When(status=NoticeStatus.RETRYING, then=Value(1)),
    When(status=NoticeStatus.QUEUED, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


@login_required
@require_GET
def sent_log(request):
    """Every message the system sent or tried to send, failures first (DOMAIN.md §13): the centre's."""
    if not is_city(request.user):
        raise PermissionDenied
    notices = Notice.objects.visible_to(request.user).select_related("user")
    status = request.GET.get("status", "")
    if status in NoticeStatus.values:
        notices = notices.filter(status=status)
    channel = request.GET.get("channel", "")
    if channel in NoticeChannel.values:
        notices = notices.filter(channel=channel)
    counts = {
        "failed": Notice.objects.filter(status=NoticeStatus.FAILED).count(),
        "retrying": Notice.objects.filter(status=NoticeStatus.RETRYING).count(),
        "queued": Notice.objects.filter(status=NoticeStatus.QUEUED).count(),
    }
    page = Paginator(notices.order_by(FAILURES_FIRST, "-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "notices/sent.html", {
        "page": page, "status": status, "channel": channel, "counts": counts,
        "statuses": NoticeStatus.choices, "channels": NoticeChannel.choices,
    })  # fmt: skip


@login_required
@require_POST
def retry(request, pk):
    notice = get_visible_or_404(Notice, request.user, pk=pk)
    try:
        notice_retry(actor=request.user, notice=notice)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, "已重新排队发送。")
    return redirect("notices:sent")
