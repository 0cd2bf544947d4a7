"""What a person opens in a browser: the landing page, /docs, /openapi.json."""

from __future__ import annotations

import re

import requests
from openapi_spec_validator import validate


def test_openapi_document_is_valid_openapi_3(zuora_mock):
    document = requests.get(f"{zuora_mock.root}/openapi.json", timeout=10).json()
    validate(document)
    assert document["openapi"].startswith("3.")


def test_error_responses_are_documented_as_json_content(zuora_mock):
    document = requests.get(f"{zuora_mock.root}/openapi.json", timeout=10).json()
    not_found = document["paths"]["/v2/debit_memos/{debit_memo_id}"]["get"]["responses"]["404"]
    assert not_found["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorResponse"
    }


def test_docs_page_loads_swagger_ui_from_the_sandbox_itself(zuora_mock):
    page = requests.get(f"{zuora_mock.root}/docs", timeout=10)
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert {"/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css"} <= set(assets)
    assert not [asset for asset in assets if asset.startswith(("http:", "https:", "//"))]
    for asset in assets:
        answer = requests.get(f"{zuora_mock.root}{asset}", timeout=10)
        assert answer.status_code == 200, asset
        assert len(answer.content) > 1000, asset
    bundle = requests.get(f"{zuora_mock.root}/docs/assets/swagger-ui-bundle.js", timeout=10)
    assert "javascript" in bundle.headers["Content-Type"]
    assert "SwaggerUIBundle" in bundle.text


def test_unknown_docs_asset_is_a_404(zuora_mock):
    answer = requests.get(f"{zuora_mock.root}/docs/assets/../../app.py", timeout=10)
    assert answer.status_code == 404


def test_landing_page_links_docs_health_and_the_faces(zuora_mock):
    page = requests.get(f"{zuora_mock.root}/", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    links = set(re.findall(r'href="([^"]+)"', page.text))
    assert {"/docs", "/openapi.json", "/__mock/health"} <= links
    assert f"{zuora_mock.root}/v2" in page.text
    for link in links:
        assert requests.get(f"{zuora_mock.root}{link}", timeout=10).status_code == 200, link
