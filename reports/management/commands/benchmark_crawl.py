"""Crawl every page the staff reach and time it, against the current database.

    DJANGO_DEBUG=1 .venv/bin/python manage.py benchmark_crawl [--users clerk_u001,prefecture_px]

As each persona (a clerk, a district office, a prefecture office, the centre's handler and head) it
starts at the home page and follows every same-site link it is shown, breadth first, with the rules
of the suite's crawl (tests/test_crawl.py): no sign-out, no admin, no static or media files, only the
first few pages of a paged list. Links are grouped by their URL pattern (the route, and the names of
the query's parameters): at most ``--per-pattern`` addresses of each are opened, so a list of 5
million members costs three detail pages, not 5 million. Each HTML page is opened once to find its
links, then timed ``--repeat`` times; its median is what the verdict reads. Downloads (PDF, xlsx:
any answer that is not text/html) are timed once, on the first opening, and listed apart: they are
files a person waits for, not pages, and typesetting a PDF is not held to 300 ms. A roster PDF
grows with its unit (334 members: 3.5 s), so ``--skip-downloads`` leaves out the links whose address
names a file (.pdf, .xlsx, an export) when only the pages are wanted.

Everything runs in one transaction rolled back at the end: the prefecture office (the Weihai demo
has none; like the tests' ``make_prefecture``, one over 文登区 and 荣成市), the sessions, and what a
GET writes by design (a download's audit row) all go, and the database is left as it was. A GET
that writes anything is listed, with the tables it wrote to. It is a benchmark, not a test: it
exits 0 whatever it finds.
"""

import statistics
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urldefrag, urljoin, urlsplit

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from enrollment.models import District, Member, Prefecture
from mutualaid.models import StaffProfile
from mutualaid.roles import Role

PERSONAS = ("clerk_u001", "district_hc", "prefecture_px", "centre_handler", "centre_head")
# The persona the command makes when it is asked for (and absent): an office over two districts.
PREFECTURE_USER, PREFECTURE_CODE, PREFECTURE_DISTRICTS = "prefecture_px", "PX", ("WD", "RC")
TARGET_MS = 300

# The suite's crawl rules (tests/test_crawl.py), copied: the command does not import the tests.
SKIP_PREFIXES = ("/admin/", "/accounts/logout", "/static/", "/media/")
PAGES_PER_LIST = 3  # paging multiplies pages without new records: the first few of each list
HOSTS = ("", "testserver", "localhost")
# With --skip-downloads, the addresses that name a file (a PDF, a sheet, an export): known by their
# shape, before opening them. One that is not (a claim's document) is still opened and listed apart.
FILE_SUFFIXES = (".pdf", ".xlsx", ".csv", "/export/")
FILE_PARAMETERS = {"format", "download"}

# Rows the current transaction wrote, per table: compared before and after a GET, it says whether
# the GET wrote anything (a download's audit row) without a count over any large table.
WRITTEN_SQL = (
    "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
    "WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
)


class Rollback(Exception):
    pass


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def links_on(url: str, html: str) -> list[str]:
    """The same-site paths (with their query) that ``html``, served at ``url``, links to."""
    parser = _Links()
    parser.feed(html)
    found = []
    for href in parser.links:
        target = urlsplit(urldefrag(urljoin(url, href)).url)
        if target.scheme not in ("", "http", "https") or target.netloc not in HOSTS:
            continue
        path = target.path + (f"?{target.query}" if target.query else "")
        if not path.startswith(SKIP_PREFIXES):
            found.append(path)
    return found


def names_a_file(url: str) -> bool:
    parts = urlsplit(url)
    names = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
    return parts.path.endswith(FILE_SUFFIXES) or bool(names & FILE_PARAMETERS)


def pattern_of(url: str) -> str:
    """``claims/<str:reference>/`` for /claims/16-MED-U001-C1/; ``claims/?status`` for /claims/?status=x."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
        route = match.route or match.view_name
    except Resolver404:
        route = f"(unresolved) {parts.path}"
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return route + (f"?{','.join(names)}" if names else "")


@dataclass
class Page:
    url: str
    pattern: str
    status: int = 0
    content_type: str = ""
    times: list[float] = field(default_factory=list)
    queries: int = 0
    wrote: dict[str, int] = field(default_factory=dict)

    @property
    def html(self) -> bool:
        return self.status == 200 and "text/html" in self.content_type

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def _written() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(WRITTEN_SQL)
        return dict(cursor.fetchall())


def fetch(client: Client, page: Page) -> bytes:
    """One timed GET of ``page``, the body read to its end (a streamed file included)."""
    reset_queries()
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        response = client.get(page.url)
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        page.times.append((time.perf_counter() - start) * 1000)
    page.queries = max(page.queries, len(ctx.captured_queries))
    page.status, page.content_type = response.status_code, response.get("Content-Type", "")
    return body


def crawl(client: Client, *, per_pattern: int, max_pages: int, skip_files: bool = False) -> list[Page]:
    """Breadth first from the home page: every page opened once, in the order a person would find it."""
    pages: list[Page] = []
    queue = deque([Page("/", pattern_of("/"))])
    queued, per = {"/"}, defaultdict(int)
    per[queue[0].pattern] = 1
    while queue and len(pages) < max_pages:
        page = queue.popleft()
        before = _written()
        body = fetch(client, page)
        after = _written()
        page.wrote = {table: n - before.get(table, 0) for table, n in after.items() if n != before.get(table, 0)}
        pages.append(page)
        if not page.html:
            continue
        for url in links_on(page.url, body.decode("utf-8", "replace")):
            if url in queued or (skip_files and names_a_file(url)):
                continue
            path = url.split("?")[0]
            if "page=" in url and sum(1 for seen in queued if seen.split("?")[0] == path) > PAGES_PER_LIST:
                continue
            pattern = pattern_of(url)
            if per[pattern] >= per_pattern:
                continue
            per[pattern] += 1
            queued.add(url)
            queue.append(Page(url, pattern))
    return pages


def make_prefecture(username: str = PREFECTURE_USER) -> User:
    """An office 测试市州 over 文登区 and 荣成市 (环翠区 and 乳山市 stay outside) and its officer: the
    Weihai demo has none (the tests make the same one, ``tests.helpers``)."""
    prefecture, _ = Prefecture.objects.get_or_create(code=PREFECTURE_CODE, defaults={"name": "测试市州"})
    District.objects.filter(code__in=PREFECTURE_DISTRICTS).update(prefecture=prefecture)
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": "市州查看员"})
    if created:
        user.groups.add(Group.objects.get_or_create(name=Role.PREFECTURE.group_name)[0])
        StaffProfile.objects.create(user=user, prefecture=prefecture)
    return user


class Command(BaseCommand):
    help = "以各类工作人员身份爬取可达的全部页面并计时（每个页面的中位数应低于 300 ms；在回滚的事务中进行，不留数据）。"

    def add_arguments(self, parser):
        parser.add_argument("--users", default=",".join(PERSONAS),
                            help=f"逗号分隔的用户名（默认 {','.join(PERSONAS)}；{PREFECTURE_USER} 不存在时临时创建）")  # fmt: skip
        parser.add_argument("--per-pattern", type=int, default=3, help="每个 URL 模式最多打开几个不同地址")
        parser.add_argument("--repeat", type=int, default=3, help="每个页面计时几次（另有一次不计时的发现访问）")
        parser.add_argument("--max-pages", type=int, default=400, help="每个身份最多打开的页面数")
        parser.add_argument("--skip-downloads", action="store_true",
                            help="不打开地址即可认出的文件（.pdf、.xlsx、导出）：大单位的人员名册 PDF 可能要排版几十秒")  # fmt: skip

    def handle(self, *args, users, per_pattern, repeat, max_pages, skip_downloads=False, **options):
        usernames = [name.strip() for name in users.split(",") if name.strip()]
        if min(per_pattern, repeat, max_pages) < 1:
            raise CommandError("--per-pattern、--repeat 和 --max-pages 都至少为 1。")
        self.stdout.write(f"volume: {Member.objects.count():,} members")
        results: dict[str, list[Page]] = {}
        try:
            with transaction.atomic():
                if PREFECTURE_USER in usernames and not User.objects.filter(username=PREFECTURE_USER).exists():
                    make_prefecture()
                missing = set(usernames) - set(
                    User.objects.filter(username__in=usernames).values_list("username", flat=True)
                )
                if missing:
                    raise CommandError(
                        f"没有这些用户：{'、'.join(sorted(missing))}（请先运行 `manage.py seed_demo`）。"
                    )
                for username in usernames:
                    client = Client(HTTP_HOST="localhost", raise_request_exception=False)
                    client.force_login(User.objects.get(username=username))
                    pages = crawl(client, per_pattern=per_pattern, max_pages=max_pages, skip_files=skip_downloads)
                    for page in pages:
                        if page.html:
                            page.times.clear()  # the first opening found the links; the timed ones follow
                            for _ in range(repeat):
                                fetch(client, page)
                    results[username] = pages
                    self.report(username, pages, max_pages)
                raise Rollback
        except Rollback:
            pass
        self.summary(results)
        self.stdout.write("(rolled back: the database is as it was.)")

    def report(self, username: str, pages: list[Page], max_pages: int) -> None:
        html = [page for page in pages if page.html]
        downloads = [page for page in pages if page.status == 200 and not page.html]
        refused = len(pages) - len(html) - len(downloads)
        self.stdout.write(f"\n== {username}: {len(html)} pages, {len(downloads)} downloads, {refused} non-200")
        self.stdout.write(f"{'pattern':<56} {'urls':>4} {'median ms':>10} {'max ms':>8} {'queries':>8}")
        for pattern, group in _by_pattern(html).items():
            # The pattern's figure is its slowest address's median: the verdict is per address.
            worst = max(page.median for page in group)
            most = max(max(page.times) for page in group)
            queries = max(page.queries for page in group)
            self.stdout.write(f"{pattern:<56} {len(group):>4} {worst:>10.1f} {most:>8.1f} {queries:>8}")
        if downloads:
            self.stdout.write("downloads (not text/html: timed once, not in the verdict):")
            for pattern, group in _by_pattern(downloads).items():
                times = [page.times[0] for page in group]
                kind = group[0].content_type.split(";")[0].replace("application/vnd.openxmlformats-officedocument.", "")
                self.stdout.write(f"  {pattern:<54} {len(group):>4} {statistics.median(times):>10.1f} "
                                  f"{max(times):>8.1f} {max(p.queries for p in group):>8}  {kind}")  # fmt: skip
        if len(pages) >= max_pages:
            self.stdout.write(f"(stopped at --max-pages {max_pages}: links were left unvisited)")

    def summary(self, results: dict[str, list[Page]]) -> None:
        self.stdout.write("\n== all personas")
        errors = [(who, page) for who, pages in results.items() for page in pages if page.status != 200]
        self.stdout.write(f"non-200 answers: {len(errors) or 'none'}")
        for who, page in errors:
            self.stdout.write(f"  {who:<16} {page.status} {page.url}")
        # What a GET wrote, by pattern: a download's audit row is by design; a page's would be a finding.
        writes: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for who, pages in results.items():
            for page in pages:
                if page.wrote:
                    kind = "page" if page.html else "download"
                    writes[(page.pattern, kind, ", ".join(sorted(page.wrote)))].add(who)
        self.stdout.write(
            f"GETs that wrote to the database (rolled back): {f'{len(writes)} pattern(s)' if writes else 'none'}"
        )
        for (pattern, kind, tables), personas in writes.items():
            self.stdout.write(f"  {kind:<8} {pattern:<54} {tables}  ({', '.join(sorted(personas))})")
        timed = sorted(((page.median, who, page) for who, pages in results.items() for page in pages if page.html),
                       key=lambda row: row[0], reverse=True)  # fmt: skip
        self.stdout.write("worst medians:")
        self.stdout.write(f"  {'median ms':>9} {'queries':>7}  {'persona':<16} url")
        for median, who, page in timed[:10]:
            self.stdout.write(f"  {median:>9.1f} {page.queries:>7}  {who:<16} {page.url}")
        verdict = "yes" if timed and all(median < TARGET_MS for median, _, _ in timed) else "no"
        self.stdout.write(f"every median under {TARGET_MS} ms: {verdict}")


def _by_pattern(pages: list[Page]) -> dict[str, list[Page]]:
    grouped: dict[str, list[Page]] = defaultdict(list)
    for page in pages:
        grouped[page.pattern].append(page)
    return grouped
