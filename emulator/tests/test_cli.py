"""The command line: emulator.json, the printed block, options, clean exit on SIGTERM."""

import json
import os
import signal
import subprocess
import sys
import time

import requests

from graph_emulator.process import EmulatorProcess

from emulator_testing import ALICE, GraphClient, make_image, secret_token


def test_emulator_json_and_banner(emulator):
    with open(os.path.join(emulator.state_dir, "emulator.json"), encoding="utf-8") as handle:
        info = json.load(handle)
    assert {"url", "ca_path", "pid", "tenant_id", "client_id", "client_secret", "state_dir"} <= set(info)
    assert info["url"].startswith("https://127.0.0.1:")
    assert info["client_secret"] == "demo-only-secret-not-for-production"
    banner = emulator.output()
    for name in ("GRAPH_ENDPOINT", "AZURE_AUTHORITY_HOST", "REQUESTS_CA_BUNDLE", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"):
        assert "export %s=" % name in banner
    # What it prints is what make demo and the tests set: one source for both.
    for name, value in emulator.client_environment().items():
        assert "export %s=%s\n" % (name, value) in banner
    assert emulator.client_environment()["GRAPH_ENDPOINT"] == info["url"]


def test_no_rewrite_option_and_sigterm_exit(tmp_path):
    process = EmulatorProcess(state_dir=str(tmp_path), args=["--no-rewrite", "--group-photo-app-only", "deny"])
    with process:
        png = make_image("PNG", size=(900, 900))
        graph = GraphClient(process.url, process.ca_path, secret_token(process))
        assert graph.put_photo("/users/%s/photo/$value" % ALICE, png, content_type="image/png").status_code == 200
        assert graph.get("/users/%s/photo/$value" % ALICE).content == png
        assert process.admin.config()["group_photo_app_only"] == "deny"
        assert process.stop() == 0


def test_sigint_exits_cleanly(tmp_path):
    with subprocess.Popen([sys.executable, "-m", "graph_emulator", "--port", "0", "--state-dir", str(tmp_path), "--quiet"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        deadline = time.monotonic() + 20
        while not (tmp_path / "emulator.json").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        info = json.loads((tmp_path / "emulator.json").read_text())
        assert requests.get(info["url"] + "/_emulator/config", verify=info["ca_path"], timeout=5).status_code == 200
        child.send_signal(signal.SIGINT)
        assert child.wait(10) == 0


def test_bad_fault_option_is_refused(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "graph_emulator", "--fault", "418=2"], capture_output=True, text=True,
                               timeout=20, check=False)
    assert completed.returncode == 2
    assert "KIND=RATE" in completed.stderr
