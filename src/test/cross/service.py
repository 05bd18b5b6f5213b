"""Start the packaged service on an ensemble folder and talk to it over HTTP (standard library only)."""
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, Optional, Tuple

ROOT = Path(__file__).resolve().parents[3]
JAR = ROOT / "target" / "quarkus-app" / "quarkus-run.jar"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Service:
    """The real service (the jar `./mvnw package` builds, started by bin/serve) serving `models_dir` on a free port."""

    def __init__(self, models_dir: Path, log_path: Path, extra_args=()):
        if not JAR.is_file():
            raise RuntimeError(f"{JAR} not found: run ./mvnw package (the README test command does) first")
        self.port = free_port()
        self.log_path = log_path
        self.log = log_path.open("w")
        # bin/serve, as the README starts it: java -jar with tcmalloc preloaded when installed.
        self.process = subprocess.Popen(
            [str(ROOT / "bin" / "serve"), f"-Dquarkus.http.port={self.port}", "-Dquarkus.http.host=127.0.0.1",
             f"-Ddwiseneuro.models-dir={models_dir}", *extra_args],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=str(ROOT))

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout: float = 180.0) -> None:
        end = time.time() + timeout
        while time.time() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"the service exited with {self.process.returncode}; log: {self.log_path}")
            try:
                with urllib.request.urlopen(self.url("/q/health/ready"), timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the service was not ready in {timeout} s; log: {self.log_path}")

    def post_clip(self, mouse: str, files: Dict[str, Path], accept: str = "application/json") -> Tuple[int, str, bytes]:
        boundary = uuid.uuid4().hex
        body = b""
        for name, path in files.items():
            body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{path.name}\"\r\n"
                     f"Content-Type: application/octet-stream\r\n\r\n").encode() + path.read_bytes() + b"\r\n"
        body += f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.url(f"/v1/mice/{mouse}/responses"), data=body, method="POST", headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=300) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()

    def get_json(self, path: str):
        with urllib.request.urlopen(self.url(path), timeout=30) as response:
            return json.loads(response.read())

    def stop(self) -> Optional[int]:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode
