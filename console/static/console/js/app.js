// The console's shell: session, the per-user socket, the top bar and a small hash router.
// Routes: #/signin, #/signup, #/chat[/<conversation id>], #/rooms[/<room>], #/usage.

import { currentUser, onSessionChange, signOut } from "./api.js";
import { clear } from "./dom.js";
import { LiveSocket } from "./socket.js";
import { renderAuth } from "./views/auth.js";
import { renderChat } from "./views/chat.js";
import { renderRooms } from "./views/rooms.js";
import { renderUsage } from "./views/usage.js";

const view = document.getElementById("view");
const nav = document.getElementById("nav");
const account = document.getElementById("account");
const connection = document.getElementById("connection");

const app = {
  userSocket: null,
  user: null,
};
// The view on screen: its section and what it returned ({update(param), destroy()}).
let current = null;

function leave() {
  current?.handle?.destroy?.();
  current = null;
}

function startUserSocket() {
  if (app.userSocket) return;
  app.userSocket = new LiveSocket(`/ws/${encodeURIComponent(app.user.id)}`, { resume: true });
  app.userSocket.addEventListener("status", (event) => {
    connection.dataset.state = event.detail;
    connection.title = `Live connection: ${event.detail}`;
  });
}

function stopUserSocket() {
  app.userSocket?.close();
  app.userSocket = null;
  connection.dataset.state = "offline";
}

function parseRoute() {
  const [section = "", ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  return { section, param: rest.length ? decodeURIComponent(rest.join("/")) : null };
}

function route() {
  app.user = currentUser();
  const { section, param } = parseRoute();
  const signedIn = Boolean(app.user);
  nav.hidden = !signedIn;
  account.hidden = !signedIn;
  document.body.dataset.section = section || "chat";

  if (!signedIn) {
    leave();
    stopUserSocket();
    if (section !== "signup" && section !== "signin") {
      location.replace("#/signin");
      return;
    }
    renderAuth(clear(view), { mode: section });
    return;
  }
  document.getElementById("who").textContent = app.user.username;
  startUserSocket();
  for (const link of nav.querySelectorAll("a")) {
    link.setAttribute("aria-current", link.dataset.section === section ? "page" : "false");
  }
  const views = { chat: renderChat, rooms: renderRooms, usage: renderUsage };
  if (!views[section]) {
    location.replace("#/chat");
    return;
  }
  if (current?.section === section && current.handle?.update) {
    current.handle.update(param);
    return;
  }
  leave();
  current = { section, handle: views[section](clear(view), { app, param }) };
}

document.getElementById("sign-out").addEventListener("click", () => {
  signOut().finally(() => {
    location.hash = "#/signin";
  });
});

onSessionChange((session) => {
  if (!session) {
    stopUserSocket();
    route();
  }
});
window.addEventListener("hashchange", route);
route();
