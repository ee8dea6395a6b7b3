"""Small dense linear algebra for the Mag-7 correlation windows (7 x 7; no numpy at runtime)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

_Matrix = list[list[float]]


def _cholesky(matrix: _Matrix) -> _Matrix | None:
    """Lower Cholesky factor, or None when the matrix is not positive definite."""
    size = len(matrix)
    lower = [[0.0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1):
            rest = matrix[i][j] - sum(lower[i][k] * lower[j][k] for k in range(j))
            if i == j:
                if rest <= 1e-12 * max(abs(matrix[i][i]), 1e-300):
                    return None
                lower[i][i] = math.sqrt(rest)
            else:
                lower[i][j] = rest / lower[j][j]
    return lower


def _lower_inverse(lower: _Matrix) -> _Matrix:
    """Inverse of a lower-triangular matrix (forward substitution)."""
    size = len(lower)
    inverse = [[0.0] * size for _ in range(size)]
    for col in range(size):
        for row in range(col, size):
            known = sum(lower[row][k] * inverse[k][col] for k in range(col, row))
            inverse[row][col] = ((1.0 if row == col else 0.0) - known) / lower[row][row]
    return inverse


def _scatter(rows: Sequence[Sequence[float]]) -> _Matrix:
    """Sum of the outer products of the rows (a covariance matrix, unnormalised)."""
    size = len(rows[0])
    return [[sum(row[i] * row[j] for row in rows) for j in range(size)] for i in range(size)]


def _target_correlation(
    current: _Matrix, member: int, member_mean: float, group_mean: float
) -> _Matrix:
    """``current`` shifted so that the member's mean correlation to the others is
    ``member_mean`` and the mean over all pairs is ``group_mean``; blended towards an
    equicorrelated matrix with those means if the shift leaves it not positive definite."""
    size = len(current)
    pairs = size * (size - 1) / 2
    peer_mean = (group_mean * pairs - member_mean * (size - 1)) / (pairs - (size - 1))

    def mean_of(in_member_pairs: bool) -> float:
        values = [
            current[i][j]
            for i in range(size)
            for j in range(i + 1, size)
            if (member in (i, j)) == in_member_pairs
        ]
        return sum(values) / len(values)

    member_shift = member_mean - mean_of(True)
    peer_shift = peer_mean - mean_of(False)
    for weight in (0.0, 0.25, 0.5, 0.75, 1.0):
        target = [[1.0] * size for _ in range(size)]
        for i in range(size):
            for j in range(size):
                if i == j:
                    continue
                is_member = member in (i, j)
                shifted = current[i][j] + (member_shift if is_member else peer_shift)
                flat = member_mean if is_member else peer_mean
                target[i][j] = (1.0 - weight) * shifted + weight * flat
        if _cholesky(target) is not None:
            return target
    raise ValueError("correlation targets are not attainable")  # the flat matrix always is


def recolor(
    columns: list[list[float]],
    cuts: Sequence[int],
    member: int,
    member_mean: float,
    group_mean: float,
) -> None:
    """Give the window of returns (cuts[0], cuts[-1]] exactly the target correlations, in place.

    The window is split into blocks at ``cuts``; each block keeps its mean (so prices at every
    cut are unchanged) and only the deviations within blocks are re-mixed: whitened with their own
    scatter's Cholesky factor, then coloured with the factor of the scatter the target needs.
    """
    first, last = cuts[0] + 1, cuts[-1]
    size = len(columns)
    block_of = {
        t: b for b, (lo, hi) in enumerate(itertools.pairwise(cuts)) for t in range(lo + 1, hi + 1)
    }
    block_means = [
        [sum(col[lo + 1 : hi + 1]) / (hi - lo) for col in columns]
        for lo, hi in itertools.pairwise(cuts)
    ]
    window_mean = [sum(col[first : last + 1]) / (last - first + 1) for col in columns]
    within = [
        [columns[j][t] - block_means[block_of[t]][j] for j in range(size)]
        for t in range(first, last + 1)
    ]
    between = [
        [block_means[block_of[t]][j] - window_mean[j] for j in range(size)]
        for t in range(first, last + 1)
    ]
    within_scatter, between_scatter = _scatter(within), _scatter(between)
    total = [
        [within_scatter[i][j] + between_scatter[i][j] for j in range(size)] for i in range(size)
    ]
    scale = [math.sqrt(total[i][i]) for i in range(size)]
    current = [[total[i][j] / (scale[i] * scale[j]) for j in range(size)] for i in range(size)]
    target = _target_correlation(current, member, member_mean, group_mean)
    stretch = 1.0
    while True:  # widen the variances until the within-block part left over is attainable
        needed = [
            [
                stretch**2 * scale[i] * scale[j] * target[i][j] - between_scatter[i][j]
                for j in range(size)
            ]
            for i in range(size)
        ]
        needed_factor = _cholesky(needed)
        if needed_factor is not None:
            break
        stretch *= 1.05
    own_factor = _cholesky(within_scatter)
    if own_factor is None:
        raise ValueError("window too short to recolour")
    whiten = _lower_inverse(own_factor)
    # mixing = whiten^T @ needed_factor^T, so that within @ mixing has scatter `needed`
    mixing = [
        [sum(whiten[k][i] * needed_factor[j][k] for k in range(size)) for j in range(size)]
        for i in range(size)
    ]
    for offset, t in enumerate(range(first, last + 1)):
        row = within[offset]
        means = block_means[block_of[t]]
        for j in range(size):
            columns[j][t] = means[j] + sum(row[k] * mixing[k][j] for k in range(size))
