"""Static files (app/static_assets.py): the pages link CSS and JS under ?v=<content hash> URLs that
the browser keeps for a year; text goes gzipped; /favicon.ico and /manifest.webmanifest with PNG
icons 192 and 512 px put the portal on a phone's home screen (linked from family and staff pages)."""
import gzip
import json
import re
import struct

from tests.helpers.web import staff_login

IMMUTABLE = "public, max-age=31536000, immutable"


def assets(html):
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def test_pages_link_versioned_static_files_cached_for_a_year(sqlite_app, login_parent):
    parent = sqlite_app.test_client()
    login_parent(parent)
    clerk = staff_login(sqlite_app.test_client(), "clerk239", "clerk12345")
    for client, path in ((parent, "/my/applications"), (clerk, "/applications/list/")):
        html = client.get(path).get_data(as_text=True)
        links = assets(html)
        assert links, path
        for link in links:
            assert re.search(r"[?&]v=[0-9a-f]{12}$", link.replace("&amp;", "&")), (path, link)
            answer = client.get(link.replace("&amp;", "&"))
            assert answer.status_code == 200, link
            assert answer.headers["Cache-Control"] == IMMUTABLE, (link, answer.headers.get("Cache-Control"))
        assert 'rel="manifest" href="/manifest.webmanifest"' in html, path
        assert 'rel="icon"' in html, path
    # an unversioned URL is not promised forever
    assert sqlite_app.test_client().get("/static/actions.js").headers.get("Cache-Control") != IMMUTABLE


def test_text_goes_gzipped_to_a_browser_that_accepts_it(sqlite_app):
    client = sqlite_app.test_client()
    plain = client.get("/static/appbuilder/css/bootstrap.min.css")
    packed = client.get("/static/appbuilder/css/bootstrap.min.css", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < len(plain.data) / 3
    assert gzip.decompress(packed.data) == plain.data
    page = client.get("/welcome", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert "Электронный дневник" in gzip.decompress(page.data).decode()
    assert client.get("/welcome").headers.get("Content-Encoding") is None


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_favicon_and_web_app_manifest(sqlite_app):
    client = sqlite_app.test_client()
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype in ("image/x-icon", "image/vnd.microsoft.icon")
    assert icon.data[:4] == b"\0\0\1\0"  # an ICO file
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200 and answer.mimetype == "application/manifest+json"
    manifest = json.loads(answer.data)
    assert manifest["lang"] == "ru" and manifest["short_name"] == "Электронный дневник"
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        width, height = png_size(image.data)
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add(width)
    assert {192, 512} <= sizes
