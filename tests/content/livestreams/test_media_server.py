"""The real media server: nginx with the RTMP module, configured from platform/nginx-rtmp.conf and the `/hls/`
location of platform/nginx.conf, asks the platform (a live test server) through on_publish / on_publish_done.
ffmpeg publishes a generated test pattern with the stream key; the stream turns live, the HLS playlist is served,
and when ffmpeg stops the stream ends and its replay plays (ffprobe reads it back over HTTP)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from content.livestreams.models import Status, StreamState

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _nginx_conf(tools, *, workdir: Path, rtmp_port: int, http_port: int, platform_url: str, hls_dir: Path) -> str:
    """The platform's own configuration, with this test's ports, paths and callback address."""
    rtmp = (ROOT / "platform" / "nginx-rtmp.conf").read_text()
    rtmp = rtmp.replace("listen 1935;", f"listen 127.0.0.1:{rtmp_port};")
    rtmp = rtmp.replace("http://127.0.0.1:8001", platform_url)
    rtmp = rtmp.replace("/var/lib/pioneer/hls", str(hls_dir))
    site = (ROOT / "platform" / "nginx.conf").read_text()
    hls_location = re.search(r"    location /hls/ \{.*?\n    \}\n", site, re.S).group(0)
    hls_location = hls_location.replace("/var/lib/pioneer", str(hls_dir.parent))
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"load_module {tools.rtmp_module};\n{user}worker_processes 1;\n"
        f"pid {workdir}/nginx.pid;\nerror_log {workdir}/error.log info;\n"
        "events { worker_connections 256; }\n"
        f"{rtmp}\n"
        "http {\n"
        f"  access_log {workdir}/access.log;\n"
        f"  client_body_temp_path {workdir}/body; proxy_temp_path {workdir}/proxy;\n"
        f"  fastcgi_temp_path {workdir}/fastcgi; uwsgi_temp_path {workdir}/uwsgi; scgi_temp_path {workdir}/scgi;\n"
        f"  server {{\n    listen 127.0.0.1:{http_port};\n{hls_location}  }}\n"
        "}\n"
    )


def _wait(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own loopback nginx
            return response.status, response.read().decode("latin-1")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except OSError:
        return 0, ""


def _publish(tools, url: str, seconds: int) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            tools.ffmpeg,
            "-v",
            "error",
            "-re",
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=320x180:rate=15:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-g",
            "15",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-b:a",
            "64k",
            "-shortest",
            "-f",
            "flv",
            url,
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def media_server(media_server_tools, live_server, tmp_path, settings):
    workdir = tmp_path / "nginx"
    hls_dir = tmp_path / "media" / "hls"
    for folder in (workdir, hls_dir):
        folder.mkdir(parents=True)
    rtmp_port, http_port = _free_port(), _free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(
        _nginx_conf(
            media_server_tools,
            workdir=workdir,
            rtmp_port=rtmp_port,
            http_port=http_port,
            platform_url=live_server.url,
            hls_dir=hls_dir,
        )
    )
    settings.LIVESTREAMS_HLS_DIR = str(hls_dir)
    settings.LIVESTREAMS_HLS_URL = "/hls/"
    settings.LIVESTREAMS_RTMP_URL = f"rtmp://127.0.0.1:{rtmp_port}/live"
    settings.LIVESTREAMS_RTMP_RELAY = f"rtmp://127.0.0.1:{rtmp_port}/show"
    check = subprocess.run(  # noqa: S603
        [media_server_tools.nginx, "-t", "-p", str(workdir), "-c", str(conf)], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr
    nginx = subprocess.Popen(  # noqa: S603
        [media_server_tools.nginx, "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait(lambda: _get(f"http://127.0.0.1:{http_port}/hls/")[0] in (200, 403, 404), timeout=20, what="nginx")
        yield {
            "rtmp": f"rtmp://127.0.0.1:{rtmp_port}/live",
            "http": f"http://127.0.0.1:{http_port}",
            "tools": media_server_tools,
            "log": workdir / "error.log",
        }
    finally:
        nginx.terminate()
        nginx.wait(timeout=10)


def test_ffmpeg_publishes_the_stream_goes_live_hls_is_served_and_the_replay_plays(stream_world, media_server):
    w = stream_world
    tools = media_server["tools"]
    # A wrong key is refused by the platform, so nginx drops the encoder.
    wrong = _publish(tools, f"{media_server['rtmp']}/not-the-key", 5)
    assert wrong.wait(timeout=60) != 0
    assert StreamState.objects.get(pk=w.stream.pk).status == Status.SCHEDULED

    encoder = _publish(tools, f"{media_server['rtmp']}/{w.key}", 14)
    try:
        state = _wait(
            lambda: StreamState.objects.filter(pk=w.stream.pk, status=Status.LIVE).first(), timeout=30, what="live"
        )
        playlist = f"{media_server['http']}/hls/{state.public_name}.m3u8"
        status, body = _wait(
            lambda: (lambda r: r if r[0] == 200 and "#EXTINF" in r[1] else None)(_get(playlist)),
            timeout=40,
            what=f"the HLS playlist {playlist}",
        )
        assert w.key not in body
        segment = next(line for line in body.splitlines() if line.endswith(".ts"))
        assert _get(f"{media_server['http']}/hls/{segment}")[0] == 200
        assert encoder.wait(timeout=90) == 0, encoder.stderr.read().decode(errors="replace")
    finally:
        if encoder.poll() is None:
            encoder.kill()

    ended = _wait(
        lambda: StreamState.objects.filter(pk=w.stream.pk, status=Status.ENDED).first(), timeout=30, what="the end"
    )
    assert ended.recording_url == f"/hls/{ended.public_name}-replay.m3u8"
    status, replay = _get(media_server["http"] + ended.recording_url)
    assert status == 200
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in replay and replay.rstrip().endswith("#EXT-X-ENDLIST")
    probe = subprocess.run(  # noqa: S603
        [
            tools.ffprobe,
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "json",
            media_server["http"] + ended.recording_url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    assert float(json.loads(probe.stdout)["format"]["duration"]) > 5
