"""Refusing object configs that would make a layer read files or fetch data (CVE-2025-12058
and kin): URLs anywhere, strings for file-like arguments (vocabularies, paths), paths of existing
files; and any `safe_mode` key — only the caller of a loading function sets safe mode."""
import os
import re

_URL = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.\-]*://")
_IO_KEYS = re.compile(r"(^|_)(vocabulary|vocab|path|filepath|file|filename|fname|url|uri|origin|"
                      r"dir|directory|saved_model|module_handle|handle)s?$")


def check_config_safety(class_name, config):
    """Raises ValueError when an object's config holds a URL, a path to an existing file, or a
    string for an argument that reads files; also refuses any `safe_mode` key."""
    for key, value in _walk(config):
        if key == "safe_mode":
            raise ValueError(f"Refusing the config of '{class_name}': a config cannot set "
                             "`safe_mode`; only the caller of the loading function can.")
        if not isinstance(value, str):
            continue
        if _URL.match(value):
            raise ValueError(f"Refusing the config of '{class_name}': argument `{key}` holds a "
                             f"URL ({value[:80]!r}); configs may not make layers fetch data.")
        if isinstance(key, str) and _IO_KEYS.search(key.lower()) and value:
            raise ValueError(f"Refusing the config of '{class_name}': argument `{key}` names a "
                             f"file or location ({value[:80]!r}); configs may not make layers "
                             "read files. Build such layers in code instead.")
        if _looks_like_existing_path(value):
            raise ValueError(f"Refusing the config of '{class_name}': argument `{key}` is the "
                             f"path of an existing file ({value[:80]!r}).")


def _walk(value, key=None, depth=0):
    if depth > 200:
        raise ValueError("Refusing a config nested more than 200 levels deep.")
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, v
            yield from _walk(v, k, depth + 1)
    elif isinstance(value, (list, tuple)):
        item_key = f"{key}[]"  # list items are checked for URLs and paths, not by their key
        for v in value:
            yield item_key, v
            yield from _walk(v, item_key, depth + 1)


def _looks_like_existing_path(value):
    if len(value) > 4096 or "\x00" in value or "\n" in value:
        return False
    if not (os.sep in value or "/" in value or value.startswith("~")):
        return False
    try:
        return os.path.exists(os.path.expanduser(value))
    except (OSError, ValueError):
        return False
