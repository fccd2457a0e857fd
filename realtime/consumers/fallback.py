from realtime.consumers.base import NOT_FOUND, SocketConsumer


class UnknownPathConsumer(SocketConsumer):
    """Any other `/ws/...` path: accepted, then closed with 4404 so clients see why."""

    kind = "unknown"

    async def websocket_connect(self, message):
        self.counted = False
        await self.accept(self.scope.get("socket_auth").subprotocol if self.scope.get("socket_auth") else None)
        await self.close(NOT_FOUND)
