"""Real SMTP servers on the loopback interface, run by aiosmtpd in a thread.

Fixtures:
- `smtp_server`: plain SMTP, no authentication.
- `smtp_auth_server`: requires AUTH LOGIN (PLAIN is not offered) before MAIL,
  without TLS; accepts `tests.support.smtp_loopback.SMTP_USER` / `SMTP_PASSWORD`.
- `smtp_starttls_server`: requires STARTTLS, then AUTH; self-signed certificate.
- `smtps_server`: TLS from the first byte (port 465 style), no authentication.
- `tls_client_context`: an `ssl.SSLContext` trusting the test certificate.

Each yields a `LoopbackSmtpServer` with `.messages` (parsed `EmailMessage`s in
arrival order), `.envelopes`, `.logins` and `.url` (or `.url_with(...)`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.support.smtp_loopback import HOST, LoopbackSmtpServer, serve_smtp


def pytest_configure(config: pytest.Config) -> None:
    # The AUTH-without-TLS server is deliberate; aiosmtpd warns on every connection.
    config.addinivalue_line(
        "filterwarnings", "ignore:Requiring AUTH while not requiring TLS:UserWarning"
    )


@pytest.fixture(scope="session")
def _certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and localhost): (cert, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "docintake test SMTP")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def _server_tls_context(_certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_certificate)
    return context


@pytest.fixture
def tls_client_context(_certificate: tuple[Path, Path]) -> ssl.SSLContext:
    """A verifying client context that trusts only the test certificate."""
    return ssl.create_default_context(cafile=str(_certificate[0]))


def _run(server: LoopbackSmtpServer, **controller_options: Any) -> Iterator[LoopbackSmtpServer]:
    with serve_smtp(server, **controller_options) as running:
        yield running


@pytest.fixture
def smtp_server() -> Iterator[LoopbackSmtpServer]:
    """Plain SMTP without authentication."""
    yield from _run(LoopbackSmtpServer(port=0))


@pytest.fixture
def smtp_auth_server() -> Iterator[LoopbackSmtpServer]:
    """SMTP that refuses MAIL until the client logged in with AUTH LOGIN."""
    server = LoopbackSmtpServer(port=0)
    yield from _run(
        server,
        authenticator=server.authenticate,
        auth_required=True,
        auth_require_tls=False,
        auth_exclude_mechanism=["PLAIN"],
    )


@pytest.fixture
def smtp_starttls_server(_server_tls_context: ssl.SSLContext) -> Iterator[LoopbackSmtpServer]:
    """SMTP that requires STARTTLS and then authentication."""
    server = LoopbackSmtpServer(port=0, query="?starttls=true")
    yield from _run(
        server,
        tls_context=_server_tls_context,
        require_starttls=True,
        authenticator=server.authenticate,
        auth_required=True,
    )


@pytest.fixture
def smtps_server(_server_tls_context: ssl.SSLContext) -> Iterator[LoopbackSmtpServer]:
    """SMTP over TLS from the start (implicit TLS), no authentication."""
    yield from _run(LoopbackSmtpServer(port=0, scheme="smtps"), ssl_context=_server_tls_context)
