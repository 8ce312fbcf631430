"""Defensive masking of credentials by shape."""

from __future__ import annotations

from reports.redact import MASK, mask_headers, mask_text


def test_credential_headers_are_masked_and_others_kept() -> None:
    shown = dict(mask_headers({"X-Auth-Token": "s3cret", "Authorization": "Bearer abc", "Accept": "json"}))
    assert shown == {"X-Auth-Token": MASK, "Authorization": MASK, "Accept": "json"}


def test_credentials_in_curl_lines_and_urls_are_masked() -> None:
    curl = "curl -X POST 'https://h/rest/sms?jwt=abc.def&x=1' -H 'X-Auth-Token: s3cret' -H 'Accept: json'"
    masked = mask_text(curl)
    assert "abc.def" not in masked and "s3cret" not in masked
    assert "x=1" in masked and "Accept: json" in masked
    assert masked.count(MASK) == 2


def test_text_without_credentials_is_unchanged() -> None:
    text = "POST http://127.0.0.1/rest/sms?to=%2B1415&message=token"
    assert mask_text(text) == text
