"""Domain blocks and allows as Mastodon's Admin::DomainBlock, Admin::DomainAllow and DomainBlock."""

from datetime import datetime
from typing import Any

from fedi.api.entities.times import api_time
from fedi.domain.domain_lists import domain_digest, public_domain
from fedi.domain.policy import DomainBlock


def admin_block_to_json(block: DomainBlock) -> dict[str, Any]:
    return {
        "id": str(block.id),
        "domain": block.domain,
        "digest": domain_digest(block.domain),
        "created_at": api_time(block.created_at),
        "severity": block.severity,
        "reject_media": block.reject_media,
        "reject_reports": block.reject_reports,
        "private_comment": block.private_comment or None,
        "public_comment": block.public_comment or None,
        "obfuscate": block.obfuscate,
    }


def admin_allow_to_json(allow_id: int, domain: str, created_at: datetime) -> dict[str, Any]:
    return {"id": str(allow_id), "domain": domain, "created_at": api_time(created_at)}


def public_block_to_json(block: DomainBlock) -> dict[str, Any]:
    """What anyone may read: the digest is of the real domain, even when it is obfuscated."""
    return {
        "domain": public_domain(block),
        "digest": domain_digest(block.domain),
        "severity": block.severity,
        "comment": block.public_comment or None,
    }
