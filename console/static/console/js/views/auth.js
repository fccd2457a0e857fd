// Sign in and sign up, with the API's field errors shown under their fields.

import { ApiError, signIn, signUp } from "../api.js";
import { h } from "../dom.js";

function field(name, label, type, autocomplete, extra = {}) {
  const input = h("input", { id: `auth-${name}`, name, type, autocomplete, required: true, ...extra });
  const error = h("p", { class: "field-error", id: `auth-${name}-error` });
  return { input, error, node: h("label", { class: "field" }, h("span", {}, label), input, error) };
}

function firstMessage(value) {
  if (Array.isArray(value)) return firstMessage(value[0]);
  if (value && typeof value === "object") return firstMessage(Object.values(value)[0]);
  return value ? String(value) : "";
}

export function renderAuth(root, { mode }) {
  const signingUp = mode === "signup";
  const fields = {
    username: field("username", "Username", "text", "username", { autofocus: true, maxlength: 150 }),
    ...(signingUp ? { email: field("email", "Email", "email", "email") } : {}),
    password: field("password", "Password", "password", signingUp ? "new-password" : "current-password"),
  };
  const problem = h("p", { class: "form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary wide" }, signingUp ? "Create account" : "Sign in");

  async function onsubmit(event) {
    event.preventDefault();
    problem.textContent = "";
    for (const f of Object.values(fields)) f.error.textContent = "";
    submit.disabled = true;
    const values = Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.input.value]));
    try {
      if (signingUp) await signUp(values.username.trim(), values.email.trim(), values.password);
      else await signIn(values.username.trim(), values.password);
      location.hash = "#/chat";
    } catch (error) {
      if (error instanceof ApiError) {
        let placed = false;
        for (const [name, messages] of Object.entries(error.details || {})) {
          if (fields[name]) {
            fields[name].error.textContent = firstMessage(messages);
            placed = true;
          }
        }
        if (!placed) problem.textContent = error.message;
      } else {
        problem.textContent = "The server could not be reached.";
      }
    } finally {
      submit.disabled = false;
    }
  }

  root.append(
    h(
      "section",
      { class: "auth" },
      h(
        "div",
        { class: "auth-card" },
        h("h1", {}, signingUp ? "Create your account" : "Welcome back"),
        h(
          "p",
          { class: "muted" },
          signingUp
            ? "Chat with the models this server offers, join rooms and watch your usage."
            : "Sign in to your Chat Studio server.",
        ),
        h(
          "form",
          { class: "stack", id: signingUp ? "signup-form" : "signin-form", onsubmit, novalidate: true },
          Object.values(fields).map((f) => f.node),
          problem,
          submit,
        ),
        h(
          "p",
          { class: "switch" },
          signingUp ? "Already have an account? " : "New here? ",
          h("a", { href: signingUp ? "#/signin" : "#/signup" }, signingUp ? "Sign in" : "Create an account"),
        ),
      ),
    ),
  );
  fields.username.input.focus();
}
