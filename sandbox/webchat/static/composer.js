// The composer: text (Enter sends, Shift+Enter breaks the line), attachments
// (photo, video, document, several making an album; a voice message or a
// sticker, one at a time), reply and edit modes, a
// draft per conversation and command suggestions after "/".
//
// handlers = { sendText({text, replyTo}), sendMedia({kind, files, caption, replyTo}),
//              editMessage(message, text), lastOwnMessage(), commands(),
//              describe(message) -> {title, snippet} }

import { h, svg, ICONS, fileExtension } from "./format.js";
import { toastError } from "./ui.js";

const MAX_ALBUM = 10;
const ALONE = new Set(["voice", "sticker"]); // sent one to a message, never as an album
const MAX_INPUT_PX = 200;

export class Composer {
  constructor(handlers) {
    this.handlers = handlers;
    this.input = document.getElementById("composer-input");
    this.sendButton = document.getElementById("send-button");
    this.attachButton = document.getElementById("attach-button");
    this.attachMenu = document.getElementById("attach-menu");
    this.tray = document.getElementById("attachments");
    this.contextBar = document.getElementById("composer-context");
    this.commandBox = document.getElementById("commands");
    this.drafts = new Map();
    this.key = null;
    this.mode = null; // {type: "reply"|"edit", message}
    this.pending = { kind: null, files: [] };
    this.busy = false;
    this.wire();
  }

  wire() {
    this.input.addEventListener("keydown", (event) => this.onKeyDown(event));
    this.input.addEventListener("input", () => {
      this.autosize();
      this.updateCommands();
      this.updateSendState();
    });
    this.input.addEventListener("paste", (event) => {
      const images = [...(event.clipboardData?.files || [])].filter((file) => file.type.startsWith("image/"));
      if (images.length) {
        event.preventDefault();
        this.addFiles("photo", images);
      }
    });
    this.sendButton.addEventListener("click", () => this.submit());
    this.attachButton.addEventListener("click", (event) => {
      event.stopPropagation();
      this.toggleMenu(this.attachMenu.hidden);
    });
    this.attachMenu.querySelectorAll("[data-kind]").forEach((item) => {
      item.addEventListener("click", () => {
        this.toggleMenu(false);
        document.getElementById(`file-${item.dataset.kind}`).click();
      });
    });
    for (const kind of ["photo", "video", "document", "voice", "sticker"]) {
      const picker = document.getElementById(`file-${kind}`);
      picker.addEventListener("change", () => {
        this.addFiles(kind, [...picker.files]);
        picker.value = "";
      });
    }
    document.addEventListener("click", (event) => {
      if (!this.attachMenu.hidden && !this.attachMenu.contains(event.target)) this.toggleMenu(false);
    });
    document.getElementById("composer-context-cancel").addEventListener("click", () => this.cancelMode());
    // Files dropped on the conversation: pictures go as photos, the rest as documents.
    const dropZone = document.getElementById("conversation");
    dropZone.addEventListener("dragover", (event) => {
      if (!this.input.disabled && event.dataTransfer?.types.includes("Files")) event.preventDefault();
    });
    dropZone.addEventListener("drop", (event) => {
      const files = [...(event.dataTransfer?.files || [])];
      if (!files.length || this.input.disabled || this.key === null) return;
      event.preventDefault();
      this.addFiles(files.every((file) => file.type.startsWith("image/")) ? "photo" : "document", files);
    });
  }

  toggleMenu(open) {
    this.attachMenu.hidden = !open;
    this.attachButton.setAttribute("aria-expanded", String(open));
  }

  // Switching conversations keeps what was typed in the one left behind.
  switchTo(key) {
    if (this.key !== null) this.drafts.set(this.key, this.input.value);
    this.key = key;
    this.cancelMode();
    this.clearFiles();
    this.input.value = this.drafts.get(key) || "";
    this.autosize();
    this.updateCommands();
    this.updateSendState();
  }

  // Another person's drafts are not this one's.
  forgetDrafts() {
    this.drafts.clear();
    this.key = null;
    this.input.value = "";
    this.cancelMode();
    this.clearFiles();
  }

  // A closed topic takes no messages; say so where one would type.
  setClosed(closed) {
    this.input.disabled = closed;
    this.attachButton.disabled = closed;
    this.sendButton.disabled = closed;
    document.getElementById("composer").classList.toggle("closed", closed);
    this.input.placeholder = closed ? "This topic is closed" : "Message";
  }

  focus() {
    this.input.focus();
  }

  replyTo(message) {
    this.setMode({ type: "reply", message });
    this.focus();
  }

  edit(message) {
    this.setMode({ type: "edit", message });
    this.input.value = message.text || message.caption || "";
    this.autosize();
    this.updateSendState();
    this.focus();
  }

  setMode(mode) {
    if (this.mode && this.mode.type === "edit" && mode?.type !== "edit") this.input.value = "";
    this.mode = mode;
    if (!mode) {
      this.contextBar.hidden = true;
      return;
    }
    const { title, snippet } = this.handlers.describe(mode.message);
    document.getElementById("composer-context-title").textContent = mode.type === "edit" ? "Edit message" : `Reply to ${title}`;
    document.getElementById("composer-context-snippet").textContent = snippet;
    document.getElementById("composer-context-icon").firstElementChild
      .setAttribute("d", mode.type === "edit" ? ICONS.edit : ICONS.reply);
    this.contextBar.dataset.mode = mode.type;
    this.contextBar.hidden = false;
  }

  cancelMode() {
    this.setMode(null);
    this.autosize();
    this.updateSendState();
  }

  addFiles(kind, files) {
    if (!files.length) return;
    if (this.pending.kind !== kind || ALONE.has(kind)) this.pending = { kind, files: [] };
    this.pending.files = [...this.pending.files, ...files].slice(0, ALONE.has(kind) ? 1 : MAX_ALBUM);
    this.drawTray();
    this.updateSendState();
    this.focus();
  }

  clearFiles() {
    for (const node of this.tray.querySelectorAll("img")) URL.revokeObjectURL(node.src);
    this.pending = { kind: null, files: [] };
    this.drawTray();
  }

  drawTray() {
    const { kind, files } = this.pending;
    this.tray.hidden = files.length === 0;
    this.tray.replaceChildren(...files.map((file, index) => {
      const preview = kind === "photo" && file.type.startsWith("image/")
        ? h("img", { src: URL.createObjectURL(file), alt: "" })
        : h("span", { class: "attachment-ext" }, kind === "video" ? svg(ICONS.play) : fileExtension(file.name));
      return h("div", { class: "attachment", "data-testid": "attachment", title: file.name },
        preview,
        h("span", { class: "attachment-name" }, file.name),
        h("button", {
          type: "button", class: "attachment-remove", "aria-label": `Remove ${file.name}`,
          onclick: () => {
            this.pending.files.splice(index, 1);
            this.drawTray();
            this.updateSendState();
          },
        }, "×"));
    }));
    this.input.placeholder = files.length ? "Add a caption…" : "Message";
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight, MAX_INPUT_PX)}px`;
  }

  updateSendState() {
    const ready = this.input.value.trim() !== "" || this.pending.files.length > 0;
    this.sendButton.classList.toggle("ready", ready);
  }

  onKeyDown(event) {
    if (!this.commandBox.hidden && this.navigateCommands(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      this.submit();
    } else if (event.key === "Escape") {
      if (this.mode) this.cancelMode();
      else if (this.pending.files.length) this.clearFiles();
    } else if (event.key === "ArrowUp" && this.input.value === "" && !this.mode) {
      const last = this.handlers.lastOwnMessage();
      if (last) {
        event.preventDefault();
        this.edit(last);
      }
    }
  }

  async submit() {
    if (this.busy) return;
    const text = this.input.value;
    const mode = this.mode;
    const pending = this.pending;
    if (!pending.files.length && text.trim() === "") return;
    this.busy = true;
    this.sendButton.disabled = true;
    try {
      if (mode && mode.type === "edit") {
        await this.handlers.editMessage(mode.message, text.trim());
      } else if (pending.files.length) {
        await this.handlers.sendMedia({
          kind: pending.kind, files: pending.files, caption: text.trim(), replyTo: mode ? mode.message : null,
        });
      } else {
        await this.handlers.sendText({ text: text.replace(/\s+$/, ""), replyTo: mode ? mode.message : null });
      }
      this.input.value = "";
      if (this.key !== null) this.drafts.delete(this.key);
      this.setMode(null);
      this.clearFiles();
    } catch (error) {
      toastError(error);
    } finally {
      this.busy = false;
      this.sendButton.disabled = false;
      this.autosize();
      this.updateCommands();
      this.updateSendState();
      this.focus();
    }
  }

  // "/" at the start of an empty line offers the commands the bot is known
  // to understand.
  updateCommands() {
    const value = this.input.value;
    const match = /^\/(\w*)$/.exec(value);
    const commands = match
      ? this.handlers.commands().filter((c) => c.command.slice(1).startsWith(match[1]) && c.command !== value)
      : [];
    this.commandBox.hidden = commands.length === 0;
    this.commandBox.replaceChildren(...commands.map(({ command, description }, index) => h("button", {
      type: "button", class: `command${index === 0 ? " selected" : ""}`, "data-testid": "command-suggestion",
      dataset: { command }, onclick: () => this.pickCommand(command),
    }, h("span", { class: "command-name" }, command),
    description ? h("span", { class: "command-description" }, description) : null)));
  }

  navigateCommands(event) {
    const items = [...this.commandBox.children];
    const current = items.findIndex((item) => item.classList.contains("selected"));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const next = (current + (event.key === "ArrowDown" ? 1 : items.length - 1)) % items.length;
      items.forEach((item, index) => item.classList.toggle("selected", index === next));
      return true;
    }
    if (event.key === "Tab" || (event.key === "Enter" && !event.shiftKey)) {
      event.preventDefault();
      this.pickCommand(items[Math.max(current, 0)].dataset.command, event.key === "Enter");
      return true;
    }
    return false;
  }

  pickCommand(command, send = true) {
    this.input.value = command;
    this.updateCommands();
    this.updateSendState();
    if (send) this.submit();
    else this.focus();
  }
}
