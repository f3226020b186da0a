"""Park console API, notices (public host, /api/v1/park/notices/)."""

from django.urls import path

from . import notices as api

urlpatterns = [
    path("", api.NoticeListApi.as_view(), name="park-notice-list"),
    path("create/", api.NoticeCreateApi.as_view(), name="park-notice-create"),
    path("<int:notice_id>/", api.NoticeDetailApi.as_view(), name="park-notice-detail"),
    path("<int:notice_id>/publish/", api.NoticePublishApi.as_view(), name="park-notice-publish"),
    path("<int:notice_id>/withdraw/", api.NoticeWithdrawApi.as_view(), name="park-notice-withdraw"),
    path("<int:notice_id>/attachment/", api.NoticeAttachmentApi.as_view(), name="park-notice-attachment"),
]
