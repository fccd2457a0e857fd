from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from chatstudio.renderers import RenderedJSON, render_json
from chatstudio.schema import AUTHENTICATED_ERROR_RESPONSES, MessageResponse, error_response
from conversations import services, timestamps
from conversations.cache import cached_read
from conversations.filters import ConversationFilter
from conversations.models import Conversation
from conversations.search import conversations_search
from conversations.serializers import (
    BatchCreateResultSerializer,
    BatchDeleteResultSerializer,
    BatchDeleteSerializer,
    ConversationCreateSerializer,
    ConversationSerializer,
    ConversationUpdateSerializer,
    LimitOffsetQuerySerializer,
    MessageInputSerializer,
    MessageSerializer,
    PaginatedConversationsSerializer,
    PaginatedQuerySerializer,
    SearchQuerySerializer,
    SearchResponseSerializer,
    conversation_payloads,
    message_payload,
)

NOT_FOUND = {404: error_response("No conversation with this id belongs to you.")}


def owned_conversation(request, conversation_id: str) -> Conversation:
    """The caller's conversation with this public id; another user's answers 404 like a missing one."""
    return get_object_or_404(Conversation.objects.owned_by(request.user), public_id=conversation_id)


def _created_payloads(created: list[Conversation]) -> list[dict]:
    return conversation_payloads(created, messages=[m for c in created for m in c.created_messages])


def _window(request, *, default_limit: int, max_limit: int) -> tuple[int, int]:
    params = LimitOffsetQuerySerializer(data=request.query_params)
    params.is_valid(raise_exception=True)
    limit = min(params.validated_data.get("limit", default_limit), max_limit)
    return params.validated_data["offset"], limit


class ConversationListView(GenericAPIView):
    throttle_scopes = {"GET": "read", "POST": "create"}
    filter_backends = [DjangoFilterBackend]
    filterset_class = ConversationFilter
    serializer_class = ConversationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Conversation.objects.none()
        return Conversation.objects.owned_by(self.request.user)

    @extend_schema(
        tags=["conversations"],
        summary="The caller's conversations, most recently updated first",
        description="A plain array; `?limit=&offset=` pages it and `X-Total-Count` carries the total. "
        "Without `limit`, up to CONVERSATION_LIST_MAX (1,000) are returned.",
        parameters=[LimitOffsetQuerySerializer],
        responses={200: ConversationSerializer(many=True), **AUTHENTICATED_ERROR_RESPONSES},
    )
    def get(self, request):
        def compute():
            queryset = self.filter_queryset(self.get_queryset())
            offset, limit = _window(
                request, default_limit=settings.CONVERSATION_LIST_MAX, max_limit=settings.CONVERSATION_LIST_MAX
            )
            page = queryset.order_by("-updated_at", "-pk")[offset : offset + limit]
            return queryset.count(), render_json(conversation_payloads(page))

        params = request.GET.urlencode()
        total, body = cached_read(owner_id=request.user.pk, view="list", params=params, compute=compute)
        return Response(RenderedJSON(body), headers={"X-Total-Count": str(total)})

    @extend_schema(
        tags=["conversations"],
        summary="Create a conversation, optionally with messages",
        request=ConversationCreateSerializer,
        responses={
            201: ConversationSerializer,
            409: error_response("You already have a conversation with this id."),
            **AUTHENTICATED_ERROR_RESPONSES,
        },
    )
    def post(self, request):
        serializer = ConversationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = services.conversation_create(owner=request.user, data=serializer.validated_data)
        return Response(_created_payloads([conversation])[0], status=status.HTTP_201_CREATED)


class ConversationDetailView(APIView):
    throttle_scopes = {"GET": "read"}

    @extend_schema(
        tags=["conversations"], responses={200: ConversationSerializer, **NOT_FOUND, **AUTHENTICATED_ERROR_RESPONSES}
    )
    def get(self, request, conversation_id: str):
        return Response(conversation_payloads([owned_conversation(request, conversation_id)])[0])

    @extend_schema(
        tags=["conversations"],
        summary="Replace a conversation",
        description="Title, model, systemPrompt and the message list, in one transaction: messages absent "
        "from the list are removed, new ones added, changed ones updated. `id`, `userId` and timestamps "
        "in the body are ignored; `updatedAt` becomes now.",
        request=ConversationUpdateSerializer,
        responses={200: ConversationSerializer, **NOT_FOUND, **AUTHENTICATED_ERROR_RESPONSES},
    )
    def put(self, request, conversation_id: str):
        return self._update(request, conversation_id, partial=False)

    @extend_schema(
        tags=["conversations"],
        summary="Update the given fields of a conversation",
        request=ConversationUpdateSerializer(partial=True),
        responses={200: ConversationSerializer, **NOT_FOUND, **AUTHENTICATED_ERROR_RESPONSES},
    )
    def patch(self, request, conversation_id: str):
        return self._update(request, conversation_id, partial=True)

    def _update(self, request, conversation_id: str, *, partial: bool):
        conversation = owned_conversation(request, conversation_id)
        serializer = ConversationUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        services.conversation_update(conversation=conversation, data=serializer.validated_data)
        return Response(conversation_payloads([Conversation.objects.get(pk=conversation.pk)])[0])

    @extend_schema(
        tags=["conversations"], responses={200: MessageResponse, **NOT_FOUND, **AUTHENTICATED_ERROR_RESPONSES}
    )
    def delete(self, request, conversation_id: str):
        services.conversation_delete(conversation=owned_conversation(request, conversation_id))
        return Response({"message": _("Conversation deleted.")})


class ConversationBatchView(APIView):
    throttle_scopes = {"POST": "create"}

    @extend_schema(
        tags=["conversations"],
        summary="Create up to 1,000 conversations, all or nothing",
        request=ConversationCreateSerializer(many=True),
        responses={
            201: BatchCreateResultSerializer,
            400: error_response("More than 1,000 conversations; nothing written."),
            409: error_response("An id is duplicated or already yours; nothing written."),
            **AUTHENTICATED_ERROR_RESPONSES,
        },
    )
    def post(self, request):
        if not isinstance(request.data, list):
            raise serializers.ValidationError({"non_field_errors": [_("Send a JSON array of conversations.")]})
        services.check_batch_size(len(request.data))
        serializer = ConversationCreateSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        created = services.conversations_batch_create(owner=request.user, conversations=serializer.validated_data)
        return Response(
            {"success": True, "count": len(created), "conversations": _created_payloads(created)},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=["conversations"],
        summary="Delete several conversations",
        description="Body: an array of ids, or `{ids: [...]}`. Ids you do not own count as not found.",
        request=BatchDeleteSerializer,
        responses={200: BatchDeleteResultSerializer, **AUTHENTICATED_ERROR_RESPONSES},
    )
    def delete(self, request):
        payload = {"ids": request.data} if isinstance(request.data, list) else request.data
        serializer = BatchDeleteSerializer(data=payload)
        serializer.is_valid(raise_exception=True)
        deleted = services.conversations_batch_delete(owner=request.user, **serializer.validated_data)
        return Response({"success": True, "deleted_count": deleted})


class ConversationPaginatedView(APIView):
    throttle_scopes = {"GET": "read"}

    @extend_schema(
        tags=["conversations"],
        parameters=[PaginatedQuerySerializer],
        responses={200: PaginatedConversationsSerializer, **AUTHENTICATED_ERROR_RESPONSES},
    )
    def get(self, request):
        params = PaginatedQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        page, page_size = params.validated_data["page"], params.validated_data["page_size"]
        column = PaginatedQuerySerializer.SORT_FIELDS[params.validated_data["sort_by"]]
        sign = "-" if params.validated_data["sort_order"] == "desc" else ""

        def compute():
            queryset = Conversation.objects.owned_by(request.user)
            total = queryset.count()
            start = (page - 1) * page_size
            rows = queryset.order_by(f"{sign}{column}", f"{sign}pk")[start : start + page_size]
            return render_json(
                {
                    "page": page,
                    "page_size": page_size,
                    "total": total,
                    "total_pages": (total + page_size - 1) // page_size,
                    "conversations": conversation_payloads(rows),
                }
            )

        body = cached_read(owner_id=request.user.pk, view="paginated", params=request.GET.urlencode(), compute=compute)
        return Response(RenderedJSON(body))


class ConversationMessagesView(APIView):
    throttle_scopes = {"GET": "read"}

    @extend_schema(
        tags=["conversations"],
        summary="A conversation's messages in order",
        description="`?limit=` (default 100, max 1,000) and `?offset=`; the total is in `X-Total-Count`.",
        parameters=[LimitOffsetQuerySerializer],
        responses={200: MessageSerializer(many=True), **NOT_FOUND, **AUTHENTICATED_ERROR_RESPONSES},
    )
    def get(self, request, conversation_id: str):
        conversation = owned_conversation(request, conversation_id)
        offset, limit = _window(request, default_limit=100, max_limit=1000)
        rows = conversation.messages.in_order()[offset : offset + limit]
        return Response([message_payload(m) for m in rows], headers={"X-Total-Count": str(conversation.message_count)})

    @extend_schema(
        tags=["conversations"],
        summary="Append a message",
        request=MessageInputSerializer,
        responses={
            201: MessageSerializer,
            409: error_response("A message with this id exists."),
            **NOT_FOUND,
            **AUTHENTICATED_ERROR_RESPONSES,
        },
    )
    def post(self, request, conversation_id: str):
        conversation = owned_conversation(request, conversation_id)
        serializer = MessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = services.message_append(conversation=conversation, data=serializer.validated_data)
        return Response(message_payload(message), status=status.HTTP_201_CREATED)


class SearchView(APIView):
    throttle_scopes = {"GET": "read"}

    @extend_schema(
        tags=["conversations"],
        summary="Search titles, then message contents",
        description="Case-insensitive substring match. Title matches come first (most recently updated "
        "first), then conversations whose messages match, each with its first matching message.",
        parameters=[SearchQuerySerializer],
        responses={200: SearchResponseSerializer, **AUTHENTICATED_ERROR_RESPONSES},
    )
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        hits = conversations_search(
            owner=request.user,
            query=data["query"],
            limit=min(data.get("limit", settings.SEARCH_RESULTS_DEFAULT), settings.SEARCH_RESULTS_MAX),
            model=data.get("model"),
            created_from=timestamps.from_ms(data["date_from"]) if "date_from" in data else None,
            created_to=timestamps.from_ms(data["date_to"]) if "date_to" in data else None,
        )
        results = []
        payloads = conversation_payloads(hit.conversation for hit in hits)
        for hit, payload in zip(hits, payloads, strict=True):
            result = {"conversation": payload, "match_type": hit.match_type}
            if hit.matched_message is not None:
                result["matched_message"] = message_payload(hit.matched_message)
            results.append(result)
        return Response({"query": data["query"], "count": len(results), "results": results})
