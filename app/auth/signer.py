"""Pluggable signing of ESIA requests (client_secret).

The key never lives in this process: production keys are GOST R 34.10-2012 keys held by
CryptoPro CSP or by OpenSSL with a GOST engine. ESIA_SIGNER_COMMAND is a shell command that
reads the bytes to sign on stdin and prints the detached signature on stdout, either as raw
DER/binary or as base64 (PEM armour allowed). `sign` returns the raw signature bytes;
`sign_b64url` the base64url text ESIA expects in client_secret. See docs/esia.md.
"""
import base64
import binascii
import logging
import re
import subprocess

log = logging.getLogger(__name__)

_BASE64_TEXT = re.compile(rb"^[A-Za-z0-9+/=_\-\s]+$")
_PEM_LINE = re.compile(rb"^-----(BEGIN|END) [^-]+-----$")


class SignerError(Exception):
    """The signing command is missing, failed, timed out or printed nothing usable."""


def sign(data: bytes, command: str | None = None, timeout: float | None = None) -> bytes:
    """Sign `data` with the configured external command; the signature as raw bytes."""
    if command is None or timeout is None:
        from flask import current_app

        command = command if command is not None else current_app.config.get("ESIA_SIGNER_COMMAND")
        timeout = timeout if timeout is not None else current_app.config.get("ESIA_TIMEOUT", 10)
    if not command:
        raise SignerError("ESIA_SIGNER_COMMAND is not set")
    try:
        done = subprocess.run(
            command, shell=True, input=data, capture_output=True, timeout=float(timeout),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise SignerError(f"signer command timed out after {timeout} s") from exc
    except OSError as exc:
        raise SignerError(f"signer command could not start: {exc}") from exc
    if done.returncode != 0:
        stderr = done.stderr.decode("utf-8", "replace").strip()[:500]
        raise SignerError(f"signer command exited with {done.returncode}: {stderr}")
    signature = _decode(done.stdout)
    if not signature:
        raise SignerError("signer command printed no signature")
    return signature


def sign_b64url(data: bytes, **kwargs) -> str:
    """The signature as unpadded base64url text (the form of ESIA's client_secret)."""
    return b64url(sign(data, **kwargs))


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(output: bytes) -> bytes:
    """Raw DER/binary as is; base64 or PEM text decoded to bytes."""
    text = output.strip()
    if not text:
        return b""
    if text.startswith(b"-----BEGIN"):
        body = b"".join(line for line in text.splitlines() if not _PEM_LINE.match(line.strip()))
        return _b64decode(body)
    if _BASE64_TEXT.match(text):
        try:
            return _b64decode(text)
        except SignerError:
            pass  # not base64 after all: raw bytes
    return output


def _b64decode(text: bytes) -> bytes:
    compact = b"".join(text.split())
    compact = compact.replace(b"-", b"+").replace(b"_", b"/")
    compact += b"=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except binascii.Error as exc:
        raise SignerError("signer command printed text that is not base64") from exc
