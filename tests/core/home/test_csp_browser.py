"""Pages work under the Content-Security-Policy: a real Chromium loads the public pages, a signed-in person's
pages and the Wagtail admin, and the browser reports no violation of the policy."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " at " + e.sourceFile);
});
"""


def visit(page, url: str, seen: dict[str, list[str]]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("networkidle")
    found = page.evaluate("window.__cspViolations || []")
    if found:
        seen[url] = found


def test_no_page_violates_the_content_security_policy(e2e, browser, demo_login):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(20_000)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console: list[str] = []
    page.on(
        "console",
        lambda message: console.append(message.text) if "Content Security Policy" in message.text else None,
    )
    seen: dict[str, list[str]] = {}
    base = e2e.url
    try:
        for path in ["/", "/courses/", "/contests/", "/branches/", "/accounts/login/", "/api/docs"]:
            visit(page, base + path, seen)
        course = page.goto(base + "/courses/") and page.locator("a[href^='/courses/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
            " .filter(h => h.split('/').length === 4 && !/\\/(search|my)\\/$/.test(h))"
        )
        assert course, "the catalogue lists no course"
        visit(page, base + course[0], seen)
        lesson = page.locator("a[href^='/courses/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href')).filter(h => h.split('/').length === 5)"
        )
        contests = page.goto(base + "/contests/") and page.locator("a[href^='/contests/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href')).filter(h => !h.endsWith('/contests/'))"
        )
        if contests:
            visit(page, base + contests[0], seen)

        demo_login(page, base, "demo_retailer")
        for path in ["/me/", "/courses/my/", "/certificates/mine/"]:
            visit(page, base + path, seen)
        if lesson:
            visit(page, base + lesson[0], seen)
        certificate = page.locator("a[href^='/certificates/']").evaluate_all(
            r"links => links.map(a => a.getAttribute('href')).filter(h => /^\/certificates\/[0-9a-f-]{36}\/$/.test(h))"
        )
        if certificate:
            visit(page, base + certificate[0], seen)
            visit(page, base + certificate[0] + "print/", seen)
        page.locator("form[action$='/logout/'] button").first.click()
        page.wait_for_load_state("networkidle")

        demo_login(page, base, "demo_editor")
        for path in ["/admin/", "/admin/pages/", "/admin/snippets/", "/admin/images/"]:
            visit(page, base + path, seen)
        edit = page.goto(base + "/admin/pages/") and page.locator("a[href*='/edit/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        if edit:
            visit(page, base + edit[0], seen)
    finally:
        context.close()
    assert seen == {}
    assert [text for text in console if re.search(r"violates the following Content Security Policy", text)] == []
