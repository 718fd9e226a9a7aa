"""The register's fields and the values they take: one list for the loader and the validator."""

from __future__ import annotations

STATUSES = ("approved", "pending", "denied", "revoked")
SCOPES = ("final", "temporary")
SENSITIVE_FIELDS = ("talent_likeness", "personal_data", "third_party_ip", "union_work")

REQUIRED_FIELDS = ("request_id", "status", "scope")
LIST_FIELDS = ("paths", "sha256", "c2pa_manifest", "reference", "tools")
BOOL_FIELDS = (*SENSITIVE_FIELDS, "archival_use")
DATE_FIELDS = ("approved_on", "expires_on")
TEXT_FIELDS = ("request_id", "status", "scope", "written_approval_ref", "approved_by", "notes")
FIELDS = (
    "request_id", "status", "scope", *LIST_FIELDS, *SENSITIVE_FIELDS, "written_approval_ref",
    "archival_use", "approved_by", "approved_on", "expires_on", "notes",
)  # fmt: skip

TRUE_WORDS = ("yes", "y", "true")
FALSE_WORDS = ("no", "n", "false", "")
