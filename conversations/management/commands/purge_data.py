from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chatstudio import purging
from chatstudio.progress import Progress


class Command(BaseCommand):
    @property
    def help(self) -> str:
        kinds = "; ".join(f"{target.name}: {target.help}" for target in purging.targets().values())
        return (
            "Delete data older than a cut-off, in batches (one short transaction each), with progress. "
            f"Kinds (--only; default all): {kinds} "
            "Apps register further kinds in chatstudio/purging.py. "
            "--dry-run counts what would go and deletes nothing. Safe to rerun: a second run finds nothing left."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            metavar="DAYS",
            type=int,
            required=True,
            help="Delete rows last changed more than DAYS days ago (at least 1).",
        )
        parser.add_argument("--only", action="append", metavar="KIND", help="Only this kind; repeatable.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows per delete transaction (1000).")

    def handle(self, *args, older_than, only, dry_run, batch_size, verbosity, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        registered = purging.targets()
        unknown = sorted(set(only or []) - set(registered))
        if unknown:
            raise CommandError(f"Unknown kind(s) {', '.join(unknown)}; known: {', '.join(sorted(registered))}.")
        chosen = [registered[name] for name in (only or registered)]
        cutoff = timezone.now() - timedelta(days=older_than)
        self.stdout.write(f"Cut-off: {cutoff:%Y-%m-%d %H:%M:%S} UTC ({older_than} days ago).")
        for target in chosen:
            total = target.count(cutoff)
            extra = target.dependents(cutoff) if target.dependents else {}
            also = "".join(f", {count} {name}" for name, count in extra.items())
            if dry_run:
                self.stdout.write(f"{target.name}: would delete {total}{also}.")
                continue
            deleted = 0
            with Progress(self.stderr, total=total, label=target.name, enabled=verbosity > 0 and total > 0) as bar:
                while batch := target.delete_batch(cutoff=cutoff, limit=batch_size):
                    deleted += batch
                    bar.advance(batch)
            self.stdout.write(f"{target.name}: deleted {deleted}{also}.")
