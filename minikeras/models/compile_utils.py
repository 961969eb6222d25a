"""What `compile` stores: the losses and metrics per model output, resolved on first data."""
import warnings

import numpy as onp
from minikeras.engine.autodiff import untraced

from minikeras.engine.keras_tensor import flatten


def _per_output(spec, output_names, what):
    """A list with one entry per output from a single spec, a list or a dict."""
    n = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(
                f"In the dict argument `{what}`, key '{unknown[0]}' does not correspond to any "
                f"model output. Received:\n{what}={spec}\nModel outputs: {output_names}")
        return [spec.get(name) for name in output_names]
    if isinstance(spec, (list, tuple)) and what == "loss":
        if len(spec) != n:
            raise ValueError(
                f"For a model with {n} outputs, the `loss` argument, when a list, must have "
                f"{n} entries. Received: loss={spec}")
        return list(spec)
    return [spec] * n


def _loss_object(spec):
    """A `Loss` instance (so it takes `sample_weight`) for any loss identifier."""
    from minikeras import losses
    loss = losses.get(spec)
    if isinstance(loss, losses.Loss):
        return loss
    name = getattr(loss, "__name__", None) or str(spec)
    return losses.LossFunctionWrapper(loss, name=name)


class CompileLoss:
    """Total loss = sum_i loss_weight_i * loss_i(y_true_i, y_pred_i, sample_weight)."""

    def __init__(self, loss, loss_weights=None):
        for spec in flatten(loss):
            if isinstance(spec, str):
                _loss_object(spec)  # an unknown name fails at compile, listing valid names
        self.loss = loss
        self.loss_weights = loss_weights
        self.built = False

    def build(self, output_names):
        from minikeras import metrics
        self.output_names = output_names
        specs = _per_output(self.loss, output_names, "loss")
        self.losses = [None if s is None else _loss_object(s) for s in specs]
        if self.loss_weights is None:
            self.weights = [1.0] * len(specs)
        elif isinstance(self.loss_weights, dict):
            self.weights = [float(self.loss_weights.get(n, 1.0)) for n in output_names]
        else:
            lw = list(self.loss_weights) if isinstance(self.loss_weights, (list, tuple)) else [self.loss_weights]
            if len(lw) != len(specs):
                raise ValueError(
                    f"`loss_weights` must have one entry per model output ({len(specs)}). "
                    f"Received: loss_weights={self.loss_weights}")
            self.weights = [float(w) for w in lw]
        self.trackers = []
        if len(specs) > 1:
            self.trackers = [metrics.Mean(name=f"{n}_loss") if l is not None else None
                             for n, l in zip(output_names, self.losses)]
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None):
        ys, ps = flatten(y_true), flatten(y_pred)
        total, self._last = 0.0, []
        for i, (fn, w) in enumerate(zip(self.losses, self.weights)):
            if fn is None:
                continue
            value = fn(ys[i], ps[i], sample_weight=sample_weight)
            self._last.append((i, value))
            total = total + w * value
        return total

    def update_trackers(self, batch_size):
        for i, value in self._last:
            if self.trackers and self.trackers[i] is not None:
                self.trackers[i].update_state(untraced(value), sample_weight=batch_size)

    @property
    def metrics(self):
        return [t for t in self.trackers if t is not None]


class CompileMetrics:
    """The compiled metrics of every output, named as Keras names them in the logs."""

    def __init__(self, metrics, loss):
        from minikeras import metrics as metrics_mod
        for spec in flatten(metrics):
            if isinstance(spec, str) and spec not in ("accuracy", "acc", "crossentropy", "ce"):
                metrics_mod.get(spec)  # an unknown name fails at compile, listing valid names
        self.spec = metrics
        self.loss = loss
        self.built = False
        self.metrics = []

    def build(self, output_names, y_true, y_pred):
        from minikeras import metrics as metrics_mod
        ys, ps = flatten(y_true), flatten(y_pred)
        multi = len(output_names) > 1
        if isinstance(self.spec, dict):
            per_output = _per_output(self.spec, output_names, "metrics")
        elif multi and isinstance(self.spec, (list, tuple)) and self.spec and all(
                isinstance(m, (list, tuple)) or m is None for m in self.spec):
            per_output = list(self.spec)
        else:
            per_output = [self.spec] * len(output_names)
        losses = _per_output(self.loss, output_names, "loss") if self.loss is not None else [None] * len(output_names)
        self.entries = []
        for i, specs in enumerate(per_output):
            if specs is None:
                continue
            for spec in (specs if isinstance(specs, (list, tuple)) else [specs]):
                m = metrics_mod.resolve(spec, losses[i], ys[i], ps[i])
                if multi:
                    m.name = f"{output_names[i]}_{m.name}"
                self.entries.append((i, m))
        self.metrics = [m for _, m in self.entries]
        self.built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        ys, ps = flatten(y_true), flatten(y_pred)
        for i, m in self.entries:
            m.update_state(ys[i], ps[i], sample_weight=sample_weight)


def keras2_metrics_in_loss_weights(loss_weights):
    """Keras 2 tutorials pass metrics third: `compile(opt, loss, ['accuracy'])`. Keras 3's third
    argument is `loss_weights`; a list of metric names there is what the tutorial meant."""
    if isinstance(loss_weights, (list, tuple)) and loss_weights and all(
            isinstance(w, str) for w in loss_weights):
        warnings.warn(
            f"`compile()` received a list of strings as `loss_weights` ({list(loss_weights)}): "
            "in Keras 3 the third positional argument is `loss_weights`, not `metrics`. Treating "
            "them as metrics; write `compile(optimizer, loss, metrics=[...])`.", stacklevel=3)
        return True
    return False


def numeric(value):
    return float(onp.asarray(untraced(value)))
