from django.urls import path

from enrollment import payment_views, unit_views, views

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
    path("applications/<str:reference>/edit/", views.application_edit, name="application_edit"),
    path("applications/<str:reference>/funding/", views.application_funding, name="application_funding"),
    path("applications/<str:reference>/people/", views.person_add, name="person_add"),
    path("applications/<str:reference>/people/<int:line_id>/remove/", views.line_remove, name="line_remove"),
    path("applications/<str:reference>/people/<int:line_id>/shares/", views.line_shares, name="line_shares"),
    path("applications/<str:reference>/people/shares/", views.shares_all, name="shares_all"),
    path("applications/<str:reference>/documents/<str:kind>/", views.document_upload, name="document_upload"),
    path("applications/<str:reference>/documents/<int:pk>/view/", views.document_view, name="document"),
    path("applications/<str:reference>/refund/", payment_views.refund, name="refund"),
    path("applications/<str:reference>/deposit/", payment_views.deposit, name="deposit"),
    path("applications/<str:reference>/<str:action>/", views.application_action, name="action"),
    path("payments/", payment_views.overview, name="payments"),
    path("payments/import/", payment_views.statement_upload, name="statement_upload"),
    path("payments/import/confirm/", payment_views.statement_confirm, name="statement_confirm"),
    path("payments/queue/", payment_views.queue, name="payment_queue"),
    path("payments/lines/<int:pk>/<str:action>/", payment_views.line_action, name="line_action"),
    path("payments/<int:pk>/undo/", payment_views.payment_undo, name="payment_undo"),
    path("registrations/", unit_views.registration_list, name="registrations"),
    path("registrations/<int:pk>/", unit_views.registration_detail, name="registration"),
    path(
        "registrations/<int:pk>/documents/<int:document_pk>/",
        unit_views.registration_document,
        name="registration_document",
    ),
    path("registrations/<int:pk>/<str:action>/", unit_views.registration_action, name="registration_action"),
    path("first-password/", unit_views.first_password, name="first_password"),
    path("clerks/", unit_views.clerk_list, name="clerks"),
    path("clerks/<int:pk>/first-password/", unit_views.clerk_first_password, name="clerk_first_password"),
    path("unit/", unit_views.unit_edit, name="unit"),
]
