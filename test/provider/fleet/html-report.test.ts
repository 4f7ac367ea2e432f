/**
 * The `--html` fleet report rendered by real headless Chromium: the summary table has a row per stack in the
 * colour of its state, each stack has its details (drift with recorded and actual values, pending changes, the
 * error), and the page is self-contained and inert (no scripts, nothing loaded from elsewhere, names escaped).
 * Without Chromium the test reports itself skipped with the install command.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderHtmlReport } from "../../../provider/fleet/html";
import { emptyPending, type FleetReport } from "../../../provider/fleet/types";
import { CHROMIUM_MISSING, dumpDom, findChromium } from "../../helpers/chromium";

const REPORT: FleetReport = {
  operation: "drift",
  project: "partner-fleet",
  startedAt: "2026-12-07T02:17:00.000Z",
  durationSeconds: 41.3,
  stacks: [
    { stack: "contoso", status: "ok", drift: [], pending: { ...emptyPending(), update: 2 }, durationSeconds: 12.1 },
    {
      stack: "fabrikam",
      status: "drifted",
      drift: [
        {
          urn: "urn:pulumi:fabrikam::partner-fleet::pulumi-nodejs:businesscentral:PermissionSetAssignment::joe-read",
          type: "pulumi-nodejs:businesscentral:PermissionSetAssignment",
          name: "joe-read",
          kind: "missing",
          properties: [],
        },
        {
          urn: "urn:pulumi:fabrikam::partner-fleet::pulumi-nodejs:businesscentral:Company::company",
          type: "pulumi-nodejs:businesscentral:Company",
          name: "company",
          kind: "changed",
          properties: [
            { name: "displayName", recorded: "Fabrikam Ltd.", actual: "Renamed <b>in BC</b>" },
            { name: "connection", recorded: "[secret]", actual: "[secret]" },
          ],
        },
      ],
      pending: emptyPending(),
      durationSeconds: 13.9,
    },
    {
      stack: "northwind",
      status: "failed",
      drift: [],
      pending: emptyPending(),
      durationSeconds: 4.2,
      error: 'error: AADSTS7000215: Invalid client secret provided. <img src="x">\nsecond line',
    },
  ],
};

const chromium = findChromium();
const work = mkdtempSync(join(tmpdir(), "bc-fleet-html-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Appended to a copy of the page: reads what Chromium laid out and writes it into the DOM, base64 JSON. */
const PROBE = `<script>
const rows = [...document.querySelectorAll("#summary tbody tr")].map((tr) => ({
  stack: tr.dataset.stack, status: tr.dataset.status, cells: [...tr.cells].map((td) => td.textContent),
  background: getComputedStyle(tr.querySelector("td.status")).backgroundColor,
}));
const sections = [...document.querySelectorAll("section.stack")].map((s) => ({
  stack: s.dataset.stack, border: getComputedStyle(s).borderLeftColor, text: s.innerText,
  driftRows: s.querySelectorAll("table.drift tbody tr").length,
}));
const result = { title: document.title, totals: document.getElementById("totals").innerText, rows, sections,
  images: document.querySelectorAll("img").length, bold: document.querySelectorAll("b").length };
const bytes = new TextEncoder().encode(JSON.stringify(result));
document.body.insertAdjacentHTML("beforeend", '<pre id="probe">' + btoa(String.fromCharCode(...bytes)) + "</pre>");
</script>`;

interface Probe {
  title: string;
  totals: string;
  rows: { stack: string; status: string; cells: string[]; background: string }[];
  sections: { stack: string; border: string; text: string; driftRows: number }[];
  images: number;
  bold: number;
}

describe("the fleet HTML report in headless Chromium", { timeout: 180_000 }, () => {
  const page = renderHtmlReport(REPORT);

  it("is self-contained: no scripts, stylesheets or images from elsewhere", () => {
    expect(page).not.toMatch(/<script|<link|<img|<iframe|\ssrc="|url\(/i);
    expect(page).toMatch(/^<!doctype html>/);
  });

  it("renders a row per stack in its state's colour, and each stack's details", (ctx) => {
    if (!chromium) ctx.skip(CHROMIUM_MISSING);
    const file = join(work, "report-probe.html");
    writeFileSync(file, page.replace("</body>", `${PROBE}\n</body>`));
    const dom = dumpDom(chromium!, file);
    const encoded = /<pre id="probe">([A-Za-z0-9+/=]+)<\/pre>/.exec(dom)?.[1];
    expect(encoded, dom.slice(0, 2000)).toBeDefined();
    const probe = JSON.parse(Buffer.from(encoded!, "base64").toString("utf8")) as Probe;

    expect(probe.title).toBe("fleet drift: partner-fleet");
    expect(probe.totals).toContain("3 stacks: 1 ok, 1 drifted, 1 failed");
    expect(probe.rows.map((r) => [r.stack, r.status])).toEqual([
      ["contoso", "ok"],
      ["fabrikam", "drifted"],
      ["northwind", "failed"],
    ]);
    expect(probe.rows.map((r) => r.background)).toEqual([
      "rgb(218, 251, 225)", // green
      "rgb(255, 248, 197)", // amber
      "rgb(255, 235, 233)", // red
    ]);
    expect(probe.rows[0]!.cells.slice(2, 7)).toEqual(["0", "0", "2", "0", "0"]);
    expect(probe.rows[1]!.cells[2]).toBe("2");
    expect(probe.rows[2]!.cells[8]).toBe('error: AADSTS7000215: Invalid client secret provided. <img src="x">');
    expect(new Set(probe.sections.map((s) => s.border)).size).toBe(3);

    const [contoso, fabrikam, northwind] = probe.sections;
    expect(contoso!.text).toContain("No drift found.");
    expect(contoso!.text).toContain("Program changes not applied yet: 2 to update.");
    expect(fabrikam!.driftRows).toBe(3);
    expect(fabrikam!.text).toMatch(/missing\s+joe-read/);
    expect(fabrikam!.text).toContain("gone from Business Central");
    expect(fabrikam!.text).toMatch(/displayName\s+Fabrikam Ltd\.\s+Renamed <b>in BC<\/b>/);
    expect(fabrikam!.text).toMatch(/connection\s+\[secret\]\s+\[secret\]/);
    expect(northwind!.text).toContain("second line");
    // Values from BC and the engine are text, never markup.
    expect(probe.images).toBe(0);
    expect(probe.bold).toBe(0);
  });

  it("the page itself (without the probe) loads as written", (ctx) => {
    if (!chromium) ctx.skip(CHROMIUM_MISSING);
    const file = join(work, "report.html");
    writeFileSync(file, page);
    const dom = dumpDom(chromium!, file);
    expect(dom).toContain('<table id="summary">');
    expect(dom.match(/<section class="stack/g)).toHaveLength(3);
    expect(readFileSync(file, "utf8")).toBe(page);
  });
});
