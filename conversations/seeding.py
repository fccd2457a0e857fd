"""Demo data at any scale, for trying the product and for benchmarks (`manage.py seed_demo`).

Accounts are `demo_user_0001`, ... and `demo_heavy`, all with the password `DEMO_PASSWORD` and
an email at `DEMO_EMAIL_DOMAIN` (the two together mark an account as demo data for `--reset`).
Text is deterministic: each user's conversations come from a random generator seeded with the
username, so a user's text is the same on every run and on every machine (timestamps are
relative to the time of the run). About 30% of conversations are in Chinese, the rest in
English. Marker words occur at exact frequencies, counted over each user's messages in order,
for search benchmarks (see `MARKERS`); no other generated text contains them.

Rows go in with one multi-row INSERT per chunk of conversations and, on PostgreSQL, `COPY` for
messages; each group of users is one transaction, so an interrupted run leaves whole users only.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import QuerySet

from accounts.models import User
from conversations import services, timestamps
from conversations.models import Conversation, Message, Role

DEMO_PASSWORD = "Demo-Studio-2024!"
DEMO_EMAIL_DOMAIN = "demo.chatstudio.invalid"
HEAVY_USERNAME = "demo_heavy"
LIGHT_PREFIX = "demo_user_"

# word -> (one message in N, the residue of the user's message counter that carries it)
MARKERS: dict[str, tuple[int, int]] = {
    "quasar": (10, 3),  # 10% of messages
    "zephyr": (100, 7),  # 1%
    "蝴蝶": (100, 51),  # 1% (Chinese: "butterfly")
    "nebula": (1000, 500),  # 0.1%
}

ENGLISH_WORDS = (
    "the a an and or but if then because so when where which who what how why this that these those "
    "I you we they it he she me us them my your our their its is are was were be been being have has "
    "had do does did can could will would should may might must shall not no yes very more most less "
    "time day week year plan trip project team code test data model answer question idea problem "
    "reason example result change issue email meeting report budget price order customer product "
    "service server database query cache page list table chart number letter word sentence story book "
    "music movie game food coffee tea water city country river mountain garden window door house room "
    "friend family teacher student doctor writer manager engineer designer summary draft outline "
    "write read explain translate compare improve check fix build design describe suggest remember "
    "help show tell ask find make take give keep start finish open close move try use need want like "
    "good better best simple clear quick slow large small new old early late important useful possible "
    "today tomorrow yesterday morning evening always often sometimes never again also only just still "
    "please thanks sure great okay maybe perhaps probably really actually"
).split()

CHINESE_WORDS = (
    "我们 你们 他们 今天 明天 昨天 早上 晚上 时间 问题 答案 想法 计划 项目 团队 代码 测试 数据 模型 "
    "报告 会议 邮件 预算 价格 订单 客户 产品 服务 城市 国家 朋友 家人 老师 学生 医生 工程师 设计 "
    "总结 草稿 大纲 翻译 解释 比较 改进 检查 修复 建议 记得 需要 希望 喜欢 简单 清楚 重要 有用 "
    "可能 已经 还是 因为 所以 但是 如果 然后 一起 一下 非常 更多 最好 谢谢 请问 当然 也许 其实 "
    "咖啡 茶 米饭 面条 天气 旅行 音乐 电影 书 花园 窗户 房间 山 河 学习 工作 周末 火车 飞机"
).split()

TOPICS = (
    "Travel plans",
    "Weekly report",
    "Code review",
    "Recipe ideas",
    "Job interview",
    "Reading list",
    "Budget for the team",
    "Email draft",
    "旅行计划",
    "周报",
    "学习中文",
    "项目总结",
    "周末安排",
)
MODELS = ("gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet-latest", "local-echo")
SYSTEM_PROMPTS = ("", "", "", "You are a helpful assistant.", "你是一个乐于助人的助手。")

CHUNK_CONVERSATIONS = 1000
USERS_PER_TRANSACTION = 100


@dataclass(frozen=True)
class SeedPlan:
    users: int
    conversations: int
    messages_per_conversation: int
    heavy_conversations: int = 0

    def usernames(self) -> list[str]:
        width = max(4, len(str(self.users)))
        names = [f"{LIGHT_PREFIX}{n:0{width}d}" for n in range(1, self.users + 1)]
        return [HEAVY_USERNAME, *names] if self.heavy_conversations else names

    def conversations_for(self, username: str) -> int:
        return self.heavy_conversations if username == HEAVY_USERNAME else self.conversations


@dataclass
class SeedResult:
    users_created: int = 0
    users_skipped: int = 0
    conversations: int = 0
    messages: int = 0


def demo_users() -> QuerySet:
    return User.objects.filter(username__startswith="demo_", email__endswith=f"@{DEMO_EMAIL_DOMAIN}")


def existing_usernames(plan: SeedPlan) -> set[str]:
    """The plan's usernames already taken: those users are skipped, whoever they are."""
    return set(User.objects.filter(username__in=plan.usernames()).values_list("username", flat=True))


def messages_to_create(plan: SeedPlan) -> int:
    existing = existing_usernames(plan)
    return sum(
        plan.conversations_for(name) * plan.messages_per_conversation
        for name in plan.usernames()
        if name not in existing
    )


class _TextMaker:
    """One user's deterministic text; `counter` numbers the user's messages for the markers."""

    def __init__(self, username: str) -> None:
        self.rng = random.Random(f"chatstudio-demo:{username}")
        self.counter = 0

    def message(self, *, chinese: bool) -> str:
        rng = self.rng
        words = rng.choices(CHINESE_WORDS if chinese else ENGLISH_WORDS, k=rng.randint(6, 24))
        for marker, (every, residue) in MARKERS.items():
            if self.counter % every == residue:
                # Never first: the capital there would hide an English marker from a
                # case-sensitive count.
                words.insert(rng.randrange(1, len(words) + 1), marker)
        self.counter += 1
        if chinese:
            return "".join(words) + "。"
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _conversations(
    *, owner: User, count: int, messages_each: int, now: datetime
) -> Iterator[tuple[Conversation, list[tuple]]]:
    """Unsaved conversations with their message rows (without the conversation id yet)."""
    text = _TextMaker(owner.username)
    rng = text.rng
    for n in range(count):
        chinese = rng.random() < 0.3
        model = rng.choice(MODELS)
        # Far enough back that the last message is still in the past.
        created = now - timedelta(seconds=rng.randrange(86_400, 365 * 86_400) + 120 * messages_each)
        moment = created
        rows = []
        for position in range(messages_each):
            moment += timedelta(seconds=rng.randrange(5, 120))
            content = text.message(chinese=chinese)
            assistant = position % 2 == 1
            rows.append(
                (
                    f"m{position}",
                    Role.ASSISTANT if assistant else Role.USER,
                    content,
                    model if assistant else "",
                    max(1, len(content) // 4) if assistant else None,
                    False,
                    position,
                    moment,
                )
            )
        conversation = Conversation(
            owner=owner,
            public_id=f"demo_{n + 1:05d}",
            title=f"{rng.choice(TOPICS)} #{n + 1}",
            model=model,
            system_prompt=rng.choice(SYSTEM_PROMPTS),
            message_count=messages_each,
            created_at=created,
            updated_at=moment,
        )
        yield conversation, rows


_MESSAGE_COLUMNS = ("public_id", "role", "content", "model", "tokens", "stopped", "position", "timestamp")


def _insert_messages(rows: list[tuple]) -> None:
    """`rows` are (conversation_id, *_MESSAGE_COLUMNS) tuples."""
    if connection.vendor == "postgresql":
        columns = ", ".join(Message._meta.get_field(name).column for name in ("conversation", *_MESSAGE_COLUMNS))
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {Message._meta.db_table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    Message.objects.bulk_create(
        Message(conversation_id=row[0], **dict(zip(_MESSAGE_COLUMNS, row[1:], strict=True))) for row in rows
    )


def _flush(batch: list[tuple[Conversation, list[tuple]]], on_messages: Callable[[int], None]) -> None:
    created = Conversation.objects.bulk_create([conversation for conversation, _rows in batch])
    rows = [
        (conversation.pk, *row)
        for conversation, (_c, message_rows) in zip(created, batch, strict=True)
        for row in message_rows
    ]
    _insert_messages(rows)
    on_messages(len(rows))


@transaction.atomic
def _seed_users(
    *, usernames: list[str], plan: SeedPlan, password_hash: str, now: datetime, on_messages: Callable[[int], None]
) -> SeedResult:
    owners = User.objects.bulk_create(
        User(username=name, email=f"{name}@{DEMO_EMAIL_DOMAIN}", password=password_hash, date_joined=now)
        for name in usernames
    )
    result = SeedResult(users_created=len(owners))
    batch: list[tuple[Conversation, list[tuple]]] = []
    for owner in owners:
        conversations = _conversations(
            owner=owner,
            count=plan.conversations_for(owner.username),
            messages_each=plan.messages_per_conversation,
            now=now,
        )
        ids = []
        for conversation, rows in conversations:
            batch.append((conversation, rows))
            ids.append(conversation.public_id)
            result.conversations += 1
            result.messages += len(rows)
            if len(batch) >= CHUNK_CONVERSATIONS:
                _flush(batch, on_messages)
                batch = []
        services._notify_on_commit(owner_id=owner.pk, action="created", conversation_ids=ids)
    if batch:
        _flush(batch, on_messages)
    return result


def demo_seed(*, plan: SeedPlan, on_messages: Callable[[int], None] = lambda count: None) -> SeedResult:
    """Creates the plan's demo users that do not exist yet, each with its conversations and
    messages; existing demo users are left as they are. Each group of users is one transaction.

    Pushes `conversation_created` once per new user after commit.
    """
    existing = existing_usernames(plan)
    todo = [name for name in plan.usernames() if name not in existing]
    password_hash = make_password(DEMO_PASSWORD)  # hashed once: Argon2 per user would take minutes
    now = timestamps.now()
    result = SeedResult(users_skipped=len(existing))
    # The heavy user alone is one transaction; light users go a hundred at a time.
    groups = [[HEAVY_USERNAME]] if HEAVY_USERNAME in todo else []
    light = [name for name in todo if name != HEAVY_USERNAME]
    groups += [light[i : i + USERS_PER_TRANSACTION] for i in range(0, len(light), USERS_PER_TRANSACTION)]
    for group in groups:
        done = _seed_users(usernames=group, plan=plan, password_hash=password_hash, now=now, on_messages=on_messages)
        result.users_created += done.users_created
        result.conversations += done.conversations
        result.messages += done.messages
    return result


@transaction.atomic
def demo_reset() -> int:
    """Deletes every demo account with its conversations and messages; returns how many accounts.

    Pushes `conversation_deleted` to each demo owner after commit.
    """
    owners = list(demo_users().values_list("pk", flat=True))
    for owner_id in owners:
        ids = list(Conversation.objects.filter(owner_id=owner_id).values_list("public_id", flat=True))
        services._notify_on_commit(owner_id=owner_id, action="deleted", conversation_ids=ids)
    Message.objects.filter(conversation__owner_id__in=owners).delete()
    Conversation.objects.filter(owner_id__in=owners).delete()
    User.objects.filter(pk__in=owners).delete()
    return len(owners)
