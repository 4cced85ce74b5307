"""What every command shares: its result, its context, and the wrapper that authorises
the caller and runs it again when a concurrent save won the race."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar
from uuid import UUID

from application.permissions import Action, authorize
from application.principal import Principal

if TYPE_CHECKING:
    from application.docintake import DocIntake

P = ParamSpec("P")
R = TypeVar("R")
C = TypeVar("C", bound="Context")


@dataclass(frozen=True)
class Recorded:
    """What a command recorded: the id it is about and the log position to wait for.

    Commands that hand back more (a secret shown once, the state as saved) return
    a subclass, so every command's answer has `id` and `position`.
    """

    id: UUID
    position: int


class Context:
    """The commands of one context (customers, upload links, ...) over the one application."""

    def __init__(self, app: DocIntake) -> None:
        self.app = app


def command(
    action: Action | None,
) -> Callable[
    [Callable[Concatenate[C, Principal, P], R]], Callable[Concatenate[C, Principal, P], R]
]:
    """Authorise the principal for `action`, then run the command, and run it again from
    the start (loading afresh) when a concurrent save of the same aggregates won the race.

    A command so wrapped loads everything it decides on itself and has no effect outside
    the event store before its save.
    """

    def wrap(
        method: Callable[Concatenate[C, Principal, P], R],
    ) -> Callable[Concatenate[C, Principal, P], R]:
        @functools.wraps(method)
        def run(context: C, principal: Principal, /, *args: P.args, **kwargs: P.kwargs) -> R:
            if action is not None:
                authorize(principal, action)
            return context.app.retrying(lambda: method(context, principal, *args, **kwargs))

        run.action = action  # type: ignore[attr-defined]
        return run

    return wrap


def authorize_command(principal: Principal, method: Callable[..., Any]) -> None:
    """Raise `Forbidden` unless the principal may run `method` (a command wrapped by
    `command`), without running it.

    Commands take typed values; an interface parses the request's raw values first. It
    asks this before it parses, so a caller who may not run the command learns 403,
    whatever they sent, and only a caller who may learns 422 about a value.
    """
    if not hasattr(method, "action"):
        raise TypeError(f"{method!r} is not a command")
    action: Action | None = method.action
    if action is not None:
        authorize(principal, action)
