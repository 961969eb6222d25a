"""`GradientTape`: TensorFlow's tape, on autograd's tracer.

    with tf.GradientTape() as tape:           # opens an autograd trace
        y_pred = model(x, training=True)      # each trainable variable read is boxed (a root)
        loss = loss_fn(y, y_pred)
    grads = tape.gradient(loss, model.trainable_weights)   # autograd's backward pass to the roots

While the block runs, the tape is one of the recording tapes in `engine.autodiff`: a variable
read (`self.kernel`, `variable.value`, any `keras.ops` function) gets a traced value, a root of
this tape's trace, the first time it is read (again after an `assign`). Tensors given to
`watch()` are traced wherever a layer or a `keras.ops` / `tf.*` function receives them. Nested
tapes trace on nested autograd traces, so a gradient taken inside an outer tape's block is
itself differentiable (the gradient penalty of WGAN-GP); two tapes opened together (a GAN's
generator and discriminator tapes) each see the whole computation.

Differences from TensorFlow: operations on values that are already traced keep being recorded
inside `stop_recording()` (only new reads are not traced), and a plain numpy array passed to
`watch` is traced only where minikeras sees it (layers, `keras.ops`, `tf.*`), not in a bare
numpy expression such as `x * x`.
"""
import contextlib

import numpy as onp

from autograd.core import vspace
from autograd.tracer import getval, isbox, new_box, trace_stack

from minikeras.engine import autodiff
from minikeras.engine.autodiff import TraceNode, VariableBox, backward
from minikeras.engine.keras_tensor import flatten, map_structure
from minikeras.engine.tensor import as_tensor
from minikeras.engine.variable import Variable


class GradientTape:
    """Records the operations of a `with` block for automatic differentiation.

    Args:
        persistent: allow several `gradient()` calls (else one).
        watch_accessed_variables: trace every trainable variable read in the block (else only
            those passed to `watch`).
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._trace = None       # this tape's autograd trace id, while or after recording
        self._recording = False
        self._used = False
        self._reset_records()

    def _reset_records(self):
        self._reads = {}          # id(variable) -> (value read, its traced value)
        self._roots = {}          # id(variable or tensor) -> [root nodes]
        self._variables = {}      # id(variable) -> variable, in order of first read / watch
        self._watched_ids = set()  # ids of variables passed to watch()
        self._watched = {}         # id(tensor) -> (tensor, traced value)

    # --- the block ----------------------------------------------------------------------
    def __enter__(self):
        if self._recording:
            raise ValueError("This GradientTape is already recording: a tape can only be "
                             "entered once at a time.")
        self._trace_context = trace_stack.new_trace()
        self._trace = self._trace_context.__enter__()
        self._start()
        return self

    def __exit__(self, *exc):
        self._stop()
        self._trace_context.__exit__(None, None, None)
        return False

    def _start(self):
        self._recording = True
        autodiff._tapes.append(self)
        autodiff._refresh_scope()

    def _stop(self):
        self._recording = False
        if self in autodiff._tapes:
            autodiff._tapes.remove(self)
        for key in self._watched:
            autodiff._watched.pop(key, None)
        self._rewatch_outer()
        autodiff._refresh_scope()

    @staticmethod
    def _rewatch_outer():
        """Tensors outer tapes still watch stay traced after an inner tape stops."""
        for tape in autodiff._tapes:
            autodiff._watched.update(tape._watched)

    @contextlib.contextmanager
    def stop_recording(self):
        """Variables read and tensors watched inside this block are not traced by this tape."""
        if not self._recording:
            raise ValueError("Tape.stop_recording() can only be called while the tape is "
                             "recording (inside its `with` block).")
        self._stop()
        try:
            yield
        finally:
            self._start()
            autodiff._watched.update(self._watched)

    def reset(self):
        """Forgets everything recorded so far (inside the block it keeps recording)."""
        for key in self._watched:
            autodiff._watched.pop(key, None)
        self._reset_records()
        self._rewatch_outer()

    # --- what gets traced ---------------------------------------------------------------
    def _read(self, variable, value):
        """The traced value of `variable` (read as `value`) for this tape, boxing it on the first
        read and after every change of its value."""
        key = id(variable)
        if not (key in self._watched_ids or self._watch_accessed and variable.trainable):
            return value
        cached = self._reads.get(key)
        if cached is not None and cached[0] is value:
            return cached[1]
        root = TraceNode.new_root()
        box = VariableBox(_as_traced_tensor(value), self._trace, root, variable)
        self._reads[key] = (value, box)
        self._roots.setdefault(key, []).append(root)
        self._variables.setdefault(key, variable)
        return box

    def watch(self, tensor):
        """Trace `tensor` (a variable, an array, or a nested structure of them) from now on."""
        for t in flatten(tensor):
            if t is None:
                continue
            if isinstance(t, Variable):
                self._watched_ids.add(id(t))
                self._variables.setdefault(id(t), t)
                self._reads.pop(id(t), None)  # the next read is traced even if not trainable
                continue
            if not self._recording:
                raise ValueError("GradientTape.watch() of a tensor must be called inside the "
                                 "tape's `with` block.")
            root = TraceNode.new_root()
            box = new_box(_as_traced_tensor(autodiff.watched_value(t)), self._trace, root)
            self._watched[id(t)] = (t, box)
            autodiff._watched[id(t)] = (t, box)
            self._roots.setdefault(id(t), []).append(root)

    def watched_variables(self):
        """The variables this tape traced (read in the block or watched), in order."""
        return tuple(self._variables.values())

    # --- gradients ----------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None,
                 unconnected_gradients="none"):
        """d sum(target) / d source for every source, in the structure of `sources`.

        A source the target does not depend on gets None (or zeros with
        `unconnected_gradients="zero"`). `output_gradients` weights each target element."""
        if self._trace is None:
            raise ValueError("GradientTape.gradient() was called on a tape that never recorded "
                             "(use it as `with tf.GradientTape() as tape:` first).")
        if self._used and not self._persistent:
            raise RuntimeError("A non-persistent GradientTape can only be used to compute one set "
                               "of gradients (or jacobians)")
        self._used = True
        if unconnected_gradients not in ("none", "zero") and getattr(
                unconnected_gradients, "value", None) not in ("none", "zero"):
            raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}. "
                             "Expected 'none' or 'zero'.")
        zero = "zero" in (unconnected_gradients, getattr(unconnected_gradients, "value", None))
        targets = flatten(target)
        seeds = flatten(output_gradients) if output_gradients is not None else [None] * len(targets)
        roots = [r for rs in self._roots.values() for r in rs]
        grads = {}
        for t, seed in zip(targets, seeds):
            node, value = self._node_of(t)
            if node is None:
                continue
            seed = vspace(value).ones() if seed is None else getval(seed)
            for key, g in backward(node, seed, roots).items():
                grads[key] = g if key not in grads else grads[key] + g

        def gradient_of(source):
            key = id(source)
            parts = [grads[id(r)] for r in self._roots.get(key, ()) if id(r) in grads]
            if not parts:
                if not zero:
                    return None
                return as_tensor(vspace(getval(_plain_value(source))).zeros())
            total = parts[0]
            for p in parts[1:]:
                total = total + p
            return _result(total)

        return map_structure(gradient_of, sources)

    def _node_of(self, target):
        """The node of `target` in this tape's trace (peeling the boxes of inner traces)."""
        t = target
        while isbox(t) and t._trace > self._trace:
            t = t._value
        if isbox(t) and t._trace == self._trace:
            return t._node, t._value
        return None, None

    def jacobian(self, target, sources, unconnected_gradients="none", **kwargs):
        raise NotImplementedError(
            "GradientTape.jacobian is not supported by minikeras: take `gradient` of each "
            "target element instead.")


def _as_traced_tensor(value):
    """What a tape traces for `value`: a Tensor, so what is computed from it comes back as
    `TensorBox`es that print, `float()` and `.numpy()` like TensorFlow's tensors."""
    if isbox(value):
        return value
    return as_tensor(value) if hasattr(value, "dtype") else as_tensor(onp.asarray(value))


def _plain_value(source):
    return source._value if isinstance(source, Variable) else source


def _result(grad):
    """A gradient as the caller sees it: still traced by the tapes recording around this call
    (a gradient taken inside an outer tape is differentiable), else a plain Tensor."""
    recording = {tape._trace for tape in autodiff._tapes}
    while isbox(grad) and grad._trace not in recording:
        grad = grad._value
    return grad if isbox(grad) else as_tensor(grad)
