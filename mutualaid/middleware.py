"""Two guards every response passes through."""

from django.http import HttpResponseBadRequest

from mutualaid.roles import profile_of


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


class FirstPasswordMiddleware:
    """An account created with a system-generated first password (a newly registered unit's clerk)
    can do nothing but change it: every other page sends them to the password form."""

    ALLOWED = ("password_change", "password_change_done", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = profile_of(user)  # read once per request, with the unit or office the pages name
            if profile is not None and profile.must_change_password:
                from django.shortcuts import redirect
                from django.urls import resolve

                match = resolve(request.path_info) if request.path_info else None
                if match is None or match.url_name not in self.ALLOWED:
                    return redirect("password_change")
        return self.get_response(request)
