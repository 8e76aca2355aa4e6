"""A small HTTP client for the served portal: cookies kept by hand (the production cookie
is marked Secure, which cookie jars refuse to send over plain http), CSRF tokens read from
forms, and real log-ins (password, then the two-step code for staff). `headers` go with every
request: the production run test (tests/test_production_run.py) sends a reverse proxy's."""

from __future__ import annotations

import http.client
import re
import time
import urllib.parse

import pyotp

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    def __init__(self, port: int, headers: dict | None = None):
        self.port = port
        self.headers = dict(headers or {})
        self.cookies: dict[str, str] = {}
        self.set_cookies: dict[str, str] = {}  # name -> the last Set-Cookie line, attributes too

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, form: dict | None = None,
                headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        sent = {"Cookie": self.cookie_header(), **self.headers, **(headers or {})}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body, sent)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        for raw in resp.headers.get_all("Set-Cookie") or []:
            name, _, rest = raw.partition("=")
            self.set_cookies[name.strip()] = raw
            value = rest.split(";", 1)[0]
            expired = "max-age=0" in raw.lower() or "1970" in raw
            if expired or not value:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return resp.status, resp.headers, data

    def csrf(self, path: str) -> str:
        status, _h, body = self.request("GET", path)
        found = CSRF.search(body.decode())
        if status != 200 or not found:
            raise RuntimeError(f"no form at {path} (HTTP {status})")
        return found.group(1)

    def login(self, username: str, password: str, totp_secret: str | None = None) -> None:
        token = self.csrf("/auth/login")
        status, headers, _b = self.request("POST", "/auth/login", {
            "username": username, "password": password, "next": "", "csrf_token": token})
        if status != 302:
            raise RuntimeError(f"log-in of {username} refused (HTTP {status})")
        if "/auth/2fa" in headers.get("Location", ""):
            self._second_factor(username, totp_secret)

    def _second_factor(self, username: str, secret: str | None) -> None:
        if not secret:
            raise RuntimeError(f"{username} needs a two-step code")
        for _attempt in range(3):  # a code is accepted once: wait for the next one
            token = self.csrf("/auth/2fa")
            status, headers, _b = self.request("POST", "/auth/2fa", {
                "code": pyotp.TOTP(secret).now(), "csrf_token": token})
            if status == 302 and "/auth/2fa" not in headers.get("Location", "") \
                    and "/auth/login" not in headers.get("Location", ""):
                return
            time.sleep(31 - time.time() % 30)
        raise RuntimeError(f"two-step code of {username} refused")
