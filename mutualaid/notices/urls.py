from django.urls import path

from mutualaid.notices import views

app_name = "notices"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read/", views.mark_all_read, name="read_all"),
    path("sent/", views.sent_log, name="sent"),
    path("<int:pk>/", views.notice_open, name="open"),
    path("<int:pk>/retry/", views.retry, name="retry"),
]
