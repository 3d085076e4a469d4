"""The synthetic benchmark vectors: noise shaped like the real vectors, or isotropic."""

from __future__ import annotations

import numpy as np
import pytest

from bench import synthetic


def _anisotropic(n: int = 400, dim: int = 24) -> np.ndarray:
    """Vectors whose variance falls off steeply across dimensions, as embeddings' does."""
    rng = np.random.default_rng(1)
    scale = 0.5 ** np.arange(dim, dtype=np.float32)
    vecs = rng.standard_normal((n, dim)).astype(np.float32) * scale + 1.0
    return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def test_corpus_noise_varies_along_the_real_vectors_directions() -> None:
    real = _anisotropic()
    noise = synthetic.noise(real, 50_000, "corpus")
    expected = synthetic.CORPUS_SCALE**2 * np.cov(real, rowvar=False)
    error = np.linalg.norm(np.cov(noise, rowvar=False) - expected) / np.linalg.norm(expected)
    assert error < 0.05
    pr_real = synthetic.participation_ratio(real)
    assert pr_real < 3  # the fixture is strongly anisotropic...
    assert synthetic.participation_ratio(noise) == pytest.approx(pr_real, rel=0.05)


def test_isotropic_noise_spreads_over_every_dimension() -> None:
    real = _anisotropic()
    noise = synthetic.noise(real, 50_000, "isotropic")
    assert synthetic.participation_ratio(noise) == pytest.approx(real.shape[1], rel=0.05)
    assert float(noise.std()) == pytest.approx(synthetic.SIGMA, rel=0.02)


def test_vectors_around_centres_are_unit_length_and_reproducible() -> None:
    real = _anisotropic()
    centres = np.array([0, 5, 5, 399])
    first = synthetic.around(real, centres, "corpus")
    assert first.shape == (4, real.shape[1]) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-6)
    assert np.array_equal(first, synthetic.around(real, centres, "corpus"))
    # Each stays nearest its own centre (the two from centre 5 both pick column 1).
    assert np.argmax(first @ real[centres].T, axis=1).tolist() == [0, 1, 1, 3]


def test_an_unknown_noise_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown noise 'uniform'"):
        synthetic.noise(_anisotropic(), 10, "uniform")
