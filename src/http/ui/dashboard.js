// pencil's web UI, part 2: one dashboard at /dashboard/NAME, with its kiosk view (?kiosk=1).
// Built to stay on a wall display for months: each graph keeps one <img> for its whole life,
// one timer drives the clock and the refresh, the image queue holds each graph at most once,
// and at most MAX_IN_FLIGHT images load at a time, so nothing grows with the number of refreshes.
"use strict";

(function () {
  const P = window.pencil;
  // Images loading at once: enough to fill a wall of graphs quickly, few enough that a
  // dashboard never crowds out the browser's six connections or other users of pencil.
  const MAX_IN_FLIGHT = 3;
  // An image that has not arrived in this long is given up, so one stuck request cannot stall
  // the queue; the next refresh asks again.
  const LOAD_TIMEOUT_MS = 30000;
  const SIZES = [[1, 1], [2, 1], [2, 2], [1, 2]];

  const dash = {
    name: "", state: null, kiosk: false, cells: [], queue: [], inFlight: 0,
    tick: 0, nextRefresh: 0, refreshes: 0, dirty: false, resizeTimer: 0,
  };

  function makeCell(graph, index) {
    const img = P.el("img", { alt: graph.title || graph.targets.join(", ") });
    const error = P.el("pre", { class: "cell-error", hidden: true });
    const cell = { graph, img, error, pending: false, loading: false, watchdog: 0, failedBase: "" };
    img.onload = () => finish(cell, true);
    img.onerror = () => finish(cell, false);
    const head = P.el("div", { class: "cell-head" }, P.el("span", { class: "cell-title", title: graph.targets.join("\n") },
      graph.title || graph.targets.join(", ")));
    if (!dash.kiosk) {
      const edit = new URLSearchParams();
      for (const t of graph.targets) edit.append("target", t);
      for (const [k, v] of Object.entries(graph.options || {})) if (v) edit.set(k, v);
      if (graph.title) edit.set("title", graph.title);
      head.append(P.el("span", { class: "cell-tools" },
        P.el("button", { type: "button", title: "Move earlier", onclick: () => move(index, -1) }, "◀"),
        P.el("button", { type: "button", title: "Move later", onclick: () => move(index, 1) }, "▶"),
        P.el("button", { type: "button", title: "Resize", class: "resize", onclick: () => resize(index) }, "⤢"),
        P.el("a", { class: "button", title: "Open in the composer", href: "/#" + edit.toString() }, "✎"),
        P.el("button", { type: "button", title: "Remove", class: "remove", onclick: () => remove(index) }, "✕")));
    }
    const [w, h] = [graph.w || 1, graph.h || 1];
    cell.root = P.el("figure", { class: "cell w" + w + " h" + h, "data-index": index }, head,
      P.el("div", { class: "cell-img" }, img, error));
    return cell;
  }

  function discard(cell) {
    if (cell.loading) {
      cell.loading = false;
      clearTimeout(cell.watchdog);
      dash.inFlight--;
    }
    cell.img.onload = cell.img.onerror = null;
    cell.img.removeAttribute("src");
  }

  function layout() {
    const grid = P.$("grid");
    const n = dash.cells.reduce((sum, c) => sum + (c.graph.w || 1) * (c.graph.h || 1), 0);
    const width = grid.clientWidth || window.innerWidth;
    let cols;
    let rowHeight;
    if (dash.kiosk) {
      // Everything on one screen: the column count that leaves the fewest holes with graphs
      // about twice as wide as tall.
      const top = P.$("kiosk-bar").offsetHeight;
      const height = window.innerHeight - top;
      const widest = dash.cells.reduce((m, c) => Math.max(m, c.graph.w || 1), 1);
      let best = Infinity;
      cols = 1;
      for (let c = widest; c <= Math.max(widest, Math.min(6, n)); c++) {
        const rows = Math.ceil(n / c);
        const aspect = (width / c) / (height / rows);
        const score = (rows * c - n) * 0.6 + Math.abs(Math.log(aspect / 2));
        if (score < best) { best = score; cols = c; }
      }
      const rows = Math.max(1, Math.ceil(n / cols));
      rowHeight = Math.max(120, Math.floor((height - 12 * (rows + 1)) / rows));
      // The last graph takes up the holes of the last row, so the wall has no empty corner.
      const last = dash.cells[dash.cells.length - 1];
      const span = (last ? last.graph.w || 1 : 1) + rows * cols - n;
      if (last && span > 1 && span <= cols) last.root.style.gridColumn = "span " + span;
    } else {
      cols = Math.max(1, Math.floor(width / 560));
      rowHeight = Math.round(Math.min(520, Math.max(260, width / cols / 1.9)));
    }
    grid.style.setProperty("--cols", String(cols));
    grid.setAttribute("data-cols", String(cols));
    grid.style.setProperty("--row", rowHeight + "px");
  }

  function build() {
    for (const cell of dash.cells) discard(cell);
    dash.queue.length = 0;
    dash.cells = dash.state.graphs.map(makeCell);
    P.$("grid").replaceChildren(...dash.cells.map((c) => c.root));
    P.$("grid-empty").hidden = dash.cells.length > 0;
    layout();
    refreshAll();
  }

  function imageUrl(cell) {
    const box = cell.img.parentNode;
    // On a kiosk screen past 1080p, graphs are drawn at 1080p size and scaled up by the
    // browser: text and lines grow with the screen, so a 4K wall reads like a 1080p one from
    // across the room, and the time axis keeps room for its labels.
    const scale = dash.kiosk ? Math.max(1, window.innerWidth / 1920, window.innerHeight / 1080) : 1;
    const width = Math.max(100, Math.floor(box.clientWidth / scale));
    const height = Math.max(80, Math.floor(box.clientHeight / scale));
    const extra = {
      from: dash.state.from, until: dash.state.until, width, height,
      fontSize: Math.max(10, Math.min(dash.kiosk ? 14 : 18, Math.round(height / (dash.kiosk ? 24 : 30)))),
    };
    const options = Object.assign({}, cell.graph.options || {});
    if (dash.kiosk && !options.lineWidth) options.lineWidth = "2";
    delete options.title;
    return P.renderQuery({ targets: cell.graph.targets, options }, extra);
  }

  function refreshAll() {
    dash.refreshes++;
    P.$("grid").setAttribute("data-refreshes", String(dash.refreshes));
    for (const cell of dash.cells) {
      if (cell.pending || cell.loading) continue;
      cell.pending = true;
      dash.queue.push(cell);
    }
    const seconds = Number(dash.state.refresh) || 0;
    dash.nextRefresh = seconds > 0 ? Date.now() + seconds * 1000 : Infinity;
    pump();
  }

  function pump() {
    while (dash.inFlight < MAX_IN_FLIGHT && dash.queue.length > 0) {
      const cell = dash.queue.shift();
      cell.pending = false;
      const base = imageUrl(cell);
      cell.base = base;
      cell.loading = true;
      dash.inFlight++;
      cell.watchdog = setTimeout(() => finish(cell, false), LOAD_TIMEOUT_MS);
      // _salt (graphite-web's own cache breaker) makes each refresh a new request.
      cell.img.src = base + "&_salt=" + Date.now().toString(36);
    }
  }

  function finish(cell, ok) {
    if (!cell.loading) return;
    cell.loading = false;
    clearTimeout(cell.watchdog);
    dash.inFlight--;
    cell.root.classList.toggle("failed", !ok);
    if (ok) {
      cell.error.hidden = true;
      cell.failedBase = "";
      const loads = Number(cell.root.getAttribute("data-loads") || 0) + 1;
      cell.root.setAttribute("data-loads", String(loads));
      P.$("dash-updated").textContent = "updated " + new Date().toLocaleTimeString();
    } else if (cell.failedBase !== cell.base) {
      // Ask for the reason once per distinct graph, not on every refresh.
      cell.failedBase = cell.base;
      const base = cell.base;
      fetch(base, { cache: "no-store" }).then((r) => r.text()).then((text) => {
        if (cell.base !== base) return;
        cell.error.textContent = text.slice(0, 300);
        cell.error.hidden = false;
      }).catch(() => {});
    }
    pump();
  }

  function onTick() {
    if (dash.kiosk) {
      P.$("kiosk-clock").textContent = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    }
    if (Date.now() >= dash.nextRefresh) refreshAll();
  }

  function markDirty() {
    dash.dirty = true;
    P.$("dash-save").classList.add("dirty");
    P.$("dash-save").textContent = "Save •";
  }

  function move(index, delta) {
    const graphs = dash.state.graphs;
    const j = index + delta;
    if (j < 0 || j >= graphs.length) return;
    [graphs[index], graphs[j]] = [graphs[j], graphs[index]];
    markDirty();
    build();
  }

  function resize(index) {
    const g = dash.state.graphs[index];
    const at = SIZES.findIndex(([w, h]) => w === (g.w || 1) && h === (g.h || 1));
    [g.w, g.h] = SIZES[(at + 1) % SIZES.length];
    markDirty();
    build();
  }

  function remove(index) {
    dash.state.graphs.splice(index, 1);
    markDirty();
    build();
  }

  // Only what the UI itself writes is kept, so a hand-edited import cannot smuggle in fields.
  function clean(state, name) {
    const text = (v) => (typeof v === "string" ? v : "");
    const graphs = Array.isArray(state && state.graphs) ? state.graphs : [];
    return {
      version: 1, name,
      from: text(state.from) || "-6h", until: text(state.until) || "now",
      refresh: Number.isFinite(Number(state.refresh)) ? Number(state.refresh) : 60,
      graphs: graphs.filter((g) => g && Array.isArray(g.targets)).map((g) => ({
        title: text(g.title), targets: g.targets.map(text).filter(Boolean),
        options: Object.fromEntries(Object.entries(g.options || {}).map(([k, v]) => [k, text(String(v))])),
        w: g.w === 2 ? 2 : 1, h: g.h === 2 ? 2 : 1,
      })),
    };
  }

  function setFrom(from) {
    dash.state.from = from;
    dash.state.until = "now";
    P.markPreset("dash-presets", from);
    markDirty();
    refreshAll();
  }

  function wire() {
    for (const b of document.querySelectorAll("#dash-presets button[data-from]")) {
      b.addEventListener("click", () => setFrom(b.getAttribute("data-from")));
    }
    const select = P.$("dash-refresh");
    select.value = String(dash.state.refresh);
    if (select.value !== String(dash.state.refresh)) {
      select.append(P.el("option", { value: String(dash.state.refresh) }, dash.state.refresh + " s"));
      select.value = String(dash.state.refresh);
    }
    select.addEventListener("change", () => {
      dash.state.refresh = Number(select.value);
      markDirty();
      refreshAll();
    });
    P.$("dash-save").addEventListener("click", async () => {
      try {
        await P.saveDashboard(dash.name, dash.state);
        dash.dirty = false;
        P.$("dash-save").classList.remove("dirty");
        P.$("dash-save").textContent = "Save";
        P.status("Saved dashboard " + dash.name + ".");
      } catch (e) {
        P.status("Save failed: " + e.message, true);
      }
    });
    P.$("dash-delete").addEventListener("click", async () => {
      if (!window.confirm("Delete dashboard " + dash.name + "?")) return;
      try {
        await P.api(P.withToken("/dashboard/delete/" + encodeURIComponent(dash.name)), { method: "POST" });
        location.href = "/dashboard/";
      } catch (e) {
        P.status("Delete failed: " + e.message, true);
      }
    });
    window.addEventListener("beforeunload", (event) => { if (dash.dirty) event.preventDefault(); });
    window.addEventListener("resize", () => {
      clearTimeout(dash.resizeTimer);
      dash.resizeTimer = setTimeout(() => { layout(); refreshAll(); }, 400);
    });
    document.addEventListener("pencil-theme", refreshAll);
  }

  P.showDashboard = async function (name) {
    dash.name = name;
    dash.kiosk = P.params.get("kiosk") === "1";
    document.body.classList.toggle("kiosk", dash.kiosk);
    document.title = name + " · pencil";
    P.$("dash-view").hidden = false;
    P.$("nav-dashboards").classList.add("on");
    P.$("dash-title").textContent = name;
    P.$("kiosk-title").textContent = name;
    const encoded = encodeURIComponent(name);
    P.$("dash-kiosk").setAttribute("href", "/dashboard/" + encoded + "?kiosk=1");
    P.$("dash-export").setAttribute("href", "/dashboard/export/" + encoded);
    P.$("dash-export").setAttribute("download", "pencil-dashboard-" + name + ".json");
    let stored;
    try {
      stored = await P.loadDashboard(name);
    } catch (e) {
      P.$("grid-empty").textContent = "Could not load dashboard " + name + ": " + e.message;
      P.$("grid-empty").hidden = false;
      return;
    }
    if (!stored) {
      P.$("grid-empty").textContent = "No dashboard named " + name + " yet: add a graph to it from the composer.";
      P.$("grid-empty").hidden = false;
      return;
    }
    dash.state = clean(stored, name);
    // URL overrides for wall displays, not saved unless the user presses Save.
    const refresh = Number(P.params.get("refresh"));
    if (P.params.has("refresh") && Number.isFinite(refresh) && refresh >= 0) dash.state.refresh = refresh === 0 ? 0 : Math.max(1, refresh);
    if (P.params.get("from")) dash.state.from = P.params.get("from");
    P.markPreset("dash-presets", dash.state.until === "now" ? dash.state.from : "");
    wire();
    build();
    onTick();
    dash.tick = setInterval(onTick, 1000);
  };

  // Exposed for the browser tests: how much the page holds, which must not grow with time.
  P.dashboardStats = () => ({ cells: dash.cells.length, queue: dash.queue.length, inFlight: dash.inFlight,
    refreshes: dash.refreshes });
})();
