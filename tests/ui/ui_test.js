// Browser tests of pencil's web UI: Debian's chromium, driven by playwright-core, against a real
// pencil on loopback ports with data fed over UDP. Usage: node ui_test.js [path/to/pencil].
// Screenshots go to target/ui/. Each case prints ok/FAIL; the exit code is the number of failures.
"use strict";

const { chromium } = require("playwright-core");
const { spawn } = require("node:child_process");
const dgram = require("node:dgram");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const readline = require("node:readline");

const ROOT = path.resolve(__dirname, "..", "..");
const BIN = path.resolve(process.argv[2] || path.join(ROOT, "target", "release", "pencil"));
const SHOTS = path.join(ROOT, "target", "ui");
const HOSTILE = "<img/src=x/onerror=alert(1)>";
const HOSTILE_TITLE = "<img src=x onerror=alert(1)>";
const STEP_MS = 10000;

function startPencil(dataDir) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, ["--data-dir", dataDir, "--carbon", "127.0.0.1:0", "--http", "127.0.0.1:0"],
      { stdio: ["ignore", "pipe", "inherit"] });
    const found = {};
    const timer = setTimeout(() => reject(new Error("pencil did not announce its ports in 20 s")), 20000);
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error("pencil exited early with " + code)));
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const udp = line.match(/carbon plaintext on udp (\S+)/);
      const http = line.match(/serving HTTP on (http:\/\/\S+)/);
      if (udp) found.carbon = udp[1];
      if (http) found.http = http[1];
      if (found.carbon && found.http) {
        clearTimeout(timer);
        resolve({ child, carbon: found.carbon, base: found.http });
      }
    });
  });
}

function feed(carbon, lines) {
  const [host, port] = [carbon.slice(0, carbon.lastIndexOf(":")), Number(carbon.slice(carbon.lastIndexOf(":") + 1))];
  const socket = dgram.createSocket("udp4");
  return new Promise((resolve, reject) => {
    socket.send(Buffer.from(lines.join("\n") + "\n"), port, host, (err) => {
      socket.close();
      if (err) reject(err); else resolve();
    });
  });
}

async function waitFor(what, check, ms) {
  const deadline = Date.now() + (ms || STEP_MS);
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pencil-ui-data-"));
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "pencil-ui-chromium-"));
  const pencil = await startPencil(dataDir);
  const base = pencil.base;
  const now = Math.floor(Date.now() / 1000);
  const lines = [];
  // Every 10 s, the default schema's finest step, so lines are drawn without gaps.
  for (let i = 0; i < 360; i++) {
    const t = now - 3600 + i * 10;
    for (const host of ["host1", "host2", "host3"]) {
      const wave = 50 + 40 * Math.sin(i / 36 + host.length + host.charCodeAt(4));
      lines.push(`ui.web.${host}.requests ${wave.toFixed(2)} ${t}`);
      lines.push(`ui.web.${host}.latency_ms ${(30 + 10 * Math.sin(i / 11 + host.charCodeAt(4)) + 4 * Math.sin(i / 2.3)).toFixed(1)} ${t}`);
    }
    lines.push(`ui.db.queries ${(200 + 80 * Math.cos(i / 28) + 15 * Math.sin(i / 3)).toFixed(1)} ${t}`);
  }
  lines.push(`ui.evil.${HOSTILE} 1 ${now - 60}`);
  for (let i = 0; i < lines.length; i += 200) await feed(pencil.carbon, lines.slice(i, i + 200));
  await waitFor("the fed metrics", async () => {
    const r = await fetch(base + "/metrics/find?query=ui.*");
    return r.ok && (await r.json()).length === 3;
  });

  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const dialogs = [];
  const pageErrors = [];
  context.on("page", (page) => {
    page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);

  const results = [];
  async function test(name, body) {
    const started = Date.now();
    try {
      await body();
      results.push([name, null]);
      console.log(`ok    ${name} (${Date.now() - started} ms)`);
    } catch (e) {
      results.push([name, e]);
      console.log(`FAIL  ${name} (${Date.now() - started} ms): ${e.message.split("\n")[0]}`);
    }
  }
  const treeItem = (id) => page.locator(`li[data-id="${id.replace(/"/g, '\\"')}"] > .label`).first();
  // Every image of the dashboard has arrived or failed: the queue is empty and nothing loads.
  const settled = () => waitFor("the images", () => page.evaluate(() => {
    const s = window.pencil.dashboardStats();
    return s.refreshes > 0 && s.queue === 0 && s.inFlight === 0;
  }), 20000);
  const targetValues = () => page.$$eval("#targets .target-text", (xs) => xs.map((x) => x.value));

  await test("tree_expands_node_by_node_and_a_leaf_click_graphs_it", async () => {
    await page.goto(base + "/");
    await treeItem("ui").click();
    await treeItem("ui.web").click();
    await treeItem("ui.web.host1").click();
    await treeItem("ui.web.host1.requests").click();
    await waitFor("the leaf in the targets", async () => (await targetValues())[0] === "ui.web.host1.requests");
    const src = await waitFor("the preview", () => page.getAttribute("#preview", "src"));
    assert(src && src.includes("target=ui.web.host1.requests") && src.includes("format") === false,
      "preview asks /render for the png of the leaf, got " + src);
  });

  await test("glob_search_lists_matches", async () => {
    await page.fill("#search", "ui.web.*.lat*");
    await page.press("#search", "Enter");
    await waitFor("3 matches", async () => (await page.locator("#search-list li.leaf").count()) === 3);
  });

  await test("function_menu_from_functions_applies_sumSeries", async () => {
    await waitFor("the function menu", async () => (await page.locator("#fn-select optgroup").count()) >= 9);
    const groups = await page.$$eval("#fn-select optgroup", (gs) => gs.map((g) => g.label));
    assert(groups[0] === "Combine" && groups.includes("Alias"), "groups as graphite-web's: " + groups);
    await page.selectOption("#fn-select", "sumSeries");
    await page.click("#fn-apply");
    await waitFor("the wrapped target", async () => (await targetValues())[0] === "sumSeries(ui.web.host1.requests)");
    // A function with parameters gets a form with its defaults filled in, and applies to the
    // checked target only.
    await page.selectOption("#fn-select", "movingAverage");
    assert((await page.locator("#fn-form [data-name=windowSize]").count()) === 1, "movingAverage has a windowSize field");
    await page.selectOption("#fn-select", "keepLastValue");
    assert((await page.inputValue("#fn-form [data-name=limit]")) === "", "an infinite default is left empty");
    await page.fill("#new-target", "ui.db.queries");
    await page.press("#new-target", "Enter");
    await page.locator("#targets .target-pick").nth(1).check();
    await page.selectOption("#fn-select", "scale");
    await page.fill("#fn-form [data-name=factor]", "10");
    await page.click("#fn-apply");
    await waitFor("the scaled second target", async () => {
      const values = await targetValues();
      return values[0] === "sumSeries(ui.web.host1.requests)" && values[1] === "scale(ui.db.queries,10)";
    });
    await page.locator("#targets .target").nth(1).locator("button.remove").click();
    await waitFor("one target again", async () => (await targetValues()).length === 1);
    await page.selectOption("#fn-select", "");
  });

  await test("composer_options_time_and_links", async () => {
    await page.fill("#opt-title", "Requests, all web hosts");
    await page.dispatchEvent("#opt-title", "change");
    await page.click("#presets button[data-from='-6h']");
    await waitFor("the render url", async () => {
      const url = await page.inputValue("#render-url");
      return url.startsWith(base + "/render?") && url.includes("from=-6h") && url.includes("title=Requests");
    });
    const json = await page.getAttribute("#link-json", "href");
    assert(json.includes("format=json") && json.includes("sumSeries") && !json.includes("title="), "json link: " + json);
    const answer = await (await fetch(base + json)).json();
    assert(Array.isArray(answer) && answer.length === 1, "json link answers the data");
  });

  await test("preview_image_loads", async () => {
    await page.click("#presets button[data-from='-1h']");
    await page.locator("#preview-box").scrollIntoViewIfNeeded();
    // The image of the new range, not the one still showing from the previous test.
    await waitFor("a drawn preview of the last hour", () =>
      page.$eval("#preview", (img) => img.complete && img.naturalWidth > 0 && img.currentSrc.includes("from=-1h")));
  });
  await page.screenshot({ path: path.join(SHOTS, "composer.png"), fullPage: true });

  await test("theme_toggle_switches_page_and_graph_colours_and_is_remembered", async () => {
    await page.click("#theme");
    await waitFor("light graph colours", async () =>
      (await page.getAttribute("html", "data-theme")) === "light" &&
      (await page.getAttribute("#preview", "src")).includes("bgcolor=ffffff"));
    await page.reload();
    assert((await page.getAttribute("html", "data-theme")) === "light", "remembered across a reload");
    await page.click("#theme");
    await waitFor("dark graph colours", async () => (await page.getAttribute("#preview", "src")).includes("bgcolor=11151c"));
  });

  await test("save_a_dashboard_and_find_it_restored_after_reload", async () => {
    await page.fill("#add-dash", "wall");
    await page.click("#add-dash-go");
    await waitFor("the save", async () => /Added to dashboard wall \(1 graph\)/.test(await page.textContent("#status")));
    let count = 1;
    for (const t of ["ui.web.*.latency_ms", "ui.db.queries", "ui.web.host2.requests"]) {
      count++;
      await page.goto(base + "/#target=" + encodeURIComponent(t) + "&from=-1h");
      await page.fill("#add-dash", "wall");
      await page.click("#add-dash-go");
      await waitFor("the save of " + t, async () =>
        (await page.textContent("#status")).includes("Added to dashboard wall (" + count + " graphs"));
    }
    await page.goto(base + "/dashboard/wall");
    await waitFor("4 graphs", async () => (await page.locator("#grid .cell").count()) === 4);
    await page.locator("#grid .cell").nth(0).locator("button.resize").click();
    await page.locator("#grid .cell").nth(2).locator("button[title='Move earlier']").click();
    await page.click("#dash-presets button[data-from='-1h']");
    await page.click("#dash-save");
    await waitFor("saved", async () => /Saved dashboard wall/.test(await page.textContent("#status")));
    await page.reload();
    await waitFor("4 graphs again", async () => (await page.locator("#grid .cell").count()) === 4);
    const titles = await page.$$eval("#grid .cell-title", (xs) => xs.map((x) => x.textContent));
    assert(titles[0] === "Requests, all web hosts" && titles[1] === "ui.db.queries", "order kept: " + titles);
    assert(await page.locator("#grid .cell").nth(0).evaluate((c) => c.classList.contains("w2")), "size kept");
    assert(await page.locator("#dash-presets button.on").textContent() === "1h", "time range kept");
    await settled();
    await page.screenshot({ path: path.join(SHOTS, "dashboard.png") });
    const listed = await (await fetch(base + "/dashboard/list")).json();
    assert(listed.dashboards.some((d) => d.name === "wall"), "listed on the server");
  });

  await test("dashboard_refreshes_with_bounded_queue_and_few_images_at_once", async () => {
    let open = 0;
    let most = 0;
    let renders = 0;
    const isRender = (r) => r.url().includes("/render?") && r.resourceType() === "image";
    const onRequest = (r) => { if (isRender(r)) { renders++; open++; most = Math.max(most, open); } };
    const onDone = (r) => { if (isRender(r)) open--; };
    page.on("request", onRequest);
    page.on("requestfinished", onDone);
    page.on("requestfailed", onDone);
    await page.goto(base + "/dashboard/wall?refresh=1");
    await waitFor("three refresh rounds", async () => Number(await page.getAttribute("#grid", "data-refreshes")) >= 3);
    await waitFor("a new image request per graph per round", async () => renders >= 8);
    // Weeks on a wall: after garbage collection the page holds as many DOM nodes and
    // listeners after a few more refreshes as before them.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    const held = async () => {
      await cdp.send("HeapProfiler.collectGarbage");
      const { metrics } = await cdp.send("Performance.getMetrics");
      const pick = (name) => metrics.find((m) => m.name === name).value;
      return { nodes: pick("Nodes"), listeners: pick("JSEventListeners") };
    };
    // The first rounds build what the page keeps (error boxes, the image decoders); measured after them.
    await waitFor("a warmed-up page", async () => Number(await page.getAttribute("#grid", "data-refreshes")) >= 4);
    const before = await held();
    const round = Number(await page.getAttribute("#grid", "data-refreshes"));
    await waitFor("three more rounds", async () =>
      Number(await page.getAttribute("#grid", "data-refreshes")) >= round + 3);
    const after = await held();
    await cdp.detach();
    // A leak grows by at least one node per graph per round (4 graphs × 3 rounds here); a
    // node or two of slack absorbs a status text that happens to be mid-update when measured.
    assert(after.nodes <= before.nodes + 3 && after.listeners <= before.listeners,
      "nothing grows with refreshes: " + JSON.stringify({ before, after }));
    const stats = await page.evaluate(() => window.pencil.dashboardStats());
    page.off("request", onRequest);
    page.off("requestfinished", onDone);
    page.off("requestfailed", onDone);
    assert(stats.cells === 4 && stats.queue <= 4 && stats.inFlight <= 3, "bounded: " + JSON.stringify(stats));
    assert(most <= 3, "at most 3 images at once, saw " + most);
  });

  await test("kiosk_view_fills_the_screen_without_chrome", async () => {
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.goto(base + "/dashboard/wall?kiosk=1");
    await waitFor("4 graphs", async () => (await page.locator("#grid .cell").count()) === 4);
    assert(!(await page.isVisible("#top")) && !(await page.isVisible("#dash-bar")), "no header in kiosk");
    assert((await page.locator(".cell-tools:visible").count()) === 0, "no edit tools in kiosk");
    const box = await page.locator("#grid").boundingBox();
    assert(box.height > 1080 * 0.85 && box.height <= 1080 + 2, "grid fills the screen: " + box.height);
    const titleSize = await page.$eval(".cell-title", (t) => parseFloat(getComputedStyle(t).fontSize));
    assert(titleSize >= 24, "titles readable across a room: " + titleSize + "px");
    await settled();
    await page.screenshot({ path: path.join(SHOTS, "kiosk.png") });
    await page.setViewportSize({ width: 3840, height: 2160 });
    await page.goto(base + "/dashboard/wall?kiosk=1");
    await waitFor("images drawn at 1080p size and scaled to the 4K screen", async () => {
      const src = (await page.getAttribute("#grid .cell img", "src")) || "";
      const width = Number(new URLSearchParams(src.split("?")[1]).get("width"));
      return width >= 1800 && width <= 1920;
    });
    await settled();
    await page.screenshot({ path: path.join(SHOTS, "kiosk-4k.png") });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(base + "/dashboard/wall?kiosk=1&theme=light");
    await waitFor("4 graphs", async () => (await page.locator("#grid .cell").count()) === 4);
    await settled();
    await page.screenshot({ path: path.join(SHOTS, "kiosk-light.png") });
  });

  await test("hostile_names_are_shown_as_text", async () => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(base + "/");
    await treeItem("ui").click();
    await treeItem("ui.evil").click();
    const leaf = page.locator("#tree li.leaf[data-id^='ui.evil.'] > .label");
    await waitFor("the hostile leaf", async () => (await leaf.count()) === 1);
    assert((await leaf.textContent()) === HOSTILE, "shown literally");
    await leaf.click();
    await waitFor("the hostile target", async () => (await targetValues()).includes("ui.evil." + HOSTILE));
    await page.fill("#opt-title", HOSTILE_TITLE);
    await page.dispatchEvent("#opt-title", "change");
    await page.fill("#add-dash", "evil");
    await page.click("#add-dash-go");
    await waitFor("the save", async () => /Added to dashboard evil/.test(await page.textContent("#status")));
    await page.goto(base + "/dashboard/evil");
    await waitFor("the hostile title", async () => (await page.textContent(".cell-title")) === HOSTILE_TITLE);
    await page.goto(base + "/dashboard/");
    await waitFor("the list", async () => (await page.locator("#dash-list li").count()) === 2);
    await page.screenshot({ path: path.join(SHOTS, "dashboards.png") });
    await page.waitForTimeout(300);
    assert((await page.locator("img[src='x']").count()) === 0, "no injected image element");
    assert(dialogs.length === 0, "no script ran: " + dialogs);
  });

  await test("export_and_import_json", async () => {
    const exported = await (await fetch(base + "/dashboard/export/wall")).text();
    const state = JSON.parse(exported);
    state.name = "wall-copy";
    const file = path.join(profile, "wall-copy.json");
    fs.writeFileSync(file, JSON.stringify(state));
    await page.goto(base + "/dashboard/");
    await page.setInputFiles("#import-file", file);
    await page.waitForURL("**/dashboard/wall-copy");
    await waitFor("4 imported graphs", async () => (await page.locator("#grid .cell").count()) === 4);
  });

  await test("no_script_errors", async () => {
    assert(pageErrors.length === 0, "page errors: " + pageErrors.join("; "));
  });

  await context.close();
  pencil.child.removeAllListeners("exit");
  const exited = new Promise((resolve) => pencil.child.on("exit", resolve));
  pencil.child.kill("SIGTERM");
  await exited;
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(profile, { recursive: true, force: true });
  const failed = results.filter(([, e]) => e);
  console.log(`\n${results.length - failed.length} passed, ${failed.length} failed; screenshots in ${SHOTS}`);
  process.exitCode = failed.length;
}

main().catch((e) => {
  console.error(e);
  process.exit(100);
});
