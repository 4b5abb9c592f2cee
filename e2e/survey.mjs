// The satisfaction survey (满意度) in a real browser (Debian's Chromium driven by
// playwright-core), with axe-core and a screenshot of the rating form.
//
//   node e2e/survey.mjs CONFIG_JSON
//
// internal/httpapi/browser_survey_test.go starts the server, makes a case its customer
// cancelled (closed: it may be rated), runs this script and checks the rating afterwards.
// CONFIG_JSON has:
//   chromium    the browser's executable
//   base        the server, e.g. http://127.0.0.1:PORT
//   shots       a folder for the screenshots ("" for none): survey-*.png
//   link        the customer's login link (path and query)
//   case        the closed case the customer rates
//
// The customer, on a phone in Chinese: the case page offers the rating form, a fieldset
// per question; the stars are radio buttons — a click on the fourth star, and the arrow
// keys, choose; the page does not scroll sideways; the form is sent and the page thanks
// and shows the rating. On every page: no console error, no CSP violation, nothing
// serious or critical for axe-core. A check that fails is printed on a line starting with
// FAIL; the exit status is 1 if any failed.
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const cfg = JSON.parse(process.argv[2]);
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
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

// shot writes a screenshot of the survey's card.
const shot = async (page, name) => {
  if (!cfg.shots) return;
  await page.locator("#survey").screenshot({ path: join(cfg.shots, `${name}.png`), type: "png" });
};

try {
  const context = await browser.newContext({ locale: "zh-CN", viewport: phone, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
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

  await page.goto(cfg.base + cfg.link);
  const caseURL = `${cfg.base}/cases/${cfg.case}?lang=zh`;
  const r = await page.goto(caseURL);
  check(r.status() === 200, `the case page: ${r.status()}, want 200`);
  check((await page.locator("#survey fieldset.stars").count()) === 3, "the rating form has not three fieldsets");
  check((await page.locator("#survey fieldset.stars legend").count()) === 3, "a question has no legend");

  // A click on the fourth star of attitude chooses 4.
  await page.click("label[for=survey-attitude-4]");
  check(await page.isChecked("#survey-attitude-4"), "a click on the fourth star did not choose 4");
  // The keyboard: the third star of speed, then the right arrow chooses 4, then 5.
  await page.focus("#survey-speed-3");
  await page.keyboard.press("Space");
  await page.keyboard.press("ArrowRight");
  check(await page.isChecked("#survey-speed-4"), "the right arrow did not move to the fourth star");
  await page.click("label[for=survey-result-5]");
  await page.fill("#survey textarea[name=comment]", "客服很耐心,退款也很快。");
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  check(w <= phone.width, `the case page is ${w} px wide on a phone`);
  // The chosen star and those before it are filled (the accent), those after it are not.
  const colour = (sel) => page.$eval(sel, (el) => getComputedStyle(el).color);
  check((await colour("label[for=survey-attitude-1]")) === (await colour("label[for=survey-attitude-4]")), "the stars before the chosen one are not filled");
  check((await colour("label[for=survey-attitude-5]")) !== (await colour("label[for=survey-attitude-4]")), "a star after the chosen one is filled");
  await page.locator("#survey").scrollIntoViewIfNeeded();
  await page.mouse.move(0, 0);
  await axe(page, "survey-form");
  await shot(page, "survey-form");

  // Sent: the page thanks, and shows the rating read only.
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.request().isNavigationRequest()),
    page.click("#survey button[type=submit]"),
  ]);
  await page.waitForLoadState("load");
  check(res.status() === 303, `the rating: ${res.status()}, want 303`);
  check(new URL(page.url()).searchParams.get("done") === "survey", `after the rating the page is ${page.url()}`);
  check((await page.textContent(".flash")).includes("感谢"), "the page does not thank");
  check((await page.locator("#survey input[type=radio]").count()) === 0, "the form is still offered after the rating");
  check((await page.textContent("#survey")).includes("4 / 5"), "the rating is not shown");
  await axe(page, "survey-rated");
  await shot(page, "survey-rated");
} catch (e) {
  fail(`the script stopped: ${e.stack || e}`);
} finally {
  await browser.close();
}
console.log(`${failed} checks failed`);
process.exit(failed ? 1 : 0);
