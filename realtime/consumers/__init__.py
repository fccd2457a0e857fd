"""One consumer per socket path; `base.SocketConsumer` holds what they share."""
