from django.apps import AppConfig


class MutualaidConfig(AppConfig):
    name = "mutualaid"
    verbose_name = "系统"

    def ready(self):
        import logging

        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from mutualaid import checks  # noqa: F401 - registers the deployment checks
        from mutualaid.models import audit

        security = logging.getLogger("mutualaid.security")

        def address(request):
            return request.META.get("REMOTE_ADDR", "") if request is not None else ""

        def failed(sender, credentials, request=None, **kwargs):
            name = str(credentials.get("username", ""))[:150]
            security.warning("login failed for %r from %s", name, address(request))
            account = get_user_model().objects.filter(username=name).first()
            audit(actor=None, obj=account, subject=name, action="login_failed", data={"address": address(request)})

        def succeeded(sender, request, user, **kwargs):
            security.info("login %s from %s", user.get_username(), address(request))
            audit(actor=user, obj=user, action="login", data={"address": address(request)})

        def left(sender, request, user, **kwargs):
            if user is not None:
                audit(actor=user, obj=user, action="logout", data={"address": address(request)})

        user_login_failed.connect(failed, weak=False, dispatch_uid="mutualaid-login-failed")
        user_logged_in.connect(succeeded, weak=False, dispatch_uid="mutualaid-login")
        user_logged_out.connect(left, weak=False, dispatch_uid="mutualaid-logout")
