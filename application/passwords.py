"""Password hashing with argon2 (argon2-cffi's current recommended parameters)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from domain.errors import InvalidValue, problem

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 1024

_hasher = PasswordHasher()
# Verifying against this keeps a login for an unknown e-mail as slow as a real one. It is
# a hash of a known dummy password at the hasher's parameters, written out rather than
# computed at import (which cost every process start half a second of CPU);
# tests/unit/test_passwords.py checks that its parameters are the hasher's.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$xxCsKMKsd9q9m0CbVZfduw$TV0JepwUcDkSpaq3MwvP073lmD9p3yZG0eWvnwJaJjg"
)
#: What an unknown address is verified against: `DUMMY_HASH`, or, where another hasher is
#: swapped in (the tests' cheapest argon2), a hash at that hasher's parameters.
_dummy_hash = DUMMY_HASH


def validate_password(password: object, field: str = "password") -> str:
    if not isinstance(password, str):
        raise InvalidValue.single(field, problem("required", "is required"))
    if len(password) < PASSWORD_MIN_LENGTH:
        raise InvalidValue.single(
            field,
            problem(
                "too_short",
                f"must be at least {PASSWORD_MIN_LENGTH} characters",
                limit=PASSWORD_MIN_LENGTH,
            ),
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise InvalidValue.single(
            field,
            problem(
                "too_long",
                f"must be at most {PASSWORD_MAX_LENGTH} characters",
                limit=PASSWORD_MAX_LENGTH,
            ),
        )
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
