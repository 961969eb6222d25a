"""compile / fit / evaluate / predict.

The training step is one pure function of the trainable values: the model's variables are
bound to autograd's traced values (a stateless call), the forward pass and the loss run, and
`engine.autodiff.value_and_grads` (autograd, one root per variable) returns the gradients, which
the optimizer applies in plain numpy.
"""
import functools
import inspect
import warnings

import numpy as onp

from minikeras import tree
from minikeras.engine import config
from minikeras.engine.autodiff import StatelessScope, untraced, value_and_grads
from minikeras.engine.blas_threads import blas_scope, tick
from minikeras.engine.masking import clear_traced_masks
from minikeras.engine.keras_tensor import flatten
from minikeras.engine.random import global_rng
from minikeras.models import data as data_utils
from minikeras.models.compile_utils import CompileLoss, CompileMetrics, keras2_metrics_in_loss_weights, numeric
from minikeras.utils.data_adapter_utils import (
    pack_x_y_sample_weight, pythonify_logs, unpack_x_y_sample_weight)


class Trainer:
    compiled = False
    optimizer = None
    stop_training = False
    history = None
    _initial_epoch = None  # set by BackupAndRestore.on_train_begin to resume a fit

    # --- compile -------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configures the model for training: optimizer, loss(es), loss weights and metrics."""
        from minikeras import metrics as metrics_mod
        from minikeras import optimizers
        if keras2_metrics_in_loss_weights(loss_weights):
            metrics, loss_weights = list(loss_weights), None
        self.optimizer = optimizers.get(optimizer)
        self._compiled_optimizer = self.optimizer  # what the compile config records (Keras)
        if (auto_scale_loss and self.dtype_policy.name == "mixed_float16" and self.optimizer
                and not isinstance(self.optimizer, optimizers.LossScaleOptimizer)):
            # as Keras: float16 gradients would underflow without dynamic loss scaling
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer,
                                                           name="loss_scale_optimizer")
        self.loss = loss
        output_names = getattr(self, "output_names", None)
        self._compile_loss = (CompileLoss(loss, loss_weights, output_names=output_names)
                              if loss is not None else None)
        self._compile_metrics = (CompileMetrics(metrics, weighted_metrics, output_names=output_names)
                                 if metrics is not None or weighted_metrics is not None else None)
        self._loss_tracker = metrics_mod.Mean(name="loss")
        self._compile_config = {"optimizer": optimizer, "loss": loss, "loss_weights": loss_weights,
                                "metrics": metrics, "weighted_metrics": weighted_metrics}
        self.compiled = True
        self._train_vars = None

    def _assert_compiled(self, method):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before using the model. "
                             f"(`{method}()` was called on model '{self.name}'.)")

    @property
    def metrics(self):
        """Keras's order: the loss tracker, the compiled metrics (one `CompileMetrics` holding
        them all), the per-output losses, then metrics the model and its layers own (those of
        nested models excluded)."""
        out = []
        if self.compiled:
            out.append(self._loss_tracker)
            if self._compile_metrics is not None:
                out.append(self._compile_metrics)
            if self._compile_loss is not None:
                out.extend(self._compile_loss.metrics)
        out.extend(self._metrics)
        for layer in self._flatten_layers(include_self=False):
            if not isinstance(layer, Trainer):
                out.extend(layer._metrics)
        return out

    @property
    def metrics_names(self):
        return [m.name for m in self.metrics]

    def reset_metrics(self):
        """Resets the state of every compiled metric (and the loss tracker)."""
        for m in self.metrics:
            m.reset_state()

    def _build_compiled(self, y, y_pred):
        if self._compile_metrics is not None and not self._compile_metrics.built:
            self._compile_metrics.build(y, untraced_structure(y_pred))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss plus the model's own losses (regularization, `add_loss`)."""
        total = 0.0
        if self._compile_loss is not None:
            loss = self._compile_loss(y, y_pred, sample_weight)
            if loss is not None:
                total = loss
        for extra in self.losses:
            total = total + extra
        return total

    def _compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """`compute_loss`, also when an override predates its `training` argument (Keras 3.3):
        Keras looks at the override's signature, and so do we."""
        if _takes_training(type(self).compute_loss):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics and returns `get_metrics_result()`."""
        if y is not None and self._compile_metrics is not None:
            self._compile_metrics.update_state(y, untraced_structure(y_pred), sample_weight)
        return self.get_metrics_result()

    def get_metrics_result(self):
        """{name: result} of every metric in `self.metrics` (dict results merged in)."""
        results = {}
        for m in self.metrics:
            if isinstance(m, CompileMetrics) and not m.built:
                continue  # a custom step that never passed data through the compiled metrics
            result = m.result()
            if isinstance(result, dict):
                results.update(result)
            else:
                results[m.name] = result
        return results

    # Keras 2 names that tutorials still call; Keras 3 keeps them as deprecated shims.
    def compiled_loss(self, y, y_pred, sample_weight=None, regularization_losses=None):
        """Deprecated (Keras 2): `compute_loss(y=y, y_pred=y_pred, sample_weight=...)`."""
        warnings.warn("`model.compiled_loss()` is deprecated. Instead, use "
                      "`model.compute_loss(x, y, y_pred, sample_weight, training)`.", stacklevel=2)
        return self.compute_loss(x=None, y=y, y_pred=y_pred, sample_weight=sample_weight)

    @property
    def compiled_metrics(self):
        """Deprecated (Keras 2): an object whose `update_state(y, y_pred)` updates `metrics`."""
        model = self

        class DeprecatedCompiledMetric:
            def update_state(self, y, y_pred, sample_weight=None):
                warnings.warn("`model.compiled_metrics()` is deprecated. Instead, use e.g.:\n"
                              "```\nfor metric in self.metrics:\n    metric.update_state(y, y_pred)\n```\n",
                              stacklevel=2)
                for metric in model.metrics:
                    if metric is model._loss_tracker or type(metric).__name__ == "Mean":
                        metric.update_state(y_pred, sample_weight=sample_weight)
                    else:
                        metric.update_state(y, y_pred, sample_weight=sample_weight)

        return DeprecatedCompiledMetric()

    # --- one step (Keras 3's hooks: each takes the batch as `data`) --------------------------
    def train_step(self, data):
        """One training step on `data` ((x,), (x, y) or (x, y, sample_weight)): loss and gradients
        (autograd), optimizer update; returns the metrics' results."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        variables = self._train_vars if self._train_vars is not None else self.trainable_weights
        captured = {}

        def loss_fn(values):
            with StatelessScope(zip(variables, values)):
                y_pred = self(x, training=True)
                loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                          training=True)
            captured["y_pred"], captured["loss"] = y_pred, loss
            # the optimizer's loss scale (loss_scale_factor, LossScaleOptimizer); it divides the
            # gradients back, and the loss tracker sees the unscaled loss, as in Keras
            return self.optimizer.scale_loss(loss)

        if variables:
            _, grads = value_and_grads(loss_fn, [v._value for v in variables], variables)
            loss = untraced_structure(captured["loss"])
        else:
            warnings.warn("The model does not have any trainable weights.", stacklevel=2)
            loss_fn([])
            loss, grads = captured["loss"], []
        clear_traced_masks()
        y_pred = untraced_structure(captured["y_pred"])
        if variables:
            self.optimizer.apply(list(grads), variables)
        self._track_loss(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """One evaluation step on `data`: forward pass, loss and metric updates."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                  training=False)
        self._track_loss(loss, x)
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """One inference step: the model called on the `x` of `data` with training=False."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def _track_loss(self, loss, x):
        batch = next(t for t in flatten(x) if t is not None).shape[0]
        self._loss_tracker.update_state(numeric(loss), sample_weight=batch)

    def _metrics_result_or_logs(self, logs):
        """Keras's rule for the logs at the end of an epoch / evaluation: the metrics' results
        when the step returned those names, else what the (custom) step returned last."""
        results = self.get_metrics_result()
        if isinstance(logs, dict) and set(logs) == set(results):
            return results
        return logs

    def _prepare_training(self, x, y=None):
        if x is not None:
            self._build_from_data(x, "train_step", y)
        # The default step differentiates w.r.t. these; an overridden one reads its own.
        self._train_vars = list(self.trainable_weights) if self._default("train_step") else None

    def _default(self, hook):
        return getattr(type(self), hook) is getattr(Trainer, hook)

    def _build_from_data(self, x, hook, y=None):
        """Builds the model (and the compiled metrics) on one sample before the loop, as Keras's
        symbolic build does, so `self.metrics` and the weights exist when the first step runs.
        A model whose `hook` is overridden may have no `call` (a GAN wrapper): it builds itself
        in its own step."""
        x1 = data_utils.take(x, slice(0, 1))
        if self._default(hook):
            if not self.built:  # a look at shapes: a `call` that assigns state leaves no trace
                with StatelessScope([(v, v.numpy()) for v in self.variables]):
                    self(x1, training=False)
            return
        if self._compile_metrics is None or self._compile_metrics.built or y is None:
            return
        try:
            y_pred = untraced_structure(self(x1, training=False))
        except NotImplementedError:
            return
        self._build_compiled(data_utils.take(y, slice(0, 1)), y_pred)

    def _needs_data_build(self):
        """Whether fit/evaluate must look at a first batch (Keras's symbolic build)."""
        return not self.built or any(part is not None and not part.built for part in (
            self._compile_loss, self._compile_metrics))

    # --- fit -----------------------------------------------------------------------------
    @blas_scope()
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Trains the model for `epochs` epochs and returns a `History`."""
        from minikeras import callbacks as callbacks_mod
        self._assert_compiled("fit")
        if x is None:
            raise ValueError("Argument `x` of `fit()` must be provided. Received: x=None")
        batch_size = _check_batch_size(batch_size)
        if config.max_epochs() and config.max_epochs() < epochs:
            warnings.warn(f"Limiting epochs to {config.max_epochs()}", stacklevel=2)
            epochs = config.max_epochs()
        if validation_split and validation_data is None:
            if not data_utils.is_array_data(x):
                raise ValueError("Argument `validation_split` is only supported for tensors or "
                                 f"NumPy arrays.Found incompatible type in the input: {[type(x)]}")
            x, y, sample_weight = (data_utils.to_arrays(d) for d in (x, y, sample_weight))
            (x, y, sample_weight), validation_data = data_utils.split_validation(x, y, sample_weight, validation_split)
        elif validation_data is not None:
            validation_data = data_utils.unpack_validation_data(validation_data)
        iterator = data_utils.EpochIterator(x, y, sample_weight, batch_size, steps_per_epoch,
                                            shuffle=shuffle, class_weight=class_weight,
                                            rng=global_rng())
        first = iterator.peek() if self._needs_data_build() else (None, None)
        self._prepare_training(first[0], first[1])
        iterator.reset()
        val_iterator = None  # made once, so a validation generator is not re-read from scratch
        verbose = 1 if verbose == "auto" else verbose
        cbs = callbacks if isinstance(callbacks, callbacks_mod.CallbackList) else callbacks_mod.CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, verbose=verbose,
            epochs=epochs, steps=iterator.num_batches, model=self)
        self.stop_training = False
        cbs.on_train_begin()
        initial_epoch, self._initial_epoch = self._initial_epoch or initial_epoch, None
        logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            step_logs = None
            for step, bx, by, bsw in iterator:
                tick()
                cbs.on_train_batch_begin(step)
                step_logs = self.train_step(pack_x_y_sample_weight(bx, by, bsw))
                logs = pythonify_logs(step_logs)
                cbs.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
            if step_logs is not None:
                logs = pythonify_logs(self._metrics_result_or_logs(step_logs))
            epoch_logs = dict(logs)
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                if val_iterator is None:
                    vx, vy, vsw = validation_data
                    val_iterator = data_utils.EpochIterator(
                        vx, vy, vsw, _check_batch_size(validation_batch_size or batch_size),
                        validation_steps)
                val_logs = self.evaluate(verbose=0, return_dict=True, callbacks=cbs,
                                         _internal=True, _iterator=val_iterator)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        if hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(
                self._train_vars if self._train_vars is not None else self.trainable_weights)
        cbs.on_train_end(logs)
        return self.history

    # --- evaluate / predict ----------------------------------------------------------------
    @blas_scope()
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, _internal=False, _iterator=None,
                 **kwargs):
        """Returns the loss (and metrics) on the given data."""
        from minikeras import callbacks as callbacks_mod
        self._assert_compiled("evaluate")
        batch_size = _check_batch_size(batch_size)
        iterator = _iterator or data_utils.EpochIterator(x, y, sample_weight, batch_size, steps)
        if self._needs_data_build():
            first_x = iterator.peek()[0]
            if not self.built:
                self._build_from_data(first_x, "test_step", iterator.peek()[1])
        iterator.reset()
        verbose = 1 if verbose == "auto" else verbose
        if _internal:
            cbs = callbacks
        else:
            cbs = callbacks if isinstance(callbacks, callbacks_mod.CallbackList) else callbacks_mod.CallbackList(
                callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1,
                steps=iterator.num_batches, model=self)
        self.reset_metrics()
        cbs.on_test_begin()
        logs, step_logs = {}, None
        for step, bx, by, bsw in iterator:
            tick()
            cbs.on_test_batch_begin(step)
            step_logs = self.test_step(pack_x_y_sample_weight(bx, by, bsw))
            logs = pythonify_logs(step_logs)
            cbs.on_test_batch_end(step, logs)
        if step_logs is not None:
            logs = pythonify_logs(self._metrics_result_or_logs(step_logs))
        cbs.on_test_end(logs)
        if return_dict:
            return logs
        return self._flatten_in_order(logs)

    def _flatten_in_order(self, logs):
        """`logs` as a list in the order of `self.metrics` (compiled metrics one by one), then
        any other keys sorted, as Keras's evaluate returns them."""
        names = []
        for m in self.metrics:
            names += [sub.name for sub in m.metrics] if isinstance(m, CompileMetrics) else [m.name]
        values = [logs[n] for n in names if n in logs]
        values += [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    @blas_scope()
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Runs the model on `x` in batches and returns the concatenated outputs."""
        from minikeras import callbacks as callbacks_mod
        batch_size = _check_batch_size(batch_size)
        iterator = data_utils.EpochIterator(x, None, None, batch_size, steps)
        if not self.built:
            self._build_from_data(iterator.peek()[0], "predict_step")
            iterator.reset()
        verbose = 1 if verbose == "auto" else verbose
        cbs = callbacks if isinstance(callbacks, callbacks_mod.CallbackList) else callbacks_mod.CallbackList(
            callbacks, add_progbar=verbose != 0, verbose=verbose, epochs=1,
            steps=iterator.num_batches, model=self)
        cbs.on_predict_begin()
        outputs = []
        for step, bx, _, _ in iterator:
            tick()
            cbs.on_predict_batch_begin(step)
            out = untraced_structure(self.predict_step((bx,)))
            outputs.append(out)
            cbs.on_predict_batch_end(step, {"outputs": out})
        cbs.on_predict_end()
        if not outputs:
            raise ValueError("Unexpected result of `predict_function` (Empty batch_outputs). "
                             "Please use `Model.compile(..., run_eagerly=True)`, or "
                             "`tf.config.run_functions_eagerly(True)` for more information of "
                             "where went wrong, or file a issue/bug to `keras`.")
        return tree.map_structure(lambda *parts: onp.concatenate(parts, axis=0), *outputs)

    # --- single batches ------------------------------------------------------------------
    @blas_scope()
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient update on one batch; returns the loss and metrics."""
        self._assert_compiled("train_on_batch")
        x, y, sample_weight = data_utils.to_arrays(x), data_utils.to_arrays(y), data_utils.to_arrays(sample_weight)
        data_utils.check_cardinality(x, y, sample_weight)
        if class_weight is not None:
            cw = data_utils.class_weights_to_sample_weights(y, class_weight)
            sample_weight = cw if sample_weight is None else sample_weight * cw
        self._prepare_training(x, y)
        self.reset_metrics()
        logs = pythonify_logs(self.train_step(pack_x_y_sample_weight(x, y, sample_weight)))
        return logs if return_dict else self._flatten_in_order(logs)

    @blas_scope()
    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Loss and metrics on one batch (metrics reset first)."""
        self._assert_compiled("test_on_batch")
        x, y, sample_weight = data_utils.to_arrays(x), data_utils.to_arrays(y), data_utils.to_arrays(sample_weight)
        self.reset_metrics()
        logs = pythonify_logs(self.test_step(pack_x_y_sample_weight(x, y, sample_weight)))
        return logs if return_dict else self._flatten_in_order(logs)

    @blas_scope()
    def predict_on_batch(self, x):
        """The model's outputs for one batch `x`, as numpy arrays."""
        return untraced_structure(self.predict_step((data_utils.to_arrays(x),)))


@functools.lru_cache(maxsize=None)
def _takes_training(compute_loss):
    return "training" in inspect.signature(compute_loss).parameters


def untraced_structure(structure):
    return tree.map_structure(lambda t: onp.asarray(untraced(t)), structure)  # namedtuples kept


def _check_batch_size(batch_size):
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, onp.integer)) or batch_size <= 0:
        raise ValueError(f"`batch_size` must be a positive integer. Received: batch_size={batch_size}")
    return int(batch_size)
