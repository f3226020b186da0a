"""The parks' jobs (Procrastinate finds this module): the activity figures the park console
reads, and collaboration requests turned into leads inside the recipient's schema."""

from __future__ import annotations

from .activity import collect_activity as collect_activity
from .collaboration import collaboration_lead_create as collaboration_lead_create
