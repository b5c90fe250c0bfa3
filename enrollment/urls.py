from django.urls import path

from enrollment import views

app_name = "enrollment"
urlpatterns = [
    path("applications/", views.application_list, name="applications"),
    path("applications/new/", views.application_create, name="application_create"),
    path("applications/<str:reference>/", views.application_detail, name="application"),
    path("applications/<str:reference>/template.xlsx", views.roster_template_download, name="roster_template"),
    path("applications/<str:reference>/roster/", views.roster_upload, name="roster_upload"),
    path("applications/<str:reference>/roster-errors.xlsx", views.roster_marked_download, name="roster_marked"),
    path("applications/<str:reference>/roster/apply/", views.roster_apply, name="roster_apply"),
    path("applications/<str:reference>/roster/renew/", views.roster_renew, name="roster_renew"),
    path("applications/<str:reference>/<str:action>/", views.application_action, name="action"),
]
