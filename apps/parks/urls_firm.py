"""A firm's park membership (firm host, /park/): join, leave, what it shares."""

from django.urls import path

from . import views_firm as views

app_name = "firm_park"

urlpatterns = [
    path("", views.membership, name="home"),
    path("join/", views.join, name="join"),
    path("join/withdraw/", views.withdraw, name="withdraw"),
    path("leave/", views.leave, name="leave"),
    path("settings/", views.park_settings, name="settings"),
]
