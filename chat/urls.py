from django.urls import path

from chat import views

urlpatterns = [
    path("chat", views.ChatView.as_view(), name="chat"),
    path("chat/ai", views.ChatAIView.as_view(), name="chat-ai"),
    path("chat/models", views.ModelListView.as_view(), name="chat-models"),
    path("auth/keys", views.ProviderKeyListView.as_view(), name="provider-keys"),
    path("auth/keys/<str:provider>", views.ProviderKeyDetailView.as_view(), name="provider-key-detail"),
    path("stats", views.StatsView.as_view(), name="stats"),
]
