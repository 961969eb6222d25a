"""keras.utils data helpers: PNG codec, image / text / timeseries datasets, split_dataset,
image helpers and the model drawings (plot_model / model_to_text)."""
import struct
import zlib

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers, utils
from minikeras.utils import dataset_utils, image_utils, model_visualization, png


# --- PNG codec -------------------------------------------------------------------------------
def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filtered_png(image, filters, color=None, depth=8, palette=None, trns=None):
    """A PNG whose row y uses filter filters[y % len(filters)] (0 None .. 4 Paeth), written
    independently of minikeras's encoder so the decoder's unfiltering is really exercised."""
    image = np.asarray(image)
    height = image.shape[0]
    if depth < 8:  # pack sub-byte samples, most significant first
        bits = ((image[..., None] >> np.arange(depth - 1, -1, -1)) & 1).reshape(height, -1)
        rows = np.packbits(bits.astype(np.uint8), axis=1)
    else:
        rows = image.reshape(height, -1).astype(">u2" if depth == 16 else np.uint8)
        rows = rows.view(np.uint8).reshape(height, -1)
    channels = 1 if image.ndim == 2 else image.shape[-1]
    bpp = max(1, channels * depth // 8)
    raw, prev = b"", [0] * rows.shape[1]
    for y, row in enumerate(rows.tolist()):
        kind = filters[y % len(filters)]
        out = []
        for i, x in enumerate(row):
            a, b, c = (row[i - bpp] if i >= bpp else 0), prev[i], (prev[i - bpp] if i >= bpp else 0)
            pred = [0, a, b, (a + b) // 2, _paeth(a, b, c)][kind]
            out.append((x - pred) % 256)
        raw += bytes([kind] + out)
        prev = row
    if color is None:
        color = {1: 0, 2: 4, 3: 2, 4: 6}[channels]
    chunk = lambda k, d: struct.pack(">I", len(d)) + k + d + struct.pack(">I", zlib.crc32(k + d))
    head = struct.pack(">IIBBBBB", image.shape[1], height, depth, color, 0, 0, 0)
    body = chunk(b"IHDR", head)
    if palette is not None:
        body += chunk(b"PLTE", np.asarray(palette, np.uint8).tobytes())
    if trns is not None:
        body += chunk(b"tRNS", bytes(trns))
    return png.SIGNATURE + body + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trip(channels):
    img = np.random.RandomState(channels).randint(0, 256, (5, 7, channels)).astype(np.uint8)
    np.testing.assert_array_equal(png.decode_png(png.encode_png(img)), img)


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_decodes_every_row_filter(channels):
    img = np.random.RandomState(7).randint(0, 256, (10, 6, channels)).astype(np.uint8)
    data = filtered_png(img, filters=[0, 1, 2, 3, 4])
    np.testing.assert_array_equal(png.decode_png(data), img)


def test_png_16_bit_palette_and_low_bit_depths():
    deep = np.random.RandomState(0).randint(0, 65536, (4, 5, 3)).astype(np.uint16)
    out = png.decode_png(filtered_png(deep, [4, 1], depth=16))
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, deep)
    index = np.random.RandomState(1).randint(0, 4, (3, 11)).astype(np.uint8)
    palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]]
    rgba = png.decode_png(filtered_png(index, [1, 4, 3], color=3, depth=2, palette=palette,
                                       trns=[255, 128]))
    np.testing.assert_array_equal(rgba[..., :3], np.array(palette)[index])
    np.testing.assert_array_equal(rgba[..., 3], np.array([255, 128, 255, 255])[index])
    grey4 = np.random.RandomState(2).randint(0, 16, (3, 5)).astype(np.uint8)
    np.testing.assert_array_equal(png.decode_png(filtered_png(grey4, [0], depth=4))[..., 0],
                                  grey4 * 17)  # 4-bit grey scaled to 0-255


def test_png_errors():
    with pytest.raises(ValueError, match="Not a PNG"):
        png.decode_png(b"GIF89a...")
    data = bytearray(png.encode_png(np.zeros((2, 2, 3), np.uint8)))
    data[28] = 1  # interlace flag in IHDR
    with pytest.raises(ValueError, match="Interlaced"):
        png.decode_png(bytes(data))
    with pytest.raises(ValueError, match="uint8"):
        png.encode_png(np.zeros((2, 2), np.float32))


# --- image helpers -----------------------------------------------------------------------------
def test_to_channels_conversions():
    rgba = np.array([[[10, 200, 30, 7]]], np.uint8)
    np.testing.assert_array_equal(image_utils.to_channels(rgba, 3), [[[10, 200, 30]]])
    grey = (10 * 9798 + 200 * 19235 + 30 * 3735) >> 15  # libpng's luma, as tf.io.decode_png
    np.testing.assert_array_equal(image_utils.to_channels(rgba, 1), [[[grey]]])
    la = np.array([[[50, 9]]], np.uint8)
    np.testing.assert_array_equal(image_utils.to_channels(la, 4), [[[50, 50, 50, 9]]])
    np.testing.assert_array_equal(image_utils.to_channels(la[..., :1], 4), [[[50, 50, 50, 255]]])
    np.testing.assert_array_equal(image_utils.to_channels(np.array([[[0x1234]]], np.uint16), 1),
                                  [[[0x12]]])


@pytest.fixture
def no_pillow(monkeypatch):
    monkeypatch.setattr(image_utils, "pil_image", None)


def test_img_to_array_and_save_img_without_pillow(tmp_path, no_pillow):
    x = np.arange(12, dtype="float32").reshape(2, 2, 3)
    np.testing.assert_array_equal(utils.img_to_array(x[..., 0]), x[..., :1])
    assert utils.img_to_array(x, data_format="channels_first").shape == (3, 2, 2)
    utils.save_img(str(tmp_path / "a.png"), x)  # scaled to 0..255
    back = image_utils.read_image(str(tmp_path / "a.png"), 3)
    np.testing.assert_array_equal(back, (x / 11 * 255).astype(np.uint8))  # truncated, as Keras
    utils.save_img(str(tmp_path / "b.png"), x.astype("uint8"), scale=False)
    np.testing.assert_array_equal(image_utils.read_image(str(tmp_path / "b.png"), 3), x)
    with pytest.raises(ImportError, match="requires PIL"):
        utils.load_img(str(tmp_path / "a.png"))
    with pytest.raises(ImportError, match="requires PIL"):
        utils.array_to_img(x)
    with pytest.raises(ImportError, match="only PNG"):
        utils.save_img(str(tmp_path / "a.jpg"), x)


def test_smart_resize_crops_centre_then_resizes():
    x = np.arange(2 * 6, dtype="float32").reshape(2, 6, 1)
    out = keras.preprocessing.image.smart_resize(x, (2, 2), interpolation="nearest")
    np.testing.assert_array_equal(out[..., 0], [[2, 3], [8, 9]])  # the central 2x2 block


# --- image_dataset_from_directory --------------------------------------------------------------
@pytest.fixture(scope="module")
def image_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("images")
    rng = np.random.RandomState(0)
    for cls, count in (("dogs", 3), ("cats", 2)):
        (root / cls).mkdir()
        for i in range(count):
            shape = [(4, 6, 3), (5, 5, 4), (3, 3, 1)][i]
            img = rng.randint(0, 256, shape).astype(np.uint8)
            (root / cls / f"{i}.png").write_bytes(png.encode_png(img))
    (root / "cats" / "notes.txt").write_text("ignored")
    return root


def test_image_dataset_batches_labels_and_classes(image_tree):
    ds = utils.image_dataset_from_directory(str(image_tree), image_size=(4, 6), batch_size=2,
                                            shuffle=False, verbose=False)
    assert ds.class_names == ["cats", "dogs"] and len(ds) == 3
    xs, ys = zip(*ds)
    assert [x.shape for x in xs] == [(2, 4, 6, 3), (2, 4, 6, 3), (1, 4, 6, 3)]
    assert xs[0].dtype == np.float32 and ys[0].dtype == np.int32
    np.testing.assert_array_equal(np.concatenate(ys), [0, 0, 1, 1, 1])
    first = png.decode_png((image_tree / "cats" / "0.png").read_bytes()).astype("float32")
    np.testing.assert_array_equal(xs[0][0], first)  # already 4x6: no resampling
    assert ds.file_paths[0].endswith("cats/0.png")


def test_image_dataset_resize_modes_and_options(image_tree):
    grey = utils.image_dataset_from_directory(str(image_tree), image_size=2, color_mode="grayscale",
                                              batch_size=None, shuffle=False, labels=None,
                                              verbose=False)
    assert grey[0].shape == (2, 2, 1) and len(grey) == 5
    src = png.decode_png((image_tree / "cats" / "0.png").read_bytes())
    g = image_utils.to_channels(src, 1)[..., 0].astype("float32")
    # bilinear 4x6 -> 2x2 with half-pixel centres: output (i, j) samples input row
    # (i + 0.5) * 2 - 0.5 in {0.5, 2.5} (the mean of two rows) and column (j + 0.5) * 3 - 0.5
    # in {1, 4} (exact columns)
    rows = np.stack([(g[0] + g[1]) / 2, (g[2] + g[3]) / 2])
    np.testing.assert_allclose(grey[0][..., 0], rows[:, [1, 4]], rtol=1e-6)
    first = utils.image_dataset_from_directory(
        str(image_tree), image_size=(2, 2), crop_to_aspect_ratio=True, color_mode="rgba",
        data_format="channels_first", shuffle=False, labels=None, verbose=False)[0]
    assert first.shape == (5, 4, 2, 2)
    np.testing.assert_array_equal(first[0, 3], 255)  # alpha added to an RGB image
    cat = utils.image_dataset_from_directory(str(image_tree), image_size=(3, 3), shuffle=True,
                                             seed=4, label_mode="categorical", verbose=False)
    x, y = cat[0]
    assert y.shape == (5, 2) and y.dtype == np.float32 and (y.sum(axis=1) == 1).all()
    train, val = utils.image_dataset_from_directory(
        str(image_tree), image_size=(3, 3), seed=1, validation_split=0.4, subset="both",
        label_mode="binary", verbose=False)
    assert train.num_samples == 3 and val.num_samples == 2
    assert val[0][1].shape == (2, 1)
    assert set(train.file_paths).isdisjoint(val.file_paths)


def test_image_dataset_errors(image_tree, tmp_path, no_pillow):
    d = str(image_tree)
    with pytest.raises(ValueError, match="`color_mode` must be one of"):
        utils.image_dataset_from_directory(d, color_mode="cmyk")
    with pytest.raises(ValueError, match="only in TensorFlow"):
        utils.image_dataset_from_directory(d, interpolation="area")
    with pytest.raises(ValueError, match="Invalid `image_size`"):
        utils.image_dataset_from_directory(d, image_size=(1, 2, 3))
    with pytest.raises(ValueError, match="No images found in directory"):
        utils.image_dataset_from_directory(str(tmp_path), verbose=False, labels=None)
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    ds = utils.image_dataset_from_directory(str(tmp_path), verbose=False)
    with pytest.raises(ImportError, match="only PNG"):
        ds[0]


# --- text_dataset_from_directory ---------------------------------------------------------------
@pytest.fixture(scope="module")
def text_tree(tmp_path_factory):
    root = tmp_path_factory.mktemp("texts")
    for cls, n in (("pos", 3), ("neg", 2)):
        (root / cls).mkdir()
        for i in range(n):
            (root / cls / f"{i}.txt").write_text(f"{cls} review number {i} ünïcode",
                                                 encoding="utf-8")
    return root


def test_text_dataset_labels_and_strings(text_tree, capsys):
    ds = utils.text_dataset_from_directory(str(text_tree), batch_size=2, shuffle=False)
    assert "Found 5 files belonging to 2 classes." in capsys.readouterr().out
    assert ds.class_names == ["neg", "pos"] and len(ds) == 3
    texts, labels = zip(*ds)
    assert list(np.concatenate(texts)) == ["neg review number 0 ünïcode",
                                           "neg review number 1 ünïcode",
                                           "pos review number 0 ünïcode",
                                           "pos review number 1 ünïcode",
                                           "pos review number 2 ünïcode"]
    np.testing.assert_array_equal(np.concatenate(labels), [0, 0, 1, 1, 1])
    short = utils.text_dataset_from_directory(str(text_tree), max_length=3, labels=None,
                                              shuffle=False, class_names=None, verbose=False)
    assert list(short[0]) == ["neg", "neg", "pos", "pos", "pos"]
    binary = utils.text_dataset_from_directory(str(text_tree), label_mode="binary",
                                               class_names=["pos", "neg"], shuffle=False,
                                               verbose=False)
    np.testing.assert_array_equal(binary[0][1], [[0], [0], [0], [1], [1]])


def test_text_dataset_shuffle_is_seeded_and_reshuffles_each_epoch(text_tree):
    make = lambda: utils.text_dataset_from_directory(str(text_tree), batch_size=5, seed=3,
                                                     verbose=False)
    a, b = make(), make()
    assert list(a[0][0]) == list(b[0][0])  # the same seed gives the same first order
    assert sorted(a.file_paths) != a.file_paths  # ... and it is shuffled (for seed 3)
    orders = set()
    for _ in range(6):
        orders.add(tuple(next(iter(a))[0]))
        list(a)  # a full pass ends the epoch and draws a new order
    assert len(orders) > 1
    with pytest.raises(ValueError, match="must provide a `seed`"):
        utils.text_dataset_from_directory(str(text_tree), validation_split=0.2, subset="training")


# --- timeseries_dataset_from_array ------------------------------------------------------------
def test_timeseries_keras_docstring_examples():
    # Example 1: indices 0..98, length 10, rate 2, stride 3
    ds = utils.timeseries_dataset_from_array(np.arange(99), None, sequence_length=10,
                                             sampling_rate=2, sequence_stride=3)
    x = ds[0]
    np.testing.assert_array_equal(x[0], np.arange(0, 20, 2))
    np.testing.assert_array_equal(x[1], np.arange(3, 23, 2))
    np.testing.assert_array_equal(x[-1], np.arange(78, 98, 2))
    # Example 2: predict the next step
    data = np.arange(50, dtype="float32") * 0.5
    ds = utils.timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10,
                                             batch_size=16)
    inputs, targets = ds[0]
    np.testing.assert_array_equal(inputs[0], data[:10])
    assert targets[0] == data[10] and len(ds) == 2 and ds[1][0].shape == (15, 10)


def test_timeseries_windows_start_end_and_unbatched():
    data = np.arange(40).reshape(20, 2)
    ds = utils.timeseries_dataset_from_array(data, np.arange(20) * 10, sequence_length=3,
                                             start_index=2, end_index=12, batch_size=None)
    assert len(ds) == 8  # 10 steps, windows of 3 -> 8 starts
    x, y = ds[7]
    np.testing.assert_array_equal(x, data[9:12])
    assert y == 90
    shuffled = utils.timeseries_dataset_from_array(data, None, sequence_length=4, batch_size=100,
                                                   shuffle=True, seed=5)
    starts = shuffled[0][:, 0, 0] // 2
    expected = np.arange(17)
    np.random.RandomState(5).shuffle(expected)
    np.testing.assert_array_equal(starts, expected)


@pytest.mark.parametrize("kwargs,message", [
    (dict(start_index=-1), "`start_index` must be 0 or greater"),
    (dict(start_index=30), "`start_index` must be lower than the length"),
    (dict(start_index=5, end_index=3), "`end_index` must be higher than `start_index`"),
    (dict(end_index=20), "`end_index` must be lower than the length"),
    (dict(sampling_rate=0), "`sampling_rate` must be higher than 0"),
    (dict(sequence_stride=20), "`sequence_stride` must be lower than the length"),
])
def test_timeseries_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        utils.timeseries_dataset_from_array(np.arange(20), None, sequence_length=2, **kwargs)


def test_fit_accepts_timeseries_dataset():
    utils.set_random_seed(0)
    series = np.sin(np.arange(120) / 4).astype("float32")[:, None]
    ds = utils.timeseries_dataset_from_array(series[:-5], series[5:, 0], sequence_length=5,
                                             batch_size=16, shuffle=True, seed=2)
    model = keras.Sequential([keras.Input((5, 1)), layers.Flatten(), layers.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(ds.prefetch(2), epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    assert model.predict(ds, verbose=0).shape == (len(series) - 9, 1)


# --- split_dataset and the dataset helpers ------------------------------------------------
def test_split_dataset_arrays_tuples_and_datasets():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    left, right = utils.split_dataset(x, left_size=0.7)
    np.testing.assert_array_equal(left, x[:7])
    np.testing.assert_array_equal(right, x[7:])
    (lx, ly), (rx, ry) = utils.split_dataset([x, y], right_size=2, shuffle=True, seed=1)
    assert len(lx) == 8 and len(rx) == 2
    np.testing.assert_array_equal(lx[:, 0] // 2, ly)
    assert sorted(np.concatenate([ly, ry]).tolist()) == list(range(10))
    ds = utils.timeseries_dataset_from_array(np.arange(30), np.arange(30), sequence_length=3,
                                             batch_size=4)
    a, b = utils.split_dataset(ds, left_size=20)
    assert isinstance(a, dataset_utils.ArrayDataset) and a.batch_size == 4 and len(a) == 5
    np.testing.assert_array_equal(b[0][0][0], [20, 21, 22])
    with pytest.raises(ValueError, match="At least one of the `left_size`"):
        utils.split_dataset(x)
    with pytest.raises(ValueError, match="different lengths"):
        utils.split_dataset((x, y[:3]), left_size=0.5)
    with pytest.raises(TypeError, match="The `dataset` argument must be"):
        utils.split_dataset({"x": x}, left_size=0.5)


def test_batch_dataset_tf_data_style_methods():
    ds = dataset_utils.ArrayDataset((np.arange(10), np.arange(10) * 2), batch_size=4)
    assert len(ds) == 3 and ds[-1][0].tolist() == [8, 9]
    doubled = ds.map(lambda x, y: (x, y + 1)).take(2).cache().prefetch(1)
    assert len(doubled) == 2 and doubled[1][1].tolist() == [9, 11, 13, 15]
    assert [b[0].tolist() for b in ds.take(-1).as_numpy_iterator()][0] == [0, 1, 2, 3]
    with pytest.raises(IndexError):
        ds[3]
    assert isinstance(ds, utils.PyDataset)


# --- model drawings -------------------------------------------------------------------------
def small_functional():
    a, b = keras.Input((4,), name="a"), keras.Input((3,), name="b")
    x = layers.Dense(5, name="da")(a)
    y = layers.Dense(5, name="db", activation="relu")(b)
    out = layers.Dense(1, name="out")(layers.Add(name="add")([x, y]))
    return keras.Model([a, b], out, name="two_inputs")


def test_model_to_text_draws_every_layer_and_edge():
    drawing = utils.model_to_text(small_functional(), show_shapes=True,
                                  show_layer_activations=True)
    assert drawing.splitlines()[0] == 'Model: "two_inputs"'
    for fragment in ("a (InputLayer)", "da (Dense)", "db (Dense)", "add (Add)", "out (Dense)",
                     "Input shape: [(None, 5), (None, 5)]", "Output shape: (None, 1)",
                     "Activation: relu", "from: da"):
        assert fragment in drawing
    assert drawing.index("add (Add)") < drawing.index("out (Dense)")
    seq = keras.Sequential([keras.Input((2,)), layers.Dense(3), layers.Dense(1)], name="seq")
    text = utils.model_to_text(seq, show_layer_names=False)
    assert text.count("│ Dense") == 2 and "InputLayer" not in text and "▼" in text
    outer = keras.Sequential([keras.Input((2,)), seq, layers.Dense(1)])
    nested = utils.model_to_text(outer, expand_nested=True)
    assert "╔═ seq (Sequential)" in nested and "║ │ dense" in nested
    with pytest.raises(ValueError, match="not yet been built"):
        utils.model_to_text(keras.Sequential([layers.Dense(2)]))


def test_plot_model_text_file_and_missing_pydot(tmp_path, monkeypatch):
    model = small_functional()
    target = tmp_path / "model.txt"
    assert utils.plot_model(model, to_file=str(target), show_shapes=True) is None
    assert target.read_text(encoding="utf-8").startswith('Model: "two_inputs"')
    monkeypatch.setattr(model_visualization, "pydot", None)
    with pytest.raises(ImportError, match=r"install pydot .*model_to_text"):
        utils.plot_model(model, to_file=str(tmp_path / "m.png"))
    with pytest.raises(ImportError, match="install pydot"):
        utils.model_to_dot(model)
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        utils.plot_model(model, to_file=str(target), bogus=1)
