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
    """Hands out independent generators by name for one replication.

    ``prefix`` puts every name under a part of the model: a hub's streams are
    named ``hub/<hub>/...``, a pool's ``pool/<pool>/...``, so adding a hub leaves
    every other hub's draws as they were.  A one-hub scenario uses no prefix.
    """

    def __init__(self, seed: int, replication: int = 0, prefix: tuple[str, ...] = ()) -> None:
        self.seed = seed
        self.replication = replication
        self.prefix = prefix

    def under(self, *prefix: str) -> "Streams":
        """The same replication's streams, with names under ``prefix``."""
        return Streams(self.seed, self.replication, (*self.prefix, *prefix))

    def rng(self, *name: str) -> np.random.Generator:
        key = zlib.crc32("/".join((*self.prefix, *name)).encode("utf-8"))
        sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, key))
        return np.random.Generator(np.random.PCG64(sequence))

    def rng_at(self, name: tuple[str, ...], index: tuple[int, ...]) -> np.random.Generator:
        """The generator of item ``index`` of the family ``name`` (a child's return, named by the
        first contact's key and the return's number): one of its own, whatever other items exist."""
        key = zlib.crc32("/".join((*self.prefix, *name)).encode("utf-8"))
        sequence = np.random.SeedSequence(entropy=self.seed, spawn_key=(self.replication, key, *index))
        return np.random.Generator(np.random.PCG64(sequence))
