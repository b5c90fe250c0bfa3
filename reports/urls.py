from django.urls import path

from reports import simulate_views, views

app_name = "reports"
urlpatterns = [
    path("applications/<str:reference>/application.pdf", views.application_form, name="application"),
    path("applications/<str:reference>/roster.pdf", views.roster, name="roster"),
    path("applications/<str:reference>/confirmation.pdf", views.confirmation, name="confirmation"),
    path("applications/<str:reference>/deposit-proof.pdf", views.deposit_proof, name="deposit_proof"),
    path("receipts/<int:pk>/receipt.pdf", views.receipt, name="receipt"),
    path("claims/<str:reference>/review-sheet.pdf", views.review_sheet, name="review_sheet"),
    path("batches/<str:reference>/notice.pdf", views.payout_notice, name="payout_notice"),
    path("batches/<str:reference>/review-sheets/", views.batch_review_sheets, name="batch_review_sheets"),
    path("confirmations/", views.period_confirmations, name="period_confirmations"),
    path("statistics/", views.statistics, name="statistics"),
    path("simulate/", simulate_views.simulate_page, name="simulate"),
    path("fund/", simulate_views.fund_page, name="fund"),
    path("simulate/apply/", simulate_views.simulate_apply, name="simulate_apply"),
]
