#!/usr/bin/env python3
"""Writes the seed corpus of the core fuzzer into tests/fuzz/corpus/.

Each seed is a sequence of operations in the encoding that fuzz_core.c
decodes: an op byte, an argument byte, and for create one more byte, the
payload's value.

Op byte, low 4 bits: the operation (OPS below). The other bits:
  bit 4     the allocation picked by bits 5-6 fails (create, ref, mut_ref,
            hold, dup, hold_ref, hold_mut_ref); the first allocation fails
            (clone, op 15/1); run on another thread (hold_clone)
  bits 5-6  which allocation of the call fails, 1-4 (the same ops)
  bit 5     the clone callback fails (clone, hold_clone)
  bits 6-7  clone-out dst size 0, 0, -8 or +8 bytes off (clone, hold_clone)
  bit 7     run on another thread (release, stale, dup, hold_release,
            hold_ref, hold_mut_ref, op 15/1)
  op 15     bits 5-6 pick: 0 extref_stats_get (NULL, struct_size 4, 8+8,
            full), 1 a released hold used again, 2 one more copy of a
            borrow, 3 bias the process-wide external_bytes total to just
            below INT64_MAX (when biased already: take the bias away)

Argument byte: the payload, borrow, copy or hold picked, and in bits 4-6
the asked type (0-2 the creator's own, 3 a descriptor with a too small
struct_size, 4-7 type 0-3). For create: bits 0-1 the type, bits 2-3 the
column and bits 4-7 the row of external_bytes (rows 0-7: the column times
4096; rows 8-15: the edges in big_bytes of fuzz_core.c: negative, 2^50 and
past it, absurd, 2^50 and 2^50 - 1). For hold_clone, bit 7: the first
allocation fails. For op 15/1: bits 0-2 the released hold, bits 3-5 the
function (hold_ref, hold_mut_ref, hold_clone_out, hold_dup, hold_release).
For op 15/2: bits 0-2 the source, bit 3 a copy from the ring (else a
borrow slot). For op 15/3: bits 0-2 the headroom left below INT64_MAX.

Every borrow made is also copied into a ring of 8 copies, in the order
the borrows were made; "stale" N releases copy N of the ring (a copy of a
live borrow ends it; of an ended one, or emptied, is refused). Released
holds go into a ring of 8 in the order they were released.

Usage: tests/fuzz/gen_corpus.py [OUTDIR]   (deterministic: same files always)
"""
import os
import random
import sys

OPS = {
    "create": 0, "ref": 1, "mut_ref": 2, "release": 3, "stale": 4,
    "hold": 5, "dup": 6, "hold_release": 7, "hold_ref": 8,
    "hold_mut_ref": 9, "take": 10, "clone": 11, "hold_clone": 12,
    "finalize": 13, "access": 14, "stats": 15, "dead": 15, "copy": 15,
    "bias": 15,
}
# Op 15's sub-operation (bits 5-6 of the op byte).
SUB = {"stats": 0x00, "dead": 0x20, "copy": 0x40, "bias": 0x60}
A, ALIAS, WIDE, PLAIN = 0, 1, 2, 3
BROKEN_SEL = 3 << 4  # asked type: the descriptor whose struct_size is 8
ALLOC_FAILS, CLONE_FAILS = 0x10, 0x20
SHORT, LONG = 0x80, 0xC0
OFF = 0x80          # another thread (release, stale, dup, hold_*)
OFF_CLONE = 0x10    # another thread (hold_clone)
HOLD_CLONE_ALLOC = 0x80  # hold_clone argument: the first allocation fails


def nth(n):
    """Op flags: allocation n (1-4) of the call fails."""
    return ALLOC_FAILS | ((n - 1) << 5)


# external_bytes at create: (row, column) of the argument, rows 8-15 being
# big_bytes in fuzz_core.c.
B_NEG1, B_NEG4096, B_INT64_MIN, B_NEG_MAX = (8, 0), (8, 1), (8, 2), (8, 3)
B_MAX, B_MAX_PLUS1, B_MAX_MINUS1, B_2MAX = (9, 0), (9, 1), (9, 2), (9, 3)
B_2P60, B_INT64_MAX, B_2P62, B_2P60_MINUS1 = (10, 0), (10, 1), (10, 2), (10, 3)
B_ONE = (11, 3)
B_ZERO = (0, 0)
B_4096 = (0, 1)

# Functions of op 15/1 (a released hold used again).
H_REF, H_MUT_REF, H_CLONE, H_DUP, H_RELEASE = range(5)
# Headrooms of op 15/3.
ROOM_0, ROOM_1, ROOM_4095, ROOM_MAX_MINUS1, ROOM_MAX = range(5)


def own(i=0):
    """Picks payload/borrow/hold i, asked as its creator's type."""
    return i & 15


def as_type(i, t):
    """Picks payload i, asked as type t."""
    return (i & 15) | ((4 + t) << 4)


def enc(*steps):
    out = bytearray()
    for s in steps:
        name, arg = s[0], s[1]
        flags = (s[2] if len(s) > 2 else 0) | SUB.get(name, 0)
        out += bytes([OPS[name] | flags, arg])
        if name == "create":
            out.append(s[3] if len(s) > 3 else 7)
    return bytes(out)


def create(t, bytes_code=0, flags=0, value=7):
    """bytes_code: 0-3 (that times 4096) or a (row, column) pair."""
    if isinstance(bytes_code, tuple):
        row, col = bytes_code
        return ("create", t | (col << 2) | (row << 4), flags, value)
    return ("create", t | (bytes_code << 2), flags, value)


def dead(i, fn, flags=0):
    """Released hold i (of the ring) used again with function fn."""
    return ("dead", (i & 7) | (fn << 3), flags)


def every_dead_fn(i, flags=0):
    return [dead(i, fn, flags) for fn in range(5)]


SEEDS = {
    "shared-then-exclusive-refused": enc(
        create(A), ("ref", own()), ("ref", own()), ("mut_ref", own()),
        ("release", 0), ("release", 1), ("mut_ref", own()),
        ("access", 0), ("ref", own()), ("release", 0)),
    "swap-x-x": enc(create(A), ("mut_ref", own()), ("mut_ref", own()),
                    ("ref", own()), ("release", 0), ("release", 1)),
    "gc-while-held": enc(
        create(A, 1), ("hold", own()), ("finalize", own()),
        ("hold_ref", 0), ("access", 0), ("release", 0),
        ("hold_release", 0)),
    "gc-while-borrowed": enc(
        create(WIDE, 2), ("ref", own()), ("finalize", own()),
        ("access", 0), ("release", 0)),
    "gc-while-mut-borrowed": enc(
        create(A), ("mut_ref", own()), ("finalize", own()),
        ("access", 0), ("access", 0), ("release", 0)),
    "take-refused-then-taken": enc(
        create(A, 3), ("ref", own()), ("take", own()), ("release", 0),
        ("mut_ref", own()), ("take", own()), ("release", 0),
        ("hold", own()), ("take", own()), ("hold_release", 0),
        ("take", own()), ("ref", own()), ("hold", own()),
        ("clone", own()), ("take", own()), ("finalize", own())),
    "take-held-and-borrowed": enc(
        create(A), ("hold", own()), ("ref", own()), ("take", own()),
        ("hold_mut_ref", 0), ("release", 0), ("hold_mut_ref", 0),
        ("take", own()), ("release", 0), ("release", 1),
        ("hold_release", 0), ("take", own())),
    "double-release": enc(
        create(A), ("ref", own()), ("release", 0), ("release", 0),
        ("stale", 0), ("mut_ref", own()), ("release", 0), ("stale", 1)),
    "stale-copy-while-live": enc(
        create(A), ("ref", own()), ("ref", own()), ("stale", 0),
        ("release", 0), ("release", 1), ("stale", 1)),
    "stale-after-drop": enc(
        create(A), ("ref", own()), ("release", 0), ("finalize", own()),
        ("create", A), ("ref", own()), ("stale", 0), ("stale", 1)),
    "stale-after-take": enc(
        create(PLAIN), ("mut_ref", own()), ("release", 0),
        ("take", own()), ("stale", 0)),
    "type-mismatch": enc(
        create(A), ("ref", as_type(0, WIDE)), ("ref", as_type(0, PLAIN)),
        ("mut_ref", as_type(0, ALIAS)), ("ref", as_type(0, A)),
        ("hold", as_type(0, WIDE)), ("take", as_type(0, PLAIN)),
        ("clone", as_type(0, WIDE)), ("release", 0)),
    "alias-creator": enc(
        create(ALIAS), ("ref", as_type(0, A)), ("hold", as_type(0, A)),
        ("finalize", own()), ("release", 0), ("hold_release", 0)),
    "wide-vs-narrow": enc(
        create(WIDE), create(A), ("ref", as_type(0, A)),
        ("ref", as_type(1, WIDE)), ("clone", as_type(0, WIDE)),
        ("clone", as_type(1, A)), ("clone", as_type(1, WIDE))),
    "clone-variants": enc(
        create(A), ("clone", own()), ("clone", own(), SHORT),
        ("clone", own(), LONG), ("clone", own(), CLONE_FAILS),
        ("mut_ref", own()), ("clone", own()), ("release", 0),
        ("ref", own()), ("clone", own()), ("release", 0)),
    "not-cloneable": enc(
        create(PLAIN), ("clone", own()), ("clone", own(), SHORT),
        ("hold", own()), ("hold_clone", 0), ("hold_clone", 0, LONG)),
    "hold-clone": enc(
        create(WIDE), ("hold", own()), ("hold_clone", 0),
        ("hold_clone", 0, CLONE_FAILS), ("hold_clone", 0, SHORT),
        ("finalize", own()), ("hold_clone", 0), ("hold_mut_ref", 0),
        ("hold_clone", 0), ("release", 0), ("hold_release", 0)),
    "dup-chain": enc(
        create(A), ("hold", own()), ("dup", 0), ("dup", 1), ("dup", 2),
        ("finalize", own()), ("hold_release", 1), ("hold_release", 0),
        ("hold_mut_ref", 0), ("hold_release", 0), ("hold_release", 0),
        ("release", 0)),
    "hold-during-exclusive": enc(
        create(A), ("mut_ref", own()), ("hold", own()), ("hold_ref", 0),
        ("hold_mut_ref", 0), ("release", 0), ("hold_release", 0)),
    "alloc-failures": enc(
        create(A, 0, ALLOC_FAILS), create(A), ("hold", own(), ALLOC_FAILS),
        ("hold", own()), ("dup", 0, ALLOC_FAILS), ("dup", 0),
        create(PLAIN, 0, ALLOC_FAILS)),
    "release-null-and-zero": enc(
        ("release", 5), ("stale", 3), ("hold_release", 0), create(A),
        ("release", 7)),
    "many-payloads": enc(
        *[create(t % 4, t % 4, 0, t) for t in range(10)],
        *[("ref", own(i)) for i in range(8)],
        *[("finalize", own(0)) for _ in range(10)],
        *[("release", i) for i in range(8)]),
    "finalize-taken": enc(create(WIDE, 1), ("take", own()),
                          ("finalize", own()), ("stale", 0)),
    "send-borrowed-away-released-home": enc(
        create(A), ("hold", own()), ("hold_ref", 0, OFF),
        ("hold_ref", 0), ("mut_ref", own()), ("release", 0),
        ("release", 1, OFF), ("hold_mut_ref", 0, OFF), ("ref", own()),
        ("finalize", own()), ("release", 0), ("hold_release", 0, OFF)),
    "stale-copy-other-side": enc(
        create(A), ("hold", own()), ("hold_ref", 0, OFF), ("release", 0),
        ("hold_ref", 0), ("stale", 0), ("stale", 1), ("release", 0)),
    "thread-bound-off-thread": enc(
        create(PLAIN), ("hold", own()), ("hold_ref", 0, OFF),
        ("hold_mut_ref", 0, OFF), ("hold_clone", 0, OFF_CLONE),
        ("dup", 0, OFF), ("hold_ref", 0), ("release", 0, OFF),
        ("release", 0), ("hold_release", 0, OFF), ("hold_release", 0)),
    "last-release-off-thread": enc(
        create(WIDE, 2), ("hold", own()), ("dup", 0, OFF),
        ("finalize", own()), ("hold_release", 0, OFF),
        ("hold_clone", 0, OFF_CLONE), ("hold_release", 0, OFF)),
    "broken-descriptor": enc(
        create(A), ("ref", BROKEN_SEL),
        ("mut_ref", BROKEN_SEL), ("hold", BROKEN_SEL), ("take", BROKEN_SEL),
        ("clone", BROKEN_SEL), ("ref", own()), ("take", BROKEN_SEL)),
    "stats-sizes": enc(("stats", 0), ("stats", 1), create(A), ("stats", 2),
                       ("stats", 3), ("ref", own()), ("stats", 2)),
    "stale-shared-copy-while-shared-live": enc(
        create(A), ("ref", own()), ("ref", own()), ("ref", own()),
        ("release", 1), ("stale", 1), ("stale", 1, OFF), ("release", 0),
        ("stale", 0), ("stale", 2), ("release", 2), ("ref", own()),
        ("ref", own()), ("stale", 2), ("stale", 0), ("release", 0),
        ("release", 1)),
    "stale-exclusive-copy-while-exclusive-live": enc(
        create(A), ("mut_ref", own()), ("release", 0), ("mut_ref", own()),
        ("stale", 0), ("stale", 0, OFF), ("access", 0), ("release", 0),
        ("hold", own()), ("hold_mut_ref", 0), ("release", 0),
        ("hold_mut_ref", 0, OFF), ("stale", 2), ("stale", 2, OFF),
        ("stale", 1), ("access", 0), ("release", 0), ("hold_release", 0)),
    "copy-of-live-released-twice": enc(
        create(A), ("ref", own()), ("stale", 0), ("release", 0),
        ("stale", 0), ("ref", own()), ("ref", own()), ("copy", 1),
        ("stale", 3), ("stale", 2), ("release", 1), ("release", 0),
        ("mut_ref", own()), ("copy", 0), ("release", 0), ("stale", 5),
        ("stale", 4), ("mut_ref", own()), ("copy", 0), ("stale", 7, OFF),
        ("release", 0, OFF), ("stale", 6)),
    "stale-away-copy-home-live": enc(
        create(A), ("hold", own()), ("hold_ref", 0, OFF), ("release", 0),
        ("hold_ref", 0), ("stale", 0), ("stale", 0, OFF), ("hold_ref", 0, OFF),
        ("stale", 0, OFF), ("stale", 2, OFF), ("stale", 1), ("release", 0),
        ("release", 1), ("hold_mut_ref", 0, OFF), ("release", 0),
        ("hold_mut_ref", 0), ("stale", 3, OFF), ("stale", 3),
        ("release", 0, OFF)),
    "thread-bound-stale-off-thread": enc(
        create(PLAIN), ("ref", own()), ("release", 0), ("ref", own()),
        ("stale", 0, OFF), ("release", 0, OFF), ("stale", 1, OFF),
        ("ref", own()), ("release", 1), ("stale", 2, OFF), ("stale", 2),
        ("release", 0, OFF), ("release", 0), ("mut_ref", own()),
        ("release", 0), ("stale", 3, OFF), ("stale", 3)),
    "dead-hold-slot-reused-by-hold": enc(
        create(A), ("hold", own()), ("hold_release", 0), ("hold", own()),
        *every_dead_fn(0), *every_dead_fn(0, OFF),
        *every_dead_fn(0, ALLOC_FAILS), ("hold_ref", 0), ("release", 0),
        ("dup", 0), ("hold_release", 1), ("dup", 0),
        *every_dead_fn(1), *every_dead_fn(1, OFF), ("hold_release", 0),
        ("hold_release", 0), *every_dead_fn(2), *every_dead_fn(3)),
    "dead-hold-thread-bound": enc(
        create(PLAIN), ("hold", own()), ("dup", 0), ("hold_release", 0),
        ("hold", own()), *every_dead_fn(0, OFF), *every_dead_fn(0),
        ("hold_release", 0, OFF), ("hold_release", 0), ("hold_release", 0),
        *every_dead_fn(1, OFF), *every_dead_fn(2)),
    "dead-hold-slot-reused-by-payload": enc(
        create(A), ("hold", own()), ("hold_release", 0), create(WIDE),
        *every_dead_fn(0), *every_dead_fn(0, OFF), ("ref", own(1)),
        *every_dead_fn(0), ("release", 0), ("finalize", own(0)),
        ("hold", own()), *every_dead_fn(0)),
    "external-bytes-edges": enc(
        *[create(A, b) for b in (
            B_NEG1, B_NEG4096, B_INT64_MIN, B_NEG_MAX, B_MAX_PLUS1, B_2MAX,
            B_2P60, B_INT64_MAX, B_2P62, B_2P60_MINUS1)],
        create(A, B_MAX), create(WIDE, B_MAX_MINUS1), create(PLAIN, B_ONE),
        ("stats", 3), ("take", own(0)), ("finalize", own(1)),
        create(A, B_NEG1, ALLOC_FAILS), create(A, B_2P60, nth(2))),
    "process-total-near-int64-max": enc(
        create(A, B_MAX), ("bias", ROOM_MAX_MINUS1), create(A, B_MAX),
        create(A, B_MAX, nth(2)), create(A, B_MAX_MINUS1), create(A, B_ONE),
        create(PLAIN, B_ZERO), ("take", own(1)), create(WIDE, B_MAX),
        create(WIDE, B_MAX_MINUS1), ("finalize", own(0)), create(A, B_MAX),
        create(A, B_ONE), ("bias", 0), ("bias", ROOM_0), create(A, B_ONE),
        create(A, B_ZERO), ("bias", 0), ("bias", ROOM_MAX),
        create(A, B_MAX), create(A, B_ONE)),
    "alloc-failures-table": enc(
        create(A), ("ref", own()), ("ref", own(), nth(1)),
        ("ref", own(), nth(2)), ("ref", own(), nth(3)), ("ref", own()),
        ("ref", own(), nth(1)), ("clone", own(), ALLOC_FAILS),
        ("hold", own()), ("hold_ref", 0, nth(1) | OFF),
        ("hold_clone", HOLD_CLONE_ALLOC), ("release", 0),
        ("release", 1), ("release", 2), ("release", 3),
        ("mut_ref", own(), nth(1)), ("hold_mut_ref", 0, nth(1)),
        ("release", 0), ("hold_ref", 0, nth(1)), create(A, 1, nth(2)),
        create(A, 1, nth(3)), create(WIDE, 0, nth(2)),
        ("dup", 0, nth(1)), ("hold", own(), nth(2))),
    "table-grows": enc(
        create(A, 2), *[("ref", own()) for _ in range(7)],
        ("clone", own(), ALLOC_FAILS), ("ref", own(), nth(1)),
        ("ref", own()), ("stale", 3), ("stale", 3), ("release", 3),
        ("clone", own()), ("release", 0), ("release", 7), ("stale", 7),
        ("ref", own()), ("release", 5), ("release", 6), ("stale", 4),
        ("release", 4), ("release", 1), ("release", 2), ("mut_ref", own()),
        ("stale", 1), ("release", 0)),
    "hold-borrow-js-borrow": enc(
        create(A), ("hold", own()), ("hold_ref", 0), ("ref", own()),
        ("mut_ref", own()), ("hold_mut_ref", 0), ("release", 1),
        ("release", 0), ("mut_ref", own()), ("hold_ref", 0),
        ("finalize", own()), ("release", 0), ("hold_release", 0)),
}


def random_seed(rng, n):
    out = bytearray()
    out += bytes([0, rng.randrange(16), rng.randrange(256)])
    for _ in range(n):
        op = rng.choice(list(OPS.values()))
        flags = 0
        if rng.random() < 0.1:
            flags |= ALLOC_FAILS
        if rng.random() < 0.1:
            flags |= CLONE_FAILS
        if rng.random() < 0.1:
            flags |= rng.choice([SHORT, LONG])
        if op == 15:
            flags |= rng.choice(list(SUB.values()))
        out += bytes([op | flags, rng.randrange(256)])
        if op == 0:
            out.append(rng.randrange(256))
    return bytes(out)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus")
    os.makedirs(outdir, exist_ok=True)
    for name in os.listdir(outdir):
        if name.startswith("seed-"):
            os.remove(os.path.join(outdir, name))
    for i, (name, data) in enumerate(sorted(SEEDS.items())):
        with open(os.path.join(outdir, "seed-%02d-%s" % (i, name)), "wb") as f:
            f.write(data)
    rng = random.Random(20261124)
    for i in range(16):
        data = random_seed(rng, rng.randrange(8, 60))
        with open(os.path.join(outdir, "seed-r%02d-random" % i), "wb") as f:
            f.write(data)
    print("wrote %d seeds to %s" % (len(SEEDS) + 16, outdir))


if __name__ == "__main__":
    main()
