from django.urls import URLPattern, URLResolver, path

from . import quote_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("quotes/", views.QuoteListCreateApi.as_view(), name="quotes"),
    path("quotes/<int:quote_id>/", views.QuoteDetailApi.as_view(), name="quote"),
    path("quotes/<int:quote_id>/lines/", views.QuoteLinesApi.as_view(), name="quote_lines"),
    path("quotes/<int:quote_id>/send/", views.QuoteActionApi.as_view(), {"action": "send"}, name="quote_send"),
    path("quotes/<int:quote_id>/accept/", views.QuoteActionApi.as_view(), {"action": "accept"}, name="quote_accept"),
    path("quotes/<int:quote_id>/decline/", views.QuoteActionApi.as_view(), {"action": "decline"}, name="quote_decline"),
    path("quotes/<int:quote_id>/invoice/", views.QuoteInvoiceApi.as_view(), name="quote_invoice"),
    path("quotes/<int:quote_id>/pdf/", views.QuotePdfApi.as_view(), name="quote_pdf"),
]
