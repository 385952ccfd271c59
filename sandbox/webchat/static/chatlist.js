// The left side: the people rail, the "who are you" list, the chat list and
// a forum's topic list.

import {
  h, replaceChanged, svg, ICONS, avatar, avatarColor, initials, listTime, messageSnippet, personName, personaTitle, topicColor,
} from "./format.js";

export function renderRail(container, people, currentId, onPick) {
  container.replaceChildren(...people.map((person) => {
    const title = personaTitle(person);
    return h("button", {
      type: "button",
      class: `rail-person${person.id === currentId ? " active" : ""}`,
      "data-testid": "persona-item",
      "data-person-id": person.id,
      "aria-label": title,
      "aria-pressed": person.id === currentId ? "true" : "false",
      title,
      onclick: () => onPick(person.id),
    }, avatar(person.id, personName(person)), h("span", { class: "rail-caption" }, shortCaption(person)));
  }));
}

// A rail is narrow: a label such as "Buyer · Alice" shows its first part.
function shortCaption(person) {
  const text = person.label ? person.label.split(/[·|,:-]/)[0].trim() : person.first_name;
  return text || personName(person);
}

export function renderPersonaList(container, people, onPick) {
  if (!people.length) {
    container.replaceChildren(h("li", { class: "empty-state" },
      h("strong", {}, "Nobody lives here yet."),
      h("span", {}, "Create a person with POST /control/people, or start the sandbox with its demo world.")));
    return;
  }
  container.replaceChildren(...people.map((person) => h("li", {},
    h("button", {
      type: "button", class: "persona-card", "data-testid": "persona-item", "data-person-id": person.id,
      onclick: () => onPick(person.id),
    },
    avatar(person.id, personName(person), "large"),
    h("span", { class: "persona-text" },
      h("span", { class: "persona-label" }, personaTitle(person)),
      h("span", { class: "persona-detail" },
        [personName(person), person.username ? `@${person.username}` : null, person.language_code]
          .filter(Boolean).join(" · ")))))));
}

function previewLine(message, chat, myId) {
  if (!message) {
    return h("span", { class: "chat-preview muted" }, chat.placeholder ? "Bot · press to start" : "No messages yet");
  }
  let who = null;
  if (message.from && message.from.id === myId) who = "You";
  else if (chat.type !== "private" && message.from) who = message.from.first_name || personName(message.from);
  return h("span", { class: "chat-preview" },
    who && !message.forum_topic_created ? h("span", { class: "preview-sender" }, `${who}: `) : null,
    messageSnippet(message));
}

function badge(count) {
  return count > 0 ? h("span", { class: "badge", "data-testid": "unread-badge" }, String(count)) : null;
}

function chatAvatar(chat) {
  if (chat.is_forum) {
    return h("span", { class: "avatar forum", "aria-hidden": "true", style: { background: avatarColor(chat.id) } },
      initials(chat.title));
  }
  return avatar(chat.id, chat.title);
}

export function renderChatList(container, chats, { myId, currentChatId, unreadOf, filter, onOpen }) {
  const needle = (filter || "").trim().toLowerCase();
  const shown = needle ? chats.filter((chat) => chat.title.toLowerCase().includes(needle)) : chats;
  if (!shown.length) {
    container.replaceChildren(h("li", { class: "empty-state" },
      needle ? "No chats match your search." : "No chats yet. Bots and groups this person joins appear here."));
    return;
  }
  // Handlers name the chat by id: a node kept by replaceChanged must not act
  // on the chat as it was when the node was drawn.
  replaceChanged(container, shown.map((chat) => {
    const message = chat.last_message;
    const titleIcon = chat.is_forum ? svg(ICONS.forum, "icon title-icon")
      : chat.is_bot ? svg(ICONS.bot, "icon title-icon") : null;
    return h("li", {}, h("button", {
      type: "button",
      class: `chat-item${String(chat.id) === String(currentChatId) ? " active" : ""}`,
      "data-testid": "chat-item",
      "data-chat-id": chat.id,
      "aria-current": String(chat.id) === String(currentChatId) ? "true" : null,
      onclick: () => onOpen(chat.id),
    },
    chatAvatar(chat),
    h("span", { class: "chat-item-body" },
      h("span", { class: "chat-item-top" },
        h("span", { class: "chat-title" }, titleIcon, h("span", { class: "chat-title-text" }, chat.title)),
        message ? h("span", { class: "chat-time" }, listTime(message.date)) : null),
      h("span", { class: "chat-item-bottom" }, previewLine(message, chat, myId), badge(unreadOf(chat.id, undefined))))));
  }));
}

export function renderTopicList(container, chat, { myId, currentThreadId, unreadOf, onOpen }) {
  const general = { thread_id: null, name: "General", icon_color: null, is_closed: false, last_message: null };
  const topics = [general, ...(chat.topics || [])];
  replaceChanged(container, topics.map((topic) => {
    const isCurrent = (topic.thread_id ?? null) === (currentThreadId ?? null);
    const icon = topic.thread_id === null
      ? h("span", { class: "topic-icon general", "aria-hidden": "true" }, svg(ICONS.hash))
      : h("span", { class: "topic-icon", "aria-hidden": "true", style: { background: topicColor(topic.icon_color) } },
        initials(topic.name, 1));
    const message = topic.last_message;
    return h("li", {}, h("button", {
      type: "button",
      class: `chat-item topic-item${isCurrent ? " active" : ""}`,
      "data-testid": "topic-item",
      "data-thread-id": topic.thread_id ?? "",
      "aria-current": isCurrent ? "true" : null,
      onclick: () => onOpen(topic.thread_id ?? null),
    },
    icon,
    h("span", { class: "chat-item-body" },
      h("span", { class: "chat-item-top" },
        h("span", { class: "chat-title" },
          h("span", { class: "chat-title-text" }, topic.name),
          topic.is_closed ? svg(ICONS.lock, "icon title-icon after") : null),
        message ? h("span", { class: "chat-time" }, listTime(message.date)) : null),
      h("span", { class: "chat-item-bottom" },
        message ? previewLine(message, chat, myId)
          : h("span", { class: "chat-preview muted" }, topic.thread_id === null ? "General chat of the group" : ""),
        badge(unreadOf(chat.id, topic.thread_id))))));
  }));
}
