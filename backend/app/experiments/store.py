"""Experiments in the database: reads and writes, keyword-only. Nothing here commits.

Life cycle: draft (editable) -> running (assigns new conversations) -> stopped (kept for its
results). Only a draft is edited, and at most one experiment runs at a time."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.experiments.schemas import ExperimentIn
from app.models import Experiment, utcnow

NOT_DRAFT_DETAIL = "only a draft experiment can be changed or started"
NOT_RUNNING_DETAIL = "this experiment is not running"
RUNNING_DELETE_DETAIL = "stop the experiment before deleting it"
ANOTHER_RUNNING_DETAIL = "another experiment is running: stop it first"


class WrongState(Exception):
    """The experiment's status does not allow this; str() is the stable 409 detail."""


def create(session: Session, *, body: ExperimentIn) -> Experiment:
    experiment = Experiment(name=body.name, status="draft", variants=_variants(body))
    session.add(experiment)
    session.flush()
    return experiment


def get(session: Session, *, experiment_id: uuid.UUID) -> Experiment | None:
    return session.get(Experiment, experiment_id)


def list_all(session: Session) -> list[Experiment]:
    stmt = select(Experiment).order_by(Experiment.created_at.desc(), Experiment.id)
    return list(session.scalars(stmt))


def running(session: Session) -> Experiment | None:
    return session.scalars(select(Experiment).where(Experiment.status == "running")).first()


def update(session: Session, *, experiment: Experiment, body: ExperimentIn) -> Experiment:
    if experiment.status != "draft":
        raise WrongState(NOT_DRAFT_DETAIL)
    experiment.name = body.name
    experiment.variants = _variants(body)
    session.flush()
    return experiment


def start(session: Session, *, experiment: Experiment) -> Experiment:
    if experiment.status != "draft":
        raise WrongState(NOT_DRAFT_DETAIL)
    if running(session) is not None:
        raise WrongState(ANOTHER_RUNNING_DETAIL)
    experiment.status = "running"
    experiment.started_at = utcnow()
    try:
        session.flush()  # the partial unique index settles a race between two starts
    except IntegrityError:
        session.rollback()
        raise WrongState(ANOTHER_RUNNING_DETAIL) from None
    return experiment


def stop(session: Session, *, experiment: Experiment) -> Experiment:
    if experiment.status != "running":
        raise WrongState(NOT_RUNNING_DETAIL)
    experiment.status = "stopped"
    experiment.stopped_at = utcnow()
    session.flush()
    return experiment


def delete(session: Session, *, experiment: Experiment) -> None:
    """Its conversations stay, no longer counted in any experiment (ON DELETE SET NULL)."""
    if experiment.status == "running":
        raise WrongState(RUNNING_DELETE_DETAIL)
    session.delete(experiment)
    session.flush()


def _variants(body: ExperimentIn) -> list[dict[str, object]]:
    return [v.model_dump(mode="json", exclude_none=True) for v in body.variants]
