from django.core.management.base import BaseCommand, CommandError

from chatstudio.progress import Progress
from conversations import seeding


class Command(BaseCommand):
    help = (
        "Create demo users with conversations and messages at a chosen scale, fast (bulk inserts; "
        "COPY on PostgreSQL). Light users are demo_user_0001...; --heavy-user adds demo_heavy with "
        "--heavy-conversations conversations. Every conversation has --messages-per-conversation "
        "messages. Text is deterministic (seeded by username), English and Chinese, with marker words "
        "at exact frequencies for search benchmarks: 'quasar' in 10% of messages, 'zephyr' and "
        "'蝴蝶' in 1%, 'nebula' in 0.1%. Safe to rerun: existing demo users are skipped, "
        "--reset deletes all demo accounts first. All demo users share one password, printed at the end. "
        "Example, 1,000,000 messages for one heavy user plus 1,000 light users with 100 each (1,100,000 in all): "
        "seed_demo --heavy-user --users 1000 --conversations 1 --messages-per-conversation 100"
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=10, help="Light demo users (10).")
        parser.add_argument("--conversations", type=int, default=5, help="Conversations per light user (5).")
        parser.add_argument(
            "--messages-per-conversation", type=int, default=20, help="Messages in every conversation (20)."
        )
        parser.add_argument(
            "--heavy-user", action="store_true", help="Add demo_heavy, one user with many conversations."
        )
        parser.add_argument(
            "--heavy-conversations", type=int, default=10_000, help="Conversations of demo_heavy (10,000)."
        )
        parser.add_argument("--reset", action="store_true", help="Delete every demo account and its data first.")

    def handle(
        self,
        *args,
        users,
        conversations,
        messages_per_conversation,
        heavy_user,
        heavy_conversations,
        reset,
        verbosity,
        **options,
    ):
        if min(users, conversations, messages_per_conversation, heavy_conversations) < 0:
            raise CommandError("Counts cannot be negative.")
        if reset:
            removed = seeding.demo_reset()
            self.stdout.write(f"Deleted {removed} demo accounts and their conversations.")
        plan = seeding.SeedPlan(
            users=users,
            conversations=conversations,
            messages_per_conversation=messages_per_conversation,
            heavy_conversations=heavy_conversations if heavy_user else 0,
        )
        total = seeding.messages_to_create(plan)
        with Progress(
            self.stderr, total=total, label="seed", unit="messages", enabled=verbosity > 0 and total > 0
        ) as bar:
            result = seeding.demo_seed(plan=plan, on_messages=bar.advance)
        self.stdout.write(
            f"Created {result.users_created} users, {result.conversations} conversations, {result.messages} messages; "
            f"skipped {result.users_skipped} existing users."
        )
        self.stdout.write(f"Demo users' password: {seeding.DEMO_PASSWORD}")
