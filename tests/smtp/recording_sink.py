"""An aiosmtpd handler for ramette's tests: writes each accepted message to a directory and
refuses the first N DATA commands with a temporary error (451), like a relay that is briefly
unavailable. Each file starts with X-Envelope-From, X-Envelope-To and X-Starttls (yes when the
session was upgraded with STARTTLS) header lines.

Usage: /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT [--tlscert C --tlskey K]
       -c recording_sink.RecordingSink DIR [N]
(with this folder on PYTHONPATH).
"""
import os


class RecordingSink:
    def __init__(self, directory, refusals=0):
        self.directory = directory
        self.refusals = refusals
        self.count = 0
        os.makedirs(directory, exist_ok=True)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) not in (1, 2):
            parser.error("usage: RecordingSink DIR [REFUSALS]")
        return cls(args[0], int(args[1]) if len(args) == 2 else 0)

    async def handle_DATA(self, server, session, envelope):
        if self.refusals > 0:
            self.refusals -= 1
            return "451 4.3.0 Try again later (test relay refusing once)"
        self.count += 1
        name = os.path.join(self.directory, "%04d.eml" % self.count)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        header = "X-Envelope-From: %s\r\nX-Envelope-To: %s\r\nX-Starttls: %s\r\n" % (
            envelope.mail_from, ",".join(envelope.rcpt_tos),
            "yes" if session.ssl is not None else "no")
        with open(name + ".tmp", "wb") as f:
            f.write(header.encode("ascii") + data)
        os.rename(name + ".tmp", name)
        return "250 2.0.0 OK"
