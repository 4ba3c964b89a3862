#!/usr/bin/env python3
"""Writes the seed corpus of the core fuzzer into tests/fuzz/corpus/.

Each seed is a sequence of operations in the encoding that fuzz_core.c
decodes: an op byte (low 4 bits: the operation; bit 4: the next allocation
fails, or for hold_clone: run on another thread; bit 5: the clone callback
fails; bits 6-7: clone-out dst size 0, 0, -8 or +8 bytes off; bit 7 for
release, stale release, dup, hold release, hold_ref and hold_mut_ref: run on
another thread), then an argument byte (the payload, borrow or hold
picked, and in bits 4-6 the asked type: 0-2 the creator's own, 3 a
descriptor with a too small struct_size, 4-7 type 0-3), and for create one
more byte, the payload's value.
Op 15 calls extref_stats_get with NULL, struct_size 4, 8+8 and full.

Usage: tests/fuzz/gen_corpus.py [OUTDIR]   (deterministic: same files always)
"""
import os
import random
import sys

OPS = {
    "create": 0, "ref": 1, "mut_ref": 2, "release": 3, "stale": 4,
    "hold": 5, "dup": 6, "hold_release": 7, "hold_ref": 8,
    "hold_mut_ref": 9, "take": 10, "clone": 11, "hold_clone": 12,
    "finalize": 13, "access": 14, "stats": 15,
}
A, ALIAS, WIDE, PLAIN = 0, 1, 2, 3
BROKEN_SEL = 3 << 4  # asked type: the descriptor whose struct_size is 8
ALLOC_FAILS, CLONE_FAILS = 0x10, 0x20
SHORT, LONG = 0x80, 0xC0
OFF = 0x80          # another thread (release, stale, dup, hold_*)
OFF_CLONE = 0x10    # another thread (hold_clone)


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
        flags = s[2] if len(s) > 2 else 0
        out += bytes([OPS[name] | flags, arg])
        if name == "create":
            out.append(s[3] if len(s) > 3 else 7)
    return bytes(out)


def create(t, bytes_code=0, flags=0, value=7):
    return ("create", t | (bytes_code << 2), flags, value)


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
