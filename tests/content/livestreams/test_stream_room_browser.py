"""Two viewers in one live stream on phones, and its host: a chat message from one appears on the other, the host
pins a product and both see it, the host asks a quiz question, it appears on both, one answers, and the stream's
top 10 shows them. Served by daphne on this test's own database (with Redis), driven by Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from content.livestreams import services

ROOT = Path(__file__).resolve().parents[3]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served(transactional_db, stream_world, tmp_path):
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    database_url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "REDIS_KEY_PREFIX": settings.REDIS_KEY_PREFIX,
        "DJANGO_DEBUG": "true",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
    }
    log = open(tmp_path / "daphne.log", "w")  # noqa: SIM115 - closed below
    daphne = subprocess.Popen(  # noqa: S603 - our own server
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "core.asgi:application"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(url + "/accounts/login/", timeout=5).close()  # noqa: S310 - loopback
                break
            except OSError:
                if time.monotonic() > deadline or daphne.poll() is not None:
                    raise
                time.sleep(0.3)
        yield url
    finally:
        daphne.terminate()
        daphne.wait(timeout=10)
        log.close()


def _phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(20_000)
    return context


def test_two_viewers_chat_see_the_pinned_product_and_answer_the_quiz(served, stream_world, browser, demo_login):
    w = stream_world
    services.stream_go_live(user=w.staff, stream=w.stream, now=w.start)
    url = served + w.stream.url
    contexts = [_phone(browser) for _ in range(3)]
    try:
        first, second, host = (context.new_page() for context in contexts)
        for page, person in ((first, w.retailer), (second, w.member), (host, w.staff)):
            demo_login(page, served, person.username, w.password)
        for page in (first, second):
            page.goto(url)
            page.wait_for_selector("[data-testid=stream][data-status=live]")
        # The room is open on both once its first snapshot has arrived (the viewer count is filled in).
        for page in (first, second):
            page.wait_for_function("document.querySelector('[data-testid=viewers]').textContent !== ''")

        first.fill("[data-testid=chat-input]", "请问龙井茶怎么卖?")
        first.click("[data-testid=chat-send]")
        second.wait_for_selector("[data-testid=chat-message]:has-text('请问龙井茶怎么卖?')")
        assert "李春梅" in second.inner_text("[data-testid=chat-list]")

        tea = w.products[0]
        host.goto(url + "host/")
        host.click(f"[data-testid=pin-{tea.pk}]")
        for page in (first, second):
            page.wait_for_selector("[data-testid=pinned]:has-text('龙井茶')")
            assert "¥88.00" in page.inner_text("[data-testid=pinned]")

        host.click(f"[data-testid=ask-{w.question.pk}]")
        for page in (first, second):
            page.wait_for_selector("[data-testid=quiz]:has-text('龙井茶产自哪里?')")
        second.click("[data-testid=quiz] button[data-choice='0']")
        second.wait_for_selector("[data-testid=quiz-result]:has-text('+')")
        for page in (first, second):
            page.wait_for_selector("[data-testid=top-row]:has-text('王建国')")
        assert first.locator("[data-testid=top-row]").count() == 1
    finally:
        for context in contexts:
            context.close()
