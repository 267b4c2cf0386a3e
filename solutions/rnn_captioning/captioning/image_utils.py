"""Provided: reading an image from a URL or a local file, for display."""
import io
import os
import time
import urllib.parse
import urllib.request

import numpy as np
from PIL import Image

from .coco_utils import resolve_image_path

TIMEOUT_SECONDS = 5


def image_from_url(url, timeout=TIMEOUT_SECONDS):
    """Read an image as a uint8 array (H, W, 3).

    `url` may be an http(s) URL, a file:// URL or a local path; a relative
    path is also looked up in the data folder load_coco_data read. On any failure
    (dead link, missing file, not an image) this prints one short warning and
    returns None instead of raising, so a notebook can skip the image.
    """
    try:
        raw = _read_bytes(str(url), timeout)
        with Image.open(io.BytesIO(raw)) as image:
            return np.asarray(image.convert("RGB"), dtype=np.uint8)
    except Exception as error:  # any failure only means "no picture"
        print("Warning: could not load image %s (%s)" % (url, _short(error)))
        return None


def _read_bytes(url, timeout):
    scheme = urllib.parse.urlparse(url).scheme.lower()
    if scheme in ("http", "https"):
        return _download(url, timeout)
    if scheme == "file":
        url = urllib.request.url2pathname(urllib.parse.urlparse(url).path)
    elif scheme and len(scheme) > 1:   # a one-letter "scheme" is a Windows drive
        raise ValueError("unsupported URL scheme %r" % scheme)
    else:
        # A relative path, as in the synthetic dataset, is relative to its data folder.
        url = resolve_image_path(os.path.expanduser(url))
    with open(url, "rb") as f:
        return f.read()


def _download(url, timeout):
    """The body of an HTTP response, giving up after `timeout` seconds in total.

    urlopen's own timeout limits each network wait, not the whole transfer,
    so a server that trickles bytes is stopped by the deadline here.
    """
    deadline = time.monotonic() + timeout
    chunks = []
    with urllib.request.urlopen(url, timeout=timeout) as response:
        while True:
            chunk = response.read(64 * 1024)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise TimeoutError("no complete answer within %g s" % timeout)


def _short(error):
    """A one-line description of an error, without a traceback."""
    text = str(error).splitlines()[0] if str(error) else ""
    return "%s: %s" % (type(error).__name__, text[:120]) if text else type(error).__name__
