from __future__ import annotations

from django.conf import settings
from rest_framework import serializers


class SignupInputSerializer(serializers.Serializer):
    firm_name = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=True)
    slug = serializers.CharField(max_length=64, allow_blank=True)
    park = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Ask to join this park (the park approves)."
    )
    invitation = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The token of a park's invitation link: the firm joins that park at once.",
    )
    owner_name = serializers.CharField(max_length=150, allow_blank=True)
    email = serializers.CharField(max_length=254, allow_blank=True)
    password = serializers.CharField(max_length=256, allow_blank=True, trim_whitespace=False, write_only=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="zh-hans")


PARK_STATES = ["none", "member", "pending"]


class SignupCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    status_url = serializers.CharField()
    park_status = serializers.ChoiceField(
        choices=PARK_STATES, help_text="member: in the park; pending: waiting for the park's approval."
    )
    park_name = serializers.CharField()


class SignupStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=["provisioning", "active", "suspended", "closed", "failed"])
    firm_url = serializers.CharField()
    login_url = serializers.CharField()
    park_status = serializers.ChoiceField(
        choices=PARK_STATES, help_text="member: in the park; pending: waiting for the park's approval."
    )
    park_name = serializers.CharField()
