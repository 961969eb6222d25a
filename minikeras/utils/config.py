"""`keras.utils.Config`: a dict of named values read and set as attributes, which can be frozen
(Keras's `keras/src/utils/config.py`)."""
import copy
import difflib
import json


class Config:
    """A dict-like container whose entries are also attributes: `config.seed = 1` is
    `config["seed"] = 1`. `freeze()` makes every later change raise a ValueError.

    Args:
        **kwargs: the initial entries.
    """

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", kwargs)
        object.__setattr__(self, "_frozen", False)

    @property
    def frozen(self):
        """Whether the config refuses changes."""
        return self._frozen

    def freeze(self):
        """Refuse any further change."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Accept changes again."""
        object.__setattr__(self, "_frozen", False)

    def _raise_if_frozen(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self):
        """A shallow copy of the entries, as a plain dict."""
        return copy.copy(self._config)

    def to_json(self):
        """The entries as a JSON string."""
        return json.dumps(self._config)

    def keys(self):
        """The entry names."""
        return self._config.keys()

    def values(self):
        """The entry values."""
        return self._config.values()

    def items(self):
        """The (name, value) pairs."""
        return self._config.items()

    def get(self, keyname, value=None):
        """The entry `keyname`, or `value` when there is none."""
        return self._config.get(keyname, value)

    def pop(self, *args):
        """Removes an entry and returns its value (as `dict.pop`)."""
        self._raise_if_frozen()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        """Adds or replaces entries (as `dict.update`)."""
        self._raise_if_frozen()
        return self._config.update(*args, **kwargs)

    def __setattr__(self, name, value):
        if name.startswith("_") or hasattr(type(self), name):  # the class's own attributes
            return object.__setattr__(self, name, value)
        self[name] = value

    def __getattr__(self, name):  # called only for names that are not real attributes
        config = object.__getattribute__(self, "_config")
        if name in config:
            return config[name]
        message = f"Unknown attribute: '{name}'."
        close = difflib.get_close_matches(name, config.keys(), n=1, cutoff=0.7)
        raise AttributeError(message + (f" Did you mean '{close[0]}'?" if close else ""))

    def __setitem__(self, key, item):
        self._raise_if_frozen()
        self._config[key] = item

    def __getitem__(self, key):
        return self._config[key]

    def __delitem__(self, key):
        self._raise_if_frozen()
        del self._config[key]

    def __contains__(self, item):
        return item in self._config

    def __iter__(self):  # Keras iterates the names in sorted order
        return iter(sorted(self._config))

    def __len__(self):
        return len(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"
