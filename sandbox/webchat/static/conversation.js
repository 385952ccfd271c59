// The right pane: one conversation (a private chat, a group, or one topic of
// a forum) with its header, messages, composer and button presses. It keeps
// the messages it has loaded per conversation and applies live events.

import { api } from "./api.js";
import { Composer } from "./composer.js";
import { renderConversation } from "./messages.js";
import { h, fillAvatar, initials, messageSnippet, personName, topicColor } from "./format.js";
import { toast, toastError, showAlert, openImage } from "./ui.js";

const PAGE_SIZE = 200;
const NEAR_BOTTOM_PX = 160;

export const conversationKey = (chatId, threadId) => `${chatId}|${threadId ?? ""}`;

export class ConversationView {
  constructor({ onSent }) {
    this.onSent = onSent;
    this.pid = null;
    this.chat = null;
    this.threadId = null;
    this.cache = new Map(); // conversation key -> [MessageView] by message_id
    this.shownAnswers = new Set();
    this.botCommands = [];
    this.unseenBelow = 0;
    this.loadToken = 0;
    this.el = {
      placeholder: document.getElementById("conversation-placeholder"),
      header: document.getElementById("conversation-header"),
      avatar: document.getElementById("conversation-avatar"),
      title: document.getElementById("conversation-title"),
      subtitle: document.getElementById("conversation-subtitle"),
      messages: document.getElementById("messages"),
      inner: document.getElementById("messages-inner"),
      composer: document.getElementById("composer"),
      jump: document.getElementById("jump-down"),
      jumpCount: document.getElementById("jump-count"),
    };
    this.composer = new Composer({
      sendText: (args) => this.sendText(args),
      sendMedia: (args) => this.sendMedia(args),
      editMessage: (message, text) => this.editMessage(message, text),
      lastOwnMessage: () => this.lastOwnMessage(),
      commands: () => this.knownCommands(),
      describe: (message) => this.describe(message),
    });
    // Whether the view follows the newest message: true until the reader
    // scrolls up. Content that grows later (a photo decoding) keeps it there.
    this.stick = true;
    this.el.messages.addEventListener("scroll", () => {
      this.stick = this.nearBottom();
      this.setUnseen(this.stick ? 0 : this.unseenBelow);
    });
    new ResizeObserver(() => {
      if (this.stick) this.el.messages.scrollTop = this.el.messages.scrollHeight;
    }).observe(this.el.inner);
    this.el.jump.addEventListener("click", () => this.scrollToBottom(true));
  }

  get key() {
    return this.chat ? conversationKey(this.chat.id, this.threadId) : null;
  }

  get current() {
    return this.cache.get(this.key) || [];
  }

  reset(pid) {
    this.pid = pid;
    this.chat = null;
    this.threadId = null;
    this.cache.clear();
    this.shownAnswers.clear();
    this.composer.forgetDrafts();
    this.loadToken += 1;
    this.el.placeholder.hidden = false;
    this.el.header.hidden = true;
    this.el.messages.hidden = true;
    this.el.composer.hidden = true;
    this.el.jump.hidden = true;
  }

  isShowing(chatId, threadId) {
    return this.chat !== null && String(this.chat.id) === String(chatId) && (this.threadId ?? null) === (threadId ?? null);
  }

  async open(chat, threadId, topic) {
    this.chat = chat;
    this.threadId = threadId ?? null;
    this.topic = topic || null;
    this.drawHeader();
    this.el.placeholder.hidden = true;
    this.el.header.hidden = false;
    this.el.messages.hidden = false;
    this.el.composer.hidden = false;
    this.setUnseen(0);
    this.loadBotCommands(chat);
    this.composer.switchTo(this.key);
    this.composer.setClosed(Boolean(this.topic && this.topic.is_closed));
    const key = this.key;
    if (!this.cache.has(key)) {
      this.el.inner.replaceChildren(h("div", { class: "loading-pill" }, h("span", {}, "Loading messages…")));
      const token = ++this.loadToken;
      try {
        const loaded = await this.fetchMessages(chat, this.threadId);
        // Live events may have arrived while loading; keep both.
        const merged = new Map((this.cache.get(key) || []).map((m) => [m.message_id, m]));
        loaded.forEach((m) => { if (!merged.has(m.message_id)) merged.set(m.message_id, m); });
        this.cache.set(key, [...merged.values()].sort((a, b) => a.message_id - b.message_id));
      } catch (error) {
        if (token === this.loadToken && this.key === key) {
          this.el.inner.replaceChildren(h("div", { class: "empty-conversation" },
            h("div", { class: "empty-card" }, h("strong", {}, "Could not load the messages"), h("span", {}, error.message))));
        }
        return;
      }
      if (this.key !== key) return;
    }
    this.draw({ stickToBottom: true });
    if (window.matchMedia("(pointer: fine)").matches) this.composer.focus();
  }

  async fetchMessages(chat, threadId) {
    const messages = await api.messages(this.pid, chat.id, { threadId, limit: PAGE_SIZE });
    // The General topic of a forum holds the messages outside every topic.
    if (chat.is_forum && threadId === null) return messages.filter((m) => m.thread_id === null);
    return messages;
  }

  drawHeader() {
    const chat = this.chat;
    if (this.threadId !== null && this.topic) {
      this.el.title.textContent = this.topic.name;
      this.el.subtitle.textContent = this.topic.is_closed ? `${chat.title} · closed` : chat.title;
      this.el.avatar.textContent = initials(this.topic.name, 1);
      this.el.avatar.style.background = topicColor(this.topic.icon_color);
    } else {
      this.el.title.textContent = chat.is_forum ? "General" : chat.title;
      this.el.subtitle.textContent = chat.is_forum ? chat.title
        : chat.type === "private" ? (chat.username ? `bot · @${chat.username}` : "bot") : "group";
      fillAvatar(this.el.avatar, chat.id, chat.title);
    }
    this.el.avatar.classList.toggle("forum", Boolean(chat.is_forum) && this.threadId === null);
  }

  // --- drawing and scrolling ---

  nearBottom() {
    const box = this.el.messages;
    return box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
  }

  scrollToBottom(smooth = false) {
    const box = this.el.messages;
    this.stick = true;
    box.scrollTo({ top: box.scrollHeight, behavior: smooth ? "smooth" : "auto" });
    this.setUnseen(0);
  }

  // The "newest" button shows while the reader is scrolled up, with how
  // many messages arrived below since.
  setUnseen(count) {
    this.unseenBelow = count;
    this.el.jump.hidden = this.el.messages.hidden || this.nearBottom();
    this.el.jumpCount.textContent = count > 0 ? String(count) : "";
  }

  draw({ stickToBottom = false, added = 0 } = {}) {
    const wasNearBottom = this.stick || this.nearBottom();
    const messages = this.current;
    if (!messages.length) {
      this.drawEmpty();
      return;
    }
    renderConversation(this.el.inner, messages, {
      myId: this.pid,
      isGroup: this.chat.type !== "private",
      lookup: (id) => messages.find((m) => m.message_id === id),
      onReply: (message) => this.composer.replyTo(message),
      onEdit: (message) => this.composer.edit(message),
      onPress: (message, button, node) => this.press(message, button, node),
      onOpenImage: openImage,
      onJumpTo: (id) => this.jumpTo(id),
      onCommand: (command) => this.sendText({ text: command, replyTo: null }).catch(toastError),
    });
    if (stickToBottom || wasNearBottom) this.scrollToBottom();
    else if (added) this.setUnseen(this.unseenBelow + added);
  }

  drawEmpty() {
    const chat = this.chat;
    const card = h("div", { class: "empty-card", "data-testid": "empty-conversation" },
      h("strong", {}, "No messages here yet"));
    if (chat.type === "private") {
      card.append(
        h("span", {}, `${chat.title} is a bot. Say hello or press Start.`),
        h("button", { type: "button", class: "start-button", "data-testid": "start-button",
          onclick: () => this.sendText({ text: "/start", replyTo: null }).catch(toastError) }, "Start"));
    } else {
      card.append(h("span", {}, "Write the first message."));
    }
    this.el.inner.replaceChildren(h("div", { class: "empty-conversation" }, card));
  }

  jumpTo(messageId) {
    const row = [...this.el.inner.querySelectorAll("[data-message-ids]")]
      .find((node) => node.dataset.messageIds.split(",").includes(String(messageId)));
    if (!row) {
      toast("That message is not loaded here");
      return;
    }
    row.scrollIntoView({ block: "center", behavior: "smooth" });
    row.classList.remove("highlight");
    void row.offsetWidth; // restart the animation
    row.classList.add("highlight");
  }

  // --- messages in the cache ---

  keyOfMessage(message, chat) {
    const isForum = chat ? chat.is_forum : message.thread_id !== null;
    return conversationKey(message.chat_id, isForum ? message.thread_id : null);
  }

  // Puts a message where it belongs; answers whether it was new.
  // `keepKnown`: a send's own answer can arrive after live events that changed the
  // message (a reaction, an edit); the version already here is the newer one.
  upsert(message, chat, { keepKnown = false } = {}) {
    const key = this.keyOfMessage(message, chat);
    const list = this.cache.get(key);
    if (!list) {
      // Not loaded yet: loading will fetch it, unless it is loading right now.
      if (key === this.key) this.cache.set(key, [message]);
      return true;
    }
    const index = list.findIndex((m) => m.message_id === message.message_id);
    if (index >= 0) {
      if (!keepKnown) list[index] = message;
      return false;
    }
    list.push(message);
    list.sort((a, b) => a.message_id - b.message_id);
    return true;
  }

  remove(chatId, messageIds) {
    const ids = new Set(messageIds);
    for (const [key, list] of this.cache) {
      if (key.startsWith(`${chatId}|`)) this.cache.set(key, list.filter((m) => !ids.has(m.message_id)));
    }
  }

  // --- actions ---

  describe(message) {
    const mine = message.from && message.from.id === this.pid;
    return { title: mine ? "yourself" : personName(message.from), snippet: messageSnippet(message) };
  }

  lastOwnMessage() {
    return [...this.current].reverse().find((m) => m.from && m.from.id === this.pid && (m.text || m.caption));
  }

  // The bot's own list (setMyCommands) when it has one, else what it has
  // mentioned in this conversation, and always /start.
  knownCommands() {
    const found = new Map([["/start", ""]]);
    for (const { command, description } of this.botCommands) found.set(`/${command}`, description);
    for (const message of this.current) {
      const text = message.text || "";
      for (const entity of message.entities || []) {
        if (entity.type !== "bot_command") continue;
        const command = text.substr(entity.offset, entity.length).split("@")[0];
        if (!found.has(command)) found.set(command, "");
      }
    }
    return [...found].map(([command, description]) => ({ command, description }))
      .sort((a, b) => a.command.localeCompare(b.command));
  }

  async loadBotCommands(chat) {
    this.botCommands = [];
    if (chat.type === "private" && !chat.is_bot) return;
    try {
      // A group shows the menus of the bots in it; the sandbox answers [] for the others.
      const botIds = chat.type === "private" ? [chat.id] : (await api.bots()).map((bot) => bot.id);
      const lists = await Promise.all(botIds.map((botId) => api.botCommands(botId, this.pid, chat.id)));
      if (this.chat !== chat) return;
      this.botCommands = lists.flat();
      // A "/" typed while the menu was loading gets its suggestions now.
      this.composer.updateCommands();
    } catch (_none) {
      // Suggestions are a nicety; without them the composer works the same.
    }
  }

  target(replyTo) {
    const body = { chat_id: this.chat.id };
    if (this.threadId !== null) body.thread_id = this.threadId;
    if (replyTo) body.reply_to_message_id = replyTo.message_id;
    return body;
  }

  afterSend(messages) {
    messages.forEach((m) => this.upsert(m, this.chat, { keepKnown: true }));
    this.draw({ stickToBottom: true });
    this.onSent(messages);
  }

  async sendText({ text, replyTo }) {
    const message = await api.send(this.pid, { ...this.target(replyTo), text });
    this.afterSend([message]);
  }

  async sendMedia({ kind, files, caption, replyTo }) {
    const form = new FormData();
    for (const [name, value] of Object.entries(this.target(replyTo))) form.append(name, String(value));
    form.append("kind", kind);
    if (caption) form.append("caption", caption);
    files.forEach((file) => form.append("file", file, file.name));
    this.afterSend(await api.sendMedia(this.pid, form));
  }

  async editMessage(message, text) {
    if (!text) throw new Error("An edited message cannot be empty");
    const edited = await api.edit(this.pid, { chat_id: message.chat_id, message_id: message.message_id, text });
    this.afterSend([edited]);
  }

  async press(message, button, node) {
    if (button.url) {
      window.open(button.url, "_blank", "noopener");
      return;
    }
    const body = { chat_id: message.chat_id, message_id: message.message_id };
    if (button.callback_data !== undefined && button.callback_data !== null) body.callback_data = button.callback_data;
    else body.button = button.text;
    node.classList.add("loading");
    node.disabled = true;
    try {
      const result = await api.press(this.pid, body);
      if (result.answer) this.showAnswer(result.callback_query_id, result.answer);
    } catch (error) {
      toastError(error);
    } finally {
      node.classList.remove("loading");
      node.disabled = false;
    }
  }

  // The answer comes both in the press reply and as a live event; whichever
  // arrives first is shown, once.
  showAnswer(callbackQueryId, answer) {
    if (callbackQueryId && this.shownAnswers.has(callbackQueryId)) return;
    if (callbackQueryId) this.shownAnswers.add(callbackQueryId);
    if (answer.url) window.open(answer.url, "_blank", "noopener");
    if (!answer.text) return;
    if (answer.show_alert) showAlert(answer.text);
    else toast(answer.text);
  }
}
