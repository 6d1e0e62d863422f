"""The sandbox server's process: start, stop, signals, a parent that dies, ports, logs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from sandbox.server import SERVER_SCRIPT, SandboxEHR, SandboxError
from tests.integration.sandbox.fhir_helpers import (
    FHIR_JSON,
    REPO,
    marker,
    patient,
)

pytestmark = pytest.mark.integration


def alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (a container's PID 1 may never reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


# --- process lifecycle -------------------------------------------------------------------------


def test_starts_and_stops_in_under_three_seconds_leaving_no_process() -> None:
    started = time.monotonic()
    server = SandboxEHR()
    base_url = server.start()
    assert time.monotonic() - started < 3.0
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/fhir", base_url)
    assert httpx.get(f"{base_url}/metadata").status_code == 200
    pid = server.pid
    assert pid is not None and alive(pid)

    stopping = time.monotonic()
    server.stop()
    assert time.monotonic() - stopping < 3.0
    assert not alive(pid)
    assert server.base_url is None and not server.running


def test_killing_the_python_parent_leaves_no_node_process() -> None:
    script = textwrap.dedent(
        """
        import sys, time
        from sandbox.server import SandboxEHR
        server = SandboxEHR()
        server.start()
        print(server.pid, flush=True)
        time.sleep(600)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        node_pid = int(parent.stdout.readline())
        assert alive(node_pid)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=5)
        assert wait_gone(node_pid), "the node server outlived its SIGKILLed parent"
    finally:
        parent.kill()
        parent.wait()
        if parent.stdout:
            parent.stdout.close()


def test_python_m_sandbox_serve_seeds_prints_samples_and_stops_on_sigterm() -> None:
    serve = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", "--port", "0", "--patients", "30"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert serve.stdout is not None and serve.stderr is not None
    try:
        lines = []
        for line in serve.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("press Ctrl-C"):
                break
        listening = re.fullmatch(r"sandbox EHR listening at (http://127\.0\.0\.1:\d+/fhir)", lines[0])
        assert listening, lines
        base_url = listening.group(1)
        assert any(line.startswith("seeded 30 synthetic patients") for line in lines), lines
        samples = [line for line in lines if re.fullmatch(r"  .+ \| \d{4}-\d{2}-\d{2} \| .+", line)]
        assert samples, lines
        assert httpx.get(f"{base_url}/Patient", params={"_count": "0"}).json()["total"] >= 30

        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=10) == 0
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{base_url}/metadata")
    finally:
        serve.kill()
        serve.wait()
        serve.stdout.close()
        serve.stderr.close()


def run_node(port: int, *args: str, log: bool = False) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "SANDBOX_HOST": "127.0.0.1",
        "SANDBOX_PORT": str(port),
        "SANDBOX_LOG": "1" if log else "0",
    }
    return subprocess.Popen(
        ["node", str(SERVER_SCRIPT), *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str], sig: int | None = None) -> tuple[int, str, str]:
    """Signal (optionally) and wait up to 5 s; returns exit code, the rest of stdout, and stderr."""
    if sig is not None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    assert proc.stdout is not None and proc.stderr is not None and proc.stdin is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        stream.close()
    return proc.returncode, out, err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_prints_one_ready_line_and_stops_cleanly_on_signal(sig: int) -> None:
    proc = run_node(0)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    base_url = re.fullmatch(r"ready (http://127\.0\.0\.1:(\d+)/fhir)\n", line)
    assert base_url, line
    assert int(base_url.group(2)) > 0
    assert httpx.get(f"{base_url.group(1)}/Patient").status_code == 200
    code, rest, _ = finish(proc, sig)
    assert code == 0
    assert rest == "", "nothing but the ready line goes to stdout"


def test_exits_when_stdin_closes_with_exit_on_stdin_eof() -> None:
    proc = run_node(0, "--exit-on-stdin-eof")
    assert proc.stdout is not None and proc.stdin is not None
    assert proc.stdout.readline().startswith("ready ")
    proc.stdin.close()
    code, _, _ = finish(proc)
    assert code == 0


def test_port_in_use_is_a_one_line_error_and_exit_code_1(ehr: SandboxEHR) -> None:
    assert ehr.base_url
    port = int(ehr.base_url.rsplit(":", 1)[1].split("/")[0])
    code, out, err = finish(run_node(port))
    assert code == 1
    assert out == ""
    assert err.strip().count("\n") == 0
    assert "address already in use" in err and str(port) in err

    with pytest.raises(SandboxError, match=r"(?s)exit code 1.*address already in use"):
        SandboxEHR(port=port).start()


def test_logs_carry_no_request_data() -> None:
    proc = run_node(0, log=True)
    assert proc.stdout is not None
    base_url = proc.stdout.readline().split()[1]
    secret = marker()
    with httpx.Client(base_url=base_url) as client:
        created = client.post("/Patient", json=patient(secret, birthDate="1961-02-03"), headers=FHIR_JSON)
        client.get("/Patient", params={"family": secret, "birthdate": "1961-02-03"})
        client.post("/Patient", json=patient(secret, birthDate="not-a-date"), headers=FHIR_JSON)
    _, _, err = finish(proc, signal.SIGTERM)
    assert secret not in err and "1961" not in err
    requests = [line for line in err.splitlines() if not line.startswith("sandbox: ")]
    assert requests == [
        f"POST /fhir/Patient 201 {requests[0].split()[-1]}",
        f"GET /fhir/Patient 200 {requests[1].split()[-1]}",
        f"POST /fhir/Patient 400 {requests[2].split()[-1]}",
    ]
    assert all(re.fullmatch(r"[\d.]+ms", line.split()[-1]) for line in requests)
    assert created.status_code == 201
