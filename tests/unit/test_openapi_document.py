"""The OpenAPI document is written on its first read, whole for every reader."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from mockserver.app import create_app
from mockserver.config import Config


def test_concurrent_first_reads_of_openapi_json_get_the_same_whole_document():
    app = create_app(Config(log_requests=False))

    def read(_):
        response = app.test_client().get("/openapi.json")
        assert response.status_code == 200
        return response.get_json()

    with ThreadPoolExecutor(8) as pool:
        documents = list(pool.map(read, range(8)))
    assert all(document == documents[0] for document in documents)
    operations = {
        operation["operationId"]
        for path in documents[0]["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert {"getDebitMemo", "createDebitMemo", "GET_DebitMemo"} <= operations
    assert [tag["name"] for tag in documents[0]["tags"]][:2] == ["oauth", "debit_memos"]
