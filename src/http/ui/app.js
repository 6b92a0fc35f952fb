// pencil's web UI, part 1: shared helpers, the metric browser, the graph composer and the list
// of dashboards. Plain JavaScript with no build step. It speaks only the public API
// (/metrics/find, /functions, /render, /dashboard/*). Every name, target and title from the
// server or the user reaches the page through textContent or setAttribute, never as markup.
"use strict";

const pencil = (window.pencil = {});

// Graph colours per UI theme, sent as explicit render options so the images match the page
// whatever graph templates the server knows.
pencil.THEMES = {
  dark: {
    bgcolor: "11151c", fgcolor: "c9d1dc", majorGridLineColor: "2b3442", minorGridLineColor: "1b212b",
    colorList: "4aa8ff,f5a524,3ddc97,ff6b8b,b48cff,2ed3e6,ffd166,9aa5b1,ff8c42,7bd389",
  },
  light: {
    bgcolor: "ffffff", fgcolor: "222a35", majorGridLineColor: "d5dbe3", minorGridLineColor: "eef1f5",
    colorList: "1f6fd1,d9480f,2b8a3e,c2255c,6741d9,0b7285,e67700,495057,a61e4d,5c940d",
  },
};

// Builds an element; string children become text nodes, so data is never parsed as markup.
pencil.el = function (tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
};

pencil.$ = (id) => document.getElementById(id);

pencil.params = new URLSearchParams(location.search);

// Write endpoints take ?token= when the page is not on loopback; the page passes its own on.
pencil.withToken = function (url) {
  const token = pencil.params.get("token");
  return token ? url + (url.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : url;
};

let statusTimer = 0;
pencil.status = function (message, isError) {
  const box = pencil.$("status");
  box.textContent = message;
  box.className = isError ? "bad" : "good";
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => { box.textContent = ""; }, isError ? 12000 : 4000);
};

// JSON from pencil; errors carry the server's own message ({"error": ...} or plain text).
pencil.api = async function (url, options) {
  const response = await fetch(url, Object.assign({ cache: "no-store" }, options || {}));
  const text = await response.text();
  if (!response.ok) {
    let message = text.trim();
    try { message = JSON.parse(text).error || message; } catch (_) { /* plain-text error */ }
    throw new Error(message || response.status + " " + response.statusText);
  }
  return text ? JSON.parse(text) : null;
};

pencil.theme = function () {
  return document.documentElement.getAttribute("data-theme") === "light" ? "light" : "dark";
};

// Only the toggle remembers a choice; ?theme= in a kiosk URL applies to that screen alone.
function setTheme(theme, remember) {
  document.documentElement.setAttribute("data-theme", theme);
  if (remember) {
    try { localStorage.setItem("pencil.theme", theme); } catch (_) { /* storage may be off */ }
  }
  document.dispatchEvent(new CustomEvent("pencil-theme"));
}

// `graph` is {targets, options}; `extra` adds or overrides parameters (size, time, format).
pencil.renderQuery = function (graph, extra) {
  const q = new URLSearchParams();
  for (const t of graph.targets) if (t.trim()) q.append("target", t.trim());
  const all = Object.assign({}, graph.options || {}, extra || {});
  if (!all.format || all.format === "png" || all.format === "svg") {
    for (const [k, v] of Object.entries(pencil.THEMES[pencil.theme()])) if (!(k in all)) all[k] = v;
  }
  for (const [k, v] of Object.entries(all)) if (v !== "" && v !== undefined && v !== null) q.set(k, v);
  return "/render?" + q.toString();
};

// Composer ------------------------------------------------------------------------------------

const GROUP_ORDER = ["Combine", "Transform", "Calculate", "Filter Series", "Filter Data",
  "Sorting", "Alias", "Graph", "Special"];
const SERIES_TYPES = ["seriesList", "seriesLists"];
const NUMBER_TYPES = ["integer", "float", "intOrInf", "intOrInterval", "node", "nodeOrTag", "any"];

const composer = {
  targets: [],
  from: "-1h",
  until: "now",
  functions: {},
  previewTimer: 0,
  previewUrl: "",
};

function graphOptions() {
  const options = {};
  for (const input of document.querySelectorAll("#options [data-param]")) {
    options[input.getAttribute("data-param")] = input.value.trim();
  }
  if (pencil.$("opt-stacked").checked) options.areaMode = "stacked";
  return options;
}

function currentGraph() {
  return { targets: composer.targets.slice(), options: graphOptions() };
}

function timeParams() {
  return { from: composer.from, until: composer.until };
}

function renderTargets() {
  const list = pencil.$("targets");
  list.replaceChildren();
  composer.targets.forEach((target, i) => {
    const input = pencil.el("input", { class: "target-text", "aria-label": "Target " + (i + 1),
      spellcheck: "false" });
    input.value = target;
    input.addEventListener("change", () => { composer.targets[i] = input.value; changed(); });
    const move = (delta) => () => {
      const j = i + delta;
      if (j < 0 || j >= composer.targets.length) return;
      [composer.targets[i], composer.targets[j]] = [composer.targets[j], composer.targets[i]];
      changed();
    };
    list.append(pencil.el("li", { class: "target" },
      pencil.el("input", { type: "checkbox", class: "target-pick", "aria-label": "Select target " + (i + 1) }),
      input,
      pencil.el("button", { type: "button", title: "Move up", onclick: move(-1) }, "↑"),
      pencil.el("button", { type: "button", title: "Move down", onclick: move(1) }, "↓"),
      pencil.el("button", { type: "button", class: "remove", title: "Remove", onclick: () => {
        composer.targets.splice(i, 1); changed();
      } }, "✕")));
  });
}

function addTarget(target) {
  if (!target || composer.targets.includes(target)) return;
  composer.targets.push(target);
  changed();
}

// Everything that changes the graph goes through here: targets list, hash, preview, links.
function changed() {
  renderTargets();
  saveHash();
  clearTimeout(composer.previewTimer);
  composer.previewTimer = setTimeout(updatePreview, 250);
}

function updatePreview() {
  const graph = currentGraph();
  const has = graph.targets.some((t) => t.trim());
  const url = pencil.renderQuery(graph, timeParams());
  const data = pencil.renderQuery({ targets: graph.targets }, Object.assign(timeParams(), { format: "csv" }));
  pencil.$("render-url").value = has ? location.origin + url : "";
  pencil.$("link-csv").href = has ? data : "#";
  pencil.$("link-json").href = has ? data.replace("format=csv", "format=json") : "#";
  pencil.$("preview-empty").hidden = has;
  const img = pencil.$("preview");
  // Shown once drawn: the load handler reveals it, a failure hides it behind the reason.
  if (!has) {
    img.hidden = true;
    pencil.$("preview-error").hidden = true;
    composer.previewUrl = "";
    return;
  }
  if (url === composer.previewUrl) return;
  composer.previewUrl = url;
  img.src = url;
}

function previewFailed() {
  // The image cannot say why it failed; the same URL fetched as text carries pencil's message.
  const url = composer.previewUrl;
  fetch(url, { cache: "no-store" }).then((r) => r.text()).then((text) => {
    if (url !== composer.previewUrl) return;
    const box = pencil.$("preview-error");
    box.textContent = "The graph could not be drawn:\n" + text.slice(0, 600);
    box.hidden = false;
    pencil.$("preview").hidden = true;
  }).catch(() => {});
}

function saveHash() {
  const q = new URLSearchParams();
  for (const t of composer.targets) q.append("target", t);
  q.set("from", composer.from);
  q.set("until", composer.until);
  for (const [k, v] of Object.entries(graphOptions())) if (v) q.set(k, v);
  history.replaceState(null, "", "#" + q.toString());
}

function loadHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  for (const input of document.querySelectorAll("#options [data-param]")) {
    input.value = input.tagName === "SELECT" ? "" : input.defaultValue;
  }
  pencil.$("opt-stacked").checked = false;
  composer.targets = q.getAll("target");
  composer.from = q.get("from") || "-1h";
  composer.until = q.get("until") || "now";
  for (const input of document.querySelectorAll("#options [data-param]")) {
    const v = q.get(input.getAttribute("data-param"));
    if (v !== null) input.value = v;
  }
  if (q.get("areaMode") === "stacked") pencil.$("opt-stacked").checked = true;
  const preset = ["-1h", "-6h", "-1d", "-7d", "-30d"].includes(composer.from) && composer.until === "now";
  markPreset("presets", preset ? composer.from : "");
}

function setPreset(from) {
  composer.from = from;
  composer.until = "now";
  pencil.$("abs-from").value = "";
  pencil.$("abs-until").value = "";
  markPreset("presets", from);
  changed();
}

pencil.markPreset = markPreset;
function markPreset(containerId, from) {
  for (const b of document.querySelectorAll("#" + containerId + " button[data-from]")) {
    b.classList.toggle("on", b.getAttribute("data-from") === from);
  }
}

function absoluteChanged() {
  // Epoch seconds are unambiguous: the browser's local time needs no time zone on the server.
  const from = pencil.$("abs-from").value;
  const until = pencil.$("abs-until").value;
  if (from) composer.from = String(Math.floor(new Date(from).getTime() / 1000));
  if (until) composer.until = String(Math.floor(new Date(until).getTime() / 1000));
  markPreset("presets", "");
  changed();
}

// Functions menu ------------------------------------------------------------------------------

async function loadFunctions() {
  const select = pencil.$("fn-select");
  try {
    composer.functions = await pencil.api("/functions");
  } catch (e) {
    select.replaceChildren(pencil.el("option", { value: "" }, "functions unavailable: " + e.message));
    return;
  }
  const groups = {};
  for (const [name, info] of Object.entries(composer.functions)) {
    (groups[info.group || "Other"] = groups[info.group || "Other"] || []).push(name);
  }
  const order = Object.keys(groups).sort((a, b) => {
    const ia = GROUP_ORDER.indexOf(a), ib = GROUP_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  select.replaceChildren(pencil.el("option", { value: "" }, "choose a function…"));
  for (const group of order) {
    const optgroup = pencil.el("optgroup", { label: group });
    for (const name of groups[group].sort()) optgroup.append(pencil.el("option", { value: name }, name));
    select.append(optgroup);
  }
}

// The form holds every parameter after the series the function is applied to.
function functionParams(info) {
  const params = (info && info.params) || [];
  return SERIES_TYPES.includes(params[0] && params[0].type) ? params.slice(1) : params;
}

function showFunctionForm() {
  const info = composer.functions[pencil.$("fn-select").value];
  const form = pencil.$("fn-form");
  form.replaceChildren();
  pencil.$("fn-doc").textContent = info ? (info.description || "").split("\n\n")[0].slice(0, 400) : "";
  for (const p of functionParams(info)) {
    let input;
    const choices = p.options || (p.type === "boolean" ? [true, false] : null);
    if (choices) {
      input = pencil.el("select", { "data-name": p.name });
      if (!p.required) input.append(pencil.el("option", { value: "" }, "—"));
      for (const o of choices) input.append(pencil.el("option", { value: String(o) }, String(o)));
    } else {
      const hint = p.suggestions ? p.suggestions.slice(0, 4).join(", ") : p.type;
      input = pencil.el("input", { "data-name": p.name, placeholder: hint, spellcheck: "false" });
    }
    // An infinite default (1e9999 in /functions) is the same as leaving the field empty.
    const finite = !(typeof p.default === "number" && !Number.isFinite(p.default));
    if (p.default !== undefined && p.default !== null && finite) input.value = String(p.default);
    input.setAttribute("data-type", p.type);
    if (p.multiple) input.setAttribute("data-multiple", "1");
    form.append(pencil.el("label", { class: p.required ? "required" : "" },
      p.name + (p.required ? " *" : "") + (p.multiple ? " (comma list)" : ""), input));
  }
}

// One argument in Graphite's target syntax: numbers and booleans bare, text quoted.
function formatArg(value, type) {
  if (SERIES_TYPES.includes(type)) return value;
  if (type === "boolean") return /^true$/i.test(value) ? "true" : "false";
  if (NUMBER_TYPES.includes(type) && /^-?(\d+\.?\d*(e[+-]?\d+)?|inf)$/i.test(value)) return value;
  return value.includes('"') ? "'" + value + "'" : '"' + value + '"';
}

function applyFunction() {
  const name = pencil.$("fn-select").value;
  const info = composer.functions[name];
  if (!info) { pencil.status("Choose a function first.", true); return; }
  const args = [];
  let missing = null;
  const inputs = Array.from(pencil.$("fn-form").querySelectorAll("[data-name]"));
  // Arguments are positional: they end at the first empty field, and nothing may follow it.
  let gap = null;
  for (const input of inputs) {
    const value = input.value.trim();
    if (!value) {
      if (input.closest("label").classList.contains("required")) missing = missing || input.getAttribute("data-name");
      gap = gap || input.getAttribute("data-name");
      continue;
    }
    if (gap) {
      pencil.status("Fill in " + gap + " too: " + input.getAttribute("data-name") + " comes after it.", true);
      return;
    }
    const type = input.getAttribute("data-type");
    if (input.hasAttribute("data-multiple")) {
      for (const part of value.split(",")) if (part.trim()) args.push(formatArg(part.trim(), type));
    } else {
      args.push(formatArg(value, type));
    }
  }
  if (missing) { pencil.status("Fill in " + missing + " for " + name + ".", true); return; }
  const picks = Array.from(document.querySelectorAll("#targets .target-pick"));
  let chosen = picks.map((p, i) => (p.checked ? i : -1)).filter((i) => i >= 0);
  if (chosen.length === 0) chosen = composer.targets.map((_, i) => i);
  const params = info.params || [];
  const first = SERIES_TYPES.includes(params[0] && params[0].type) ? params[0] : null;
  if (first && chosen.length === 0) { pencil.status("Add a target first.", true); return; }
  const tail = args.length ? "," + args.join(",") : "";
  if (first && first.multiple && chosen.length > 1) {
    // A combiner over several checked targets becomes one target in place of the first.
    const merged = name + "(" + chosen.map((i) => composer.targets[i]).join(",") + tail + ")";
    const next = [];
    composer.targets.forEach((t, i) => {
      if (i === chosen[0]) next.push(merged);
      else if (!chosen.includes(i)) next.push(t);
    });
    composer.targets = next;
  } else if (first) {
    for (const i of chosen) composer.targets[i] = name + "(" + composer.targets[i] + tail + ")";
  } else {
    // Functions that take no series (constantLine, seriesByTag…) make a target of their own.
    composer.targets.push(name + "(" + args.join(",") + ")");
  }
  changed();
}

// Metric browser ------------------------------------------------------------------------------

function treeNode(node) {
  const isLeaf = node.leaf === 1;
  const label = pencil.el("span", { class: "label", title: node.id }, node.text);
  const item = pencil.el("li", { class: isLeaf ? "leaf" : "branch", role: "treeitem",
    "data-id": node.id }, pencil.el("span", { class: "caret" }, isLeaf ? "•" : "▸"), label);
  if (isLeaf) {
    item.addEventListener("click", (event) => {
      event.stopPropagation();
      addTarget(node.id);
      pencil.status("Graphing " + node.id);
    });
    return item;
  }
  let children = null;
  item.setAttribute("aria-expanded", "false");
  item.addEventListener("click", async (event) => {
    event.stopPropagation();
    if (children) {
      children.hidden = !children.hidden;
    } else {
      children = pencil.el("ul", { class: "tree", role: "group" });
      item.append(children);
      await fillTree(children, node.id + ".*");
    }
    item.setAttribute("aria-expanded", String(!children.hidden));
    item.firstChild.textContent = children.hidden ? "▸" : "▾";
  });
  return item;
}

// Search results are full paths (format=json), since treejson collapses equal node names.
const MAX_SHOWN = 500;

async function fillTree(list, query, flat) {
  list.replaceChildren(pencil.el("li", { class: "loading" }, "loading…"));
  try {
    const url = "/metrics/find?query=" + encodeURIComponent(query) + (flat ? "&format=json" : "");
    let nodes = await pencil.api(url);
    if (flat) nodes = nodes.map((n) => ({ text: n.path, id: n.path, leaf: n.is_leaf ? 1 : 0 }));
    list.replaceChildren(...nodes.slice(0, MAX_SHOWN).map(treeNode));
    if (nodes.length > MAX_SHOWN) {
      list.append(pencil.el("li", { class: "empty" }, (nodes.length - MAX_SHOWN) + " more: narrow the glob"));
    }
    if (nodes.length === 0) list.append(pencil.el("li", { class: "empty" }, "nothing matches " + query));
  } catch (e) {
    list.replaceChildren(pencil.el("li", { class: "error" }, e.message));
  }
}

function search(event) {
  event.preventDefault();
  let glob = pencil.$("search").value.trim();
  if (!glob) { clearSearch(); return; }
  if (!/[*?[{]/.test(glob)) glob += "*";
  pencil.$("search-results").hidden = false;
  fillTree(pencil.$("search-list"), glob, true);
}

function clearSearch() {
  pencil.$("search").value = "";
  pencil.$("search-results").hidden = true;
  pencil.$("search-list").replaceChildren();
}

// Adding the composer's graph to a saved dashboard (load, append, save) ----------------------

pencil.loadDashboard = async function (name) {
  try {
    return (await pencil.api("/dashboard/load/" + encodeURIComponent(name))).state;
  } catch (e) {
    if (/no dashboard named/.test(e.message)) return null;
    throw e;
  }
};

pencil.saveDashboard = function (name, state) {
  return pencil.api(pencil.withToken("/dashboard/save/" + encodeURIComponent(name)), {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(state),
  });
};

pencil.newDashboard = (name) => ({ version: 1, name, from: "-6h", until: "now", refresh: 60, graphs: [] });

async function addToDashboard() {
  const name = pencil.$("add-dash").value.trim();
  const graph = currentGraph();
  if (!graph.targets.length) { pencil.status("The graph has no targets yet.", true); return; }
  if (!name) { pencil.status("Name the dashboard to add the graph to.", true); return; }
  try {
    const state = (await pencil.loadDashboard(name)) || pencil.newDashboard(name);
    const title = graph.options.title;
    delete graph.options.title;
    delete graph.options.width;
    delete graph.options.height;
    state.graphs.push({ title: title || graph.targets.join(", "), targets: graph.targets,
      options: graph.options, w: 1, h: 1 });
    await pencil.saveDashboard(name, state);
    const n = state.graphs.length;
    pencil.status("Added to dashboard " + name + " (" + n + (n === 1 ? " graph)." : " graphs)."));
    refreshDashNames();
  } catch (e) {
    pencil.status(e.message, true);
  }
}

async function refreshDashNames() {
  try {
    const list = (await pencil.api("/dashboard/list")).dashboards;
    pencil.$("dash-names").replaceChildren(...list.map((d) => pencil.el("option", { value: d.name })));
    return list;
  } catch (e) {
    pencil.status(e.message, true);
    return [];
  }
}

// Dashboard list ------------------------------------------------------------------------------

async function showList() {
  pencil.$("list-view").hidden = false;
  pencil.$("nav-dashboards").classList.add("on");
  const list = await refreshDashNames();
  pencil.$("dash-none").hidden = list.length > 0;
  pencil.$("dash-list").replaceChildren(...list.map((d) => {
    const href = "/dashboard/" + encodeURIComponent(d.name);
    return pencil.el("li", {}, pencil.el("a", { href: pencil.withToken(href) }, d.name),
      pencil.el("a", { class: "button small", href: href + "?kiosk=1" }, "kiosk"),
      pencil.el("a", { class: "button small", href: "/dashboard/export/" + encodeURIComponent(d.name) }, "export"));
  }));
  pencil.$("new-dash").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = pencil.$("new-dash-name").value.trim();
    try {
      if (await pencil.loadDashboard(name)) throw new Error("a dashboard named " + name + " exists already");
      await pencil.saveDashboard(name, pencil.newDashboard(name));
      location.href = pencil.withToken("/dashboard/" + encodeURIComponent(name));
    } catch (e) {
      pencil.status(e.message, true);
    }
  });
  pencil.$("import-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    try {
      const state = JSON.parse(await file.text());
      if (!state || !Array.isArray(state.graphs) || typeof state.name !== "string") {
        throw new Error("not a pencil dashboard export (needs \"name\" and \"graphs\")");
      }
      await pencil.api(pencil.withToken("/dashboard/import/" + encodeURIComponent(state.name)), {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(state),
      });
      location.href = pencil.withToken("/dashboard/" + encodeURIComponent(state.name));
    } catch (e) {
      pencil.status("Import failed: " + e.message, true);
    }
  });
}

function showComposer() {
  pencil.$("composer-view").hidden = false;
  pencil.$("nav-composer").classList.add("on");
  loadHash();
  fillTree(pencil.$("tree"), "*");
  loadFunctions();
  refreshDashNames();
  pencil.$("search-form").addEventListener("submit", search);
  pencil.$("search-clear").addEventListener("click", clearSearch);
  pencil.$("tree-reload").addEventListener("click", () => fillTree(pencil.$("tree"), "*"));
  pencil.$("add-target").addEventListener("submit", (event) => {
    event.preventDefault();
    addTarget(pencil.$("new-target").value.trim());
    pencil.$("new-target").value = "";
  });
  pencil.$("fn-select").addEventListener("change", showFunctionForm);
  pencil.$("fn-apply").addEventListener("click", applyFunction);
  for (const b of document.querySelectorAll("#presets button[data-from]")) {
    b.addEventListener("click", () => setPreset(b.getAttribute("data-from")));
  }
  pencil.$("abs-from").addEventListener("change", absoluteChanged);
  pencil.$("abs-until").addEventListener("change", absoluteChanged);
  pencil.$("options").addEventListener("change", changed);
  const img = pencil.$("preview");
  img.addEventListener("load", () => { pencil.$("preview-error").hidden = true; img.hidden = false; });
  img.addEventListener("error", previewFailed);
  pencil.$("copy-url").addEventListener("click", () => {
    const field = pencil.$("render-url");
    field.select();
    const done = () => pencil.status("Render URL copied.");
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(field.value).then(done);
    else if (document.execCommand("copy")) done();
  });
  pencil.$("add-dash-go").addEventListener("click", addToDashboard);
  // A pasted or edited composer link (the hash) replaces the graph, as does back/forward.
  window.addEventListener("hashchange", () => { loadHash(); changed(); });
  document.addEventListener("pencil-theme", () => { composer.previewUrl = ""; updatePreview(); });
  changed();
}

document.addEventListener("DOMContentLoaded", () => {
  let theme = pencil.params.get("theme");
  try { theme = theme || localStorage.getItem("pencil.theme"); } catch (_) { /* storage may be off */ }
  setTheme(theme === "light" ? "light" : "dark");
  pencil.$("theme").addEventListener("click", () => setTheme(pencil.theme() === "dark" ? "light" : "dark", true));
  const path = location.pathname;
  if (path === "/dashboard" || path === "/dashboard/") showList();
  else if (path.startsWith("/dashboard/")) pencil.showDashboard(decodeURIComponent(path.slice(11)));
  else showComposer();
});
