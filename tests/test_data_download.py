"""image_from_url and the COCO downloader, against a real HTTP server on loopback."""
import http.server
import io
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from captioning.coco_utils import load_coco_data
from captioning.datagen import download, layout
from helpers import SOURCE as ASSIGNMENT
from helpers import tree_digest
from captioning.image_utils import image_from_url



# -------------------------------------------------------- a tiny web server

class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves bytes from server.files, honouring "Range: bytes=N-" requests.

    server.cut_after (if set) closes the connection after that many body
    bytes while promising the full length: an interrupted download.
    server.ignore_range makes it answer every request with the whole file.
    """

    def do_GET(self):
        self.server.requests.append((self.path, self.headers.get("Range")))
        body = self.server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        wanted = None if self.server.ignore_range else self.headers.get("Range")
        if wanted and wanted.startswith("bytes=") and wanted.endswith("-"):
            start = int(wanted[len("bytes="):-1])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(body))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        if self.server.cut_after is not None:
            payload = payload[:self.server.cut_after]
        self.wfile.write(payload)
        self.wfile.flush()
        if self.server.cut_after is not None:
            self.close_connection = True

    def log_message(self, *args):   # keep the test output clean
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.requests, httpd.cut_after, httpd.ignore_range = {}, [], None, False
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.url = "http://127.0.0.1:%d" % httpd.server_address[1]
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _zip_of(folder, top="coco_captioning", only=None):
    """An archive laid out like the course's: top/<data files>, without the images."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in only or layout.required_files():
            bundle.write(os.path.join(folder, name), "%s/%s" % (top, name))
    return buffer.getvalue()


def _left_over(parent):
    """Staging or backup folders a failed install might have left behind."""
    return [n for n in os.listdir(parent) if n.startswith(".")]


# ----------------------------------------------------------- image_from_url

def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dead_url_returns_none_quickly_with_one_warning(capsys):
    started = time.monotonic()
    assert image_from_url("http://127.0.0.1:%d/x.jpg" % _closed_port()) is None
    assert time.monotonic() - started < 5
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Warning")


def test_silent_server_times_out(capsys):
    with socket.socket() as listener:         # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = "http://127.0.0.1:%d/x.jpg" % listener.getsockname()[1]
        started = time.monotonic()
        assert image_from_url(url, timeout=1) is None
        assert time.monotonic() - started < 4
    assert "timed out" in capsys.readouterr().out


def test_404_and_non_image_return_none(server, capsys):
    server.files["/not_an_image.jpg"] = b"hello"
    assert image_from_url(server.url + "/missing.jpg") is None
    assert image_from_url(server.url + "/not_an_image.jpg") is None
    assert image_from_url("/no/such/file.png") is None
    assert len(capsys.readouterr().out.strip().splitlines()) == 3


def test_http_local_path_and_file_url(server, tiny_data_dir):
    path = os.path.join(tiny_data_dir, "images", "val2014", "val_00000.png")
    with open(path, "rb") as f:
        server.files["/img.png"] = f.read()
    from_http = image_from_url(server.url + "/img.png")
    from_path = image_from_url(path)
    from_file_url = image_from_url(Path(path).as_uri())
    assert from_http.shape == (96, 96, 3) and from_http.dtype == np.uint8
    assert np.array_equal(from_http, from_path) and np.array_equal(from_path, from_file_url)


# ------------------------------------------------------------ the download

def test_download_checks_and_installs(server, tiny_data_dir, tmp_path):
    server.files["/coco_captioning.zip"] = _zip_of(tiny_data_dir)
    destination = tmp_path / "datasets" / "coco_captioning"
    download.fetch_coco(str(destination), url=server.url + "/coco_captioning.zip", show_progress=False)
    loaded = load_coco_data(base_dir=str(destination))
    assert loaded["train_captions"].shape[1] == 17
    assert not (tmp_path / "datasets" / "downloads" / "coco_captioning.zip").exists()
    assert _left_over(tmp_path / "datasets") == []


def test_download_resumes_a_partial_file(server, tiny_data_dir, tmp_path):
    archive = _zip_of(tiny_data_dir)
    server.files["/coco_captioning.zip"] = archive
    target = tmp_path / "downloads" / "coco_captioning.zip"
    target.parent.mkdir()
    half = len(archive) // 2
    Path(str(target) + ".part").write_bytes(archive[:half])
    download.download(server.url + "/coco_captioning.zip", str(target), show_progress=False)
    assert server.requests == [("/coco_captioning.zip", "bytes=%d-" % half)]
    assert target.read_bytes() == archive
    assert not Path(str(target) + ".part").exists()


@pytest.mark.parametrize("case", ["part_already_complete", "server_ignores_range"])
def test_resume_edge_cases(server, tiny_data_dir, tmp_path, case):
    archive = _zip_of(tiny_data_dir)
    server.files["/coco_captioning.zip"] = archive
    target = tmp_path / "coco_captioning.zip"
    if case == "part_already_complete":
        Path(str(target) + ".part").write_bytes(archive)      # the server answers 416
    else:
        server.ignore_range = True                             # the server answers 200
        Path(str(target) + ".part").write_bytes(archive[:100])
    download.download(server.url + "/coco_captioning.zip", str(target), show_progress=False)
    assert target.read_bytes() == archive


def test_interrupted_download_keeps_the_part_then_resumes(server, tiny_data_dir, tmp_path):
    archive = _zip_of(tiny_data_dir)
    server.files["/coco_captioning.zip"] = archive
    server.cut_after = len(archive) // 3
    destination = tmp_path / "datasets" / "coco_captioning"
    url = server.url + "/coco_captioning.zip"
    with pytest.raises(download.DownloadError, match="again to resume"):
        download.fetch_coco(str(destination), url=url, show_progress=False)
    part = tmp_path / "datasets" / "downloads" / "coco_captioning.zip.part"
    assert part.stat().st_size == len(archive) // 3
    assert not destination.exists() and _left_over(tmp_path / "datasets") == []

    server.cut_after = None
    download.fetch_coco(str(destination), url=url, show_progress=False)
    assert server.requests[-1][1] == "bytes=%d-" % (len(archive) // 3)
    layout.check_dataset(str(destination))


def _install_old_dataset(destination, tiny_data_dir):
    shutil.copytree(tiny_data_dir, destination)
    return tree_digest(destination)


@pytest.mark.parametrize("damage", ["flipped_byte", "truncated"])
def test_corrupt_archive_changes_nothing(server, tiny_data_dir, tmp_path, damage):
    archive = bytearray(_zip_of(tiny_data_dir))
    if damage == "flipped_byte":
        archive[len(archive) // 2] ^= 0xFF      # inside a member's compressed data
    else:
        archive = archive[:len(archive) * 2 // 3]   # served as if it were the whole file
    server.files["/coco_captioning.zip"] = bytes(archive)
    destination = tmp_path / "datasets" / "coco_captioning"
    before = _install_old_dataset(destination, tiny_data_dir)
    with pytest.raises(layout.DatasetError, match="corrupt or incomplete"):
        download.fetch_coco(str(destination), url=server.url + "/coco_captioning.zip",
                            show_progress=False)
    assert tree_digest(destination) == before
    assert _left_over(tmp_path / "datasets") == []
    # The bad archive is gone, so the next run downloads a fresh copy.
    assert os.listdir(tmp_path / "datasets" / "downloads") == []


def test_archive_with_wrong_shapes_is_refused(server, tiny_data_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_data_dir, broken)
    with h5py.File(broken / "val2014_vgg16_fc7_pca.h5", "w") as f:
        f.create_dataset("features", data=np.zeros((10, 100), dtype=np.float32))
    server.files["/coco_captioning.zip"] = _zip_of(str(broken))
    destination = tmp_path / "datasets" / "coco_captioning"
    with pytest.raises(layout.DatasetError, match=r"val2014_vgg16_fc7_pca.h5.*\(10, 512\)"):
        download.fetch_coco(str(destination), url=server.url + "/coco_captioning.zip",
                            show_progress=False)
    assert not destination.exists() and _left_over(tmp_path / "datasets") == []
    assert os.listdir(tmp_path / "datasets" / "downloads") == []


def test_archive_missing_a_file_is_refused(server, tiny_data_dir, tmp_path):
    names = [n for n in layout.required_files() if n != "val2014_urls.txt"]
    server.files["/coco_captioning.zip"] = _zip_of(tiny_data_dir, only=names)
    destination = tmp_path / "datasets" / "coco_captioning"
    with pytest.raises(layout.DatasetError, match="missing files: val2014_urls.txt"):
        download.fetch_coco(str(destination), url=server.url + "/coco_captioning.zip",
                            show_progress=False)
    assert not destination.exists()


def test_get_datasets_coco_command(server, tiny_data_dir, tmp_path):
    archive = _zip_of(tiny_data_dir)
    server.files["/good.zip"] = archive
    server.files["/bad.zip"] = archive[: len(archive) // 2]
    out = tmp_path / "datasets" / "coco_captioning"
    command = [sys.executable, str(ASSIGNMENT / "get_datasets.py"), "--coco", "--out", str(out)]
    bad = subprocess.run(command + ["--url", server.url + "/bad.zip"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert "corrupt or incomplete" in bad.stderr and "Traceback" not in bad.stderr
    assert not out.exists()
    good = subprocess.run(command + ["--url", server.url + "/good.zip"],
                          capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stderr
    assert "CAPTIONING_DATA=coco" in good.stdout
    layout.check_dataset(str(out))
