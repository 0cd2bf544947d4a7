def test_health_reports_ok(zuora_mock):
    import requests

    body = requests.get(f"{zuora_mock.root}/__mock/health", timeout=5).json()
    assert body["status"] == "ok"
    assert body["seed"] == 42


def test_list_returns_a_page_of_30(zuora_client):
    response = zuora_client.get("/debit_memos")
    assert response.status_code == 200
    assert len(response.json()["data"]) == 30
