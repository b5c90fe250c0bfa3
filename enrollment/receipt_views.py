"""The public check page a receipt's QR code opens (DOMAIN.md §14): anyone holding the receipt sees
whether it is genuine and still valid. The random token in the address is the key; the page shows
the number, the payer, the amount, the date and valid or void, and nothing else."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from enrollment.models import Receipt


@require_GET
def receipt_check(request, token):
    receipt = Receipt.objects.filter(token=token).only(
        "number", "payer_title", "amount", "issued_on", "status"
    ).first()  # fmt: skip
    if receipt is None:
        raise Http404("收据不存在")
    response = render(request, "enrollment/receipt_check.html", {"receipt": receipt})
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
