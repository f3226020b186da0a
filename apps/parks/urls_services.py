"""Park console, service catalogue and requests (public host, /park/services/)."""

from django.urls import path

from . import views_services as views

app_name = "park_services"

urlpatterns = [
    path("", views.service_list, name="list"),
    path("new/", views.service_new, name="new"),
    path("<int:service_id>/edit/", views.service_edit, name="edit"),
    path("<int:service_id>/deactivate/", views.service_deactivate, name="deactivate"),
    path("<int:service_id>/activate/", views.service_activate, name="activate"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:service_request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:service_request_id>/status/", views.request_status, name="request_status"),
    path("requests/<int:service_request_id>/message/", views.request_message, name="request_message"),
]
