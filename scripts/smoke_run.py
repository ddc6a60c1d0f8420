"""Check that `make run` serves a working app: the demo billing user signs in,
sees the worklist and a demo request, and opens the new-request form for a patient.

    python scripts/smoke_run.py http://127.0.0.1:8000
Exits non-zero with a message on the first thing that does not work.
"""

from __future__ import annotations

import http.cookiejar
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def main(base: str) -> int:
    deadline = time.monotonic() + 600
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health/", timeout=5) as response:
                if response.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            print("smoke: the server did not answer /health/ within 10 minutes")
            return 1
        time.sleep(2)

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not token:
        print("smoke: no CSRF token on the login page")
        return 1
    form = urllib.parse.urlencode(
        {
            "username": "billing",
            "password": "demo-billing-pass",
            "csrfmiddlewaretoken": token.group(1),
        }
    ).encode()
    request = urllib.request.Request(
        f"{base}/accounts/login/",
        data=form,
        headers={"Referer": f"{base}/accounts/login/"},
    )
    worklist = opener.open(request).read().decode()
    checks = [
        ("worklist after login", "Worklist" in worklist),
        ("a demo patient on the worklist", "Placeholder" in worklist),
    ]
    detail = opener.open(f"{base}/requests/2/").read().decode()
    checks.append(
        ("the headline DVT-001 finding on demo request 2", "DVT-001" in detail)
    )
    picker = opener.open(f"{base}/requests/new/").read().decode()
    checks.append(("the new-request patient picker", 'id="patient-search"' in picker))
    create = opener.open(f"{base}/requests/new/?patient=1").read().decode()
    checks.append(("the new-request form for demo patient 1", 'name="procedure_type"' in create))
    failed = [name for name, ok in checks if not ok]
    for name, ok in checks:
        print(f"smoke: {'ok  ' if ok else 'FAIL'} {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"))
