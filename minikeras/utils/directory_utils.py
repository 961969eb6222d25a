"""Reading folders for `text_dataset_from_directory` / `image_dataset_from_directory`:
Keras's file indexing, label encoding and validation split, then a `FileDataset` of batches."""
import os

import numpy as onp

from minikeras.utils.dataset_utils import BatchDataset


def _walk_files(directory, follow_links, formats):
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda x: x[0])
    for root, _, files in walk:
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield os.path.join(root, fname)


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """(file_paths, labels, class_names) of the files in `directory`, ordered as Keras.

    labels="inferred": one class per subdirectory (sorted by name unless `class_names` gives
    the order; names starting with "." skipped); files sorted by walk root then name. With
    shuffle, paths and labels are both shuffled by `numpy.random.RandomState(seed)`.
    """
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(set(subdirs)):
                raise ValueError(
                    "The `class_names` passed did not match the names of the subdirectories of "
                    f"the target directory. Expected: {subdirs} (or a subset of it), but "
                    f"received: class_names={class_names}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            if labels is None:
                raise ValueError("When `labels=None` (no labels), argument `class_names` "
                                 "cannot be specified.")
            raise ValueError("When argument `labels` is specified, argument `class_names` cannot "
                             "be specified (the `class_names` will be the sorted list of labels).")
    paths, inferred = [], []
    for index, subdir in enumerate(subdirs):
        found = list(_walk_files(os.path.join(directory, subdir), follow_links, formats))
        paths += found
        inferred += [index] * len(found)
    if labels == "inferred":
        labels, class_names = onp.asarray(inferred, dtype="int32"), subdirs
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(paths):
            raise ValueError(
                "Expected the lengths of `labels` to match the number of files in the target "
                f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
                f"directory {directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = onp.array(labels)
    if verbose:
        print(f"Found {len(paths)} files." if labels is None else
              f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        if seed is None:
            seed = onp.random.randint(1e6)
        onp.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            onp.random.RandomState(seed).shuffle(labels)
    return paths, labels, class_names


def check_validation_split_arg(validation_split, subset, shuffle, seed):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError("`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError(
            "If using `validation_split` and shuffling the data, you must provide a `seed` "
            "argument, to make sure that there is no overlap between the training and "
            "validation subset.")


def training_or_validation_split(samples, labels, validation_split, subset, verbose=True):
    """The last int(validation_split * n) samples are the validation subset, the rest training."""
    if not validation_split:
        return samples, labels
    num_val = int(validation_split * len(samples))
    if subset not in ("training", "validation"):
        raise ValueError(f'`subset` must be either "training" or "validation", received: {subset}')
    part = slice(None, -num_val) if subset == "training" else slice(-num_val, None)
    if verbose:
        print(f"Using {len(samples) - num_val} files for training." if subset == "training"
              else f"Using {num_val} files for validation.")
    return samples[part], (None if labels is None else labels[part])


def encode_labels(labels, label_mode, num_classes):
    """int -> int32 (n,); categorical -> float32 one-hot (n, classes); binary -> float32 (n, 1)."""
    labels = onp.asarray(labels)
    if label_mode == "binary":
        return labels.astype("float32")[:, None]
    if label_mode == "categorical":
        return (labels[:, None] == onp.arange(num_classes)).astype("float32")
    return labels.astype("int32")


class FileDataset(BatchDataset):
    """Batches read from files: `read(path)` gives one sample; labels are pre-encoded arrays."""

    def __init__(self, file_paths, labels, read, stack, batch_size, shuffle, seed, class_names):
        super().__init__(len(file_paths), batch_size, shuffle, seed)
        self.file_paths, self.labels, self.class_names = list(file_paths), labels, class_names
        self._read, self._stack = read, stack

    def load(self, indices):
        samples = self._stack([self._read(self.file_paths[i]) for i in indices])
        return samples if self.labels is None else (samples, self.labels[indices])


def dataset_from_directory(directory, labels, label_mode, class_names, batch_size, shuffle,
                           seed, validation_split, subset, follow_links, verbose, formats, kind,
                           noun, allowed, read, stack):
    """Shared body of the text_ / image_ / audio_dataset_from_directory, after their own checks."""
    if labels not in ("inferred", None):
        if not isinstance(labels, (list, tuple)):
            samples = {"text": "text samples", "audio": "audio samples"}.get(kind, "images")
            raise ValueError(
                f"`labels` argument should be a list/tuple of integer labels, of the same size as "
                f"the number of {kind} files in the target directory. If you wish to infer the "
                "labels from the subdirectory names in the target directory, pass "
                '`labels="inferred"`. If you wish to get a dataset that only contains '
                f"{samples} (no labels), pass "
                f"`labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. Received: '
                             f"labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError('`label_mode` argument must be one of "int", "categorical", "binary", '
                         f"or None. Received: label_mode={label_mode}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    check_validation_split_arg(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = onp.random.randint(1e6)
    paths, labels, class_names = index_directory(directory, labels, formats, class_names, shuffle,
                                                 seed, follow_links, verbose)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError('When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={class_names}")
    num_classes = len(class_names) if class_names else 0

    def make(subset_name, train):
        p, l = training_or_validation_split(paths, labels, validation_split, subset_name, verbose)
        if not p:
            which = f"{subset_name} " if subset == "both" else ""
            raise ValueError(f"No {which}{noun} found in directory {directory}. {allowed}")
        l = None if label_mode is None else encode_labels(l, label_mode, num_classes)
        return FileDataset(p, l, read, stack, batch_size, shuffle and train, seed, class_names)

    if subset == "both":
        return [make("training", True), make("validation", False)]
    return make(subset, True)
