import os
import sys

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from chatstudio.progress import Progress
from conversations.transfer import Importer


class Command(BaseCommand):
    help = (
        "Import conversations from a JSON Lines file written by export_conversations ('-' reads stdin). "
        "Each line is validated like POST /api/conversations and created with its messages in one "
        "transaction, for the user named by its 'username' (or every line for --user). Idempotent: a "
        "conversation whose id its owner already has is skipped, never changed, so importing a file "
        "twice creates nothing new. Bad lines (invalid JSON or fields, no id, unknown user) are "
        "reported with their line number and skipped. Users are never created: register them first "
        "or use --user. Prints 'created N, skipped-existing N, failed N'; exits 1 if any line failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="A .jsonl export, or '-' for stdin.")
        parser.add_argument(
            "--user", metavar="USERNAME", help="Import every record into this account, ignoring 'username'."
        )

    def handle(self, *args, file, user, verbosity, **options):
        into = None
        if user is not None:
            into = User.objects.filter(username=user).first()
            if into is None:
                raise CommandError(f"No user named {user!r}.")
        importer = Importer(into=into)
        if file == "-":
            stream, total = sys.stdin.buffer, None
        else:
            try:
                stream, total = open(file, "rb"), os.path.getsize(file)  # noqa: SIM115
            except OSError as error:
                raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            with Progress(self.stderr, total=total, label="import", unit="bytes", enabled=verbosity > 0) as bar:
                for line_number, raw in enumerate(stream, start=1):
                    failure = importer.import_line(line_number, raw)
                    if failure:
                        bar.note(failure)
                    bar.advance(len(raw))
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        report = importer.report
        self.stdout.write(
            f"created {report.created}, skipped-existing {report.skipped_existing}, failed {report.failed}"
        )
        if report.failed:
            raise CommandError(f"{report.failed} record(s) failed; see the line numbers above.")
