"""A local fake of Microsoft Graph for Teams meetings, started by a test: no network.

It answers the Microsoft identity platform's client-credentials token request
and Graph's onlineMeetings createOrGet, PATCH and DELETE, as the documentation
shapes them, over real HTTP on 127.0.0.1, so the app's own client (urllib) is
what is tested. `fail(route, ...)` makes the next calls of a route answer an
error status, or not answer in time.
"""

import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CLIENT_SECRET = "fake-client-secret"


@dataclass
class Failure:
    status: int  # 0: no answer until the client has given up
    times: int


@dataclass
class FakeGraph:
    meetings: dict[str, dict] = field(default_factory=dict)
    requests: list[tuple[str, str, dict]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    failures: dict[str, Failure] = field(default_factory=dict)
    hang_seconds: float = 2.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    base_url: str = ""
    login_url: str = ""

    def fail(self, route: str, *, status: int, times: int = 1) -> None:
        """The next `times` calls of `route` ("token", "create", "update", "delete")
        answer `status`; status 0 answers nothing until the client has timed out."""
        self.failures[route] = Failure(status, times)

    def calls(self, route: str) -> list[dict]:
        return [body for name, _path, body in self.requests if name == route]

    def live_meetings(self) -> list[dict]:
        return list(self.meetings.values())

    def _failure(self, route: str) -> Failure | None:
        with self.lock:
            failure = self.failures.get(route)
            if failure is None or failure.times <= 0:
                return None
            failure.times -= 1
            return failure


def _handler(fake: FakeGraph):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # quiet in the test output
            pass

        def _send(self, status: int, body: dict | None = None) -> None:
            raw = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if raw:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def _route(self, route: str, body: dict) -> bool:
            """Record the call; answer a planned failure. True when it was answered."""
            fake.requests.append((route, self.path, body))
            failure = fake._failure(route)
            if failure is None:
                return False
            if failure.status == 0:
                time.sleep(fake.hang_seconds)
                self._send(503, {"error": {"code": "late", "message": "Too late"}})
                return True
            if failure.status == 429:
                self.send_response(429)
                self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True
            self._send(
                failure.status,
                {"error": {"code": "Failed", "message": f"Planned failure {failure.status}"}},
            )
            return True

        def _authorised(self) -> bool:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if token not in fake.tokens:
                self._send(401, {"error": {"code": "InvalidAuthenticationToken"}})
                return False
            return True

        def _meeting_path(self) -> tuple[str, str] | None:
            """(organiser, meeting id or "" or "createOrGet") of /users/{o}/onlineMeetings/..."""
            path = urllib.parse.urlsplit(self.path).path
            parts = path.split("/")
            # /v1.0/users/{organiser}/onlineMeetings[/{id}]
            if len(parts) < 5 or parts[2] != "users" or parts[4] != "onlineMeetings":
                return None
            return urllib.parse.unquote(parts[3]), urllib.parse.unquote(
                parts[5] if len(parts) > 5 else ""
            )

        def do_POST(self):
            raw = self._body()
            if self.path.endswith("/oauth2/v2.0/token"):
                form = dict(urllib.parse.parse_qsl(raw.decode()))
                if self._route("token", form):
                    return
                if (
                    self.path != f"/{TENANT}/oauth2/v2.0/token"
                    or form.get("grant_type") != "client_credentials"
                    or form.get("client_id") != CLIENT_ID
                    or form.get("client_secret") != CLIENT_SECRET
                    or form.get("scope") != "https://graph.microsoft.com/.default"
                ):
                    self._send(401, {"error": "invalid_client"})
                    return
                token = uuid.uuid4().hex
                fake.tokens.append(token)
                self._send(200, {"token_type": "Bearer", "expires_in": 3599, "access_token": token})
                return
            body = json.loads(raw or b"{}")
            where = self._meeting_path()
            if where is None or where[1] != "createOrGet":
                self._send(404, {"error": {"code": "NotFound", "message": "No such path"}})
                return
            if self._route("create", body) or not self._authorised():
                return
            organiser = where[0]
            for meeting in fake.meetings.values():
                if meeting["externalId"] == body.get("externalId"):
                    self._send(200, meeting)
                    return
            meeting_id = f"MSo{uuid.uuid4().hex}"
            meeting = {
                "id": meeting_id,
                "externalId": body["externalId"],
                "subject": body.get("subject", ""),
                "startDateTime": body["startDateTime"].replace("Z", ".0000000Z"),
                "endDateTime": body["endDateTime"].replace("Z", ".0000000Z"),
                "joinWebUrl": f"https://teams.microsoft.com/l/meetup-join/{meeting_id}",
                "organiser": organiser,
            }
            fake.meetings[meeting_id] = meeting
            self._send(201, meeting)

        def do_PATCH(self):
            body = json.loads(self._body() or b"{}")
            where = self._meeting_path()
            if where is None or self._route("update", body) or not self._authorised():
                return
            meeting = fake.meetings.get(where[1])
            if meeting is None or meeting["organiser"] != where[0]:
                self._send(404, {"error": {"code": "NotFound", "message": "No such meeting"}})
                return
            meeting.update({key: body[key] for key in ("subject", "startDateTime", "endDateTime")})
            self._send(200, meeting)

        def do_DELETE(self):
            where = self._meeting_path()
            if where is None or self._route("delete", {"id": where[1]}) or not self._authorised():
                return
            if fake.meetings.pop(where[1], None) is None:
                self._send(404, {"error": {"code": "NotFound", "message": "No such meeting"}})
                return
            self._send(204)

    return Handler


class FakeGraphServer:
    """The fake on a free port, in a thread, for one test."""

    def __init__(self):
        self.fake = FakeGraph()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.fake))
        self.server.daemon_threads = True
        port = self.server.server_address[1]
        self.fake.base_url = f"http://127.0.0.1:{port}/v1.0"
        self.fake.login_url = f"http://127.0.0.1:{port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGraph:
        self.thread.start()
        return self.fake

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def connected_graph(settings, organisation):
    """For a fixture: the fake Graph, the server's app registration pointing at it, and
    the organisation's switch on (yields the fake)."""
    from kernel.graph import forget_token

    forget_token()
    with FakeGraphServer() as fake:
        settings.MS_GRAPH_TENANT_ID = TENANT
        settings.MS_GRAPH_CLIENT_ID = CLIENT_ID
        settings.MS_GRAPH_CLIENT_SECRET = CLIENT_SECRET
        settings.MS_GRAPH_BASE_URL = fake.base_url
        settings.MS_GRAPH_LOGIN_URL = fake.login_url
        settings.MS_GRAPH_TIMEOUT_SECONDS = 0.5
        organisation.teams_meetings = True
        organisation.save()
        yield fake
    forget_token()
