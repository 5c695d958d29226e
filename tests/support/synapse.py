"""A real Matrix homeserver for the tests: Synapse on loopback, on SQLite, in a temporary folder.

Synapse is a test-only dependency. Its rate limits are set explicitly (high,
so that a scripted agent is not throttled), presence is off as on Tchap's
homeservers (Tchap's web client is configured with `enable_presence_by_hs_url`
false for each of them; presence is also Synapse's costliest feature under
load), registration is closed, and
users are registered with its admin tool and the shared secret. Where it
cannot start, the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

SERVER_NAME = "agent.tchap.test"
SHARED_SECRET = "secret-partage-des-tests"
LIMIT = "{per_second: 1000, burst_count: 1000}"

CONFIG = """\
server_name: "{server_name}"
pid_file: {folder}/homeserver.pid
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {folder}/homeserver.db
media_store_path: {folder}/media
signing_key_path: {folder}/signing.key
registration_shared_secret: "{secret}"
macaroon_secret_key: "macaroon-des-tests"
form_secret: "formulaire-des-tests"
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
enable_registration: false
max_upload_size: 50M
presence:
  enabled: false
rc_message: {limit}
rc_login:
  address: {limit}
  account: {limit}
  failed_attempts: {limit}
rc_registration: {limit}
rc_joins:
  local: {limit}
  remote: {limit}
rc_invites:
  per_room: {limit}
  per_user: {limit}
  per_issuer: {limit}
rc_key_requests: {limit}
rc_media_create: {limit}
"""


def unavailable() -> str | None:
    """Why a homeserver cannot run here, or None."""
    if importlib.util.find_spec("synapse") is None:
        return "Synapse (matrix-synapse) n'est pas installé : pip install -e '.[test]'"
    if importlib.util.find_spec("nio") is None:
        return "matrix-nio n'est pas installé"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Homeserver:
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "homeserver.yaml"
        config.write_text(CONFIG.format(server_name=SERVER_NAME, folder=self.folder, port=self.port,
                                        secret=SHARED_SECRET, limit=LIMIT), encoding="utf-8")
        python = [sys.executable, "-m", "synapse.app.homeserver", "--config-path", str(config)]
        subprocess.run([*python, "--generate-keys"], check=True, capture_output=True, timeout=120)
        with open(self.folder / "synapse.log", "wb") as log:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(python, stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Synapse s'est arrêté au démarrage : {self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"Synapse n'a pas démarré en {timeout:.0f} s : {self.tail()}")

    def register(self, name: str, password: str) -> str:
        """A user, with the homeserver's admin tool; returns their Matrix id."""
        subprocess.run(
            [sys.executable, "-m", "synapse._scripts.register_new_matrix_user", "-u", name, "-p", password,
             "--no-admin", "-k", SHARED_SECRET, self.url],
            check=True, capture_output=True, timeout=60,
        )
        return f"@{name}:{SERVER_NAME}"

    def register_quickly(self, name: str, password: str) -> str:
        """The same through the shared-secret registration API the tool uses, without a process per user
        (for the benchmark's hundreds of users)."""
        import hashlib
        import hmac
        import json

        url = f"{self.url}/_synapse/admin/v1/register"
        with urllib.request.urlopen(url, timeout=10) as response:
            nonce = json.load(response)["nonce"]
        mac = hmac.new(SHARED_SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), name.encode(), password.encode(), b"notadmin"]))
        body = json.dumps({"nonce": nonce, "username": name, "password": password, "admin": False,
                           "mac": mac.hexdigest()}).encode()
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10):
            pass
        return f"@{name}:{SERVER_NAME}"

    def reads_by(self, user_id: str) -> int:
        """How many times `user_id` has read its events (/sync requests answered), from the access log."""
        path = self.folder / "synapse.log"
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        return sum(1 for line in text.splitlines() if f"{{{user_id}}} Processed request" in line and "/sync" in line)

    def tail(self) -> str:
        path = self.folder / "synapse.log"
        return path.read_text(encoding="utf-8", errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def environment_without_proxies() -> dict:
    """Loopback must not go through a proxy configured for the outside."""
    env = dict(os.environ)
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(key, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env
