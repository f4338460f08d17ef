"""The retry policy: backoff, give-up, status classes and Retry-After."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from outbox.retry import DEFAULT_POLICY, RetryPolicy, Verdict, parse_retry_after

DAY = 86_400.0
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NO_JITTER = RetryPolicy(jitter=0.0)


@pytest.mark.parametrize(("attempts", "expected"), [(1, 30), (2, 60), (3, 120), (10, 15_360)])
def test_backoff_doubles_from_thirty_seconds(attempts: int, expected: float) -> None:
    assert NO_JITTER.backoff(attempts) == expected


@pytest.mark.parametrize("attempts", [13, 14, 40, 10_000])
def test_backoff_is_capped_at_a_day(attempts: int) -> None:
    assert NO_JITTER.backoff(attempts) == DAY
    assert DEFAULT_POLICY.backoff(attempts, random.Random(attempts)) <= DAY


def test_backoff_jitter_stays_within_ten_percent_and_varies() -> None:
    rng = random.Random(7)
    delays = [DEFAULT_POLICY.backoff(3, rng) for _ in range(200)]
    assert all(108 <= d <= 132 for d in delays)
    assert len({round(d, 3) for d in delays}) > 50


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_2xx_is_done(status: int) -> None:
    decision = DEFAULT_POLICY.decide(status=status, attempts=1, age_seconds=0)
    assert decision.verdict is Verdict.DONE and decision.delay is None


@pytest.mark.parametrize("status", [400, 403, 404, 410, 413, 422])
def test_4xx_is_final(status: int) -> None:
    decision = DEFAULT_POLICY.decide(status=status, attempts=1, age_seconds=0)
    assert decision.verdict is Verdict.FAIL
    assert str(status) in decision.reason


@pytest.mark.parametrize("status", [401, 408, 429, 500, 502, 503, 504, 302, None])
def test_401_408_429_5xx_and_network_errors_are_retried(status: int | None) -> None:
    decision = NO_JITTER.decide(status=status, attempts=2, age_seconds=100)
    assert decision.verdict is Verdict.RETRY
    assert decision.delay == 60


def test_a_final_error_fails_even_without_a_status() -> None:
    decision = DEFAULT_POLICY.decide(status=None, attempts=1, age_seconds=0, final_error=True)
    assert decision.verdict is Verdict.FAIL


def test_retry_after_seconds_wins_over_a_shorter_backoff() -> None:
    decision = NO_JITTER.decide(status=429, attempts=1, age_seconds=0, retry_after="3600")
    assert decision.verdict is Verdict.RETRY and decision.delay == 3600


def test_retry_after_shorter_than_backoff_does_not_shorten_it() -> None:
    decision = NO_JITTER.decide(status=503, attempts=5, age_seconds=0, retry_after="1")
    assert decision.delay == 480


def test_retry_after_http_date_is_honoured() -> None:
    header = format_datetime(NOW + timedelta(hours=2), usegmt=True)
    decision = NO_JITTER.decide(status=503, attempts=1, age_seconds=0, retry_after=header, now=NOW)
    assert decision.verdict is Verdict.RETRY and decision.delay == 7200


def test_retry_after_is_capped_at_a_day() -> None:
    decision = NO_JITTER.decide(status=429, attempts=1, age_seconds=0, retry_after="9999999")
    assert decision.delay == DAY


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("Sat, 01 Mar 2025 12:00:30 GMT", 30.0),
        ("Sat, 01 Mar 2025 11:00:00 GMT", 0.0),
        ("Sat, 01 Mar 2025 12:01:00 -0000", 60.0),
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected


def test_gives_up_when_the_next_attempt_would_be_past_three_days() -> None:
    decision = NO_JITTER.decide(status=500, attempts=3, age_seconds=3 * DAY - 100)
    assert decision.verdict is Verdict.FAIL
    assert "gave up after 3 attempts" in decision.reason


def test_keeps_trying_within_three_days() -> None:
    decision = NO_JITTER.decide(status=500, attempts=3, age_seconds=3 * DAY - 200)
    assert decision.verdict is Verdict.RETRY and decision.delay == 120


def test_a_steady_failure_is_given_up_after_about_three_days() -> None:
    age, attempts = 0.0, 0
    rng = random.Random(1)
    while True:
        attempts += 1
        decision = DEFAULT_POLICY.decide(status=None, attempts=attempts, age_seconds=age, rng=rng)
        if decision.verdict is Verdict.FAIL:
            break
        assert decision.delay is not None
        age += decision.delay
    assert 2 * DAY < age <= 3 * DAY
    assert 12 <= attempts <= 16
