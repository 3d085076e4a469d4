// Documents: the ingested list, skipped files, uploads, deletes, and the ingest's progress.

import { call, getJSON } from "./api.js";
import { forget } from "./viewer.js";

const $ = (id) => document.getElementById(id);
// Polls count against the per-client rate limit (RAG_RATE_LIMIT_PER_MINUTE): once a second,
// and a 429 or 503 only pauses the polling for its Retry-After.
const POLL_MS = 1000;
let polling = null;

function item(className, testid, ...children) {
  const li = document.createElement("li");
  li.className = className;
  li.dataset.testid = testid;
  li.append(...children);
  return li;
}

function span(className, text) {
  const s = document.createElement("span");
  s.className = className;
  s.textContent = text;
  return s;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function showMessage(text, kind = "") {
  const box = $("documents-message");
  box.textContent = text;
  box.className = `message ${kind}`.trim();
}

/** Fetch and draw the list of documents and skipped files. */
export async function refresh() {
  let body;
  try {
    body = await getJSON("/documents");
  } catch (err) {
    showMessage(err.message, "warn");
    return;
  }
  const docs = $("document-list");
  docs.replaceChildren(
    ...body.documents.map((d) => {
      const parts = [
        span("doc-name", d.document),
        span(
          "doc-meta",
          `${plural(d.pages, "page")} · ${plural(d.chunks, "chunk")} · ${d.status}` +
            (d.uploaded ? " · uploaded" : ""),
        ),
      ];
      if (d.uploaded) {
        parts.push(deleteButton(d.document, `/documents/${encodeURIComponent(d.doc_id)}`));
      }
      return item("doc", "document", ...parts);
    }),
  );
  $("documents-count").textContent = `(${body.documents.length})`;
  const skipped = $("skipped-list");
  skipped.replaceChildren(
    ...body.skipped.map((s) => {
      const name = s.path.split("/").pop();
      const parts = [span("doc-name", name), span("doc-meta", `skipped: ${s.code}: ${s.error}`)];
      if (s.uploaded) {
        parts.push(deleteButton(name, `/documents/skipped/${encodeURIComponent(name)}`));
      }
      return item("skipped", "skipped", ...parts);
    }),
  );
  $("skipped-section").hidden = body.skipped.length === 0;
}

function showJob(job) {
  const box = $("job");
  box.hidden = false;
  box.dataset.state = job.state;
  const what = job.action === "upload" ? `Uploading ${job.files.join(", ")}` : `Deleting ${job.files.join(", ")}`;
  const last = job.progress.filter((l) => !l.startsWith("$ ")).slice(-1)[0] || "";
  const counted = /^\[(\d+)\/(\d+)\]/.exec(last);
  const bar = $("job-progress");
  if (job.state === "done" || job.state === "failed") {
    bar.hidden = true;
  } else {
    bar.hidden = false;
    if (counted) {
      bar.max = Number(counted[2]);
      bar.value = Number(counted[1]);
    } else {
      bar.removeAttribute("value"); // indeterminate
    }
  }
  const states = {
    queued: "waiting for another ingest",
    running: "ingesting",
    loading: "loading the new index",
    done: "done",
    failed: "failed",
  };
  $("job-title").textContent = `${what}: ${states[job.state] || job.state}`;
  $("job-message").textContent = job.message;
  $("job-line").textContent = job.state === "done" || job.state === "failed" ? "" : last;
}

async function follow(job) {
  showJob(job);
  clearTimeout(polling);
  while (job.state !== "done" && job.state !== "failed") {
    await new Promise((resolve) => {
      polling = setTimeout(resolve, POLL_MS);
    });
    try {
      job = await getJSON(`/documents/jobs/${encodeURIComponent(job.id)}`);
      showMessage("");
    } catch (err) {
      showMessage(err.message, "warn");
      if (err.status !== 429 && err.status !== 503) return;
      await new Promise((resolve) => {
        polling = setTimeout(resolve, 1000 * (err.retryAfter ?? 5));
      });
      continue;
    }
    showJob(job);
  }
  forget();
  await refresh();
}

async function upload(files) {
  if (!files.length) return;
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  showMessage(`Sending ${plural(files.length, "file")}…`);
  try {
    const response = await call("/documents", { method: "POST", body: form }, "upload");
    showMessage("");
    await follow(await response.json());
  } catch (err) {
    showMessage(err.message, "warn");
  }
}

function deleteButton(name, url) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "small danger";
  button.textContent = "Delete";
  button.setAttribute("aria-label", `Delete ${name}`);
  button.addEventListener("click", () => remove(name, url));
  return button;
}

async function remove(name, url) {
  if (!window.confirm(`Delete ${name} from the uploads and the index?`)) return;
  try {
    const response = await call(url, { method: "DELETE" });
    showMessage("");
    await follow(await response.json());
  } catch (err) {
    showMessage(err.message, "warn");
  }
}

export function setUpDocuments() {
  const input = $("upload");
  input.addEventListener("change", () => {
    const files = [...input.files];
    input.value = "";
    upload(files);
  });
}

/** Show the list, and follow an ingest that is still running (started elsewhere). */
export async function startDocuments() {
  await refresh();
  try {
    const jobs = await getJSON("/documents/jobs");
    const running = jobs.filter((j) => j.state !== "done" && j.state !== "failed").pop();
    if (running) follow(running);
  } catch {
    // the list already said what is wrong
  }
}
