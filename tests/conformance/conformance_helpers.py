"""Helpers the conformance files share: comparing our configs with Keras's."""


def plain(value):
    """Tuples as lists, recursively, so Keras's and our configs compare by value."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def same_config(ours, theirs):
    """Both layers' configs have the same keys and, except the name, the same values."""
    mine, ref = ours.get_config(), theirs.get_config()
    assert sorted(mine) == sorted(ref)
    for key in ref.keys() - {"name"}:
        assert plain(mine[key]) == plain(ref[key]), key
