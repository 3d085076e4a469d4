from __future__ import annotations

from core.tokenize import tokenize


def test_tokenize_keeps_identifiers_whole_and_split() -> None:
    assert tokenize("Unset HTTP_PROXY, then pass --no-cache-dir.") == [
        "unset",
        "http_proxy",
        "http",
        "proxy",
        "pass",
        "no-cache-dir",
        "cache",
        "dir",
    ]


def test_tokenize_dotted_names_versions_and_error_codes() -> None:
    assert tokenize("os.path.join in v4.2.1 raised E-4012") == [
        "os.path.join",
        "os",
        "path",
        "join",
        "v4.2.1",
        "4.2.1",
        "v4",
        "2",
        "1",
        "raised",
        "e-4012",
        "e",
        "4012",
    ]


def test_tokenize_same_for_query_and_document_case() -> None:
    assert tokenize("ERR_CONN_RESET") == tokenize("err_conn_reset")


def test_tokenize_drops_stopwords_and_handles_empty() -> None:
    assert tokenize("what is the") == []
    assert tokenize("") == []
