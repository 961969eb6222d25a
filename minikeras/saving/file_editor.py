"""`keras.saving.KerasFileEditor`: inspect and edit the weights of a `.keras` or `.weights.h5`
file (rename, delete or add objects and weights), then write a new `.weights.h5`.

The file is read through the safe loaders: the zip members and the HDF5 tree are checked by
`saving_lib._open_keras_zip` and `h5_guard.open_h5` (links, external / virtual datasets,
non-numeric data and allocation bombs are refused with a ValueError) before any value is read;
the config and metadata are parsed as JSON and never turned into objects.
"""
import collections
import io
import json

import h5py
import numpy as onp

from minikeras.saving import h5_guard, saving_lib


class KerasFileEditor:
    """Utility to inspect, edit, and resave Keras weights files.

    The weights are `editor.weights_dict`, a nested dict following the file's object tree
    (`{"layers": {"dense": {"0": kernel, "1": bias}}}`); paths name objects by that tree
    (`"layers/dense"`), and a bare name (`"dense"`) must occur once.

    Args:
        filepath: a `.keras` or `.weights.h5` file.
    """

    def __init__(self, filepath):
        self.filepath = filepath
        self.metadata = None
        self.config = None
        self.model = None
        path = str(filepath)
        if path.endswith(".keras"):
            with saving_lib._open_keras_zip(path) as zf:
                self.config = _json(saving_lib._read_member(zf, saving_lib._CONFIG), "config")
                self.metadata = _json(saving_lib._read_member(zf, saving_lib._METADATA),
                                      "metadata")
                source = saving_lib._read_member(zf, saving_lib._WEIGHTS)
        elif path.endswith(".weights.h5"):
            source = path
        else:
            raise ValueError("Invalid filename: expected a `.keras` `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        with h5_guard.load_failures_as_value_error(f"the weights in {path}"):
            with h5_guard.open_h5(source, what=path) as h5:
                self.weights_dict, self.object_metadata = _extract(h5)
        print(self._generate_filepath_info())
        if self.metadata is not None:
            print(self._generate_metadata_info())

    # --- looking --------------------------------------------------------------------------------
    def summary(self):
        """Prints the weight structure of the opened file."""
        print("Weights structure")
        for line in _tree_lines(self.weights_dict, self.object_metadata, prefix="  "):
            print(line)

    def compare(self, reference_model):
        """Lists every mismatch between the file and `reference_model` (objects or weights
        missing on either side, weights of another shape).

        Returns:
            `{"status": "success" or "error", "error_count": n, "match_count": m}`.
        """
        print("Running comparison")
        with h5_guard.open_h5(saving_lib.weights_to_bytes(reference_model)) as h5:
            ref_spec, _ = _extract(h5)
        checked = set()
        errors, matches = _compare(self.weights_dict, ref_spec, "", "saved file",
                                   "reference model", checked)
        errors += _compare(ref_spec, self.weights_dict, "", "reference model", "saved file",
                           checked)[0]
        print("─────────────────────")
        if errors == 0:
            print("Comparison successful: saved file is compatible with the reference model")
            print(f"    Found {matches} matching weight{'' if matches == 1 else 's'}")
        else:
            print(f"Found {errors} error{'' if errors == 1 else 's'}: saved file is not "
                  "compatible with the reference model")
        return {"status": "success" if errors == 0 else "error", "error_count": errors,
                "match_count": matches}

    # --- editing --------------------------------------------------------------------------------
    def rename_object(self, object_name, new_name):
        """Renames an object (e.g. `"dense_2"` or `"layers/dense_2"`) to `new_name` (a leaf)."""
        def rename(parent, source_name, target_name):
            parent[target_name] = parent.pop(source_name)
        self._edit_object(rename, object_name, new_name)

    def delete_object(self, object_name):
        """Removes an object (e.g. `"dense_2"` or `"layers/dense_2"`) and all its weights."""
        self._edit_object(lambda parent, source_name, target_name: parent.pop(source_name),
                          object_name)

    def add_object(self, object_path, weights):
        """Adds an object at `object_path` (e.g. `"layers/dense_2"`) holding `weights`, a dict
        of weight names to arrays (`{"0": kernel, "1": bias}`)."""
        _check_weights(weights)
        *parents, leaf = object_path.split("/")
        node = self.weights_dict
        for name in parents:
            if name not in node:
                raise ValueError(f"Path '{'/'.join(parents)}' not found in model.")
            node = node[name]
        node[leaf] = weights

    def delete_weight(self, object_name, weight_name):
        """Removes the weight `weight_name` (e.g. `"0"`) from an object."""
        def delete(parent, source_name, target_name):
            if weight_name not in parent[source_name]:
                raise ValueError(f"Weight {weight_name} not found in object {object_name}. "
                                 f"Weights found: {list(parent[source_name].keys())}")
            parent[source_name].pop(weight_name)
        self._edit_object(delete, object_name)

    def add_weights(self, object_name, weights):
        """Adds (or replaces) weights of an existing object: `{"1": bias_value}`."""
        _check_weights(weights)
        self._edit_object(lambda parent, source_name, target_name:
                          parent[source_name].update(weights), object_name)

    def _edit_object(self, edit_fn, source_name, target_name=None):
        """Runs `edit_fn(parent_dict, source_name=leaf, target_name=...)` on the object named
        by a path, or by a bare name that occurs exactly once in the tree."""
        if target_name is not None and "/" in target_name:
            raise ValueError("Argument `target_name` should be a leaf name, not a full path "
                             f"name. Received: target_name='{target_name}'")
        if "/" in source_name:
            *parents, leaf = source_name.split("/")
            node = self.weights_dict
            for name in parents:
                if name not in node:
                    raise ValueError(f"Path '{source_name}' not found in model.")
                node = node[name]
            if leaf not in node:
                raise ValueError(f"Path '{source_name}' not found in model.")
            return edit_fn(node, source_name=leaf, target_name=target_name)
        parents = [d for d in _dicts(self.weights_dict) if source_name in d]
        if len(parents) > 1:
            raise ValueError(f"Name '{source_name}' occurs more than once in the model; try "
                             "passing a complete path")
        if not parents:
            raise ValueError(f"Source name '{source_name}' does not appear in the model. Use "
                             "`editor.summary()` to list all objects.")
        edit_fn(parents[0], source_name=source_name, target_name=target_name)

    # --- writing --------------------------------------------------------------------------------
    def save(self, filepath):
        """Writes the edited weights to `filepath`, a `.weights.h5` file (the layout Keras's
        `save_weights` writes: each object's weights under `<path>/vars/<name>`)."""
        filepath = str(filepath)
        if not filepath.endswith(".weights.h5"):
            raise ValueError("Invalid `filepath` argument: expected a `.weights.h5` extension. "
                             f"Received: filepath={filepath}")
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as h5:
            _write(self.weights_dict, h5, "")
        data = buffer.getvalue()
        saving_lib.atomic_write(filepath, lambda f: f.write(data))

    def resave_weights(self, filepath):
        """Same as `save(filepath)`."""
        self.save(filepath)

    # --- headers ---------------------------------------------------------------------------------
    def _generate_filepath_info(self, rich_style=False):
        return f"Keras model file '{self.filepath}'"

    def _generate_config_info(self, rich_style=False):
        return json.dumps(self.config, indent=1)

    def _generate_metadata_info(self, rich_style=False):
        return (f"Saved with Keras {self.metadata.get('keras_version')} - date: "
                f"{self.metadata.get('date_saved')}")


def _json(data, what):
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"The `.keras` file's {what} is not valid JSON: {e}") from None


def _check_weights(weights):
    if not isinstance(weights, dict):
        raise ValueError("Argument `weights` should be a dict where keys are weight names "
                         "(usually '0', '1', etc.) and values are NumPy arrays. "
                         f"Received: type(weights)={type(weights)}")


def _extract(group, inner_path="", metadata=None):
    """(weights tree, {path: attributes}) of an open, already checked HDF5 group. An object's
    `vars` group is folded into the object's own dict; empty groups are left out (as Keras)."""
    metadata = {} if metadata is None else metadata
    attrs = {k: h5_guard.read_attr(group, k) for k in group.attrs}
    if attrs:
        metadata[inner_path] = attrs
    result = collections.OrderedDict()
    for key in group.keys():
        value, path = group[key], f"{inner_path}/{key}"
        if isinstance(value, h5py.Dataset):
            result[key] = h5_guard.read_array(value, path)
        elif key == "vars":  # the group's own weights, at the group's path
            result.update(_extract(value, inner_path, metadata)[0])
        else:
            child = _extract(value, path, metadata)[0]
            if child:
                result[key] = child
    return result, metadata


def _write(tree, h5, path):
    values = {k: v for k, v in tree.items() if not isinstance(v, dict)}
    if values:
        group = h5.create_group(f"{path}/vars" if path else "vars")
        for name, value in values.items():
            group.create_dataset(name, data=onp.asarray(value))
    for name, child in tree.items():
        if isinstance(child, dict) and child:
            _write(child, h5, f"{path}/{name}" if path else name)


def _dicts(tree):
    """Every dict of the tree, the tree first."""
    yield tree
    for value in tree.values():
        if isinstance(value, dict):
            yield from _dicts(value)


def _compare(target, ref, inner_path, target_name, ref_name, checked):
    """(errors, matches) of `target` against `ref`, printing each mismatch once."""
    errors = matches = 0
    for key, ref_value in ref.items():
        path = f"{inner_path}/{key}"
        if path in checked:
            continue
        if key not in target:
            errors += 1
            checked.add(path)
            kind = "Object" if isinstance(ref_value, dict) else "Weight"
            print(f"...{kind} {path} present in {ref_name}, missing from {target_name}")
            if isinstance(ref_value, dict):
                print(f"    In {ref_name}, {path} contains the following keys: "
                      f"{list(ref_value.keys())}")
        elif isinstance(ref_value, dict):
            e, m = _compare(target[key], ref_value, path, target_name, ref_name, checked)
            errors, matches = errors + e, matches + m
        elif onp.shape(target[key]) != onp.shape(ref_value):
            errors += 1
            checked.add(path)
            print(f"...Weight shape mismatch for {path}\n    In {ref_name}: "
                  f"shape={onp.shape(ref_value)}\n    In {target_name}: "
                  f"shape={onp.shape(target[key])}")
        else:
            matches += 1
    return errors, matches


def _tree_lines(tree, object_metadata, prefix="", inner_path="", first=True):
    """The lines of `summary()`: objects in bold-free tree form, weights with shape and dtype."""
    lines = []
    for i, (key, value) in enumerate(tree.items()):
        path = f"{inner_path}/{key}"
        last = i == len(tree) - 1
        connector = "> " if first and i == 0 else ("└─ " if last else "├─ ")
        if isinstance(value, dict):
            name = object_metadata.get(path, {}).get("name")
            lines.append(f"{prefix}{connector}{key}" + (f" ('{name}')" if name else ""))
            lines += _tree_lines(value, object_metadata, prefix + ("    " if last else "│   "),
                                 path, first=False)
        else:
            lines.append(f"{prefix}{connector}{key}: shape={onp.shape(value)}, "
                         f"dtype={onp.asarray(value).dtype}")
    return lines
