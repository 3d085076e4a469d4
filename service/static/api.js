// Talking to the service: the API key, errors in words, server-sent events.
//
// The key lives in this tab only (sessionStorage): the page asks for it once and sends it as
// a Bearer token; the server stores nothing.

const KEY_STORE = "rag-api-key";
let apiKey = sessionStorage.getItem(KEY_STORE) || "";
let onUnauthorized = () => {};

export function setKey(key) {
  apiKey = key;
  if (key) sessionStorage.setItem(KEY_STORE, key);
  else sessionStorage.removeItem(KEY_STORE);
}

export function hasKey() {
  return apiKey !== "";
}

export function authHeaders() {
  return apiKey ? { Authorization: `Bearer ${apiKey}` } : {};
}

/** Called with the error's words whenever the service answers 401. */
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

/** An error a person can read; `status` is the HTTP status (0: no answer at all). */
export class ApiError extends Error {
  constructor(message, status, code = "", retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter; // seconds, from Retry-After
  }
}

function seconds(response) {
  const wait = Number.parseInt(response.headers.get("Retry-After") || "", 10);
  return Number.isFinite(wait) ? wait : null;
}

function detailText(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => (d && typeof d === "object" ? String(d.problem ?? "") : String(d)))
      .filter(Boolean)
      .join("; ");
  }
  return "";
}

/** The words for a failed response (never its raw JSON). */
export async function describe(response, what = "request") {
  let body = {};
  try {
    body = await response.json();
  } catch {
    body = {};
  }
  const detail = detailText(body.detail);
  const wait = seconds(response);
  const code = typeof body.error === "string" ? body.error : "";
  const again = wait !== null ? ` Try again in ${wait} second${wait === 1 ? "" : "s"}.` : "";
  switch (response.status) {
    case 401:
      return new ApiError("The API key was missing or not accepted. Enter the key.", 401, code);
    case 404:
      return new ApiError(`Not found: ${detail || "the service does not know it"}.`, 404, code);
    case 409:
      return new ApiError(`Not possible right now: ${detail}.`, 409, code);
    case 413:
      return new ApiError(
        what === "upload"
          ? "The upload is too large for the service. Send fewer or smaller PDFs."
          : "The question is too long for the service. Shorten it.",
        413,
        code,
      );
    case 422:
      return new ApiError(`The ${what} was not accepted: ${detail || "it is invalid"}.`, 422, code);
    case 429:
      return new ApiError(
        `Too many requests from you.${again || " Wait a minute."}`,
        429,
        code,
        wait,
      );
    case 503:
      if (code === "not_ready") {
        return new ApiError(`The service has no documents loaded yet (${detail}).`, 503, code);
      }
      return new ApiError(`The service is busy.${again || " Try again shortly."}`, 503, code, wait);
    default: {
      const rid = body.request_id ? ` (request id ${body.request_id})` : "";
      return new ApiError(
        `Something went wrong in the service${rid}. Try again, or tell its operator.`,
        response.status,
        code,
      );
    }
  }
}

/** fetch() with the key; throws ApiError with words on any failure. */
export async function call(path, options = {}, what = "request") {
  let response;
  try {
    response = await fetch(path, {
      ...options,
      headers: { ...authHeaders(), ...(options.headers || {}) },
    });
  } catch {
    throw new ApiError("Cannot reach the service. Is it running?", 0);
  }
  if (!response.ok) {
    const error = await describe(response, what);
    if (response.status === 401) onUnauthorized(error.message);
    throw error;
  }
  return response;
}

export async function getJSON(path) {
  return (await call(path)).json();
}

/** Parse a text/event-stream body, calling `onEvent(name, data)` for each event. */
export async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
      end = buffer.indexOf("\n\n");
    }
  }
}

/** "page 10", or "page 10 (printed page 6)" when the printed label differs. */
export function pageName(page, label) {
  return label && label !== String(page) ? `page ${page} (printed page ${label})` : `page ${page}`;
}
