"""mitmproxy addon for the tests: answers what the machine cannot reach, and reaches nothing else.

A test starts mitmdump with this addon (tests/mcpserver/proxy.ts) and points a program at it with
HTTPS_PROXY and the proxy's CA. Every request is decided here, before mitmproxy would connect
anywhere (the proxy runs with connection_strategy=lazy):

- Zscaler's token endpoint, https://<vanity>.zslogin<cloud>.net/oauth2/v1/token: answered like
  ZIdentity's client-credentials grant. A client id and secret listed in INTERCEPT_ACCEPT (a JSON
  list of "id:secret") get a bearer token; any other pair gets 401 invalid_client.
- Hosts matched by INTERCEPT_ROUTES (a JSON object: host regular expression -> http://127.0.0.1:port)
  are forwarded there, with their Host header kept, so a program can call a public name
  (an ECS service endpoint, say) and reach a server on this machine.
- Anything else gets 502 and is never sent on.

Each request is written as one JSON line to INTERCEPT_LOG: host, path, what was done, and for the
token endpoint the client id and whether it was accepted (never the secret).
"""

import json
import os
import re
import time
import urllib.parse

from mitmproxy import http

TOKEN_HOST = re.compile(r"^[a-z0-9-]+\.zslogin([a-z0-9]*)\.net$")
ACCEPTED = set(json.loads(os.environ.get("INTERCEPT_ACCEPT", "[]")))
ROUTES = [(re.compile(pattern), target) for pattern, target in json.loads(os.environ.get("INTERCEPT_ROUTES", "{}")).items()]
LOG = os.environ.get("INTERCEPT_LOG")


def record(entry: dict) -> None:
    if LOG:
        with open(LOG, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")


def json_response(status: int, body: dict) -> http.Response:
    return http.Response.make(status, json.dumps(body).encode(), {"Content-Type": "application/json"})


def token_response(flow: http.HTTPFlow) -> http.Response:
    form = urllib.parse.parse_qs(flow.request.get_text() or "")
    client_id = (form.get("client_id") or [""])[0]
    secret = (form.get("client_secret") or [""])[0]
    ok = flow.request.method == "POST" and f"{client_id}:{secret}" in ACCEPTED
    record({"host": flow.request.pretty_host, "path": flow.request.path, "action": "token", "clientId": client_id, "accepted": ok})
    if not ok:
        return json_response(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
    # An opaque token: the server only checks that one was issued (its entitlement filter skips a
    # token it cannot decode and keeps every tool).
    return json_response(200, {"access_token": f"test-token-{int(time.time())}", "token_type": "Bearer", "expires_in": 3600})


class Intercept:
    def request(self, flow: http.HTTPFlow) -> None:
        host = flow.request.pretty_host
        if TOKEN_HOST.match(host) and flow.request.path.split("?")[0] == "/oauth2/v1/token":
            flow.response = token_response(flow)
            return
        for pattern, target in ROUTES:
            if pattern.search(host):
                original_host = flow.request.host_header
                parsed = urllib.parse.urlsplit(target)
                flow.request.scheme = parsed.scheme
                flow.request.host = parsed.hostname
                flow.request.port = parsed.port
                flow.request.host_header = original_host
                record({"host": host, "path": flow.request.path, "action": "routed", "to": target})
                return
        record({"host": host, "path": flow.request.path, "action": "refused"})
        flow.response = json_response(502, {"message": f"{host} is not reachable from the tests"})


addons = [Intercept()]
