"""The park's services seen from a member firm (firm host, /park/services/)."""

from django.urls import path

from . import views_firm_services as views

app_name = "firm_services"

urlpatterns = [
    path("", views.service_list, name="list"),
    path("request/", views.request_new, name="request_new"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:service_request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:service_request_id>/message/", views.request_message, name="request_message"),
]
