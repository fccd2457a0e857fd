"""The console page itself: served to anyone (the API does the auth), CSP-friendly, no inline code."""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

from console.views import CONTENT_SECURITY_POLICY

STATIC = Path(__file__).resolve().parent.parent / "static" / "console"


def test_console_page_is_served_with_a_strict_content_security_policy(client):
    response = client.get("/console/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    html = response.content.decode()
    assert '<script type="module" src="/static/console/js/app.js"></script>' in html
    assert '<link rel="stylesheet" href="/static/console/console.css">' in html


def test_console_without_a_slash_redirects(client):
    response = client.get("/console")
    assert response.status_code == 301 and response["Location"] == "/console/"


def test_console_answers_head_but_not_post(client):
    assert client.head("/console/").status_code == 200
    assert client.post("/console/").status_code == 405


def test_page_has_no_inline_scripts_styles_or_handlers(client):
    html = client.get("/console/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html and " style=" not in html
    assert re.findall(r"\son[a-z]+\s*=", html) == []


@pytest.mark.parametrize("path", ["console/console.css", "console/icon.svg", "console/js/app.js"])
def test_static_files_are_found(path):
    assert finders.find(path)


def test_scripts_never_parse_strings_as_html():
    """Data reaches the DOM as text nodes only (dom.js); nothing writes HTML from strings."""
    scripts = sorted(STATIC.rglob("*.js"))
    assert len(scripts) >= 8
    for script in scripts:
        source = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in source, f"{script.name} uses {sink}"


def test_scripts_only_import_files_that_exist():
    for script in STATIC.rglob("*.js"):
        for target in re.findall(r'from "(\.[^"]+)"', script.read_text()):
            assert (script.parent / target).resolve().is_file(), f"{script.name} imports missing {target}"
