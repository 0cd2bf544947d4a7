"""Pages for a person: ``GET /`` (where everything is), ``/__mock/ui`` (the
sandbox as it changes; plain HTML, CSS and JS of this package that poll
``/__mock/overview``), and the assets of the Swagger UI at ``/docs``, served
from the ``flask-swagger-ui`` package so the page works with no internet.
"""

from __future__ import annotations

import re
from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, current_app, render_template, send_from_directory

from mockserver import __version__

SWAGGER_UI_ASSETS = "/docs/assets/"
SWAGGER_UI_DIST = Path(flask_swagger_ui.__file__).parent / "dist"
FACE_PREFIX = re.compile(r"^/(v\d+)/")

UI_FILES = Path(__file__).parent / "static"

blp = Blueprint("pages", __name__, template_folder="templates")


@blp.route("/", methods=["GET"])
def landing():
    return render_template(
        "landing.html", version=__version__, faces=_faces(), has_ui=_serves("/__mock/ui")
    )


@blp.route(f"{SWAGGER_UI_ASSETS}<path:filename>", methods=["GET"])
def swagger_ui_asset(filename):
    return send_from_directory(SWAGGER_UI_DIST, filename, max_age=3600)


@blp.route("/__mock/ui", methods=["GET"])
def ui():
    """The page itself holds no data, so it needs no admin token; its calls do."""
    return send_from_directory(UI_FILES, "ui.html", max_age=0)


@blp.route("/__mock/ui/<any('ui.js', 'ui.css'):filename>", methods=["GET"])
def ui_file(filename):
    return send_from_directory(UI_FILES, filename, max_age=0)


def _faces() -> list[str]:
    """The Zuora API versions served (``/v1``, ``/v2``), from the app's routes."""
    found = {
        match[1]
        for rule in current_app.url_map.iter_rules()
        if (match := FACE_PREFIX.match(rule.rule))
    }
    return [f"/{version}" for version in sorted(found)]


def _serves(path: str) -> bool:
    return any(rule.rule == path for rule in current_app.url_map.iter_rules())
