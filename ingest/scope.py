"""Which documents an ingest answers for in a shared index (RAG_STORE=postgres): those stored
under the paths it was given and, with `--shard i/n`, whose stored name hashes to shard i.
Shards are chosen by name, so every machine agrees on them without talking to the others,
and a file that disappears is dropped by the shard it belonged to."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.store.protocol import Scope
from ingest.inputs import stored_name


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (0-based), written `index/count` on the command line."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise ValueError(f"--shard {text!r}: expected I/N, e.g. 0/2") from None
        if count < 1 or not 0 <= index < count:
            raise ValueError(f"--shard {text!r}: I must be in 0..N-1")
        return cls(index, count)

    def split(self, workers: int) -> list[Shard]:
        """This shard cut into `workers` shards of a corpus cut into count * workers."""
        return [Shard(self.index * workers + j, self.count * workers) for j in range(workers)]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def in_shard(name: str, shard: Shard) -> bool:
    digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % shard.count == shard.index


def make_scope(paths: Sequence[Path], shard: Shard | None) -> Scope:
    """The stored names under `paths` (as `ingest.inputs.discover` names them), in `shard`."""
    roots = [stored_name(os.path.normpath(p)) for p in paths]

    def under(name: str) -> bool:
        for root in roots:
            if root == ".":
                if not (os.path.isabs(name) or name.startswith("../")):
                    return True
            elif name == root or name.startswith(root.rstrip("/") + "/"):
                return True
        return False

    def scope(name: str) -> bool:
        return under(name) and (shard is None or in_shard(name, shard))

    return scope
