"""Schemathesis hooks for `npm run fuzz:api` (loaded through SCHEMATHESIS_HOOKS).

Operations that need a Bearer token get a real one: the provider signs up one account of its own at the
first such request and keeps its access token (15 minutes; the run is shorter). A request that already
carries an Authorization header keeps it: the stateful phase's links put there the token of the account a
signup or login of the run created.
"""

import json
import os
import urllib.request
import uuid

import schemathesis

BASE = os.environ["SELFTRACKER_FUZZ_URL"]
PASSWORD = "fuzz-" + uuid.uuid4().hex


def _signup() -> str:
    body = json.dumps({"email": f"fuzz-{uuid.uuid4().hex}@example.com", "password": PASSWORD}).encode()
    request = urllib.request.Request(
        BASE + "/v1/auth/signup",
        data=body,
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["access_token"]


@schemathesis.auth(refresh_interval=600).apply_to(path_regex=r"^/v1/(sync/|account$|auth/password$)")
class SelfTrackerBearer:
    def get(self, case, context):
        return _signup()

    def set(self, case, data, context):
        headers = dict(case.headers or {})
        if not any(name.lower() == "authorization" for name in headers):
            headers["Authorization"] = f"Bearer {data}"
        case.headers = headers
