"""The dummy hash that keeps logins for unknown addresses as slow as real ones."""

from __future__ import annotations

from argon2 import PasswordHasher, extract_parameters

from application import passwords


def test_the_dummy_hash_costs_what_a_real_hash_costs() -> None:
    production = PasswordHasher()
    dummy = extract_parameters(passwords.DUMMY_HASH)
    real = extract_parameters(production.hash("Kündigung – 2024 Straße"))
    assert (dummy.type, dummy.time_cost, dummy.memory_cost, dummy.parallelism) == (
        real.type,
        real.time_cost,
        real.memory_cost,
        real.parallelism,
    )
    assert production.verify(passwords.DUMMY_HASH, "docintake-dummy-password")


def test_an_unknown_address_never_verifies() -> None:
    assert not passwords.verify_password(None, "docintake-dummy-password")
