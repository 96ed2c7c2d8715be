// Opens a page in headless Chromium the way a person would look at it, and prints what they
// see as JSON: the title, the visible text, each section's visible text by id, and whatever
// the page logged as an error. Writes a full-page screenshot when asked.
//
//   node look.mjs URL [--screenshot FILE] [--width N]
//
// The browser is Debian's Chromium (CHROMIUM, default /usr/bin/chromium): puppeteer-core
// never downloads one.
import puppeteer from "puppeteer-core";

const args = process.argv.slice(2);
const url = args[0];
if (!url) {
  console.error("usage: node look.mjs URL [--screenshot FILE] [--width N]");
  process.exit(2);
}
const option = (name) => {
  const i = args.indexOf(name);
  return i > 0 ? args[i + 1] : undefined;
};
const screenshot = option("--screenshot");
const width = Number(option("--width") ?? 1200);

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
try {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
  await page.setViewport({ width, height: 900 });
  await page.goto(url, { waitUntil: "load", timeout: 30_000 });
  const seen = await page.evaluate(() => ({
    title: document.title,
    text: document.body.innerText,
    sections: Object.fromEntries(
      [...document.querySelectorAll("[id]")].map((e) => [e.id, e.innerText]),
    ),
    visible: [...document.querySelectorAll("[id]")]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.height > 0;
      })
      .map((e) => e.id),
  }));
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify({ ...seen, errors }));
} finally {
  await browser.close();
}
