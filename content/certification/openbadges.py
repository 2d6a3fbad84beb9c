"""Open Badges 2.0 documents for hosted verification: the assertion (a certificate), the badge class (a
programme) and the issuer profile, each published at its own stable URL with an `id` equal to that URL.

`base` is the scheme and host the documents are served from (for example "https://xf.example.cn"): every
id and link is made absolute with it, so the documents resolve wherever the platform is reached.
"""

from __future__ import annotations

import hashlib

from django.urls import reverse

from .models import Certificate, Issuer, Programme

CONTEXT = "https://w3id.org/openbadges/v2"
JSON_LD = "application/ld+json"


def identity_hash(identity: str, salt: str) -> str:
    """The IdentityHash of the specification: "sha256$" and the hex SHA-256 of the identity followed by the salt."""
    return "sha256$" + hashlib.sha256((identity + salt).encode("utf-8")).hexdigest()


def iso(moment) -> str:
    return moment.isoformat(timespec="seconds")


def _image_url(image, base: str) -> str | None:
    if image is None:
        return None
    url = image.get_rendition("fill-400x400").url
    return url if url.startswith(("http://", "https://")) else base + url


def issuer_document(issuer: Issuer, *, base: str) -> dict:
    document = {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": base + issuer.get_json_path(),
        "name": issuer.name,
        "url": issuer.url,
        "email": issuer.email,
    }
    if issuer.description:
        document["description"] = issuer.description
    if issuer.telephone:
        document["telephone"] = issuer.telephone
    image = _image_url(issuer.image, base)
    if image:
        document["image"] = image
    return document


def badge_class_document(programme: Programme, *, base: str) -> dict:
    image = _image_url(programme.badge_image, base) or base + reverse(
        "certification:badge-image", args=[programme.slug]
    )
    document = {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": base + programme.get_badge_path(),
        "name": programme.title,
        "description": programme.description,
        "image": image,
        "criteria": {"id": base + programme.get_absolute_url(), "narrative": programme.criteria},
        "issuer": base + programme.issuer.get_json_path(),
    }
    if programme.tag_list:
        document["tags"] = programme.tag_list
    return document


def evidence_narrative(certificate: Certificate) -> str:
    lines = []
    for item in certificate.evidence or []:
        if "course" in item:
            lines.append(f"- {item['course']}")
        elif "quiz" in item:
            lines.append(f"- {item['quiz']}: {round(float(item.get('score', 0)) * 100)}%")
        elif "exam" in item:
            lines.append(f"- {item['exam']}: {round(float(item.get('score', 0)) * 100)}%")
        elif "text" in item:
            lines.append(f"- {item['text']}")
    return "\n".join(lines)


def assertion_document(certificate: Certificate, *, base: str) -> dict:
    """The hosted assertion; a revoked one is stripped to id, revoked and revocationReason (served with 410)."""
    assertion_id = base + certificate.get_assertion_path()
    if certificate.revoked_at is not None:
        document = {"@context": CONTEXT, "type": "Assertion", "id": assertion_id, "revoked": True}
        if certificate.revocation_reason:
            document["revocationReason"] = certificate.revocation_reason
        return document
    document = {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_id,
        "recipient": {
            "type": certificate.recipient_type,
            "hashed": True,
            "salt": certificate.salt,
            "identity": identity_hash(certificate.recipient_identity, certificate.salt),
        },
        "badge": base + certificate.programme.get_badge_path(),
        "verification": {"type": "hosted"},
        "issuedOn": iso(certificate.issued_at),
    }
    if certificate.expires_at is not None:
        document["expires"] = iso(certificate.expires_at)
    if certificate.evidence:
        document["evidence"] = [
            {
                "type": "Evidence",
                "id": base + certificate.get_absolute_url(),
                "name": certificate.programme.title,
                "narrative": evidence_narrative(certificate),
            }
        ]
    return document
