// The return flow and the main pages in a real browser, in both languages, with axe-core
// on every main page and a screenshot of each: Debian's Chromium driven by playwright-core.
//
//   node e2e/flow.mjs CONFIG_JSON
//
// internal/httpapi/browser_flow_test.go starts the server, makes the orders, the accounts
// and the login links, runs this script and checks the server's side afterwards.
// CONFIG_JSON has:
//   chromium  the browser's executable
//   base      the server, e.g. http://127.0.0.1:PORT
//   part      "flow": the return flow (the customer's and the merchant's pages, merchant
//             B's 404); "pages": the login page, the agent's queue, the supervisor's page,
//             the supervisor's disputes and dispute page, the agent's tasks and inbox,
//             the customer's complaints, case with parcels, inbox and notification
//             settings (on a phone), the admin pages, the admin's webhooks (one
//             registered through the form) and the password-reset forms (the second on a
//             phone)
//   shots     a folder for the screenshots ("" for none): NAME-WIDTH.png
//   png       a photo to attach (a real PNG file)
//   merchant, other, agent, supervisor, admin   staff accounts {username, password}:
//             merchant A's, merchant B's, an agent's, a supervisor's and an admin's
//   link      the customer's login link (path and query)
//   dispute   a dispute waiting on the platform, for the supervisor's dispute page
//   parcel    the customer's case with a return parcel and an outbound one the customer
//             says never came (its task on the agent's /tasks, notifications in the inboxes)
//   langs     one run per language, in the order given: {lang, scheme (the colour scheme,
//             light or dark), order and sku (a line inside its windows), late (an order
//             whose windows have closed) and refusal (the policy's words for it), refunded
//             (the "Refunded" label of the case page) and amount (the refund as the page
//             shows it), carrier}
// The browser is a Chinese one (zh-CN): the first run is in the language it asks for,
// the others are chosen with ?lang= on each address, as the language link does.
//
// The flow: a customer applies on a phone-sized page (375×800) for a no-reason return with
// a photo, merchant A approves it in the queue (Chinese: ticked and approved in bulk;
// English: on the case page), the customer enters the parcel, the merchant confirms
// receipt and refunds, and the customer's case page shows the refund. Along the way a
// form without its CSRF token is refused and changes nothing, an item whose windows have
// closed shows the policy's refusal, merchant B gets 404 on A's case, and the customer's
// pages do not scroll sideways at 375 px. On every page: no console error, no CSP
// violation; on every main page axe-core finds nothing serious or critical (in the
// colour scheme of the language's run: one language light, the other dark).
// A check that fails is printed at once, on a line starting with FAIL; the last line
// counts them, and the exit status is 1 if any failed.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const cfg = JSON.parse(process.argv[2]);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const phone = { width: 375, height: 800 };
const desktop = { width: 1280, height: 900 };
const started = Date.now();
const say = (what) => console.log(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
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

// newPage opens a page in a context of its own (one person's browser), watched: a script
// error, a blocked resource or a CSP violation (reported by a listener as a console
// error) fails; the browser's note of an error status does not, the checks expect those.
// Each person keeps their page through the runs of every language, so that the pages
// stay in one renderer, which compiles axe-core once.
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

// axe runs axe-core on the page. The script goes in through the DevTools protocol
// (Runtime.evaluate), which the page's CSP does not govern, so the CSP stays on and the
// pages are checked as they are served (an inline <script> from addScriptTag would be
// blocked by script-src 'self'); the same source each time lets V8 reuse its compilation.
// Violations of impact serious or critical fail; the others are printed as notes.
const sessions = new WeakMap();
let axeRuns = 0;
const axe = async (page, name) => {
  if (!sessions.has(page)) sessions.set(page, await page.context().newCDPSession(page));
  const injected = await sessions.get(page).send("Runtime.evaluate", { expression: axeSource });
  if (injected.exceptionDetails) throw new Error(`axe-core did not load: ${injected.exceptionDetails.text}`);
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
      nodes: v.nodes.map((n) => `${n.target.join(" ")}${n.failureSummary ? " — " + n.failureSummary.replace(/\s+/g, " ") : ""}`),
    }));
  });
  for (const v of violations) {
    const line = `axe ${v.impact} on ${name} (${page.url()}): ${v.id}: ${v.help} (${v.url})\n    ${v.nodes.slice(0, 5).join("\n    ")}`;
    if (v.impact === "serious" || v.impact === "critical") fail(line);
    else console.log(`note: ${line}`);
  }
  axeRuns++;
};

// shot writes a screenshot of the page's top: on a phone up to 2400 px (the whole page,
// mostly), on a desktop up to 1200 px.
const shot = async (page, name) => {
  if (!cfg.shots) return;
  const { width } = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const clip = { x: 0, y: 0, width, height: Math.min(height, width > phone.width ? 1200 : 2400) };
  await page.screenshot({ path: join(cfg.shots, `${name}-${width}.png`), type: "png", fullPage: true, clip });
};

// noSideScroll checks that a phone-sized page does not scroll sideways.
const noSideScroll = async (page, name) => {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= phone.width, `${name} (${page.url()}) is ${w} px wide at ${phone.width} px: it scrolls sideways`);
};

// mainPage checks a main page with axe and shoots it; a customer's page (on a phone) also
// must not scroll sideways, and is shot at 1280 px too.
const mainPage = async (page, name, customer = false) => {
  await axe(page, name);
  if (customer) await noSideScroll(page, name);
  await shot(page, name);
  if (!customer || !cfg.shots) return;
  await page.setViewportSize(desktop);
  await shot(page, name);
  await page.setViewportSize(phone);
};

// submit presses a form's button and waits for the page that follows; it returns the
// answer to the form.
const submit = async (page, selector) => {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest()),
    page.click(selector),
  ]);
  await page.waitForLoadState("load");
  return res;
};

// openAction unfolds the form of an action on the case page.
const openAction = async (page, action) => {
  const details = page.locator(`details:has(button[name=action][value=${action}])`);
  if (!(await details.evaluate((d) => d.open))) await details.locator("summary").click();
  return details;
};

// loaded reports whether an <img> shows a picture.
const loaded = (img) => img.evaluate((el) => el.decode().then(() => el.naturalWidth > 0, () => false));

const login = async (account) => {
  const page = await newPage(desktop);
  await page.goto(`${cfg.base}/login`);
  await page.fill("input[name=username]", account.username);
  await page.fill("input[name=password]", account.password);
  await submit(page, "form[action='/login'] button[type=submit]");
  check(path(page) !== "/login", `${account.username} could not log in (${page.url()})`);
  return page;
};

const caseURL = (id, L) => `${cfg.base}/cases/${id}?lang=${L.lang}`;

// scheme sets the colour scheme of the language's run on everyone's pages.
const scheme = (L, ...pages) => Promise.all(pages.map((p) => p.emulateMedia({ colorScheme: L.scheme })));

// flow is the return flow in language L, by the customer on cust, merchant A on shop and
// merchant B on other.
const flow = async (L, { cust, shop, other }) => {
  const lang = L.lang;
  await scheme(L, cust, shop, other);
  say(`${lang}: the customer applies`);
  await cust.goto(`${cfg.base}/?lang=${lang}`);
  check(path(cust) === "/", `${lang}: the customer's home is ${cust.url()}, want /`);
  check((await cust.getAttribute("html", "lang")).startsWith(lang), `${lang}: the customer's home is not in ${lang}`);
  await noSideScroll(cust, `${lang} home`);
  await axe(cust, `${lang} home (nothing waiting)`);

  // The order page offers a return of the line; the form has the estimate and shows the
  // chosen photo.
  await Promise.all([cust.waitForURL(new RegExp(`/orders/${L.order}`)), cust.locator(`a[href^="/orders/${L.order}?"]`).first().click()]);
  await mainPage(cust, `${lang}-order`, true);
  await Promise.all([cust.waitForURL(/\/apply\?/), cust.click(`a[href*="/apply?sku=${L.sku}&type=return_refund"]`)]);
  await Promise.all([
    cust.waitForResponse((r) => new URL(r.url()).pathname.endsWith("/estimate"), { timeout: 5000 }).catch(() => {}),
    cust.selectOption("select[name=reason]", "no_reason"),
  ]);
  await cust.fill("textarea[name=description]", lang === "zh" ? "尺码不合适" : "It does not fit");
  await cust.setInputFiles("input[name=evidence]", cfg.png);
  const preview = cust.locator("#preview img");
  await preview.waitFor({ timeout: 5000 }).catch(() => {});
  check((await preview.count()) === 1 && (await loaded(preview)), `${lang}: no preview of the chosen photo`);
  check(await cust.isVisible("#estimate .estimate"), `${lang}: the form shows no estimate`);
  await mainPage(cust, `${lang}-apply`, true);

  // Sent, it lands on the new case, which has the photo.
  await submit(cust, "form[data-estimate] button[type=submit]");
  const m = /^\/cases\/([0-9a-f-]{36})$/.exec(path(cust));
  if (!m) return fail(`${lang}: applying led to ${cust.url()}, not to a case`);
  const id = m[1];
  const thumb = cust.locator(".thumbs img");
  check((await thumb.count()) === 1 && (await loaded(thumb)), `${lang}: the case page does not show the photo`);
  await noSideScroll(cust, `${lang} case page`);
  await axe(cust, `${lang} case (requested)`);

  // Merchant A approves it: in bulk from the queue in Chinese, on the case page in English.
  say(`${lang}: the merchant approves`);
  await shop.goto(`${cfg.base}/queue?lang=${lang}`);
  const box = `input[name=case][value^="${id}:"]`;
  check(await shop.isVisible(box), `${lang}: the queue has no box to tick for the new case`);
  await mainPage(shop, `${lang}-queue`);
  if (lang === "zh") {
    await shop.check(box);
    await submit(shop, "button[name=action][value=approve]");
    check(path(shop) === "/queue" && (await shop.isVisible(".flash")), `${lang}: no word after the bulk approval (${shop.url()})`);
  } else {
    await shop.goto(caseURL(id, L));
    await openAction(shop, "approve");
    await submit(shop, "button[name=action][value=approve]");
    check(await shop.isVisible(".flash"), `${lang}: no word after approving (${shop.url()})`);
  }

  // The case now waits for the customer: home lists it first, with a button to it.
  say(`${lang}: the customer ships it back`);
  await cust.goto(`${cfg.base}/?lang=${lang}`);
  const act = cust.locator(`#waiting-h ~ ul a.button[href^="/cases/${id}"]`);
  check((await act.count()) === 1, `${lang}: home does not list the approved case as waiting for the customer`);
  await mainPage(cust, `${lang}-home`, true);
  if ((await act.count()) === 1) await Promise.all([cust.waitForURL(/\/cases\//), act.click()]);
  else await cust.goto(caseURL(id, L));
  // The customer enters the parcel; in Chinese first in a form whose CSRF token was taken
  // out, which is refused and changes nothing.
  const parcel = async () => {
    await openAction(cust, "ship_back");
    await cust.fill("input[name=carrier]", L.carrier);
    await cust.fill("input[name=tracking_no]", "SF1234567890");
  };
  await parcel();
  if (lang === "zh") {
    await cust.evaluate(() => document.querySelector("button[value=ship_back]").form.querySelector("input[name=csrf_token]").remove());
    const res = await submit(cust, "button[name=action][value=ship_back]");
    check(res.status() === 403, `a form without its CSRF token: ${res.status()}, want 403`);
    await cust.goto(caseURL(id, L));
    check((await cust.locator("button[value=ship_back]").count()) === 1, "after the form without its CSRF token the case moved on");
    check(!(await cust.textContent("main")).includes("SF1234567890"), "the form without its CSRF token recorded the parcel");
    await parcel();
  }
  await submit(cust, "button[name=action][value=ship_back]");
  check((await cust.textContent("main")).includes("SF1234567890"), `${lang}: the case page does not show the tracking number`);

  // The merchant confirms receipt (inspection passed) and refunds.
  say(`${lang}: the merchant confirms receipt and refunds`);
  await shop.goto(caseURL(id, L));
  await mainPage(shop, `${lang}-case-merchant`);
  const receipt = await openAction(shop, "confirm_receipt");
  await receipt.locator("input[name=inspection][value=pass]").check();
  await submit(shop, "button[name=action][value=confirm_receipt]");
  check((await shop.locator("button[value=refund]").count()) === 1, `${lang}: no refund button after the receipt`);
  await openAction(shop, "refund");
  await submit(shop, "button[name=action][value=refund]");

  // The refund shows on the customer's case page.
  await cust.goto(caseURL(id, L));
  const refunded = await cust.evaluate((label) => {
    for (const dt of document.querySelectorAll("dl.facts dt")) {
      if (dt.textContent.trim() === label) return dt.nextElementSibling.textContent.trim();
    }
    return null;
  }, L.refunded);
  check(refunded === L.amount, `${lang}: the customer's case page shows ${L.refunded} ${refunded}, want ${L.amount}`);
  await mainPage(cust, `${lang}-case`, true);

  // An item whose windows have closed says why, in the policy's words.
  await cust.goto(`${cfg.base}/orders/${L.late}?lang=${lang}`);
  const why = cust.locator("details", { hasText: L.refusal });
  if ((await why.count()) !== 1) {
    fail(`${lang}: the late order's page does not give the policy's refusal "${L.refusal}"`);
  } else {
    await why.locator("summary").click();
    check(await why.getByText(L.refusal).first().isVisible(), `${lang}: the refusal is not shown when asked for`);
  }
  await noSideScroll(cust, `${lang} order page with its refusals`);
  await axe(cust, `${lang} order (refused)`);

  // Merchant B opening A's case by its address finds nothing: the error page.
  say(`${lang}: another merchant`);
  const res = await other.goto(caseURL(id, L));
  check(res.status() === 404, `${lang}: merchant B opened A's case: ${res.status()}, want 404`);
  check(!(await other.textContent("body")).includes("SF1234567890"), `${lang}: the 404 page shows A's case`);
  await mainPage(other, `${lang}-error`);
};

// pages are the login page (on anon), the agent's queue (on agent), the supervisor's page,
// disputes and dispute page (on sup), the customer's complaints (on cust, a phone), the
// admin pages and webhooks (on admin) and the password-reset forms (on anon, and on cust
// for a phone) in language L.
const pages = async (L, { anon, agent, sup, admin, cust }) => {
  const lang = L.lang;
  await scheme(L, anon, agent, sup, admin, cust);
  say(`${lang}: the login page, the agent, the supervisor, the customer, the admin`);
  await anon.goto(`${cfg.base}/login?lang=${lang}`);
  await mainPage(anon, `${lang}-login`);
  await agent.goto(`${cfg.base}/queue?lang=${lang}`);
  await mainPage(agent, `${lang}-queue-agent`);
  await sup.goto(`${cfg.base}/supervisor?lang=${lang}`);
  await mainPage(sup, `${lang}-supervisor`);
  await sup.goto(`${cfg.base}/disputes?lang=${lang}`);
  check((await sup.locator(`a[href^="/disputes/${cfg.dispute}?"]`).count()) === 1, `${lang}: the disputes list does not link the dispute`);
  await mainPage(sup, `${lang}-disputes`);
  const r = await sup.goto(`${cfg.base}/disputes/${cfg.dispute}?lang=${lang}`);
  check(r.status() === 200, `${lang}: /disputes/${cfg.dispute}: ${r.status()}`);
  check((await sup.locator("button[name=action][value=rule]").count()) === 1, `${lang}: the supervisor is not offered to rule`);
  await mainPage(sup, `${lang}-dispute-supervisor`);
  await cust.goto(`${cfg.base}/complaints?lang=${lang}`);
  check(await cust.isVisible("form[action='/complaints'] textarea[name=description]"), `${lang}: the customer has no complaint form`);
  await mainPage(cust, `${lang}-complaints`, true);
  // The desk's tasks and the agent's inbox; the customer's case with its parcels (their
  // timelines, the offer of a reship or a refund), inbox and channels on a phone.
  await agent.goto(`${cfg.base}/tasks?lang=${lang}`);
  check((await agent.locator("li.card button[name=action][value=assign]").count()) > 0, `${lang}: the agent is offered no task to take`);
  await mainPage(agent, `${lang}-tasks`);
  await agent.goto(`${cfg.base}/notifications?lang=${lang}`);
  check((await agent.locator(".inbox li.unread").count()) > 0, `${lang}: the agent's inbox has nothing unread`);
  await mainPage(agent, `${lang}-notifications`);
  await cust.goto(`${cfg.base}/cases/${cfg.parcel}?lang=${lang}`);
  check((await cust.locator("#parcels ol.timeline > li").count()) === 7, `${lang}: the case page does not show the parcels' seven events`);
  check(await cust.isVisible("#parcels a.button[href*='type=reship']"), `${lang}: the customer is not offered a reship`);
  await mainPage(cust, `${lang}-case-parcels`, true);
  await cust.goto(`${cfg.base}/notifications?lang=${lang}`);
  check((await cust.locator(".inbox li").count()) > 0, `${lang}: the customer's inbox is empty`);
  await mainPage(cust, `${lang}-inbox`, true);
  await cust.goto(`${cfg.base}/settings/notifications?lang=${lang}`);
  await mainPage(cust, `${lang}-notification-settings`, true);
  await admin.goto(`${cfg.base}/admin?lang=${lang}`);
  await mainPage(admin, `${lang}-admin`);
  for (const sub of ["policies", "users", "tokens", "calendar", "audit", "import"]) {
    const r = await admin.goto(`${cfg.base}/admin/${sub}?lang=${lang}`);
    check(r.status() === 200, `${lang}: /admin/${sub}: ${r.status()}`);
    await mainPage(admin, `${lang}-admin-${sub}`);
  }
  // The admin registers a platform webhook through the form: the answer shows its secret
  // once; its page has the delivery log (empty).
  await admin.goto(`${cfg.base}/webhooks?lang=${lang}`);
  await admin.fill("input[name=url]", `https://93.184.216.34/hooks/${lang}`);
  await admin.check("input[name=events][value='case.created']");
  await admin.check("input[name=events][value='dispute.ruled']");
  const hook = await submit(admin, "form[action='/webhooks'] button[type=submit]");
  check(hook.status() === 201, `${lang}: registering a webhook: ${hook.status()}, want 201`);
  check(await admin.isVisible("#webhook-secret"), `${lang}: no secret after registering a webhook`);
  await mainPage(admin, `${lang}-webhooks`);
  await Promise.all([admin.waitForURL(/\/webhooks\/[0-9a-f-]{36}/), admin.click("#created a[href^='/webhooks/']")]);
  check((await admin.locator("#webhook-secret").count()) === 0, `${lang}: the webhook's page shows the secret`);
  await mainPage(admin, `${lang}-webhook`);
  // The password-reset forms, which need no session (the second on a phone).
  await anon.goto(`${cfg.base}/password/forgot?lang=${lang}`);
  await mainPage(anon, `${lang}-password-forgot`);
  await cust.goto(`${cfg.base}/password/reset?token=browser-check&lang=${lang}`);
  check(await cust.isVisible("input[name=password_confirm]"), `${lang}: the reset form has no second password field`);
  await mainPage(cust, `${lang}-password-reset`, true);
};

// people opens everyone's browser, at once: the customer by the login link on a phone,
// the staff by the login form.
const people = async () => {
  if (cfg.part !== "flow") {
    const cust = await newPage(phone);
    await cust.goto(cfg.base + cfg.link);
    const [anon, agent, sup, admin] = await Promise.all([newPage(desktop), login(cfg.agent), login(cfg.supervisor), login(cfg.admin)]);
    check(path(agent) === "/queue", `the agent landed on ${agent.url()}, want /queue`);
    check(path(admin) === "/admin", `the admin landed on ${admin.url()}, want /admin`);
    return { anon, agent, sup, admin, cust };
  }
  const customer = async () => {
    const cust = await newPage(phone);
    await cust.goto(cfg.base + cfg.link);
    check(path(cust) === "/", `the login link went to ${cust.url()}, want /`);
    check((await cust.getAttribute("html", "lang")) === "zh-CN", "the customer's page is not in Chinese for a Chinese browser");
    return cust;
  };
  const [cust, shop, other] = await Promise.all([customer(), login(cfg.merchant), login(cfg.other)]);
  check(path(shop) === "/queue", `the merchant landed on ${shop.url()}, want /queue`);
  return { cust, shop, other };
};

try {
  const who = await people();
  for (const L of cfg.langs) await (cfg.part === "flow" ? flow(L, who) : pages(L, who));
} catch (e) {
  fail(`the script stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
say(`axe-core checked ${axeRuns} pages; ${failed} checks failed`);
process.exit(failed ? 1 : 0);
