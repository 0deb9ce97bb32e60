// The coach's web view end to end, as a coach and an employee would use it: a real
// koers-bureau, a "phone" (the koers CLI with its own database) that enrols and syncs, and
// Debian's headless Chromium driven by playwright-core. Run through ./run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

import {
  KOERS, CHROMIUM, SHOTS, results, day, freePort, bureau, phone, phoneJson, startBureau,
  stopAll, test, assert, shot, logIn,
} from "./lib.mjs";

const work = mkdtempSync(join(tmpdir(), "koers-browser-"));

const PASSWORD = "correct paard batterij niet";
const OTHER_PASSWORD = "een heel ander wachtwoord";
// Private words that must never reach the bureau's pages or the employer's report.
const JOURNAL_TEXT = "Slecht geslapen, rugpijn erger, huisarts gebeld over burn-out";
const HEALTH_WORDS = ["rugpijn", "huisarts", "burn-out", "fysiotherapeut"];

// ---------------------------------------------------------------- the scenario
async function main() {
  const dataDir = join(work, "bureau");
  const phoneDb = join(work, "phone.db");

  // The bureau: two coaches, each with one employee.
  bureau(dataDir, ["create-coach", "--email", "coach@bureau.test", "--name", "Marieke de Vries", "--password-stdin"], `${PASSWORD}\n`);
  bureau(dataDir, ["create-coach", "--email", "ander@bureau.test", "--name", "Kees Ander", "--password-stdin"], `${OTHER_PASSWORD}\n`);
  const created = bureau(dataDir, [
    "create-employee", "--coach", "coach@bureau.test", "--name", "Sanne Jansen",
    "--kind", "spoor2", "--first-sick-day", day(-380), "--weekly-target", "3",
  ]);
  const employeeId = /Werknemer: (\S+)/.exec(created)[1];
  const code = /Koppelcode: (\S+)/.exec(created)[1];
  const other = bureau(dataDir, ["create-employee", "--coach", "ander@bureau.test", "--name", "Piet Anders", "--kind", "outplacement"]);
  const otherId = /Werknemer: (\S+)/.exec(other)[1];

  const port = await freePort();
  const { url } = await startBureau(dataDir, ["serve", "--listen", `127.0.0.1:${port}`], port);

  // The phone: enrol, log applications over the last weeks, a private journal entry, sync.
  phone(phoneDb, ["enrol", url, code, "--device-name", "Telefoon Sanne"]);
  const apps = [
    ["Gemeente Utrecht", "Beleidsmedewerker", day(-15), "vacancy_site"],
    ["Bol", "Klantenservicemedewerker", day(-14), "network"],
    ["Rabobank", "Administratief medewerker", day(-8), "vacancy_site"],
    ["Jumbo", "Planner", day(-7), "recruiter"],
    ["Acme Logistiek", "Teamleider magazijn", day(-6), "open_application"],
    ["Stedin", "Werkvoorbereider", day(-1), "vacancy_site"],
  ];
  const ids = [];
  for (const [employer, role, date, source] of apps) {
    const a = phoneJson(phoneDb, ["log", employer, role, "--date", date, "--source", source,
      "--notes", "Gesprek verzet wegens afspraak fysiotherapeut", "--follow-up", day(3)]);
    ids.push(a.id);
  }
  phone(phoneDb, ["status", ids[0], "interview"]);
  phone(phoneDb, ["status", ids[1], "rejected"]);
  phone(phoneDb, ["journal", "add", "--energy", "2", JOURNAL_TEXT]);
  phone(phoneDb, ["sync"]);

  const profile = mkdtempSync(join(work, "chromium-profile-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 900 },
    locale: "nl-NL",
    timezoneId: "Europe/Amsterdam",
    acceptDownloads: true,
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(15000);

  try {
    await test("an anonymous visitor is sent to the Dutch login page", async () => {
      await page.goto(`${url}/coach`);
      assert(page.url().endsWith("/coach/inloggen"), `at ${page.url()}`);
      assert((await page.getAttribute("html", "lang")) === "nl", "lang is not nl");
      await page.getByLabel("E-mailadres").waitFor();
      await page.getByLabel("Wachtwoord").waitFor();
    });

    await test("the first Tab reaches the skip link", async () => {
      await page.keyboard.press("Tab");
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.textContent);
      assert(focused && focused.includes("Naar de inhoud"), `focused: ${focused}`);
    });

    await test("a wrong password is refused", async () => {
      await page.getByLabel("E-mailadres").fill("coach@bureau.test");
      await page.getByLabel("Wachtwoord").fill("fout wachtwoord!!");
      await page.getByRole("button", { name: "Inloggen" }).click();
      await page.getByText("E-mailadres of wachtwoord klopt niet").waitFor();
      assert(page.url().endsWith("/coach/inloggen"), page.url());
    });

    await test("the coach logs in with an HttpOnly, SameSite=Strict session cookie", async () => {
      await logIn(page, url, "coach@bureau.test", PASSWORD);
      const cookies = await context.cookies(url);
      const session = cookies.find((c) => c.name === "koers_sessie");
      assert(session, `no session cookie in ${JSON.stringify(cookies)}`);
      assert(session.httpOnly && session.sameSite === "Strict", JSON.stringify(session));
    });

    await test("the caseload shows the synced employee with this week and last sync", async () => {
      const row = page.getByRole("row", { name: /Sanne Jansen/ });
      await row.waitFor();
      const text = await row.innerText();
      assert(/\d+ \/ 3/.test(text), `no week figure in: ${text}`);
      assert(!/nog nooit|niet gekoppeld/.test(text), `not synced? ${text}`);
      assert(/zojuist|min geleden/.test(text), `no last sync: ${text}`);
      assert(!text.includes("Piet Anders"), "another coach's employee is listed");
      assert(!(await page.content()).includes("Piet Anders"), "another coach's employee is on the page");
    });

    await test("the caseload sorts and filters on the server", async () => {
      await page.getByRole("link", { name: /Laatste sync/ }).click();
      await page.waitForURL(/sort=sync/);
      const sorted = await page.locator("th[aria-sort]").innerText();
      assert(sorted.includes("Laatste sync"), sorted);
      await page.getByLabel("Naam").fill("niemand-zo");
      await page.getByRole("button", { name: "Filteren" }).click();
      await page.getByText("Niemand voldoet aan dit filter").waitFor();
      await page.getByRole("link", { name: "Wissen" }).click();
      await page.getByRole("row", { name: /Sanne Jansen/ }).waitFor();
    });

    await test("another coach's employee id in the URL gives 404", async () => {
      for (const path of ["", "/rapport"]) {
        const r = await page.goto(`${url}/coach/werknemers/${otherId}${path}`);
        assert(r.status() === 404, `${path}: ${r.status()}`);
        assert(!(await page.content()).includes("Piet Anders"), "name leaked");
      }
    });

    await test("the employee page shows the synced applications, charts and timeline", async () => {
      await page.goto(`${url}/coach`);
      await page.getByRole("link", { name: "Sanne Jansen" }).click();
      await page.getByRole("heading", { level: 1, name: "Sanne Jansen" }).waitFor();
      for (const [employer] of apps) await page.getByText(employer, { exact: true }).first().waitFor();
      const chartTitle = await page.locator("svg.chart title").first().textContent();
      assert(chartTitle === "Sollicitaties per week", chartTitle);
      await page.locator("svg.funnel").waitFor();
      await page.getByText("Einde loondoorbetaling").waitFor();
      const html = await page.content();
      for (const w of ["rugpijn", "huisarts", "burn-out"]) assert(!html.includes(w), `journal word ${w} on the page`);
    });

    await test("the coach schedules an appointment", async () => {
      await page.getByText("Afspraak inplannen").click();
      await page.getByLabel("Datum").fill(day(2));
      await page.getByLabel("Begintijd").fill("14:30");
      await page.getByLabel("Soort").selectOption("evaluation");
      await page.getByLabel("Plaats of videolink").fill("Bureau Utrecht, kamer 3");
      await page.getByLabel("Agenda").fill("Voortgang bespreken");
      await page.getByRole("button", { name: "Afspraak voorstellen" }).click();
      await page.getByText("Afspraak voorgesteld").waitFor();
      await page.locator("#afspraken").getByText("Bureau Utrecht, kamer 3").waitFor();
    });

    await test("the coach comments on an application, adds an action, sets target and phase", async () => {
      await page.locator("details.app summary", { hasText: "Gemeente Utrecht" }).click();
      await page.locator("details.app[open] textarea").fill("Mooie kans, bereid het gesprek goed voor.");
      await page.locator("details.app[open]").getByRole("button", { name: "Plaatsen" }).click();
      await page.getByText("Opmerking geplaatst").waitFor();
      await page.getByText("Actie toevoegen").first().click();
      await page.getByLabel("Wat is afgesproken?").fill("Cv aanpassen op logistiek");
      await page.getByLabel("Uiterlijk (optioneel)").fill(day(7));
      await page.getByRole("button", { name: "Actie toevoegen" }).click();
      await page.getByText("Actie toegevoegd").waitFor();
      await page.getByLabel("Weekdoel (sollicitaties)").fill("4");
      await page.locator("form[action$='/weekdoel'] button").click();
      await page.getByText("Weekdoel opgeslagen").waitFor();
      await page.getByLabel("Fase").selectOption("job_hunting");
      await page.locator("form[action$='/fase'] button").click();
      await page.getByText("Fase gewijzigd").waitFor();
      await page.getByText("fase Solliciteren").waitFor();
    });

    await test("the phone syncs and has the coach's appointment, action and target", async () => {
      phone(phoneDb, ["sync"]);
      const list = phoneJson(phoneDb, ["appointment", "list"]);
      const items = Array.isArray(list) ? list : list.appointments || [];
      const a = items.find((x) => x.location === "Bureau Utrecht, kamer 3");
      assert(a, `appointment not on the phone: ${JSON.stringify(list).slice(0, 500)}`);
      assert(a.kind === "evaluation" && a.status === "proposed", JSON.stringify(a));
      const all = phone(phoneDb, ["--json", "action", "list"]);
      assert(all.includes("Cv aanpassen op logistiek"), "action not on the phone");
    });

    await test("a form post without the CSRF token is refused with 403", async () => {
      const r = await page.request.post(`${url}/coach/werknemers/${employeeId}/weekdoel`, {
        form: { weekly_target: "9" },
      });
      assert(r.status() === 403, `status ${r.status()}`);
    });

    await test("the report covers the period without private or health text, and prints to PDF", async () => {
      await page.goto(`${url}/coach/werknemers/${employeeId}`);
      await page.getByRole("link", { name: "Voortgangsrapportage" }).click();
      await page.getByLabel("Samenvatting van de coach").fill(
        "Sanne solliciteert gericht en haalt het weekdoel bijna elke week.\n\nVolgende stap: gesprekken voorbereiden.");
      await page.getByRole("button", { name: "Rapport bijwerken" }).click();
      const report = page.locator("article.report");
      await report.getByText("Sanne solliciteert gericht").waitFor();
      const text = await report.innerText();
      for (const want of ["Gemeente Utrecht", "Sollicitaties per week", "Afgesproken vervolgstappen", "Cv aanpassen op logistiek", "Solliciteren"]) {
        assert(text.includes(want), `report lacks ${want}`);
      }
      const html = await page.content();
      for (const w of [...HEALTH_WORDS, "Mooie kans"]) assert(!html.includes(w), `report shows ${w}`);
      await page.emulateMedia({ media: "print" });
      const pdf = join(work, "rapport.pdf");
      await page.pdf({ path: pdf, format: "A4", printBackground: true });
      await page.emulateMedia({ media: "screen" });
      const bytes = readFileSync(pdf);
      assert(bytes.subarray(0, 4).toString() === "%PDF" && bytes.length > 5000, `pdf ${bytes.length} bytes`);
    });

    await test("the server makes the report PDF with its own Chromium", async () => {
      const button = page.getByRole("button", { name: "PDF downloaden" });
      if ((await button.count()) === 0) throw new Error("no PDF button although chromium is installed");
      const [download] = await Promise.all([page.waitForEvent("download", { timeout: 90000 }), button.click()]);
      const file = join(work, "server-rapport.pdf");
      await download.saveAs(file);
      const bytes = readFileSync(file);
      assert(bytes.subarray(0, 4).toString() === "%PDF", "not a PDF");
      assert(!bytes.toString("latin1").includes("rugpijn"), "health word in PDF");
    });

    await test("a new employee gets an enrolment code and QR that a phone can use", async () => {
      await page.goto(`${url}/coach`);
      await page.getByRole("link", { name: "Nieuwe werknemer" }).first().click();
      await page.getByLabel("Naam").fill("Ahmed El Amrani");
      await page.getByLabel(/Outplacement/).check();
      await page.getByLabel(/Einde contract/).fill(day(60));
      await page.getByLabel(/Weekdoel/).fill("4");
      await page.getByRole("button", { name: /Aanmaken/ }).click();
      const shown = (await page.locator("p.code").innerText()).trim();
      assert(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(shown), `code ${shown}`);
      await page.locator("svg.qr[role=img]").waitFor();
      const second = join(work, "phone2.db");
      phone(second, ["enrol", url, shown, "--device-name", "Telefoon Ahmed"]);
      await shot(page, "enrol.png");
    });

    await test("the coach confirms the employee's proposal and ticks off an action", async () => {
      phone(phoneDb, ["appointment", "add", "--start", `${day(4)}T10:00`, "--kind", "coaching",
        "--location", "Voorstel van Sanne"]);
      phone(phoneDb, ["sync"]);
      await page.goto(`${url}/coach/werknemers/${employeeId}`);
      const item = page.locator("#afspraken li.appointment", { hasText: "Voorstel van Sanne" });
      await item.getByRole("button", { name: "Bevestigen" }).click();
      await page.getByText("Afspraak bevestigd").waitFor();
      const action = page.locator("#acties li", { hasText: "Cv aanpassen op logistiek" });
      await action.getByRole("button", { name: "Afvinken" }).click();
      await page.getByText("Actie afgevinkt").waitFor();
      phone(phoneDb, ["sync"]);
      const list = phoneJson(phoneDb, ["appointment", "list"]);
      const items = Array.isArray(list) ? list : list.appointments || [];
      const a = items.find((x) => x.location === "Voorstel van Sanne");
      assert(a && a.status === "confirmed", `not confirmed on the phone: ${JSON.stringify(a)}`);
    });

    await test("the coach edits an action; bad input shows the form again with a Dutch reason and stores nothing", async () => {
      await page.goto(`${url}/coach/werknemers/${employeeId}`);
      let item = page.locator("#acties li", { hasText: "Cv aanpassen op logistiek" });
      await item.getByText("Wijzigen").click();
      await item.getByLabel("Omschrijving").fill("Cv aanpassen op logistiek en planning");
      await item.getByLabel(/^Uiterlijk/).fill(day(10));
      await item.getByRole("button", { name: "Opslaan" }).click();
      await page.getByText("Actie gewijzigd").waitFor();
      item = page.locator("#acties li", { hasText: "Cv aanpassen op logistiek en planning" });
      await item.waitFor();

      // What the browser's own checks would stop is sent anyway, as a hand-made post would be.
      const refused = async (title, due, reason) => {
        // Open (after a refusal it is open already: a click would close it).
        await item.locator("details.edit").evaluate((d) => { d.open = true; });
        const form = item.locator("details.edit form");
        await form.evaluate((f) => {
          f.noValidate = true;
          f.querySelector("input[name=title]").removeAttribute("maxlength");
          f.querySelector("input[name=due]").type = "text";
        });
        await item.getByLabel("Omschrijving").fill(title);
        await item.getByLabel(/^Uiterlijk/).fill(due);
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/acties/")),
          item.getByRole("button", { name: "Opslaan" }).click(),
        ]);
        assert(response.status() === 422, `status ${response.status()} for ${title.slice(0, 20)} / ${due}`);
        const shown = page.locator(".notice-problem", { hasText: reason });
        await shown.waitFor();
        const notice = (await shown.innerText()).trim();
        assert(notice.includes(reason), `notice: ${notice}`);
        for (const english of ["must", "invalid", "not found", "characters", "only", "cannot", "may not", "title"]) {
          assert(!new RegExp(`\\b${english}\\b`, "i").test(notice), `English "${english}" in: ${notice}`);
        }
        // The page again, the form open with what was typed (to correct it).
        item = page.locator("#acties li", { hasText: "Cv aanpassen op logistiek en planning" });
        assert(await item.locator("details.edit").evaluate((d) => d.open), "the form is not open again");
        assert((await item.getByLabel("Omschrijving").inputValue()) === title.trim(), "the typed title is gone");
      };
      await refused("   ", day(12), "mag niet leeg zijn");
      await refused("x".repeat(301), day(12), "is langer dan 300 tekens");
      await refused("Nieuwe titel", "31-12-2026", "is geen datum");

      // Nothing of that was stored: the phone gets the good edit only.
      phone(phoneDb, ["sync"]);
      const list = phoneJson(phoneDb, ["action", "list"]);
      const actions = Array.isArray(list) ? list : list.actions || [];
      const edited = actions.filter((a) => a.title.startsWith("Cv aanpassen op logistiek"));
      assert(edited.length === 1 && edited[0].title === "Cv aanpassen op logistiek en planning" && edited[0].due === day(10),
        `on the phone: ${JSON.stringify(edited)}`);
      assert(!actions.some((a) => a.title === "Nieuwe titel" || a.title.startsWith("xxx")), "a refused edit was stored");
    });

    await test("the coach deletes an action and the phone loses it", async () => {
      await page.goto(`${url}/coach/werknemers/${employeeId}`);
      await page.getByText("Actie toevoegen").first().click();
      await page.getByLabel("Wat is afgesproken?").fill("Netwerkgesprek plannen");
      await page.getByRole("button", { name: "Actie toevoegen" }).click();
      await page.getByText("Actie toegevoegd").waitFor();
      phone(phoneDb, ["sync"]);
      assert(phone(phoneDb, ["--json", "action", "list"]).includes("Netwerkgesprek plannen"), "not on the phone first");
      const item = page.locator("#acties li", { hasText: "Netwerkgesprek plannen" });
      await item.getByRole("button", { name: "Verwijderen" }).click();
      await page.getByText("Actie verwijderd").waitFor();
      assert((await page.locator("#acties li", { hasText: "Netwerkgesprek plannen" }).count()) === 0, "still on the page");
      phone(phoneDb, ["sync"]);
      assert(!phone(phoneDb, ["--json", "action", "list"]).includes("Netwerkgesprek plannen"), "still on the phone");
    });

    await test("the coach writes a general note and corrects the trajectory's master data", async () => {
      await page.getByText("Notitie schrijven").click();
      await page.getByRole("textbox", { name: /^Notitie/ }).fill("Intake besproken; motivatie goed.");
      await page.locator("#notities").getByRole("button", { name: "Plaatsen" }).click();
      await page.getByText("Notitie geplaatst").waitFor();
      await page.locator("#notities").getByText("Intake besproken; motivatie goed.").waitFor();
      await page.getByText("Gegevens wijzigen").click();
      await page.getByLabel("Werkgever", { exact: true }).fill("Transportbedrijf De Vries");
      await page.getByLabel("Contactpersoon werkgever").fill("J. de Vries");
      await page.getByLabel(/^Doelen/).fill("Passend werk in de logistiek\nRijbewijs C");
      await page.locator("form[action$='/gegevens'] button").click();
      await page.getByText("Trajectgegevens opgeslagen").waitFor();
      await page.locator("#traject li", { hasText: "Rijbewijs C" }).waitFor();
    });

    await test("a closed trajectory is read-only and out of the caseload", async () => {
      await page.getByText("Traject afsluiten").click();
      await page.getByLabel("Reden").fill("Geplaatst bij Transportbedrijf De Vries");
      await page.locator("form[action$='/afsluiten'] button").click();
      await page.getByText("Traject afgesloten").waitFor();
      await page.getByText("Notitie schrijven").click();
      await page.getByRole("textbox", { name: /^Notitie/ }).fill("Nog een notitie");
      await page.locator("#notities").getByRole("button", { name: "Plaatsen" }).click();
      await page.getByText(/kan alleen nog worden gelezen/).waitFor();
      assert(!(await page.content()).includes("Notitie geplaatst"), "a closed dossier took a note");
      await page.goto(`${url}/coach`);
      assert(!(await page.content()).includes("Sanne Jansen"), "closed trajectory still in the caseload");
    });

    await test("the coach revokes a lost phone and hands the employee over to another coach", async () => {
      await page.goto(`${url}/coach`);
      await page.getByRole("link", { name: "Ahmed El Amrani" }).first().click();
      const ahmed = page.url().split("?")[0].split("#")[0];
      await page.locator("#telefoons li", { hasText: "Telefoon Ahmed" })
        .getByRole("button", { name: /intrekken/i }).click();
      await page.getByText("Telefoon ingetrokken").waitFor();
      let synced = true;
      try {
        execFileSync(KOERS, ["--db", join(work, "phone2.db"), "sync"], { stdio: "pipe" });
      } catch {
        synced = false;
      }
      assert(!synced, "a revoked phone still syncs");
      await page.getByText("Overdragen aan een andere coach").click();
      await page.getByLabel("E-mailadres van de nieuwe coach").fill("ander@bureau.test");
      await page.getByRole("button", { name: "Overdragen", exact: true }).click();
      await page.waitForURL(`${url}/coach`);
      assert(!(await page.content()).includes("Ahmed El Amrani"), "still in the old coach's caseload");
      const r = await page.goto(ahmed);
      assert(r.status() === 404, `the old coach still opens the dossier: ${r.status()}`);
    });

    await test("logging out ends the session on the server", async () => {
      const before = (await context.cookies(url)).find((c) => c.name === "koers_sessie");
      await page.goto(`${url}/coach`);
      await page.getByRole("button", { name: "Uitloggen" }).click();
      await page.getByText("Je bent uitgelogd").waitFor();
      // The old cookie no longer opens anything.
      const r = await fetch(`${url}/coach`, { headers: { cookie: `koers_sessie=${before.value}` }, redirect: "manual" });
      assert(r.status === 303 && r.headers.get("location") === "/coach/inloggen", `status ${r.status}`);
    });

    await screenshots(context);
  } finally {
    await context.close();
  }
}

/** Screenshots of the main pages on the demo caseload (lived-in dossiers), desktop and tablet. */
async function screenshots(context) {
  if (!SHOTS) return;
  await test("screenshots of the demo caseload", async () => {
    const port = await freePort();
    const demo = await startBureau(join(work, "demo"), ["demo", "--listen", `127.0.0.1:${port}`], port);
    const password = /wachtwoord: (\S+)/.exec(demo.stdout())[1];
    const page = await context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await logIn(page, demo.url, "demo@bureau.example", password);
    await shot(page, "caseload.png");
    await page.getByRole("link", { name: "Sanne Jansen" }).click();
    await page.getByRole("heading", { level: 1, name: "Sanne Jansen" }).waitFor();
    await page.locator("details.app").first().evaluate((d) => (d.open = true));
    await shot(page, "employee.png");
    await page.setViewportSize({ width: 820, height: 1180 });
    await shot(page, "employee-tablet.png", { fullPage: false });
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole("link", { name: "Voortgangsrapportage" }).click();
    await page.getByLabel("Samenvatting van de coach").fill(
      "Sanne werkt gemotiveerd aan haar zoektocht en solliciteert gericht op functies in de logistiek en de administratie. " +
      "Het weekdoel van drie sollicitaties is de meeste weken gehaald.\n\nIn de komende periode ligt de nadruk op het voorbereiden van gesprekken.");
    await page.getByRole("button", { name: "Rapport bijwerken" }).click();
    await page.locator("article.report").waitFor();
    await shot(page, "report.png");
    await page.close();
  });
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
