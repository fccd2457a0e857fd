// Conversations: a searchable sidebar and a conversation whose replies stream in over the
// per-user socket (`chat` → `chat_started`, `chat_chunk`…, `chat_complete`), with Stop.

import { api, query } from "../api.js";
import { clear, debounce, h, toast, when } from "../dom.js";
import { composer } from "./composer.js";

const MODEL_KEY = "chatstudio.console.model";
const NEW = "new"; // #/chat/new: an empty conversation pane (also on narrow screens)
let modelsCache = null;

async function loadModels() {
  if (modelsCache) return modelsCache;
  try {
    const data = await api("/api/chat/models");
    modelsCache = { default: data.default, models: data.models.map((m) => m.id) };
  } catch {
    modelsCache = { default: "local-echo", models: ["local-echo"] };
  }
  return modelsCache;
}

function highlighted(text, needle) {
  if (!needle) return [text];
  const parts = [];
  const lower = text.toLowerCase();
  const target = needle.toLowerCase();
  let from = 0;
  let at = lower.indexOf(target);
  while (at !== -1 && target) {
    parts.push(text.slice(from, at), h("mark", {}, text.slice(at, at + target.length)));
    from = at + target.length;
    at = lower.indexOf(target, from);
  }
  parts.push(text.slice(from));
  return parts;
}

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function snippet(text, needle, width = 90) {
  const at = text.toLowerCase().indexOf(needle.toLowerCase());
  if (at < 0 || text.length <= width) return text.slice(0, width);
  const start = Math.max(0, at - Math.floor(width / 3));
  return (start > 0 ? "…" : "") + text.slice(start, start + width) + (start + width < text.length ? "…" : "");
}

export function messageNode(message) {
  const meta = [];
  if (message.model && message.role === "assistant") meta.push(message.model);
  if (message.tokens) meta.push(`${message.tokens} tokens`);
  if (message.timestamp) meta.push(when(message.timestamp));
  const body = h("div", { class: "bubble" }, message.content ?? "");
  return h(
    "article",
    { class: `message ${message.role}`, dataset: { role: message.role, id: message.id || "" } },
    body,
    h(
      "footer",
      { class: "meta" },
      meta.join(" · "),
      message.stopped ? h("span", { class: "badge" }, "stopped") : null,
    ),
  );
}

export function renderChat(root, { app, param }) {
  const state = {
    conversations: [],
    current: null,
    replies: new Map(), // reply_id -> {node, text}
    activeReply: null,
    pending: false,
    searchTerm: "",
  };

  const search = h("input", {
    type: "search",
    id: "search",
    placeholder: "Search conversations",
    "aria-label": "Search conversations",
    autocomplete: "off",
  });
  const list = h("ul", { class: "conversation-list", id: "conversation-list" });
  const listTitle = h("p", { class: "list-title" }, "Recent");
  const newButton = h("a", { class: "button primary", href: "#/chat/new", id: "new-chat" }, "+ New chat");
  const sidebar = h(
    "aside",
    { class: "sidebar" },
    h("div", { class: "sidebar-head" }, newButton, search),
    listTitle,
    list,
  );

  const title = h("h2", { class: "conversation-title", id: "conversation-title" });
  const modelTag = h("span", { class: "tag" });
  const back = h("a", { class: "back", href: "#/chat", "aria-label": "Back to conversations" }, "←");
  const messages = h("div", { class: "messages", id: "messages" });
  const models = h("select", { id: "model", "aria-label": "Model" });
  const input = composer({
    placeholder: "Message the model… (Enter to send, Shift+Enter for a new line)",
    extra: models,
    onSend: send,
    onStop: stop,
  });
  const pane = h(
    "section",
    { class: "conversation" },
    h("header", { class: "pane-head" }, back, title, modelTag),
    messages,
    input.node,
  );
  const layout = h("div", { class: "chat-layout" }, sidebar, pane);
  root.append(layout);

  function nearBottom() {
    return messages.scrollHeight - messages.scrollTop - messages.clientHeight < 80;
  }

  function scrollDown(force = false) {
    if (force || nearBottom()) messages.scrollTop = messages.scrollHeight;
  }

  function emptyState() {
    clear(messages).append(
      h(
        "div",
        { class: "empty" },
        h("h3", {}, "Start a conversation"),
        h(
          "p",
          {},
          "Pick a model and write a message. Without provider keys the server answers with its local " +
            "development model, which streams a short, honest reply word by word.",
        ),
      ),
    );
  }

  function listItem(conversation, match) {
    const preview = match?.matched_message
      ? highlighted(snippet(match.matched_message.content, state.searchTerm), state.searchTerm)
      : [`${plural(conversation.messageCount ?? conversation.messages?.length ?? 0, "message")} · ${conversation.model}`];
    return h(
      "li",
      {},
      h(
        "a",
        {
          href: `#/chat/${encodeURIComponent(conversation.id)}`,
          class: "conversation-link",
          "aria-current": state.current?.id === conversation.id ? "page" : "false",
          dataset: { id: conversation.id },
        },
        h(
          "span",
          { class: "row" },
          h("span", { class: "title" }, highlighted(conversation.title, state.searchTerm)),
          h("time", {}, when(conversation.updatedAt)),
        ),
        h("span", { class: "preview" }, preview),
      ),
    );
  }

  async function loadList() {
    if (state.searchTerm) return runSearch();
    try {
      const page = await api(`/api/conversations/paginated?${query({ page_size: 100, sort_by: "updatedAt" })}`);
      state.conversations = page.conversations;
      listTitle.textContent = page.total ? "Recent" : "No conversations yet";
      clear(list).append(...page.conversations.map((c) => listItem(c)));
    } catch (error) {
      toast(error.message);
    }
  }

  async function runSearch() {
    const term = state.searchTerm;
    try {
      const result = await api(`/api/search?${query({ query: term })}`);
      if (term !== state.searchTerm) return;
      listTitle.textContent = `${result.count} result${result.count === 1 ? "" : "s"} for “${term}”`;
      clear(list).append(...result.results.map((r) => listItem(r.conversation, r)));
    } catch (error) {
      toast(error.message);
    }
  }

  search.addEventListener(
    "input",
    debounce(() => {
      state.searchTerm = search.value.trim();
      loadList();
    }, 250),
  );

  function markCurrent() {
    for (const link of list.querySelectorAll("a.conversation-link")) {
      link.setAttribute("aria-current", link.dataset.id === state.current?.id ? "page" : "false");
    }
  }

  function setPending(pending) {
    state.pending = pending;
    input.setBusy(pending);
  }

  async function open(conversationId) {
    state.replies.clear();
    state.activeReply = null;
    setPending(false);
    layout.dataset.pane = conversationId ? "conversation" : "list";
    if (!conversationId || conversationId === NEW) {
      state.current = null;
      title.textContent = "New chat";
      modelTag.textContent = "";
      emptyState();
      markCurrent();
      input.focus();
      return;
    }
    try {
      const conversation = await api(`/api/conversations/${encodeURIComponent(conversationId)}`);
      state.current = conversation;
      title.textContent = conversation.title;
      modelTag.textContent = conversation.model;
      if ([...models.options].some((o) => o.value === conversation.model)) models.value = conversation.model;
      clear(messages).append(...conversation.messages.map(messageNode));
      if (!conversation.messages.length) emptyState();
      markCurrent();
      scrollDown(true);
      input.focus();
    } catch (error) {
      toast(error.status === 404 ? "That conversation does not exist." : error.message);
      location.replace("#/chat");
    }
  }

  async function send(text) {
    if (!app.userSocket?.open) {
      toast("Not connected yet; try again in a moment.");
      return false;
    }
    const model = models.value;
    localStorage.setItem(MODEL_KEY, model);
    if (!state.current) {
      try {
        const title = text.replace(/\s+/g, " ").trim().slice(0, 60);
        state.current = await api("/api/conversations", { method: "POST", body: { title, model } });
      } catch (error) {
        toast(error.message);
        return false;
      }
      history.replaceState(null, "", `#/chat/${encodeURIComponent(state.current.id)}`);
      layout.dataset.pane = "conversation";
      title.textContent = state.current.title;
      modelTag.textContent = model;
      clear(messages);
      loadList();
    }
    messages.querySelector(".empty")?.remove();
    messages.append(messageNode({ role: "user", content: text, timestamp: Date.now() }));
    scrollDown(true);
    setPending(true);
    app.userSocket.send({ type: "chat", content: text, conversation_id: state.current.id, model });
    return true;
  }

  function stop() {
    app.userSocket?.send(state.activeReply ? { type: "stop", reply_id: state.activeReply } : { type: "stop" });
  }

  function replyFor(frame) {
    let reply = state.replies.get(frame.reply_id);
    if (!reply) {
      const node = messageNode({ role: "assistant", content: "", model: frame.model });
      node.classList.add("streaming");
      const text = document.createTextNode("");
      node.querySelector(".bubble").replaceChildren(text);
      reply = { node, text };
      state.replies.set(frame.reply_id, reply);
      messages.append(node);
      scrollDown(true);
    }
    return reply;
  }

  function onFrame(event) {
    const frame = event.detail;
    if (frame.type.startsWith("conversation_")) {
      refreshList();
      if (frame.type === "conversation_deleted" && frame.conversation_id === state.current?.id) {
        location.replace("#/chat");
      }
      return;
    }
    if (frame.type === "error") {
      toast(frame.message);
      if (state.pending && !state.activeReply) setPending(false);
      return;
    }
    if (!frame.reply_id || frame.room_id) return;
    if (!state.current || frame.conversation_id !== state.current.id) return;
    if (frame.type === "chat_started") {
      state.activeReply = frame.reply_id;
      setPending(true);
      replyFor(frame);
    } else if (frame.type === "chat_chunk") {
      const reply = replyFor(frame);
      const follow = nearBottom();
      reply.text.appendData(frame.content);
      if (follow) scrollDown(true);
    } else if (frame.type === "chat_complete" || frame.type === "chat_error") {
      const reply = replyFor(frame);
      reply.node.classList.remove("streaming");
      const meta = reply.node.querySelector(".meta");
      if (frame.type === "chat_error") {
        reply.node.classList.add("failed");
        meta.replaceChildren(frame.message || "The reply failed.");
      } else {
        const parts = [frame.model, frame.tokens ? `${frame.tokens} tokens` : "", when(Date.now())];
        meta.replaceChildren(parts.filter(Boolean).join(" · "));
        if (frame.stopped) meta.append(h("span", { class: "badge" }, "stopped"));
      }
      if (frame.reply_id === state.activeReply) {
        state.activeReply = null;
        setPending(false);
      }
      refreshList();
    }
  }

  const refreshList = debounce(loadList, 300);
  app.userSocket?.addEventListener("frame", onFrame);

  loadModels().then(({ default: fallback, models: ids }) => {
    const chosen = localStorage.getItem(MODEL_KEY);
    models.replaceChildren(...ids.map((id) => h("option", { value: id }, id)));
    models.value = state.current?.model && ids.includes(state.current.model) ? state.current.model : ids.includes(chosen) ? chosen : fallback;
  });
  loadList();
  open(param);

  return {
    update(next) {
      open(next);
    },
    destroy() {
      app.userSocket?.removeEventListener("frame", onFrame);
    },
  };
}
