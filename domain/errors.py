"""Domain exceptions: each carries a stable machine code and a human message."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused a command."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValue(DomainError):
    """A value did not pass validation; `fields` names each field and its problem."""

    code = "validation_failed"

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {problem}" for name, problem in fields.items()))
        self.fields = fields

    @classmethod
    def single(cls, field: str, problem: str) -> InvalidValue:
        return cls({field: problem})


class PlanLimitReached(DomainError):
    """The organisation's plan allows no more customers."""

    code = "plan_limit_reached"


class CustomerAlreadyDeleted(DomainError):
    code = "not_found"
