"""A self-signed certificate for the simulator, generated at start (or reused from the cert dir)."""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CERT_NAME = "cucm-axl-sim.crt"
KEY_NAME = "cucm-axl-sim.key"


def _names(host):
    names = {"localhost", "127.0.0.1", "::1", host}
    sans = []
    for name in sorted(names):
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            sans.append(x509.DNSName(name))
    return sans


def ensure_certificate(cert_dir, host):
    """Return ``(cert_path, key_path)`` in ``cert_dir``, creating a self-signed pair if needed.

    The certificate is its own issuer with CA:TRUE, so a client can trust it with ``ca_path``.
    An existing pair is reused when it covers ``host`` (clients keep trusting it across restarts).
    """
    cert_path, key_path = os.path.join(cert_dir, CERT_NAME), os.path.join(cert_dir, KEY_NAME)
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(cert_path, "rb") as handle:
            existing = x509.load_pem_x509_certificate(handle.read())
        try:
            covered = existing.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            if all(name in covered for name in _names(host)):
                return cert_path, key_path
        except x509.ExtensionNotFound:
            pass
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "cucm-axl-sim (self-signed)")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(_names(host)), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    os.makedirs(cert_dir, exist_ok=True)
    with open(key_path, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    os.chmod(key_path, 0o600)
    with open(cert_path, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
