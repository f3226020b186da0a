from __future__ import annotations

import uuid

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from apps.parks.onboarding import signup_park_status
from core.api import EmailRateThrottle

from ..selectors import signup_get, signup_status
from ..services import SignupInput, signup_create
from .serializers import SignupCreatedSerializer, SignupInputSerializer, SignupStatusSerializer


class SignupThrottle(AnonRateThrottle):
    rate = "30/hour"


class SignupCreateApi(APIView):
    """Sign a firm up. Answers at once with a URL to follow its provisioning.

    With ``invitation`` (a park's invitation token) the firm is in that park at once; with ``park``
    it asks to join and waits for the park's approval (``park_status`` says which)."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [SignupThrottle, EmailRateThrottle]

    @extend_schema(request=SignupInputSerializer, responses={201: SignupCreatedSerializer})
    def post(self, request: Request) -> Response:
        serializer = SignupInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = signup_create(
            SignupInput(
                firm_name=data["firm_name"],
                slug=data["slug"],
                owner_name=data["owner_name"],
                email=data["email"],
                password=data["password"],
                language=data["language"],
                park_id=data.get("park"),
            ),
            invitation_token=data.get("invitation", ""),
        )
        status_url = request.build_absolute_uri(reverse("api:signup-status", args=[record.id]))
        park = signup_park_status(firm=record.firm)
        body = SignupCreatedSerializer(
            {
                "id": record.id,
                "status": record.firm.status,
                "status_url": status_url,
                "park_status": park.state,
                "park_name": park.park_name,
            }
        )
        return Response(body.data, status=status.HTTP_201_CREATED, headers={"Location": status_url})


class SignupStatusApi(APIView):
    """Where a sign-up stands; ``firm_url`` is where its staff will work."""

    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(responses={200: SignupStatusSerializer})
    def get(self, request: Request, signup_id: uuid.UUID) -> Response:
        record = signup_get(signup_id=signup_id)
        current = signup_status(signup=record, request=request)
        park = signup_park_status(firm=record.firm)
        body = {
            "id": record.id,
            "status": current.status,
            "firm_url": current.firm_url,
            "login_url": current.login_url,
            "park_status": park.state,
            "park_name": park.park_name,
        }
        return Response(SignupStatusSerializer(body).data)
