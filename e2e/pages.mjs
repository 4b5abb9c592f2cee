// The pages in a real browser: Debian's Chromium driven by playwright-core.
//
//   node e2e/pages.mjs CONFIG_JSON
//
// internal/httpapi/browser_test.go starts the server, makes the accounts and the links,
// runs this script and checks the server's side afterwards. CONFIG_JSON has:
//   chromium  the browser's executable
//   base      the server, e.g. http://127.0.0.1:PORT
//   attacker  another site's page that posts a logout form to base (cross-site request)
//   username, password   a staff account
//   link      a customer's login link (path and query) for customer
//   customer  the customer's id
// Every check that fails is printed on one line; the exit status is 1 if any failed.
import { chromium } from "playwright-core";

const cfg = JSON.parse(process.argv[2]);
const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
};
const path = (page) => new URL(page.url()).pathname;
// watch fails on anything a page complains about — a script error, a blocked resource, a
// CSP violation — except the browser's note of an error status, which the checks expect.
const watch = (page) => {
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded with a status of")) {
      failures.push(`console error on ${page.url()}: ${m.text()}`);
    }
  });
  page.on("pageerror", (e) => failures.push(`page error on ${page.url()}: ${e.message}`));
};

const browser = await chromium.launch({
  executablePath: cfg.chromium,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const context = await browser.newContext({ locale: "en-US" });
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  watch(page);

  // Without a session, home is the login page, styled by its own style sheet.
  await page.goto(cfg.base + "/");
  check(path(page) === "/login", `/ without a session went to ${page.url()}, want /login`);
  check((await page.getAttribute("html", "lang")) === "en", "the login page is not in English for an English browser");
  const styled = await page.evaluate(() => [...document.styleSheets].some((s) => s.cssRules.length > 0));
  check(styled, "the style sheet did not load");

  // A wrong password: the form again, with a message, the username kept.
  await page.fill("input[name=username]", cfg.username);
  await page.fill("input[name=password]", cfg.password + "-wrong");
  await Promise.all([page.waitForLoadState("load"), page.click("button[type=submit]")]);
  check(await page.isVisible("[role=alert]"), "no message after a wrong password");
  check((await page.inputValue("input[name=username]")) === cfg.username, "the username was not kept");

  // The right one: the agent's queue, with the session's CSRF token, and a session
  // cookie that scripts cannot read.
  await page.fill("input[name=password]", cfg.password);
  await Promise.all([page.waitForURL(/\/queue/), page.click("button[type=submit]")]);
  check(path(page) === "/queue", `logged in at ${page.url()}, want /queue`);
  check(await page.isVisible("form[action='/logout'] button"), "no logout button on the queue");
  const session = (await context.cookies()).find((c) => c.name === "as_session");
  check(session && session.httpOnly && session.sameSite === "Lax", `session cookie ${JSON.stringify(session)}`);
  check(!(await page.evaluate(() => document.cookie)).includes("as_session"), "a script can read the session cookie");

  // The other language, and back.
  await Promise.all([page.waitForLoadState("load"), page.click("a.lang")]);
  check((await page.getAttribute("html", "lang")) === "zh-CN", "the language link did not switch to Chinese");
  check((await page.textContent("h1")).trim() !== "", "the Chinese home page has no heading");

  // The API with the cookie: reads go through; a write without the CSRF token does not,
  // and with it it is judged on its merits (the dry run of an order that does not exist).
  const api = await page.evaluate(async () => {
    const read = await fetch("/api/v1/cases");
    const body = JSON.stringify({ order_no: "NONE", type: "return_refund", reason: "no_reason", items: [{ sku: "S", quantity: 1 }] });
    const headers = { "Content-Type": "application/json" };
    const bare = await fetch("/api/v1/policy/evaluate", { method: "POST", headers, body });
    const token = document.querySelector("meta[name=csrf-token]").content;
    const withToken = await fetch("/api/v1/policy/evaluate", { method: "POST", headers: { ...headers, "X-CSRF-Token": token }, body });
    return { read: read.status, bare: bare.status, withToken: withToken.status };
  });
  check(api.read === 200, `GET /api/v1/cases with the cookie: ${api.read}`);
  check(api.bare === 403, `a write without the CSRF token: ${api.bare}, want 403`);
  check(api.withToken === 404, `a write with the CSRF token: ${api.withToken}, want 404 (no such order)`);

  // Another site posts a logout form to us: the browser does not send the cookie
  // (SameSite=Lax), and the form has no token anyway; the session lives on.
  const evil = await context.newPage();
  await evil.goto(cfg.attacker);
  await evil.waitForLoadState("networkidle");
  await evil.close();
  await page.goto(cfg.base + "/");
  check(path(page) === "/queue", `after another site's logout form the session ended (${page.url()})`);

  // Logout: the login page, and home no longer opens.
  await page.goto(cfg.base + "/queue?lang=en");
  await Promise.all([page.waitForURL(/\/login/), page.click("form[action='/logout'] button")]);
  check(path(page) === "/login", `after logout at ${page.url()}, want /login`);
  check(!(await context.cookies()).some((c) => c.name === "as_session"), "the session cookie outlived the logout");
  await page.goto(cfg.base + "/");
  check(path(page) === "/login", `home after logout went to ${page.url()}`);

  // A customer arrives by the shop's login link.
  const customer = await browser.newContext({ locale: "zh-CN" });
  const cpage = await customer.newPage();
  watch(cpage);
  await cpage.goto(cfg.base + cfg.link);
  check(path(cpage) === "/", `the login link went to ${cpage.url()}, want /`);
  check((await cpage.getAttribute("html", "lang")) === "zh-CN", "the customer's page is not in Chinese for a Chinese browser");
  check((await cpage.textContent("h1")).includes("我的售后"), "the customer's home page is not theirs");
  // The link again (from the history, say) is refused; so is a tampered one.
  const again = await cpage.goto(cfg.base + cfg.link);
  check(again.status() === 401, `the link a second time: ${again.status()}, want 401`);
  const tampered = await cpage.goto(cfg.base + cfg.link.replace(/sig=([0-9a-f])/, (_, c) => "sig=" + (c === "0" ? "1" : "0")));
  check(tampered.status() === 401, `a tampered link: ${tampered.status()}, want 401`);
  await customer.close();
  await context.close();
} catch (e) {
  failures.push(`the script stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
for (const f of failures) console.log(f);
process.exit(failures.length ? 1 : 0);
