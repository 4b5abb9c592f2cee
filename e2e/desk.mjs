// The service desk's pages in a real browser (Debian's Chromium driven by playwright-core),
// with axe-core on each page and a screenshot of each.
//
//   node e2e/desk.mjs CONFIG_JSON
//
// internal/httpapi/browser_desk_test.go starts the server, makes the case, the canned
// reply, the rules and a review, runs this script and checks the server's side afterwards.
// CONFIG_JSON has:
//   chromium    the browser's executable
//   base        the server, e.g. http://127.0.0.1:PORT
//   shots       a folder for the screenshots ("" for none): desk-*.png
//   agent       the agent's account {username, password}
//   supervisor  the supervisor's account {username, password}
//   case        the case the agent takes
//   review      a pending review
//   rendered    {zh, en}: the canned reply "thanks" rendered for the case
//
// The agent, on a desktop in Chinese: the case page's ownership panel says nobody owns the
// case; Take makes it the agent's; in the reply box "/thanks" then Tab puts the reply
// rendered for the case, and picking it from the list puts it again; the case page on a
// phone does not scroll sideways. Then the agent's queue, rules, replies and reviews; the
// supervisor's reviews, a review's score form, the rules' editor, the new-task form. On
// every page: no console error, no CSP violation, nothing serious or critical for
// axe-core. A check that fails is printed on a line starting with FAIL; the exit status is
// 1 if any failed.
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
const newPage = async (viewport) => {
  const context = await browser.newContext({ locale: "zh-CN", viewport });
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

// shot writes a screenshot of the page's top (up to 1200 px on a desktop, 2400 on a phone).
const shot = async (page, name) => {
  if (!cfg.shots) return;
  const { width } = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const clip = { x: 0, y: 0, width, height: Math.min(height, width > phone.width ? 1200 : 2400) };
  await page.screenshot({ path: join(cfg.shots, `${name}.png`), type: "png", fullPage: true, clip });
};

const visit = async (page, url, name) => {
  const r = await page.goto(`${cfg.base}${url}`);
  check(r.status() === 200, `${url}: ${r.status()}, want 200`);
  await axe(page, name);
  await shot(page, name);
};

const submit = async (page, selector) => {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest()),
    page.click(selector),
  ]);
  await page.waitForLoadState("load");
  return res;
};

const login = async (account) => {
  const page = await newPage(desktop);
  await page.goto(`${cfg.base}/login`);
  await page.fill("input[name=username]", account.username);
  await page.fill("input[name=password]", account.password);
  await submit(page, "form[action='/login'] button[type=submit]");
  check(path(page) !== "/login", `${account.username} could not log in (${page.url()})`);
  return page;
};

try {
  const [agent, sup] = await Promise.all([login(cfg.agent), login(cfg.supervisor)]);
  const caseURL = `/cases/${cfg.case}?lang=zh`;

  // Ownership: nobody owns it; Take makes it the agent's.
  await agent.goto(`${cfg.base}${caseURL}`);
  check((await agent.textContent("#owner")).includes("尚未分配"), "the panel does not say nobody owns the case");
  const took = await submit(agent, "#owner button[name=action][value=take]");
  check(took.status() === 303, `take: ${took.status()}, want 303`);
  check(new URL(agent.url()).searchParams.get("done") === "owner", `after take the page is ${agent.url()}`);
  check((await agent.textContent("#owner")).includes(cfg.agent.username), "the panel does not name the new owner");
  check((await agent.locator("#owner button[name=action][value=take]").count()) === 0, "the owner is still offered to take it");

  // Canned replies: "/thanks" then Tab puts the reply rendered for the case.
  const box = agent.locator("textarea#reply");
  await box.click();
  await box.pressSequentially("/thanks");
  await box.press("Tab");
  check((await box.inputValue()) === cfg.rendered.zh, `the shortcut put ${JSON.stringify(await box.inputValue())}, want the rendered reply`);
  check(await box.evaluate((el) => el === document.activeElement), "the reply box lost the focus after the shortcut");
  // Picking it from the list puts it where the cursor is, without leaving the page.
  await box.fill("");
  await agent.click("#canned summary");
  await agent.click("#reply-list a[data-shortcut=thanks]");
  check((await box.inputValue()) === cfg.rendered.zh, "picking the reply did not put it in the box");
  check(path(agent) === `/cases/${cfg.case}`, `picking the reply left the page: ${agent.url()}`);
  await axe(agent, "desk-case-owner");
  await shot(agent, "desk-case-owner");
  // The same page in English on a phone: no sideways scroll.
  await agent.setViewportSize(phone);
  await agent.goto(`${cfg.base}/cases/${cfg.case}?lang=en`);
  const w = await agent.evaluate(() => document.documentElement.scrollWidth);
  check(w <= phone.width, `the case page is ${w} px wide on a phone`);
  await axe(agent, "desk-case-phone");
  await shot(agent, "desk-case-phone");
  await agent.setViewportSize(desktop);

  // The agent's other desk pages.
  await visit(agent, "/queue?assignee=me&lang=zh", "desk-queue");
  check((await agent.locator("select[name=assignee] option[value=me][selected]").count()) === 1, "the queue's owner filter is not on me");
  await visit(agent, "/replies?lang=zh", "desk-replies");
  await visit(agent, "/desk/rules?lang=zh", "desk-rules-agent");
  await visit(agent, "/reviews?lang=en", "desk-reviews-agent");

  // The supervisor's.
  await visit(sup, "/reviews?lang=zh", "desk-reviews");
  await visit(sup, `/reviews/${cfg.review}?lang=zh`, "desk-review");
  check((await sup.locator("input[name=score_courtesy]").count()) === 1, "the review page has no score form");
  await visit(sup, "/desk/rules?lang=en", "desk-rules");
  check((await sup.locator("textarea[name=rules]").count()) === 1, "the supervisor has no rules editor");
  await sup.goto(`${cfg.base}/tasks?lang=zh`);
  await sup.click("#new-task summary");
  await axe(sup, "desk-tasks-new");
  await shot(sup, "desk-tasks-new");
  await visit(sup, "/replies?lang=en", "desk-replies-supervisor");
} catch (e) {
  fail(`the script stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(`${failed} checks failed`);
process.exit(failed ? 1 : 0);
