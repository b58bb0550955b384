"""`RemoteMonitor`: POST every epoch's logs to an HTTP server (standard library only)."""
import json
import urllib.error
import urllib.parse
import urllib.request
import warnings

import numpy as np

from minikeras.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """Send `{"epoch": epoch, **logs}` to `root + path` with an HTTP POST at each epoch end.

    By default the body is form-encoded with one field, `field`, holding the JSON text of the
    logs (what Keras sends through `requests`); with `send_as_json=True` the body is the JSON
    itself ("Content-Type: application/json"). The server's answer is not checked; a server
    that cannot be reached gives a warning, not an error, so training goes on.

    Args:
        root: the server, e.g. "http://localhost:9000" (the default).
        path: the path on the server. Defaults to "/publish/epoch/end/".
        field: the form field that carries the JSON. Defaults to "data".
        headers: extra HTTP headers, a dict. Defaults to None.
        send_as_json: send the logs as a JSON body. Defaults to False.
    """

    chief_only = True  # writes files / sends data: only the chief runs it under DataParallel

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        send = {"epoch": epoch}
        for key, value in (logs or {}).items():
            send[key] = value.item() if isinstance(value, (np.ndarray, np.generic)) else value
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode("utf-8")
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body, headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request) as response:
                response.read()
        except urllib.error.HTTPError:
            pass  # the server answered; like Keras (requests), its status is not checked
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)
