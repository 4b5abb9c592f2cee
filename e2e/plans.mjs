// The emergency plans' pages (应急预案) in a real browser (Debian's Chromium driven by
// playwright-core), with axe-core and a screenshot of each.
//
//   node e2e/plans.mjs CONFIG_JSON
//
// internal/httpapi/browser_plans_test.go starts the server, writes two plans (a surge
// plan with a banner, and a carrier outage plan), runs this script and checks that the
// surge plan is active afterwards. CONFIG_JSON has:
//   chromium    the browser's executable
//   base        the server, e.g. http://127.0.0.1:PORT
//   shots       a folder for the screenshots ("" for none): plans.png, plan-drill.png, plan-banner.png
//   supervisor  the supervisor's account {username, password}
//   plan        the surge plan
//   link        a customer's login link (path and query)
//
// The supervisor, on a desktop in Chinese: the list says each plan's state, triggers,
// effects and end; the surge plan's page runs the drill with the form as it comes and
// shows the report (the verdict and the hour-by-hour table); the plan is started by its
// button, the confirmation accepted, and the page says so. The customer, on a phone in
// Chinese: the portal's home shows the plan's banner as a status. On every page: no
// console error, no CSP violation, nothing serious or critical for axe-core. A check that
// fails is printed on a line starting with FAIL; the exit status is 1 if any failed.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const cfg = JSON.parse(process.argv[2]);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const desktop = { width: 1280, height: 900 };
const phone = { width: 375, height: 800 };
let failed = 0;
const fail = (what) => {
  failed++;
  console.log(`FAIL ${what}`);
};
const check = (ok, what) => ok || fail(what);

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});

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

// shot writes a screenshot of what the window shows, or of one element.
const shot = async (page, name, selector) => {
  if (!cfg.shots) return;
  await page.mouse.move(0, 0);
  const path = join(cfg.shots, `${name}.png`);
  if (selector) await page.locator(selector).screenshot({ path, type: "png" });
  else await page.screenshot({ path, type: "png" });
};

const submit = async (page, selector) => {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest()),
    page.click(selector),
  ]);
  await page.waitForLoadState("load");
  return res;
};

const watch = (page) => {
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded with a status of")) {
      fail(`console error on ${page.url()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => fail(`page error on ${page.url()}: ${e.message}`));
};

const csp = () => {
  document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
};

try {
  const context = await browser.newContext({ locale: "zh-CN", viewport: desktop });
  await context.addInitScript(csp);
  const page = await context.newPage();
  watch(page);

  await page.goto(`${cfg.base}/login?lang=zh`);
  await page.fill("input[name=username]", cfg.supervisor.username);
  await page.fill("input[name=password]", cfg.supervisor.password);
  await submit(page, "form[action='/login'] button[type=submit]");
  check(new URL(page.url()).pathname !== "/login", `the supervisor could not log in (${page.url()})`);

  // The list, reached from the header.
  await Promise.all([page.waitForNavigation(), page.click("header nav a[href='/plans']")]);
  check(new URL(page.url()).pathname === "/plans", `the header's link went to ${page.url()}`);
  const list = await page.locator("ul.plans").textContent();
  check(list.includes("双11 高峰") && list.includes("顺丰中断"), `the list lacks a plan: ${list}`);
  check(list.includes("新售后单的期限顺延 2 个工作日"), "the list does not say the surge plan's effect");
  check(list.includes("承运商 SF 中断"), "the list does not say the outage plan's trigger");
  await axe(page, "plans");
  await shot(page, "plans");

  // The plan's page: a drill with the form as it comes.
  await Promise.all([page.waitForNavigation(), page.click(`a[href^='/plans/${cfg.plan}']`)]);
  check(new URL(page.url()).pathname === `/plans/${cfg.plan}`, `the plan's link went to ${page.url()}`);
  const drilled = await submit(page, "#drill button[type=submit]");
  check(drilled.status() === 200, `the drill: ${drilled.status()}, want 200`);
  check((await page.locator("#report").count()) === 1, "the drill shows no report");
  check((await page.locator("#report table.hours tbody tr").count()) >= 6, "the report has not a row per hour");
  check((await page.locator("#report [role=status]").textContent()).includes("队列"), "the report gives no verdict");
  await axe(page, "plan-drill");
  await shot(page, "plan-drill", "#drill");

  // Started by its button, the confirmation accepted.
  page.once("dialog", (d) => d.accept());
  const started = await submit(page, `form[action='/plans/${cfg.plan}/activate'] button`);
  check(started.status() === 303, `start: ${started.status()}, want 303`);
  check(new URL(page.url()).searchParams.get("done") === "plan_activated", `after the start the page is ${page.url()}`);
  check((await page.textContent(".flash")).includes("预案已启动"), "the page does not say the plan started");
  check((await page.locator("ol.history li").count()) === 1, "the history does not show the start");
  await axe(page, "plan-active");
  await context.close();

  // The customer's portal on a phone: the banner.
  const phoneContext = await browser.newContext({ locale: "zh-CN", viewport: phone, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await phoneContext.addInitScript(csp);
  const customer = await phoneContext.newPage();
  watch(customer);
  await customer.goto(cfg.base + cfg.link);
  await customer.goto(`${cfg.base}/?lang=zh`);
  const banner = customer.locator(".banner[role=status]");
  check((await banner.count()) === 1, "the customer's home shows no banner");
  check((await banner.textContent()).includes("双11 期间售后处理时间顺延 2 个工作日"), "the banner is not the plan's");
  const wide = await customer.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  check(!wide, "the customer's home scrolls sideways");
  await axe(customer, "customer-banner");
  await shot(customer, "plan-banner");
} catch (e) {
  fail(`the script stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(`${failed} checks failed`);
process.exit(failed ? 1 : 0);
