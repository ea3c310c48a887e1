#!/usr/bin/env python3
"""Independent verifier for Catalyst ledger hash chains, written from docs/ledger.md alone.

Usage: verify_chains.py path/to/catalyst.db
Checks, for every chain, that seq runs 1..n without gaps, that each prev_hash links to the
previous hash, that every hash recomputes, and that ledger_heads agrees. Exit 0 when intact;
otherwise prints the first failing entry of each broken chain and exits 1.
Standard library only (sqlite3, hashlib, struct), so an auditor can read all of it.
"""
import hashlib
import sqlite3
import struct
import sys

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


def main(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    heads = {r["chain"]: (r["seq"], r["hash"]) for r in db.execute("SELECT chain, seq, hash FROM ledger_heads")}
    chains = sorted(set(heads) | {r[0] for r in db.execute("SELECT DISTINCT chain FROM ledger")})
    failures = 0
    for chain in chains:
        expected_seq, prev, problem = 1, GENESIS, None
        for row in db.execute(f"SELECT {', '.join(FIELDS)}, hash FROM ledger WHERE chain = ? ORDER BY seq", (chain,)):
            if row["seq"] != expected_seq:
                problem = (row["seq"], f"sequence gap: expected {expected_seq}")
            elif row["prev_hash"] != prev:
                problem = (row["seq"], "prev_hash does not link to the previous entry")
            elif entry_hash(row) != row["hash"]:
                problem = (row["seq"], "hash does not match the entry's contents")
            if problem:
                break
            expected_seq, prev = expected_seq + 1, row["hash"]
        if problem is None and chain in heads and heads[chain] != (expected_seq - 1, prev):
            problem = (heads[chain][0], f"recorded head does not match the chain, which ends at {expected_seq - 1}")
        if problem:
            failures += 1
            print(f"FAIL chain {chain} entry {problem[0]}: {problem[1]}")
        else:
            print(f"ok   chain {chain}: {expected_seq - 1} entries")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
