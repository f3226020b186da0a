"""The park's notices seen from a member firm (firm host, /park/notices/)."""

from django.urls import path

from . import views_firm_notices as views

app_name = "firm_notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:notice_id>/", views.notice_detail, name="detail"),
    path("<int:notice_id>/attachment/", views.notice_attachment, name="attachment"),
]
