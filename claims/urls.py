from django.urls import path

from claims import history_views, views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("new/", views.claim_create, name="create"),
    path("estimate/", views.claim_estimate, name="estimate"),
    path("batches/", views.batch_list, name="batches"),
    path("batches/<str:reference>/", views.batch_detail, name="batch"),
    path("batches/<str:reference>/export/", views.batch_export, name="batch_export"),
    path("batches/<str:reference>/pay/", views.batch_pay, name="batch_pay"),
    path("batches/<str:reference>/bounce/", views.batch_bounce, name="batch_bounce"),
    path("history/", history_views.history_page, name="history"),
    path("history/confirm/", history_views.history_confirm, name="history_confirm"),
    path("history/totals.xlsx", history_views.history_totals, name="history_totals"),
    path("<str:reference>/", views.claim_detail, name="detail"),
    path("<str:reference>/edit/", views.claim_edit, name="edit"),
    path("<str:reference>/documents/", views.claim_upload, name="upload"),
    path("<str:reference>/documents/<int:pk>/", views.claim_document, name="document"),
    path("<str:reference>/<str:action>/", views.claim_action, name="action"),
]
