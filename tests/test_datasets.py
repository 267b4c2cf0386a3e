"""The data side of the kit: the synthetic dataset, load_coco_data, finding the
data folder, image_from_url and the COCO downloader (served over loopback)."""
import hashlib
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

from captioning.coco_utils import (decode_captions, load_coco_data, resolve_image_path,
                                    sample_coco_minibatch)
from captioning.datagen import download, layout, synthetic
from captioning.image_utils import image_from_url

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENT = ROOT / "source" / "rnn_captioning"
EXPECTED_KEYS = {"train_captions", "train_image_idxs", "val_captions", "val_image_idxs",
                 "train_features", "val_features", "idx_to_word", "word_to_idx",
                 "train_urls", "val_urls"}


@pytest.fixture(scope="module")
def tiny_data_dir(tmp_path_factory):
    """A small synthetic dataset (40 train and 10 val images), made in well under a second."""
    return synthetic.generate(str(tmp_path_factory.mktemp("tiny") / "synthetic_captioning"),
                              num_train=40, num_val=10)


@pytest.fixture(scope="module")
def data(synthetic_data_dir):
    return load_coco_data(base_dir=synthetic_data_dir)


# ------------------------------------------------------------------ format

def test_keys_dtypes_and_shapes(data):
    assert set(data) == EXPECTED_KEYS
    for split in ("train", "val"):
        captions = data["%s_captions" % split]
        idxs = data["%s_image_idxs" % split]
        features = data["%s_features" % split]
        urls = data["%s_urls" % split]
        assert captions.dtype == np.int32 and captions.ndim == 2 and captions.shape[1] == 17
        assert idxs.dtype == np.int32 and idxs.shape == (captions.shape[0],)
        assert features.dtype == np.float32 and features.shape == (len(urls), 512)
        assert isinstance(urls, np.ndarray) and urls.dtype.kind == "U"
        assert idxs.min() >= 0 and idxs.max() < len(urls)
        # Five captions for every image.
        assert np.all(np.bincount(idxs, minlength=len(urls)) == 5)
    assert isinstance(data["idx_to_word"], list) and isinstance(data["word_to_idx"], dict)
    assert len(data["train_captions"]) >= 5000 and len(data["val_captions"]) >= 1000


def test_vocabulary_special_tokens_and_unk(data):
    idx_to_word, word_to_idx = data["idx_to_word"], data["word_to_idx"]
    assert idx_to_word[:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert all(word_to_idx[w] == i for i, w in enumerate(idx_to_word))
    # Rare synonyms exist in the grammar, so some captions must use <UNK>.
    assert (data["train_captions"] == word_to_idx["<UNK>"]).any()


@pytest.mark.parametrize("split", ["train", "val"])
def test_every_caption_is_start_words_end_then_null(data, split):
    captions = data["%s_captions" % split]
    null, start, end = 0, 1, 2
    assert np.all(captions[:, 0] == start)
    assert np.all((captions == end).sum(axis=1) == 1)
    end_at = np.argmax(captions == end, axis=1)
    positions = np.arange(captions.shape[1])[None, :]
    assert np.all((captions == null) == (positions > end_at[:, None]))
    assert np.all(end_at >= 3)   # at least a couple of real words


def test_pca_features_false_gives_fc7(synthetic_data_dir):
    full = load_coco_data(base_dir=synthetic_data_dir, pca_features=False)
    assert full["train_features"].dtype == np.float32
    assert full["train_features"].shape == (len(full["train_urls"]), 4096)
    assert full["val_features"].shape == (len(full["val_urls"]), 4096)


def test_max_train_subsamples_like_the_original(data, synthetic_data_dir):
    np.random.seed(231)
    small = load_coco_data(base_dir=synthetic_data_dir, max_train=50)
    np.random.seed(231)
    expected = np.random.randint(len(data["train_captions"]), size=50)
    assert small["train_captions"].shape == (50, 17)
    assert small["train_image_idxs"].shape == (50,)
    assert np.array_equal(small["train_captions"], data["train_captions"][expected])
    assert np.array_equal(small["train_image_idxs"], data["train_image_idxs"][expected])
    # Validation data and features are untouched.
    assert np.array_equal(small["val_captions"], data["val_captions"])
    assert small["train_features"].shape == data["train_features"].shape


def test_urls_are_local_images_that_load(data, synthetic_data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)   # not from the data folder
    for url in list(data["train_urls"][:3]) + list(data["val_urls"][:3]):
        # Relative to the data folder, so they read the same on every machine.
        assert not os.path.isabs(url) and os.path.isfile(os.path.join(synthetic_data_dir, url))
        image = image_from_url(url)
        assert image.dtype == np.uint8 and image.shape == (96, 96, 3)


def test_decode_captions(data):
    idx_to_word = data["idx_to_word"]
    row = np.array([1, 4, 0, 5, 2, 6, 0], dtype=np.int32)   # <START> w <NULL> w <END> w <NULL>
    text = decode_captions(row, idx_to_word)
    assert isinstance(text, str)
    assert text == "<START> %s %s <END>" % (idx_to_word[4], idx_to_word[5])
    assert decode_captions(np.stack([row, row]), idx_to_word) == [text, text]


def test_sample_coco_minibatch_draws_with_replacement(data):
    np.random.seed(0)
    captions, features, urls = sample_coco_minibatch(data, batch_size=7, split="val")
    np.random.seed(0)
    pick = np.random.choice(len(data["val_captions"]), 7)
    assert np.array_equal(captions, data["val_captions"][pick])
    idxs = data["val_image_idxs"][pick]
    assert np.array_equal(features, data["val_features"][idxs])
    assert list(urls) == list(data["val_urls"][idxs])


def test_relative_urls_resolve_after_moving_the_folder(tiny_data_dir, tmp_path):
    moved = tmp_path / "elsewhere"
    shutil.copytree(tiny_data_dir, moved)
    with open(moved / "train2014_urls.txt") as f:
        assert not os.path.isabs(f.readline().strip())
    loaded = load_coco_data(base_dir=str(moved))
    assert image_from_url(loaded["train_urls"][0]).shape == (96, 96, 3)
    assert resolve_image_path(loaded["train_urls"][0]) == str(moved / loaded["train_urls"][0])


# ----------------------------------------------------------- the generator

def _digest(folder):
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_generation_is_byte_identical(tiny_data_dir, tmp_path):
    again = synthetic.generate(str(tmp_path / "again"), num_train=40, num_val=10)
    assert _digest(again) == _digest(tiny_data_dir)


def test_up_to_date_check(tiny_data_dir, tmp_path):
    assert synthetic.is_up_to_date(tiny_data_dir, num_train=40, num_val=10)
    assert not synthetic.is_up_to_date(tiny_data_dir)             # other settings
    copy = tmp_path / "copy"
    shutil.copytree(tiny_data_dir, copy)
    os.remove(copy / layout.VOCAB_FILE)
    assert not synthetic.is_up_to_date(str(copy), num_train=40, num_val=10)


def test_generated_folder_passes_the_checker_and_leaves_no_staging(tiny_data_dir):
    layout.check_dataset(tiny_data_dir)
    siblings = os.listdir(os.path.dirname(tiny_data_dir))
    assert siblings == ["synthetic_captioning"]


# ---------------------------------------------------- finding the data folder

def _copy_package(assignment_dir):
    assignment_dir.mkdir(parents=True)
    shutil.copytree(ASSIGNMENT / "captioning", assignment_dir / "captioning",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ASSIGNMENT / "get_datasets.py", assignment_dir / "get_datasets.py")


def _found_from(assignment_dir, env_value=None):
    """find_data_dir() as a notebook running in `assignment_dir` sees it (a fresh process)."""
    env = {k: v for k, v in os.environ.items() if k != "CAPTIONING_DATA"}
    env.pop("PYTHONPATH", None)
    if env_value is not None:
        env["CAPTIONING_DATA"] = env_value
    code = ("from captioning.coco_utils import find_data_dir\n"
            "try:\n    print(find_data_dir())\n"
            "except FileNotFoundError as e:\n    print('ERROR', e)\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=assignment_dir, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(scope="module")
def course_root(tmp_path_factory, tiny_data_dir):
    """A course folder laid out like the repo and like an nbgrader course."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(tiny_data_dir, root / "datasets" / "synthetic_captioning")
    for place in ("source", "release", "solutions", "submitted/alice", "autograded/alice"):
        _copy_package(root / place / "rnn_captioning")
    return root


@pytest.mark.parametrize("place", ["source", "release", "solutions", "submitted/alice", "autograded/alice"])
def test_data_found_from_every_folder_of_a_course(course_root, place):
    found = _found_from(course_root / place / "rnn_captioning")
    assert found == str(course_root / "datasets" / "synthetic_captioning")


def test_standalone_copy_uses_its_own_datasets_folder(tmp_path, tiny_data_dir):
    student = tmp_path / "home" / "rnn_captioning"
    _copy_package(student)
    assert _found_from(student).startswith("ERROR")
    shutil.copytree(tiny_data_dir, student / "datasets" / "synthetic_captioning")
    assert _found_from(student) == str(student / "datasets" / "synthetic_captioning")


def test_missing_data_error_names_the_command(tmp_path):
    student = tmp_path / "rnn_captioning"
    _copy_package(student)
    message = _found_from(student)
    assert message.startswith("ERROR")
    assert "python get_datasets.py" in message and "CAPTIONING_DATA" in message


def test_environment_variable_wins(course_root, tiny_data_dir, tmp_path):
    other = tmp_path / "my_data"
    shutil.copytree(tiny_data_dir, other)
    assert _found_from(course_root / "release" / "rnn_captioning", str(other)) == str(other)
    # A dataset name looks that dataset up the usual way.
    shutil.copytree(tiny_data_dir, course_root / "datasets" / "coco_captioning")
    try:
        found = _found_from(course_root / "submitted" / "alice" / "rnn_captioning", "coco")
        assert found == str(course_root / "datasets" / "coco_captioning")
    finally:
        shutil.rmtree(course_root / "datasets" / "coco_captioning")
    bad = _found_from(course_root / "release" / "rnn_captioning", str(tmp_path / "nowhere"))
    assert bad.startswith("ERROR") and "CAPTIONING_DATA" in bad


def test_base_dir_argument_beats_everything(tiny_data_dir, monkeypatch):
    monkeypatch.setenv("CAPTIONING_DATA", "/nonexistent/folder")
    loaded = load_coco_data(base_dir=tiny_data_dir)
    assert loaded["train_features"].shape == (40, 512)


@pytest.mark.slow
def test_get_datasets_command_in_a_standalone_copy(tmp_path):
    student = tmp_path / "rnn_captioning"
    _copy_package(student)
    proc = subprocess.run([sys.executable, "get_datasets.py"], cwd=student,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert _found_from(student) == str(student / "datasets" / "synthetic_captioning")


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
    return _digest(destination)


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
    assert _digest(destination) == before
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


# ------------------------------------------------------------- learnability

@pytest.mark.slow
@pytest.mark.parametrize("cell_type, lr_decay, target", [("rnn", 0.95, 0.1), ("lstm", 0.995, 0.5)])
def test_notebook_overfit_check_passes_on_the_synthetic_data(synthetic_data_dir, cell_type,
                                                             lr_decay, target):
    """The seeds' overfit cell, with the reference model and solver."""
    from captioning.captioning_solver import CaptioningSolver
    from captioning.classifiers.rnn import CaptioningRNN

    np.random.seed(231)
    small = load_coco_data(base_dir=synthetic_data_dir, max_train=50)
    model = CaptioningRNN(cell_type=cell_type, word_to_idx=small["word_to_idx"],
                          input_dim=small["train_features"].shape[1],
                          hidden_dim=512, wordvec_dim=256)
    solver = CaptioningSolver(model, small, update_rule="adam", num_epochs=50, batch_size=25,
                              optim_config={"learning_rate": 5e-3}, lr_decay=lr_decay,
                              verbose=False)
    solver.train()
    assert solver.loss_history[-1] < target
