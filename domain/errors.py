"""Domain exceptions: each carries a stable machine code, its values, and an English message.

The message is for API clients and logs; people read the catalogue's sentence for the code
and values (`application.texts.catalogue`), in their language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


class DomainError(Exception):
    """A rule of the domain refused a command."""

    code = "domain_error"
    #: The catalogue's entry, where refusals that share an API code read differently.
    text_code: str | None = None

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        #: The values the refusal is about (a size limit, a file name, ...), for the catalogue.
        self.params: dict[str, Any] = params


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field: a stable code and its values, and the English words
    the API answers with."""

    code: str
    english: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.english


def problem(code: str, english: str, **params: Any) -> Problem:
    return Problem(code, english, params)


class InvalidValue(DomainError):
    """A value did not pass validation; `fields` names each field and its problem (English),
    `problems` the same with codes and values."""

    code = "validation_failed"

    def __init__(self, fields: Mapping[str, str | Problem]) -> None:
        self.problems: dict[str, Problem] = {
            name: found if isinstance(found, Problem) else Problem("invalid", found)
            for name, found in fields.items()
        }
        self.fields: dict[str, str] = {name: p.english for name, p in self.problems.items()}
        super().__init__("; ".join(f"{name}: {text}" for name, text in self.fields.items()))

    @classmethod
    def single(cls, field: str, problem: str | Problem) -> InvalidValue:
        return cls({field: problem})


def all_checked(checks: Mapping[str, Callable[[], T]]) -> dict[str, T]:
    """Every field checked before anything changes: each check's result by field, or one
    `InvalidValue` naming every field whose check failed."""
    checked: dict[str, T] = {}
    problems: dict[str, str | Problem] = {}
    for name, check in checks.items():
        try:
            checked[name] = check()
        except InvalidValue as invalid:
            problems.update(invalid.problems)
    if problems:
        raise InvalidValue(problems)
    return checked


class PlanLimitReached(DomainError):
    """The organisation's plan allows no more customers."""

    code = "plan_limit_reached"


class CustomerAlreadyDeleted(DomainError):
    code = "not_found"


class NoteNotFound(DomainError):
    """The customer has no (longer a) note of that id."""

    code = "not_found"


class NoteNotYours(DomainError):
    """Only a note's author, an admin or an owner may change or delete it."""

    code = "forbidden"
    text_code = "note_not_yours"
