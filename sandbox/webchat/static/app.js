// The web chat: pick who you are, see that person's chats, talk to bots.
// State lives here; drawing is in chatlist.js / messages.js, the right pane
// in conversation.js, live updates in live.js.

import { api } from "./api.js";
import { LiveFeed } from "./live.js";
import { ConversationView, conversationKey } from "./conversation.js";
import { renderRail, renderPersonaList, renderChatList, renderTopicList } from "./chatlist.js";
import { fillAvatar, personName, personaTitle } from "./format.js";
import { toast, toastError, setupDialogs } from "./ui.js";

const $ = (id) => document.getElementById(id);

const state = {
  people: [],
  bots: [],
  me: null,
  chats: [],
  forumOpen: null, // id of the forum whose topics the sidebar shows
  filter: "",
  unread: new Map(), // conversation key -> count
  feed: null,
  refreshTimer: null,
  restore: null, // what the URL asked for when the page loaded
};

const conversation = new ConversationView({ onSent: (messages) => messages.forEach(noteLastMessage) });

// --- the URL keeps who you are and what is open, so a reload does too ---

function readUrl() {
  const params = new URLSearchParams(location.search);
  const number = (name) => (params.get(name) !== null && params.get(name) !== "" ? Number(params.get(name)) : null);
  return { as: number("as"), chat: number("chat"), thread: number("thread") };
}

function writeUrl() {
  const params = new URLSearchParams();
  if (state.me) params.set("as", state.me.id);
  if (conversation.chat) params.set("chat", conversation.chat.id);
  else if (state.forumOpen !== null) params.set("chat", state.forumOpen);
  if (conversation.chat && conversation.threadId !== null) params.set("thread", conversation.threadId);
  history.replaceState(null, "", `${location.pathname}?${params}`);
}

// --- people ---

async function loadPeople() {
  [state.people, state.bots] = await Promise.all([api.people(), api.bots()]);
}

function showWelcome(open) {
  $("welcome").hidden = !open;
  if (open) renderPersonaList($("persona-list"), state.people, (pid) => selectPerson(pid));
}

async function selectPerson(pid) {
  const person = state.people.find((p) => p.id === pid);
  if (!person) {
    toast(`There is no person #${pid} in this sandbox`, { kind: "error" });
    showWelcome(true);
    return;
  }
  showWelcome(false);
  if (state.me && state.me.id === pid) return;
  if (state.feed) state.feed.stop();
  state.me = person;
  state.chats = [];
  state.forumOpen = null;
  state.unread.clear();
  conversation.reset(pid);
  $("app").dataset.pane = "list";
  writeUrl();
  document.title = `${personaTitle(person)} · Aftersales sandbox`;
  fillAvatar($("me-avatar"), person.id, personName(person));
  $("me-name").textContent = personaTitle(person);
  renderRail($("rail-people"), state.people, pid, (id) => selectPerson(id));
  renderSidebar();

  const feed = new LiveFeed(pid, { onEvent: onEvent, onStatus: showStatus });
  state.feed = feed;
  await feed.start();
  if (state.feed !== feed) return;
  await refreshChats();
}

function showStatus(status) {
  const node = $("connection-status");
  const words = {
    connecting: "connecting…", live: "online", polling: "online · polling",
    reconnecting: "reconnecting…", offline: "waiting for the sandbox…",
  };
  node.textContent = words[status] || status;
  node.dataset.status = status;
}

// --- chats ---

function chatSortKey(chat) {
  return chat.last_message ? chat.last_message.date * 1e6 + chat.last_message.message_id : -1;
}

async function refreshChats() {
  const pid = state.me.id;
  let chats;
  try {
    chats = await api.chats(pid);
  } catch (error) {
    toastError(error);
    return;
  }
  if (!state.me || state.me.id !== pid) return;
  const botsById = new Map(state.bots.map((bot) => [bot.id, bot]));
  chats = chats.map((chat) => ({ ...chat, is_bot: botsById.has(chat.id), username: botsById.get(chat.id)?.username }));
  // Bots this person never talked to are offered too, as a search would.
  const present = new Set(chats.map((chat) => chat.id));
  const untouched = state.bots.filter((bot) => !present.has(bot.id)).map((bot) => ({
    id: bot.id, type: "private", title: bot.first_name || bot.username, is_forum: false, last_message: null,
    topics: [], is_bot: true, username: bot.username, placeholder: true,
  }));
  state.chats = [...chats.sort((a, b) => chatSortKey(b) - chatSortKey(a)), ...untouched];
  renderSidebar();
  await restoreFromUrl();
}

// Moves a new message into the chat list at once; the refresh that follows
// brings whatever else changed (titles, topics).
function noteLastMessage(message) {
  const chat = state.chats.find((c) => c.id === message.chat_id);
  if (chat) {
    const newer = (a, b) => !b || a.message_id >= b.message_id;
    if (newer(message, chat.last_message)) chat.last_message = message;
    chat.placeholder = false;
    const topic = (chat.topics || []).find((t) => t.thread_id === message.thread_id);
    if (topic && newer(message, topic.last_message)) topic.last_message = message;
    state.chats.sort((a, b) => chatSortKey(b) - chatSortKey(a));
    renderSidebar();
  }
  scheduleChatsRefresh();
}

function scheduleChatsRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(() => {
    if (state.me) refreshChats();
  }, 60);
}

// The first load after a page load reopens what the URL named.
async function restoreFromUrl() {
  const wanted = state.restore;
  state.restore = null;
  if (!wanted || wanted.as !== state.me.id || wanted.chat === null) return;
  const chat = state.chats.find((c) => c.id === wanted.chat);
  if (!chat) return;
  if (chat.is_forum) {
    state.forumOpen = chat.id;
    renderSidebar();
    writeUrl();
    if (wanted.thread !== null) {
      const topic = chat.topics.find((t) => t.thread_id === wanted.thread);
      if (topic) await openConversation(chat, topic.thread_id, topic);
    }
  } else {
    await openConversation(chat, null);
  }
}

const unreadOf = (chatId, threadId) => {
  if (threadId !== undefined) return state.unread.get(conversationKey(chatId, threadId)) || 0;
  let total = 0;
  for (const [key, count] of state.unread) if (key.startsWith(`${chatId}|`)) total += count;
  return total;
};

function renderSidebar() {
  const forum = state.forumOpen !== null ? state.chats.find((c) => c.id === state.forumOpen) : null;
  $("topics-header").hidden = !forum;
  $("chat-search").closest(".search").hidden = Boolean(forum);
  if (forum) {
    $("topics-title").textContent = forum.title;
    fillAvatar($("topics-avatar"), forum.id, forum.title);
    renderTopicList($("chat-list"), forum, {
      myId: state.me.id,
      currentThreadId: conversation.chat && conversation.chat.id === forum.id ? conversation.threadId : undefined,
      unreadOf,
      onOpen: (threadId) => openTopic(forum.id, threadId),
    });
    return;
  }
  renderChatList($("chat-list"), state.chats, {
    myId: state.me ? state.me.id : null,
    currentChatId: conversation.chat ? conversation.chat.id : state.forumOpen,
    unreadOf,
    filter: state.filter,
    onOpen: (chatId) => {
      const chat = state.chats.find((c) => c.id === chatId);
      if (chat) openChat(chat);
    },
  });
}

function openTopic(forumId, threadId) {
  const forum = state.chats.find((c) => c.id === forumId);
  if (!forum) return;
  const topic = threadId === null ? null : (forum.topics || []).find((t) => t.thread_id === threadId);
  if (threadId !== null && !topic) return;
  openConversation(forum, threadId, topic);
}

function openChat(chat) {
  if (chat.is_forum) {
    state.forumOpen = chat.id;
    renderSidebar();
    writeUrl();
    return;
  }
  openConversation(chat, null);
}

async function openConversation(chat, threadId, topic) {
  state.unread.delete(conversationKey(chat.id, threadId));
  $("app").dataset.pane = "conversation";
  const opening = conversation.open(chat, threadId, topic);
  renderSidebar();
  writeUrl();
  await opening;
}

// --- live events ---

function onEvent(event) {
  const chat = state.chats.find((c) => c.id === event.chat_id);
  switch (event.type) {
    case "message":
    case "edit":
    case "reaction": {
      const message = event.message;
      if (!message) break;
      const isNew = conversation.upsert(message, chat);
      const threadId = chat && !chat.is_forum ? null : message.thread_id;
      const showing = conversation.isShowing(message.chat_id, threadId);
      if (showing) conversation.draw({ added: isNew ? 1 : 0 });
      const mine = message.from && message.from.id === state.me.id;
      if (event.type === "message" && isNew && !mine && !showing) {
        const key = conversationKey(message.chat_id, threadId);
        state.unread.set(key, (state.unread.get(key) || 0) + 1);
      }
      noteLastMessage(message);
      break;
    }
    case "delete":
      conversation.remove(event.chat_id, event.message_ids || []);
      if (conversation.chat && conversation.chat.id === event.chat_id) conversation.draw();
      scheduleChatsRefresh();
      break;
    case "topic":
      scheduleChatsRefresh();
      if (event.topic && conversation.isShowing(event.chat_id, event.topic.thread_id)) {
        conversation.topic = event.topic;
        conversation.drawHeader();
        conversation.composer.setClosed(Boolean(event.topic.is_closed));
      }
      break;
    case "callback_answer":
      if (event.answer) conversation.showAnswer(event.answer.callback_query_id, event.answer);
      break;
    default:
      break;
  }
}

// --- wiring ---

function wire() {
  setupDialogs();
  $("chat-search").addEventListener("input", (event) => {
    state.filter = event.target.value;
    renderSidebar();
  });
  $("topics-back").addEventListener("click", () => {
    state.forumOpen = null;
    renderSidebar();
    writeUrl();
  });
  $("conversation-back").addEventListener("click", () => {
    $("app").dataset.pane = "list";
  });
  $("rail-all").addEventListener("click", async () => {
    try {
      await loadPeople();
      renderRail($("rail-people"), state.people, state.me ? state.me.id : null, (id) => selectPerson(id));
    } catch (error) {
      toastError(error);
    }
    showWelcome(true);
  });
  $("welcome").addEventListener("click", (event) => {
    if (event.target === $("welcome") && state.me) showWelcome(false);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !$("welcome").hidden && state.me) showWelcome(false);
  });
}

async function main() {
  wire();
  try {
    await loadPeople();
  } catch (error) {
    toastError(error);
    showWelcome(true);
    return;
  }
  renderRail($("rail-people"), state.people, null, (id) => selectPerson(id));
  const wanted = readUrl();
  state.restore = wanted;
  if (wanted.as !== null) await selectPerson(wanted.as);
  else showWelcome(true);
}

main();
