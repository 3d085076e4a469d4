// Asking: the question form, the streamed answer, its citations and the closest passages.
// Every text from the service goes into the page as text (textContent), never as HTML.

import { call, pageName, readEvents } from "./api.js";
import { open } from "./viewer.js";

const $ = (id) => document.getElementById(id);
const MARKER = /\[(\d+)\]/g;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "testid") node.dataset.testid = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

function sourceLink(citation, text, testid) {
  const where = `${citation.document}, ${pageName(citation.page_start, citation.page_label)}`;
  const link = el(
    "a",
    { href: `#source-${citation.id}`, className: "cite", "aria-label": `${text}: ${where}` },
    text,
  );
  if (testid) link.dataset.testid = testid;
  link.title = where;
  link.addEventListener("click", (event) => {
    event.preventDefault();
    document.querySelectorAll(".cite.active").forEach((a) => a.classList.remove("active"));
    link.classList.add("active");
    open(citation);
  });
  return link;
}

/** The checked answer: text with each [n] marker a link that opens its source. */
function renderAnswer(body) {
  const answer = $("answer");
  answer.replaceChildren();
  if (body.abstained) {
    answer.append(el("p", { className: "abstained", testid: "abstained" }, body.answer));
    renderClosest(body.closest || []);
    return;
  }
  const byId = new Map(body.citations.map((c) => [c.id, c]));
  const paragraph = el("p", { className: "answer-text" });
  let at = 0;
  let n = 0;
  for (const match of body.answer.matchAll(MARKER)) {
    paragraph.append(body.answer.slice(at, match.index));
    const citation = byId.get(Number(match[1]));
    if (citation) {
      const link = sourceLink(citation, match[0], "citation");
      link.id = `cite-${(n += 1)}`;
      paragraph.append(link);
    } else {
      paragraph.append(match[0]);
    }
    at = match.index + match[0].length;
  }
  paragraph.append(body.answer.slice(at));
  answer.append(paragraph);
  if (body.citations.length) {
    const list = el("ol", { className: "sources", "aria-label": "Sources" });
    for (const c of body.citations) {
      list.append(
        el(
          "li",
          { id: `source-${c.id}` },
          sourceLink(c, `[${c.id}] ${c.document}, ${pageName(c.page_start, c.page_label)}`),
          el("q", { className: "quote-text" }, c.quote),
        ),
      );
    }
    answer.append(el("h3", { className: "sources-title" }, "Sources"), list);
  }
}

function renderClosest(closest) {
  if (!closest.length) return;
  const list = el("ul", { className: "closest" });
  for (const c of closest) {
    const where = `${c.document}, ${pageName(c.page_start, c.page_label)}`;
    const link = el("a", { href: "#viewer", className: "cite closest-link" }, where);
    link.addEventListener("click", (event) => {
      event.preventDefault();
      open({ ...c, quote: null });
    });
    list.append(
      el(
        "li",
        { testid: "closest" },
        el("span", { className: "badge" }, "not an answer"),
        " ",
        link,
        el("q", { className: "quote-text" }, c.text),
      ),
    );
  }
  $("answer").append(
    el("h3", { className: "sources-title" }, "Closest passages (not an answer)"),
    list,
  );
}

function renderFooter(body) {
  const parts = [`answered by ${body.generator}`];
  if (body.retrieval?.reranker) parts.push(`reranker ${body.retrieval.reranker}`);
  if (body.timings_ms?.total) parts.push(`${Math.round(body.timings_ms.total)} ms`);
  const footer = el("p", { className: "answer-meta" }, parts.join(" · "));
  if (body.degraded && body.reason) footer.append(el("br"), `Degraded: ${body.reason}`);
  $("answer").append(footer);
}

async function ask(question) {
  const answer = $("answer");
  const button = $("ask");
  showError("");
  answer.replaceChildren(el("p", { className: "pending" }, "Searching the documents…"));
  answer.setAttribute("aria-busy", "true");
  answer.dataset.state = "asking";
  answer.dataset.deltas = "0";
  button.disabled = true;
  let draft = null;
  let finished = false;
  try {
    const response = await call(
      "/ask",
      {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify({ question, stream: true }),
      },
      "question",
    );
    await readEvents(response, (name, data) => {
      if (name === "sources") {
        const n = data.retrieval?.candidates?.length ?? 0;
        answer.replaceChildren(
          el("p", { className: "pending" }, `Found ${n} passages; writing the answer…`),
        );
      } else if (name === "delta") {
        answer.dataset.deltas = String(Number(answer.dataset.deltas || 0) + 1);
        if (!draft) {
          draft = el("p", { className: "draft", "aria-label": "Draft answer" });
          answer.replaceChildren(draft);
        }
        draft.append(`${draft.textContent ? " " : ""}${data.text}`);
      } else if (name === "citations") {
        renderAnswer(data);
      } else if (name === "done") {
        renderAnswer(data);
        renderFooter(data);
        finished = true;
        answer.dataset.state = "done";
      } else if (name === "error") {
        const rid = data.request_id ? ` (request id ${data.request_id})` : "";
        showError(`The answer failed in the service${rid}. Try again.`);
        finished = true;
        answer.dataset.state = "failed";
      }
    });
    if (!finished) {
      showError("The answer stopped before it was complete. Try again.");
      answer.dataset.state = "failed";
    }
  } catch (err) {
    answer.replaceChildren();
    answer.dataset.state = "failed";
    showError(err.message || String(err));
  } finally {
    answer.setAttribute("aria-busy", "false");
    button.disabled = false;
  }
}

export function setUpAsk() {
  const form = $("ask-form");
  const question = $("question");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = question.value.trim();
    if (!text) {
      showError("Type a question first.");
      question.focus();
      return;
    }
    ask(text);
  });
  question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}
