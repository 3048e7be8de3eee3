"""Pure account rules: argon2 hashes, the doubling sign-in delay, session expiry, role permissions."""

from __future__ import annotations

import pytest

from geo.accounts import (
    MAX_DELAY_SECONDS,
    SESSION_IDLE_SECONDS,
    SESSION_MAX_SECONDS,
    Account,
    AccountError,
    check_name,
    delay_after,
    hash_password,
    password_matches,
    session_expired,
    wait_remaining,
)


def test_a_hash_is_argon2id_salted_and_never_the_password():
    first, second = hash_password("a long password"), hash_password("a long password")
    assert first.startswith("$argon2id$") and first != second and "a long password" not in first
    assert password_matches(first, "a long password") and not password_matches(first, "a long passworD")
    assert not password_matches("not a hash", "a long password")
    with pytest.raises(AccountError):
        hash_password("short")


def test_the_delay_doubles_after_three_failures_and_is_capped():
    assert [delay_after(n) for n in range(7)] == [0, 0, 0, 1, 2, 4, 8]
    assert delay_after(10) == 128 and delay_after(100) == MAX_DELAY_SECONDS
    assert wait_remaining(10, 1000.0, 1000.0) == 128 and wait_remaining(10, 1000.0, 1200.0) == 0
    assert wait_remaining(0, None, 5.0) == 0


def test_sessions_expire_when_idle_and_after_the_maximum():
    assert not session_expired(0, 0, SESSION_IDLE_SECONDS - 1)
    assert session_expired(0, 0, SESSION_IDLE_SECONDS + 1)
    assert session_expired(0, SESSION_MAX_SECONDS, SESSION_MAX_SECONDS + 1)


def test_roles_and_names():
    assert Account("a", "editor").may("propose") and not Account("a", "editor").may("review")
    assert Account("b", "reviewer").may("review") and not Account("c", "viewer").may("propose")
    assert check_name(" alice ") == "alice"
    with pytest.raises(AccountError):
        check_name("<script>")
