from django.urls import path

from conversations import views

urlpatterns = [
    path("conversations", views.ConversationListView.as_view(), name="conversation-list"),
    path("conversations/batch", views.ConversationBatchView.as_view(), name="conversation-batch"),
    path("conversations/paginated", views.ConversationPaginatedView.as_view(), name="conversation-paginated"),
    path("conversations/<str:conversation_id>", views.ConversationDetailView.as_view(), name="conversation-detail"),
    path(
        "conversations/<str:conversation_id>/messages",
        views.ConversationMessagesView.as_view(),
        name="conversation-messages",
    ),
    path("search", views.SearchView.as_view(), name="search"),
]
