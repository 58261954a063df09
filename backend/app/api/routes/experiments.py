"""/api/experiments: A/B experiments, for operators only (403 for anyone else). Create and
edit a draft, start it (new conversations are then assigned a variant), stop it, read its
results per variant; docs/experiments.md."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, HTTPException, status

from app.api.deps import (
    BODY_ERRORS,
    OPERATOR_ONLY_DETAIL,
    USER_ERRORS,
    OperatorAccount,
    SessionDep,
    SettingsDep,
)
from app.experiments import store
from app.experiments.results import ExperimentResults, results
from app.experiments.schemas import (
    CHECK_DETAILS,
    ExperimentIn,
    ExperimentOut,
    InvalidExperiment,
    check,
)
from app.models import Experiment

router = APIRouter(
    prefix="/experiments",
    tags=["experiments"],
    responses={
        **USER_ERRORS,
        403: {"description": f"{USER_ERRORS[403]['description']} | {OPERATOR_ONLY_DETAIL}"},
    },
)

NOT_FOUND_DETAIL = "experiment not found"
BODYLESS_PATH_SUFFIXES = ("/start", "/stop")  # POST …/{id}/start and …/stop take no body
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": NOT_FOUND_DETAIL}}
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {"description": " | ".join(CHECK_DETAILS) + " | invalid body"}
}
_STATE = (
    store.NOT_DRAFT_DETAIL,
    store.NOT_RUNNING_DETAIL,
    store.ANOTHER_RUNNING_DETAIL,
    store.RUNNING_DELETE_DETAIL,
)
_CONFLICT: dict[int | str, dict[str, Any]] = {409: {"description": " | ".join(_STATE)}}


@router.get("")
def list_experiments(_operator: OperatorAccount, session: SessionDep) -> list[ExperimentOut]:
    """Every experiment, newest first."""
    return [ExperimentOut.model_validate(e) for e in store.list_all(session)]


@router.post("", status_code=status.HTTP_201_CREATED, responses={**_INVALID, **BODY_ERRORS})
def create_experiment(
    body: ExperimentIn, _operator: OperatorAccount, session: SessionDep, settings: SettingsDep
) -> ExperimentOut:
    """A draft experiment; the first variant is the control."""
    _check(body, settings)
    experiment = store.create(session, body=body)
    session.commit()
    return ExperimentOut.model_validate(experiment)


@router.get("/{experiment_id}", responses=_NOT_FOUND)
def read_experiment(
    experiment_id: uuid.UUID, _operator: OperatorAccount, session: SessionDep
) -> ExperimentOut:
    return ExperimentOut.model_validate(_get(session, experiment_id))


@router.put("/{experiment_id}", responses={**_NOT_FOUND, **_INVALID, **_CONFLICT, **BODY_ERRORS})
def update_experiment(
    experiment_id: uuid.UUID,
    body: ExperimentIn,
    _operator: OperatorAccount,
    session: SessionDep,
    settings: SettingsDep,
) -> ExperimentOut:
    """Replace a draft's name and variants (a started experiment is never changed)."""
    _check(body, settings)
    experiment = _get(session, experiment_id)
    with _conflict():
        store.update(session, experiment=experiment, body=body)
    session.commit()
    return ExperimentOut.model_validate(experiment)


@router.post("/{experiment_id}/start", responses={**_NOT_FOUND, **_CONFLICT})
def start_experiment(
    experiment_id: uuid.UUID, _operator: OperatorAccount, session: SessionDep
) -> ExperimentOut:
    """Run a draft: every new conversation gets a variant. One experiment runs at a time."""
    return _change(session, experiment_id, store.start)


@router.post("/{experiment_id}/stop", responses={**_NOT_FOUND, **_CONFLICT})
def stop_experiment(
    experiment_id: uuid.UUID, _operator: OperatorAccount, session: SessionDep
) -> ExperimentOut:
    """No more assignments; its conversations and results stay."""
    return _change(session, experiment_id, store.stop)


@router.delete(
    "/{experiment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_NOT_FOUND, **_CONFLICT},
)
def delete_experiment(
    experiment_id: uuid.UUID, _operator: OperatorAccount, session: SessionDep
) -> None:
    """Delete a draft or stopped experiment; its conversations stay, unassigned."""
    experiment = _get(session, experiment_id)
    with _conflict():
        store.delete(session, experiment=experiment)
    session.commit()


@router.get("/{experiment_id}/results", responses=_NOT_FOUND)
def read_results(
    experiment_id: uuid.UUID, _operator: OperatorAccount, session: SessionDep
) -> ExperimentResults:
    """Per variant: conversations, thumbs-up share, error rate, mean voice-to-voice
    latency, turns and interruptions per conversation, each with its 95 % interval and
    whether it differs significantly from the control (the first variant)."""
    return results(session, _get(session, experiment_id))


def _get(session: SessionDep, experiment_id: uuid.UUID) -> Experiment:
    experiment = store.get(session, experiment_id=experiment_id)
    if experiment is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND_DETAIL)
    return experiment


def _check(body: ExperimentIn, settings: SettingsDep) -> None:
    try:
        check(body, settings.catalog)
    except InvalidExperiment as e:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(e)) from None


@contextmanager
def _conflict() -> Iterator[None]:
    """store.WrongState becomes 409 with its stable detail."""
    try:
        yield
    except store.WrongState as e:
        raise HTTPException(status.HTTP_409_CONFLICT, str(e)) from None


def _change(
    session: SessionDep, experiment_id: uuid.UUID, change: Callable[..., Experiment]
) -> ExperimentOut:
    """Start or stop the experiment (409 where its state does not allow it)."""
    experiment = _get(session, experiment_id)
    with _conflict():
        change(session, experiment=experiment)
    session.commit()
    return ExperimentOut.model_validate(experiment)
