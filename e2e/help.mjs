// The help centre and the desk's article editor in a real browser (Debian's Chromium driven
// by playwright-core), with axe-core on each page and a screenshot of each.
//
//   node e2e/help.mjs CONFIG_JSON
//
// internal/httpapi/browser_help_test.go starts the server, writes the articles and the
// agent's account, runs this script and checks the server's side afterwards. CONFIG_JSON
// has:
//   chromium  the browser's executable
//   base      the server, e.g. http://127.0.0.1:PORT
//   shots     a folder for the screenshots ("" for none): help-search.png, help-article.png,
//             kb-editor.png
//   agent     the agent's account {username, password}
//   first     the title the search "耳机退货" must list first
//
// A visitor without a session, on a phone (375×800), in a Chinese browser: searches
// "耳机退货" with the search box, gets the headphones' return first with both words marked
// and a page that does not scroll sideways, opens it (the words marked in the text too);
// the English page finds the English article. The agent, on a desktop, sends the article
// form with no title (the problem at the field, the text kept), then with one: the list
// shows the new draft. On every page: no console error, no CSP violation, nothing serious
// or critical for axe-core. A check that fails is printed on a line starting with FAIL;
// the exit status is 1 if any failed.
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

// axe runs axe-core on the page through the DevTools protocol (the page's CSP stays on).
const axe = async (page, name) => {
  const cdp = await page.context().newCDPSession(page);
  const injected = await cdp.send("Runtime.evaluate", { expression: axeSource });
  if (injected.exceptionDetails) throw new Error(`axe-core did not load: ${injected.exceptionDetails.text}`);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  for (const v of violations) {
    const line = `axe ${v.impact} on ${name} (${page.url()}): ${v.id}: ${v.help}: ${v.nodes.slice(0, 5).join(", ")}`;
    if (v.impact === "serious" || v.impact === "critical") fail(line);
    else console.log(`note: ${line}`);
  }
};

// shot writes a screenshot of the page's top (a phone's up to 2400 px, a desktop's 1200).
const shot = async (page, name) => {
  if (!cfg.shots) return;
  const { width } = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const clip = { x: 0, y: 0, width, height: Math.min(height, width > phone.width ? 1200 : 2400) };
  await page.screenshot({ path: join(cfg.shots, `${name}.png`), type: "png", fullPage: true, clip });
};

const noSideScroll = async (page, name) => {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= phone.width, `${name} (${page.url()}) is ${w} px wide at ${phone.width} px: it scrolls sideways`);
};

// navigate does what starts a navigation and waits for the page that follows.
const navigate = async (page, action) => {
  await Promise.all([page.waitForNavigation(), action()]);
  await page.waitForLoadState("load");
};

const visitor = async () => {
  const page = await newPage(phone);
  await page.goto(`${cfg.base}/help`);
  check((await page.getAttribute("html", "lang")) === "zh-CN", "the help centre is not in Chinese for a Chinese browser");
  check(await page.isVisible("header a[href='/help']"), "a visitor's page has no help link");
  await page.fill("input[name=q]", "耳机退货");
  await navigate(page, () => page.press("input[name=q]", "Enter"));
  check(path(page) === "/help", `the search went to ${page.url()}`);
  const first = page.locator(".help-results li h3 a").first();
  const title = (await first.textContent()) || "";
  check(title === cfg.first, `the first result is ${JSON.stringify(title)}, want ${cfg.first}`);
  const marks = await first.locator("mark").allTextContents();
  check(marks.includes("耳机") && marks.includes("退货"), `the first result's title marks ${JSON.stringify(marks)}, want 耳机 and 退货`);
  await noSideScroll(page, "help-search");
  await axe(page, "help-search");
  await shot(page, "help-search");

  await navigate(page, () => first.click());
  check(path(page).startsWith("/help/"), `the result opened ${page.url()}`);
  check((await page.locator("article p mark").count()) >= 2, "the article does not mark the search's words");
  check((await page.textContent("h1")) === cfg.first, "the article's page is not the article's");
  await noSideScroll(page, "help-article");
  await axe(page, "help-article");
  await shot(page, "help-article");

  await page.goto(`${cfg.base}/help?lang=en&q=refund`);
  check((await page.locator(".help-results li h3 a").allTextContents()).includes("How to return an item"), "refund (en) does not find the English article");
  await noSideScroll(page, "help-search-en");
  await axe(page, "help-search-en");
};

const agent = async () => {
  const page = await newPage(desktop);
  await page.goto(`${cfg.base}/login`);
  await page.fill("input[name=username]", cfg.agent.username);
  await page.fill("input[name=password]", cfg.agent.password);
  await navigate(page, () => page.click("form[action='/login'] button[type=submit]"));
  check(path(page) !== "/login", `the agent could not log in (${page.url()})`);
  await page.goto(`${cfg.base}/kb/new`);
  await page.fill("textarea[name=body]", "七天无理由退货:签收后七天内可申请。\n\n商品需保持完好。");
  await page.fill("input[name=category]", "退货");
  await navigate(page, () => page.click("form.kb-form button[type=submit]"));
  check(await page.isVisible("input[name=title][aria-invalid=true] + .field-error"), "no problem shown at the empty title");
  check((await page.inputValue("textarea[name=body]")).startsWith("七天无理由退货"), "the refused form lost the text");
  await axe(page, "kb-editor");
  await shot(page, "kb-editor");
  await page.fill("input[name=title]", "七天无理由退货说明");
  await navigate(page, () => page.click("form.kb-form button[type=submit]"));
  check(path(page) === "/kb", `the created article went to ${page.url()}, want /kb`);
  check((await page.locator(".cards h2 a").allTextContents()).includes("七天无理由退货说明"), "the list lacks the new draft");
  await axe(page, "kb-list");
};

try {
  await Promise.all([visitor(), agent()]);
} catch (e) {
  fail(`the script stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(`${failed} checks failed`);
process.exit(failed ? 1 : 0);
