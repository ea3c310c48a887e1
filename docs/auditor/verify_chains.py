#!/usr/bin/env python3
"""Independent verifier for a Catalyst ledger, written from docs/ledger.md alone.

Usage: verify_chains.py DATABASE --public-key HEX [--public-key HEX ...] [--receipt FILE]

For every chain (the system chain first) it checks that seq runs 1..n without gaps, that each
prev_hash links to the previous hash and each hash recomputes, that every signature verifies
under a trusted key (yours, or one a trusted key rotated to) and vouches for the entry it names,
that the newest entry of every chain is signed, that ledger_heads agrees, that every chain the
system chain opened exists (and none exists that it did not open), that head records only move
chains forward, and that each chain still holds the newest head the system chain recorded for it
and the head the receipt vouches for (a receipt must cover the system chain and every chain
opened before it). It does not rebuild the live tables: `catalyst audit verify` does that.
Exit 0 when all of that holds; otherwise prints each failure and exits 1.
Needs the standard library and the `cryptography` package (for Ed25519) only.
"""
import argparse
import hashlib
import json
import sqlite3
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

FIELDS = ["chain", "seq", "at_us", "zone", "kind", "actor_id", "actor_name", "action",
          "entity_kind", "entity_id", "before_json", "after_json", "reason", "prev_hash"]
GENESIS = "0" * 64


def field(value):
    if value is None:
        return b"\x00"
    data = str(value).encode("utf-8")
    return b"\x01" + struct.pack(">I", len(data)) + data


def entry_hash(row):
    encoding = b"CATALYST-LEDGER-V1\n" + b"".join(field(row[name]) for name in FIELDS)
    return hashlib.sha256(encoding).hexdigest()


def signature_ok(sig, trusted):
    """A signature (chain, seq, hash, signed_at, public_key, signature) by a trusted key."""
    if str(sig["public_key"]).lower() not in trusted:
        return False
    message = b"CATALYST-CHECKPOINT-V1\n" + b"".join(
        field(sig[name]) for name in ("chain", "seq", "hash", "signed_at"))
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(sig["public_key"])).verify(
            bytes.fromhex(sig["signature"]), message)
        return True
    except (InvalidSignature, ValueError):
        return False


def main(argv):
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("database")
    args.add_argument("--public-key", action="append", required=True, help="trusted key, hex")
    args.add_argument("--receipt", help="a receipt from `catalyst audit anchor`")
    opts = args.parse_args(argv)
    trusted = {k.strip().lower() for k in opts.public_key}
    failures = []
    expected = {}  # chain -> [(seq, hash, source)]
    if opts.receipt:
        with open(opts.receipt, encoding="utf-8") as f:
            receipt = json.load(f)
        if receipt.get("format") != "catalyst-ledger-receipt/1":
            sys.exit(f"{opts.receipt}: not a catalyst-ledger-receipt/1")
        receipt_chains = {h["chain"] for h in receipt["heads"]}
        receipt_system = next((h["seq"] for h in receipt["heads"] if h["chain"] == "system"), None)
        if receipt_system is None:
            failures.append("receipt: it holds no head of the system chain")
        for head in receipt["heads"]:
            if signature_ok(head, trusted):
                expected.setdefault(head["chain"], []).append((head["seq"], head["hash"], "the receipt"))
            else:
                failures.append(f"receipt: head of chain {head['chain']} is not signed by a trusted key")

    db = sqlite3.connect(f"file:{opts.database}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    heads = {r["chain"]: (r["seq"], r["hash"]) for r in db.execute("SELECT chain, seq, hash FROM ledger_heads")}
    names = set(heads) | {r[0] for r in db.execute("SELECT DISTINCT chain FROM ledger")}
    names |= {r[0] for r in db.execute("SELECT DISTINCT chain FROM ledger_checkpoints")}
    chains = sorted(names, key=lambda c: (c != "system", c))
    opened, recorded = {}, {}  # recorded: chain -> the newest head a head record gives it
    for chain in chains:
        if chain in recorded:
            expected.setdefault(chain, []).append(recorded.pop(chain))
        sigs = {}
        for s in db.execute("SELECT * FROM ledger_checkpoints WHERE chain = ?", (chain,)):
            sigs.setdefault(s["seq"], []).append(s)
        seq, prev, problem, last_signed, hashes = 0, GENESIS, None, 0, {}
        if chain not in heads and db.execute("SELECT 1 FROM ledger WHERE chain = ?", (chain,)).fetchone():
            failures.append(f"chain {chain}: it has entries but no recorded head")
        for row in db.execute(f"SELECT {', '.join(FIELDS)}, hash FROM ledger WHERE chain = ? ORDER BY seq", (chain,)):
            if row["seq"] != seq + 1:
                problem = (row["seq"], f"sequence gap: expected {seq + 1}")
            elif row["prev_hash"] != prev:
                problem = (row["seq"], "prev_hash does not link to the previous entry")
            elif entry_hash(row) != row["hash"]:
                problem = (row["seq"], "hash does not match the entry's contents")
            if problem:
                break
            seq, prev = row["seq"], row["hash"]
            hashes[seq] = prev
            signed = False
            for s in sigs.pop(seq, []):
                if s["hash"] != prev or not signature_ok(s, trusted):
                    failures.append(f"chain {chain} entry {seq}: a signature that does not verify")
                else:
                    signed, last_signed = True, seq
            if chain == "system" and row["kind"] == "event":
                details = json.loads(row["after_json"] or "{}")
                if row["action"] == "ledger.chain_open":
                    opened[row["entity_id"]] = seq
                elif row["action"] == "ledger.heads":
                    source = f"the head record at system entry {seq}"
                    for name, head in details.get("heads", {}).items():
                        want_seq, want_hash = head.get("seq"), head.get("hash")
                        if not isinstance(want_seq, int) or want_seq < 1 or not isinstance(want_hash, str):
                            failures.append(f"{source}: the head of chain {name} is malformed")
                        elif name in recorded and (want_seq < recorded[name][0] or (
                                want_seq == recorded[name][0] and want_hash != recorded[name][1])):
                            failures.append(f"{source}: chain {name} goes back from entry {recorded[name][0]}")
                        else:
                            recorded[name] = (want_seq, want_hash, source)
                elif row["action"] == "ledger.key_rotate" and signed:
                    trusted.add(str(details["to"]).lower())
        if problem:
            failures.append(f"chain {chain} entry {problem[0]}: {problem[1]}")
            continue
        for orphan in sigs:
            failures.append(f"chain {chain}: a signature vouches for entry {orphan}, but the chain ends at {seq}")
        if seq > last_signed:
            failures.append(f"chain {chain}: entries {last_signed + 1}..{seq} are not covered by a trusted signature")
        if chain in heads and heads[chain] != (seq, prev):
            failures.append(f"chain {chain}: recorded head does not match the chain, which ends at {seq}")
        for want_seq, want_hash, source in expected.pop(chain, []):
            if want_seq > seq:
                failures.append(f"chain {chain}: {source} vouches for entry {want_seq}, but the chain ends at {seq}")
            elif hashes.get(want_seq) != want_hash:
                failures.append(f"chain {chain} entry {want_seq}: differs from {source}")
        print(f"ok   chain {chain}: {seq} entries, newest signed")
    if opts.receipt and receipt_system is not None:
        for chain, opened_at in opened.items():
            if opened_at <= receipt_system and chain not in receipt_chains:
                failures.append(f"the receipt leaves out chain {chain}, opened at system entry {opened_at}")
    for chain in set(opened) - set(chains):
        failures.append(f"chain {chain} was opened at system entry {opened[chain]} but is missing")
    for chain in set(chains) - set(opened) - {"system"}:
        failures.append(f"chain {chain} exists but the system chain never opened it")
    if not chains:
        print("warning: the ledger is empty: there is nothing to verify")
    for chain in set(expected) | set(recorded):
        failures.append(f"chain {chain} is vouched for but missing")
    for failure in failures:
        print(f"FAIL {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
