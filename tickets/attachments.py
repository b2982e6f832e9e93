"""Attachment checks by content (not only by name); the bytes go to tickets.storage."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

import filetype

# Detected type -> file name extensions that may carry it.
BINARY_KINDS: dict[str, set[str]] = {
    "jpg": {"jpg", "jpeg"},
    "png": {"png"},
    "gif": {"gif"},
    "webp": {"webp"},
    "bmp": {"bmp"},
    "tif": {"tif", "tiff"},
    "heic": {"heic"},
    "pdf": {"pdf"},
    "zip": {"zip"},
    "doc": {"doc"},
    "docx": {"docx"},
    "xls": {"xls"},
    "xlsx": {"xlsx"},
    "ppt": {"ppt"},
    "pptx": {"pptx"},
    "odt": {"odt"},
    "ods": {"ods"},
    "odp": {"odp"},
    "rtf": {"rtf"},
}
TEXT_EXTENSIONS = {"txt": "text/plain", "log": "text/plain", "csv": "text/csv"}
ALLOWED_HUMAN = "изображения, PDF, TXT, LOG, CSV, документы Office/OpenOffice и ZIP"


class AttachmentError(ValueError):
    """The file cannot be attached; the message says why, in Russian."""


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


MAX_FILENAME = 200
MAX_EXTENSION = 16


def clean_filename(name: str) -> str:
    """Keep a readable name (Cyrillic included) without paths or control characters; long stems are cut."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        # The extension decides whether the file is accepted: cut the stem, never the extension.
        keep_ext = dot and stem and len(ext) <= MAX_EXTENSION
        name = (stem[:MAX_FILENAME - len(ext) - 1].rstrip() + "." + ext) if keep_ext else name[:MAX_FILENAME]
    return name or "file"


def too_big(filename: str, size: int, max_size: int) -> AttachmentError:
    """The error for a file over the size limit, with its real size."""
    return AttachmentError(
        f"Файл «{clean_filename(filename)}» весит {size / 1048576:.1f} МБ — "
        f"больше допустимых {max_size // 1048576} МБ"
    )


@dataclass(frozen=True)
class DraftQuota:
    """How much one account may keep uploaded but not yet sent."""

    max_files: int
    max_bytes: int
    ttl_hours: int

    def check(self, filename: str, size: int, used_files: int, used_bytes: int) -> None:
        """Raise AttachmentError when one more file of this size would go over the quota."""
        if used_files + 1 > self.max_files or used_bytes + size > self.max_bytes:
            raise AttachmentError(
                f"Файл «{clean_filename(filename)}» не сохранен: у вас уже {used_files} неотправленных файлов "
                f"({used_bytes / 1048576:.1f} МБ), а хранить можно не больше {self.max_files} файлов и "
                f"{self.max_bytes // 1048576} МБ. Отправьте форму с уже прикрепленными файлами или снимите "
                f"отметку с ненужных; неотправленные файлы удаляются через {self.ttl_hours} ч"
            )


def _looks_like_text(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return False
    for encoding in ("utf-8", "cp1251"):
        try:
            sample.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            # A multi-byte character cut at the sample's end is still text.
            if encoding == "utf-8" and len(data) > len(sample) and exc.start >= len(sample) - 3:
                return True
    return False


def check_file(filename: str, data: bytes, max_size: int) -> CheckedFile:
    """Check one upload; return it with its real content type or raise AttachmentError."""
    name = clean_filename(filename)
    if not data:
        raise AttachmentError(f"Файл «{name}» пустой")
    if len(data) > max_size:
        raise too_big(name, len(data), max_size)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = filetype.guess(data)
    if kind is not None and kind.extension in BINARY_KINDS:
        if ext not in BINARY_KINDS[kind.extension] and not (kind.extension == "zip" and ext in {
            "docx", "xlsx", "pptx", "odt", "ods", "odp"
        }):
            raise AttachmentError(
                f"Файл «{name}» по содержимому — {kind.extension.upper()}, а не {ext.upper() or 'файл без расширения'}. "
                "Переименуйте его или приложите другой"
            )
        return CheckedFile(name, kind.mime, data)
    if ext in TEXT_EXTENSIONS and kind is None and _looks_like_text(data):
        return CheckedFile(name, TEXT_EXTENSIONS[ext], data)
    raise AttachmentError(f"Файл «{name}» не подходит: можно прикладывать {ALLOWED_HUMAN}")
