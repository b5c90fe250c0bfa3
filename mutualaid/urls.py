from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from claims import member_views
from enrollment import receipt_views, unit_views
from mutualaid import views
from reports import audit_views, home

admin.site.site_header = "职工医疗互助保障管理系统"
admin.site.site_title = "互助保障管理"
admin.site.index_title = "业务配置"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path("accounts/password/forgot/", views.password_forgot, name="password_forgot"),
    path("accounts/password/forgot/code/", views.password_forgot_code, name="password_forgot_code"),
    path("notices/", include("mutualaid.notices.urls")),
    path("register/", unit_views.registration_new, name="register"),
    path("register/<str:token>/", unit_views.registration_status, name="registration_status"),
    path("r/<str:token>/", receipt_views.receipt_check, name="receipt_check"),  # a receipt's QR code, public
    path("jobs/<uuid:job_id>/", views.job_detail, name="job_detail"),
    path("jobs/<uuid:job_id>/status", views.job_status, name="job_status"),
    path("jobs/<uuid:job_id>/download", views.job_download, name="job_download"),
    path("jobs/<uuid:job_id>/retry", views.job_retry_view, name="job_retry"),
    path("members/<int:pk>/", member_views.member_detail, name="member"),
    path("members/<int:pk>/id/", member_views.member_reveal_id, name="member_reveal_id"),
    path("members/<int:pk>/bank/", member_views.member_bank_account, name="member_bank_account"),
    path("members/<int:pk>/phone/", member_views.member_phone, name="member_phone"),
    path("me/", include("claims.me_urls")),  # the members' own pages (DOMAIN.md §13)
    path("audit/", audit_views.audit_list, name="audit"),
    path("audit/person/", audit_views.person_request, name="audit_person"),
    path("audit/<int:pk>/reveal/", audit_views.audit_reveal, name="audit_reveal"),
    path("enrollment/", include("enrollment.urls")),
    path("claims/", include("claims.urls")),
    path("reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

# MEDIA_ROOT is never served as files: claim documents go out only through the scoped
# download views, which check who is asking.
