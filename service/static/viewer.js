// The source viewer: a PDF page drawn by PDF.js (vendored), its text layer, the quote marked.

import { authHeaders, call, pageName } from "./api.js";
import { locate, mark, squeeze } from "./locate.js";

const PDFJS = "/static/vendor/pdfjs/pdf.mjs";
const WORKER = "/static/vendor/pdfjs/pdf.worker.mjs";
export const NOT_LOCATED = "The quote could not be located on this page; nothing is highlighted.";

let pdfjs = null;
const documents = new Map(); // doc_id -> Promise<PDFDocumentProxy>
let shown = null; // { source, page, pages }
let renderTask = null;
let generation = 0; // a newer open() wins over one still drawing

const $ = (id) => document.getElementById(id);

async function library() {
  if (!pdfjs) {
    pdfjs = await import(PDFJS);
    pdfjs.GlobalWorkerOptions.workerSrc = WORKER;
  }
  return pdfjs;
}

async function load(docId) {
  if (!documents.has(docId)) {
    const lib = await library();
    const url = `/documents/${encodeURIComponent(docId)}/file`;
    // Ask once with fetch's error handling, so a 401/409 reads as words, not as a PDF error.
    await call(url, { method: "GET", headers: { Range: "bytes=0-0" } }, "document");
    const task = lib.getDocument({
      url,
      httpHeaders: authHeaders(),
      isEvalSupported: false,
      enableXfa: false,
      disableAutoFetch: true,
    });
    documents.set(
      docId,
      task.promise.catch((err) => {
        documents.delete(docId);
        throw err;
      }),
    );
  }
  return documents.get(docId);
}

/** Forget loaded PDFs (after an index change or a new key). */
export function forget() {
  for (const promise of documents.values()) promise.then((d) => d.destroy()).catch(() => {});
  documents.clear();
}

function note(text, kind = "") {
  const el = $("viewer-note");
  el.textContent = text;
  el.className = `viewer-note ${kind}`.trim();
}

/**
 * Show `source` (a citation or a closest passage) at `page`, marking its quote when it has one.
 * source: {doc_id, document, page_start, page_end?, page_label, quote?, char_start?}
 */
export async function open(source, page = source.page_start, { focus = true } = {}) {
  const mine = ++generation;
  const viewer = $("viewer");
  viewer.classList.add("open");
  $("viewer-empty").hidden = true;
  $("viewer-body").hidden = false;
  $("viewer-doc").textContent = source.document;
  const label = page === source.page_start ? source.page_label : "";
  $("viewer-page").textContent = pageName(page, label);
  note("Loading the page…");
  if (focus) {
    $("viewer-title").focus({ preventScroll: true });
    viewer.scrollIntoView({ block: "nearest" });
  }
  let pdf;
  try {
    pdf = await load(source.doc_id);
  } catch (err) {
    if (mine === generation) note(err.message || "The PDF could not be opened.", "warn");
    return;
  }
  if (mine !== generation) return;
  shown = { source, page, pages: pdf.numPages };
  $("viewer-prev").disabled = page <= 1;
  $("viewer-next").disabled = page >= pdf.numPages;
  try {
    const { spans, labelFromPdf } = await draw(pdf, page, mine);
    if (mine !== generation) return;
    if (label === "" && labelFromPdf) $("viewer-page").textContent = pageName(page, labelFromPdf);
    await highlight(source, page, spans);
  } catch (err) {
    if (mine === generation && err?.name !== "RenderingCancelledException") {
      note(`The page could not be drawn: ${err.message || err}`, "warn");
    }
  }
}

async function draw(pdf, number, mine) {
  const lib = await library();
  const page = await pdf.getPage(number);
  const labels = await pdf.getPageLabels().catch(() => null);
  const container = $("pdf-page");
  const scroll = $("viewer-scroll");
  const base = page.getViewport({ scale: 1 });
  drawnWidth = scroll.clientWidth;
  const width = Math.max(200, scroll.clientWidth - 24);
  const viewport = page.getViewport({ scale: width / base.width });
  const ratio = window.devicePixelRatio || 1;

  const canvas = document.createElement("canvas");
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${Math.floor(viewport.width)}px`;
  canvas.style.height = `${Math.floor(viewport.height)}px`;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", `Page ${number} of the PDF`);
  const layer = document.createElement("div");
  layer.className = "textLayer";
  container.style.setProperty("--total-scale-factor", String(viewport.scale));
  container.style.width = `${Math.floor(viewport.width)}px`;
  container.style.height = `${Math.floor(viewport.height)}px`;
  container.replaceChildren(canvas, layer);

  renderTask?.cancel();
  renderTask = page.render({
    canvas,
    canvasContext: canvas.getContext("2d"),
    viewport,
    transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null,
  });
  const text = new lib.TextLayer({
    textContentSource: page.streamTextContent(),
    container: layer,
    viewport,
  });
  await Promise.all([renderTask.promise, text.render()]);
  if (mine !== generation) return { spans: [], labelFromPdf: null };
  return { spans: text.textDivs, labelFromPdf: labels ? labels[number - 1] : null };
}

async function pageText(docId, page) {
  try {
    const response = await call(`/documents/${encodeURIComponent(docId)}/pages/${page}`);
    return (await response.json()).text;
  } catch {
    return null; // the offsets only help to choose among repeats
  }
}

async function highlight(source, page, spans) {
  if (!source.quote) {
    note(
      source.note
        ? "Not an answer: the closest passage the documents hold, shown for context."
        : "",
    );
    return;
  }
  if (page !== source.page_start) {
    note("");
    return;
  }
  const text = await pageText(source.doc_id, page);
  let quote = source.quote;
  let continues = "";
  const start = typeof source.char_start === "number" ? source.char_start : null;
  if ((source.page_end ?? page) > page && text !== null && start !== null) {
    // The quote runs onto the next page: mark the part printed on this one.
    const here = text.slice(start);
    if (squeeze(quote).startsWith(squeeze(here)) && squeeze(here)) {
      quote = here;
      continues = ` It continues on page ${page + 1}.`;
    }
  }
  const found = locate(
    spans.map((s) => s.textContent),
    quote,
    text,
    start,
  );
  if (!found) {
    note(NOT_LOCATED, "warn");
    return;
  }
  const marks = mark(spans, found);
  reveal(marks[0]);
  note(`The quote is highlighted.${continues}`, "ok");
}

/** Scroll the viewer (and, on a phone, the page) so that `el` sits in the middle. */
function reveal(el) {
  const scroll = $("viewer-scroll");
  const box = scroll.getBoundingClientRect();
  const r = el.getBoundingClientRect();
  scroll.scrollTop += r.top - box.top - (scroll.clientHeight - r.height) / 2;
  scroll.scrollLeft += Math.min(0, r.left - box.left - 12);
  const now = el.getBoundingClientRect();
  if (now.top < 0 || now.bottom > window.innerHeight) {
    window.scrollBy({ top: now.top - (window.innerHeight - now.height) / 2 });
  }
}

/** Step to the previous (-1) or next (+1) page of the document shown. */
export function step(delta) {
  if (!shown) return;
  const page = shown.page + delta;
  if (page < 1 || page > shown.pages) return;
  open(shown.source, page, { focus: false });
}

let resizeTimer = 0;
let drawnWidth = 0;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    const width = $("viewer-scroll").clientWidth;
    if (shown && Math.abs(width - drawnWidth) > 8) open(shown.source, shown.page, { focus: false });
  }, 250);
});
