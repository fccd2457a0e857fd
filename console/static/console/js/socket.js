// A WebSocket that authenticates with the subprotocol pair ["bearer", token], reconnects with
// backoff, refreshes an expired token (close code 4401), and on the per-user socket resumes
// with ?last_seq= so a reply that was streaming while the connection dropped is not lost.

import { accessToken, refresh } from "./api.js";

const FATAL = new Set([4403, 4404]);

export class LiveSocket extends EventTarget {
  constructor(path, { resume = false } = {}) {
    super();
    this.path = path;
    this.resume = resume;
    this.lastSeq = null;
    this.attempt = 0;
    this.closed = false;
    this.ws = null;
    this.connect();
  }

  get open() {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  url() {
    const url = new URL(this.path, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (this.resume && this.lastSeq !== null) url.searchParams.set("last_seq", String(this.lastSeq));
    return url;
  }

  connect() {
    const token = accessToken();
    if (!token || this.closed) return;
    const ws = new WebSocket(this.url(), ["bearer", token]);
    this.ws = ws;
    ws.addEventListener("message", (event) => this.receive(event.data));
    ws.addEventListener("close", (event) => this.closedBy(ws, event));
    ws.addEventListener("open", () => this.status("connecting"));
  }

  receive(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof frame.seq === "number" && this.resume) this.lastSeq = Math.max(this.lastSeq ?? 0, frame.seq);
    if (frame.type === "ready") {
      this.attempt = 0;
      this.status("online");
    }
    this.dispatchEvent(new CustomEvent("frame", { detail: frame }));
  }

  async closedBy(ws, event) {
    if (ws !== this.ws || this.closed) return;
    this.status("offline");
    if (FATAL.has(event.code)) {
      this.dispatchEvent(new CustomEvent("fatal", { detail: { code: event.code } }));
      return;
    }
    if (event.code === 4401) {
      try {
        await refresh();
      } catch {
        return; // signed out: the app shows the sign-in form
      }
    }
    const delay = Math.min(500 * 2 ** this.attempt, 8000);
    this.attempt += 1;
    setTimeout(() => this.connect(), delay);
  }

  status(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("status", { detail: state }));
  }

  send(frame) {
    if (!this.open) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  close() {
    this.closed = true;
    this.ws?.close(1000);
  }
}
