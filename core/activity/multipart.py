"""multipart/mixed for statements with attachments (xAPI 1.0.3, Data 2.4.11 and Communication 1.5), and the
checks of signed statements (Data 2.6): reading a request's parts, and writing a GET answer's parts."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

from django.utils.translation import gettext as _

from .validation import StatementInvalid, normalise_statement, statements_equivalent

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_ALGORITHMS = {"RS256": "SHA256", "RS384": "SHA384", "RS512": "SHA512"}


@dataclass(frozen=True)
class Part:
    content_type: str
    sha2: str
    content: bytes


def multipart_read(body: bytes, content_type_header: str) -> tuple[bytes, list[Part]]:
    """The statements part (JSON bytes) and the attachment parts of a multipart/mixed request."""
    if "boundary=" not in content_type_header:
        raise StatementInvalid(_("A multipart/mixed request needs a boundary."))
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type_header.encode("latin-1") + b"\r\n\r\n" + body
    )
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if not parts:
        raise StatementInvalid(_("The multipart/mixed body has no parts (is the boundary right?)."))
    first = parts[0]
    if first.get_content_type() != "application/json":
        raise StatementInvalid(_("The first part of a multipart/mixed request must be the statements, as JSON."))
    attachments = []
    for part in parts[1:]:
        sha2 = part.get("X-Experience-API-Hash")
        if not sha2:
            raise StatementInvalid(_("Every attachment part needs an X-Experience-API-Hash header."))
        if (part.get("Content-Transfer-Encoding") or "").strip().lower() != "binary":
            raise StatementInvalid(_("Every attachment part needs Content-Transfer-Encoding: binary."))
        content = part.get_payload(decode=True) or b""
        attachments.append(Part(part.get_content_type(), str(sha2).strip().lower(), content))
    return first.get_payload(decode=True) or b"", attachments


def attachments_match(statements: list[dict], parts: list[Part]) -> dict[str, Part]:
    """Check every attachment without a fileUrl has its part and every part its attachment; the parts by hash."""
    by_hash = {part.sha2: part for part in parts}
    for part in parts:
        if _digest(part.content, len(part.sha2)) != part.sha2:
            raise StatementInvalid(_("An attachment's content does not match its X-Experience-API-Hash."))
    wanted: set[str] = set()
    for statement in statements:
        for holder in (statement, statement.get("object") or {}):
            for attachment in holder.get("attachments", []) if isinstance(holder, dict) else []:
                sha2 = attachment["sha2"].lower()
                if sha2 in by_hash:
                    wanted.add(sha2)
                elif "fileUrl" not in attachment:
                    raise StatementInvalid(
                        _("Attachment %(sha2)s has neither a fileUrl nor a part in the request.") % {"sha2": sha2},
                        extra={"sha2": sha2},
                    )
    extra = set(by_hash) - wanted
    if extra:
        raise StatementInvalid(_("A part of the request belongs to no attachment."), extra={"sha2": sorted(extra)[0]})
    for statement in statements:
        signature_check(statement, by_hash)
    return by_hash


def _digest(content: bytes, hex_length: int) -> str:
    name = {64: "sha256", 96: "sha384", 128: "sha512"}.get(hex_length, "sha256")
    return hashlib.new(name, content).hexdigest()


def _b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def signature_check(statement: dict, parts: dict[str, Part]) -> None:
    """A signed statement's JWS must be well formed, use RS256/384/512, and carry the statement itself."""
    for attachment in statement.get("attachments", []):
        if attachment.get("usageType") != SIGNATURE_USAGE:
            continue
        if attachment.get("contentType") != "application/octet-stream":
            raise StatementInvalid(_("A signature attachment must have the content type application/octet-stream."))
        part = parts.get(attachment["sha2"].lower())
        if part is None:
            raise StatementInvalid(_("A signed statement must send its signature as a part of the request."))
        try:
            header_b64, payload_b64, signature_b64 = part.content.decode("ascii").strip().split(".")
            header = json.loads(_b64url(header_b64))
            payload = json.loads(_b64url(payload_b64))
            signature = _b64url(signature_b64)
        except (ValueError, UnicodeDecodeError):
            raise StatementInvalid(_("The signature is not a JWS in compact serialization.")) from None
        if not isinstance(header, dict) or header.get("alg") not in SIGNATURE_ALGORITHMS:
            raise StatementInvalid(_("A statement signature must use RS256, RS384 or RS512."))
        if not isinstance(payload, dict):
            raise StatementInvalid(_("The signature's payload is not a statement."))
        unsigned = {key: value for key, value in statement.items() if key != "attachments"}
        payload.pop("attachments", None)
        payload.setdefault("id", unsigned.get("id"))
        try:
            signed_statement = normalise_statement(payload)
        except StatementInvalid:
            raise StatementInvalid(_("The signature's payload is not a valid statement.")) from None
        if not statements_equivalent(signed_statement, unsigned):
            raise StatementInvalid(_("The signature's payload is not this statement."))
        if "x5c" in header:
            _verify(header, f"{header_b64}.{payload_b64}".encode(), signature)


def _verify(header: dict, signed: bytes, signature: bytes) -> None:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
        algorithm = getattr(hashes, SIGNATURE_ALGORITHMS[header["alg"]])()
        certificate.public_key().verify(signature, signed, padding.PKCS1v15(), algorithm)
    except (InvalidSignature, ValueError, TypeError, IndexError, KeyError):
        raise StatementInvalid(_("The statement's signature does not verify with its x5c certificate.")) from None


def multipart_write(document: bytes, parts: list[Part]) -> tuple[bytes, str]:
    """A multipart/mixed body: the JSON document first, then each attachment; returns it with its Content-Type."""
    boundary = secrets.token_hex(16)
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), document]
    for part in parts:
        chunks.append(
            f"\r\n--{boundary}\r\nContent-Type: {part.content_type}\r\nContent-Transfer-Encoding: binary\r\n"
            f"X-Experience-API-Hash: {part.sha2}\r\n\r\n".encode()
        )
        chunks.append(part.content)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"
