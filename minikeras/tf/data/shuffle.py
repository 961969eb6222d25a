"""`shuffle`: TensorFlow's buffer shuffle.

The buffer is filled in order with the first `buffer_size` elements. Then, until it is empty, a
uniformly random buffer slot is emitted and refilled with the next input element (once the
input is exhausted the buffer just drains). So element k can come out no earlier than position
k - buffer_size + 1, a buffer as large as the dataset gives a uniform permutation, and
`buffer_size=1` keeps the order.

Seeds follow TensorFlow's contract, not its random stream (which cannot be reproduced without
TensorFlow's kernels): the same `seed` gives the same orders in every run; each new pass over
the dataset (`iter`, an epoch, a `repeat`) draws a new order unless
`reshuffle_each_iteration=False`; without a seed, the seed comes from minikeras's global
generator, so `keras.utils.set_random_seed` makes it repeatable.
"""
import numpy as onp

from minikeras.engine.random import draw_seed
from minikeras.tf.data.transforms import _Unary
from minikeras.tf.errors import InvalidArgumentError

_DRAWS = 1024  # uniform numbers drawn at a time: one numpy call per 1024 elements


class _ShuffleDataset(_Unary):
    def __init__(self, input_dataset, buffer_size, seed=None, reshuffle_each_iteration=None):
        super().__init__(input_dataset)
        self._buffer_size = int(buffer_size)
        if self._buffer_size <= 0 and self._buffer_size != -2:  # -2: UNKNOWN_CARDINALITY
            raise InvalidArgumentError("buffer_size must be greater than zero or "
                                       "UNKNOWN_CARDINALITY")
        self._seed = draw_seed(None if seed is None else int(seed))
        self._reshuffle = True if reshuffle_each_iteration is None else bool(
            reshuffle_each_iteration)
        self._passes = 0

    def _rng(self, peek):
        """The generator of this pass: pass k of a reshuffling dataset uses (seed, k)."""
        index = self._passes if self._reshuffle else 0
        if self._reshuffle and not peek:
            self._passes += 1
        return onp.random.default_rng([self._seed, index])

    def _generate(self, peek=False):
        yield from _buffer_shuffle(self._input._generate(peek), self._buffer_size,
                                   self._rng(peek))

    def _batches_by_rows(self, batch_size, drop_remainder, peek=False):
        """The fast path of `from_tensor_slices(...).shuffle(...).batch(...)`: the same order,
        computed on row numbers, then each batch gathered at once (see batching.py). None when
        the input is not a from_tensor_slices dataset."""
        rows = getattr(self._input, "_rows", None)
        if rows is None:
            return None
        return self._shuffled_batches(rows, batch_size, drop_remainder, peek)

    def _shuffled_batches(self, rows, batch_size, drop_remainder, peek):
        n = self._input._cardinality()
        order = onp.fromiter(_buffer_shuffle(iter(range(n)), self._buffer_size, self._rng(peek)),
                             dtype=onp.int64, count=n)
        stop = n - n % batch_size if drop_remainder else n
        for start in range(0, stop, batch_size):
            yield rows(order[start:start + batch_size])


def _buffer_shuffle(elements, size, rng):
    """The elements of an iterator in buffer-shuffled order (see the module docstring)."""
    buffer = []
    for element in elements:  # fill the buffer, in order
        buffer.append(element)
        if len(buffer) == size:
            break
    draws = iter(())
    while buffer:
        u = next(draws, None)
        if u is None:
            draws = iter(rng.random(_DRAWS).tolist())
            u = next(draws)
        slot = int(u * len(buffer))
        chosen = buffer[slot]
        refill = next(elements, StopIteration)
        if refill is StopIteration:
            buffer[slot] = buffer[-1]
            buffer.pop()
        else:
            buffer[slot] = refill
        yield chosen
