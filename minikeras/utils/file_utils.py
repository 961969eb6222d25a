"""`keras.utils.get_file`: fetch a file into the Keras cache (`$KERAS_HOME` or `~/.keras`).

Same arguments and cache layout as Keras 3, with three deliberate differences:
- a file already in the cache is trusted as it is: never hash-checked, replaced or deleted
  (Keras re-downloads a cached file whose hash differs, and deletes it when that fails);
- a download goes to a temporary file beside the target and is renamed into place only once it
  is complete and its hash matches, so a failed download never leaves a partial file;
- a network failure raises one `URLFetchError` (an `OSError`) naming the URL and the target path,
  without urllib's chained traceback.
An archive that is already extracted is used as it is (Keras extracts it again on every call).

Also Keras's local-filesystem helpers (`exists`, `join`, `File`, `makedirs`, `copy`, ...), which
callbacks and savers use in place of TensorFlow's gfile. Keras hands a remote path (`gs://`,
`/gcs/...`) to gfile when TensorFlow is installed; minikeras has no gfile, so such a path raises
the ValueError Keras raises without TensorFlow.
"""
import hashlib
import os
import re
import shutil
import tempfile
import warnings

from minikeras.utils.progbar import Progbar, print_msg

_CHUNK = 1 << 16
_TIMEOUT = 60  # seconds without data before a download gives up


class URLFetchError(OSError):
    """A download failed; `origin` is the URL and `path` the file it was meant to create."""

    def __init__(self, message, origin=None, path=None, reason=None):
        super().__init__(message)
        self.origin, self.path, self.reason = origin, path, reason

    def __str__(self):
        return self.args[0]


def keras_home():
    """The Keras cache root: `$KERAS_HOME`, else `~/.keras` (`/tmp/.keras` if `~` is read-only)."""
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    return os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")


def _writable_base(base):
    """`base` if it exists (or can be made) and is writable, else Keras's `/tmp/.keras` fallback."""
    try:
        os.makedirs(base, exist_ok=True)
    except OSError:
        pass
    if os.access(base, os.W_OK):
        return base
    return os.path.join("/tmp" if os.path.isdir("/tmp") else tempfile.gettempdir(), ".keras")


def _file_name(fname, origin):
    import urllib.parse
    if fname is None or fname == "":
        fname = os.path.basename(urllib.parse.urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'."
                             "Please specify the `fname` argument.")
        return fname, False
    fname = os.fspath(fname)
    if os.sep in fname:
        raise ValueError("Paths are no longer accepted as the `fname` argument. To specify the "
                         "file's parent directory, use the `cache_dir` argument. "
                         f"Received: fname={fname}")
    return fname, True


def cache_paths(fname, extract, datadir, provided=True):
    """Keras 3's layout: `(download_target, extraction_dir or None)` inside `datadir`.

    With `extract`, `"name.tar.gz"` downloads to `name.tar.gz` and extracts to `name_extracted/`;
    a name without a dot downloads to `name_archive` and extracts to `name/`.
    """
    if not extract:
        return os.path.join(datadir, fname), None
    if provided and "." in fname:
        return os.path.join(datadir, fname), os.path.join(datadir, fname[:fname.find(".")] + "_extracted")
    return os.path.join(datadir, f"{fname}_archive"), os.path.join(datadir, fname)


def resolve_hasher(algorithm, file_hash=None):
    """A hashlib hasher: sha256 for `"sha256"` or a 64-digit hash under `"auto"`; md5 otherwise
    (as Keras)."""
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath, algorithm="sha256", chunk_size=_CHUNK):
    """Hex digest (sha256 or md5) of the file at `fpath`."""
    hasher = resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath, file_hash, algorithm="auto", chunk_size=_CHUNK):
    """Whether the file's sha256/md5 digest equals `file_hash`."""
    return hash_file(fpath, resolve_hasher(algorithm, file_hash), chunk_size) == str(file_hash)


def _fetch_error(origin, target, error):
    import urllib.error
    if isinstance(error, urllib.error.HTTPError):
        detail, reason = f"{error.code} -- {error.msg}", f"HTTP {error.code} {error.msg}"
    elif isinstance(error, urllib.error.URLError):
        detail, reason = f"{error.errno} -- {error.reason}", str(error.reason)
    else:
        detail, reason = f"None -- {error}", f"{type(error).__name__}: {error}"
    return URLFetchError(f"URL fetch failure on {origin}: {detail} (while downloading to {target})",
                         origin=origin, path=target, reason=reason)


def _stream(origin, out, hasher):
    """Copies `origin` into the open file `out`, updating `hasher` and a progress bar."""
    import urllib.request
    with urllib.request.urlopen(origin, timeout=_TIMEOUT) as response:
        size = response.headers.get("Content-Length") if getattr(response, "headers", None) else None
        size = int(size) if size and size.isdigit() else None
        progbar, done = Progbar(size), 0
        for chunk in iter(lambda: response.read(_CHUNK), b""):
            out.write(chunk)
            hasher.update(chunk)
            done += len(chunk)
            progbar.update(done)
        if size is not None and done < size:
            raise ConnectionError(f"the connection closed after {done} of {size} bytes")
        if size is None:
            progbar.update(done, finalize=True)


def _temporary_beside(target):
    """A new, empty file next to `target` (created with the umask, unlike `mkstemp`'s 0600)."""
    for _ in range(100):
        tmp = f"{target}.{os.urandom(4).hex()}.part"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"Could not create a temporary file beside {target}")


def download(origin, target, file_hash=None, hash_algorithm="auto"):
    """Downloads `origin` to `target` atomically: a temporary file beside it, renamed when complete.

    Raises `URLFetchError` when the network fails and ValueError when `file_hash` doesn't match;
    either way no file (partial or complete) is left behind.
    """
    import http.client
    import urllib.error
    print_msg(f"Downloading data from {origin}")
    hasher = resolve_hasher(hash_algorithm, file_hash)
    fd, tmp = _temporary_beside(target)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                _stream(origin, out, hasher)
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError,
                    TimeoutError) as e:
                raise _fetch_error(origin, target, e) from None
        if file_hash is not None and hasher.hexdigest() != str(file_hash):
            raise ValueError(f"Incomplete or corrupted file detected. The {hasher.name} file hash "
                             f"of {origin} does not match the provided value of {file_hash}.")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def resolve_path(path):
    """`path` made absolute with every symlink resolved."""
    return os.path.realpath(path)


def resolve_sub_path(base_dir, relative_path):
    """The resolved `base_dir/relative_path` if it stays inside `base_dir` (itself resolved with
    `resolve_path`), else None: `..` and symlinks that lead out are caught."""
    path = resolve_path(os.path.join(base_dir, relative_path))
    try:
        return path if os.path.commonpath([path, base_dir]) == base_dir else None
    except ValueError:  # paths on different drives
        return None


def is_link_in_dir(info, base_dir):
    """Whether the tar link member `info` stays inside `base_dir`: a hard link's name and target
    (both relative to the root), a symlink's name and target (relative to the link's folder)."""
    if info.islnk():
        return (resolve_sub_path(base_dir, info.name) is not None
                and resolve_sub_path(base_dir, info.linkname) is not None)
    destination = resolve_sub_path(base_dir, info.name)
    if destination is None:
        return False
    target = resolve_path(os.path.join(os.path.dirname(destination), info.linkname))
    try:
        return os.path.commonpath([target, base_dir]) == base_dir
    except ValueError:
        return False


def filter_safe_zipinfos(members, base_dir):
    """Keras's filter: the zip members that extract inside `base_dir` (a warning for the rest)."""
    base_dir = resolve_path(base_dir)
    for info in members:
        if resolve_sub_path(base_dir, info.filename) is not None:
            yield info
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: '{info.filename}'.",
                          stacklevel=2)


def filter_safe_tarinfos(members, base_dir):
    """Keras's filter: the tar members (links included) that stay inside `base_dir` (a warning
    for the rest). `extract_archive` is stricter: it extracts no links at all."""
    base_dir = resolve_path(base_dir)
    for info in members:
        if info.issym() or info.islnk():
            safe = is_link_in_dir(info, base_dir)
        else:
            safe = resolve_sub_path(base_dir, info.name) is not None
        if safe:
            yield info
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: '{info.name}'.",
                          stacklevel=2)


def _inside(base, name):
    return resolve_sub_path(base, name) is not None


def _safe_tar_members(archive, base):
    """Regular files and directories that land inside `base`; links, devices and escapes skipped."""
    base = os.path.realpath(base)
    for member in archive:
        if (member.isfile() or member.isdir()) and _inside(base, member.name):
            yield member
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: '{member.name}'.",
                          stacklevel=3)


def _extract_into(archive_path, dest, fmt):
    import tarfile
    import zipfile
    if fmt == "tar":
        with tarfile.open(archive_path) as archive:
            kwargs = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            archive.extractall(dest, members=_safe_tar_members(archive, dest), **kwargs)
    else:
        with zipfile.ZipFile(archive_path) as archive:
            base = os.path.realpath(dest)
            names = [i for i in archive.infolist() if _inside(base, i.filename)]
            for info in set(archive.infolist()) - set(names):
                warnings.warn(f"Skipping invalid path during archive extraction: '{info.filename}'.",
                              stacklevel=3)
            archive.extractall(dest, members=names)


def extract_archive(file_path, path=".", archive_format="auto"):
    """Extracts a tar (.tar, .tar.gz, .tar.bz2) or zip archive into `path`; False if neither.

    A fresh `path` is filled in a temporary directory beside it, then renamed into place.
    """
    import shutil
    import tarfile
    import zipfile
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    for fmt in [formats] if isinstance(formats, str) else formats:
        if fmt not in ("tar", "zip"):
            raise NotImplementedError(fmt)
        if not (tarfile.is_tarfile if fmt == "tar" else zipfile.is_zipfile)(file_path):
            continue
        if os.path.exists(path):
            _extract_into(file_path, path, fmt)
            return True
        parent = os.path.dirname(os.path.abspath(path))
        tmp = tempfile.mkdtemp(dir=parent, prefix=os.path.basename(path) + ".", suffix=".part")
        try:
            _extract_into(file_path, tmp, fmt)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                shutil.rmtree(tmp)
        return True
    return False


def _has_content(path):
    return os.path.isdir(path) and bool(os.listdir(path))


def _unpack(target, extraction_dir, archive_format):
    if not extract_archive(target, extraction_dir, archive_format):
        warnings.warn("Could not extract archive.", stacklevel=3)
    return extraction_dir


def _from_cache(target, extraction_dir, archive_format):
    """The cached file or extracted directory (extracting a cached archive), else None."""
    if extraction_dir is None:
        return target if os.path.exists(target) else None
    if _has_content(extraction_dir):
        return extraction_dir
    return _unpack(target, extraction_dir, archive_format) if os.path.exists(target) else None


def get_file(fname=None, origin=None, untar=False, md5_hash=None, file_hash=None,
             cache_subdir="datasets", hash_algorithm="auto", extract=False,
             archive_format="auto", cache_dir=None, force_download=False):
    """Downloads a file from `origin` unless it is already in the cache; returns its local path.

    The file lands in `cache_dir/cache_subdir/fname` (`cache_dir` defaults to `$KERAS_HOME` or
    `~/.keras`; Keras's `/tmp/.keras` when that is read-only). With `extract=True` the archive is
    unpacked and the directory is returned. `file_hash` (sha256, or md5 for a 32-digit hash) is
    checked on what is downloaded; what the cache already holds is trusted.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    if untar:
        extract, archive_format = True, "tar"
    fname, provided = _file_name(fname, origin)
    base = os.path.expanduser(cache_dir if cache_dir is not None else keras_home())
    bases = [base] + [b for b in [_writable_base(base)] if b != base]
    if not force_download:
        for b in bases:
            paths = cache_paths(fname, extract, os.path.join(b, cache_subdir), provided)
            found = _from_cache(*paths, archive_format)
            if found is not None:
                return found
    datadir = os.path.join(bases[-1], cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    target, extraction_dir = cache_paths(fname, extract, datadir, provided)
    download(origin, target, file_hash, hash_algorithm)
    return target if extraction_dir is None else _unpack(target, extraction_dir, archive_format)


def path_to_string(path):
    """`os.fspath` of a PathLike; anything else (a str, a file object) unchanged."""
    return os.fspath(path) if isinstance(path, os.PathLike) else path


def is_remote_path(filepath):
    """Whether `filepath` names a remote location: `/gcs`, `/cns`, `/hdfs`, ... or a URL."""
    return re.match(r"^(/cns|/cfs|/gcs|/hdfs|/readahead|/placer|/tfhub|.*://).*$",
                    str(filepath)) is not None


def _raise_if_no_gfile(path):
    raise ValueError("Handling remote paths requires installing TensorFlow (in order to use "
                     f"gfile). Received path: {path}")


def _local(path):
    """`path` itself, after refusing a remote one (Keras needs TensorFlow's gfile for those)."""
    if is_remote_path(path):
        _raise_if_no_gfile(path)
    return path


def exists(path):
    return os.path.exists(_local(path))


def File(path, mode="r"):
    """An open file object (`open(path, mode)`)."""
    return open(_local(path), mode=mode)


def join(path, *paths):
    return os.path.join(_local(path), *paths)


def isdir(path):
    return os.path.isdir(_local(path))


def remove(path):
    return os.remove(_local(path))


def rmtree(path):
    return shutil.rmtree(_local(path))


def listdir(path):
    return os.listdir(_local(path))


def copy(src, dst):
    if is_remote_path(src) or is_remote_path(dst):
        _raise_if_no_gfile(f"src={src} dst={dst}")
    return shutil.copy(src, dst)


def makedirs(path):
    """`os.makedirs(path)`: like Keras, an existing directory raises FileExistsError."""
    return os.makedirs(_local(path))
