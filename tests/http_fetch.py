"""GET from a hub's HTTP address, for the python tests and the python the
C++ tests run (tests/e2e, tests/web): one request on its own connection,
never through a proxy, and every status answered rather than raised, so a
test checks a 400 or 429 as it checks a 200.

    status, headers, body = get("127.0.0.1:7342", "/v1/hub")
    status, headers, doc = get_json("127.0.0.1:7342", "/v1/hub")
    status, headers, body = get_url("http://127.0.0.1:7342/metrics")

`headers` is a dict with lower-case names; `body` bytes (get_json: the
parsed JSON, or None for an empty body).
"""
import http.client
import json
import urllib.parse


def get(addr, path, headers=None, timeout=10):
    """(status, headers dict in lower case, body bytes) of GET path."""
    conn = http.client.HTTPConnection(addr, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        conn.close()


def get_json(addr, path, headers=None, timeout=10):
    """As get, the body parsed as JSON (None when empty)."""
    status, h, body = get(addr, path, headers, timeout)
    return status, h, json.loads(body) if body else None


def get_url(url, headers=None, timeout=10):
    """As get, for an http:// URL."""
    u = urllib.parse.urlsplit(url)
    path = (u.path or "/") + ("?" + u.query if u.query else "")
    return get(u.netloc, path, headers, timeout)
