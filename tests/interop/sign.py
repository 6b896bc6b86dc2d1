#!/usr/bin/env python3
"""Sign an Assay certificate from Python, independently of Assay.

Takes a certificate Assay made, re-signs its exact payload with a fresh
Ed25519 key of another issuer id, rewriting nothing but the predicate's
issuer and number, and writes the envelope and a trust store for the new
key. `assay verify` must accept it: the format is the standard one, not
Assay's private one.

    sign.py CERT ISSUER OUT.cert.json OUT.trust.toml

Uses only the Python standard library and `cryptography`.
"""

import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def main() -> int:
    cert, issuer, out_cert, out_trust = sys.argv[1:5]
    with open(cert, "rb") as f:
        env = json.load(f)
    statement = json.loads(base64.b64decode(env["payload"]))
    p = statement["predicate"]
    p["issuer"]["id"] = issuer
    p["issuer"]["name"] = f"{issuer} (signed from Python)"
    p["certificate"]["number"] = f"{issuer}-{p['certificate']['issued'][:4]}-000001"
    # Python's own serialization: other spacing and key order than Assay's.
    payload = json.dumps(statement, indent=1, sort_keys=True, ensure_ascii=False).encode()

    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    keyid = hashlib.sha256(public).hexdigest()
    envelope = {
        "payloadType": PAYLOAD_TYPE,
        "payload": base64.b64encode(payload).decode(),
        "signatures": [{"keyid": keyid, "sig": base64.b64encode(key.sign(pae(PAYLOAD_TYPE, payload))).decode()}],
    }
    with open(out_cert, "w") as f:
        json.dump(envelope, f)
    issued = p["certificate"]["issued"]
    with open(out_trust, "w") as f:
        f.write(
            "[[issuer]]\n"
            f'id = "{issuer}"\n'
            f'name = "{issuer} (signed from Python)"\n'
            f'public_key = "{base64.b64encode(public).decode()}"\n'
            f'standards = ["{p["standard"]}"]\n'
            f'not_before = "{issued[:4]}-01-01"\n'
            f'not_after = "{int(issued[:4]) + 5}-12-31"\n'
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
