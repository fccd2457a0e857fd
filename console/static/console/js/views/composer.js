// The message box shared by conversations and rooms: a growing textarea, Enter to send,
// Shift+Enter for a new line, and a Send button that turns into Stop while a reply streams.

import { h } from "../dom.js";

export function composer({ placeholder, extra = null, onSend, onStop = null, onTyping = null }) {
  const textarea = h("textarea", { id: "composer-input", rows: 1, placeholder, "aria-label": "Message" });
  const sendButton = h("button", { type: "submit", class: "primary", id: "send" }, "Send");
  const stopButton = h("button", { type: "button", class: "danger", id: "stop", hidden: true }, "Stop");
  const form = h(
    "form",
    { class: "composer" },
    textarea,
    h("div", { class: "composer-actions" }, extra, stopButton, sendButton),
  );

  function grow() {
    textarea.style.height = "auto";
    textarea.style.height = `${Math.min(textarea.scrollHeight, 200)}px`;
  }

  async function submit() {
    const text = textarea.value.trim();
    if (!text || sendButton.disabled) return;
    const sent = await onSend(text);
    if (sent !== false) {
      textarea.value = "";
      grow();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  textarea.addEventListener("input", () => {
    grow();
    onTyping?.();
  });
  stopButton.addEventListener("click", () => onStop?.());

  return {
    node: form,
    focus: () => textarea.focus(),
    setBusy(busy) {
      sendButton.disabled = busy && Boolean(onStop);
      stopButton.hidden = !(busy && onStop);
    },
  };
}
