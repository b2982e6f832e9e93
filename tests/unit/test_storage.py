"""One contract for both attachment stores: a folder on disk and a real S3 bucket (a private `weed mini`)."""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from tests.s3_fixture import BUCKET
from tests.s3_fixture import free_ports
from tickets.storage import LocalFileStore
from tickets.storage import S3FileStore
from tickets.storage import S3Settings
from tickets.storage import StoredFileMissing
from tickets.storage import StoreUnavailable
from tickets.storage import content_disposition
from tickets.storage import store_from_config

SOON = timedelta(minutes=1)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalFileStore(tmp_path / "uploads")
    return store_from_config(request.getfixturevalue("s3_server").config())


def test_put_returns_a_new_random_key_and_the_bytes_read_back(store):
    data = bytes(range(256)) * 4096  # 1 MB with every byte value
    first, second = store.put(data), store.put(b"second")
    assert first != second and all(re.fullmatch(r"[0-9a-f]{32}", key) for key in (first, second))
    assert store.read(first) == data and store.read(second) == b"second"


def test_open_streams_the_bytes_with_their_size(store):
    key = store.put(b"0123456789" * 1000)
    stored = store.open(key)
    try:
        assert stored.size == 10_000
        chunks = iter(lambda: stored.stream.read(4096), b"")
        assert b"".join(chunks) == b"0123456789" * 1000
    finally:
        stored.stream.close()


def test_delete_removes_the_object_and_a_second_delete_is_fine(store):
    key = store.put(b"gone soon")
    store.delete(key)
    store.delete(key)
    with pytest.raises(StoredFileMissing):
        store.read(key)
    with pytest.raises(StoredFileMissing):
        store.open("0" * 32)


def test_stray_listing_names_only_objects_written_before_the_time(store):
    now = datetime.now(UTC)
    keys = {store.put(b"a"), store.put(b"b")}
    assert keys <= set(store.keys_older_than(now + SOON))
    assert not keys & set(store.keys_older_than(now - SOON))


def test_the_store_answers_its_readiness_check(store):
    store.check()


def test_a_presigned_link_downloads_with_the_name_and_type_only_from_s3(store):
    key = store.put("статус;ок\n".encode())
    url = store.presigned_url(key, "Отчет за ноябрь.csv", "text/csv", inline=False, ttl=60)
    if isinstance(store, LocalFileStore):
        assert url is None  # a folder has no links of its own: the portal streams the file
        return
    with urllib.request.urlopen(url, timeout=10) as response:  # plain HTTP, no credentials
        assert response.read() == "статус;ок\n".encode()
        assert response.headers["Content-Type"] == "text/csv"
        assert response.headers["Content-Disposition"] == content_disposition("Отчет за ноябрь.csv", inline=False)
    with pytest.raises(urllib.error.HTTPError) as tampered:
        urllib.request.urlopen(url.replace(key, store.put(b"another")), timeout=10)
    assert tampered.value.code == 403
    tampered.value.close()


def test_s3_prefixes_keep_two_portals_in_one_bucket_apart(s3_server):
    ours, theirs = (store_from_config(s3_server.config()) for _ in range(2))
    key = ours.put(b"ours")
    assert key in set(ours.keys_older_than(datetime.now(UTC) + SOON))
    assert key not in set(theirs.keys_older_than(datetime.now(UTC) + SOON))
    with pytest.raises(StoredFileMissing):
        theirs.read(key)


def test_s3_down_or_refusing_is_unavailable_not_missing(s3_server):
    (closed,) = free_ports(1)
    down = store_from_config({**s3_server.config(), "S3_ENDPOINT_URL": f"http://127.0.0.1:{closed}"})
    wrong_key = store_from_config({**s3_server.config(), "S3_SECRET_ACCESS_KEY": "not-the-secret"})
    with pytest.raises(StoreUnavailable):
        store_from_config({**s3_server.config(), "S3_BUCKET": "no-such-bucket"}).check()
    for store in (down, wrong_key):
        with pytest.raises(StoreUnavailable):
            store.put(b"x")
        with pytest.raises(StoreUnavailable):
            store.read("0" * 32)
        with pytest.raises(StoreUnavailable):
            store.check()


def test_a_folder_that_cannot_be_written_is_unavailable(tmp_path):
    (tmp_path / "uploads").write_text("a file where the folder should be")
    store = LocalFileStore(tmp_path / "uploads")
    with pytest.raises(StoreUnavailable):
        store.put(b"x")


def test_an_interrupted_local_write_is_purged_like_any_stray(tmp_path):
    store = LocalFileStore(tmp_path)
    leftover = tmp_path / ".0123456789abcdef0123456789abcdef.tmp"
    leftover.write_bytes(b"half")
    os.utime(leftover, (0, 0))
    assert list(store.keys_older_than(datetime.now(UTC))) == [leftover.name]
    store.delete(leftover.name)
    assert not leftover.exists()


@pytest.mark.parametrize("key", ["../secret", "a/b", "..", ""])
def test_a_local_key_never_leaves_the_folder(tmp_path, key):
    with pytest.raises(StoredFileMissing):
        LocalFileStore(tmp_path / "uploads").open(key)


def test_config_picks_s3_only_with_a_bucket(tmp_path):
    assert isinstance(store_from_config({"UPLOAD_DIR": str(tmp_path)}), LocalFileStore)
    assert isinstance(store_from_config({"UPLOAD_DIR": str(tmp_path), "S3_BUCKET": ""}), LocalFileStore)
    s3 = store_from_config({"UPLOAD_DIR": str(tmp_path), "S3_BUCKET": BUCKET, "S3_PREFIX": "/portal/",
                            "S3_ACCESS_KEY_ID": 12345})
    assert isinstance(s3, S3FileStore) and s3.prefix == "portal/" and s3.settings.access_key_id == "12345"
    assert S3Settings.from_config({"S3_BUCKET": BUCKET}).prefix == ""


def test_content_disposition_keeps_the_cyrillic_name_and_an_ascii_fallback():
    assert content_disposition("Скриншот ошибки.png", inline=True) == (
        "inline; filename=\" .png\"; filename*=UTF-8''%D0%A1%D0%BA%D1%80%D0%B8%D0%BD%D1%88%D0%BE%D1%82%20"
        "%D0%BE%D1%88%D0%B8%D0%B1%D0%BA%D0%B8.png")
    assert content_disposition('log "1".txt', inline=False) == (
        "attachment; filename=\"log \\\"1\\\".txt\"; filename*=UTF-8''log%20%221%22.txt")
