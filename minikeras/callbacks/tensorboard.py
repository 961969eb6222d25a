"""`TensorBoard`, the callback that writes training logs for TensorBoard (Keras's
`callbacks/tensorboard.py`), with our own event-file writer instead of `tf.summary`."""
import os
import time
import warnings

import numpy as onp

from minikeras.callbacks.callback import Callback
from minikeras.optimizers.base import Optimizer
from minikeras.utils import event_file


class TensorBoard(Callback):
    """Writes scalars (and weight histograms) as TensorBoard event files, as Keras 3 does.

    Files are `log_dir/train/events.out.tfevents.<time>.<host>.<pid>.<n>.v2` and the same under
    `log_dir/validation`, readable by TensorBoard and `tf.compat.v1.train.summary_iterator`;
    a scalar is a float32 tensor summary (plugin "scalars"), as `tf.summary.scalar` writes it.
    What is written, and at which step:
      train/      `keras` at step 0: the model's JSON config (TensorBoard's conceptual graph),
                  for a Sequential or Functional model when `write_graph`;
                  `epoch_<metric>` and `epoch_learning_rate` (plus `epoch_steps_per_second`)
                  at step `epoch`; `<weight.path>/histogram` at step `epoch` every
                  `histogram_freq` epochs; `batch_<metric>` (and `batch_steps_per_second`) at
                  step = the number of training batches so far, every `update_freq` batches.
      validation/ `epoch_<metric>` (the `val_` logs, prefix dropped) at step `epoch`, and after
                  every evaluation `evaluation_<metric>_vs_iterations` at step
                  `optimizer.iterations`.
    A file is made when Keras makes its writer: `train` at `set_model` (each fit or evaluate)
    when `write_graph`, else at its first summary; with an integer `update_freq`, `train` and
    `validation` when training and evaluation begin. A new fit or evaluate starts new files.

    Keras's quirk with an integer `update_freq` is kept, so the logs are the same as Keras's:
    the last batch's "record every N batches" condition stays in force after the batch, so
    the epoch summaries of an epoch that ends on a batch count not divisible by `update_freq`
    are not written (tensorflow/tensorboard#4975); likewise the evaluation summaries follow
    the validation batch count.

    Args:
        log_dir: directory to write the `train` and `validation` logs under.
        histogram_freq: every how many epochs to write weight histograms (0: never); 30
            buckets as `tf.summary.histogram`.
        write_graph: whether to write the model config (`keras` tag); the op graph Keras
            writes only for a TensorFlow `train_function` has no counterpart here.
        write_images: accepted and ignored (weights as images are not written).
        write_steps_per_second: also write training steps per second.
        update_freq: `"epoch"`, `"batch"` (= 1) or an integer N: write `batch_*` scalars
            every N training batches.
        profile_batch: checked as Keras checks it, then ignored (no profiler here).
        embeddings_freq: accepted and ignored (no projector checkpoints).
        embeddings_metadata: accepted and ignored.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0,
                 embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if not (update_freq in ("epoch", "batch") or _positive_int(update_freq)):
            raise ValueError('`update_freq` must be "epoch", "batch" or a positive integer. '
                             f"Received: update_freq={update_freq}")
        self.log_dir = str(log_dir)
        self.histogram_freq, self.write_graph = histogram_freq, write_graph
        self.write_images, self.write_steps_per_second = write_images, write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self.embeddings_freq, self.embeddings_metadata = embeddings_freq, embeddings_metadata
        self._start_batch, self._stop_batch = _profile_range(profile_batch)
        self._global_train_batch = self._global_test_batch = 0
        self._previous_epoch_iterations = 0
        self._epoch_start_time = self._batch_start_time = 0.0
        self._writers = {}  # "train" / "val" -> EventFileWriter, made when first needed
        # Keras's stack of (writer, step) contexts, pushed per batch with an integer
        # `update_freq`: the top one is the default writer and decides whether to record.
        self._contexts = []

    # --- writers -----------------------------------------------------------------------------
    def _writer(self, key):
        if key not in self._writers:
            subdir = "train" if key == "train" else "validation"
            self._writers[key] = event_file.EventFileWriter(os.path.join(self.log_dir, subdir))
        return self._writers[key]

    def _recording(self):
        """`tf.summary.record_if(step % update_freq == 0)` of the top context, if any."""
        return not self._contexts or self._contexts[-1][1] % self.update_freq == 0

    def _write(self, key, step, values):
        if values and key is not None and self._recording():
            self._writer(key).write(step, values)

    def _push(self, key, step):
        if self.update_freq != "epoch":
            self._writer(key)  # Keras's writer exists from here on, even if nothing is recorded
            self._contexts.append((key, step))

    def _pop(self):
        if self.update_freq != "epoch" and self._contexts:
            self._contexts.pop()

    # --- hooks -------------------------------------------------------------------------------
    def set_model(self, model):
        self._model = model
        self._writers = {}
        if self.write_graph:
            self._write_model_config()

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._previous_epoch_iterations = 0
        self._push("train", self._global_train_batch)

    def on_train_end(self, logs=None):
        self._pop()

    def on_test_begin(self, logs=None):
        self._push("val", self._global_test_batch)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "iterations"):
            values = [event_file.scalar_value(f"evaluation_{name}_vs_iterations", value)
                      for name, value in (logs or {}).items()]
            self._write("val", int(onp.asarray(optimizer.iterations)), values)
        self._pop()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._pop()
        self._push("train", self._global_train_batch)
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        values = []
        if self.write_steps_per_second:
            run_time = max(time.time() - self._batch_start_time, 1e-9)  # a coarse clock
            values.append(event_file.scalar_value("batch_steps_per_second", 1.0 / run_time))
        if isinstance(logs, dict):
            values += [event_file.scalar_value(f"batch_{name}", value)
                       for name, value in logs.items()]
        default_writer = self._contexts[-1][0] if self._contexts else None
        self._write(default_writer, self._global_train_batch, values)

    def on_test_batch_begin(self, batch, logs=None):
        self._global_test_batch += 1
        self._pop()
        self._push("val", self._global_test_batch)

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._previous_epoch_iterations = int(onp.asarray(self.model.optimizer.iterations))
            self._epoch_start_time = time.time()

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    # --- what is written ---------------------------------------------------------------------
    def _write_model_config(self):
        self._writer("train")  # made for any model, as Keras opens it before checking the class
        if type(self.model).__name__ not in ("Functional", "Sequential"):
            return
        try:
            config = self.model.to_json()
        except Exception as exc:  # a summary must not break training, as in Keras
            warnings.warn(f"Model failed to serialize as JSON. Ignoring... {exc}", stacklevel=2)
            return
        value = event_file.summary_value("keras", config, "graph_keras_model", b"1")
        self._write("train", 0, [value])

    def _learning_rates(self):
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)  # a loss-scale wrapper
        if hasattr(optimizer, "optimizers"):
            return {f"learning_rate_{opt.name}": float(onp.asarray(opt.learning_rate))
                    for opt in optimizer.optimizers}
        if isinstance(optimizer, Optimizer):
            return {"learning_rate": float(onp.asarray(optimizer.learning_rate))}
        return {}

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        train.update(self._learning_rates())
        if self.write_steps_per_second:
            iterations = int(onp.asarray(self.model.optimizer.iterations))
            train["steps_per_second"] = ((iterations - self._previous_epoch_iterations)
                                         / max(time.time() - self._epoch_start_time, 1e-9))
        val = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        for key, part in (("train", train), ("val", val)):
            self._write(key, epoch, [event_file.scalar_value(f"epoch_{name}", value)
                                     for name, value in part.items()])

    def _log_weights(self, epoch):
        self._write("train", epoch, [
            event_file.histogram_value(f"{weight.path.replace(':', '_')}/histogram",
                                       onp.asarray(weight))
            for layer in self.model.layers for weight in layer.weights])


def _positive_int(value):
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _profile_range(profile_batch):
    """`(start, stop)` of the batches to profile, validated as Keras does (0: none)."""
    message = ("profile_batch must be a non-negative integer or 2-tuple of positive integers. "
               "A pair of positive integers signifies a range of batches to profile. "
               f"Found: {profile_batch}")
    if isinstance(profile_batch, str):  # the legacy "start,stop" form
        try:
            profile_batch = [int(part) for part in profile_batch.split(",")]
        except ValueError:
            raise ValueError(message) from None
    if isinstance(profile_batch, int):
        start = stop = profile_batch
    elif isinstance(profile_batch, (tuple, list)) and len(profile_batch) == 2:
        start, stop = profile_batch
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    return start, stop
