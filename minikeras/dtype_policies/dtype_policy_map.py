"""`DTypePolicyMap`: a dict from layer paths (or regular expressions over them) to policies,
with a default policy for the paths it does not name."""
import re
from collections.abc import MutableMapping

from minikeras.dtype_policies.dtype_policy import DTypePolicy, QuantizedDTypePolicy


class DTypePolicyMap(DTypePolicy, MutableMapping):
    """Dict-like map of layer paths to `DTypePolicy`s.

    A lookup tries the exact key first, then every key as a regular expression matched in full
    (`"encoder/.*"` covers the encoder's sublayers); a path matching several patterns is an
    error, and a path matching none gets the default policy.

    Args:
        default_policy: the policy of unnamed paths; None: `keras.config.dtype_policy()`.
        policy_map: an optional dict of path -> policy.
    """

    def __init__(self, default_policy=None, policy_map=None):
        from minikeras import dtype_policies
        if isinstance(default_policy, DTypePolicyMap):
            raise ValueError("`default_policy` cannot be a `DTypePolicyMap`.")
        if policy_map is not None and not isinstance(policy_map, dict):
            raise TypeError("If specified, `policy_map` must be a dict. "
                            f"Received: policy_map={policy_map} of type {type(policy_map)}")
        self._default_policy_arg = default_policy
        self._default_policy = dtype_policies.get(default_policy)
        self._policy_map = policy_map or dict()

    @property
    def name(self):
        return f"map_{self.default_policy._name}"

    @property
    def default_policy(self):
        from minikeras import dtype_policies
        return dtype_policies.get(self._default_policy)

    @property
    def variable_dtype(self):
        return self.default_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self.default_policy.compute_dtype

    @property
    def quantization_mode(self):
        return self.default_policy.quantization_mode

    def __getitem__(self, key):
        if key in self._policy_map:
            return self._policy_map[key]
        matching = [pattern for pattern in self._policy_map if re.fullmatch(pattern, key)]
        if len(matching) > 1:
            raise ValueError(
                f"Path '{key}' matches multiple dtype policy specification keys: {matching}. "
                "Please make sure each path only matches at most one dtype policy "
                "specification key in the DTypePolicyMap.")
        if matching:
            return self._policy_map[matching[0]]
        return self.default_policy

    def __setitem__(self, key, policy):
        from minikeras import dtype_policies
        if key in self._policy_map:
            raise ValueError(
                f"{key} already exist in the DTypePolicyMap with value "
                f"{self._policy_map[key]}. Please make sure to not use duplicated keys.")
        try:
            policy = dtype_policies.get(policy)
        except Exception:
            raise ValueError("Cannot interpret the assigned value by `keras.dtype_policies.get`. "
                             f"Received: {policy} of type {type(policy)}") from None
        self._policy_map[key] = policy

    def __delitem__(self, key):
        return self._policy_map.pop(key)

    def __contains__(self, key):
        return key in self._policy_map

    def __len__(self):
        return len(self._policy_map)

    def __iter__(self):
        return iter(self._policy_map)

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__

    def get_config(self):
        from minikeras import dtype_policies
        if self._default_policy_arg is None:
            # As Keras: without an explicit default, the saved policies defer to the global
            # policy when loaded (their names are cleared).
            for policy in self._policy_map.values():
                if isinstance(policy, QuantizedDTypePolicy):
                    policy._name = None
                    policy._source_name = None
                elif isinstance(policy, DTypePolicy):
                    policy._name = None
        return {"default_policy": self._default_policy_arg,
                "policy_map": {k: dtype_policies.serialize(v)
                               for k, v in self._policy_map.items()}}

    @classmethod
    def from_config(cls, config_, custom_objects=None):
        from minikeras import dtype_policies
        config_ = dict(config_)
        config_["policy_map"] = {k: dtype_policies.deserialize(v, custom_objects)
                                 for k, v in (config_.get("policy_map") or {}).items()}
        return cls(**config_)

    def __repr__(self):
        default = self._default_policy.name if self._default_policy is not None else None
        mapping = [(k, v.name) for k, v in self._policy_map.items()]
        return (f"<DTypePolicyMap at {hex(id(self))} default_policy={default}, "
                f"mapping={mapping}>")
