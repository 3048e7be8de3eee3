"""Accounts for editors, reviewers and admins (viewers never sign in): roles, password hashes,
the sign-in delay and session expiry. Pure functions; the store keeps the accounts (geo.store.users).

Passwords are hashed with argon2id (argon2-cffi's PasswordHasher defaults); the clear password is
never stored, logged or put in session state.
"""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.i18n import N_, _

ROLES: tuple[str, ...] = ("editor", "reviewer", "admin")
ROLE_LABELS: dict[str, str] = {"editor": N_("editor"), "reviewer": N_("reviewer"), "admin": N_("admin")}
# What each role may do. Every write checks this on the server (geo.store.review), not by hiding pages.
PERMISSIONS: dict[str, frozenset[str]] = {
    "editor": frozenset({"propose"}),
    "reviewer": frozenset({"propose", "review"}),
    "admin": frozenset({"propose", "review", "manage_accounts"}),
}
MIN_PASSWORD_LENGTH = 10
# Failed sign-ins: the first FREE_FAILURES cost nothing; after that each one doubles the wait before
# the next attempt is even checked (1 s, 2 s, 4 s … up to MAX_DELAY_SECONDS), per account and per session.
FREE_FAILURES = 3
MAX_DELAY_SECONDS = 900
# A session ends after this long without a rerun, and after SESSION_MAX_SECONDS in any case.
SESSION_IDLE_SECONDS = 30 * 60
SESSION_MAX_SECONDS = 8 * 60 * 60

_hasher = PasswordHasher()


class AccountError(ValueError):
    """An account cannot be created or used; the message says why."""


@dataclass(frozen=True)
class Account:
    name: str
    role: str

    def may(self, action: str) -> bool:
        return action in PERMISSIONS.get(self.role, frozenset())


def role_label(role: str) -> str:
    """A role's name in the active language (an unknown role as it is)."""
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else role


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-@" for c in name):
        raise AccountError("an account name is 1–64 letters, digits or . _ - @")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    return role


def delay_after(failures: int) -> float:
    """Seconds to wait after `failures` consecutive failed sign-ins before the next one is checked."""
    if failures < FREE_FAILURES:
        return 0.0
    return float(min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS))


def wait_remaining(failures: int, last_failure: float | None, now: float) -> float:
    """How long until a sign-in may be tried again (0: now)."""
    if last_failure is None:
        return 0.0
    return max(0.0, last_failure + delay_after(failures) - now)


def session_expired(signed_in_at: float, last_seen: float, now: float) -> bool:
    return now - last_seen > SESSION_IDLE_SECONDS or now - signed_in_at > SESSION_MAX_SECONDS
