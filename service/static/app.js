// The page's entry point: the API key prompt, the status line, and wiring of the panels.

import { call, hasKey, setKey, whenUnauthorized } from "./api.js";
import { setUpAsk } from "./ask.js";
import { refresh, setUpDocuments, startDocuments } from "./documents.js";
import { forget, step } from "./viewer.js";

const $ = (id) => document.getElementById(id);
let keyRequired = false;
let keyWaiters = [];

/** Ask for the API key (once; again only if the service refuses it). */
function promptForKey(reason = "") {
  const dialog = $("key-dialog");
  $("key-error").textContent = reason;
  $("key-error").hidden = !reason;
  $("key-button").hidden = false;
  if (!dialog.open) dialog.showModal();
  $("key-input").focus();
  return new Promise((resolve) => keyWaiters.push(resolve));
}

function setUpKeyDialog() {
  $("key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const key = $("key-input").value.trim();
    if (!key) {
      $("key-error").textContent = "Enter the key first.";
      $("key-error").hidden = false;
      return;
    }
    setKey(key);
    try {
      await call("/documents"); // is it the right key?
    } catch (err) {
      setKey("");
      $("key-error").textContent = err.message;
      $("key-error").hidden = false;
      $("key-input").select();
      return;
    }
    $("key-dialog").close();
    $("key-input").value = "";
    forget();
    const waiters = keyWaiters;
    keyWaiters = [];
    for (const resolve of waiters) resolve();
    refresh();
  });
  $("key-dialog").addEventListener("cancel", (event) => {
    if (!hasKey()) event.preventDefault(); // nothing works without it
  });
  $("key-button").addEventListener("click", () => promptForKey());
  whenUnauthorized((message) => {
    if (keyRequired && !$("key-dialog").open) {
      setKey("");
      promptForKey(message);
    }
  });
}

async function showStatus() {
  const status = $("status");
  try {
    const response = await fetch("/readyz");
    const body = await response.json();
    status.textContent = body.ready
      ? `${body.documents} documents · ${body.chunks} chunks · generator ${body.generator} · reranker ${body.reranker}`
      : `Not ready: ${body.detail || "no index loaded"}`;
    status.classList.toggle("warn", !body.ready);
  } catch {
    status.textContent = "The service cannot be reached.";
    status.classList.add("warn");
  }
}

function setUpViewer() {
  $("viewer-prev").addEventListener("click", () => step(-1));
  $("viewer-next").addEventListener("click", () => step(1));
  $("viewer-back").addEventListener("click", () => {
    const active = document.querySelector(".cite.active") || $("question");
    active.focus();
  });
  $("viewer").addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea")) return;
    if (event.key === "ArrowLeft" || event.key === "PageUp") step(-1);
    if (event.key === "ArrowRight" || event.key === "PageDown") step(1);
  });
}

async function main() {
  setUpKeyDialog();
  setUpAsk();
  setUpDocuments();
  setUpViewer();
  try {
    const config = await (await fetch("/ui/config.json")).json();
    keyRequired = Boolean(config.key_required);
    $("question").maxLength = config.max_question_chars;
  } catch {
    // the status line reports an unreachable service
  }
  showStatus();
  if (keyRequired) {
    $("key-button").hidden = false;
    if (!hasKey()) await promptForKey();
  }
  document.body.dataset.ready = "true";
  await startDocuments();
}

main();
