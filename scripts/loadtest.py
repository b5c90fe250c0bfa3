#!/usr/bin/env python3
"""Load test: N people at once, each signed in as a demo persona, clicking through the pages they use.

Standard library only, so it runs from any machine against any deployment:

    python scripts/loadtest.py --base-url http://127.0.0.1:8000 --users 50 --duration 60

Run it against the production settings (``DJANGO_DEBUG=0``, ``DJANGO_SECURE_PROXY_SSL_HEADER=1``): the
script plays the HTTPS proxy's part. Each virtual user signs in (its own session), finds its own claims and applications by following the
links on its list pages, then requests pages in a loop, pausing ``--think`` seconds on average between clicks (0, the default,
is a stress test: 50 requests in flight all the time). Prints requests per second, the median, p95 and p99 per page, and every error; exit 1 on
any error or non-200 answer.
"""

import argparse
import http.cookiejar
import random
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

# Who uses the system at once: mostly grassroots clerks, then district offices and the centre.
PERSONAS = (
    ["clerk_u001", "clerk_u002", "clerk_u003", "clerk_u004"] * 3
    + ["district_hc", "district_wd", "district_rc"] * 2
    + ["centre_handler", "centre_head"] * 2
)
PAGES = {
    "clerk": ["/", "/claims/", "/enrollment/applications/", "claim", "application", "member"],
    "district": ["/", "/claims/", "/claims/?status=submitted", "/enrollment/applications/", "claim", "application",
                 "/reports/statistics/"],
    "centre": ["/", "/claims/", "/claims/?status=district_approved", "/claims/?q=16-MED", "claim",
               "/enrollment/applications/", "application", "/enrollment/payments/", "/reports/statistics/",
               "/audit/"],
}  # fmt: skip
LINKS = {
    "claim": re.compile(r'href="(/claims/[0-9A-Z-]+/)"'),
    "application": re.compile(r'href="(/enrollment/applications/[0-9A-Z-]+/)"'),
    "member": re.compile(r'href="(/members/\d+/)"'),
}


class BehindProxyPolicy(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return True

    def set_ok(self, cookie, request):
        return True


class User:
    def __init__(self, base: str, username: str, password: str):
        if not base.startswith(("http://", "https://")):
            raise SystemExit("--base-url must be an http(s) address")
        self.base, self.username = base.rstrip("/"), username
        self.origin = "https://" + urllib.parse.urlsplit(self.base).netloc  # what the browser's Referer says
        self.kind = "clerk" if username.startswith("clerk") else "district" if username.startswith("district") \
            else "centre"  # fmt: skip
        # Played as the reverse proxy in front of gunicorn would: HTTPS already terminated, so the
        # secure session cookie travels and the request says X-Forwarded-Proto: https.
        jar = http.cookiejar.CookieJar(policy=BehindProxyPolicy())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.opener.addheaders = [("X-Forwarded-Proto", "https"), ("User-Agent", "mutualaid-loadtest")]
        self.links: dict[str, list[str]] = defaultdict(list)
        self.password = password

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def login(self) -> None:
        _, page = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"username": self.username, "password": self.password,
                                       "csrfmiddlewaretoken": token}).encode()  # fmt: skip
        request = urllib.request.Request(self.base + "/accounts/login/", data=data,  # noqa: S310 - http(s), checked above
                                         headers={"Referer": self.origin + "/accounts/login/"})  # fmt: skip
        with self.opener.open(request, timeout=60) as response:
            if "/accounts/login/" in response.url:
                raise SystemExit(f"{self.username}: sign-in refused (run seed_demo; password?)")
        for path in ("/claims/", "/enrollment/applications/"):
            _, page = self.get(path)
            for name, pattern in LINKS.items():
                self.links[name] += pattern.findall(page)[:20]
        if self.links["application"]:
            _, page = self.get(self.links["application"][0])
            self.links["member"] += LINKS["member"].findall(page)[:20]

    def paths(self):
        index = 0
        pages = PAGES[self.kind]
        while True:
            page = pages[index % len(pages)]
            index += 1
            if page in LINKS:
                if not self.links[page]:
                    continue
                yield page, self.links[page][index % len(self.links[page])]
            else:
                yield page, page


def run(base: str, users: int, duration: float, password: str, think: float) -> int:
    people = [User(base, PERSONAS[i % len(PERSONAS)], password) for i in range(users)]
    print(f"signing in {users} users …", flush=True)
    for person in people:
        person.login()
    print(f"signed in; {duration:g} s of load …", flush=True)
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    start_gate = threading.Barrier(users + 1)

    def work(person: User):
        start_gate.wait()
        if think:
            time.sleep(random.uniform(0, 2 * think))  # people do not all click in the same instant
        for label, path in person.paths():
            if time.monotonic() >= stop_at:
                return
            began = time.perf_counter()
            try:
                status, _ = person.get(path)
            except Exception as exc:  # a refused or reset connection is an error to report, not a crash
                status, _ = 0, str(exc)
            elapsed = time.perf_counter() - began
            if think:
                time.sleep(random.uniform(0, 2 * think))  # reading the page before the next click
            with lock:
                timings[f"{person.kind:8} {label}"].append(elapsed)
                if status != 200:
                    errors.append(f"{status} {person.username} {path}")

    threads = [threading.Thread(target=work, args=(p,), daemon=True) for p in people]
    for thread in threads:
        thread.start()
    start_gate.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    every = [t for values in timings.values() for t in values]
    print(f"\n{users} users, think time {think:g} s, {wall:.0f} s: {len(every)} requests, {len(every) / wall:.1f} requests/s, "
          f"errors {len(errors)}")  # fmt: skip
    print(f"all pages: median {percentile(every, 50):.0f} ms, p95 {percentile(every, 95):.0f} ms, "
          f"p99 {percentile(every, 99):.0f} ms\n")  # fmt: skip
    print(f"{'who   page':40} {'n':>6} {'median':>8} {'p95':>8} {'p99':>8}")
    for label in sorted(timings):
        values = timings[label]
        print(f"{label:40} {len(values):6} {percentile(values, 50):8.0f} {percentile(values, 95):8.0f} "
              f"{percentile(values, 99):8.0f}")  # fmt: skip
    for line in errors[:20]:
        print("error:", line)
    return 1 if errors else 0


def percentile(values: list[float], p: int) -> float:
    """Milliseconds at the p-th percentile."""
    if len(values) < 2:
        return (values[0] if values else 0) * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1] * 1000 if p < 100 else max(values) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load after sign-in")
    parser.add_argument("--password", default="mutualaid-demo")
    parser.add_argument(
        "--think",
        type=float,
        default=0,
        help="mean seconds a person reads a page before the next click (0: click at once, a stress test)",
    )
    args = parser.parse_args()
    return run(args.base_url, args.users, args.duration, args.password, args.think)


if __name__ == "__main__":
    sys.exit(main())
