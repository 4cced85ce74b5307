"""The cost of encryption at rest: a file sealed on its way to disk, and creates with the
encryption switched off in the harness (never in the product: `bootstrap(encrypt=False)`)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from application.principal import Principal
from infrastructure.bootstrap import bootstrap
from infrastructure.customer_keys import CustomerKeys
from infrastructure.encrypted_file_store import EncryptingFileStore
from infrastructure.file_store_local import LocalFileStore
from infrastructure.master_key import MasterKey
from infrastructure.settings import Settings

MiB = 1024 * 1024
BENCH_MASTER_KEY = MasterKey.generate()
CREATES_PER_ROUND = 200


class _OneKey:
    """A key table holding nothing: the bench's one customer key is created in-process."""

    def fetch_keys(self, customer_ids: object) -> dict[uuid.UUID, bytes | None]:
        return {}


def sealed_write_mib_per_second(payload: Path, folder: Path) -> float:
    """Stream the payload through the encrypting store onto local disk (fsync), MiB/s."""
    keys = CustomerKeys(BENCH_MASTER_KEY, _OneKey())
    customer = uuid.uuid4()
    keys.new_key(customer)
    store = EncryptingFileStore(LocalFileStore(folder / "sealed"), keys).for_customer(customer)
    key = f"incoming/{uuid.uuid4()}"
    started = time.perf_counter()
    writer = store.writer(key)
    with payload.open("rb") as source:
        while piece := source.read(MiB):
            writer.write(piece)
    writer.commit()
    elapsed = time.perf_counter() - started
    store.delete(key)
    return payload.stat().st_size / MiB / elapsed


@contextmanager
def create_harness(
    database_url: str, data_dir: Path, encrypt: bool
) -> Iterator[Callable[[], float]]:
    """Creates per second through the application, with or without encryption."""
    settings = Settings(
        database_url=database_url,
        data_dir=data_dir,
        run_projections=False,
        master_key=BENCH_MASTER_KEY,
    )
    services = bootstrap(settings, pool_size=2, encrypt=encrypt)
    try:
        app = services.app
        signed = app.accounts.sign_up(
            "Bench", f"b-{uuid.uuid4().hex[:8]}@bench.example.org", "bench password long", "team"
        )
        principal: Principal = app.accounts.authenticate(signed.token)

        def creates_per_second() -> float:
            started = time.perf_counter()
            for number in range(CREATES_PER_ROUND):
                app.customers.create(principal, f"Kundin {number}", "k@example.org", "Firma")
            return CREATES_PER_ROUND / (time.perf_counter() - started)

        creates_per_second()  # warm-up
        yield creates_per_second
    finally:
        services.close()
