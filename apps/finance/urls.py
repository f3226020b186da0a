from django.urls import path

from . import views, views_banking, views_invoicing

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
    path("invoices/", views_invoicing.invoice_list, name="invoice_list"),
    path("invoices/new/", views_invoicing.invoice_new, name="invoice_new"),
    path("invoices/<int:invoice_id>/", views_invoicing.invoice_detail, name="invoice_detail"),
    path("invoices/<int:invoice_id>/post/", views_invoicing.invoice_post, name="invoice_post"),
    path("invoices/<int:invoice_id>/delete/", views_invoicing.invoice_delete, name="invoice_delete"),
    path("invoices/<int:invoice_id>/credit-note/", views_invoicing.invoice_credit_note, name="invoice_credit_note"),
    path("payments/", views_invoicing.payment_list, name="payment_list"),
    path("payments/new/", views_invoicing.payment_new, name="payment_new"),
    path("payments/<int:payment_id>/", views_invoicing.payment_detail, name="payment_detail"),
    path("reports/aging/", views_invoicing.aging, name="aging"),
    path("reports/vat/", views_invoicing.vat_summary, name="vat_summary"),
    path("bank/", views_banking.bank, name="bank"),
    path("bank/import/", views_banking.bank_import, name="bank_import"),
    path("bank/auto-match/", views_banking.bank_auto_match, name="bank_auto_match"),
    path("bank/lines/<int:line_id>/match/", views_banking.bank_line_match, name="bank_line_match"),
    path("bank/lines/<int:line_id>/unmatch/", views_banking.bank_line_unmatch, name="bank_line_unmatch"),
    path("bank/reconciliation/", views_banking.bank_reconciliation, name="bank_reconciliation"),
]
