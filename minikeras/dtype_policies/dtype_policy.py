"""Dtype policies: which dtype a layer computes in and which it keeps its weights in.

    DTypePolicy("float32")        compute float32, variables float32 (the default)
    DTypePolicy("mixed_float16")  compute float16, variables float32 (mixed precision)
    DTypePolicy("mixed_bfloat16") compute bfloat16 (ml_dtypes), variables float32

A layer casts its float inputs to the compute dtype when it is called and reads its float
variables cast to it inside `call` (engine/variable.py's `AutocastScope`); gradients flow back
to the float32 variables. The quantized policies are Keras's configuration objects: they
construct, compare and serialize as in Keras, but minikeras layers do not quantize.
"""
from minikeras.engine import config
from minikeras.engine.dtypes import is_float_dtype, standardize_dtype

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")


class DTypePolicy:
    """A dtype policy for a Keras layer: its compute dtype and its variable dtype.

    Args:
        name: a dtype name ("float32", "float16", "bfloat16", "float64": both dtypes that one),
            or "mixed_float16" / "mixed_bfloat16" (compute float16 / bfloat16, variables
            float32). None: the global policy's name (`keras.config.dtype_policy()`).
    """

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._quantization_mode = None

    def _parse_name(self, name):
        """`(compute_dtype, variable_dtype)` of a policy name."""
        if not isinstance(name, str):
            raise TypeError("'name' must be a string, such as 'mixed_float16'. "
                            f"Received: name={name} (of type {type(name)})")
        if name == "mixed_float16":
            return "float16", "float32"
        if name == "mixed_bfloat16":
            return "bfloat16", "float32"
        try:
            dtype = standardize_dtype(name)
        except (TypeError, ValueError):
            dtype = None
        if dtype is None:
            raise ValueError(
                f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies "
                "include 'mixed_float16', 'mixed_bfloat16', and the name of any float dtype "
                "such as 'float32'.")
        return dtype, dtype

    @property
    def variable_dtype(self):
        """The dtype layers create their variables in."""
        return self._variable_dtype

    @property
    def compute_dtype(self):
        """The dtype layers compute in (and cast their float inputs and variables to)."""
        return self._compute_dtype

    @property
    def name(self):
        return self._name

    @property
    def quantization_mode(self):
        """The quantization mode ("int8", ...), None for a float policy."""
        return self._quantization_mode

    def convert_input(self, x, autocast, dtype):
        """`x` cast to `dtype` when `autocast` is on and `x` is a float tensor of another dtype
        (integer and bool inputs are left as they are)."""
        dtype = standardize_dtype(dtype)
        if self._should_cast(x, autocast, dtype):
            from minikeras import ops
            return ops.cast(x, dtype)
        return x

    def _should_cast(self, x, autocast, dtype):
        x_dtype = getattr(x, "dtype", None)
        if x_dtype is None:
            return False
        x_dtype = standardize_dtype(x_dtype)
        return bool(autocast) and is_float_dtype(x_dtype) and x_dtype != dtype

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)

    def __repr__(self):
        class_name = type(self).__name__
        if class_name == "FloatDTypePolicy":
            class_name = "DTypePolicy"
        return f'<{class_name} "{self._name}">'

    def __eq__(self, other):
        if type(self) in (DTypePolicy, FloatDTypePolicy):
            if type(other) not in (DTypePolicy, FloatDTypePolicy):
                return False
        elif type(other) is not type(self):
            return False
        return self._name == other._name

    __hash__ = object.__hash__


class FloatDTypePolicy(DTypePolicy):
    """An alias of `DTypePolicy` (Keras keeps the name for older code)."""


class QuantizedDTypePolicy(DTypePolicy):
    """A quantized policy, named "<mode>_from_<source policy>" ("int8_from_float32").

    Args:
        mode: one of "int8", "float8", "int4", "gptq", "awq".
        source_name: the float policy the weights come from; None: the global policy.
    """

    def __init__(self, mode, source_name=None):
        if source_name is None:
            source_name = dtype_policy().name
        self._compute_dtype, self._variable_dtype = self._parse_name(source_name)
        self._check_quantization_mode(mode, self._compute_dtype)
        self._name = f"{mode}_from_{source_name}"
        self._source_name = source_name
        self._quantization_mode = mode

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return (self._quantization_mode == other._quantization_mode
                and self._source_name == other._source_name)

    __hash__ = object.__hash__

    def get_config(self):
        return {"mode": self._quantization_mode, "source_name": self._source_name}

    def _check_quantization_mode(self, mode, compute_dtype):
        if mode not in QUANTIZATION_MODES:
            raise ValueError(f"Invalid quantization mode. Expected one of {QUANTIZATION_MODES}. "
                             f"Received: mode={mode}")
        if compute_dtype == "float16" and mode == "int8":
            raise ValueError(f"Quantization mode='{mode}' doesn't work well with "
                             "compute_dtype='float16'.")


class QuantizedFloat8DTypePolicy(QuantizedDTypePolicy):
    """A float8 quantized policy with the length of its amax history window."""
    default_amax_history_length = 1024

    def __init__(self, mode, source_name=None, amax_history_length=1024):
        super().__init__(mode=mode, source_name=source_name)
        if not isinstance(amax_history_length, int):
            raise TypeError("`amax_history_length` must be an integer. "
                            f"Received: amax_history_length={amax_history_length}")
        self._amax_history_length = amax_history_length

    @property
    def amax_history_length(self):
        return self._amax_history_length

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self._amax_history_length == other._amax_history_length

    __hash__ = object.__hash__

    def get_config(self):
        return {**super().get_config(), "amax_history_length": self.amax_history_length}


def _mode_parts(cls_name, mode, prefix, expected, count):
    parts = mode.split("/")
    if len(parts) != count or parts[0] != prefix:
        raise ValueError(f"Invalid mode for {cls_name}. Expected format {expected}, "
                         f"but got '{mode}'.")
    return parts


class Int4DTypePolicy(QuantizedDTypePolicy):
    """int4 quantization with a block size: mode "int4/<block_size>" (-1: per channel)."""

    def __init__(self, mode, source_name=None):
        expected = "'int4/<block_size>'"
        parts = _mode_parts("Int4DTypePolicy", mode, "int4", expected, 2)
        try:
            block_size = int(parts[1])
        except ValueError:
            raise ValueError("Invalid mode for Int4DTypePolicy. <block_size> must be an integer. "
                             f"Expected format {expected}, but got '{mode}'.") from None
        if block_size < -1 or block_size == 0:
            raise ValueError("Invalid block_size in mode. Supported values are -1 (per-channel) "
                             "or a positive integer (sub-channel), "
                             f"but got {block_size} from '{mode}'.")
        super().__init__(mode="int4", source_name=source_name)
        self._name = f"{mode}_from_{source_name}"
        self.mode = "int4"
        self.block_size = block_size

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self.block_size == other.block_size

    __hash__ = object.__hash__

    def get_config(self):
        return {**super().get_config(), "mode": f"{self.mode}/{self.block_size}"}


class _GroupedPolicy(QuantizedDTypePolicy):
    """GPTQ / AWQ: mode "<algorithm>/<weight_bits>/<group_size>"."""
    _prefix = ""
    _bits = ()

    def __init__(self, mode, source_name=None):
        cls_name = type(self).__name__
        expected = f"'{self._prefix}/<weight_bits>/<group_size>'"
        parts = _mode_parts(cls_name, mode, self._prefix, expected, 3)
        try:
            weight_bits, group_size = int(parts[1]), int(parts[2])
        except ValueError:
            raise ValueError(f"Invalid mode for {cls_name}. <weight_bits> and <group_size> must "
                             f"be integers. Expected format {expected}, but got '{mode}'.") from None
        if weight_bits not in self._bits:
            if self._prefix == "awq":
                raise ValueError("Invalid weight_bits in mode. AWQ only supports 4-bit "
                                 f"quantization, but got {weight_bits} from '{mode}'.")
            raise ValueError("Invalid weight_bits in mode. Supported values are 2, 3, 4, and 8, "
                             f"but got {weight_bits} from '{mode}'.")
        if group_size < -1 or group_size == 0:
            whole = "per-channel" if self._prefix == "awq" else "whole-tensor"
            raise ValueError(f"Invalid group_size in mode. Supported values are -1 ({whole}) or "
                             f"a positive integer, but got {group_size} from '{mode}'.")
        super().__init__(mode=self._prefix, source_name=source_name)
        self._name = f"{mode}_from_{source_name}"
        self.mode = self._prefix
        self.weight_bits = weight_bits
        self.group_size = group_size

    def __eq__(self, other):
        if super().__eq__(other) is False:
            return False
        return self.weight_bits == other.weight_bits and self.group_size == other.group_size

    __hash__ = object.__hash__

    def get_config(self):
        return {**super().get_config(),
                "mode": f"{self.mode}/{self.weight_bits}/{self.group_size}"}


class GPTQDTypePolicy(_GroupedPolicy):
    """GPTQ quantization: mode "gptq/<weight_bits>/<group_size>" (bits 2, 3, 4 or 8)."""
    _prefix, _bits = "gptq", (2, 3, 4, 8)


class AWQDTypePolicy(_GroupedPolicy):
    """AWQ quantization: mode "awq/4/<group_size>"."""
    _prefix, _bits = "awq", (4,)


# --- the global policy -------------------------------------------------------------------------
def set_dtype_policy(policy):
    """Sets the default dtype policy of every layer created afterwards.

    >>> keras.config.set_dtype_policy("mixed_float16")
    """
    if not isinstance(policy, DTypePolicy):
        if not isinstance(policy, str):
            raise ValueError(
                "Invalid `policy` argument. Expected the string name of a policy (such as "
                f"'mixed_float16') or a `DTypePolicy` instance. Received: policy={policy} "
                f"(of type {type(policy)})")
        if policy.startswith(QUANTIZATION_MODES):
            policy = _get_quantized_dtype_policy_by_str(policy)
        else:
            policy = DTypePolicy(policy)
    config.set_global_dtype_policy(policy)


def dtype_policy():
    """The current default dtype policy (a float32 policy, or floatx's, unless set)."""
    policy = config.global_dtype_policy()
    if policy is None:
        policy = DTypePolicy(config.floatx())
        set_dtype_policy(policy)
    return policy


def _get_quantized_dtype_policy_by_str(policy):
    if not isinstance(policy, str):
        raise TypeError(f"`policy` must be a string. Received: policy={policy}")
    if not policy.startswith(QUANTIZATION_MODES):
        raise ValueError("`policy` is incompatible with the current supported quantization.")
    split_name = policy.split("_from_")
    if len(split_name) != 2:
        raise ValueError(
            "Cannot convert `policy` into a valid pair (`mode`, `source_name`) to instantiate "
            f"`QuantizedDTypePolicy`. Received: policy={policy}")
    mode, source_name = split_name
    if policy.startswith("int4") and "/" in mode:
        return Int4DTypePolicy(mode, source_name)
    if policy.startswith(("int8", "int4")):
        return QuantizedDTypePolicy(mode, source_name)
    if policy.startswith("gptq"):
        return GPTQDTypePolicy(mode, source_name)
    if policy.startswith("awq"):
        return AWQDTypePolicy(mode, source_name)
    return QuantizedFloat8DTypePolicy(mode, source_name)
