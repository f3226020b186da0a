from __future__ import annotations

from rest_framework import serializers

from ..models import Invitation, User


class UserOutputSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "language", "is_active", "date_joined"]


class InvitationOutputSerializer(serializers.ModelSerializer[Invitation]):
    invited_by = serializers.CharField(source="invited_by.email")
    state = serializers.CharField()

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "invited_by", "created_at", "expires_at", "state"]


class InvitationInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    role = serializers.ChoiceField(choices=Invitation.Role.choices, default=Invitation.Role.MEMBER)


class TokenInputSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=256, trim_whitespace=False, write_only=True)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once; send it as 'Authorization: Bearer <token>'.")
    expires_at = serializers.DateTimeField()
    scopes = serializers.ListField(child=serializers.CharField())
