from django.urls import path

from enrollment import views

app_name = "enrollment"
urlpatterns = [
    path("applications/", views.application_list, name="applications"),
    path("applications/<str:reference>/", views.application_detail, name="application"),
]
