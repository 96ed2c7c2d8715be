// Opens a test page in headless Chromium, waits until it sets `window.__result` (its scenario
// is over), and prints that result, the browser's console errors and failed requests as JSON.
// Writes a full-page screenshot when asked.
//
//   node result.mjs URL [--screenshot FILE]
//
// The browser is Debian's Chromium (CHROMIUM, default /usr/bin/chromium).
import puppeteer from "puppeteer-core";

const [url, flag, screenshot] = process.argv.slice(2);
if (!url) {
  console.error("usage: node result.mjs URL [--screenshot FILE]");
  process.exit(2);
}
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage();
  const console_ = [];
  page.on("console", (m) => m.type() === "error" && console_.push(m.text()));
  page.on("pageerror", (e) => console_.push(String(e)));
  page.on("requestfailed", (r) => console_.push(`request failed: ${r.url().split("?")[0]} ${r.failure()?.errorText ?? ""}`));
  await page.setViewport({ width: 1000, height: 700 });
  await page.goto(url, { waitUntil: "load", timeout: 30_000 });
  await page.waitForFunction(() => window.__result !== undefined, { timeout: 90_000 });
  const result = await page.evaluate(() => window.__result);
  if (flag === "--screenshot" && screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ result, console: console_ }));
} finally {
  await browser.close();
}
