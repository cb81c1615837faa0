"""A private certificate authority for the sandbox services' HTTPS.

The CA and the server certificate are generated at run time (never committed)
into a state directory. Clients trust the CA through ``REQUESTS_CA_BUNDLE``;
nothing ever switches certificate verification off.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class TlsFiles:
    """Where the sandbox's CA bundle, server certificate chain and key live."""

    ca_bundle: Path
    cert_chain: Path
    private_key: Path

    def server_context(self) -> ssl.SSLContext:
        """Return a TLS server context presenting the sandbox certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_chain, self.private_key)
        return context


DEFAULT_HOSTNAMES = ("127.0.0.1", "localhost")


def ensure_tls_files(state_dir: Path, hostnames: tuple[str, ...] = DEFAULT_HOSTNAMES) -> TlsFiles:
    """Create the sandbox CA and a server certificate for ``hostnames``, once per state dir.

    In docker-compose the services are reached by their service name, which
    is then added to the certificate's names.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    names_file = state_dir / "sandbox-server.names"
    files = TlsFiles(
        ca_bundle=state_dir / "sandbox-ca.pem",
        cert_chain=state_dir / "sandbox-server.pem",
        private_key=state_dir / "sandbox-server.key",
    )
    names = ",".join(hostnames)
    present = all(
        path.exists() for path in (files.ca_bundle, files.cert_chain, files.private_key, names_file)
    )
    if present and names_file.read_text() == names:
        return files
    ca = trustme.CA(organization_name="Recruit AI sync sandbox")
    server = ca.issue_cert(*hostnames)
    ca.cert_pem.write_to_path(str(files.ca_bundle))
    server.private_key_pem.write_to_path(str(files.private_key))
    files.private_key.chmod(0o600)
    with files.cert_chain.open("wb") as chain:
        for blob in server.cert_chain_pems:
            chain.write(blob.bytes())
    names_file.write_text(names)
    return files
