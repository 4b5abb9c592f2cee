// The analytics pages in a real browser (Debian's Chromium driven by playwright-core), with
// axe-core on each page and a screenshot of each.
//
//   node e2e/analytics.mjs CONFIG_JSON
//
// internal/httpapi/browser_analytics_test.go starts the server, makes eight weeks of orders
// and cases of three merchants, runs this script. CONFIG_JSON has:
//   chromium    the browser's executable
//   base        the server, e.g. http://127.0.0.1:PORT
//   shots       a folder for the screenshots ("" for none): analytics-*.png
//   downloads   a folder for the exported file
//   supervisor  the supervisor's account {username, password}
//   merchant    shop-a's staff account {username, password}
//   admin       an admin's account {username, password}
//
// The supervisor's dashboard in Chinese on a desktop: every chart drawn on its canvas, the
// tables there behind "表格视图"; an export link shows its progress and saves the CSV. The
// same in English on a phone: the charts fit, the page does not scroll sideways. Without
// a script the tables are open and no chart box is shown. The merchant's dashboard: its
// own, no merchant filter, another merchant not found. The scorecards. The merchant's
// scheduled reports, linked from the dashboard: an address that is no email said at its
// field, a weekly report by email set up, sent now and stopped (in Chinese on a desktop,
// in English on a phone, which does not scroll sideways). The admin's scorecard rules: a
// weight of 0 said next to the JSON with its path, then the rules saved. On every page: no
// console error, no CSP violation, nothing serious or critical for axe-core. A check that
// fails is printed on a line starting with FAIL; the exit status is 1 if any failed.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const cfg = JSON.parse(process.argv[2]);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const phone = { width: 375, height: 800 };
const desktop = { width: 1280, height: 900 };
let failed = 0;
const fail = (what) => {
  failed++;
  console.log(`FAIL ${what}`);
};
const check = (ok, what) => ok || fail(what);
const path = (page) => new URL(page.url()).pathname;

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});

// newPage opens a watched page in a browser of its own: a script error or a CSP violation
// fails.
const newPage = async (viewport, options = {}) => {
  const context = await browser.newContext({ locale: "zh-CN", viewport, acceptDownloads: true, ...options });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded with a status of")) {
      fail(`console error on ${page.url()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => fail(`page error on ${page.url()}: ${e.message}`));
  return page;
};

// axe runs axe-core through the DevTools protocol (the page's CSP stays on).
const axe = async (page, name) => {
  const cdp = await page.context().newCDPSession(page);
  const injected = await cdp.send("Runtime.evaluate", { expression: axeSource });
  if (injected.exceptionDetails) throw new Error(`axe-core did not load: ${injected.exceptionDetails.text}`);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  for (const v of violations) {
    const line = `axe ${v.impact} on ${name} (${page.url()}): ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 5).join("\n    ")}`;
    if (v.impact === "serious" || v.impact === "critical") fail(line);
    else console.log(`note: ${line}`);
  }
};

// shot writes a screenshot of the page's top (up to 1600 px on a desktop, 2400 on a phone).
const shot = async (page, name) => {
  if (!cfg.shots) return;
  const { width } = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const clip = { x: 0, y: 0, width, height: Math.min(height, width > phone.width ? 1600 : 2400) };
  await page.screenshot({ path: join(cfg.shots, `${name}.png`), type: "png", fullPage: true, clip });
};

const submit = async (page, selector) => {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest()),
    page.click(selector),
  ]);
  await page.waitForLoadState("load");
  return res;
};

const login = async (account, viewport = desktop, options = {}) => {
  const page = await newPage(viewport, options);
  await page.goto(`${cfg.base}/login`);
  await page.fill("input[name=username]", account.username);
  await page.fill("input[name=password]", account.password);
  await submit(page, "form[action='/login'] button[type=submit]");
  check(path(page) !== "/login", `${account.username} could not log in (${page.url()})`);
  return page;
};

// shotOf writes a screenshot of one element (a section below the page's top).
const shotOf = async (page, selector, name) => {
  if (!cfg.shots) return;
  await page.locator(selector).screenshot({ path: join(cfg.shots, `${name}.png`), type: "png" });
};

const wide = async (page, name) => {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= page.viewportSize().width, `${name}: the page is ${w} px wide`);
};

const open = async (page, url, status = 200) => {
  const r = await page.goto(`${cfg.base}${url}`);
  check(r.status() === status, `${url}: ${r.status()}, want ${status}`);
};

// charts checks that every section with a chart has drawn it on a canvas (pixels that are
// not blank) no wider than the page, and has its table.
const charts = async (page, name) => {
  await page.waitForSelector("#trend .chart canvas");
  await page.waitForTimeout(300);
  const found = await page.evaluate(() =>
    [...document.querySelectorAll(".chart")].map((el) => {
      const canvas = el.querySelector("canvas");
      let inked = 0;
      if (canvas) {
        const ctx = canvas.getContext("2d");
        const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < px.length; i += 16) if (px[i] > 0) inked++;
      }
      const section = el.closest("section");
      return {
        id: section.id, hidden: el.hidden, width: el.getBoundingClientRect().width, canvas: !!canvas, inked,
        rows: section.querySelectorAll("details.table-view table tbody tr").length,
      };
    }));
  check(found.length >= 6, `${name}: ${found.length} charts, want at least 6`);
  for (const c of found) {
    check(c.canvas && !c.hidden, `${name}: the chart of ${c.id} is not drawn`);
    check(c.inked > 100, `${name}: the chart of ${c.id} is blank (${c.inked} inked samples)`);
    check(c.width <= page.viewportSize().width, `${name}: the chart of ${c.id} is ${c.width} px wide`);
    check(c.rows > 0, `${name}: ${c.id} has no table view`);
  }
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= page.viewportSize().width, `${name}: the page is ${w} px wide`);
};

try {
  // The supervisor, in Chinese on a desktop.
  const sup = await login(cfg.supervisor);
  await open(sup, "/dashboard?lang=zh");
  await charts(sup, "dashboard zh");
  check((await sup.locator("#trend details.table-view summary").textContent()) === "表格视图", "the trend has no table view summary in Chinese");
  check((await sup.locator("#agents table").count()) === 1, "the supervisor has no agents' table");
  const trend = JSON.parse(await sup.locator("#trend-data").textContent());
  check(trend.series.length === 2 && trend.series[1].name === "上一周期", `the trend's series: ${JSON.stringify(trend.series.map((s) => s.name))}`);
  await axe(sup, "analytics-dashboard-zh");
  await shot(sup, "analytics-dashboard-zh");

  // An export: its progress shown next to the link, the CSV saved.
  const link = sup.locator("#reasons a[data-export][href*='format=csv']");
  const [download] = await Promise.all([sup.waitForEvent("download"), link.click()]);
  const saved = join(cfg.downloads, download.suggestedFilename());
  await download.saveAs(saved);
  check(/^report-reasons-.*\.csv$/.test(download.suggestedFilename()), `the export was saved as ${download.suggestedFilename()}`);
  const csv = readFileSync(saved, "utf8");
  check(csv.startsWith("reason,cases,share"), `the CSV begins ${JSON.stringify(csv.slice(0, 40))}`);
  const progress = await sup.evaluate(() => {
    const bar = document.querySelector("#reasons progress");
    return { hidden: bar.hidden, value: bar.value, max: bar.max, said: document.querySelector("#reasons .export-status").textContent };
  });
  check(!progress.hidden && progress.value === progress.max, `the progress after the export: ${JSON.stringify(progress)}`);
  check(progress.said.includes("已接收") && progress.said.includes("已保存"), `the export says ${JSON.stringify(progress.said)}`);
  check(path(sup) === "/dashboard", `the export left the page: ${sup.url()}`);

  // The scorecards, linked from the dashboard.
  await sup.click("a[href^='/scorecards']");
  await sup.waitForLoadState("load");
  check(path(sup) === "/scorecards", `the dashboard's link went to ${sup.url()}`);
  const cards = await sup.locator("table.scorecards tbody th[scope=row]").count();
  check(cards === 3, `the scorecards list ${cards} merchants, want 3`);
  await axe(sup, "analytics-scorecards");
  await shot(sup, "analytics-scorecards");

  // English on a phone.
  const mobile = await login(cfg.supervisor, phone);
  await open(mobile, "/dashboard?lang=en");
  await charts(mobile, "dashboard en 375");
  check((await mobile.locator("#trend details.table-view summary").textContent()) === "Table view", "the trend has no table view summary in English");
  await axe(mobile, "analytics-dashboard-en-375");
  await shot(mobile, "analytics-dashboard-en-375");

  // Without a script: the tables open, no empty chart box.
  const plain = await login(cfg.supervisor, desktop, { javaScriptEnabled: false });
  await open(plain, "/dashboard?lang=en");
  const noScript = await plain.evaluate(() => ({
    open: [...document.querySelectorAll("details.table-view")].every((d) => d.open),
    shown: [...document.querySelectorAll(".chart")].filter((c) => c.getBoundingClientRect().height > 0).length,
  }));
  check(noScript.open && noScript.shown === 0, `without a script: ${JSON.stringify(noScript)}`);

  // The merchant's own; another merchant is not found.
  const staff = await login(cfg.merchant);
  await open(staff, "/dashboard?lang=zh");
  await charts(staff, "merchant dashboard");
  check((await staff.locator("input[name=merchant]").count()) === 0, "the merchant may choose a merchant");
  check((await staff.locator("#agents").count()) === 0, "the merchant sees the agents' report");
  const body = await staff.textContent("main");
  check(!body.includes("shop-b") && !body.includes("shop-c"), "the merchant's dashboard names another merchant");
  await axe(staff, "analytics-dashboard-merchant");
  await shot(staff, "analytics-dashboard-merchant");
  await open(staff, "/dashboard?merchant=shop-b&lang=zh", 404);

  // The merchant's scheduled reports, from the dashboard's link.
  await open(staff, "/dashboard?lang=zh");
  await staff.click("a[href^='/reports/schedules']");
  await staff.waitForLoadState("load");
  check(path(staff) === "/reports/schedules", `the dashboard's link went to ${staff.url()}`);
  check((await staff.locator("input[name=merchant]").count()) === 0, "the merchant may choose a merchant for a schedule");
  const create = "form[action='/reports/schedules'] button[type=submit]";
  await staff.selectOption("select[name=report]", "reasons");
  await staff.selectOption("select[name=frequency]", "weekly");
  await staff.selectOption("select[name=format]", "xlsx");
  await staff.fill("input[name=target]", "not an address");
  let res = await submit(staff, create);
  check(res.status() === 422, `a target that is no email: ${res.status()}, want 422`);
  check((await staff.locator("input[name=target][aria-invalid=true] ~ .field-error").count()) === 1, "the bad target is not said at its field");
  check((await staff.inputValue("select[name=frequency]")) === "weekly", "the refused form lost its frequency");
  await axe(staff, "analytics-schedules (refused)");
  await staff.fill("input[name=target]", "reports@shop-a.example");
  res = await submit(staff, create);
  check(res.status() === 303 && path(staff) === "/reports/schedules", `the schedule's form: ${res.status()} to ${staff.url()}`);
  await staff.selectOption("select[name=report]", "return_rate");
  await staff.fill("input[name=target]", "ops@shop-a.example");
  await submit(staff, create);
  check((await staff.locator("ul.schedules > li.card").count()) === 2, "the list does not have the two schedules");
  await submit(staff, "ul.schedules > li.card:first-child form[action$='/send'] button");
  check((await staff.locator("ul.schedules > li.card:first-child time").count()) === 2, "the schedule sent now has no last run");
  await axe(staff, "analytics-schedules");
  await shot(staff, "analytics-schedules");
  staff.once("dialog", (d) => d.accept());
  await submit(staff, "ul.schedules > li.card:last-child form[action$='/delete'] button");
  check((await staff.locator("ul.schedules > li.card").count()) === 1, "the stopped schedule is still listed");

  // The same in English on a phone.
  const staffPhone = await login(cfg.merchant, phone);
  await open(staffPhone, "/reports/schedules?lang=en");
  check((await staffPhone.locator("ul.schedules > li.card").count()) === 1, "the phone's list does not have the schedule");
  await wide(staffPhone, "schedules en 375");
  await axe(staffPhone, "analytics-schedules-375");
  await shot(staffPhone, "analytics-schedules-375");

  // The admin's scorecard rules: a weight of 0 said next to the JSON, then saved.
  const admin = await login(cfg.admin);
  await open(admin, "/scorecards?lang=zh");
  const json = await admin.inputValue("textarea[name=rules]");
  const rules = JSON.parse(json);
  rules.measures[1].weight = 0;
  await admin.fill("textarea[name=rules]", JSON.stringify(rules, null, 2));
  res = await submit(admin, "form[action='/scorecards/rules'] button[type=submit]");
  check(res.status() === 422, `a weight of 0: ${res.status()}, want 422`);
  const said = await admin.locator("textarea[name=rules][aria-invalid=true] ~ .field-error").textContent().catch(() => "");
  check(said.includes("measures[1].weight"), `the rules' error says ${JSON.stringify(said)}`);
  await axe(admin, "analytics-scorecard-rules");
  await shotOf(admin, "#rules", "analytics-scorecard-rules");
  rules.measures[1].weight = 10;
  rules.measures[0].weight = 35;
  await admin.fill("textarea[name=rules]", JSON.stringify(rules, null, 2));
  res = await submit(admin, "form[action='/scorecards/rules'] button[type=submit]");
  check(res.status() === 303 && path(admin) === "/scorecards", `the rules' form: ${res.status()} to ${admin.url()}`);
  check((await admin.inputValue("input[name=version]")) === "1", "the saved rules are not version 1");
} catch (e) {
  fail(`the script stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(`${failed} checks failed`);
process.exit(failed ? 1 : 0);
