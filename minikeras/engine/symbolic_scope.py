"""`keras.SymbolicScope` (Keras's `keras/src/backend/common/symbolic_scope.py`): marks code that
runs on symbolic tensors. minikeras's layers decide that from their inputs, so the scope is only
recorded."""
import threading

_state = threading.local()


class SymbolicScope:
    """A scope marking the symbolic (graph-building) stage; `in_symbolic_scope()` reports it."""

    def __enter__(self):
        self.original_scope = get_symbolic_scope()
        _state.scope = self
        return self

    def __exit__(self, *exc):
        _state.scope = self.original_scope


def get_symbolic_scope():
    """The innermost open SymbolicScope, or `None`."""
    return getattr(_state, "scope", None)


def in_symbolic_scope():
    """Whether a SymbolicScope is open."""
    return get_symbolic_scope() is not None
