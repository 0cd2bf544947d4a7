"""Routes build their URLs on first use (``LazyBuilderRule``) as werkzeug's do at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from werkzeug.routing import Map, Rule

from mockserver.app import create_app
from mockserver.config import Config
from mockserver.faces.http import LazyBuilderRule

ROUTES = ["/v2/debit_memos/<debit_memo_id>", "/static/<path:filename>", "/v2/debit_memos"]
VALUES = [
    {"debit_memo_id": "8a90a0f7 x/y"},
    {"filename": "css/app.css", "v": "2"},
    {"page_size": 3, "cursor": "a&b"},
]


def built(rule_class, append_unknown: bool) -> list[tuple[str, str]]:
    urls = Map([rule_class(route, endpoint=str(n)) for n, route in enumerate(ROUTES)])
    adapter = urls.bind("sandbox.test")
    return [
        adapter.build(str(n), values, append_unknown=append_unknown)
        for n, values in enumerate(VALUES)
    ]


def test_lazy_builders_build_what_werkzeugs_build():
    for append_unknown in (True, False):
        assert built(LazyBuilderRule, append_unknown) == built(Rule, append_unknown)


def test_concurrent_first_builds_agree():
    app = create_app(Config(log_requests=False))
    assert all(isinstance(rule, LazyBuilderRule) for rule in app.url_map.iter_rules())

    def build(_):
        with app.test_request_context():
            return app.url_for("debit_memos.getDebitMemo", debit_memo_id="DM-1", fields="id")

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(build, range(8))) == {"/v2/debit_memos/DM-1?fields=id"}
