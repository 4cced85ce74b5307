"""Every received file is scanned for malware before anyone may download it.

Here: the two modes and the scanner's port. The scan itself is a background job
(`application.jobs.virus_scan_job`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from domain.received_file import ScanState


class VirusScanMode(StrEnum):
    #: Every file waits for a clean scan before it can be downloaded.
    REQUIRED = "required"
    #: No scanner: files are marked "nicht geprüft" (`skipped`) and handed out.
    OFF = "off"


def initial_scan_state(mode: VirusScanMode) -> str:
    """The scan state a newly received file is recorded with."""
    return (ScanState.PENDING if mode is VirusScanMode.REQUIRED else ScanState.SKIPPED).value


@dataclass(frozen=True)
class ScanVerdict:
    """What the scanner said: `signature` names what it found, None when clean."""

    signature: str | None

    @property
    def infected(self) -> bool:
        return self.signature is not None


class ScannerUnavailable(Exception):
    """The scanner could not be reached or gave no verdict; the scan is tried again."""


class VirusScanner(Protocol):
    """Scans a stream of bytes (clamd's INSTREAM in production)."""

    def scan(self, content: Iterator[bytes]) -> ScanVerdict:
        """The verdict on the bytes; raises `ScannerUnavailable` when there is none."""

    def check(self) -> None:
        """Raise if the scanner cannot be reached (used by `/ready`)."""
