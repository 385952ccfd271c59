// Transient UI: toasts, the callback alert and the photo viewer.

import { h } from "./format.js";

const TOAST_MS = 4000;

export function toast(text, { kind = "info" } = {}) {
  const container = document.getElementById("toasts");
  const node = h("div", {
    class: `toast ${kind}`,
    role: kind === "error" ? "alert" : "status",
    "data-testid": kind === "error" ? "error-toast" : "toast",
  }, text);
  container.append(node);
  // Keep the stack short when a burst of errors arrives.
  while (container.children.length > 3) container.firstElementChild.remove();
  setTimeout(() => {
    node.classList.add("leaving");
    setTimeout(() => node.remove(), 250);
  }, TOAST_MS);
  return node;
}

export const toastError = (error) => toast(error && error.message ? error.message : String(error), { kind: "error" });

export function showAlert(text) {
  const dialog = document.getElementById("alert-dialog");
  document.getElementById("alert-text").textContent = text;
  if (!dialog.open) dialog.showModal();
}

export function openImage(url) {
  const dialog = document.getElementById("lightbox");
  document.getElementById("lightbox-image").src = url;
  if (!dialog.open) dialog.showModal();
}

export function setupDialogs() {
  const lightbox = document.getElementById("lightbox");
  // A click on the dark backdrop (the dialog itself, not the picture) closes it.
  lightbox.addEventListener("click", (event) => {
    if (event.target === lightbox) lightbox.close();
  });
}
