// The control API as the web chat uses it (see sandbox/CONTROL_API.md).
// Every call resolves to the `result` or rejects with an ApiError whose
// message is the server's one-line `error`, ready to show in a toast.

export class ApiError extends Error {}

async function parse(response) {
  let body = null;
  try {
    body = await response.json();
  } catch (_notJson) {
    throw new ApiError(`The sandbox answered ${response.status} ${response.statusText}`);
  }
  if (!body || body.ok !== true) {
    throw new ApiError((body && (body.error || body.description)) || `Request failed (${response.status})`);
  }
  return body.result;
}

async function call(method, path, { json, form, signal } = {}) {
  const init = { method, signal, headers: {} };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError("The sandbox server is not reachable");
  }
  return parse(response);
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

const person = (pid) => `/control/people/${encodeURIComponent(pid)}`;

export const api = {
  people: () => call("GET", "/control/people"),
  bots: () => call("GET", "/control/bots"),
  chats: (pid) => call("GET", `${person(pid)}/chats`),
  messages: (pid, chatId, { threadId, afterId, limit } = {}) =>
    call("GET", `${person(pid)}/chats/${chatId}/messages${query({ thread_id: threadId, after_id: afterId, limit })}`),
  send: (pid, body) => call("POST", `${person(pid)}/messages`, { json: body }),
  sendMedia: (pid, form) => call("POST", `${person(pid)}/media`, { form }),
  edit: (pid, body) => call("POST", `${person(pid)}/edit`, { json: body }),
  press: (pid, body) => call("POST", `${person(pid)}/press`, { json: body }),
  events: (pid, after, timeout, signal) =>
    call("GET", `${person(pid)}/events${query({ after, timeout })}`, { signal }),
  // The menu the bot set for this person in this chat (scope and language resolved by the sandbox).
  botCommands: (botId, pid, chatId) =>
    call("GET", `/webchat/bots/${encodeURIComponent(botId)}/commands${query({ person_id: pid, chat_id: chatId })}`),
  socketUrl: (pid) => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${person(pid)}/ws`;
  },
};
