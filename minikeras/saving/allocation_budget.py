"""A loaded config must not make us allocate far more than the file's weights hold.

While `allocation_budget(nbytes, what)` is open, every variable created (engine/variable.py calls
`creation_check` before allocating) is charged against `nbytes`; one that does not fit raises
ValueError naming the variable and what declared it, before any memory is taken.
"""
import contextlib
import math

import numpy as onp

from minikeras.engine import variable


@contextlib.contextmanager
def allocation_budget(nbytes, what):
    """Within the block, creating variables larger in total than `nbytes` raises ValueError."""
    left = [int(nbytes)]

    def charge(name, shape, dtype):
        size = math.prod(int(d) for d in shape) * onp.dtype(dtype).itemsize
        if size > left[0]:
            raise ValueError(
                f"Refusing to create variable '{name}' of shape {tuple(shape)} ({size:,} bytes): "
                f"{what} declares more weights than its file holds.")
        left[0] -= size

    saved, variable.creation_check = variable.creation_check, charge
    try:
        yield
    finally:
        variable.creation_check = saved
