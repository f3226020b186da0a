"""Invitation links (public host, /join/): a sign-up bound to the inviting park."""

from django.urls import path

from . import views_onboarding as views

app_name = "park_join"

urlpatterns = [
    path("<str:token>/", views.join, name="signup"),
]
