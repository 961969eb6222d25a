"""`keras.utils.text_dataset_from_directory`: folders of .txt files -> batches of strings."""
import numpy as onp

from minikeras.utils.directory_utils import dataset_from_directory


def _reader(max_length):
    def read(path):
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
        return text if max_length is None else text[:max_length]
    return read


def _stack_strings(texts):
    return onp.array(texts, dtype=str)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                format="tf", verbose=True):
    """Batches of (texts, labels) from a folder with one subfolder of .txt files per class.

    `directory/class_a/*.txt, directory/class_b/*.txt` gives labels 0 and 1 (class
    subfolders in alphanumeric order, or in the order of `class_names`). Files are ordered and
    shuffled exactly as Keras does for the same `seed` (`ds.file_paths`, `ds.class_names`).

    Args:
        directory: the folder.
        labels: "inferred" (from subfolders), None (texts only), or a list of integer labels,
            one per .txt file in `os.walk` order.
        label_mode: "int" (int32), "categorical" (float32 one-hot), "binary" (float32 (n, 1),
            exactly 2 classes) or None (no labels).
        class_names: the subfolders to use, in label order (labels="inferred" only).
        batch_size: batch size; None yields single samples.
        max_length: keep at most this many characters of each text (Keras counts bytes).
        shuffle, seed: shuffle the files (and reshuffle after every epoch).
        validation_split, subset: hold out the last fraction of the (shuffled) files;
            subset "training", "validation" or "both" (returns [train, validation]).
        follow_links: follow symbolic links to subfolders.
        format: accepted for compatibility ("tf" or "grain"); the result is always a
            minikeras `tf.data.Dataset`.
        verbose: print how many files and classes were found.

    Returns:
        A `tf.data.Dataset` (minikeras.tf.data; a `BatchDataset`, so also indexable as a
        `keras.utils.PyDataset`) yielding `(texts, labels)`, with texts a Tensor of Python
        strings (Keras yields tf.string tensors of bytes), or texts alone when there are no
        labels; `class_names` and `file_paths` are set.
    """
    if format not in ("tf", "grain"):
        raise ValueError(f'`format` should be either "tf" or "grain". Received: format={format}')
    return dataset_from_directory(
        directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split,
        subset, follow_links, verbose, formats=(".txt",), kind="text", noun="text files",
        allowed="Allowed format: .txt", read=_reader(max_length), stack=_stack_strings)
