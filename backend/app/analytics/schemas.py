"""Response bodies of /api/analytics (the OpenAPI schema and the web client come from these)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field

Scope = Literal["mine", "all"]
Dimension = Literal["persona", "voice", "provider", "language"]
Table = Literal["days", "latency", "errors", "breakdown", "comments"]


class DayRow(BaseModel):
    day: dt.date
    conversations: int
    turns: int
    avg_turns: float | None = Field(description="Turns (user messages) per conversation.")
    avg_duration_s: float | None = Field(description="Seconds per ended conversation.")
    interruptions: int
    errors: int
    fallbacks: int


class LatencyRow(BaseModel):
    day: dt.date
    replies: int = Field(description="Replies with a voice-to-voice figure.")
    p50_ms: float | None
    p95_ms: float | None


class ErrorRow(BaseModel):
    source: Literal["stt", "llm", "tts", "backend", "agent"]
    errors: int
    fallbacks: int


class BreakdownRow(BaseModel):
    key: str | None = Field(description="The persona, voice, provider or language; null: unknown.")
    conversations: int
    avg_turns: float | None
    avg_duration_s: float | None
    interruptions: int
    errors: int
    fallbacks: int
    replies: int
    p50_ms: float | None
    p95_ms: float | None
    up: int
    down: int


class RatingComment(BaseModel):
    conversation_id: uuid.UUID
    score: Literal["up", "down"]
    comment: str
    rated_at: dt.datetime


class RatingSummary(BaseModel):
    up: int
    down: int
    up_share: float | None = Field(description="up / (up + down); null without ratings.")


class AnalyticsReport(BaseModel):
    scope: Scope
    first_day: dt.date = Field(alias="from")
    last_day: dt.date = Field(alias="to")
    by: Dimension
    totals: BreakdownRow
    days: list[DayRow]
    latency: list[LatencyRow]
    errors: list[ErrorRow]
    breakdown: list[BreakdownRow]
    ratings: RatingSummary
    comments: list[RatingComment] = Field(description="The newest comments, newest first.")
