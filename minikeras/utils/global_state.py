"""`keras.utils.clear_session`: Keras keeps it in `keras/src/backend/common/global_state.py`; it resets
state of several floors, so it lives above them."""
import gc

from minikeras.engine import config, name_scope, remat
from minikeras.utils.naming import reset_uids


def clear_session(free_memory=True):
    """Resets Keras's global state: layer-name counters (the next Dense is "dense" again) and
    open name and remat scopes; `free_memory` also runs the garbage collector."""
    reset_uids()
    config.set_global_dtype_policy(None)  # back to floatx's policy, as Keras's global state
    name_scope._stack().clear()
    remat._stack().clear()
    if free_memory:
        gc.collect()
