"""A member firm's API for its park's notices (firm host, /api/v1/park/notices/)."""

from django.urls import path

from . import notices as api

urlpatterns = [
    path("", api.FirmNoticeListApi.as_view(), name="firm-park-notice-list"),
    path("<int:notice_id>/", api.FirmNoticeDetailApi.as_view(), name="firm-park-notice-detail"),
    path("<int:notice_id>/attachment/", api.FirmNoticeAttachmentApi.as_view(), name="firm-park-notice-attachment"),
]
