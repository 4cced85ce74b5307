"""Webhook secrets sealed by the master key (AES key wrap), as recorded in events."""

from __future__ import annotations

import base64

from infrastructure.master_key import MasterKey, MasterKeyError


class MasterKeySealer:
    """`fingerprint:base64(wrapped secret)`: the fingerprint names the master key that
    sealed it, so a wrong key is reported as such rather than as a bad signature."""

    def __init__(self, master: MasterKey) -> None:
        self.master = master

    def seal(self, secret: bytes) -> str:
        wrapped = self.master.wrap(secret)
        return f"{self.master.fingerprint}:{base64.b64encode(wrapped).decode()}"

    def open(self, sealed: str) -> bytes:
        fingerprint, _, text = sealed.partition(":")
        if fingerprint != self.master.fingerprint:
            raise MasterKeyError("this webhook secret was sealed by another master key")
        return self.master.unwrap(base64.b64decode(text))
