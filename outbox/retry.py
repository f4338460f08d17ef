"""When to retry a delivery: the backoff, give-up and status rules of DESIGN.md, with no I/O."""

from __future__ import annotations

import email.utils
import enum
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime

# Remote-side 4xx answers that say "not now" rather than "never".
RETRYABLE_CLIENT_ERRORS = frozenset({401, 408, 429})


class Verdict(enum.Enum):
    DONE = "done"
    RETRY = "retry"
    FAIL = "fail"


@dataclass(frozen=True)
class Decision:
    """What to do with a delivery after one attempt; `delay` (seconds) is set only for RETRY."""

    verdict: Verdict
    reason: str
    delay: float | None = None
    gave_up: bool = False


@dataclass(frozen=True)
class RetryPolicy:
    base_delay: float = 30.0
    max_delay: float = 86_400.0
    give_up_after: float = 3 * 86_400.0
    jitter: float = 0.1

    def backoff(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `attempts`-th failed attempt (1-based), jittered and capped."""
        exponent = max(attempts, 1) - 1
        # 2**exponent overflows a float long before it matters; the cap wins from ~2**12 on.
        raw = self.max_delay if exponent > 60 else self.base_delay * 2.0**exponent
        spread = 1.0 + (rng or random).uniform(-self.jitter, self.jitter)
        return min(raw * spread, self.max_delay)

    def decide(
        self,
        *,
        status: int | None,
        attempts: int,
        age_seconds: float,
        retry_after: str | None = None,
        final_error: bool = False,
        now: datetime | None = None,
        rng: random.Random | None = None,
    ) -> Decision:
        """Judge one attempt.

        `status` is the HTTP status, or None when no answer came (network error, timeout);
        `final_error` marks failures that no retry can fix (a refused address, say).
        `attempts` counts attempts made so far, this one included; `age_seconds` is the time
        since the delivery was queued.
        """
        if status is not None and 200 <= status < 300:
            return Decision(Verdict.DONE, f"remote answered {status}")
        reason = f"remote answered {status}" if status is not None else "no answer"
        if final_error:
            return Decision(Verdict.FAIL, reason)
        if status is not None and 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS:
            return Decision(Verdict.FAIL, reason)
        delay = self.backoff(attempts, rng)
        wait = parse_retry_after(retry_after, now=now)
        if wait is not None:
            delay = max(delay, min(wait, self.max_delay))
        if age_seconds + delay > self.give_up_after:
            return Decision(
                Verdict.FAIL, f"{reason}; gave up after {attempts} attempts", gave_up=True
            )
        return Decision(Verdict.RETRY, reason, delay)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks us to wait (delta-seconds or an HTTP-date), or None."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are GMT; a zone-less parse means the sender wrote "-0000" or none.
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


DEFAULT_POLICY = RetryPolicy()
