import os
import sys

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from chatstudio.progress import Progress
from conversations import transfer


class Command(BaseCommand):
    help = (
        "Export conversations with their messages, one user's (--user) or everyone's. "
        "jsonl (default) writes one conversation per line in the API's wire format plus the owner's "
        "username, the format import_conversations reads back; markdown writes a readable transcript. "
        "Streams in chunks, so memory stays flat at a million messages. Output goes to --output or "
        "stdout; progress goes to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="USERNAME", help="Only this user's conversations (default: all users).")
        parser.add_argument(
            "--format", choices=["jsonl", "markdown"], default="jsonl", help="jsonl (default) or markdown."
        )
        parser.add_argument("--output", metavar="FILE", help="Write here instead of stdout (overwritten).")

    def handle(self, *args, user, format, output, verbosity, **options):
        if user is not None and not User.objects.filter(username=user).exists():
            raise CommandError(f"No user named {user!r}.")
        queryset = transfer.conversations_for_export(username=user)
        render = transfer.jsonl_line if format == "jsonl" else transfer.markdown_transcript
        total = queryset.count()
        stream = open(output, "w", encoding="utf-8") if output else None  # noqa: SIM115
        write = stream.write if stream else lambda text: self.stdout.write(text, ending="")
        try:
            with Progress(self.stderr, total=total, label="export", enabled=verbosity > 0 and total > 0) as bar:
                for conversation in transfer.iter_conversations(queryset):
                    write(render(conversation))
                    bar.advance()
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, as Unix tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        finally:
            if stream:
                stream.close()
        if verbosity > 0:
            where = output or "stdout"
            self.stderr.write(f"Exported {total} conversations as {format} to {where}.", style_func=str)
