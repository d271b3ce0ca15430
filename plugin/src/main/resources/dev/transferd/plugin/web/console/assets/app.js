// The transferd console: a small page script, no framework, no build step. Data from the API is
// only ever put into the page as text (textContent), never as HTML.
"use strict";

const state = { csrf: "", namespace: "", timer: null };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function bytes(n) {
  if (n < 0 || n === undefined) return "?";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}

function duration(seconds) {
  if (!isFinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) return Math.ceil(seconds) + " s";
  return Math.floor(seconds / 60) + " min " + Math.ceil(seconds % 60) + " s";
}

function shortDigest(d) { return d ? d.replace("sha256:", "").slice(0, 12) : ""; }

async function api(path, options) {
  const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
  let body = {};
  try { body = await response.json(); } catch (e) { body = { ok: false, error: response.statusText }; }
  if (!response.ok) throw new Error(body.error || ("HTTP " + response.status));
  return body;
}

function post(path) {
  return api(path, { method: "POST", headers: { "X-CSRF-Token": state.csrf } });
}

function main() { return document.getElementById("main"); }

function show(...nodes) {
  const m = main();
  m.replaceChildren(...nodes.flat().filter((n) => n !== null && n !== undefined));
}

function setNav(page) {
  for (const id of ["images", "upload", "registry", "operations"]) {
    const a = document.getElementById("nav-" + id);
    if (id === page) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
}

// ---- images ----

const listState = { filter: "", sort: "name", page: 1, per: 50 };

async function imagesPage() {
  setNav("images");
  const filter = el("input", { type: "search", id: "filter", placeholder: "Filter by name",
    "aria-label": "Filter images by name", value: listState.filter });
  const sort = el("select", { id: "sort", "aria-label": "Sort images" },
    el("option", { value: "name", text: "Name A–Z" }),
    el("option", { value: "-name", text: "Name Z–A" }),
    el("option", { value: "-created", text: "Newest first" }),
    el("option", { value: "created", text: "Oldest first" }),
    el("option", { value: "-size", text: "Largest first" }),
    el("option", { value: "size", text: "Smallest first" }));
  sort.value = listState.sort;
  const body = el("div", { id: "image-list", "aria-live": "polite" });
  let debounce = null;
  filter.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { listState.filter = filter.value; listState.page = 1; load(); }, 200);
  });
  sort.addEventListener("change", () => { listState.sort = sort.value; listState.page = 1; load(); });
  show(el("h2", { text: "Images" }), el("div", { class: "row" }, filter, sort), body);

  async function load() {
    const q = new URLSearchParams({ filter: listState.filter, sort: listState.sort,
      page: listState.page, per: listState.per });
    let data;
    try { data = await api("/api/images?" + q); } catch (e) {
      body.replaceChildren(el("p", { class: "result-error", text: e.message })); return;
    }
    if (data.total === 0) {
      body.replaceChildren(el("p", { class: "muted", id: "no-images",
        text: listState.filter ? "No image matches the filter." : "No images yet: upload an archive." }));
      return;
    }
    const rows = data.images.map((img) => el("tr", { "data-name": img.name },
      el("td", { "data-label": "Name" },
        el("a", { href: "#/image/" + encodeURIComponent(img.name), class: "image-name", text: img.name })),
      el("td", { "data-label": "Digest", class: "mono", title: img.digest, text: shortDigest(img.digest) }),
      el("td", { "data-label": "Size", class: "num", text: bytes(img.size) }),
      el("td", { "data-label": "Platforms", text: (img.platforms || []).join(", ") || "—" }),
      el("td", { "data-label": "Created", text: (img.created || "").replace("T", " ").replace(/\..*Z$|Z$/, "") }),
      el("td", { "data-label": "Labels" },
        Object.entries(img.labels || {}).map(([k, v]) => el("span", { class: "label", text: k + "=" + v })))));
    const table = el("table", { class: "cards", id: "images-table" },
      el("thead", {}, el("tr", {}, ["Name", "Digest", "Size", "Platforms", "Created", "Labels"].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, rows));
    const prev = el("button", { type: "button", id: "prev-page", text: "Previous", disabled: data.page <= 1,
      onclick: () => { listState.page--; load(); } });
    const next = el("button", { type: "button", id: "next-page", text: "Next", disabled: data.page >= data.pages,
      onclick: () => { listState.page++; load(); } });
    body.replaceChildren(el("div", { class: "table-wrap" }, table),
      el("div", { class: "pager" }, prev,
        el("span", { id: "page-info", text: "Page " + data.page + " of " + data.pages + " · " + data.total + " images" }), next));
  }
  await load();
}

// ---- one image ----

async function imagePage(name) {
  setNav("images");
  let img;
  try { img = await api("/api/image?" + new URLSearchParams({ name })); } catch (e) {
    show(el("h2", { text: name }), el("p", { class: "result-error", text: e.message }));
    return;
  }
  const pull = "docker pull " + location.host + "/" + img.name;
  const pullCode = el("code", { id: "pull-command", text: pull });
  const copy = el("button", { type: "button", id: "copy-pull", text: "Copy",
    onclick: async () => {
      try { await navigator.clipboard.writeText(pull); copy.textContent = "Copied"; }
      catch (e) { const r = document.createRange(); r.selectNodeContents(pullCode);
        const s = getSelection(); s.removeAllRanges(); s.addRange(r); copy.textContent = "Selected: press Ctrl+C"; }
    } });
  const tagInput = el("input", { type: "text", id: "tag-target", placeholder: "new name, e.g. localhost/app:stable",
    "aria-label": "New name for this image" });
  const tagResult = el("span", { id: "tag-result", "aria-live": "polite" });
  const tagButton = el("button", { type: "button", id: "tag-button", class: "primary", text: "Tag",
    onclick: async () => {
      tagResult.className = ""; tagResult.textContent = "Tagging…";
      try {
        const r = await post("/api/tag?" + new URLSearchParams({ source: img.name, target: tagInput.value }));
        tagResult.className = "result-ok"; tagResult.textContent = "Tagged " + r.name;
      } catch (e) { tagResult.className = "result-error"; tagResult.textContent = e.message; }
    } });
  const del = el("button", { type: "button", id: "delete-button", class: "danger", text: "Delete…",
    onclick: () => confirmDelete(img.name) });
  const manifests = img.manifests.map((m) => el("section", { class: "manifest" },
    el("h3", { text: (m.platform || "manifest") + " · " + shortDigest(m.digest) }),
    m.present ? null : el("p", { class: "muted", text: "Not in this store (left out when pulled)." }),
    m.config ? configSummary(m.config) : null,
    m.layers.length ? el("div", { class: "table-wrap" }, el("table", { class: "cards layers" },
      el("thead", {}, el("tr", {}, el("th", { text: "#" }), el("th", { text: "Layer" }), el("th", { text: "Size" }), el("th", { text: "Type" }))),
      el("tbody", {}, m.layers.map((l, i) => el("tr", {},
        el("td", { "data-label": "#", text: i + 1 }),
        el("td", { "data-label": "Layer", class: "mono digest", text: l.digest }),
        el("td", { "data-label": "Size", class: "num", text: bytes(l.size) }),
        el("td", { "data-label": "Type", class: "mono", text: l.mediaType })))))) : null));
  show(
    el("h2", { id: "image-title", text: img.name }),
    el("p", {}, el("span", { class: "mono digest", text: img.digest }), " · ", bytes(img.size), " · ",
      el("span", { class: "mono", text: img.mediaType })),
    el("div", { class: "row" }, pullCode, copy),
    el("h3", { text: "Actions" }),
    el("div", { class: "row" }, tagInput, tagButton, tagResult),
    el("div", { class: "row" },
      el("a", { class: "button", id: "export-docker", href: "/api/export?" + new URLSearchParams({ name: img.name, format: "docker" }), download: "", text: "Export (docker)" }),
      el("a", { class: "button", id: "export-oci", href: "/api/export?" + new URLSearchParams({ name: img.name, format: "oci" }), download: "", text: "Export (OCI)" }),
      del),
    manifests,
    el("h3", { text: "Target document" }),
    el("pre", { id: "document", text: img.document }));
}

function configSummary(c) {
  const rows = [];
  const add = (k, v) => { if (v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && !v.length)) rows.push(el("tr", {}, el("th", { scope: "row", text: k }), el("td", { class: "mono", text: v }))); };
  add("Created", c.created);
  add("Entrypoint", Array.isArray(c.entrypoint) ? c.entrypoint.join(" ") : "");
  add("Command", Array.isArray(c.cmd) ? c.cmd.join(" ") : "");
  add("Working dir", c.workingDir);
  add("User", c.user);
  add("Environment", Array.isArray(c.env) ? c.env.length + " variables" : "");
  add("Ports", c.exposedPorts && typeof c.exposedPorts === "object" ? Object.keys(c.exposedPorts).join(", ") : "");
  add("Layers", String(c.layers));
  return el("table", { class: "config" }, el("tbody", {}, rows));
}

function confirmDelete(name) {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-text").textContent =
    "Delete the image " + name + "? Its content goes when nothing else uses it.";
  const yes = document.getElementById("confirm-yes");
  const no = document.getElementById("confirm-no");
  const close = () => { dialog.close(); yes.onclick = null; no.onclick = null; };
  no.onclick = close;
  yes.onclick = async () => {
    close();
    try { await post("/api/delete?" + new URLSearchParams({ name })); location.hash = "#/images"; }
    catch (e) { alert(e.message); }
  };
  dialog.showModal();
  no.focus();
}

// ---- upload ----

function uploadPage() {
  setNav("upload");
  const input = el("input", { type: "file", id: "file-input", multiple: true,
    accept: ".tar,.tar.gz,.tgz,.tar.zst,.tzst,application/x-tar,application/gzip,application/zstd" });
  const drop = el("label", { class: "drop", id: "drop-zone", for: "file-input" },
    el("strong", { text: "Drop image archives here" }), el("br"),
    el("span", { class: "muted", text: "or press Enter to choose files · .tar, .tar.gz, .tar.zst from docker save, skopeo or ctr export" }),
    input);
  const name = el("input", { type: "text", id: "image-name", placeholder: "optional: name for an archive saved by image ID, e.g. localhost/app:v1",
    "aria-label": "Image name for archives without a repository:tag" });
  const list = el("div", { id: "uploads" });
  const toRegistry = el("input", { type: "checkbox", id: "upload-to-registry" });
  const registryRef = el("input", { type: "text", id: "upload-registry", autocomplete: "off",
    placeholder: "registry.example.com/team/app:v1", "aria-label": "Registry reference to push the archive to" });
  const registryBox = el("div", { id: "upload-registry-fields", hidden: true },
    el("div", { class: "row" }, registryRef), credentials("upload"));
  toRegistry.addEventListener("change", () => { registryBox.hidden = !toRegistry.checked; });
  const target = () => toRegistry.checked ? {
    ref: registryRef.value.trim(),
    plainHttp: document.getElementById("upload-plain").checked,
    username: document.getElementById("upload-user").value,
    password: document.getElementById("upload-password").value } : null;
  input.addEventListener("change", () => { for (const f of input.files) upload(f, name.value, list, target()); input.value = ""; });
  drop.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } });
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault(); drop.classList.remove("over");
    for (const f of e.dataTransfer.files) upload(f, name.value, list, target());
  });
  show(el("h2", { text: "Upload image archives" }), drop,
    el("div", { class: "row" }, el("label", { for: "image-name", text: "Name" }), name),
    el("div", { class: "row" }, el("label", {}, toRegistry, " push straight to a registry instead of storing here")),
    registryBox, list);
}

function upload(file, typedName, list, registry) {
  const op = "up-" + Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
  const bar = el("progress", { max: file.size || 1, value: 0, "aria-label": "Upload of " + file.name });
  const status = el("div", { class: "status muted", text: "Starting…" });
  const result = el("div", { class: "result", "aria-live": "polite" });
  const box = el("div", { class: "upload", "data-file": file.name },
    el("div", {}, el("strong", { text: file.name }), " · ", bytes(file.size)), bar, status, result);
  list.prepend(box);
  const q = new URLSearchParams({ file: file.name, op });
  if (typedName && typedName.trim()) q.set("name", typedName.trim());
  if (registry) { q.set("registry", registry.ref); if (registry.plainHttp) q.set("plainHttp", "1"); }
  const xhr = new XMLHttpRequest();
  const started = performance.now();
  let importing = null;
  xhr.upload.onprogress = (e) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = e.loaded / Math.max(seconds, 0.001);
    bar.value = e.loaded;
    status.textContent = bytes(e.loaded) + " of " + bytes(e.total) + " · " + bytes(rate) + "/s · " +
      duration((e.total - e.loaded) / rate) + " left";
  };
  xhr.upload.onload = () => {
    status.textContent = "Uploaded " + bytes(file.size) + "; importing…";
    importing = setInterval(async () => {
      try {
        const ops = (await api("/api/operations")).operations;
        const mine = ops.find((o) => o.id === op);
        if (mine && mine.state === "running") status.textContent = "Importing: " + (mine.event || "working") + "…";
      } catch (e) { /* the result will say */ }
    }, 500);
  };
  xhr.onloadend = () => {
    clearInterval(importing);
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (e) { body = { ok: false, error: "The server did not answer (" + (xhr.status || "connection lost") + ")." }; }
    bar.value = bar.max;
    if (body.ok) {
      status.textContent = "Done: " + bytes(body.bytes) + " in " + duration((performance.now() - started) / 1000) + ".";
      result.className = "result result-ok";
      if (registry) result.textContent = "Pushed " + body.names.join(", ");
      else result.replaceChildren("Stored ", ...body.names.flatMap((n, i) => [i ? ", " : "",
        el("a", { href: "#/image/" + encodeURIComponent(n), text: n })]));
    } else {
      status.textContent = "Not stored.";
      result.className = "result result-error";
      result.textContent = body.error;
    }
  };
  xhr.open("POST", "/api/upload?" + q);
  xhr.setRequestHeader("X-CSRF-Token", state.csrf);
  xhr.setRequestHeader("Content-Type", "application/octet-stream");
  if (registry && registry.username) {
    xhr.setRequestHeader("X-Registry-Username", registry.username);
    xhr.setRequestHeader("X-Registry-Password", registry.password);
  }
  xhr.send(file);
}

// ---- pull and push ----

function field(id, label, attrs) {
  return el("div", { class: "row" }, el("label", { for: id, text: label, class: "field-label" }),
    el("input", Object.assign({ type: "text", id, autocomplete: "off" }, attrs || {})));
}

function registryPage() {
  setNav("registry");
  const progress = el("div", { id: "registry-progress", "aria-live": "polite" });
  const pullForm = el("form", { id: "pull-form" },
    el("h3", { text: "Pull from a registry" }),
    field("pull-ref", "Image", { placeholder: "registry.example.com/team/app:v1", required: true }),
    field("pull-name", "Store as", { placeholder: "optional; the reference by default" }),
    credentials("pull"),
    el("div", { class: "row" }, el("button", { type: "submit", id: "pull-button", class: "primary", text: "Pull" })));
  const pushForm = el("form", { id: "push-form" },
    el("h3", { text: "Push to a registry" }),
    field("push-name", "Local image", { placeholder: "localhost/app:v1", required: true }),
    field("push-ref", "Destination", { placeholder: "registry.example.com/team/app:v1", required: true }),
    credentials("push"),
    el("div", { class: "row" }, el("button", { type: "submit", id: "push-button", class: "primary", text: "Push" })));
  pullForm.addEventListener("submit", (e) => { e.preventDefault(); runRegistry("pull", pullForm, progress); });
  pushForm.addEventListener("submit", (e) => { e.preventDefault(); runRegistry("push", pushForm, progress); });
  show(el("h2", { text: "Pull and push" }),
    el("p", { class: "muted", text: "Credentials are sent with this one transfer only; they are not stored." }),
    pullForm, pushForm, progress);
}

function credentials(prefix) {
  return el("div", { class: "row" },
    el("label", { class: "field-label" },
      el("input", { type: "checkbox", id: prefix + "-plain" }), " plain HTTP"),
    el("input", { type: "text", id: prefix + "-user", placeholder: "user (optional)", autocomplete: "off", "aria-label": "Registry user" }),
    el("input", { type: "password", id: prefix + "-password", placeholder: "password", autocomplete: "off", "aria-label": "Registry password" }));
}

async function runRegistry(kind, form, area) {
  const v = (id) => document.getElementById(kind + "-" + id);
  const body = kind === "pull"
    ? { ref: v("ref").value, name: v("name").value }
    : { name: v("name").value, ref: v("ref").value };
  body.plainHttp = v("plain").checked;
  body.username = v("user").value;
  body.password = v("password").value;
  v("password").value = "";
  const op = "rg-" + Math.random().toString(36).slice(2, 12) + Date.now().toString(36);
  const bar = el("progress", { max: 1, value: 0, "aria-label": kind + " progress" });
  const status = el("div", { class: "status muted", text: "Starting…" });
  const result = el("div", { class: "result" });
  const box = el("div", { class: "upload", "data-op": op, "data-updates": "0" },
    el("strong", { text: kind + " " + (body.ref || "") }), bar, status, result);
  area.prepend(box);
  const events = new EventSource("/api/events?" + new URLSearchParams({ op }));
  events.onmessage = (e) => {
    const o = JSON.parse(e.data);
    box.dataset.updates = String(Number(box.dataset.updates) + 1);
    if (o.total > 0) { bar.max = o.total; bar.value = o.bytes; box.dataset.maxBytes = o.bytes; }
    status.textContent = o.state + (o.event ? " · " + o.event : "") + " · " + bytes(o.bytes) +
      (o.total > 0 ? " of " + bytes(o.total) : "");
    if (o.state !== "running") events.close();
  };
  try {
    const r = await api("/api/" + kind + "?" + new URLSearchParams({ op }), {
      method: "POST", body: JSON.stringify(body),
      headers: { "X-CSRF-Token": state.csrf, "Content-Type": "application/json" } });
    bar.value = bar.max;
    result.className = "result result-ok";
    result.textContent = kind === "pull" ? "Stored " + r.name : "Pushed " + body.ref;
  } catch (e) {
    result.className = "result result-error";
    result.textContent = e.message;
  } finally {
    setTimeout(() => events.close(), 2000);
  }
}

// ---- operations ----

async function operationsPage() {
  setNav("operations");
  const body = el("div", { id: "operations" });
  show(el("h2", { text: "Operations" }), body);
  async function load() {
    let ops;
    try { ops = (await api("/api/operations")).operations; } catch (e) { return; }
    if (!ops.length) { body.replaceChildren(el("p", { class: "muted", text: "No transfers yet." })); return; }
    body.replaceChildren(el("div", { class: "table-wrap" }, el("table", { class: "cards" },
      el("thead", {}, el("tr", {}, ["What", "Subject", "State", "Progress", "Message"].map((h) => el("th", { text: h })))),
      el("tbody", {}, ops.map((o) => el("tr", { "data-state": o.state },
        el("td", { "data-label": "What", text: o.kind }),
        el("td", { "data-label": "Subject", text: o.subject }),
        el("td", { "data-label": "State", text: o.state + (o.event && o.state === "running" ? " (" + o.event + ")" : "") }),
        el("td", { "data-label": "Progress", class: "num", text: bytes(o.bytes) + (o.total > 0 ? " of " + bytes(o.total) : "") }),
        el("td", { "data-label": "Message", text: o.message })))))));
  }
  await load();
  state.timer = setInterval(load, 1000);
}

// ---- routing ----

async function route() {
  clearInterval(state.timer);
  const hash = location.hash || "#/images";
  if (hash.startsWith("#/image/")) await imagePage(decodeURIComponent(hash.slice("#/image/".length)));
  else if (hash === "#/upload") uploadPage();
  else if (hash === "#/operations") await operationsPage();
  else if (hash === "#/registry") registryPage();
  else await imagesPage();
  document.body.dataset.ready = hash;
}

async function start() {
  try {
    const session = await api("/api/session");
    state.csrf = session.csrf;
    document.getElementById("namespace").textContent = "namespace " + session.namespace;
  } catch (e) {
    show(el("p", { class: "result-error", text: "Cannot reach transferd: " + e.message }));
    return;
  }
  window.addEventListener("hashchange", route);
  await route();
}

document.addEventListener("DOMContentLoaded", start);
