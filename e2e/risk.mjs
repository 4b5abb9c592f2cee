// The risk pages (风险评分, 观察名单) in a real browser (Debian's Chromium driven by
// playwright-core), with axe-core and a screenshot of each.
//
//   node e2e/risk.mjs CONFIG_JSON
//
// internal/httpapi/browser_risk_test.go starts the server, makes a customer with a
// not-received history and a case of theirs, puts another customer on the watch list,
// runs this script and checks the list afterwards. CONFIG_JSON has:
//   chromium    the browser's executable
//   base        the server, e.g. http://127.0.0.1:PORT
//   shots       a folder for the screenshots ("" for none): risk-case.png, risk-watchlist.png
//   supervisor  the supervisor's account {username, password}
//   case        the case of the customer with the history
//   customer    that customer
//   listed      a customer on the watch list already
//
// The supervisor, on a desktop in Chinese: the case page's risk block shows the score out
// of 100, the level and the reasons; its link opens the watch list with the customer
// filled in; the form adds them with a reason; the other customer is taken off with a
// reason; back on the case page the block shows the watch list's badge and reason. On every page: no console error, no CSP violation, nothing serious or critical
// for axe-core. A check that fails is printed on a line starting with FAIL; the exit
// status is 1 if any failed.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const cfg = JSON.parse(process.argv[2]);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const desktop = { width: 1280, height: 900 };
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

// shot writes a screenshot of what the window shows.
const shot = async (page, name) => {
  if (!cfg.shots) return;
  await page.mouse.move(0, 0);
  await page.screenshot({ path: join(cfg.shots, `${name}.png`), type: "png" });
};

const submit = async (page, selector) => {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest()),
    page.click(selector),
  ]);
  await page.waitForLoadState("load");
  return res;
};

try {
  const context = await browser.newContext({ locale: "zh-CN", viewport: desktop });
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

  await page.goto(`${cfg.base}/login?lang=zh`);
  await page.fill("input[name=username]", cfg.supervisor.username);
  await page.fill("input[name=password]", cfg.supervisor.password);
  await submit(page, "form[action='/login'] button[type=submit]");
  check(new URL(page.url()).pathname !== "/login", `the supervisor could not log in (${page.url()})`);

  // The case page: the score, the level and the reasons.
  const r = await page.goto(`${cfg.base}/cases/${cfg.case}?lang=zh`);
  check(r.status() === 200, `the case page: ${r.status()}, want 200`);
  const block = page.locator("#risk");
  check((await block.count()) === 1, "the case page has no risk block");
  const text = await block.textContent();
  check(/评分 \d+\/100/.test(text), `the risk block shows no score: ${text}`);
  check(text.includes("高风险"), "the risk block does not say high risk");
  check(text.includes("未收到货"), "the risk block does not give the not-received reason");
  await axe(page, "risk-case");

  // Its link: the watch list with the customer filled in; the form adds them.
  await Promise.all([page.waitForNavigation(), block.locator("a[href^='/risk/watchlist']").click()]);
  check(new URL(page.url()).pathname === "/risk/watchlist", `the risk block's link went to ${page.url()}`);
  check((await page.inputValue("#new-watch input[name=customer]")) === cfg.customer, "the watch list's form is not filled with the customer");
  await page.fill("#new-watch textarea[name=reason]", "三次声称未收到货,需核实物流签收");
  const added = await submit(page, "#new-watch button[type=submit]");
  check(added.status() === 303, `add: ${added.status()}, want 303`);
  check(new URL(page.url()).searchParams.get("done") === "watch_added", `after the add the page is ${page.url()}`);
  check((await page.textContent(".flash")).includes("已将该客户列入观察名单"), "the page does not say the customer was added");
  check((await page.locator(`#watch-${cfg.customer}`).count()) === 1, "the new entry is not listed");
  await page.click("#new-watch summary"); // the form unfolded for the screenshot
  await page.evaluate(() => window.scrollTo(0, 0));
  await axe(page, "risk-watchlist");
  await shot(page, "risk-watchlist");

  // The other customer is taken off with a reason.
  const row = page.locator(`#watch-${cfg.listed}`);
  await row.locator("summary").click();
  await row.locator("input[name=reason]").fill("已核实,地址为公司前台");
  const removed = await submit(page, `#watch-${cfg.listed} button[type=submit]`);
  check(removed.status() === 303, `remove: ${removed.status()}, want 303`);
  check((await page.locator(`#watch-${cfg.listed}`).count()) === 0, "the customer taken off is still listed");
  await axe(page, "risk-watchlist-removed");

  // Back on the case page: the badge and the watch list's reason beside the score.
  await page.goto(`${cfg.base}/cases/${cfg.case}?lang=zh`);
  const listed = await page.locator("#risk").textContent();
  check(listed.includes("在观察名单上") && listed.includes("需核实物流签收"), `the risk block does not show the watch list's badge and reason: ${listed}`);
  await page.locator("#risk").scrollIntoViewIfNeeded();
  await axe(page, "risk-case-listed");
  await shot(page, "risk-case");
} catch (e) {
  fail(`the script stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(`${failed} checks failed`);
process.exit(failed ? 1 : 0);
