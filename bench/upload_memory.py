"""Server memory while it receives a post far over the upload limits.

Run from the repository root: `python bench/upload_memory.py [--mb 300] [--files 11]`. Starts the portal
in a child process on 127.0.0.1 (throwaway SQLite, one company), streams one multipart request form with
`--files` files of `--mb` megabytes in all, and prints the answer and the server's peak resident memory
(VmHWM) before and after. It measures, it does not assert.
"""

from __future__ import annotations

import argparse
import http.client
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EMAIL, PASSWORD = "bench@example.test", "bench-password"
TOPIC = "/c/chaty-i-rassylki/problema-s-chatami"
CHUNK = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n"
TEXT = {
    "lk_number": "104527", "chat_id": "3f2b9c1e-8a4d-4f6b-9c2e-1a2b3c4d5e6f", "dialog_id": "918273",
    "channel": "Telegram", "author_name": "Ирина, +7 916 000-00-00", "summary": "Бот перестал отвечать",
    "description": "С утра бот не отвечает на сообщения клиентов в Telegram.", "submission_id": "bench-1",
}


def serve(port: int, folder: str) -> None:
    """The child: the portal on 127.0.0.1:port until killed."""
    from werkzeug.serving import make_server

    from app import create_app
    from extensions import db
    from tickets.accounts import create_company

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "UPLOAD_DIR": f"{folder}/uploads",
                      "MAIL_OUTBOX_DIR": f"{folder}/outbox", "CONTENT_RELOAD_INTERVAL": -1,
                      "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1}})
    with app.app_context():
        db.create_all()
        create_company("ООО Бенч", EMAIL, PASSWORD, lk_number="104527")
        db.session.remove()
    make_server("127.0.0.1", port, app).serve_forever()


def _hwm(pid: int) -> tuple[int, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    return tuple(int(re.search(rf"{key}:\s+(\d+) kB", status).group(1)) // 1024 for key in ("VmHWM", "VmRSS"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _parts(boundary: str, files: int, file_size: int) -> list:
    """The multipart body as a list of bytes and (file) sizes to stream."""
    parts: list = []
    for name, value in TEXT.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for i in range(files):
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
                     f'filename="big{i}.png"\r\nContent-Type: image/png\r\n\r\n'.encode())
        parts.append(file_size)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return parts


def post_big(port: int, cookie: str, files: int, total_mb: int) -> tuple[int, str, float]:
    boundary = uuid.uuid4().hex
    parts = _parts(boundary, files, total_mb * 1024 * 1024 // files)
    length = sum(p if isinstance(p, int) else len(p) for p in parts)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.monotonic()
    conn.putrequest("POST", TOPIC)
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(length))
    conn.putheader("Cookie", cookie)
    conn.endheaders()
    zeros = b"\x00" * CHUNK
    for part in parts:
        if isinstance(part, bytes):
            conn.send(part)
            continue
        conn.send(PNG)
        left = part - len(PNG)
        while left > 0:
            conn.send(zeros[:min(left, CHUNK)])
            left -= CHUNK
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response.status, body, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=300)
    parser.add_argument("--files", type=int, default=11)
    parser.add_argument("--serve", nargs=2, metavar=("PORT", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        child = subprocess.Popen([sys.executable, __file__, "--serve", str(port), folder], cwd=ROOT)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("POST", "/login", urlencode({"email": EMAIL, "password": PASSWORD}),
                          {"Content-Type": "application/x-www-form-urlencoded"})
            response = conn.getresponse()
            response.read()
            cookie = response.getheader("Set-Cookie").split(";")[0]
            before, rss_before = _hwm(child.pid)
            status, body, seconds = post_big(port, cookie, args.files, args.mb)
            after, rss_after = _hwm(child.pid)
            kept = all(value in body for value in ("Бот перестал отвечать", "С утра бот не отвечает"))
            found = re.search(r'id="attachments-error">(.*?)</ul>', body, re.S)
            reasons = found.group(1) if found else ""
            print(f"post: {args.files} files, {args.mb} MB in all, answered {status} in {seconds:.1f} s; "
                  f"text kept: {kept}; beside the file field: {reasons.count('весит')} too big, "
                  f"{'the surplus listed' if 'лишние не сохранены' in reasons else 'no surplus'}")
            print(f"server memory: peak {before} MB before the post, {after} MB after (RSS {rss_before} -> {rss_after} MB)")
        finally:
            child.terminate()
            child.wait(timeout=10)


if __name__ == "__main__":
    main()
