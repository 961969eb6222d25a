"""Containers that keep tracking what is put in them after they are assigned to a layer: a layer
stored later in a list or dict attribute is tracked too (its weights become the owner's), as
Keras's `keras/src/utils/tracking.py` does. The owner's `_track(value)` decides what to track."""


class TrackedList(list):
    """A list attribute of a layer: layers appended later are tracked too (as Keras does)."""

    def __init__(self, items, owner):
        super().__init__(items)
        self._owner = owner

    def append(self, v):
        super().append(v)
        self._owner._track(v)

    def extend(self, vs):
        vs = list(vs)
        super().extend(vs)
        self._owner._track(vs)

    def insert(self, i, v):
        super().insert(i, v)
        self._owner._track(v)

    def __iadd__(self, vs):
        self.extend(vs)
        return self

    def __setitem__(self, i, v):
        super().__setitem__(i, v)
        self._owner._track(v)


class TrackedDict(dict):
    """A dict attribute of a layer: layers stored in it later are tracked too."""

    def __init__(self, items, owner):
        super().__init__(items)
        self._owner = owner

    def __setitem__(self, k, v):
        super().__setitem__(k, v)
        self._owner._track(v)

    def update(self, *args, **kwargs):
        super().update(*args, **kwargs)
        self._owner._track(dict(*args, **kwargs))
