"""The application's clock set back for a step of a test's set-up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest

from infrastructure.bootstrap import Services


@contextmanager
def made_at(services: Services, moment: datetime) -> Iterator[None]:
    """What the block makes through `services` (in this process) is made at `moment`: a link
    is created already past its expiry or due date instead of the test sleeping until then.
    Only the application's clock (`services.app.now`) is set back, and only for the block."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services.app, "now", lambda: moment)
        yield
