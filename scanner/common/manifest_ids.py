"""What identifies a C2PA store for the approvals register: its manifests' labels and ids."""

from __future__ import annotations

from scanner.model import C2paReport


def manifest_ids(report: C2paReport) -> dict[str, str]:
    """Manifest labels and instance ids -> what each is; none unless the credentials hold
    (`valid`, `trusted`): a tampered store's claims identify nothing."""
    if report.credentials not in ("valid", "trusted"):
        return {}
    ids = {report.active_manifest: "active manifest label"} if report.active_manifest else {}
    for m in report.manifests:
        role = "active manifest" if m.label == report.active_manifest else "ingredient manifest"
        for value, what in ((m.label, "label"), (m.instance_id, "instance id")):
            if value:
                ids.setdefault(value, f"{role} {what}")
    return ids
