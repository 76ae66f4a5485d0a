# A stand-in for the `requests` package with only what the TokenLab example uses, on the Python
# standard library, so the example runs unchanged on a machine without third-party packages.
import json as _json
import urllib.error
import urllib.request


class Response:
    def __init__(self, status, body):
        self.status_code = status
        self._body = body

    def json(self):
        return _json.loads(self._body)


def _send(method, url, headers=None, json=None):
    data = None
    headers = dict(headers or {})
    if json is not None:
        data = _json.dumps(json).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=120) as res:
            return Response(res.status, res.read())
    except urllib.error.HTTPError as err:
        return Response(err.code, err.read())


def post(url, headers=None, json=None):
    return _send("POST", url, headers, json)


def get(url, headers=None):
    return _send("GET", url, headers)
