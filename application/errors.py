"""Refusals of the application layer, each with the stable code of the HTTP contract."""

from __future__ import annotations

from domain.errors import DomainError


class NotFound(DomainError):
    """Nothing of that id in the caller's organisation (also: it belongs to another one)."""

    code = "not_found"


class Erased(NotFound):
    """It existed, but its customer was deleted and erased: nothing of it can be read."""


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Forbidden(DomainError):
    code = "forbidden"


class Conflict(DomainError):
    code = "conflict"


class AccountExists(Conflict):
    """An invitation to an address that has an account already (in another organisation)."""

    text_code = "account_exists"


class AlreadyInvited(Conflict):
    """A second invitation to an address whose first is still open."""

    text_code = "already_invited"


class AlreadyMember(Conflict):
    """An invitation to someone who is a member already."""

    text_code = "already_member"


class StoredFileDamaged(DomainError):
    """The stored bytes of a file do not authenticate: nothing of them is handed out."""

    code = "file_damaged"
