// Rooms: join by name, members with presence, live messages, typing indicator, and AI replies
// (`@assistant`) streaming to every member. One socket per open room: /ws/room/{room}/{user}.

import { clear, h, toast, when } from "../dom.js";
import { LiveSocket } from "../socket.js";
import { composer } from "./composer.js";

const RECENT_KEY = "chatstudio.console.rooms";
const ROOM_NAME = /^[A-Za-z0-9_.:-]{1,100}$/;
const TYPING_SHOWN_MS = 3500;
const TYPING_SENT_EVERY_MS = 2000;

function recentRooms() {
  try {
    return JSON.parse(localStorage.getItem(RECENT_KEY)) || [];
  } catch {
    return [];
  }
}

function remember(room) {
  const rooms = [room, ...recentRooms().filter((r) => r !== room)].slice(0, 12);
  localStorage.setItem(RECENT_KEY, JSON.stringify(rooms));
}

function roomMessageNode(frame, me) {
  const mine = frame.user_id === me;
  const role = frame.role === "assistant" ? "assistant" : mine ? "user" : "other";
  const meta = [frame.role === "assistant" ? frame.model || "assistant" : frame.username, when(frame.timestamp)];
  return h(
    "article",
    { class: `message ${role}`, dataset: { id: frame.message_id || "" } },
    mine ? null : h("header", { class: "author" }, frame.role === "assistant" ? "assistant" : frame.username),
    h("div", { class: "bubble" }, frame.content),
    h(
      "footer",
      { class: "meta" },
      meta.filter(Boolean).join(" · "),
      frame.stopped ? h("span", { class: "badge" }, "stopped") : null,
    ),
  );
}

export function renderRooms(root, { app, param }) {
  const me = String(app.user.id);
  let socket = null;
  let room = null;
  const members = new Map(); // user_id -> {username, online}
  const typing = new Map(); // user_id -> timer
  const streams = new Map(); // reply_id -> {node, text}
  let lastTypingSent = 0;

  const nameInput = h("input", {
    id: "room-name",
    placeholder: "Room name, e.g. lobby",
    "aria-label": "Room name",
    pattern: "[A-Za-z0-9_.:\\-]{1,100}",
    required: true,
  });
  const joinForm = h(
    "form",
    { class: "join", id: "join-room" },
    nameInput,
    h("button", { type: "submit", class: "primary" }, "Join"),
  );
  const recent = h("ul", { class: "conversation-list rooms-list" });
  const sidebar = h(
    "aside",
    { class: "sidebar" },
    h("div", { class: "sidebar-head" }, joinForm),
    h("p", { class: "list-title" }, "Your rooms"),
    recent,
  );

  const title = h("h2", { class: "conversation-title", id: "room-title" });
  const presence = h("span", { class: "tag", id: "room-presence" });
  const messages = h("div", { class: "messages", id: "room-messages" });
  const typingLine = h("p", { class: "typing", id: "typing", "aria-live": "polite" });
  const input = composer({
    placeholder: "Message the room… mention @assistant for an AI reply",
    onSend: send,
    onTyping: typed,
  });
  const memberList = h("ul", { class: "members", id: "members" });
  const pane = h(
    "section",
    { class: "conversation" },
    h("header", { class: "pane-head" }, h("a", { class: "back", href: "#/rooms" }, "←"), title, presence),
    messages,
    typingLine,
    input.node,
  );
  const membersPanel = h("aside", { class: "members-panel" }, h("p", { class: "list-title" }, "Members"), memberList);
  const layout = h("div", { class: "chat-layout rooms-layout" }, sidebar, pane, membersPanel);
  root.append(layout);

  joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (!ROOM_NAME.test(name)) {
      toast("Room names are letters, digits and _ . : - (up to 100).");
      return;
    }
    nameInput.value = "";
    location.hash = `#/rooms/${encodeURIComponent(name)}`;
  });

  function renderRecent() {
    clear(recent).append(
      ...recentRooms().map((name) =>
        h(
          "li",
          {},
          h(
            "a",
            {
              class: "conversation-link",
              href: `#/rooms/${encodeURIComponent(name)}`,
              "aria-current": name === room ? "page" : "false",
            },
            h("span", { class: "row" }, h("span", { class: "title" }, `# ${name}`)),
          ),
        ),
      ),
    );
  }

  function renderMembers() {
    const rows = [...members.entries()].sort((a, b) => b[1].online - a[1].online || a[1].username.localeCompare(b[1].username));
    clear(memberList).append(
      ...rows.map(([id, m]) =>
        h(
          "li",
          { class: m.online ? "online" : "offline", dataset: { userId: id } },
          h("span", { class: "dot", "aria-hidden": "true" }),
          h("span", { class: "name" }, m.username),
          id === me ? h("span", { class: "muted" }, " (you)") : null,
        ),
      ),
    );
    const online = rows.filter(([, m]) => m.online).length;
    presence.textContent = `${online} online · ${rows.length} member${rows.length === 1 ? "" : "s"}`;
  }

  function renderTyping() {
    const names = [...typing.keys()].map((id) => members.get(id)?.username || `user ${id}`);
    typingLine.textContent =
      names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
  }

  function scrollDown() {
    messages.scrollTop = messages.scrollHeight;
  }

  function note(text) {
    messages.append(h("p", { class: "system-note" }, text));
    scrollDown();
  }

  function stream(frame) {
    let entry = streams.get(frame.reply_id);
    if (!entry) {
      const text = document.createTextNode("");
      const node = h(
        "article",
        { class: "message assistant streaming" },
        h("header", { class: "author" }, "assistant"),
        h("div", { class: "bubble" }, text),
        h("footer", { class: "meta" }, frame.model || ""),
      );
      entry = { node, text };
      streams.set(frame.reply_id, entry);
      messages.append(node);
      scrollDown();
    }
    return entry;
  }

  function onFrame(event) {
    const frame = event.detail;
    switch (frame.type) {
      case "room_joined":
        members.clear();
        for (const m of frame.members) members.set(m.user_id, { username: m.username, online: m.online });
        members.set(me, { username: app.user.username, online: true });
        clear(messages).append(...frame.history.map((m) => roomMessageNode(m, me)));
        if (!frame.history.length) note(`This is the start of #${room}.`);
        renderMembers();
        scrollDown();
        break;
      case "user_joined":
        if (frame.user_id !== me && !members.get(frame.user_id)?.online) note(`${frame.username} joined`);
        members.set(frame.user_id, { username: frame.username, online: true });
        renderMembers();
        break;
      case "user_left": {
        const member = members.get(frame.user_id);
        if (member) {
          member.online = false;
          note(`${member.username} left`);
        }
        typing.delete(frame.user_id);
        renderMembers();
        renderTyping();
        break;
      }
      case "user_typing": {
        clearTimeout(typing.get(frame.user_id));
        typing.set(
          frame.user_id,
          setTimeout(() => {
            typing.delete(frame.user_id);
            renderTyping();
          }, TYPING_SHOWN_MS),
        );
        renderTyping();
        break;
      }
      case "chat_message": {
        clearTimeout(typing.get(frame.user_id));
        typing.delete(frame.user_id);
        renderTyping();
        const node = roomMessageNode(frame, me);
        const streaming = frame.role === "assistant" ? [...streams.values()].find((s) => !s.done) : null;
        if (streaming) {
          streaming.done = true;
          streaming.node.replaceWith(node);
        } else {
          messages.append(node);
        }
        scrollDown();
        break;
      }
      case "chat_started":
      case "chat_chunk":
        stream(frame).text.appendData(frame.content || "");
        scrollDown();
        break;
      case "chat_complete":
        streams.get(frame.reply_id)?.node.classList.remove("streaming");
        break;
      case "chat_error":
        toast(frame.message || "The AI reply failed.");
        break;
      case "error":
        toast(frame.message);
        break;
      default:
        break;
    }
  }

  function send(text) {
    if (!socket?.open) {
      toast("Not connected to the room yet.");
      return false;
    }
    socket.send({ type: "chat", content: text });
    lastTypingSent = 0;
    return true;
  }

  function typed() {
    const now = Date.now();
    if (socket?.open && now - lastTypingSent > TYPING_SENT_EVERY_MS) {
      lastTypingSent = now;
      socket.send({ type: "typing" });
    }
  }

  function join(name) {
    socket?.close();
    socket = null;
    members.clear();
    streams.clear();
    for (const timer of typing.values()) clearTimeout(timer);
    typing.clear();
    room = name && ROOM_NAME.test(name) ? name : null;
    layout.dataset.pane = room ? "conversation" : "list";
    layout.dataset.empty = room ? "false" : "true";
    renderTyping();
    if (!room) {
      title.textContent = "Rooms";
      presence.textContent = "";
      clear(memberList);
      clear(messages).append(
        h(
          "div",
          { class: "empty" },
          h("h3", {}, "Join a room"),
          h("p", {}, "Rooms are shared with everyone who joins the same name. Try “lobby”."),
        ),
      );
      renderRecent();
      return;
    }
    remember(room);
    renderRecent();
    title.textContent = `# ${room}`;
    presence.textContent = "connecting…";
    clear(messages);
    socket = new LiveSocket(`/ws/room/${encodeURIComponent(room)}/${encodeURIComponent(me)}`);
    socket.addEventListener("frame", onFrame);
    socket.addEventListener("fatal", (event) => {
      presence.textContent = "";
      clear(messages).append(
        h(
          "div",
          { class: "empty" },
          h("h3", {}, event.detail.code === 4403 ? "This room is private" : "Room not available"),
          h("p", {}, "Only its members can join it."),
        ),
      );
    });
    input.focus();
  }

  join(param);
  return {
    update: join,
    destroy() {
      socket?.close();
      for (const timer of typing.values()) clearTimeout(timer);
    },
  };
}
