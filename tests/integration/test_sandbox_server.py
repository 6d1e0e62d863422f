"""The sandbox EHR server (sandbox/server.mjs) and its Python launcher, against a real node process."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import sandbox.server as sandbox_server
from sandbox.server import SERVER_SCRIPT, SandboxEHR, SandboxError

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
FHIR_JSON = {"Content-Type": "application/fhir+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}


@pytest.fixture(scope="module")
def ehr() -> Iterator[SandboxEHR]:
    with SandboxEHR() as server:
        yield server


@pytest.fixture(scope="module")
def fhir(ehr: SandboxEHR) -> Iterator[httpx.Client]:
    assert ehr.base_url
    with httpx.Client(base_url=ehr.base_url, timeout=30) as client:
        yield client


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


def marker() -> str:
    """A family name no other test uses, so searches see only this test's patients."""
    return "Zz" + uuid.uuid4().hex[:10]


def patient(family: str, **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "name": [{"family": family, "given": ["Test"]}], **fields}


def outcome_text(response: httpx.Response) -> str:
    body = response.json()
    assert body["resourceType"] == "OperationOutcome"
    return " ".join(issue.get("details", {}).get("text", "") for issue in body["issue"])


def create(fhir: httpx.Client, resource: dict[str, Any]) -> dict[str, Any]:
    response = fhir.post(f"/{resource['resourceType']}", json=resource, headers=FHIR_JSON)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def etag(resource: dict[str, Any]) -> str:
    return f'W/"{resource["meta"]["versionId"]}"'


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


# --- CapabilityStatement ----------------------------------------------------------------------


def test_metadata_states_what_the_server_supports(fhir: httpx.Client, ehr: SandboxEHR) -> None:
    response = fhir.get("/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    cs = response.json()
    assert cs["resourceType"] == "CapabilityStatement"
    assert cs["fhirVersion"] == "4.0.1"
    assert cs["implementation"]["url"] == ehr.base_url
    assert "application/json-patch+json" in cs["patchFormat"]
    rest = cs["rest"][0]
    assert {i["code"] for i in rest["interaction"]} == {"transaction", "batch"}
    by_type = {r["type"]: r for r in rest["resource"]}
    assert {"Patient", "Appointment", "Slot", "MedicationRequest", "Account"} <= set(by_type)
    pat = by_type["Patient"]
    assert {i["code"] for i in pat["interaction"]} == {
        "read",
        "vread",
        "create",
        "update",
        "patch",
        "search-type",
    }
    assert pat["versioning"] == "versioned-update"
    assert pat["updateCreate"] is True
    assert pat["conditionalCreate"] is False and pat["conditionalUpdate"] is False
    names = {p["name"] for p in pat["searchParam"]}
    assert {"birthdate", "phone", "family", "given", "name", "identifier", "_id"} <= names
    assert not names & {"_compartment", "phonetic"}


@pytest.mark.parametrize("resource_type", ["Patient", "Appointment", "Slot", "MedicationRequest"])
def test_every_claimed_search_parameter_is_accepted(fhir: httpx.Client, resource_type: str) -> None:
    cs = fhir.get("/metadata").json()
    params = next(r for r in cs["rest"][0]["resource"] if r["type"] == resource_type)["searchParam"]
    sample = {"date": "2020-01-01", "reference": "Patient/x", "token": "x", "string": "x", "uri": "http://x"}
    for param in params:
        response = fhir.get(f"/{resource_type}", params={param["name"]: sample[param["type"]]})
        assert response.status_code == 200, (param, response.text)
        response = fhir.get(f"/{resource_type}", params={f"{param['name']}:missing": "true"})
        assert response.status_code == 200, (param, response.text)


def test_other_routes_say_405_or_404(fhir: httpx.Client) -> None:
    gone = fhir.delete("/Patient/anything")
    assert gone.status_code == 405
    assert set(gone.headers["allow"].split(", ")) == {"GET", "PUT", "PATCH"}
    assert fhir.post("/metadata", json={}, headers=FHIR_JSON).status_code == 405
    assert fhir.get("/Patient/anything").status_code == 404
    assert fhir.get("/NoSuchType").status_code == 404
    assert fhir.get("/Patient/x/_history").status_code == 404
    outside = httpx.get(str(fhir.base_url).replace("/fhir", "/elsewhere"))
    assert outside.status_code == 404
    assert outside.json()["resourceType"] == "OperationOutcome"


# --- read, create, update, search -------------------------------------------------------------


def test_create_read_update_vread(fhir: httpx.Client, ehr: SandboxEHR) -> None:
    family = marker()
    response = fhir.post(
        "/Patient", json=patient(family, id="client-choice", gender="female"), headers=FHIR_JSON
    )
    assert response.status_code == 201
    created = response.json()
    assert created["id"] != "client-choice", "the server assigns ids on create"
    assert response.headers["etag"] == etag(created)
    assert response.headers["location"] == (
        f"{ehr.base_url}/Patient/{created['id']}/_history/{created['meta']['versionId']}"
    )

    read = fhir.get(f"/Patient/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created
    assert read.headers["etag"] == etag(created)

    changed = {**created, "gender": "male"}
    updated = fhir.put(f"/Patient/{created['id']}", json=changed, headers=FHIR_JSON)
    assert updated.status_code == 200
    assert updated.json()["gender"] == "male"
    assert updated.json()["meta"]["versionId"] != created["meta"]["versionId"]

    old = fhir.get(f"/Patient/{created['id']}/_history/{created['meta']['versionId']}")
    assert old.status_code == 200 and old.json()["gender"] == "female"


def test_put_with_a_client_id_creates(fhir: httpx.Client) -> None:
    pid = str(uuid.uuid4())
    response = fhir.put(f"/Patient/{pid}", json=patient(marker(), id=pid), headers=FHIR_JSON)
    assert response.status_code == 201
    assert fhir.get(f"/Patient/{pid}").json()["id"] == pid
    again = fhir.put(f"/Patient/{pid}", json=patient(marker(), id=pid), headers=FHIR_JSON)
    assert again.status_code == 200
    mismatch = fhir.put(f"/Patient/{pid}", json=patient(marker(), id="other"), headers=FHIR_JSON)
    assert mismatch.status_code == 400


def test_search_by_the_fields_the_gateway_uses(fhir: httpx.Client) -> None:
    family = marker()
    phone = "+1555" + str(uuid.uuid4().int)[:7]
    ann = create(
        fhir,
        patient(
            family, birthDate="1971-04-05", telecom=[{"system": "phone", "value": phone}], gender="female"
        ),
    )
    create(fhir, patient(family, birthDate="1980-01-01"))
    create(fhir, patient("Q" + family))

    def ids(**params: str) -> set[str]:
        response = fhir.get("/Patient", params=params)
        assert response.status_code == 200, response.text
        return {e["resource"]["id"] for e in response.json().get("entry", [])}

    assert ids(phone=phone) == {ann["id"]}
    assert ids(family=family, birthdate="1971-04-05") == {ann["id"]}
    assert ids(family=family.lower()[:-3], birthdate="lt1975") == {ann["id"]}
    assert len(ids(family=family)) == 2, "string search matches the start of a value, not the middle"
    assert len(ids(**{"family:contains": family})) == 3
    assert ids(**{"family:exact": family.lower()}) == set()
    assert ids(family=family, gender="female") == {ann["id"]}

    appt = create(
        fhir,
        {
            "resourceType": "Appointment",
            "status": "booked",
            "start": "2030-01-02T09:00:00Z",
            "end": "2030-01-02T09:30:00Z",
            "participant": [{"actor": {"reference": f"Patient/{ann['id']}"}, "status": "accepted"}],
        },
    )
    for value in (ann["id"], f"Patient/{ann['id']}"):
        found = fhir.get("/Appointment", params={"patient": value, "date": "ge2030-01-01"}).json()
        assert [e["resource"]["id"] for e in found["entry"]] == [appt["id"]]


def test_search_modifiers_prefixes_and_sort(fhir: httpx.Client) -> None:
    family = marker()
    a = create(
        fhir,
        patient(
            family,
            birthDate="1950-01-01",
            gender="male",
            identifier=[{"system": "urn:example:mrn", "value": "A-1"}],
        ),
    )
    b = create(fhir, patient(family, birthDate="1960-06-15", gender="female", active=True))
    c = create(fhir, patient(family, birthDate="1970-12-31", gender="other"))

    def ids(**params: str) -> list[str]:
        response = fhir.get("/Patient", params={"family": family, **params})
        assert response.status_code == 200, response.text
        return [e["resource"]["id"] for e in response.json().get("entry", [])]

    assert ids(_sort="birthdate") == [a["id"], b["id"], c["id"]]
    assert ids(_sort="-birthdate") == [c["id"], b["id"], a["id"]]
    assert ids(_sort="-gender,birthdate") == [c["id"], a["id"], b["id"]]
    assert ids(_sort="birthdate", _count="1", _offset="1") == [b["id"]]
    assert set(ids(birthdate="ge1960-01-01")) == {b["id"], c["id"]}
    assert set(ids(birthdate="ne1960-06-15")) == {a["id"], c["id"]}
    assert ids(birthdate="1960-06") == [b["id"]]
    assert set(ids(gender="male,other")) == {a["id"], c["id"]}
    assert set(ids(**{"gender:not": "male"})) == {b["id"], c["id"]}
    assert ids(identifier="urn:example:mrn|A-1") == [a["id"]]
    assert ids(identifier="A-1") == [a["id"]]
    assert ids(identifier="urn:other|A-1") == []
    assert ids(**{"active:missing": "false"}) == [b["id"]]
    assert set(ids(**{"active:missing": "true"})) == {a["id"], c["id"]}
    assert ids(_id=b["id"]) == [b["id"]]
    assert ids(_id=b["id"], _format="json") == [b["id"]]
    assert fhir.get("/Patient", params={"_format": "xml"}).status_code == 400
    assert fhir.get("/Patient", params={"family": family, "_count": "0"}).json()["total"] == 3


def test_unsupported_search_is_refused_not_silently_empty(fhir: httpx.Client) -> None:
    for params in (
        {"nonsense": "1"},
        {"family:below": "x"},
        {"_include": "Patient:organization"},
        {"general-practitioner.name": "x"},
        {"birthdate": "not-a-date"},
        {"_count": "-1"},
        {"_sort": "nonsense"},
    ):
        response = fhir.get("/Patient", params=params)
        assert response.status_code == 400, params
        assert outcome_text(response)


def test_paging_links_carry_the_real_base_url(fhir: httpx.Client, ehr: SandboxEHR) -> None:
    family = marker()
    made = {create(fhir, patient(family))["id"] for _ in range(7)}
    page = fhir.get("/Patient", params={"family": family, "_count": "3"}).json()
    assert page["total"] == 7
    seen: list[str] = []
    relations: list[set[str]] = []
    while True:
        seen += [e["resource"]["id"] for e in page.get("entry", [])]
        assert all(e["fullUrl"].startswith(f"{ehr.base_url}/Patient/") for e in page["entry"])
        links = {link["relation"]: link["url"] for link in page["link"]}
        relations.append(set(links))
        assert all(url.startswith(f"{ehr.base_url}/Patient?") for url in links.values())
        if "next" not in links:
            break
        page = httpx.get(links["next"]).json()
    assert len(seen) == 7 and set(seen) == made
    assert relations == [{"self", "next"}, {"self", "next", "previous"}, {"self", "previous"}]


# --- validation and malformed input -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "resource", "expected"),
    [
        ("/Patient", {"resourceType": "Patient", "birthDate": "not-a-date"}, "Invalid date format"),
        ("/Patient", {"resourceType": "Patient", "favouriteColour": "blue"}, "Invalid additional property"),
        ("/Patient", {"resourceType": "Patient", "gender": "bogus"}, "administrative-gender"),
        ("/Patient", {"resourceType": "Patient", "name": {"family": "x"}}, "Expected array"),
        ("/Foo", {"resourceType": "Foo"}, "Unknown data type: Foo"),
        ("/Patient", {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}, "Incorrect"),
        (
            "/Appointment",
            {
                "resourceType": "Appointment",
                "status": "booked",
                "participant": [{"actor": {"reference": "Patient/x"}, "status": "accepted"}],
            },
            "app-3",
        ),
    ],
)
def test_invalid_resources_are_refused_with_400(
    fhir: httpx.Client, path: str, resource: dict[str, Any], expected: str
) -> None:
    response = fhir.post(path, json=resource, headers=FHIR_JSON)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert expected in outcome_text(response)


def test_invalid_update_and_patch_change_nothing(fhir: httpx.Client) -> None:
    stored = create(fhir, patient(marker(), birthDate="1990-01-01"))
    bad_put = fhir.put(
        f"/Patient/{stored['id']}", json={**stored, "birthDate": "not-a-date"}, headers=FHIR_JSON
    )
    assert bad_put.status_code == 400
    bad_patch = fhir.patch(
        f"/Patient/{stored['id']}",
        json=[{"op": "replace", "path": "/birthDate", "value": "1990-13-45"}],
        headers=JSON_PATCH,
    )
    assert bad_patch.status_code == 400
    assert "Patient.birthDate" in json.dumps(bad_patch.json())
    assert fhir.get(f"/Patient/{stored['id']}").json() == stored


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status"),
    [
        ("POST", "/Patient", b'{"resourceType": "Patient",', FHIR_JSON, 400),
        ("POST", "/Patient", b"", FHIR_JSON, 400),
        ("POST", "/Patient", b"[1, 2]", FHIR_JSON, 400),
        ("PUT", "/Patient/x", b"not json at all", FHIR_JSON, 400),
        ("POST", "", b"{]", FHIR_JSON, 400),
        ("PATCH", "/Patient/x", b"[{", JSON_PATCH, 400),
        ("POST", "/Patient", b'{"resourceType": "Patient"}', {"Content-Type": "text/plain"}, 415),
        ("PATCH", "/Patient/x", b"[]", FHIR_JSON, 415),
    ],
)
def test_malformed_requests_get_an_operation_outcome(
    fhir: httpx.Client, method: str, path: str, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = fhir.request(method, path, content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["resourceType"] == "OperationOutcome"
    assert fhir.get("/metadata").status_code == 200, "the server is still up"


def test_a_body_over_64_mib_is_refused(fhir: httpx.Client) -> None:
    body = b'{"resourceType": "Patient", "text": "' + b"x" * (64 * 1024 * 1024) + b'"}'
    response = fhir.post("/Patient", content=body, headers=FHIR_JSON)
    assert response.status_code == 413
    assert response.json()["resourceType"] == "OperationOutcome"


def test_missing_node_modules_says_run_make_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sandbox_server, "SANDBOX_DIR", tmp_path)
    with pytest.raises(SandboxError, match="run make setup"):
        SandboxEHR().start()


# --- JSON Patch and If-Match ------------------------------------------------------------------


def test_json_patch(fhir: httpx.Client) -> None:
    stored = create(fhir, patient(marker(), gender="female"))
    url = f"/Patient/{stored['id']}"
    response = fhir.patch(
        url, json=[{"op": "replace", "path": "/gender", "value": "other"}], headers=JSON_PATCH
    )
    assert response.status_code == 200
    assert response.json()["gender"] == "other"
    assert response.headers["etag"] == etag(response.json()) != etag(stored)
    assert fhir.get(url).json()["gender"] == "other"

    failed_test = fhir.patch(
        url, json=[{"op": "test", "path": "/gender", "value": "female"}], headers=JSON_PATCH
    )
    assert failed_test.status_code == 400
    moved = fhir.patch(url, json=[{"op": "replace", "path": "/id", "value": "elsewhere"}], headers=JSON_PATCH)
    assert moved.status_code == 400
    assert fhir.get("/Patient/elsewhere").status_code == 404
    assert fhir.patch("/Patient/missing", json=[], headers=JSON_PATCH).status_code == 404
    assert fhir.patch(url, json={"op": "remove"}, headers=JSON_PATCH).status_code == 400


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_if_match_guards_against_lost_updates(fhir: httpx.Client, method: str) -> None:
    v1 = create(fhir, patient(marker(), gender="female"))
    url = f"/Patient/{v1['id']}"

    def write(version: str, gender: str) -> httpx.Response:
        if method == "PUT":
            return fhir.put(url, json={**v1, "gender": gender}, headers={**FHIR_JSON, "If-Match": version})
        ops = [{"op": "replace", "path": "/gender", "value": gender}]
        return fhir.patch(url, json=ops, headers={**JSON_PATCH, "If-Match": version})

    current = write(etag(v1), "male")
    assert current.status_code == 200
    stale = write(etag(v1), "other")
    assert stale.status_code == 412
    assert stale.json()["resourceType"] == "OperationOutcome"
    assert fhir.get(url).json()["gender"] == "male"
    assert write(etag(current.json()), "other").status_code == 200
    assert write("no quotes", "other").status_code == 400


# --- transaction and batch --------------------------------------------------------------------


def test_transaction_resolves_references_and_returns_every_result(fhir: httpx.Client) -> None:
    family, placeholder, practitioner_id = marker(), f"urn:uuid:{uuid.uuid4()}", str(uuid.uuid4())
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": placeholder,
                "resource": patient(family),
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "resource": {
                    "resourceType": "Practitioner",
                    "id": practitioner_id,
                    "name": [{"family": "Doc"}],
                },
                "request": {"method": "PUT", "url": f"Practitioner/{practitioner_id}"},
            },
            {
                "resource": {
                    "resourceType": "Appointment",
                    "status": "proposed",
                    "participant": [{"actor": {"reference": placeholder}, "status": "needs-action"}],
                },
                "request": {"method": "POST", "url": "Appointment"},
            },
        ],
    }
    response = fhir.post("", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["type"] == "transaction-response"
    assert [e["response"]["status"] for e in result["entry"]] == ["201", "201", "201"]
    patient_id = result["entry"][0]["resource"]["id"]
    appointment = fhir.get(f"/Appointment/{result['entry'][2]['resource']['id']}").json()
    assert appointment["participant"][0]["actor"]["reference"] == f"Patient/{patient_id}"
    assert fhir.get(f"/Practitioner/{practitioner_id}").status_code == 200


def test_a_failed_transaction_changes_nothing(fhir: httpx.Client) -> None:
    existing = create(fhir, patient(marker(), gender="female"))
    family, new_id = marker(), str(uuid.uuid4())
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": patient(family), "request": {"method": "POST", "url": "Patient"}},
            {
                "resource": patient(family, id=new_id),
                "request": {"method": "PUT", "url": f"Patient/{new_id}"},
            },
            {
                "resource": {**existing, "gender": "male"},
                "request": {"method": "PUT", "url": f"Patient/{existing['id']}"},
            },
            {"resource": patient(family, birthDate="never"), "request": {"method": "POST", "url": "Patient"}},
        ],
    }
    response = fhir.post("", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 400
    assert "Bundle.entry[3]" in outcome_text(response)
    assert fhir.get("/Patient", params={"family": family}).json()["total"] == 0
    assert fhir.get(f"/Patient/{new_id}").status_code == 404
    assert fhir.get(f"/Patient/{existing['id']}").json() == existing

    stale = {
        **bundle,
        "entry": [
            {
                **bundle["entry"][2],
                "request": {"method": "PUT", "url": f"Patient/{existing['id']}", "ifMatch": 'W/"stale"'},
            }
        ],
    }
    assert fhir.post("", json=stale, headers=FHIR_JSON).status_code == 412


def test_batch_entries_succeed_or_fail_on_their_own(fhir: httpx.Client) -> None:
    family = marker()
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "batch",
        "entry": [
            {"resource": patient(family), "request": {"method": "POST", "url": "Patient"}},
            {"resource": patient(family, birthDate="never"), "request": {"method": "POST", "url": "Patient"}},
            {"request": {"method": "GET", "url": "Patient/does-not-exist"}},
        ],
    }
    response = fhir.post("", json=bundle, headers=FHIR_JSON)
    assert response.status_code == 200
    result = response.json()
    assert result["type"] == "batch-response"
    assert [e["response"]["status"] for e in result["entry"]] == ["201", "400", "404"]
    assert fhir.get("/Patient", params={"family": family}).json()["total"] == 1


def test_bad_bundles_are_refused(fhir: httpx.Client) -> None:
    for body in (
        patient("x"),
        {"resourceType": "Bundle", "type": "collection", "entry": [{}]},
        {"resourceType": "Bundle", "type": "transaction"},
    ):
        response = fhir.post("", json=body, headers=FHIR_JSON)
        assert response.status_code == 400, body
    pid = str(uuid.uuid4())
    twice = {"resource": patient("x", id=pid), "request": {"method": "PUT", "url": f"Patient/{pid}"}}
    response = fhir.post(
        "", json={"resourceType": "Bundle", "type": "transaction", "entry": [twice, twice]}, headers=FHIR_JSON
    )
    assert response.status_code == 400


def test_loads_synthetic_scale_data_fast(fhir: httpx.Client) -> None:
    """The data generator PUTs every resource in transactions of a few hundred entries."""
    entries = []
    for _ in range(125):
        pid = str(uuid.uuid4())
        entries.append(patient(marker(), id=pid, birthDate="1970-01-01", gender="male"))
        for _ in range(39):
            entries.append(
                {
                    "resourceType": "Observation",
                    "id": str(uuid.uuid4()),
                    "status": "final",
                    "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                    "subject": {"reference": f"Patient/{pid}"},
                    "effectiveDateTime": "2025-01-01T10:00:00Z",
                    "valueQuantity": {
                        "value": 72,
                        "unit": "/min",
                        "system": "http://unitsofmeasure.org",
                        "code": "/min",
                    },
                }
            )
    started = time.monotonic()
    for start in range(0, len(entries), 250):
        chunk = entries[start : start + 250]
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {"resource": r, "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}}
                for r in chunk
            ],
        }
        response = fhir.post("", json=bundle, headers=FHIR_JSON)
        assert response.status_code == 200, response.text[:500]
    rate = len(entries) / (time.monotonic() - started)
    # 500 patients x 40 resources must load in well under 30 s.
    assert rate > 20_000 / 30, f"{rate:.0f} resources/s"
