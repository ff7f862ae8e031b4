"""An e-mail backend standing in for the SMTP server in tests that run a real Celery worker.

The worker is another process, so Django's locmem outbox cannot be read by the test. This
backend writes what a mail server would keep and what the wire would carry:

- the mailbox, a folder (``TEST_MAILBOX_DIR``) with one file per Message-ID: like a mail server
  that keys messages by Message-ID, a message sent again with the same id replaces the file;
- the send log (``TEST_MAILBOX_LOG``), one line per message handed over ("Message-ID<TAB>pid"),
  appended with a single write so that concurrent processes never interleave lines: the test
  counts raw sends from it, duplicates included.

``TEST_MAILBOX_DELAY_MS`` makes each hand-off take that long, as a slow SMTP server would: it
lets a test kill a worker in the middle of a sweep. With ``TEST_MAILBOX_DELAY_AFTER=1`` the wait
comes after the message is written (a server that has the message but is slow to say so): a
kill then most likely falls between the hand-off and the sender's commit, the worst case.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend


def mailbox_file_name(message_id: str) -> str:
    """The mailbox file of a Message-ID (a hash: ids hold characters file names should not)."""
    return hashlib.sha256(message_id.encode()).hexdigest() + ".eml"


class FolderBackend(BaseEmailBackend):
    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.folder = Path(os.environ["TEST_MAILBOX_DIR"])
        self.log = Path(os.environ["TEST_MAILBOX_LOG"])
        self.delay = int(os.environ.get("TEST_MAILBOX_DELAY_MS") or 0) / 1000
        self.delay_after = os.environ.get("TEST_MAILBOX_DELAY_AFTER") == "1"

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            if self.delay and not self.delay_after:
                time.sleep(self.delay)
            mime = message.message()
            message_id = str(mime["Message-ID"])
            final = self.folder / mailbox_file_name(message_id)
            temporary = final.with_name(f".{final.name}.{os.getpid()}.tmp")
            temporary.write_bytes(mime.as_bytes())
            temporary.replace(final)  # atomic: a reader never sees half a message
            line = f"{message_id}\t{os.getpid()}\n".encode()
            descriptor = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(descriptor, line)
            finally:
                os.close(descriptor)
            if self.delay and self.delay_after:
                time.sleep(self.delay)
            sent += 1
        return sent
