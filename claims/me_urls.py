from django.urls import path

from claims import me_views

app_name = "me"
urlpatterns = [
    path("", me_views.home, name="home"),
    path("login/", me_views.login, name="login"),
    path("login/code/", me_views.send_code, name="send_code"),
    path("logout/", me_views.logout, name="logout"),
    path("notices/", me_views.notices_setting, name="notices"),
    path("claims/new/", me_views.claim_new, name="claim_new"),
    path("claims/estimate/", me_views.claim_estimate, name="estimate"),
    path("claims/<str:reference>/", me_views.claim_detail, name="claim"),
    path("claims/<str:reference>/send/", me_views.claim_resend, name="claim_resend"),
]
