"""Structured output with bounded retries, backoff and an offline fallback marker.

``structured_call`` asks a chat model for one pydantic object through function calling
(``with_structured_output(schema, method="function_calling")``). Transient faults —
timeouts, rate limits (429), server errors (5xx), connection drops — and malformed or
schema-violating replies are retried with exponential backoff; after ``llm_retries``
retries (or at once, for a fault a retry cannot fix, such as a bad key) it gives up and
returns a fallback marker. The caller then runs the offline implementation of the step
and records the marker (graph state ``fallbacks`` → ``run.json``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from nextads.settings import get_settings

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

RETRYABLE_STATUS = frozenset({408, 409, 429})  # plus every 5xx
# Exception class names (any provider SDK, httpx) that mean "try again later".
TRANSIENT_NAMES = ("Timeout", "RateLimit", "ServiceUnavailable", "InternalServer", "APIConnection",
                   "ConnectError", "ResourceExhausted", "DeadlineExceeded", "ServerError")
MAX_REASON_CHARS = 300  # reasons go into run.json: keep them short


class MalformedOutput(Exception):
    """The model replied, but not with a valid instance of the schema."""


@dataclass
class StructuredResult(Generic[T]):
    """The parsed value, or None with ``fallback`` saying why the step must run offline."""

    value: T | None
    attempts: int
    fallback: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.value is not None


def _status_of(exc: BaseException) -> int | None:
    for attr in ("status_code", "code", "status"):
        v = getattr(exc, attr, None)
        if isinstance(v, int):
            return v
    response = getattr(exc, "response", None)
    v = getattr(response, "status_code", None)
    return v if isinstance(v, int) else None


def is_retryable(exc: BaseException) -> bool:
    """Timeouts, rate limits, 5xx, dropped connections and malformed output are worth a retry."""
    if isinstance(exc, (MalformedOutput, ValidationError, TimeoutError, ConnectionError)):
        return True
    status = _status_of(exc)
    if status is not None:
        return status in RETRYABLE_STATUS or 500 <= status < 600
    return any(name in type(exc).__name__ for name in TRANSIENT_NAMES)


def _parse(reply: Any, schema: type[T]) -> T:
    """The schema instance from a ``with_structured_output(..., include_raw=True)`` reply."""
    if isinstance(reply, dict) and "parsed" in reply:
        if reply.get("parsing_error") is not None or reply["parsed"] is None:
            raise MalformedOutput(str(reply.get("parsing_error") or "no tool call in the reply"))
        reply = reply["parsed"]
    if isinstance(reply, schema):
        return reply
    if isinstance(reply, dict):
        return schema.model_validate(reply)
    raise MalformedOutput(f"expected {schema.__name__}, got {type(reply).__name__}")


def structured_call(
    model: Any,
    schema: type[T],
    messages: Sequence[Any],
    *,
    step: str,
    retries: int | None = None,
    backoff_s: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> StructuredResult[T]:
    """Ask ``model`` for a ``schema`` instance; retry transient faults; never raise for them.

    Returns the value, or a fallback marker ``{"step", "reason", "attempts", "model"}``.
    """
    settings = get_settings()
    retries = settings.llm_retries if retries is None else retries
    backoff_s = settings.llm_backoff_s if backoff_s is None else backoff_s
    runnable = model.with_structured_output(schema, method="function_calling", include_raw=True)
    reason, attempts = "", 0
    for attempt in range(retries + 1):
        attempts = attempt + 1
        try:
            return StructuredResult(_parse(runnable.invoke(list(messages)), schema), attempts)
        except Exception as exc:  # noqa: BLE001 -- every fault ends in a retry or a recorded fallback
            reason = f"{type(exc).__name__}: {exc}"[:MAX_REASON_CHARS]
            if not is_retryable(exc):
                break
            log.warning("%s: attempt %d failed (%s)", step, attempts, reason)
            if attempt < retries:
                sleep(backoff_s * 2**attempt)
    name = getattr(model, "model_name", None) or getattr(model, "model", None) or type(model).__name__
    marker = {"step": step, "reason": reason, "attempts": attempts, "model": str(name)}
    log.warning("%s: falling back to the offline implementation (%s)", step, reason)
    return StructuredResult(None, attempts, marker)
