// The caseload and the voortgangsrapportage as a coach uses them on the demo caseload: on a
// 390 px phone screen nothing scrolls sideways; every employee who needs attention has a
// next step that opens the overdue item; the report carries what a bureau sends (employer,
// goals, period, activities, agreements, next steps, discussed-with line and two
// signatures), counts in correct Dutch, and the server's PDF has page numbers. Run through ./run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  assert, day, launch, logIn, overflow, results, shot, startDemo, stopAll, test,
} from "./lib.mjs";

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
// A count of one with a plural noun (or the other way round) anywhere in the text.
const WRONG_NUMBER = /(?<![\d.,])1 (sollicitaties|sollicitatiegesprekken|gesprekken|weken|acties|afgeronde acties|aanbiedingen|werknemers|opvolgingen|afspraken)\b/;
const WRONG_PLURAL = /(?<![\d.,])([02-9]|\d\d+) (sollicitatie|sollicitatiegesprek|gesprek|week|actie|aanbieding|werknemer)\b(?![-\w])/;
const HEALTH_WORDS = ["rugpijn", "huisarts", "burn-out", "fysiotherapeut", "diagnose"];

const work = mkdtempSync(join(tmpdir(), "koers-browser-report-"));

/** The visible text of `selector`, with whitespace as single spaces. */
async function textOf(page, selector) {
  return (await page.locator(selector).first().evaluate((el) => el.innerText)).replace(/\s+/g, " ");
}

function checkNumbers(text, where) {
  const one = WRONG_NUMBER.exec(text);
  assert(!one, `${where}: "${one && text.slice(Math.max(0, one.index - 60), one.index + 60)}"`);
  const many = WRONG_PLURAL.exec(text);
  assert(!many, `${where}: "${many && text.slice(Math.max(0, many.index - 60), many.index + 60)}"`);
}

async function main() {
  const demo = await startDemo(join(work, "demo"));
  const context = await launch(join(work, "profile"));
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(15000);
  try {
    await logIn(page, demo.url, demo.email, demo.password);

    await test("the caseload fits a 390 px phone screen, one card per employee", async () => {
      await page.setViewportSize(PHONE);
      await page.goto(`${demo.url}/coach`);
      await page.getByRole("link", { name: "Sanne Jansen" }).waitFor();
      const o = await overflow(page);
      assert(o.scrollWidth <= PHONE.width, `caseload is ${o.scrollWidth} px wide: ${o.culprits.join(", ")}`);
      // The sort links stay usable, and each card says what its figures are.
      await page.getByRole("link", { name: /Laatste sync/ }).waitFor();
      const label = await page.locator("td[data-label='Deze week']").first()
        .evaluate((el) => getComputedStyle(el, "::before").content);
      assert(label.includes("Deze week"), `label ${label}`);
      checkNumbers(await textOf(page, "main"), "caseload");
      await shot(page, "caseload-phone.png");
    });

    await test("a next step per employee links to the overdue item itself", async () => {
      await page.setViewportSize(DESKTOP);
      await page.goto(`${demo.url}/coach`);
      const steps = page.locator(".next-step a.overdue");
      assert((await steps.count()) > 0, "no overdue next step on the demo caseload");
      const href = await steps.first().getAttribute("href");
      const anchor = /#((actie|sollicitatie)-[0-9a-f]+)$/.exec(href);
      assert(anchor, `next step points at ${href}`);
      const text = await steps.first().innerText();
      await steps.first().click();
      await page.waitForURL(/\/coach\/werknemers\/[^/#]+#/);
      const target = page.locator(`[id="${anchor[1]}"]`);
      await target.waitFor();
      assert(await target.isVisible(), "the overdue item is not visible");
      if (anchor[2] === "sollicitatie") {
        assert(await target.locator("details").evaluate((d) => d.open), "the application did not open");
        const employer = text.replace(/^Opvolgen: /, "").replace(/ →$/, "");
        assert((await target.innerText()).includes(employer), `${employer} not at the target`);
      } else {
        const title = text.replace(/^Actie over tijd: /, "").replace(/ →$/, "");
        assert((await target.innerText()).includes(title), `${title} not at the target`);
      }
    });

    let reportUrl;
    await test("the report has what a bureau sends, in correct Dutch", async () => {
      await page.goto(`${demo.url}/coach`);
      await page.getByRole("link", { name: "Sanne Jansen" }).click();
      await page.getByRole("link", { name: "Voortgangsrapportage" }).click();
      reportUrl = page.url();
      await page.getByLabel("Werkgever").fill("Transportbedrijf Van Dijk B.V.");
      await page.getByLabel(/Besproken met de werknemer op/).fill(day(-1));
      await page.getByLabel("Samenvatting van de coach").fill(
        "Sanne solliciteert gericht op functies in de logistiek en de administratie.\n\n" +
        "In de komende periode ligt de nadruk op het voorbereiden van gesprekken.");
      await page.getByRole("button", { name: "Rapport bijwerken" }).click();
      const report = page.locator("article.report");
      await report.getByText("Sanne solliciteert gericht").waitFor();
      const text = await textOf(page, "article.report");
      for (const want of ["Transportbedrijf Van Dijk B.V.", "Periode", "Doel en plan van aanpak",
        "Activiteiten in deze periode", "Sollicitaties per week", "Gemaakte afspraken",
        "Afgesproken vervolgstappen", "Bespreking en ondertekening", "besproken met Sanne Jansen",
        "Handtekening", "Marieke de Vries"]) {
        assert(text.includes(want), `the report lacks ${want}`);
      }
      assert((await report.locator(".sign").count()) === 2, "not two signature boxes");
      checkNumbers(text, "report");
      for (const w of HEALTH_WORDS) assert(!text.toLowerCase().includes(w), `report shows ${w}`);
      await page.setViewportSize({ width: 1280, height: 900 });
      await shot(page, "report.png");
    });

    await test("the report fits a 390 px phone screen", async () => {
      await page.setViewportSize(PHONE);
      await page.goto(reportUrl);
      await page.locator("article.report").waitFor();
      const o = await overflow(page);
      assert(o.scrollWidth <= PHONE.width, `report is ${o.scrollWidth} px wide: ${o.culprits.join(", ")}`);
      // Nor does a table scroll sideways inside it: every column is readable at once.
      const hidden = await page.locator("article.report .table-scroll, article.report table")
        .evaluateAll((els) => els.filter((el) => el.scrollWidth > el.clientWidth + 1).length);
      assert(hidden === 0, `${hidden} tables scroll sideways`);
      await shot(page, "report-phone.png");
      await page.setViewportSize(DESKTOP);
    });

    await test("the server's PDF has page numbers, the signatures and no health data", async () => {
      await page.goto(reportUrl);
      await page.getByLabel("Werkgever").fill("Transportbedrijf Van Dijk B.V.");
      const button = page.getByRole("button", { name: "PDF downloaden" });
      assert((await button.count()) === 1, "no PDF button although chromium is installed");
      const [download] = await Promise.all([page.waitForEvent("download", { timeout: 90000 }), button.click()]);
      const file = join(work, "rapport.pdf");
      await download.saveAs(file);
      assert(readFileSync(file).subarray(0, 4).toString() === "%PDF", "not a PDF");
      const text = execFileSync("pdftotext", [file, "-"], { encoding: "utf8" });
      const pages = (text.match(/\f/g) || []).length;
      const numbers = [...text.matchAll(/Pagina (\d+) van (\d+)/g)];
      assert(numbers.length >= 1, `no page numbers in:\n${text.slice(0, 400)}`);
      assert(numbers.every((m) => m[2] === numbers[0][2]), "page counts differ");
      assert(numbers.length === Number(numbers[0][2]) && numbers.length >= pages,
        `${numbers.length} numbered pages of ${numbers[0][2]} (${pages} page breaks)`);
      for (const want of ["Transportbedrijf Van Dijk B.V.", "Bespreking en ondertekening", "Handtekening"]) {
        assert(text.includes(want), `PDF lacks ${want}`);
      }
      for (const w of HEALTH_WORDS) assert(!text.toLowerCase().includes(w), `PDF shows ${w}`);
      // The closing line is printed on the page with the signatures, not alone on a page.
      const closing = text.split("\f").find((p) => p.includes("geen medische gegevens"));
      assert(closing && closing.includes("Handtekening") && closing.includes("Bespreking en ondertekening"),
        `the closing line is apart from the signatures:\n${closing}`);
    });
  } finally {
    await context.close();
  }
}

try {
  await main();
} catch (e) {
  results.failed++;
  console.log(`not ok - setup\n  ${e && e.stack ? e.stack : e}`);
} finally {
  stopAll();
  rmSync(work, { recursive: true, force: true });
}
console.log(`browser: ${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed === 0 && results.passed > 0 ? 0 : 1);
