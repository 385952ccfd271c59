// Draws one conversation: day separators, bubbles grouped by sender, albums,
// reply quotes, media, inline keyboards and the hover actions.
//
// `ctx` = { myId, isGroup, lookup(id) -> message|undefined,
//           onReply(message), onEdit(message), onPress(message, button, node),
//           onOpenImage(url), onJumpTo(messageId), onCommand(text) }

import {
  h, svg, ICONS, avatar, nameColor, clockTime, dayKey, dayLabel, messageSnippet,
  fileExtension, personName,
} from "./format.js";

// Bubbles from one sender closer together than this read as one run.
const RUN_GAP_S = 10 * 60;

// Consecutive messages of one media group become one unit, as Telegram draws.
export function groupUnits(messages) {
  const units = [];
  for (const message of messages) {
    const previous = units[units.length - 1];
    if (message.media_group_id && previous && previous.kind === "album"
        && previous.messages[0].media_group_id === message.media_group_id) {
      previous.messages.push(message);
      continue;
    }
    if (message.forum_topic_created) units.push({ kind: "service", messages: [message] });
    else if (message.media_group_id) units.push({ kind: "album", messages: [message] });
    else units.push({ kind: "single", messages: [message] });
  }
  return units;
}

export function renderConversation(container, messages, ctx) {
  const units = groupUnits(messages);
  const fragment = document.createDocumentFragment();
  let lastDay = null;
  units.forEach((unit, index) => {
    const first = unit.messages[0];
    const day = dayKey(first.date);
    if (day !== lastDay) {
      fragment.append(h("div", { class: "day-separator" }, h("span", {}, dayLabel(first.date))));
      lastDay = day;
    }
    if (unit.kind === "service") {
      fragment.append(renderService(first));
      return;
    }
    const before = units[index - 1];
    const after = units[index + 1];
    const startsRun = !sameRun(before, unit) || dayKey(before.messages[0].date) !== day;
    const endsRun = !sameRun(unit, after) || dayKey(after.messages[0].date) !== day;
    fragment.append(renderUnit(unit, { startsRun, endsRun }, ctx));
  });
  container.replaceChildren(fragment);
}

function sameRun(a, b) {
  if (!a || !b || a.kind === "service" || b.kind === "service") return false;
  const last = a.messages[a.messages.length - 1];
  const next = b.messages[0];
  return last.from && next.from && last.from.id === next.from.id && next.date - last.date < RUN_GAP_S;
}

function renderService(message) {
  const created = message.forum_topic_created;
  const who = message.from ? personName(message.from) : "Someone";
  return h("div", { class: "service-row", "data-testid": "service-message", dataset: { messageId: message.message_id } },
    h("span", { class: "service-pill" }, `${who} created the topic “${created.name}”`));
}

function renderUnit(unit, { startsRun, endsRun }, ctx) {
  const messages = unit.messages;
  const first = messages[0];
  const last = messages[messages.length - 1];
  const outgoing = first.from && first.from.id === ctx.myId;
  const showSender = ctx.isGroup && !outgoing;
  // The caption of an album is whichever of its messages carries one.
  const textOwner = messages.find((m) => m.html || m.text || m.caption) || null;
  const hasMedia = messages.some((m) => m.photo || m.video || m.animation);
  const keyboardOwner = messages.find((m) => m.reply_markup && m.reply_markup.inline_keyboard) || null;
  const edited = messages.some((m) => m.edit_date);

  const bubble = h("div", {
    class: [
      "bubble",
      hasMedia ? "has-media" : "",
      hasMedia && !textOwner ? "media-only" : "",
      endsRun && !keyboardOwner ? "tail" : "",
    ].join(" ").trim(),
  });
  if (showSender && startsRun && !(hasMedia && !textOwner)) {
    bubble.append(h("div", { class: "sender", style: { color: nameColor(first.from.id) } }, personName(first.from)));
  }
  if (first.reply_to_message_id) bubble.append(renderQuote(first.reply_to_message_id, ctx));
  if (hasMedia) bubble.append(renderVisualMedia(messages, ctx));
  messages.filter((m) => m.document).forEach((m) => bubble.append(renderDocument(m.document)));
  // A static sticker is drawn; an animated or video one shows as its emoji, large.
  messages.filter((m) => m.sticker).forEach((m) => bubble.append(
    h("div", { class: "sticker", "data-testid": "message-sticker", title: `Sticker ${m.sticker.emoji || ""}`.trim() },
      m.sticker.is_animated || m.sticker.is_video
        ? (m.sticker.emoji || "🖼")
        : h("img", { src: m.sticker.url, alt: m.sticker.emoji || "Sticker", width: 128, height: 128 }))));
  messages.filter((m) => m.voice || m.audio).forEach((m) => bubble.append(renderSound(m)));
  messages.filter((m) => m.video_note).forEach((m) => bubble.append(h("video", {
    class: "video-note", src: m.video_note.url, controls: true, preload: "metadata", playsinline: true,
    "data-testid": "message-video-note", title: "Video message",
  })));

  const meta = h("span", { class: "meta", "data-testid": "message-meta" },
    edited ? h("span", { class: "edited", "data-testid": "edited-mark" }, "edited") : null,
    h("time", { datetime: new Date(last.date * 1000).toISOString() }, clockTime(last.date)),
    outgoing ? svg(ICONS.check, "icon tick") : null);

  if (textOwner) {
    const text = h("div", { class: "message-text", dir: "auto" });
    fillHtml(text, textOwner, ctx);
    text.append(meta);
    bubble.append(text);
  } else {
    bubble.append(h("div", { class: hasMedia ? "meta-overlay" : "meta-line" }, meta));
  }

  const column = h("div", { class: "bubble-column" }, bubble);
  // An album's reactions are on its first message (Telegram keeps them there).
  const reactions = messages.find((m) => m.reactions && m.reactions.length);
  if (reactions) column.append(renderReactions(reactions.reactions, ctx));
  if (keyboardOwner) column.append(renderKeyboard(keyboardOwner, ctx));

  const actions = h("div", { class: "message-actions" },
    h("button", { type: "button", class: "action", title: "Reply", "data-testid": "reply-action",
      onclick: () => ctx.onReply(last) }, svg(ICONS.reply), h("span", { class: "visually-hidden" }, "Reply")));
  if (outgoing && (textOwner || hasMedia || messages.some((m) => m.document))) {
    actions.append(h("button", { type: "button", class: "action", title: "Edit", "data-testid": "edit-action",
      onclick: () => ctx.onEdit(textOwner || first) }, svg(ICONS.edit), h("span", { class: "visually-hidden" }, "Edit")));
  }

  const row = h("div", {
    class: ["message-row", outgoing ? "out" : "in", startsRun ? "run-start" : "", endsRun ? "run-end" : "",
      showSender ? "with-avatar" : ""].join(" ").replace(/\s+/g, " ").trim(),
    "data-testid": "message",
    dataset: {
      messageId: first.message_id,
      messageIds: messages.map((m) => m.message_id).join(","),
      fromId: first.from ? first.from.id : "",
    },
    ondblclick: (event) => {
      if (!event.target.closest("button, a, video")) ctx.onReply(last);
    },
  });
  if (showSender) {
    row.append(endsRun ? avatar(first.from.id, personName(first.from), "small") : h("span", { class: "avatar-spacer" }));
  }
  row.append(column, actions);
  return row;
}

function fillHtml(node, message, ctx) {
  // `html` is the server's already-escaped rendering of the entities; any
  // other string is only ever set as text.
  if (typeof message.html === "string" && message.html !== "") {
    node.innerHTML = message.html;
    // A bare URL entity arrives as <a> without href: link it if it is web.
    node.querySelectorAll("a:not([href])").forEach((link) => {
      const text = link.textContent.trim();
      if (/^https?:\/\/\S+$/i.test(text)) link.href = text;
      else if (/^www\.\S+$/i.test(text)) link.href = `https://${text}`;
    });
    node.querySelectorAll("a[href]").forEach((link) => {
      link.target = "_blank";
      link.rel = "noopener noreferrer";
    });
    // As in Telegram, a command in a message sends it when clicked.
    node.querySelectorAll(".tg-bot_command").forEach((command) => {
      command.setAttribute("role", "button");
      command.tabIndex = 0;
      const send = () => ctx.onCommand(command.textContent.trim());
      command.addEventListener("click", send);
      command.addEventListener("keydown", (event) => {
        if (event.key === "Enter") send();
      });
    });
  } else {
    node.textContent = message.text || message.caption || "";
  }
}

function renderQuote(messageId, ctx) {
  const quoted = ctx.lookup(messageId);
  const color = quoted && quoted.from ? nameColor(quoted.from.id) : "var(--accent)";
  const title = quoted ? (quoted.from && quoted.from.id === ctx.myId ? "You" : personName(quoted.from)) : "Message";
  const snippet = quoted ? messageSnippet(quoted) : "Message not loaded";
  return h("button", {
    type: "button", class: "quote", "data-testid": "reply-quote", style: { "--quote-color": color },
    onclick: () => ctx.onJumpTo(messageId),
  }, h("span", { class: "quote-title" }, title), h("span", { class: "quote-text" }, snippet));
}

function renderVisualMedia(messages, ctx) {
  const visual = messages.filter((m) => m.photo || m.video || m.animation);
  const grid = h("div", { class: `media-grid count-${Math.min(visual.length, 4)}${visual.length > 1 ? " album" : ""}` });
  for (const message of visual) {
    if (message.photo) {
      const { url, width, height } = message.photo;
      const image = h("img", {
        src: url, alt: "Photo", loading: "lazy", width: width || 320, height: height || 240,
        "data-testid": "message-photo", style: { aspectRatio: `${width || 4} / ${height || 3}` },
      });
      grid.append(h("button", { type: "button", class: "media-item", onclick: () => ctx.onOpenImage(url) },
        image, h("span", { class: "visually-hidden" }, "Open photo")));
    } else if (message.animation) {
      // A GIF plays by itself, silent and looping, as in Telegram.
      const { url, width, height } = message.animation;
      grid.append(h("div", { class: "media-item animation" }, h("video", {
        src: url, autoplay: true, loop: true, muted: true, playsinline: true, "data-testid": "message-animation",
        style: { aspectRatio: `${width || 16} / ${height || 9}` },
      }), h("span", { class: "gif-badge" }, "GIF")));
    } else {
      const { url, width, height } = message.video;
      grid.append(h("div", { class: "media-item" }, h("video", {
        src: url, controls: true, preload: "metadata", "data-testid": "message-video",
        style: { aspectRatio: `${width || 16} / ${height || 9}` },
      })));
    }
  }
  return grid;
}

// A voice message or a music file: a player under its label.
function renderSound(message) {
  const voice = message.voice;
  const audio = message.audio;
  const label = voice
    ? `Voice message · ${clockDuration(voice.duration)}`
    : [audio.performer, audio.title].filter(Boolean).join(" – ") || audio.file_name || "Audio";
  const file = voice || audio;
  return h("div", { class: voice ? "sound voice" : "sound audio", "data-testid": voice ? "message-voice" : "message-audio" },
    h("span", { class: "sound-label" }, label),
    h("audio", { src: file.url, controls: true, preload: "metadata", title: label }));
}

function clockDuration(seconds) {
  const total = Math.max(0, Math.round(seconds || 0));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

function renderDocument(document_) {
  const name = document_.file_name || "file";
  return h("a", {
    class: "document", href: document_.url, download: name, target: "_blank", rel: "noopener",
    "data-testid": "message-document", title: `Download ${name}`,
  },
  h("span", { class: "document-icon" }, svg(ICONS.file), h("span", { class: "document-ext" }, fileExtension(name))),
  h("span", { class: "document-text" },
    h("span", { class: "document-name" }, name),
    h("span", { class: "document-type" }, document_.mime_type || "file")));
}

// Each kind of reaction once, as a pill with how many chose it; the reader's own is highlighted.
function renderReactions(reactions, ctx) {
  return h("div", { class: "reactions", "data-testid": "message-reactions" }, ...reactions.map((entry) => {
    const kind = entry.type.emoji || "⭐";
    const mine = (entry.user_ids || []).includes(ctx.myId);
    return h("span", {
      class: mine ? "reaction chosen" : "reaction", "data-testid": "reaction",
      dataset: { emoji: entry.type.emoji || entry.type.custom_emoji_id || entry.type.type },
      title: `${entry.total_count} × ${kind}`,
    }, h("span", { class: "reaction-emoji" }, kind), h("span", { class: "reaction-count" }, String(entry.total_count)));
  }));
}

function renderKeyboard(message, ctx) {
  const keyboard = h("div", { class: "inline-keyboard", "data-testid": "inline-keyboard" });
  for (const row of message.reply_markup.inline_keyboard) {
    const rowNode = h("div", { class: "keyboard-row" });
    for (const button of row) {
      const node = h("button", {
        type: "button", class: "inline-button", "data-testid": "inline-button",
        dataset: button.callback_data !== undefined ? { callbackData: button.callback_data } : {},
        title: button.url || null,
      }, h("span", { class: "inline-button-text" }, button.text), button.url ? svg(ICONS.link, "icon corner") : null);
      node.addEventListener("click", () => ctx.onPress(message, button, node));
      rowNode.append(node);
    }
    keyboard.append(rowNode);
  }
  return keyboard;
}
