from django.urls import path

from . import views

app_name = "finance"

urlpatterns = [
    path("", views.home, name="home"),
    path("vouchers/", views.voucher_list, name="voucher_list"),
    path("vouchers/new/", views.voucher_new, name="voucher_new"),
    path("vouchers/<int:voucher_id>/", views.voucher_detail, name="voucher_detail"),
    path("vouchers/<int:voucher_id>/edit/", views.voucher_edit, name="voucher_edit"),
    path("vouchers/<int:voucher_id>/post/", views.voucher_post, name="voucher_post"),
    path("vouchers/<int:voucher_id>/delete/", views.voucher_delete, name="voucher_delete"),
    path("vouchers/<int:voucher_id>/reverse/", views.voucher_reverse, name="voucher_reverse"),
    path("vouchers/<int:voucher_id>/print/", views.voucher_print, name="voucher_print"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/<str:code>/edit/", views.account_edit, name="account_edit"),
    path("accounts/<str:code>/ledger/", views.account_ledger, name="account_ledger"),
    path("periods/", views.period_list, name="period_list"),
    path("periods/<str:label>/close/", views.period_close, name="period_close"),
    path("periods/<str:label>/reopen/", views.period_reopen, name="period_reopen"),
    path("reports/trial-balance/", views.trial_balance, name="trial_balance"),
    path("reports/balance-sheet/", views.balance_sheet, name="balance_sheet"),
    path("reports/income-statement/", views.income_statement, name="income_statement"),
    path("settings/", views.finance_settings, name="settings"),
]
