"""Two guards every response passes through."""

from django.http import HttpResponseBadRequest


class RejectNulBytesMiddleware:
    """A NUL byte in a path, query or form field is never legitimate here; PostgreSQL would refuse
    it deep inside a view (a 500). Answer 400 at the door instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.path_info:
            return HttpResponseBadRequest("请求中含有无效字符。".encode(), content_type="text/plain; charset=utf-8")
        if request.method == "POST" and any("\x00" in value for _, values in request.POST.lists() for value in values):
            return HttpResponseBadRequest("表单中含有无效字符。".encode(), content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages, downloads and exports behind login hold ID numbers and accounts: no browser or proxy
    may keep a copy (Cache-Control: no-store)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response
