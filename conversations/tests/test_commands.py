"""The maintenance commands, run with call_command against the real database."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import User
from conversations import seeding, timestamps, transfer
from conversations.models import Conversation, Message
from conversations.serializers import conversation_payload
from conversations.signals import conversations_changed
from conversations.tests.factories import conversation_data, make_conversation

pytestmark = pytest.mark.django_db


def run(*args, **options) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def snapshot(owner) -> list[dict]:
    return [conversation_payload(c) for c in Conversation.objects.owned_by(owner).with_messages().order_by("public_id")]


def without_owner(payloads: list[dict]) -> list[dict]:
    return [{k: v for k, v in p.items() if k != "userId"} for p in payloads]


@pytest.fixture
def signals():
    received = []

    def receiver(sender, **kwargs):
        received.append((kwargs["owner_id"], kwargs["action"], sorted(kwargs["conversation_ids"])))

    conversations_changed.connect(receiver)
    yield received
    conversations_changed.disconnect(receiver)


@pytest.fixture
def alice_data(user):
    make_conversation(user, "conv_1", title="Trip to 北京", messages=3, systemPrompt="Be brief.\nAnd kind.")
    make_conversation(user, "conv_2", title="Code review", messages=2)
    conversation = Conversation.objects.get(owner=user, public_id="conv_2")
    Message.objects.filter(conversation=conversation, position=1).update(model="gpt-4", tokens=12, stopped=True)
    return user


# export_conversations


def test_export_jsonl_is_the_wire_format_plus_username(alice_data, make_user, tmp_path):
    make_conversation(make_user("bob"), "conv_1", title="Bob's")
    target = tmp_path / "alice.jsonl"

    out, err = run("export_conversations", user="alice", output=str(target))

    lines = target.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert records == [{**payload, "username": "alice"} for payload in snapshot(alice_data)]
    assert records[0]["title"] == "Trip to 北京"
    assert '"Trip to 北京"' in lines[0]  # UTF-8 text, not \u escapes
    assert out == ""
    assert "Exported 2 conversations as jsonl" in err


def test_export_all_users_to_stdout_in_owner_order(alice_data, make_user):
    make_conversation(make_user("bob"), "conv_9", title="Bob's")

    out, _err = run("export_conversations")

    records = [json.loads(line) for line in out.splitlines()]
    assert [(r["username"], r["id"]) for r in records] == [("alice", "conv_1"), ("alice", "conv_2"), ("bob", "conv_9")]


def test_export_markdown_is_a_readable_transcript(alice_data):
    out, _err = run("export_conversations", user="alice", format="markdown")

    first = out.split("\n---\n")[0]
    assert first.startswith("# Trip to 北京\n\n- id: `conv_1`\n- owner: alice\n- model: gpt-4\n")
    assert "> **system prompt**\n> Be brief.\n> And kind.\n" in first
    assert "**user** · 2023-11-14 22:13:20 UTC\n\nmessage 0 of conv_1\n" in first
    assert "**assistant** · 2023-11-14 22:13:20 UTC\n\nmessage 1 of conv_1\n" in first
    assert "**assistant** (gpt-4, 12 tokens, stopped) · 2023-11-14 22:13:20 UTC\n\nmessage 1 of conv_2\n" in out
    assert out.count("\n---\n") == 2


def test_export_unknown_user_is_an_error(db):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("export_conversations", user="nobody")


def test_export_reads_messages_in_chunks_with_constant_queries(alice_data, django_assert_num_queries):
    for n in range(3, 8):
        make_conversation(alice_data, f"conv_{n}")
    queryset = transfer.conversations_for_export(username="alice")
    # One query streams the conversations; each chunk (4, then 3) prefetches its own messages.
    with django_assert_num_queries(3):
        assert len(list(transfer.iter_conversations(queryset, chunk_size=4))) == 7


# import_conversations


@pytest.fixture
def alice_export(alice_data, tmp_path):
    target = tmp_path / "export.jsonl"
    run("export_conversations", user="alice", output=str(target))
    return target


def test_import_into_a_fresh_user_copies_everything(
    alice_export, make_user, signals, django_capture_on_commit_callbacks
):
    carol = make_user("carol")

    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run("import_conversations", str(alice_export), user="carol")

    assert out == "created 2, skipped-existing 0, failed 0\n"
    assert without_owner(snapshot(carol)) == without_owner(snapshot(User.objects.get(username="alice")))
    assert (carol.pk, "created", ["conv_1"]) in signals
    assert (carol.pk, "created", ["conv_2"]) in signals


def test_import_twice_creates_nothing_new(alice_export, make_user):
    carol = make_user("carol")
    run("import_conversations", str(alice_export), user="carol")
    before = snapshot(carol)

    out, _err = run("import_conversations", str(alice_export), user="carol")

    assert out == "created 0, skipped-existing 2, failed 0\n"
    assert snapshot(carol) == before
    assert Message.objects.count() == 2 * 5


def test_import_into_the_same_owner_by_username_creates_nothing(alice_export, alice_data):
    before = snapshot(alice_data)

    out, _err = run("import_conversations", str(alice_export))

    assert out == "created 0, skipped-existing 2, failed 0\n"
    assert snapshot(alice_data) == before


def test_import_after_purge_restores_by_username(alice_export, alice_data):
    before = snapshot(alice_data)
    Conversation.objects.all().delete()

    out, _err = run("import_conversations", str(alice_export))

    assert out == "created 2, skipped-existing 0, failed 0\n"
    assert snapshot(alice_data) == before


def test_import_never_attaches_to_another_users_conversation(alice_export, alice_data, make_user):
    bob = make_user("bob")
    make_conversation(bob, "conv_1", title="Bob's own", messages=1)
    bobs_before = snapshot(bob)
    Conversation.objects.owned_by(alice_data).delete()

    out, _err = run("import_conversations", str(alice_export))

    assert out == "created 2, skipped-existing 0, failed 0\n"
    assert snapshot(bob) == bobs_before
    assert Conversation.objects.owned_by(alice_data).count() == 2


def test_import_with_user_skips_that_users_same_id_without_touching_it(alice_export, make_user):
    bob = make_user("bob")
    make_conversation(bob, "conv_1", title="Bob's own", messages=1)
    before = Conversation.objects.get(owner=bob, public_id="conv_1")

    out, _err = run("import_conversations", str(alice_export), user="bob")

    assert out == "created 1, skipped-existing 1, failed 0\n"
    after = Conversation.objects.get(owner=bob, public_id="conv_1")
    assert (after.title, after.message_count, after.messages.count()) == ("Bob's own", 1, 1)
    assert after.updated_at == before.updated_at


def write_lines(path, lines: list[str]) -> str:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_bad_records_are_reported_by_line_and_skipped_whole(user, tmp_path):
    good = {"username": "alice", **conversation_data("good_1", messages=2)}
    duplicate_messages = {"username": "alice", **conversation_data("dup_1", messages=2)}
    duplicate_messages["messages"][1]["id"] = duplicate_messages["messages"][0]["id"]
    bad_role = {"username": "alice", **conversation_data("bad_1", messages=2)}
    bad_role["messages"][1]["role"] = "robot"
    path = write_lines(
        tmp_path / "mixed.jsonl",
        [
            json.dumps(good),
            "{not json",
            "",
            json.dumps(bad_role),
            json.dumps([1, 2]),
            json.dumps({"username": "alice", "title": "no id"}),
            json.dumps({"username": "ghost", **conversation_data("ghost_1")}),
            json.dumps(duplicate_messages),
            json.dumps({"username": "alice", **conversation_data("batch")}),
            json.dumps({"username": "alice", **conversation_data("good_2", messages=1)}),
        ],
    )
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match="7 record"):
        call_command("import_conversations", path, stdout=out, stderr=err)

    assert out.getvalue() == "created 2, skipped-existing 0, failed 7\n"
    reported = [line for line in err.getvalue().splitlines() if not line.startswith("import [")]
    assert reported[0].startswith("line 2: not valid JSON (")
    assert reported[1:] == [
        'line 4: messages.1.role: "robot" is not a valid choice.',
        "line 5: not a JSON object",
        "line 6: id: a record needs an id, so a second import can recognise it",
        "line 7: unknown user 'ghost' (create it or use --user)",
        "line 8: Two messages in one conversation share an id.",
        "line 9: id: This id is reserved.",
    ]
    assert sorted(Conversation.objects.values_list("public_id", flat=True)) == ["good_1", "good_2"]
    # Nothing half-written: every message belongs to a created conversation, counts agree.
    assert Message.objects.count() == 3
    for conversation in Conversation.objects.annotate(n=Count("messages")):
        assert conversation.n == conversation.message_count


def test_import_missing_file_and_unknown_user_are_errors(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_conversations", str(tmp_path / "missing.jsonl"))
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        run("import_conversations", str(tmp_path / "missing.jsonl"), user="nobody")


# purge_data


def make_aged(owner, conversation_id: str, *, days: int, messages: int = 2) -> Conversation:
    moment = timestamps.to_ms(timezone.now() - timedelta(days=days))
    return make_conversation(owner, conversation_id, messages=messages, createdAt=moment, updatedAt=moment)


@pytest.fixture
def aged(user, other_user):
    make_aged(user, "old_1", days=400, messages=3)
    make_aged(user, "old_2", days=91)
    make_aged(user, "recent", days=10)
    make_aged(other_user, "old_3", days=200, messages=1)
    make_aged(other_user, "new", days=0)
    return user, other_user


def test_purge_dry_run_counts_and_deletes_nothing(aged):
    out, _err = run("purge_data", older_than=90, dry_run=True)

    assert out.splitlines()[1] == "conversations: would delete 3, 6 messages."
    assert Conversation.objects.count() == 5
    assert Message.objects.count() == 3 + 2 + 2 + 1 + 2


def test_purge_deletes_only_old_rows_in_batches_and_tells_owners(aged, signals, django_capture_on_commit_callbacks):
    alice, mallory = aged

    with django_capture_on_commit_callbacks(execute=True):
        out, err = run("purge_data", older_than=90, batch_size=2)

    assert out.splitlines()[1] == "conversations: deleted 3, 6 messages."
    assert sorted(Conversation.objects.values_list("public_id", flat=True)) == ["new", "recent"]
    assert Message.objects.count() == 4
    assert sorted(signals) == [
        (alice.pk, "deleted", ["old_1"]),
        (alice.pk, "deleted", ["old_2"]),
        (mallory.pk, "deleted", ["old_3"]),
    ]
    assert "conversations [" in err

    out, _err = run("purge_data", older_than=90)
    assert out.splitlines()[1] == "conversations: deleted 0, 0 messages."


def test_purge_quiet_at_verbosity_zero_and_rejects_bad_options(aged):
    _out, err = run("purge_data", older_than=90, verbosity=0)
    assert err == ""
    with pytest.raises(CommandError, match="at least 1 day"):
        run("purge_data", older_than=0)
    with pytest.raises(CommandError, match="Unknown kind"):
        run("purge_data", older_than=5, only=["nope"])


# seed_demo


SMALL = {"users": 3, "conversations": 4, "messages_per_conversation": 25, "heavy_user": True, "heavy_conversations": 8}


def test_seed_demo_builds_exact_counts_with_consistent_message_counts(db):
    out, err = run("seed_demo", **SMALL)

    assert out.splitlines() == [
        "Created 4 users, 20 conversations, 500 messages; skipped 0 existing users.",
        f"Demo users' password: {seeding.DEMO_PASSWORD}",
    ]
    assert "seed [" in err
    assert sorted(User.objects.values_list("username", flat=True)) == [
        "demo_heavy",
        "demo_user_0001",
        "demo_user_0002",
        "demo_user_0003",
    ]
    assert Conversation.objects.filter(owner__username="demo_heavy").count() == 8
    assert Message.objects.count() == 500
    assert Conversation.objects.aggregate(total=Sum("message_count"))["total"] == 500
    for conversation in Conversation.objects.annotate(n=Count("messages")):
        assert conversation.n == conversation.message_count == 25
        last = conversation.messages.in_order().last()
        assert conversation.updated_at == last.timestamp
    heavy_first = Conversation.objects.get(owner__username="demo_heavy", public_id="demo_00001")
    assert list(heavy_first.messages.in_order().values_list("position", "public_id"))[:3] == [
        (0, "m0"),
        (1, "m1"),
        (2, "m2"),
    ]


def test_seed_demo_marker_words_at_their_documented_frequencies(db):
    run("seed_demo", **SMALL)  # 4 users x 100 or 200 messages: a whole number of hundreds each

    total = Message.objects.count()
    assert Message.objects.filter(content__contains="zephyr").count() == total // 100
    assert Message.objects.filter(content__contains="蝴蝶").count() == total // 100
    assert Message.objects.filter(content__contains="quasar").count() == total // 10
    assert Message.objects.filter(content__icontains="ZEPHYR").count() == total // 100
    assert Message.objects.filter(content__regex="[一-龥]").exists()
    assert Message.objects.filter(content__regex="^[A-Z][a-z]").exists()


def test_seed_demo_is_deterministic_and_rerun_skips_existing_users(db):
    run("seed_demo", users=2, conversations=2, messages_per_conversation=3)
    first = list(
        Message.objects.order_by("conversation__owner__username", "conversation__public_id", "position").values_list(
            "content", flat=True
        )
    )

    out, _err = run("seed_demo", users=3, conversations=2, messages_per_conversation=3)

    assert out.splitlines()[0] == "Created 1 users, 2 conversations, 6 messages; skipped 2 existing users."
    assert User.objects.count() == 3

    run("seed_demo", users=2, conversations=2, messages_per_conversation=3, reset=True)
    again = list(
        Message.objects.order_by("conversation__owner__username", "conversation__public_id", "position").values_list(
            "content", flat=True
        )
    )
    assert again == first


def test_seed_demo_reset_leaves_real_users_alone(user, signals, django_capture_on_commit_callbacks):
    make_conversation(user, "mine")
    run("seed_demo", users=1, conversations=1, messages_per_conversation=2)
    demo = User.objects.get(username="demo_user_0001")

    with django_capture_on_commit_callbacks(execute=True):
        out, _err = run("seed_demo", users=0, reset=True)

    assert out.splitlines()[0] == "Deleted 1 demo accounts and their conversations."
    assert list(User.objects.values_list("username", flat=True)) == ["alice"]
    assert list(Conversation.objects.values_list("public_id", flat=True)) == ["mine"]
    assert (demo.pk, "deleted", ["demo_00001"]) in signals


def test_seed_demo_password_logs_in_and_passes_the_validators(db):
    run("seed_demo", users=1, conversations=0)
    demo = User.objects.get(username="demo_user_0001")

    assert demo.check_password(seeding.DEMO_PASSWORD)
    validate_password(seeding.DEMO_PASSWORD, demo)


def test_seed_demo_tells_each_new_owner_once(db, signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run("seed_demo", users=2, conversations=2, messages_per_conversation=1)

    owners = dict(User.objects.values_list("username", "pk"))
    assert sorted(signals) == sorted(
        (owners[name], "created", ["demo_00001", "demo_00002"]) for name in ("demo_user_0001", "demo_user_0002")
    )


@pytest.mark.parametrize("command", ["export_conversations", "import_conversations", "purge_data", "seed_demo"])
def test_every_command_explains_itself(command, capsys):
    with pytest.raises(SystemExit):
        call_command(command, "--help")
    text = capsys.readouterr().out
    assert len(text) > 600
    assert "usage:" in text


def test_seed_demo_never_touches_a_real_account_with_a_demo_name(make_user):
    real = make_user("demo_user_0001")
    make_conversation(real, "mine")

    out, _err = run("seed_demo", users=2, conversations=1, messages_per_conversation=2, reset=True)
    out2, _err = run("seed_demo", users=2, conversations=1, messages_per_conversation=2, reset=True)

    assert out.splitlines()[0] == "Deleted 0 demo accounts and their conversations."
    assert out.splitlines()[1] == "Created 1 users, 1 conversations, 2 messages; skipped 1 existing users."
    assert out2.splitlines()[0] == "Deleted 1 demo accounts and their conversations."
    assert list(Conversation.objects.owned_by(real).values_list("public_id", flat=True)) == ["mine"]
    assert User.objects.filter(pk=real.pk).exists()
