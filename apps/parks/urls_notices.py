"""Park console, notices (public host, /park/notices/)."""

from django.urls import path

from . import views_notices as views

app_name = "park_notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("new/", views.notice_new, name="new"),
    path("<int:notice_id>/", views.notice_detail, name="detail"),
    path("<int:notice_id>/edit/", views.notice_edit, name="edit"),
    path("<int:notice_id>/publish/", views.notice_publish, name="publish"),
    path("<int:notice_id>/withdraw/", views.notice_withdraw, name="withdraw"),
    path("<int:notice_id>/delete/", views.notice_delete, name="delete"),
    path("<int:notice_id>/attachment/", views.notice_attachment, name="attachment"),
]
