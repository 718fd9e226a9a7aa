"""C2PA validation codes sorted by what they say: integrity, the signer, or nothing to act on.

- **Integrity** (credentials `invalid`): the content or the claim changed or cannot be read:
  hash mismatches, claim signature mismatch or missing, malformed or missing claims and
  assertions, missing or mismatched ingredient manifests, and any code this module does not
  know (fail closed).
- **Signer** (credentials stay `valid`, review reasons `signer-untrusted` / `signer-invalid`
  in `scanner.policy.decide`): the claim is intact, but the certificate that signed it is not
  vouched for: `signingCredential.untrusted` (on no trust list in use),
  `signingCredential.invalid` (e.g. the certificate lacks an extended key usage the SDK
  accepts), `signingCredential.expired` (no trusted timestamp), `signingCredential.ocsp.revoked`
  / `.unknown`, `claimSignature.outsideValidity`. What the manifest claims (AI or capture)
  still counts: ChatGPT images read `signingCredential.invalid` with every hash matching.
- **Nothing to act on**: OCSP skipped or inaccessible (provscan is offline), timestamp and
  time-of-signing codes, and CAWG identity codes (`cawg.*`: a separate layer over an intact
  claim, e.g. a DID that cannot be resolved offline).
"""

from __future__ import annotations

from collections.abc import Iterable

UNTRUSTED = "signingCredential.untrusted"
SIGNER_CODES = frozenset(
    {
        UNTRUSTED,
        "signingCredential.invalid",
        "signingCredential.expired",
        "signingCredential.ocsp.revoked",
        "signingCredential.ocsp.unknown",
        "claimSignature.outsideValidity",
    }
)
QUIET_CODES = frozenset({"signingCredential.ocsp.skipped", "signingCredential.ocsp.inaccessible"})
QUIET_PREFIXES = ("timeStamp.", "timeOfSigning.", "cawg.")


def is_signer_code(code: str) -> bool:
    return code in SIGNER_CODES


def is_tolerated_failure(code: str) -> bool:
    """A failure code that does not make the credentials invalid (signer or quiet)."""
    return code in SIGNER_CODES or code in QUIET_CODES or code.startswith(QUIET_PREFIXES)


def decide_credentials(state: str, failures: Iterable[str], successes: Iterable[str] = ()) -> str:
    """trusted / valid / invalid from the SDK's state and codes (rules in the module docstring):
    `invalid` on any integrity failure, `trusted` when the SDK says the signer chains to a trust
    anchor, else `valid` (signer problems are reasons beside it, not this value)."""
    failures = list(failures)
    if any(not is_tolerated_failure(code) for code in failures):
        return "invalid"
    if state == "Trusted" or "signingCredential.trusted" in successes:
        return "trusted"
    if state not in ("Valid", "Trusted") and not failures:
        return "invalid"  # the SDK says not valid and gives no tolerable reason
    return "valid"


def signer_problems(failures: Iterable[str], *, trust_checked: bool) -> tuple[str, ...]:
    """The signer-certificate codes among the failures, in order. `signingCredential.untrusted`
    counts only when trust was checked against some list: with no list at all every signer
    reads untrusted, and that says nothing about this one."""
    return tuple(
        code for code in failures if is_signer_code(code) and (trust_checked or code != UNTRUSTED)
    )
