// Small pure helpers: building DOM safely, names, colours, dates, previews.

// h("div", {class: "x", dataset: {id: 1}, onclick: fn}, "text", child, ...)
// Strings become text nodes, so nothing passed here is ever parsed as HTML.
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  appendAll(node, children);
  return node;
}

// Replaces only the children that changed: a click is a mousedown and a
// mouseup on one node, and a redraw between the two (a refresh after a new
// message) would otherwise swallow it.
export function replaceChanged(container, nodes) {
  const old = [...container.children];
  nodes.forEach((node, index) => {
    if (index >= old.length) container.append(node);
    else if (!old[index].isEqualNode(node)) old[index].replaceWith(node);
  });
  for (const surplus of old.slice(nodes.length)) surplus.remove();
}

export function appendAll(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function svg(pathData, className = "icon") {
  const ns = "http://www.w3.org/2000/svg";
  const root = document.createElementNS(ns, "svg");
  root.setAttribute("viewBox", "0 0 24 24");
  root.setAttribute("aria-hidden", "true");
  root.setAttribute("class", className);
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", pathData);
  root.append(path);
  return root;
}

export const ICONS = {
  reply: "M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z",
  edit: "M3 17.2V21h3.8L17.8 9.9l-3.7-3.7zM20.7 7a1 1 0 0 0 0-1.4l-2.3-2.3a1 1 0 0 0-1.4 0l-1.8 1.8 3.7 3.7z",
  file: "M14 2H6a2 2 0 0 0-2 2v16c0 1.1.9 2 2 2h12a2 2 0 0 0 2-2V8zm4 18H6V4h7v5h5z",
  lock: "M18 8h-1V6A5 5 0 0 0 7 6v2H6a2 2 0 0 0-2 2v10c0 1.1.9 2 2 2h12a2 2 0 0 0 2-2V10a2 2 0 0 0-2-2zM9 6a3 3 0 0 1 6 0v2H9z",
  hash: "M10 3 9 8H5l-.4 2h4L8 14H4l-.4 2h4l-1 5h2l1-5h4l-1 5h2l1-5h4l.4-2h-4l.8-4h4l.4-2h-4l1-5h-2l-1 5h-4l1-5zm.6 7h4l-.8 4h-4z",
  check: "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
  link: "M14 3v2h3.6l-9.8 9.8 1.4 1.4L19 6.4V10h2V3zm5 16H5V5h7V3H5a2 2 0 0 0-2 2v14c0 1.1.9 2 2 2h14a2 2 0 0 0 2-2v-7h-2z",
  forum: "M21 6h-2v9H6v2c0 .6.4 1 1 1h11l4 4V7c0-.6-.4-1-1-1zm-4 6V3c0-.6-.4-1-1-1H3c-.6 0-1 .4-1 1v14l4-4h10c.6 0 1-.4 1-1z",
  bot: "M12 2a2 2 0 0 1 1 3.7V7h3a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3H8a3 3 0 0 1-3-3v-8a3 3 0 0 1 3-3h3V5.7A2 2 0 0 1 12 2zM9 12a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm6 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
  play: "M8 5v14l11-7z",
};

// Telegram's avatar palette, picked by id as its clients do.
const AVATAR_COLORS = ["#e17076", "#faa774", "#a695e7", "#7bc862", "#6ec9cb", "#65aadd", "#ee7aae"];
const NAME_COLORS = ["#c03d33", "#d07b16", "#7b4cc9", "#3c9a2c", "#1e9aa3", "#2e7fc4", "#c83e84"];

function paletteIndex(id) {
  const n = Math.abs(Number(id) || 0);
  return n % AVATAR_COLORS.length;
}

export const avatarColor = (id) => AVATAR_COLORS[paletteIndex(id)];
export const nameColor = (id) => NAME_COLORS[paletteIndex(id)];

export function topicColor(iconColor) {
  const n = Number(iconColor);
  if (!Number.isFinite(n) || n <= 0) return "#6fb9f0";
  return `#${n.toString(16).padStart(6, "0")}`;
}

// One user-perceived character: "👩‍💻", "🇺🇦" or "é" stay whole, where slice()
// would cut a surrogate pair (a lone "\uD83D" shows as "�") and Array.from a
// ZWJ sequence or a flag.
const GRAPHEMES = typeof Intl !== "undefined" && Intl.Segmenter
  ? new Intl.Segmenter(undefined, { granularity: "grapheme" })
  : null;

export function firstGrapheme(text) {
  const value = String(text ?? "");
  if (!value) return "";
  if (GRAPHEMES) {
    for (const { segment } of GRAPHEMES.segment(value)) return segment;
  }
  return Array.from(value)[0] || "";
}

// The first grapheme of each of the first `count` words, for an avatar; the
// only place a name is cut for one (topics take count = 1).
export function initials(name, count = 2) {
  const words = String(name || "?").trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, count).map(firstGrapheme);
  return letters.join("").toUpperCase() || "?";
}

export function avatar(id, name, size = "") {
  return h("span", { class: `avatar ${size}`.trim(), "aria-hidden": "true", style: { background: avatarColor(id) } },
    initials(name));
}

export function fillAvatar(node, id, name) {
  node.textContent = initials(name);
  node.style.background = avatarColor(id);
}

export function personName(person) {
  if (!person) return "Unknown";
  return [person.first_name, person.last_name].filter(Boolean).join(" ") || person.username || `#${person.id}`;
}

export function personaTitle(person) {
  return person.label || personName(person);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const shortDateFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long" });
const fullDayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "long", year: "numeric" });

const toDate = (unixSeconds) => new Date(unixSeconds * 1000);

export const clockTime = (unixSeconds) => timeFormat.format(toDate(unixSeconds));

export function dayKey(unixSeconds) {
  const d = toDate(unixSeconds);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

function daysAgo(unixSeconds) {
  const then = toDate(unixSeconds);
  const now = new Date();
  const startOf = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  return Math.round((startOf(now) - startOf(then)) / 86400000);
}

// The separator between days in a conversation.
export function dayLabel(unixSeconds) {
  const ago = daysAgo(unixSeconds);
  if (ago === 0) return "Today";
  if (ago === 1) return "Yesterday";
  const sameYear = toDate(unixSeconds).getFullYear() === new Date().getFullYear();
  return (sameYear ? dayFormat : fullDayFormat).format(toDate(unixSeconds));
}

// The time beside a chat in the list: today's clock, a weekday, or a date.
export function listTime(unixSeconds) {
  const ago = daysAgo(unixSeconds);
  if (ago === 0) return clockTime(unixSeconds);
  if (ago < 7) return weekdayFormat.format(toDate(unixSeconds));
  return shortDateFormat.format(toDate(unixSeconds));
}

// One plain line that stands for a message (chat list, reply quotes).
export function messageSnippet(message) {
  if (!message) return "";
  const text = (message.text || message.caption || "").replace(/\s+/g, " ").trim();
  if (message.forum_topic_created) return `Topic “${message.forum_topic_created.name}” created`;
  let kind = "";
  if (message.photo) kind = message.media_group_id ? "Album" : "Photo";
  else if (message.video) kind = "Video";
  else if (message.document) kind = message.document.file_name || "File";
  else if (message.sticker) kind = `${message.sticker.emoji || ""} Sticker`.trim();
  else if (message.voice) kind = "Voice message";
  else if (message.video_note) kind = "Video message";
  else if (message.animation) kind = "GIF";
  else if (message.audio) kind = message.audio.title || message.audio.file_name || "Audio";
  if (kind && text) return `${kind}, ${text}`;
  return text || kind || "Message";
}

export function fileExtension(fileName) {
  const dot = String(fileName || "").lastIndexOf(".");
  if (dot <= 0) return "FILE";
  return fileName.slice(dot + 1, dot + 5).toUpperCase();
}
