"""When to retry and how long to wait (pure functions; the clients do the sleeping).

The statuses come from the spec (``x-retry`` on its error responses, the vendor's ``errors`` and
``idempotency`` pages) as a :class:`RetryPolicy`; the rules (OAI's ``_should_retry`` and
``_calculate_retry_timeout``):

* connection errors and timeouts, and the policy's ``backoff_statuses``: exponential backoff from
  :data:`~._defaults.INITIAL_RETRY_DELAY` doubling to :data:`~._defaults.MAX_RETRY_DELAY`, minus
  up to 25 % jitter; a valid ``Retry-After`` wins when present;
* the policy's ``retry_after_status`` (429): wait ``Retry-After`` (seconds or an HTTP date, RFC 9110
  section 10.2.3); without it, backoff;
* a ``Retry-After`` longer than :data:`~._defaults.MAX_RETRY_AFTER` is not waited for: the error is
  raised with its ``retry_after`` (retrying earlier than the server asked would be refused again);
* the policy's ``delay_status`` (507): wait ``delay_seconds`` and send a new idempotency key; not
  retried when the caller chose the key (a reused key would replay the 507 for an hour);
* POST, PUT and PATCH are retried only when an ``Idempotency-Key`` is sent;
* never more than ``max_retries`` retries.
"""

from __future__ import annotations

import email.utils
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

from ._defaults import INITIAL_RETRY_DELAY, MAX_RETRY_AFTER, MAX_RETRY_DELAY

__all__ = ["RetryDecision", "RetryPolicy", "backoff_delay", "decide_retry", "parse_retry_after"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Which statuses are retried and how (the spec's ``x-retry`` rules; see the module docstring)."""

    backoff_statuses: frozenset[int] = frozenset()
    retry_after_status: int | None = None
    delay_status: int | None = None
    delay_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """Retry after ``delay`` seconds; ``new_idempotency_key`` asks for a fresh key (after a 507)."""

    delay: float
    new_idempotency_key: bool = False


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delay-seconds or an HTTP date.

    ``now`` is the current Unix time (for dates). Returns None for a missing or unparsable value;
    a date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if moment is None:
            return None
        seconds = moment.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def backoff_delay(retries_taken: int) -> float:
    """Exponential backoff for the retry after ``retries_taken`` earlier retries, with jitter (s)."""
    delay = min(INITIAL_RETRY_DELAY * (2.0**retries_taken), MAX_RETRY_DELAY)
    return delay * (1.0 - 0.25 * random.random())


def decide_retry(
    policy: RetryPolicy,
    *,
    status: int | None,
    headers: Mapping[str, str] | None,
    retries_taken: int,
    max_retries: int,
    retryable: bool,
    caller_key: bool,
    now: float,
) -> RetryDecision | None:
    """Whether and when to retry after a response with ``status`` (None: connection error).

    ``retryable`` is False for POST/PUT/PATCH sent without an idempotency key; ``caller_key`` is
    True when the caller chose the idempotency key; ``now`` is the Unix time (``Retry-After`` dates).
    Returns None when the error is final.
    """
    if retries_taken >= max_retries or not retryable:
        return None
    retry_after = parse_retry_after(headers.get("retry-after"), now) if headers is not None else None
    if status is None or status in policy.backoff_statuses or status == policy.retry_after_status:
        if retry_after is None or status is None:
            return RetryDecision(backoff_delay(retries_taken))
        if retry_after > MAX_RETRY_AFTER:
            return None
        return RetryDecision(retry_after)
    if status == policy.delay_status and not caller_key:
        return RetryDecision(policy.delay_seconds, new_idempotency_key=True)
    return None
