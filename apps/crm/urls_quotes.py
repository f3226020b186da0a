from django.urls import URLPattern, URLResolver, path

from . import views_quotes as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("quotes/", views.quote_list, name="quote_list"),
    path("quotes/new/", views.quote_new, name="quote_new"),
    path("quotes/<int:quote_id>/", views.quote_detail, name="quote_detail"),
    path("quotes/<int:quote_id>/lines/", views.quote_edit, name="quote_edit"),
    path("quotes/<int:quote_id>/send/", views.quote_send, name="quote_send"),
    path("quotes/<int:quote_id>/accept/", views.quote_accept, name="quote_accept"),
    path("quotes/<int:quote_id>/decline/", views.quote_decline, name="quote_decline"),
    path("quotes/<int:quote_id>/invoice/", views.quote_invoice, name="quote_invoice"),
]
