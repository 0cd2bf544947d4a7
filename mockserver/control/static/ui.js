// /__mock/ui: polls GET /__mock/overview and draws what it answers. No build step, no libraries.
"use strict";

const POLL_MS = 1500;
const KEPT_REQUESTS = 200;
const TOKEN_KEY = "mockserver-admin-token";
const view = {
  tenant: new URLSearchParams(location.search).get("tenant") || "default",
  after: 0,
  requests: [],
  selected: null,
  bucket: "posted",
  overview: null,
};
const $ = (selector) => document.querySelector(selector);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child ?? "");
  return node;
}

class Unauthorized extends Error {}

async function api(method, path, { body, type } = {}) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = type || "application/json";
  const separator = path.includes("?") ? "&" : "?";
  const url = `${path}${separator}tenant=${encodeURIComponent(view.tenant)}`;
  const answer = await fetch(url, { method, headers, body });
  if (answer.status === 401) throw new Unauthorized();
  const text = await answer.text();
  const document = text ? JSON.parse(text) : null;
  if (!answer.ok) {
    const errors = (document && document.errors) || [];
    throw new Error(errors.map((e) => e.message || e.code).join("; ") || `${answer.status}`);
  }
  return document;
}

async function poll() {
  try {
    const overview = await api("GET", `/__mock/overview?after=${view.after}`);
    $("#token-bar").hidden = true;
    take(overview);
    status(`updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    if (error instanceof Unauthorized) $("#token-bar").hidden = false;
    status(error instanceof Unauthorized ? "admin token needed" : `no answer: ${error.message}`, true);
  }
}

function take(overview) {
  view.overview = overview;
  const fresh = overview.requests;
  const newest = overview.journal.newest_seq;
  if (overview.journal.size === 0 || newest < view.after) {
    view.requests = [];  // cleared, reset, or a tenant made anew
    view.after = 0;
  }
  if (fresh.length) {
    view.after = fresh[fresh.length - 1].seq;
    view.requests = fresh.slice().reverse().concat(view.requests).slice(0, KEPT_REQUESTS);
  }
  drawClock(overview.clock);
  drawTenants(overview.tenants);
  drawMemos(overview.memos);
  drawRequests(new Set(fresh.map((entry) => entry.seq)));
  drawFaults(overview.faults);
  drawCallouts(overview.callouts);
}

function status(text, bad = false) {
  const node = $("#status");
  node.textContent = text;
  node.classList.toggle("bad", bad);
}

function drawClock(clock) {
  const node = $("#clock");
  node.textContent = `now ${clock.now.replace("T", " ").replace("+00:00", " UTC")}${clock.frozen ? " (set)" : ""}`;
  node.classList.toggle("frozen", clock.frozen);
}

function drawTenants(tenants) {
  const select = $("#tenant");
  const keys = tenants.map((tenant) => tenant.key);
  if (!keys.includes(view.tenant)) keys.push(view.tenant);
  if (select.options.length !== keys.length || [...select.options].some((o, n) => o.value !== keys[n])) {
    select.replaceChildren(...keys.map((key) => element("option", { value: key }, key)));
  }
  select.value = view.tenant;
  $("#tenant-table tbody").replaceChildren(
    ...tenants.map((tenant) =>
      element("tr", {},
        element("td", {}, element("a", { href: `?tenant=${encodeURIComponent(tenant.key)}` }, tenant.key)),
        element("td", { class: "num" }, String(tenant.debit_memos)),
        element("td", { class: "num" }, String(tenant.requests)),
      )),
  );
}

function drawMemos(memos) {
  $("#buckets").replaceChildren(
    ...Object.entries(memos).map(([name, bucket]) =>
      element("button", {
        class: `bucket${name === view.bucket ? " on" : ""}`,
        "data-bucket": name,
        onclick: () => { view.bucket = name; drawMemos(view.overview.memos); },
      }, element("b", {}, String(bucket.count)), name.replace("_", " "))),
  );
  const rows = (memos[view.bucket] || { latest: [] }).latest;
  $("#memo-table tbody").replaceChildren(
    ...rows.map((memo) =>
      element("tr", {},
        element("td", { title: memo.id }, memo.debit_memo_number),
        element("td", {}, memo.account_number),
        element("td", { class: "num" }, String(memo.total)),
        element("td", { class: "num" }, String(memo.remaining_balance)),
        element("td", {}, memo.currency),
        element("td", {}, memo.due_date),
      )),
  );
}

function target(entry) {
  return entry.query ? `${entry.path}?${entry.query}` : entry.path;
}

function drawRequests(fresh) {
  $("#request-table tbody").replaceChildren(
    ...view.requests.map((entry) => {
      const classes = [fresh.has(entry.seq) ? "fresh" : "", entry.seq === view.selected ? "on" : ""];
      return element("tr", {
        class: classes.join(" ").trim(),
        "data-seq": String(entry.seq),
        onclick: () => { view.selected = entry.seq; drawRequests(new Set()); },
      },
        element("td", {}, entry.time.slice(11, 23)),
        element("td", {}, entry.method),
        element("td", { class: "path" }, target(entry)),
        element("td", { class: `num s${String(entry.status)[0]}` }, String(entry.status ?? "-")),
        element("td", {}, entry.operation || ""),
        element("td", { class: "fault" }, entry.fault || ""),
        element("td", { class: "num" }, entry.duration_ms.toFixed(1)),
      );
    }),
  );
  drawDetail(view.requests.find((entry) => entry.seq === view.selected));
}

function pretty(body) {
  if (body === null || body === undefined || body === "") return "(no body)";
  try { return JSON.stringify(JSON.parse(body), null, 2); } catch { return body; }
}

function message(title, part) {
  if (!part) return [];
  const headers = Object.entries(part.headers || {}).map(([name, value]) => `${name}: ${value}`).join("\n");
  return [
    element("h3", {}, title),
    element("pre", { class: "headers" }, headers || "(no headers)"),
    element("pre", { class: "body" }, part.body_encoding === "base64" ? `(base64) ${part.body}` : pretty(part.body)),
    part.body_truncated ? element("p", { class: "cut" }, `body cut at 64 KiB (it was ${part.body_bytes} bytes)`) : "",
  ];
}

function drawDetail(entry) {
  const node = $("#request-detail");
  node.hidden = !entry;
  if (!entry) return;
  node.replaceChildren(
    element("h3", {}, `${entry.method} ${target(entry)} → ${entry.status}`),
    element("p", { class: "hint" },
      `request id ${entry.request_id || "-"} · ${entry.duration_ms.toFixed(1)} ms` +
      (entry.fault ? ` · fault ${entry.fault} (+${entry.latency_ms} ms)` : "")),
    ...message("Request", entry.request),
    ...message("Response", entry.response),
  );
}

function ruleText(rule) {
  return Object.entries(rule)
    .filter(([key]) => !["id", "source", "stats"].includes(key))
    .map(([key, value]) => `${key}=${value}`).join(",");
}

function drawFaults(faults) {
  $("#fault-table tbody").replaceChildren(
    ...faults.map((rule) =>
      element("tr", { "data-rule": rule.id },
        element("td", {}, rule.id),
        element("td", {}, ruleText(rule)),
        element("td", {}, rule.source),
        element("td", { class: "num" }, String(rule.stats.matches)),
        element("td", { class: "num" }, String(rule.stats.fired)),
        element("td", {}, element("button", {
          class: "small", title: "remove this rule",
          onclick: () => act(() => api("DELETE", `/__mock/faults/${encodeURIComponent(rule.id)}`)),
        }, "Remove")),
      )),
  );
}

function drawCallouts(callouts) {
  $("#callout-summary").textContent =
    `${callouts.definitions} definitions, ${callouts.pending} to send; newest deliveries first`;
  $("#delivery-table tbody").replaceChildren(
    ...callouts.deliveries.slice().reverse().map((row) =>
      element("tr", { class: row.outcome === "delivered" ? "" : "bad" },
        element("td", {}, row.time.slice(11, 23)),
        element("td", {}, row.event),
        element("td", {}, row.object_id),
        element("td", { class: "num" }, `${row.attempt}/${row.attempts}`),
        element("td", {}, row.url),
        element("td", { class: "num" }, row.status === null ? (row.error || "") : String(row.status)),
        element("td", {}, row.outcome),
        element("td", {}, row.fault || ""),
        element("td", { class: "num" }, String(row.ms)),
      )),
  );
}

async function act(action, errorNode) {
  try {
    await action();
    if (errorNode) errorNode.hidden = true;
  } catch (error) {
    if (!errorNode) throw error;
    errorNode.textContent = error.message;
    errorNode.hidden = false;
  }
  await poll();
}

function wire() {
  $("#tenant").addEventListener("change", (event) => {
    location.search = `?tenant=${encodeURIComponent(event.target.value)}`;
  });
  $("#fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("#fault-input").value.trim();
    if (!text) return;
    act(async () => {
      await api("POST", "/__mock/faults", { body: text, type: "text/plain" });
      $("#fault-input").value = "";
    }, $("#fault-error"));
  });
  $("#clock-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = $("#clock-input").value;
    if (!value) return;
    const now = value.length === 16 ? `${value}:00Z` : `${value}Z`;
    act(() => api("PUT", "/__mock/clock", { body: JSON.stringify({ now }) }));
  });
  $("#clock-real").addEventListener("click", () => act(() => api("DELETE", "/__mock/clock")));
  $("#reset").addEventListener("click", () => {
    if (confirm(`Reset tenant ${view.tenant} to its start-up data?`)) {
      act(() => api("POST", "/__mock/reset"));
    }
  });
  $("#clear-journal").addEventListener("click", () => act(() => api("DELETE", "/__mock/requests")));
  $("#flush-callouts").addEventListener("click", () => act(() => api("POST", "/__mock/callouts/flush")));
  $("#token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("#token-input").value);
    poll();
  });
}

wire();
poll();
setInterval(poll, POLL_MS);
