#!/usr/bin/env python3
"""An independent verifier of Assay certificates.

Uses only the Python standard library and `cryptography`; shares no code
with Assay. It checks a certificate (a DSSE v1 envelope around an in-toto
Statement v1) against a trust store (TOML) as the DSSE, in-toto and Assay
predicate specifications describe:

    verify.py CERT TRUST.toml [--model FILE] [--assessment FILE] [--at YYYY-MM-DD]

Prints one line per check and exits 0 when the certificate is valid, 1 when
it is not.
"""

import argparse
import base64
import datetime
import hashlib
import json
import sys
import tomllib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://example.invalid/assay/certificate/v1"


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


def sha256_file(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("cert")
    ap.add_argument("trust")
    ap.add_argument("--model")
    ap.add_argument("--assessment")
    ap.add_argument("--at", default=datetime.date.today().isoformat())
    a = ap.parse_args()

    checks = []

    def check(name, ok, detail):
        checks.append((name, ok, detail))
        return ok

    with open(a.cert, "rb") as f:
        raw = f.read()
    with open(a.trust, "rb") as f:
        trust = tomllib.load(f)

    try:
        env = json.loads(raw, object_pairs_hook=no_duplicates)
        payload = base64.b64decode(env["payload"], validate=True)
        sigs = env["signatures"]
        ok = isinstance(sigs, list) and len(sigs) > 0 and set(env) == {"payloadType", "payload", "signatures"}
    except (ValueError, KeyError, TypeError) as e:
        ok, payload, sigs = False, b"", []
        check("envelope", False, str(e))
    if ok:
        check("envelope", True, "DSSE envelope")
    if ok and not check("payload-type", env["payloadType"] == PAYLOAD_TYPE, env["payloadType"]):
        ok = False

    signer = None
    if ok:
        message = pae(env["payloadType"], payload)
        for s in sigs:
            sig = base64.b64decode(s["sig"], validate=True)
            for issuer in trust.get("issuer", []):
                raw_key = base64.b64decode(issuer["public_key"], validate=True)
                keyid = hashlib.sha256(raw_key).hexdigest()
                if s.get("keyid") and s["keyid"] != keyid:
                    continue
                try:
                    Ed25519PublicKey.from_public_bytes(raw_key).verify(sig, message)
                    signer = issuer
                    break
                except InvalidSignature:
                    pass
            if signer:
                break
        ok = check("signature", signer is not None, signer["id"] if signer else "no valid signature by a trusted key")

    if ok:
        try:
            st = json.loads(payload, object_pairs_hook=no_duplicates)
        except ValueError as e:
            st = None
            ok = check("statement", False, str(e))
    if ok:
        p = st.get("predicate", {})
        subject = st.get("subject", [{}])
        good = (
            st.get("_type") == STATEMENT_TYPE
            and st.get("predicateType") == PREDICATE_TYPE
            and len(subject) == 1
            and len(subject[0].get("digest", {}).get("sha256", "")) == 64
            and p.get("verdict") == "pass"
            and p.get("model", {}).get("digest", {}).get("sha256") == subject[0]["digest"]["sha256"]
        )
        ok = check("statement", good, p.get("certificate", {}).get("number", "?"))
    if ok:
        cert = p["certificate"]
        issued = cert["issued"]
        check(
            "issuer",
            p["issuer"]["id"] == signer["id"]
            and p["standard"] in signer["standards"]
            and signer["not_before"] <= issued <= signer["not_after"],
            f"{p['issuer']['id']} for {p['standard']} on {issued}",
        )
        v = cert["validity"]
        check("validity", v["not_before"] <= a.at <= v["not_after"], f"{v['not_before']} to {v['not_after']} at {a.at}")
        if a.model:
            check("model", sha256_file(a.model) == subject[0]["digest"]["sha256"], a.model)
        if a.assessment:
            check("assessment", sha256_file(a.assessment) == p["assessment"]["sha256"], a.assessment)

    for name, good, detail in checks:
        print(f"{'PASS' if good else 'FAIL'}  {name}  {detail}")
    valid = bool(checks) and all(good for _, good, _ in checks) and signer is not None
    print("VALID" if valid else "INVALID")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
