"""Signer problems are not tampering: a manifest whose hashes and signature are intact stays
`valid` when its signer is untrusted, lacks an extended key usage, has expired or was revoked;
each becomes a review reason with the SDK's code. Real chains made here with `cryptography`,
real signing and reading with c2pa-python (c2pa-rs 0.91.3)."""

from __future__ import annotations

import datetime as dt
import io
import json
from datetime import date
from pathlib import Path

import c2pa
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

from fixtures import pictures
from fixtures.c2pa_sign import action, manifest_definition
from scanner.discover.media import MediaFile
from scanner.extract import c2pa as reader
from scanner.extract.interface import ExtractOptions
from scanner.model import Assessment, AssetAnalysis, C2paManifest, C2paReport
from scanner.policy.decide import decide
from tests.extract_helpers import call_opened, corpus_file

C2PA_EKU = ObjectIdentifier("1.3.6.1.4.1.62558.2.1")
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
AI = [action("c2pa.created", source_type="trainedAlgorithmicMedia", agent="Google Gemini")]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "provscan tests")])  # fmt: skip


def _key_usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip


def certificate(cn, key, issuer=None, issuer_key=None, *, ca=False, ekus=(), days=(-1, 365)):
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.subject if issuer else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW + dt.timedelta(days=days[0]))
        .not_valid_after(NOW + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ekus:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(ekus)), critical=False)
    if issuer_key is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


def pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def chain():
    """A conformance-program-shaped chain: root -> ICA (C2PA claim-signing EKU) -> a leaf whose
    only EKU is the C2PA claim-signing one, as the C2PA trust list's CAs issue them."""
    root_key, ica_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = certificate("tests root", root_key, ca=True)
    ica = certificate("tests ICA", ica_key, root, root_key, ca=True, ekus=[C2PA_EKU])
    leaf = certificate("tests signer", leaf_key, ica, ica_key, ekus=[C2PA_EKU])
    key = leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )  # fmt: skip
    return {"root": pem(root), "ica": pem(ica), "chain": pem(leaf) + pem(ica), "key": key}


def signed_jpeg(tmp_path: Path, chain_pem: bytes, key_pem: bytes) -> Path:
    source = io.BytesIO()
    pictures.photo(7, (64, 48)).save(source, "JPEG", quality=90)
    # The SDK refuses to re-verify its own output here (no trust_config at sign time).
    context = c2pa.Context.from_dict({"verify": {"verify_after_sign": False}})
    builder = c2pa.Builder(manifest_definition("g.jpg", AI), context=context)
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(b"es256", chain_pem, key_pem, None))
    out = io.BytesIO()
    try:
        builder.sign(signer, "image/jpeg", io.BytesIO(source.getvalue()), out)
    finally:
        signer.close()
        builder.close()
    path = tmp_path / "g.jpg"
    path.write_bytes(out.getvalue())
    return path


def read(path: Path, anchors: bytes = b"") -> C2paReport:
    media = MediaFile(path, path.name, "image/jpeg", "JPEG", "image", path.stat().st_size)
    result = call_opened(reader.extract, media, ExtractOptions(trust_anchors_pem=anchors.decode()))
    assert result.c2pa is not None
    return result.c2pa


def test_the_sdk_alone_calls_a_c2pa_eku_signer_invalid(tmp_path, chain):
    """The trap provscan avoids: with c2pa-rs's default EKU set, an intact manifest whose
    signer carries only the C2PA claim-signing EKU reads Invalid, signingCredential.invalid."""
    path = signed_jpeg(tmp_path, chain["chain"], chain["key"])
    context = c2pa.Context.from_dict(
        {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False},
         "trust": {"trust_anchors": chain["ica"].decode()}}
    )  # fmt: skip
    with open(path, "rb") as handle:
        store = json.loads(c2pa.Reader("image/jpeg", handle, context=context).json())
    failures = [f["code"] for f in store["validation_results"]["activeManifest"]["failure"]]
    assert store["validation_state"] == "Invalid"
    assert "signingCredential.invalid" in failures
    assert not any("mismatch" in code for code in failures)


def test_provscan_accepts_the_c2pa_eku_and_trusts_the_listed_ica(tmp_path, chain):
    path = signed_jpeg(tmp_path, chain["chain"], chain["key"])
    trusted = read(path, chain["ica"])
    assert (trusted.credentials, trusted.failure_codes, trusted.signer_problems) == (
        "trusted", (), (),
    )  # fmt: skip
    assert read(path, chain["root"]).credentials == "trusted"  # anchored at the root
    alone = read(path)  # no list at all: intact, nobody vouches, nothing to flag
    assert (alone.credentials, alone.signer_problems) == ("valid", ())


def test_a_signer_on_no_list_in_use_is_a_review_not_invalid(tmp_path, chain):
    path = signed_jpeg(tmp_path, chain["chain"], chain["key"])
    other_root = certificate("someone else", ec.generate_private_key(ec.SECP256R1()), ca=True)
    report = read(path, pem(other_root))
    assert report.credentials == "valid"
    assert report.signer_problems == ("signingCredential.untrusted",)
    finding = judge(report)
    assert [(r.code, r.detail) for r in finding.reasons if r.code.startswith("signer")] == [
        (
            "signer-untrusted",
            "signingCredential.untrusted (signer tests signer, issuer provscan tests)",
        )
    ]


def test_an_expired_signer_on_a_real_capture_is_a_review(tmp_path):
    path = corpus_file("c2pa-org+public-testfiles/image/jpeg/nikon-20221019-building.jpeg")
    report = read(path)
    assert report.credentials == "valid"
    assert report.signer_problems == ("signingCredential.expired",)
    assert [r.code for r in judge(report).reasons] == ["signer-invalid", "no-ai-signal"]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        (("signingCredential.invalid",), ["signer-invalid"]),
        (("signingCredential.ocsp.revoked", "signingCredential.untrusted"),
         ["signer-untrusted", "signer-invalid"]),
        (("signingCredential.expired", "claimSignature.outsideValidity"), ["signer-invalid"]),
    ],
)  # fmt: skip
def test_every_signer_problem_is_a_review_reason_with_its_code(codes, expected):
    report = C2paReport("valid", "Invalid", "m", (C2paManifest("m"),), codes, signer_problems=codes)
    reasons = [r for r in judge(report).reasons if r.code.startswith("signer")]
    assert [r.code for r in reasons] == expected
    assert all(code in " ".join(r.detail for r in reasons) for code in codes)
    assert judge(report).status == "review"


def test_integrity_failures_stay_invalid_and_hide_no_signer_reason():
    codes = ("signingCredential.untrusted", "assertion.dataHash.mismatch")
    report = C2paReport("invalid", "Invalid", "m", (C2paManifest("m"),), codes,
                        signer_problems=("signingCredential.untrusted",))  # fmt: skip
    assert [r.code for r in judge(report).reasons] == ["credentials-invalid", "no-ai-signal"]


def judge(report: C2paReport):
    analysis = AssetAnalysis(
        path="x.jpg", size=1, sha256="0" * 64, media_type="image/jpeg", kind="image",
        format="JPEG", assessment=Assessment(credentials=report.credentials), c2pa=report,
    )  # fmt: skip
    return decide(analysis, area="final", matches=(), approvals_by_id={}, as_of=date(2026, 12, 1))
