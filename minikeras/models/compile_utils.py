"""What `compile` stores: the loss and metrics for each model output, matched to the structure of
`y_pred` on first data, as Keras 3's `trainers/compile_utils.py` does.

A loss or metric spec may be one entry for every output, a list with one entry per output, a
dict keyed by output name, or a structure mirroring the model's (nested) outputs.
"""
import warnings
from collections import OrderedDict, namedtuple

import numpy as onp

from minikeras import tree
from minikeras.engine.autodiff import untraced
from minikeras.engine.keras_tensor import KerasTensor
from minikeras.metrics.metric import Metric


def is_binary_or_sparse_categorical(y_true, y_pred):
    is_binary = y_pred.shape[-1] == 1
    is_sparse = len(y_true.shape) < len(y_pred.shape) or (y_true.shape[-1] == 1 and y_pred.shape[-1] > 1)
    return is_binary, is_sparse


def get_metric(identifier, y_true, y_pred):
    """A Metric for `identifier`, named as the user wrote it ("accuracy" picks its kind by shape)."""
    from minikeras import metrics
    return metrics.resolve(identifier, None, y_true, y_pred)


def get_loss(identifier, y_true, y_pred):
    """A `Loss` (so it takes `sample_weight`) for `identifier`; None for an output with no loss.
    "crossentropy" / "ce" pick binary, sparse or categorical crossentropy by shape."""
    from minikeras import losses
    if identifier is None:
        return None
    if str(identifier).lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        loss = (losses.binary_crossentropy if is_binary else losses.sparse_categorical_crossentropy
                if is_sparse else losses.categorical_crossentropy)
    else:
        loss = losses.get(identifier)
    if isinstance(loss, losses.Loss):
        return loss
    name = identifier if isinstance(identifier, str) else losses.object_name(loss)
    return losses.LossFunctionWrapper(loss, name=name)


class MetricsList(Metric):
    """The metrics of one output."""

    def __init__(self, metrics, name="metrics_list", output_name=None):
        super().__init__(name=name)
        self.metrics = metrics
        self.output_name = output_name

    def update_state(self, y_true, y_pred, sample_weight=None):
        for m in self.metrics:
            m.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset_state(self):
        for m in self.metrics:
            m.reset_state()


def get_metrics_list(metrics, y_true, y_pred, output_name=None):
    if metrics is None:
        return None
    specs = metrics if isinstance(metrics, (list, tuple)) else [metrics]
    return MetricsList([get_metric(m, y_true, y_pred) for m in specs], output_name=output_name)


def _structure_sketch(structure, mark="X"):
    return tree.map_structure(lambda _: mark, structure)


class CompileMetrics(Metric):
    """All compiled metrics and weighted metrics; `result()` is a dict of them, named as Keras
    names them (`<output>_<metric>`, `weighted_<metric>` when a name repeats)."""

    def __init__(self, metrics, weighted_metrics, name="compile_metric", output_names=None):
        super().__init__(name=name)
        for argument, value in (("metrics", metrics), ("weighted_metrics", weighted_metrics)):
            if value and not isinstance(value, (list, tuple, dict)):
                raise ValueError(
                    f"Expected `{argument}` argument to be a list, tuple, or dict. Received "
                    f"instead: {argument}={value} of type {type(value)}")
        from minikeras import metrics as metrics_module
        for spec in tree.flatten([metrics, weighted_metrics]):  # unknown names fail at compile
            if isinstance(spec, str) and spec.lower() not in ("accuracy", "acc", "crossentropy", "ce"):
                metrics_module.get(spec)
        self._user_metrics = metrics
        self._user_weighted_metrics = weighted_metrics
        self.built = False
        self.name = "compile_metrics"
        self.output_names = output_names

    @property
    def metrics(self):
        if not self.built:
            return []
        return [m for group in self._flat_metrics + self._flat_weighted_metrics if group
                for m in group.metrics]

    @property
    def variables(self):
        return [v for m in self.metrics for v in m.variables]

    def build(self, y_true, y_pred):
        num_outputs = len(tree.flatten(y_pred))
        y_pred_is_flat = tree.is_nested(y_pred) and len(y_pred) == num_outputs  # one list or dict
        output_names = self.output_names
        if y_pred_is_flat and isinstance(y_pred, dict):  # dict outputs: prefer their keys
            if not (self.output_names and set(y_pred) == set(self.output_names)):
                output_names = list(y_pred) if isinstance(y_pred, OrderedDict) else sorted(y_pred)
        self._resolved_output_names = output_names if num_outputs > 1 and y_pred_is_flat else None
        self._flat_metrics = self._build_metrics_set(self._user_metrics, num_outputs, output_names,
                                                     y_true, y_pred, y_pred_is_flat, "metrics")
        self._flat_weighted_metrics = self._build_metrics_set(
            self._user_weighted_metrics, num_outputs, output_names, y_true, y_pred, y_pred_is_flat,
            "weighted_metrics")
        self.built = True

    def _build_metrics_set(self, metrics, num_outputs, output_names, y_true, y_pred,
                           y_pred_is_flat, argument):
        if not metrics:
            return [None] * num_outputs
        if num_outputs == 1:  # every metric applies to the one output, named without it
            return [get_metrics_list(tree.flatten(metrics), tree.flatten(y_true)[0],
                                     tree.flatten(y_pred)[0], None)]
        per_output = None
        if y_pred_is_flat:
            if isinstance(metrics, (list, tuple)) and len(metrics) == num_outputs:
                per_output = metrics
            elif (output_names and isinstance(metrics, dict) and len(metrics) <= num_outputs
                  and set(metrics) <= set(output_names)):
                per_output = [metrics.get(name) for name in output_names]
        if per_output is not None:
            try:
                return [get_metrics_list(m, yt, yp, n) for m, yt, yp, n in zip(
                    per_output, self._flatten_y(y_true), self._flatten_y(y_pred),
                    output_names or [None] * num_outputs)]
            except ValueError as e:
                raise ValueError(f"{e}\nReceived: {argument}={metrics}") from e
        # Deeply nested: `metrics` mirrors the structure of y_pred (lists and tuples alike).
        try:
            tuples_y_pred = tree.lists_to_tuples(y_pred)
            names = tree.pack_sequence_as(tuples_y_pred, output_names or [None] * num_outputs)
            return tree.flatten(tree.map_structure_up_to(
                tuples_y_pred, get_metrics_list, tree.lists_to_tuples(metrics),
                tree.lists_to_tuples(y_true), tuples_y_pred, names))
        except (ValueError, TypeError) as e:
            names_part = (f"either be a dict or a list matching the output names of the functional "
                          f"model {self.output_names} or " if self.output_names else "")
            raise ValueError(
                f"{e}\nInvalid `{argument}`. `{argument}` should contain metrics objects and "
                f"{names_part}match the output structure of the model: "
                f"{_structure_sketch(y_pred)}.\nReceived: {argument}={metrics}") from e

    def _flatten_y(self, y):
        if isinstance(y, dict) and self._resolved_output_names is not None:
            return [y[name] for name in self._resolved_output_names]
        return tree.flatten(y)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if not self.built:
            self.build(y_true, y_pred)
        y_true, y_pred = self._flatten_y(y_true), self._flatten_y(y_pred)
        for group, yt, yp in zip(self._flat_metrics, y_true, y_pred):
            if group:
                group.update_state(yt, yp)
        if sample_weight is None:
            weights = [None] * len(y_true)
        else:
            weights = self._flatten_y(sample_weight)
            if len(weights) < len(y_true):  # one weight array for every output
                weights = [weights[0]] * len(y_true)
        for group, yt, yp, sw in zip(self._flat_weighted_metrics, y_true, y_pred, weights):
            if group:
                group.update_state(yt, yp, sw)

    def reset_state(self):
        for group in (self._flat_metrics + self._flat_weighted_metrics) if self.built else []:
            if group:
                group.reset_state()

    def result(self):
        if not self.built:
            raise ValueError("Cannot get result() since the metric has not yet been built.")
        results, seen = {}, {}

        def unique(name):
            if name not in seen:
                seen[name] = 1
                return name
            index = seen[name]
            seen[name] += 1
            return f"{name}_{index}"

        for group in self._flat_metrics:
            for m in group.metrics if group else []:
                name = f"{group.output_name}_{m.name}" if group.output_name else m.name
                results[unique(name)] = m.result()
        for group in self._flat_weighted_metrics:
            for m in group.metrics if group else []:
                name = f"{group.output_name}_{m.name}" if group.output_name else m.name
                if name in seen:  # the same metric unweighted: this one is "weighted_..."
                    name = f"weighted_{m.name}"
                    if group.output_name:
                        name = f"{group.output_name}_{name}"
                    name = unique(name)
                else:
                    seen[name] = 1
                results[name] = m.result()
        return results


class _WeightedLoss:
    """A leaf pairing a loss spec with its weight (None when the spec is None)."""

    def __new__(cls, loss, weight):
        return None if loss is None else super().__new__(cls)

    def __init__(self, loss, weight):
        self.loss, self.weight = loss, weight


class CompileLoss:
    """Total loss = sum of weight_i * loss_i(y_true_i, y_pred_i, sample_weight_i) over the
    outputs that have a loss; with several losses, each one's unweighted value is tracked by a
    `Mean` named `<output>_loss`."""

    Loss = namedtuple("Loss", ["path", "loss", "loss_weights", "name"])

    def __init__(self, loss, loss_weights=None, reduction="sum_over_batch_size", output_names=None):
        if loss_weights and not isinstance(loss_weights, (list, tuple, dict, float)):
            raise ValueError(
                "Expected `loss_weights` argument to be a float (single output case) or a list, "
                "tuple, or dict (multiple output case). Received instead: "
                f"loss_weights={loss_weights} of type {type(loss_weights)}")
        from minikeras import losses
        for spec in tree.flatten(loss):  # an unknown name fails at compile, listing valid names
            if isinstance(spec, str) and spec.lower() not in ("crossentropy", "ce"):
                losses.get(spec)
        self._user_loss = loss
        self._user_loss_weights = loss_weights
        self.output_names = output_names
        self.name = "compile_loss"
        self.built = False
        self.metrics = []
        self._flat_losses = None

    def build(self, y_true, y_pred):
        from minikeras import metrics as metrics_module
        loss, loss_weights = self._user_loss, self._user_loss_weights
        names = self.output_names
        if names and isinstance(loss, dict) and not isinstance(y_pred, dict):
            if set(names) != set(loss):
                raise ValueError(f"Expected keys {names} in loss dict, but found "
                                 f"loss.keys()={list(loss.keys())}")
            loss = [loss[name] for name in names]
            if isinstance(loss_weights, dict):
                loss_weights = [loss_weights[name] for name in names]

        if loss_weights is not None:
            try:
                tree.assert_same_structure(loss, loss_weights)
            except ValueError:
                flat_weights = tree.flatten(loss_weights)
                if len(tree.flatten(loss)) != len(flat_weights):
                    raise ValueError(
                        f"`loss_weights` must match the number of losses, got "
                        f"{len(tree.flatten(loss))} losses and {len(loss_weights)} weights.")
                loss_weights = tree.pack_sequence_as(loss, flat_weights)
            loss = tree.map_structure(_WeightedLoss, loss, loss_weights)
        else:
            loss = tree.map_structure(lambda spec: _WeightedLoss(spec, None), loss)

        if isinstance(loss, dict) and names and set(loss) == set(names):
            if isinstance(y_pred, (list, tuple)) and len(y_pred) == len(names):
                y_pred, y_true = dict(zip(names, y_pred)), dict(zip(names, y_true))
            elif not tree.is_nested(y_pred) and len(names) == 1:
                y_pred, y_true = {names[0]: y_pred}, {names[0]: y_true}
        try:
            output_names = tree.pack_sequence_as(y_pred, names)
        except (ValueError, TypeError):
            output_names = tree.pack_sequence_as(y_pred, _inferred_output_names(y_pred))
        if not tree.is_nested(loss):
            single = loss
            loss = tree.map_structure(lambda _: single, y_pred)

        self._flat_losses = []
        self._build_nested(y_true, y_pred, loss, output_names, ())
        if len(self._flat_losses) > 1:
            self.metrics = [metrics_module.Mean(name=f"{entry.name}_loss")
                            for entry in self._flat_losses]
        self._y_pred_structure = tree.map_structure(lambda _: None, y_pred)
        self._y_true_structure = tree.map_structure(lambda _: None, y_true)
        self.built = True

    def _build_nested(self, y_true, y_pred, loss, output_names, path):
        """Walks `loss` alongside y_pred, appending a `Loss(path, fn, weight, name)` per leaf."""
        if not tree.is_nested(loss):
            if loss is None:
                return
            fn = get_loss(loss.loss, y_true, y_pred)
            name_path = path
            if not tree.is_nested(output_names):
                output_name = output_names if output_names is not None else fn.name
                if not name_path:
                    name_path = (output_name,)
                elif isinstance(name_path[-1], int):
                    name_path = name_path[:-1] + (output_name,)
            name = "/".join(str(p) for p in name_path)
            if name == "":
                flat = list(output_names) if isinstance(output_names, dict) else tree.flatten(output_names)
                name = "_".join(flat)
            self._flat_losses.append(CompileLoss.Loss(path, fn, loss.weight, name))
            return
        flat_y_pred = tree.flatten(y_pred)
        if (isinstance(loss, (list, tuple)) and all(not tree.is_nested(x) for x in loss)
                and len(loss) == len(flat_y_pred)):
            loss = tree.pack_sequence_as(y_pred, loss)
        elif isinstance(loss, (list, tuple)) and not isinstance(y_pred, type(loss)):
            for each in loss:  # several losses on the same output(s)
                self._build_nested(y_true, y_pred, each, output_names, path)
            return
        if not tree.is_nested(loss):
            return self._build_nested(y_true, y_pred, loss, output_names, path)
        if not isinstance(loss, type(y_pred)):
            raise KeyError(f"The path: {path} in the `loss` argument, can't be found in the "
                           "model's output (`y_pred`).")
        if isinstance(loss, dict):
            items = loss.items()

            def has_key(key, obj):
                return isinstance(obj, dict) and key in obj
        elif isinstance(loss, (list, tuple)):
            items = enumerate(loss)

            def has_key(key, obj):
                return isinstance(obj, (list, tuple)) and key < len(obj)
        else:
            raise TypeError(f"Unsupported type {type(loss)} in the `loss` configuration.")
        for key, sub in items:
            if sub is None:
                continue
            if not (has_key(key, y_true) and has_key(key, y_pred)):
                raise KeyError(f"The path: {path + (key,)} in the `loss` argument, can't be found "
                               "in either the model's output (`y_pred`) or in the labels (`y_true`).")
            self._build_nested(y_true[key], y_pred[key], sub, output_names[key], path + (key,))

    def _align_y_true(self, y_true, y_pred):
        """y_true in y_pred's structure, reconciling the forms Keras accepts."""
        try:
            tree.assert_same_structure(y_pred, y_true)
            return y_true
        except ValueError:
            pass
        if not tree.is_nested(y_true) and hasattr(y_pred, "__len__") and len(y_pred) == 1:
            y_true = [y_true]
        elif isinstance(y_pred, (list, tuple)) and isinstance(y_true, dict):
            if self.output_names and set(self.output_names) == set(y_true):
                y_true = [y_true[name] for name in self.output_names]
        try:
            return tree.pack_sequence_as(y_pred, y_true)
        except (ValueError, TypeError):
            pass
        try:
            tree.assert_same_paths(y_true, y_pred)
            return tree.pack_sequence_as(y_pred, tree.flatten(y_true))
        except (ValueError, TypeError):
            pass
        flat_y_true, flat_loss = tree.flatten(y_true), tree.flatten(self._user_loss)
        used = [i for i, spec in enumerate(flat_loss) if spec is not None]
        if len(flat_y_true) == len(used):  # labels only for the outputs that have a loss
            padded = [None] * len(flat_loss)
            for value, i in zip(flat_y_true, used):
                padded[i] = value
            return tree.pack_sequence_as(self._user_loss, padded)
        raise ValueError("y_true and y_pred have different structures.\n"
                         f"y_true: {_structure_sketch(y_true, '*')}\n"
                         f"y_pred: {_structure_sketch(y_pred, '*')}\n")

    def __call__(self, y_true, y_pred, sample_weight=None):
        if tree.is_nested(y_true) or tree.is_nested(y_pred):
            y_true = self._align_y_true(y_true, y_pred)
        if not self.built:
            self.build(y_true, y_pred)
        if tree.is_nested(y_pred) or tree.is_nested(y_true):
            y_pred = _in_structure(self._y_pred_structure, y_pred)
            y_true = _in_structure(self._y_true_structure, y_true)
        trackers = self.metrics or [None] * len(self._flat_losses)
        values = []
        for (path, fn, weight, _), tracker in zip(self._flat_losses, trackers):
            yt, yp = _at(path, y_true), _at(path, y_pred)
            sw = _at(path, sample_weight) if tree.is_nested(sample_weight) else sample_weight
            value = fn(yt, yp, sample_weight=sw)
            if tracker is not None:  # each loss unweighted, batch-size weighted, as Keras
                tracker.update_state(untraced(value), sample_weight=tree.flatten(yp)[0].shape[0])
            values.append(value if weight is None else value * weight)
        if not values:
            return None
        total = values[0]
        for value in values[1:]:
            total = total + value
        return total


def _at(path, structure):
    for key in path:
        structure = structure[key]
    return structure


def _in_structure(structure, values):
    try:
        tree.assert_same_structure(structure, values)
        return values
    except ValueError:
        return tree.pack_sequence_as(structure, tree.flatten(values))


def _inferred_output_names(y_pred):
    flat = tree.flatten(y_pred)
    if all(isinstance(x, KerasTensor) for x in flat):
        return [x._keras_history[0].name if getattr(x, "_keras_history", None) else x.name
                for x in flat]
    return [None] * len(flat)


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
