"""`keras.name_scope`: the prefix of the paths of variables created inside it (Keras's
`keras/src/backend/common/name_scope.py`). The open scopes are a per-thread stack."""
import threading

_state = threading.local()


def _stack():
    if not hasattr(_state, "scopes"):
        _state.scopes = []
    return _state.scopes


class name_scope:
    """Opens a sub-namespace for variable paths: `Variable(name="w")` inside
    `name_scope("block")` has path "block/w".

    Args:
        name: the scope's name (a string without "/").
        caller: optional object that opened the scope (e.g. a layer).
        deduplicate: if `True` and the innermost open scope has the same `name` and `caller`,
            entering does not open a second level.
        override_parent: an absolute path that replaces the enclosing scopes' path.
    """

    def __init__(self, name, caller=None, deduplicate=True, override_parent=None):
        if not isinstance(name, str) or "/" in name:
            raise ValueError("Argument `name` must be a string and cannot contain character "
                             f"`/`. Received: name={name}")
        self.name = name
        self.caller = caller
        self.deduplicate = deduplicate
        self.override_parent = override_parent
        if override_parent is None and deduplicate and \
                getattr(caller, "_parent_path", None) is not None:
            self.override_parent = caller._parent_path
        self._pop_on_exit = False

    def __enter__(self):
        stack = _stack()
        top = stack[-1] if stack else None
        if self.deduplicate and top is not None and self.caller is not None \
                and self.caller is top.caller and self.name == top.name:
            return self
        stack.append(self)
        self._pop_on_exit = True
        return self

    def __exit__(self, *exc):
        if self._pop_on_exit and _stack():
            _stack().pop()
            self._pop_on_exit = False


def current_path():
    """The "/"-joined names of the open scopes ("" outside any)."""
    parts = []
    for scope in _stack():
        if scope.override_parent is not None:
            parts = [p for p in scope.override_parent.split("/") if p]
        parts.append(scope.name)
    return "/".join(parts)
