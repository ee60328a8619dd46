"""A body with thousands of wrong fields is answered with a small problem that says how many there were."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from shared.api.errors import FIELD_ERRORS_CUT, MAX_FIELD_ERRORS, MAX_FIELD_NAME_LENGTH, VALIDATION_MESSAGE
from shared.api.serializers import UNKNOWN_FIELD


@pytest.mark.django_db
def test_twenty_thousand_unknown_fields_are_answered_in_a_few_kilobytes(customer_client: APIClient) -> None:
    body = {f"unknown_{index:05d}": index for index in range(20_000)}

    response = customer_client.post("/api/cart/items/", json.dumps(body), content_type="application/json")

    problem = response.json()
    assert response.status_code == 400
    assert len(response.content) < 5_000
    assert problem["code"] == "request.invalid"
    assert problem["field_errors"] == {
        f"unknown_{index:05d}": [UNKNOWN_FIELD.format(fields="product_id, quantity")]
        for index in range(MAX_FIELD_ERRORS)
    }
    assert problem["detail"] == VALIDATION_MESSAGE + FIELD_ERRORS_CUT.format(listed=MAX_FIELD_ERRORS, total=20_000)


@pytest.mark.django_db
def test_a_very_long_unknown_field_name_is_cut_in_the_answer(customer_client: APIClient) -> None:
    name = "x" * 50_000

    response = customer_client.post(
        "/api/cart/items/",
        json.dumps({name: 1, "product_id": "3f2a8b1c-0d4e-4f5a-8b6c-7d8e9f0a1b2c", "quantity": 1}),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert len(response.content) < 2_000
    assert list(response.json()["field_errors"]) == ["x" * (MAX_FIELD_NAME_LENGTH - 1) + "\u2026"]
