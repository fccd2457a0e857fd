// The JSON API as the console uses it: bearer tokens kept in sessionStorage (this tab only),
// one refresh with /api/auth/refresh when the access token has expired, the error envelope
// turned into an ApiError.

const STORE = "chatstudio.console.session";

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message || body?.detail || `Request failed (${status})`);
    this.status = status;
    this.code = body?.error?.code || "error";
    this.details = body?.error?.details || {};
  }
}

let session = load();
const listeners = new Set();

function load() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE)) || null;
  } catch {
    return null;
  }
}

function save(next) {
  session = next;
  if (next) sessionStorage.setItem(STORE, JSON.stringify(next));
  else sessionStorage.removeItem(STORE);
  for (const listener of listeners) listener(session);
}

export function onSessionChange(listener) {
  listeners.add(listener);
}

export function currentUser() {
  return session?.user || null;
}

export function accessToken() {
  return session?.access_token || null;
}

async function send(path, { method = "GET", body, token } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

let refreshing = null;

export function refresh() {
  if (!session?.refresh_token) return Promise.reject(new ApiError(401, null));
  refreshing ??= send("/api/auth/refresh", { method: "POST", body: { refresh_token: session.refresh_token } })
    .then((tokens) => save({ ...session, access_token: tokens.access_token, refresh_token: tokens.refresh_token }))
    .catch((error) => {
      save(null);
      throw error;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

export async function api(path, options = {}) {
  try {
    return await send(path, { ...options, token: accessToken() });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || !session?.refresh_token) throw error;
    await refresh();
    return send(path, { ...options, token: accessToken() });
  }
}

async function start(tokens) {
  const user = await send("/api/auth/me", { token: tokens.access_token });
  save({ access_token: tokens.access_token, refresh_token: tokens.refresh_token, user });
  return user;
}

export async function signIn(username, password) {
  return start(await send("/api/auth/login", { method: "POST", body: { username, password } }));
}

export async function signUp(username, email, password) {
  return start(await send("/api/auth/register", { method: "POST", body: { username, email, password } }));
}

export async function signOut() {
  const refreshToken = session?.refresh_token;
  save(null);
  if (refreshToken) {
    await send("/api/auth/logout", { method: "POST", body: { refresh_token: refreshToken } }).catch(() => {});
  }
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  return search.toString();
}
