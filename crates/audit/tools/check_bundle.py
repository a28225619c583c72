#!/usr/bin/env python3
"""Checks a govshare evidence bundle (format govshare-evidence-bundle/1) without the database and without
govshare: the chain from the bundle's first event to its checkpoint is recomputed from the events' fields, every
case command's digest is recomputed and compared with the digest its events' hashes cover, and (with
--public-key, which needs the `cryptography` package) the checkpoint's Ed25519 signature is verified.

The encodings are specified in docs/event-store.md (events, commands) and docs/audit.md (the signed checkpoint).

Usage: check_bundle.py BUNDLE.json [--public-key HEX]
Exit status: 0 if the bundle checks, 1 if it does not (the reason is printed), 2 on a usage error.
"""
import hashlib
import json
import struct
import sys
import uuid

FORMAT = "govshare-evidence-bundle/1"


class Finding(Exception):
    pass


def field(data: bytes) -> bytes:
    return struct.pack(">Q", len(data)) + data


def event_encoding(e: dict) -> bytes:
    rule_set = e["rule_set"]
    rule = b"" if rule_set is None else field(rule_set["id"].encode()) + field(rule_set["version"].encode())
    causation = b"" if e["causation_id"] is None else uuid.UUID(e["causation_id"]).bytes
    parts = [
        b"govshare/event/v1",
        struct.pack(">Q", e["position"]),
        e["aggregate_type"].encode(),
        e["aggregate_id"].encode(),
        struct.pack(">Q", e["sequence"]),
        e["event_type"].encode(),
        struct.pack(">I", e["schema_version"]),
        e["payload"].encode(),
        uuid.UUID(e["event_id"]).bytes,
        uuid.UUID(e["command_id"]).bytes,
        uuid.UUID(e["correlation_id"]).bytes,
        causation,
        e["actor_department"].encode(),
        e["actor_person"].encode(),
        e["actor_role"].encode(),
        rule,
        e["recorded_at"].encode(),
    ]
    out = b"".join(field(p) for p in parts)
    if e["command_digest"] is not None:
        out += field(bytes.fromhex(e["command_digest"]))
    return out


def command_digest(c: dict) -> bytes:
    parts = [
        b"govshare/command/v1",
        c["command_type"].encode(),
        struct.pack(">I", c["schema_version"]),
        c["payload"].encode(),
        c["issued_at"].encode(),
        uuid.UUID(c["command_id"]).bytes,
    ]
    return hashlib.sha256(b"".join(field(p) for p in parts)).digest()


def signed_message(s: dict) -> bytes:
    parts = [
        b"govshare/checkpoint/v1",
        struct.pack(">Q", s["position"]),
        bytes.fromhex(s["hash"]),
        s["signed_at"].encode(),
        s["reason"].encode(),
    ]
    return b"".join(field(p) for p in parts)


def check(bundle: dict, public_key: str | None) -> str:
    if bundle.get("format") != FORMAT:
        raise Finding(f"unsupported format {bundle.get('format')!r}")
    chain = bundle["chain"]
    checkpoint = chain["checkpoint"]
    signed = chain["signed"]
    if signed is not None:
        if signed["position"] != checkpoint["position"] or signed["hash"] != checkpoint["hash"]:
            raise Finding("the signature signs another checkpoint")
    if public_key is not None:
        if signed is None:
            raise Finding("the checkpoint is not signed")
        if signed["public_key"] != public_key.lower():
            raise Finding("the checkpoint is signed by another key")
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        from cryptography.exceptions import InvalidSignature
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(
                bytes.fromhex(signed["signature"]), signed_message(signed))
        except InvalidSignature:
            raise Finding("the checkpoint's signature does not verify")
    streams = {(s["aggregate_type"], s["aggregate_id"]) for s in bundle["streams"]}
    commands = {c["command_id"]: c for c in bundle["commands"]}
    digests = {cid: command_digest(c) for cid, c in commands.items()}
    prev = bytes.fromhex(chain["prev_hash"])
    if chain["from"] == 1 and prev != bytes(32):
        raise Finding("the proof starts at position 1 but its previous hash is not 32 zero bytes")
    events = bundle["events"]
    if len(events) != checkpoint["position"] - chain["from"] + 1:
        raise Finding("the events do not cover the proof's positions")
    for index, e in enumerate(events):
        position = chain["from"] + index
        if e["position"] != position:
            raise Finding(f"event at index {index} has position {e['position']}, expected {position}")
        in_case = (e["aggregate_type"], e["aggregate_id"]) in streams
        if e["in_case"] != in_case:
            raise Finding(f"position {position}: in_case does not match the case's streams")
        if in_case and e["command_digest"] is not None:
            command = commands.get(e["command_id"])
            if command is None:
                raise Finding(f"position {position}: the case event's command is not bundled")
            if digests[e["command_id"]].hex() != e["command_digest"]:
                raise Finding(f"position {position}: the bundled command is not the one the event's hash covers")
            if not command["first_position"] <= position <= command["last_position"]:
                raise Finding(f"position {position}: the command is recorded for other positions")
        computed = hashlib.sha256(prev + event_encoding(e)).digest()
        if computed.hex() != e["hash"]:
            raise Finding(f"position {position}: the event's fields do not hash to its recorded hash")
        prev = computed
    if prev.hex() != checkpoint["hash"]:
        raise Finding(f"the chain does not arrive at the checkpoint's hash at position {checkpoint['position']}")
    signer = f", signed by {signed['public_key']}" if signed is not None else ""
    return (f"bundle of {bundle['application_id']}: {len(events)} events from position {chain['from']} "
            f"chain to the checkpoint at position {checkpoint['position']}{signer}")


def main(argv: list[str]) -> int:
    args = argv[1:]
    public_key = None
    if "--public-key" in args:
        i = args.index("--public-key")
        if i + 1 >= len(args):
            print(__doc__, file=sys.stderr)
            return 2
        public_key = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(args[0], encoding="utf-8") as f:
            bundle = json.load(f)
        print(check(bundle, public_key))
        return 0
    except (Finding, ValueError, KeyError, TypeError, AttributeError) as e:
        print(f"bundle does not check: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
