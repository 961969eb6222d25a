"""`keras.RematScope` and `keras.remat` (Keras's `keras/src/backend/common/remat.py`).

Rematerialisation recomputes activations in the backward pass to save memory. minikeras keeps
every activation autograd traces, so the scope is accepted, validated and recorded, and changes
nothing; `remat(f)` returns `f`.
"""
import collections
import threading

RematMode = collections.namedtuple("RematMode", ["mode", "output_size_threshold", "layer_names"])
_state = threading.local()


def _stack():
    if not hasattr(_state, "scopes"):
        _state.scopes = []
    return _state.scopes


class RematScope:
    """A scope asking for rematerialisation (gradient checkpointing); a no-op in minikeras.

    Args:
        mode: "full", "activations", "larger_than", "list_of_layers" or `None`.
        output_size_threshold: the output size above which "larger_than" applies (1024).
        layer_names: the layer names "list_of_layers" applies to (default `[]`).
    """

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in {"full", "activations", "larger_than", "list_of_layers", None}:
            raise ValueError(f"Invalid mode '{mode}'. Supported modes are: 'full', "
                             "'activations', 'larger_than', 'list_of_layers', or  None.")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = layer_names or []
        self._pop_on_exit = False

    def __enter__(self):
        _stack().append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc):
        if self._pop_on_exit:
            _stack().pop()
            self._pop_on_exit = False


def get_current_remat_mode():
    """The innermost open RematScope's settings as a `RematMode`, or `None`."""
    if not _stack():
        return None
    scope = _stack()[-1]
    return RematMode(scope.mode, scope.output_size_threshold, scope.layer_names)


def remat(f):
    """`f` itself: Keras wraps it to recompute its activations in the backward pass; minikeras
    keeps them (the result and its gradients are the same)."""
    return f
