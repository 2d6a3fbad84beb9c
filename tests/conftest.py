"""Shared test set-up: one named fixture world, the integration/browser rules, and an end-to-end platform
(a fresh PostgreSQL database with the demo, served by daphne) for tests that need real processes.

Integration and browser tests skip with a reason when PostgreSQL, Redis or Chromium is absent, and fail
instead when CI=true.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
# platform/test.sh's second pass, on the embedded default (SQLite, in-memory layer): tests that need PostgreSQL or
# Redis are skipped there even in CI, because the first pass ran them.
EMBEDDED_PASS = os.environ.get("GP_EMBEDDED_PASS", "") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
E2E_SHOPS = os.environ.get("E2E_SHOPS", "200")


# --- what is available ------------------------------------------------------------------------------


def _redis_url() -> str:
    from django.conf import settings

    return settings.REDIS_URL


def _postgres_missing() -> str | None:
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://..."
    return None


def _redis_missing() -> str | None:
    url = _redis_url()
    if not url:
        return "needs Redis: set REDIS_URL=redis://..."
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"Redis at {url} does not answer: {exc}"
    return None


def _browser_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs Playwright for Python"
    return None


NGINX = os.environ.get("NGINX_PATH", "/usr/sbin/nginx")
RTMP_MODULE = os.environ.get("NGINX_RTMP_MODULE", "/usr/lib/nginx/modules/ngx_rtmp_module.so")


def _media_server_missing() -> str | None:
    """The livestream integration test runs nginx with the RTMP module and publishes with ffmpeg."""
    if not Path(NGINX).exists():
        return f"needs nginx at {NGINX} (apt-get install nginx)"
    if not Path(RTMP_MODULE).exists():
        return f"needs nginx's RTMP module at {RTMP_MODULE} (apt-get install libnginx-mod-rtmp)"
    if not shutil.which("ffmpeg") or not shutil.which("ffprobe"):
        return "needs ffmpeg and ffprobe (apt-get install ffmpeg)"
    return None


@pytest.fixture
def media_server_tools():
    """nginx, its RTMP module and ffmpeg: skipped with the reason when absent, a failure in CI (as Chromium is)."""
    reason = _media_server_missing()
    if reason:
        _unavailable(reason)
    return SimpleNamespace(
        nginx=NGINX, rtmp_module=RTMP_MODULE, ffmpeg=shutil.which("ffmpeg"), ffprobe=shutil.which("ffprobe")
    )


def _unavailable(reason: str) -> None:
    if IN_CI and not EMBEDDED_PASS:
        pytest.fail(f"CI requires this test to run, but it {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_collection_modifyitems(config, items):
    # Browser tests last: Playwright's sync API keeps an event loop running in the main thread, which the
    # asyncio tests after it could not start theirs in; and the cheap tests fail first.
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        reason = _postgres_missing()
        if reason:
            _unavailable(f"{reason} (PostgreSQL-only behaviour)")
    needs_real_services = item.get_closest_marker("integration") or item.get_closest_marker("browser")
    if needs_real_services:
        reason = _postgres_missing() or _redis_missing()
        if reason:
            _unavailable(reason)
    if item.get_closest_marker("browser"):
        reason = _browser_missing()
        if reason:
            _unavailable(reason)


# --- databases --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Give each pytest process its own test database, so parallel runs on one PostgreSQL server
    (developers, CI, benchmarks) never share one."""
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(suffix=f"p{os.getpid()}")


def _clear_cache() -> None:
    from django.conf import settings
    from django.core.cache import cache

    if settings.REDIS_URL:
        # cache.clear() would FLUSHDB a Redis that other runs share: delete only this run's keys.
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(f"*{settings.REDIS_KEY_PREFIX}:cache*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache, no failed sign-ins counted, and the scoring rules read afresh."""
    from core.people.throttle import sign_in_throttle_reset
    from realtime.rules_cache import rules_cache_forget

    _clear_cache()
    sign_in_throttle_reset()
    rules_cache_forget()
    yield


# --- the fixture world ------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """A small named world: one branch of the organisation tree, six people with their roles.

    li_retailer owns 西湖便利店 in 城西一网格; wang_member belongs to 城西市场部党支部; zhao_staff works
    in 城西市场部; chen_editor can use the Wagtail admin; sun_villager lives in 龙坞村; zhou_volunteer
    volunteers. Everyone's password is "pass12345".
    """
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, Permission

    from core.people.models import BranchMembership, OrgUnit, PartyBranch, Role, RoleAssignment, Shop, User, Village

    province = OrgUnit.add_root(name="浙江省", code="33", kind=OrgUnit.Kind.PROVINCE)
    city = province.add_child(name="杭州市", code="3301", kind=OrgUnit.Kind.CITY)
    county = city.add_child(name="西湖区", code="330106", kind=OrgUnit.Kind.COUNTY)
    department = county.add_child(name="城西市场部", code="330106-01", kind=OrgUnit.Kind.DEPARTMENT)
    grid = department.add_child(name="城西一网格", code="330106-01-01", kind=OrgUnit.Kind.GRID)
    other_department = county.add_child(name="城东市场部", code="330106-02", kind=OrgUnit.Kind.DEPARTMENT)
    other_grid = other_department.add_child(name="城东一网格", code="330106-02-01", kind=OrgUnit.Kind.GRID)
    village = Village.objects.create(name="龙坞村", code="330106001", county=county, township="转塘街道")

    password = make_password("pass12345")

    def person(username: str, name: str, roles: list[str], unit=None, **extra) -> User:
        user = User.objects.create(username=username, display_name=name, password=password, org_unit=unit, **extra)
        RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=role) for role in roles])
        return user

    retailer = person("li_retailer", "李春梅", [Role.RETAILER], grid)
    member = person("wang_member", "王建国", [Role.PARTY_MEMBER, Role.STAFF], department)
    staff = person("zhao_staff", "赵敏", [Role.STAFF], department)
    editor = person("chen_editor", "陈编辑", [Role.EDITOR, Role.STAFF], city, is_staff=True)
    villager = person("sun_villager", "孙大爷", [Role.VILLAGER], None, village=village)
    volunteer = person("zhou_volunteer", "周志愿", [Role.VOLUNTEER, Role.VILLAGER], None, village=village)

    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(editors)

    shop = Shop.objects.create(
        licence_number="330106100001", name="西湖便利店", tier=12, grid=grid, owner=retailer, village=village
    )
    branch = PartyBranch.objects.create(name="城西市场部党支部", code="B01", org_unit=department)
    BranchMembership.objects.create(branch=branch, user=member)

    return SimpleNamespace(
        province=province,
        city=city,
        county=county,
        department=department,
        grid=grid,
        other_department=other_department,
        other_grid=other_grid,
        village=village,
        retailer=retailer,
        member=member,
        staff=staff,
        editor=editor,
        villager=villager,
        volunteer=volunteer,
        shop=shop,
        branch=branch,
        password="pass12345",
    )


# --- the end-to-end platform ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answers(url: str, *, timeout: float = 60, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server at {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own loopback server
                if response.status < 500:
                    return
        except Exception as exc:  # noqa: BLE001 - keep polling until the deadline
            last_error = exc
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s: {last_error}")


class Platform:
    """The platform as users meet it: its own PostgreSQL database with the demo, daphne workers, Redis."""

    def __init__(self, database_url: str, redis_url: str, workdir: Path):
        self.workdir = workdir
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": f"e2e{os.getpid()}",
            "DJANGO_DEBUG": "true",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "MEDIA_ROOT": str(workdir / "media"),
            "VAR_DIR": str(workdir / "var"),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        self.workers: list[tuple[subprocess.Popen, str]] = []

    @property
    def url(self) -> str:
        return self.workers[0][1]

    def manage(self, *args: str, timeout: float = 600) -> str:
        result = subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start_worker(self) -> str:
        port = free_port()
        log = open(self.workdir / f"daphne-{port}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "core.asgi:application"],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        self.workers.append((process, url))
        wait_until_answers(url + "/", process=process)
        return url

    def stop(self) -> None:
        for process, _url in self.workers:
            process.terminate()
        for process, _url in self.workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def e2e(tmp_path_factory):
    """A running platform on a fresh PostgreSQL database with the demo seeded (`seed_demo --shops 200 --seed 7`)."""
    reason = _postgres_missing() or _redis_missing()
    if reason:
        _unavailable(reason)
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    name = f"gp_e2e_{os.getpid()}"
    admin_dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    if db.get("PASSWORD"):
        admin_dsn += f" password={db['PASSWORD']}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    database_url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    platform = Platform(database_url, _redis_url(), tmp_path_factory.mktemp("e2e"))
    try:
        platform.manage("migrate", "--no-input", "-v0")
        platform.manage("seed_demo", "--shops", E2E_SHOPS, "--seed", "7")
        # A pristine copy nobody connects to, for tests that need a platform of their own (a database in use by
        # the running workers cannot serve as a template).
        platform.template_database = f"{name}_seeded"
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{platform.template_database}"')
            conn.execute(f'CREATE DATABASE "{platform.template_database}" TEMPLATE "{name}"')
        platform.start_worker()
        yield platform
    finally:
        platform.stop()
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP DATABASE IF EXISTS "{name}_seeded" WITH (FORCE)')


# --- the browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    reason = _browser_missing()
    if reason:
        _unavailable(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield chromium
        chromium.close()


def _artifacts_dir() -> Path:
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


@pytest.fixture
def phone_context(browser, request):
    """A phone-sized browser context (390x844, touch, Chinese); screenshots of failures go to test-artifacts/."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.set_default_timeout(15_000)
    yield context
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for i, page in enumerate(context.pages):
            page.screenshot(path=str(_artifacts_dir() / f"{request.node.name}-{i}.png"), full_page=True)
    context.close()


@pytest.fixture
def phone_page(phone_context):
    return phone_context.new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def login(page, base_url: str, username: str, password: str) -> None:
    """Log in through the real form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form.form button[type=submit]")
    page.wait_for_load_state("networkidle")


@pytest.fixture
def demo_login():
    """`demo_login(page, base_url, "demo_retailer")` logs a demo person in through the login form."""

    def _login(page, base_url: str, username: str, password: str = "demo12345") -> None:
        login(page, base_url, username, password)

    return _login


def pytest_report_header(config):
    lines = [f"CI={IN_CI}", f"chromium={'yes' if shutil.which(CHROMIUM) or Path(CHROMIUM).exists() else 'no'}"]
    lines.append(f"DATABASE_URL={'set' if os.environ.get('DATABASE_URL') else 'unset (SQLite)'}")
    lines.append(f"REDIS_URL={'set' if os.environ.get('REDIS_URL') else 'unset'}")
    return lines


@pytest.fixture(autouse=True)
def _interface_language():
    """Every test starts in the site's language (Chinese): a test that switched to English must not leak it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def site_home(db):
    """The default site's home page. A transactional test before this one empties every table, and with them the
    root page and site the migrations made: then they are made again, as the migrations would."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page, Site

    from core.home.models import HomePage

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is not None:
        return site.root_page.specific
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=HomePage(title="先锋学苑", slug="home"))
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="先锋学苑")
    return home
