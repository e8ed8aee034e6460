"""The nginx site (deploy/nginx-site.conf.template, rendered by app/cluster_config.py)
holds clients to the same limits as `python -m app` does with its defaults."""
from __future__ import annotations

import re

from app.cluster_config import render_site
from app.config import Settings


def directive(site: str, name: str) -> list[str]:
    """The words after ``name`` in the site's one ``name ...;`` line."""
    (words,) = re.findall(rf"^\s*{name}\s+([^;]+);", site, flags=re.M)
    return words.split()


def seconds(word: str) -> float:
    assert word.endswith("s"), word
    return float(word[:-1])


def test_nginx_keeps_the_apps_default_limits():
    site = render_site("127.0.0.1:8080", ["127.0.0.1:9001", "127.0.0.1:9002"])
    s = Settings()
    assert seconds(directive(site, "client_header_timeout")[0]) == s.header_timeout_seconds
    assert seconds(directive(site, "client_body_timeout")[0]) == s.body_timeout_seconds
    assert seconds(directive(site, "keepalive_timeout")[0]) == s.keep_alive_seconds
    assert directive(site, "limit_conn") == ["nnpg_per_address", str(s.max_connections_per_address)]
    count, size = directive(site, "large_client_header_buffers")
    assert int(count) * int(size.rstrip("k")) * 1024 == s.max_header_bytes
    assert int(size.rstrip("k")) * 1024 == s.max_request_line_bytes
    assert site.count("server 127.0.0.1:9001;") == 3  # in each of the three upstreams
