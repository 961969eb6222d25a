"""LoRA (low-rank adaptation), as Keras 3 gives it to Dense, EinsumDense, Embedding and Conv1D/2D/3D.

Once enabled, the layer's weight W (`kernel` or `embeddings`, shape (..., n)) is frozen and read as

    W' = W + (lora_alpha / lora_rank) * (A @ B),   A: (..., rank), B: (rank, n)

with A (`lora_kernel_a`, he_uniform) and B (`lora_kernel_b`, zeros) the only trainable parts, so
W' = W until training moves them. `A @ B` is numpy's batched matmul: for a conv kernel
(k..., in, out) it is the (k... * in, rank) @ (rank, out) product laid back out as the kernel.
A file saved from a LoRA layer holds the merged W' and no A or B (a plain layer reads it);
loading into a LoRA layer puts W' into W and zeroes A and B — all as Keras does.
"""
from minikeras import initializers, ops


def merged_weight(name):
    """The `name` property of a LoRA-capable layer: its stored weight `_name`, merged with
    (lora_alpha / lora_rank) * A @ B when LoRA is enabled."""

    def read(self):
        if not self.built:
            raise AttributeError(f"You must build the layer before accessing `{name}`.")
        weight = getattr(self, "_" + name)
        if not self.lora_enabled:
            return weight
        a, b = (getattr(self, n) for n in self._lora_weight_names())
        update = ops.multiply(self.lora_alpha / self.lora_rank, ops.matmul(a, b))
        return ops.cast(ops.add(weight, update), self.compute_dtype)

    return property(read, doc=f"The layer's `{name}`, with the LoRA update merged in.")


class LoRA:
    """Mixin for a layer whose weight `_lora_target` ("kernel" or "embeddings") LoRA adapts.

    The layer stores that weight as `self._<target>`, exposes it with `merged_weight`, calls
    `_init_lora` in `__init__`, ends `build` with `_build_lora()` and adds `_lora_config()`.
    """

    _lora_target = "kernel"
    _lora_constraint_kind = "kernel constraints"  # Keras's phrase in the constraint error

    def _init_lora(self, lora_rank, lora_alpha):
        self.lora_rank = lora_rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else lora_rank
        self.lora_enabled = False

    def _lora_weight_names(self):
        return f"lora_{self._lora_target}_a", f"lora_{self._lora_target}_b"

    def enable_lora(self, rank, lora_alpha=None, a_initializer="he_uniform", b_initializer="zeros"):
        """Freezes the weight and adds the trainable low-rank factors A (..., rank), B (rank, n)."""
        target = self._lora_target
        if getattr(self, f"{target}_constraint"):
            raise ValueError(
                f"Lora is incompatible with {self._lora_constraint_kind}. In order to enable "
                f"lora on this layer, remove the `{target}_constraint` argument.")
        if not self.built:
            raise ValueError("Cannot enable lora on a layer that isn't yet built.")
        if self.lora_enabled:
            raise ValueError("lora is already enabled. This can only be done once per layer.")
        weight = object.__getattribute__(self, "_" + target)
        regularizer = getattr(self, f"{target}_regularizer")
        shapes = (tuple(weight.shape[:-1]) + (rank,), (rank, weight.shape[-1]))
        for name, shape, init in zip(self._lora_weight_names(), shapes, (a_initializer, b_initializer)):
            # float32 whatever the layer's policy (as Keras): small updates must not underflow
            variable = self.add_weight(name=name, shape=shape, dtype="float32",
                                       initializer=initializers.get(init), regularizer=regularizer)
            # beside the weight, under the path the layer was built in (Keras's `_parent_path`)
            variable.path = weight.path[:-len(weight.name)] + name
            setattr(self, name, variable)
        weight.trainable = False
        self.lora_enabled = True
        self.lora_rank = rank
        self.lora_alpha = lora_alpha if lora_alpha is not None else rank

    def _build_lora(self, keep_alpha=True):
        """The end of `build`: LoRA from the constructor's `lora_rank`. Keras's Dense and
        Embedding pass only the rank here, so their `lora_alpha` falls back to the rank."""
        if self.lora_rank:
            if keep_alpha:
                self.enable_lora(self.lora_rank, lora_alpha=self.lora_alpha)
            else:
                self.enable_lora(self.lora_rank)

    def _lora_config(self):
        return {"lora_rank": self.lora_rank, "lora_alpha": self.lora_alpha} if self.lora_rank else {}

    # --- saving: the merged weight stands for W, A and B ---------------------------------------
    def _saved_variables(self):
        lora = [id(getattr(self, n)) for n in self._lora_weight_names()] if self.lora_enabled else []
        own = list(self._trainable_variables) + list(self._non_trainable_variables)
        return [v for v in own if id(v) not in lora]

    def save_own_variables(self, store):
        if not self.built:
            return
        target = object.__getattribute__(self, "_" + self._lora_target)
        for i, variable in enumerate(self._saved_variables()):
            merged = variable is target and self.lora_enabled
            store[str(i)] = ops.convert_to_numpy(getattr(self, self._lora_target)) if merged else variable

    def load_own_variables(self, store):
        variables = self._saved_variables()
        if not self.lora_enabled and len(store) != len(variables):
            raise ValueError(
                f"Layer '{self.name}' expected {len(variables)} variables, but received "
                f"{len(store)} variables during loading. Expected: {[v.name for v in variables]}")
        if not self.built:
            return
        values = [store[str(i)] for i in range(len(variables))]
        for i, (variable, value) in enumerate(zip(variables, values)):
            if tuple(variable.shape) != tuple(value.shape):
                raise ValueError(
                    f"Layer '{self.name}': variable {i} ('{variable.name}') has shape "
                    f"{tuple(variable.shape)}, but the file holds shape {tuple(value.shape)}.")
        for variable, value in zip(variables, values):
            variable.assign(value)
        if self.lora_enabled:  # the file's weight already holds the update
            for name in self._lora_weight_names():
                variable = object.__getattribute__(self, name)
                variable.assign(ops.zeros(variable.shape, variable.dtype))
