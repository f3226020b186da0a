"""The collaboration directory and requests (firm host, /park/directory/)."""

from django.urls import path

from . import views_firm_directory as views

app_name = "firm_directory"

urlpatterns = [
    path("", views.directory_home, name="home"),
    path("profile/", views.profile_edit, name="profile"),
    path("profile/publish/", views.profile_publish, {"action": "publish"}, name="profile_publish"),
    path("profile/unpublish/", views.profile_publish, {"action": "unpublish"}, name="profile_unpublish"),
    path("requests/", views.request_list, name="requests"),
    path("requests/<int:collab_request_id>/", views.request_detail, name="request_detail"),
    path("requests/<int:collab_request_id>/answer/", views.request_answer, name="request_answer"),
    path("requests/<int:collab_request_id>/block/", views.block_from_request, name="request_block"),
    path("blocked/", views.blocked_list, name="blocked"),
    path("blocked/<int:firm_block_id>/unblock/", views.unblock, name="unblock"),
    path("<int:profile_id>/", views.profile_detail, name="profile_detail"),
    path("<int:profile_id>/request/", views.request_send, name="request_send"),
    path("<int:profile_id>/block/", views.block_from_profile, name="profile_block"),
]
