"""`trainer download` against a local HTTP server (with Range support) serving a synthetic mouse zip."""
import functools
import http.server
import io
import threading
import zipfile

import pytest

from dwiseneuro_trainer import constants, data, download, synth
from training_support import run_trainer

MOUSE = constants.NEW_MICE[0]


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    requests = []

    def log_message(self, *args):
        pass

    def send_head(self):
        requested = self.headers.get("Range")
        RangeHandler.requests.append((self.path, requested))
        if not requested:
            return super().send_head()
        try:
            body = open(self.translate_path(self.path), "rb").read()
        except OSError:
            self.send_error(404)
            return None
        start = int(requested.split("=", 1)[1].split("-", 1)[0])
        if start >= len(body):
            self.send_error(416)
            return None
        self.send_response(206)
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        return io.BytesIO(body[start:])


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("served")
    source = tmp_path_factory.mktemp("source")
    synth.generate(source, mice=1, neurons=[6], trials=[8], frames=40, mouse_ids=[MOUSE], seed=2,
                   log=lambda m: None)
    with zipfile.ZipFile(root / f"{MOUSE}.zip", "w") as archive:
        for path in sorted((source / MOUSE).rglob("*")):
            archive.write(path, path.relative_to(source))
        archive.writestr(f"__MACOSX/{MOUSE}/._tiers.npy", b"resource fork")
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                            functools.partial(RangeHandler, directory=str(root)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{httpd.server_address[1]}/data", "zip": root / f"{MOUSE}.zip",
           "root": root}
    httpd.shutdown()


def test_urls_are_the_originals():
    assert download.url_of(constants.NEW_MICE[2]) == (
        f"https://gin.g-node.org/pollytur/sensorium_2023_dataset/raw/master/{constants.NEW_MICE[2]}.zip")
    assert download.url_of(constants.OLD_MICE[0]) == (
        f"https://gin.g-node.org/pollytur/Sensorium2023Data/raw/master/{constants.OLD_MICE[0]}.zip")
    assert download.url_of(MOUSE, "http://mirror/x/") == f"http://mirror/x/{MOUSE}.zip"


def test_download_unpacks_checks_and_skips(server, tmp_path):
    (server["root"] / "data").mkdir(exist_ok=True)
    (server["root"] / "data" / f"{MOUSE}.zip").write_bytes(server["zip"].read_bytes())
    out = tmp_path / "sensorium"
    result = run_trainer("download", "--out", out, "--mice", MOUSE, "--base-url", server["url"], "--no-progress")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [MOUSE]  # no zip, no __MACOSX, no temporary folder
    mice = data.read_dataset(out, log=lambda m: None)
    assert mice[0].id == MOUSE and mice[0].num_neurons == 6
    RangeHandler.requests.clear()
    again = run_trainer("download", "--out", out, "--mice", MOUSE, "--base-url", server["url"], "--no-progress")
    assert again.returncode == 0 and "already there, skipped" in again.stdout
    assert RangeHandler.requests == []


def test_partial_download_is_resumed_with_a_range_request(server, tmp_path):
    (server["root"] / "data").mkdir(exist_ok=True)
    body = server["zip"].read_bytes()
    (server["root"] / "data" / f"{MOUSE}.zip").write_bytes(body)
    out = tmp_path / "sensorium"
    out.mkdir()
    (out / f"{MOUSE}.zip.part").write_bytes(body[:1000])
    RangeHandler.requests.clear()
    download.download(out, mice=[MOUSE], base_url=server["url"], progress=False, log=lambda m: None)
    assert RangeHandler.requests == [(f"/data/{MOUSE}.zip", "bytes=1000-")]
    assert data.read_dataset(out, log=lambda m: None)[0].id == MOUSE


def test_missing_file_and_broken_zip_are_reported(server, tmp_path):
    result = run_trainer("download", "--out", tmp_path / "a", "--mice", MOUSE, "--base-url",
                         server["url"] + "/nowhere", "--no-progress")
    assert result.returncode == 2
    assert f"{server['url']}/nowhere/{MOUSE}.zip: HTTP 404" in result.stderr
    (server["root"] / "broken").mkdir(exist_ok=True)
    (server["root"] / "broken" / f"{MOUSE}.zip").write_bytes(b"PK\x03\x04 not really a zip")
    base = server["url"].rsplit("/", 1)[0] + "/broken"
    with pytest.raises(download.DownloadError, match="not a valid zip"):
        download.download(tmp_path / "b", mice=[MOUSE], base_url=base, progress=False, log=lambda m: None)
    assert not (tmp_path / "b" / MOUSE).exists() and not (tmp_path / "b" / f"{MOUSE}.zip").exists()
