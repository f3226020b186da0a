from django.urls import path

from . import views

app_name = "finance_api"

urlpatterns = [
    path("accounts/", views.AccountListCreateApi.as_view(), name="accounts"),
    path("accounts/<str:code>/", views.AccountDetailApi.as_view(), name="account"),
    path("vouchers/", views.VoucherListCreateApi.as_view(), name="vouchers"),
    path("vouchers/<int:voucher_id>/", views.VoucherDetailApi.as_view(), name="voucher"),
    path("vouchers/<int:voucher_id>/attachments/", views.VoucherAttachmentListCreateApi.as_view(), name="attachments"),
    path("attachments/<int:attachment_id>/", views.AttachmentDetailApi.as_view(), name="attachment"),
    path("vouchers/<int:voucher_id>/pdf/", views.VoucherPdfApi.as_view(), name="voucher_pdf"),
    path("vouchers/<int:voucher_id>/post/", views.VoucherPostApi.as_view(), name="voucher_post"),
    path("vouchers/<int:voucher_id>/reverse/", views.VoucherReverseApi.as_view(), name="voucher_reverse"),
    path("periods/", views.PeriodListApi.as_view(), name="periods"),
    path("periods/<str:period>/close/", views.PeriodCloseApi.as_view(), name="period_close"),
    path("periods/<str:period>/reopen/", views.PeriodReopenApi.as_view(), name="period_reopen"),
    path("invoices/", views.InvoiceListCreateApi.as_view(), name="invoices"),
    path("invoices/<int:invoice_id>/", views.InvoiceDetailApi.as_view(), name="invoice"),
    path("invoices/<int:invoice_id>/post/", views.InvoicePostApi.as_view(), name="invoice_post"),
    path("invoices/<int:invoice_id>/credit-note/", views.InvoiceCreditNoteApi.as_view(), name="invoice_credit_note"),
    path("payments/", views.PaymentListCreateApi.as_view(), name="payments"),
    path("reports/aging/", views.AgingApi.as_view(), name="aging"),
    path("reports/vat-summary/", views.VatSummaryApi.as_view(), name="vat_summary"),
    path("bank/statements/import/", views.StatementImportApi.as_view(), name="statement_import"),
    path("bank/statement-lines/", views.StatementLineListApi.as_view(), name="statement_lines"),
    path("bank/statement-lines/<int:line_id>/match/", views.StatementLineMatchApi.as_view(), name="statement_match"),
    path(
        "bank/statement-lines/<int:line_id>/unmatch/", views.StatementLineUnmatchApi.as_view(), name="statement_unmatch"
    ),
    path("bank/suggestions/", views.MatchSuggestionsApi.as_view(), name="match_suggestions"),
    path("bank/auto-match/", views.AutoMatchApi.as_view(), name="auto_match"),
    path("reports/bank-reconciliation/", views.ReconciliationApi.as_view(), name="bank_reconciliation"),
    path("reports/general-ledger/", views.GeneralLedgerApi.as_view(), name="general_ledger"),
    path("reports/cash-journal/", views.CashJournalApi.as_view(), name="cash_journal"),
    path("reports/trial-balance/", views.TrialBalanceApi.as_view(), name="trial_balance"),
    path("reports/balance-sheet/", views.BalanceSheetApi.as_view(), name="balance_sheet"),
    path("reports/income-statement/", views.IncomeStatementApi.as_view(), name="income_statement"),
    path("reports/account-ledger/", views.AccountLedgerApi.as_view(), name="account_ledger"),
]
