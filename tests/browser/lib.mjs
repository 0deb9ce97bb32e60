// Shared pieces of the browser tests: starting a bureau on a free port, the CLI "phone",
// a tiny test runner with a pass/fail count, screenshots and logging in. Used by the
// *.test.mjs files that ./run starts one after the other.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const BUREAU = process.env.KOERS_BUREAU_BIN;
export const KOERS = process.env.KOERS_CLI_BIN;
export const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const SHOTS = process.env.KOERS_SCREENSHOTS === "off" ? null : process.env.KOERS_SCREENSHOTS;

/** Children to stop at the end (`stopAll`). */
const children = [];

/** The local date `offset` days from today, as YYYY-MM-DD. */
export function day(offset) {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  return d.toISOString().slice(0, 10);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs `koers-bureau --data-dir <dir> <args>` to the end and returns its stdout. */
export function bureau(dataDir, args, input) {
  return execFileSync(BUREAU, ["--data-dir", dataDir, ...args], {
    input,
    encoding: "utf8",
    env: { ...process.env, RUST_LOG: "warn" },
  });
}

/** The koers CLI on its own database: the "phone". */
export function phone(db, args) {
  return execFileSync(KOERS, ["--db", db, ...args], { encoding: "utf8" });
}

export function phoneJson(db, args) {
  return JSON.parse(phone(db, ["--json", ...args]));
}

/** Starts `koers-bureau ... <args>` in the background; resolves with its stdout so far once healthy. */
export async function startBureau(dataDir, args, port) {
  const child = spawn(BUREAU, ["--data-dir", dataDir, ...args], {
    env: { ...process.env, RUST_LOG: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => process.stderr.write(`[bureau] ${d}`));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`koers-bureau stopped: ${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return { url, stdout: () => out };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("koers-bureau did not come up");
}

/** Starts the bureau's demo caseload and returns its url and the demo coach's password. */
export async function startDemo(dataDir) {
  const port = await freePort();
  const demo = await startBureau(dataDir, ["demo", "--listen", `127.0.0.1:${port}`], port);
  const password = /wachtwoord: (\S+)/.exec(demo.stdout())[1];
  return { url: demo.url, password, email: "demo@bureau.example", stdout: demo.stdout };
}

export function stopAll() {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
}

/** Headless Chromium with a fresh profile, Dutch locale and Amsterdam time. */
export async function launch(profile) {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
    locale: "nl-NL",
    timezoneId: "Europe/Amsterdam",
    acceptDownloads: true,
  });
}

export const results = { passed: 0, failed: 0 };

export async function test(name, fn) {
  try {
    await fn();
    results.passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    results.failed++;
    console.log(`not ok - ${name}\n  ${String(e && e.stack ? e.stack : e).split("\n").slice(0, 6).join("\n  ")}`);
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

export async function shot(page, name, opts = {}) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name), fullPage: true, ...opts });
}

export async function logIn(page, url, email, password) {
  await page.goto(`${url}/coach/inloggen`);
  await page.getByLabel("E-mailadres").fill(email);
  await page.getByLabel("Wachtwoord").fill(password);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await page.waitForURL(`${url}/coach`);
}

/** How far the page is wider than the viewport, and the widest elements that stick out. */
export async function overflow(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const culprits = [];
    for (const el of document.querySelectorAll("body *")) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 0.5 && r.width > 0) {
        culprits.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} right=${Math.round(r.right)}`);
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 8) };
  });
}
