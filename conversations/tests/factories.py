"""Test data built through the services, so setup obeys the same rules as the API."""

from conversations import services


def conversation_data(
    conversation_id: str, *, title: str = "Chat", messages: int = 2, model: str = "gpt-4", **extra
) -> dict:
    return {
        "id": conversation_id,
        "title": title,
        "model": model,
        "messages": [
            {
                "id": f"{conversation_id}-m{i}",
                "role": "user" if i % 2 == 0 else "assistant",
                "content": f"message {i} of {conversation_id}",
                "timestamp": 1_700_000_000_000 + i,
            }
            for i in range(messages)
        ],
        **extra,
    }


def make_conversation(owner, conversation_id: str, **kwargs):
    return services.conversation_create(owner=owner, data=conversation_data(conversation_id, **kwargs))
