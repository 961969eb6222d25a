"""`RemoteMonitor`, the callback that posts each epoch's logs to a server (Keras's
`callbacks/remote_monitor.py`). Needs the optional `requests` library, imported when the first
epoch ends (as in Keras, constructing the callback works without it)."""
import json
import warnings

import numpy as onp

from minikeras.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """POSTs `{"epoch": epoch, **logs}` to `root + path` at the end of each epoch.

    Args:
        root: root URL of the server.
        path: path relative to `root` the events go to.
        field: form field holding the JSON text (only with `send_as_json=False`).
        headers: optional dict of HTTP headers.
        send_as_json: send the body as `application/json` instead of a form.
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root, self.path, self.field = root, path, field
        self.headers, self.send_as_json = headers, send_as_json

    def on_epoch_end(self, epoch, logs=None):
        try:
            import requests
        except ImportError:
            raise ImportError("RemoteMonitor requires the `requests` library.") from None
        send = {"epoch": epoch}
        for k, v in (logs or {}).items():  # numpy scalars are not JSON: send their Python value
            send[k] = v.item() if isinstance(v, (onp.ndarray, onp.generic)) else v
        url = self.root + self.path
        try:
            if self.send_as_json:
                requests.post(url, json=send, headers=self.headers)
            else:
                requests.post(url, {self.field: json.dumps(send)}, headers=self.headers)
        except requests.exceptions.RequestException:
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}", stacklevel=2)
