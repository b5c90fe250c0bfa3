from django.apps import AppConfig


class MutualaidConfig(AppConfig):
    name = "mutualaid"
    verbose_name = "系统"

    def ready(self):
        import logging

        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from mutualaid import checks  # noqa: F401 - registers the deployment checks

        security = logging.getLogger("mutualaid.security")

        def failed(sender, credentials, request=None, **kwargs):
            address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
            security.warning("login failed for %r from %s", credentials.get("username", ""), address)

        def succeeded(sender, request, user, **kwargs):
            security.info("login %s from %s", user.get_username(), request.META.get("REMOTE_ADDR", ""))

        user_login_failed.connect(failed, weak=False, dispatch_uid="mutualaid-login-failed")
        user_logged_in.connect(succeeded, weak=False, dispatch_uid="mutualaid-login")
