"""A real IMAP server for tests: Debian's dovecot on a free 127.0.0.1 port, with its own config and maildir."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

DOVECOT = "/usr/sbin/dovecot"
USER = "support@twin.test"
PASSWORD = "imap-secret-42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _config(root: Path, port: int, mail_user: str) -> str:
    return f"""
instance_name = portal-test-{port}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%n
mail_uid = {mail_user}
mail_gid = {pwd.getpwnam(mail_user).pw_gid}
first_valid_uid = 1
first_valid_gid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = home={root}/mail/%n
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
}}
service anvil {{
  chroot =
}}
"""


class ImapServer:
    """A private dovecot: `config` has the portal's MAIL_IMAP_* keys, `mailbox()` a logged-in imap-tools client."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = _free_port()
        # Short and world-traversable: dovecot's sockets live here and its mail processes do not run as root.
        self.root = Path(tempfile.mkdtemp(prefix="dovecot-"))
        self.root.chmod(0o755)

    @property
    def config(self) -> dict:
        return {"MAIL_IMAP_HOST": self.host, "MAIL_IMAP_PORT": self.port, "MAIL_IMAP_USER": USER,
                "MAIL_IMAP_PASSWORD": PASSWORD, "MAIL_IMAP_SSL": False, "MAIL_IMAP_FOLDER": "INBOX"}

    def start(self) -> None:
        # Dovecot never gives mail access to root: as root its mail processes run as nobody.
        mail_user = "nobody" if os.getuid() == 0 else pwd.getpwuid(os.getuid()).pw_name
        (self.root / "mail").mkdir()
        shutil.chown(self.root / "mail", mail_user)
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        conf = self.root / "dovecot.conf"
        conf.write_text(_config(self.root, self.port, mail_user))
        # The daemon keeps the descriptors it inherits: a pipe here would never see its end.
        with open(self.root / "start.log", "w") as out:
            result = subprocess.run([DOVECOT, "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                    timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"dovecot did not start: {(self.root / 'start.log').read_text()}{self.log()}")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex((self.host, self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"dovecot does not answer on {self.host}:{self.port}: {self.log()}")

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
                time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)

    def mailbox(self, folder: str = "INBOX") -> MailBoxUnencrypted:
        return MailBoxUnencrypted(self.host, self.port).login(USER, PASSWORD, folder)

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message into the mailbox, unseen, as a mail server would."""
        with self.mailbox() as mailbox:
            mailbox.append(raw, folder, flag_set=[])

    def wipe(self) -> None:
        with self.mailbox() as mailbox:
            for folder in mailbox.folder.list():
                mailbox.folder.set(folder.name)
                uids = mailbox.uids()
                if uids:
                    mailbox.delete(uids)
            mailbox.folder.set("INBOX")
            for folder in mailbox.folder.list():
                if folder.name != "INBOX":
                    mailbox.folder.delete(folder.name)


@pytest.fixture(scope="session")
def _dovecot():
    if not os.path.exists(DOVECOT):
        pytest.skip(f"{DOVECOT} is missing: `make dovecot` installs Debian's dovecot-imapd")
    server = ImapServer()
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def imap_server(_dovecot):
    """A running dovecot with an empty mailbox for USER."""
    _dovecot.wipe()
    yield _dovecot
