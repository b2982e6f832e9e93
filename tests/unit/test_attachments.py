"""Attachment checks look at the content, not only the name."""

from __future__ import annotations

import io
import zipfile

import pytest

from tickets.attachments import AttachmentError
from tickets.attachments import check_file
from tickets.attachments import clean_filename

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
MB = 1024 * 1024


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("log.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data", "mime"), [
    ("screen.png", PNG, "image/png"),
    ("Скриншот ошибки.PNG", PNG, "image/png"),
    ("счет.pdf", PDF, "application/pdf"),
    ("call.log", "2026-11-25 звонок оборвался\n".encode(), "text/plain"),
    ("export.csv", "id;статус\n1;ok\n".encode("cp1251"), "text/csv"),
    ("logs.zip", zip_bytes(), "application/zip"),
])
def test_allowed_files(name, data, mime):
    assert check_file(name, data, 20 * MB).content_type == mime


@pytest.mark.parametrize(("name", "data", "message"), [
    ("virus.exe", b"MZ\x90\x00" + b"\x00" * 100, "не подходит"),
    ("fake.png", PDF, "по содержимому — PDF"),
    ("binary.txt", b"\x00\x01\x02garbage", "не подходит"),
    ("page.html", b"<html><script>alert(1)</script></html>", "не подходит"),
    ("empty.txt", b"", "пустой"),
])
def test_rejected_files(name, data, message):
    with pytest.raises(AttachmentError) as info:
        check_file(name, data, 20 * MB)
    assert message in str(info.value)


def test_size_limit():
    with pytest.raises(AttachmentError) as info:
        check_file("big.txt", b"a" * (2 * MB + 1), 2 * MB)
    assert "больше допустимых 2 МБ" in str(info.value)


def test_filename_is_cleaned():
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename("C:\\Users\\x\\отчет\x00.csv") == "отчет.csv"
    assert clean_filename("") == "file"
