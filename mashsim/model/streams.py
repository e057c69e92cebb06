"""Named random streams: one generator per source of randomness, per replication.

Every stream is derived from ``(seed, replication, name)`` alone, so a stream
does not depend on which other streams exist, on the order they are asked
for, or on the worker that runs the replication.  That is what makes results
reproducible bit for bit and gives common random numbers across scenarios:
changing a staffing level or a policy leaves every contact's draws unchanged.
"""

from __future__ import annotations

import zlib

import numpy as np


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of one replication: the same for every design point (CRN)."""
    return np.random.SeedSequence(entropy=seed, spawn_key=(replication,))


class Streams:
    """Hands out independent generators by name for one replication."""

    def __init__(self, seed: int, replication: int = 0) -> None:
        self.seed = seed
        self.replication = replication

    def rng(self, *name: str) -> np.random.Generator:
        key = zlib.crc32("/".join(name).encode("utf-8"))
        sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, key))
        return np.random.Generator(np.random.PCG64(sequence))
