/**
 * Writes an environment snapshot as a Pulumi TypeScript program: one resource per object with `adopt: true`
 * (dynamic resources cannot be `pulumi import`ed), readable resource names, and `// DECIDE:` comments where a
 * human must choose. Objects the program must not manage by default (Microsoft's apps, SUPER grants, per-tenant
 * extensions without their .app file) are left out or commented out with the reason.
 */
import { environmentLines } from "./environment";
import type { EnvironmentSnapshot, ExportedApp, ExportedAssignment, ExportedMembership } from "./read";

const MICROSOFT = "microsoft";

export interface RenderOptions {
  /** Shown in the header; default now. */
  generatedAt?: Date;
}

export function renderProgram(snapshot: EnvironmentSnapshot, options: RenderOptions = {}): string {
  const names = new UniqueNames();
  const when = (options.generatedAt ?? new Date()).toISOString();
  const out: string[] = [
    `// Exported from Business Central environment '${snapshot.environment}' by \`pulumi-businesscentral export\` (${when}).`,
    "// Every resource has adopt: true: `pulumi up` takes the existing objects over and changes nothing in Business Central.",
    '// Review the lines marked "DECIDE:" before you rely on this program.',
    'import * as bc from "pulumi-businesscentral";',
    "",
    `const environment = ${str(snapshot.environment)};`,
    "",
    ...environmentBlock(snapshot),
    ...section("Companies", companies(snapshot, names)),
    ...section("Apps", apps(snapshot.apps, names)),
    ...section(
      "Permission set assignments",
      snapshot.assignments.flatMap((a) => assignment(a, names)),
    ),
  ];
  if (snapshot.memberships !== undefined) {
    out.push(
      ...section(
        "User group memberships (BC 24 and earlier)",
        snapshot.memberships.flatMap((m) => membership(m, names)),
      ),
    );
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function environmentBlock(snapshot: EnvironmentSnapshot): string[] {
  const environment = snapshot.environment;
  if (snapshot.admin) return environmentLines(snapshot.admin, slug(environment), str);
  return [
    "// DECIDE: to manage the environment itself (needs the Admin Center API: AdminCenter.ReadWrite.All and",
    '// "Authorized Microsoft Entra apps"), uncomment; keep retainOnDelete so destroy never deletes it.',
    `// new bc.Environment(${str(slug(environment))}, { name: environment, type: "Production", adopt: true }, { retainOnDelete: true });`,
    "",
  ];
}

function section(title: string, lines: string[]): string[] {
  return lines.length === 0 ? [] : [`// --- ${title}`, ...lines, ""];
}

function companies(snapshot: EnvironmentSnapshot, names: UniqueNames): string[] {
  return snapshot.companies.flatMap((c) => {
    const args = [`environment`, `adopt: true`, `displayName: ${str(c.displayName)}`];
    if (c.businessProfileId !== "") args.push(`businessProfileId: ${str(c.businessProfileId)}`);
    const line = `new bc.Company(${str(names.take(c.name))}, { ${args.join(", ")} }, { retainOnDelete: true });`;
    // The resource finds a company by the name BC derives from the display name's first 30 characters.
    if (c.displayName.slice(0, 30).toLowerCase() !== c.name.toLowerCase()) {
      return [
        `// DECIDE: company '${c.name}' has display name '${c.displayName}', from which BC would derive another name;`,
        "// the Company resource could not find it by its display name, so it is left out.",
        `// ${line}`,
      ];
    }
    return [line];
  });
}

function apps(all: ExportedApp[], names: UniqueNames): string[] {
  const microsoft = all.filter((a) => a.publisher.toLowerCase() === MICROSOFT && a.publishedAs === "Global");
  const lines: string[] = [];
  if (microsoft.length > 0) {
    lines.push(
      "// Left out: Microsoft's apps, updated by Microsoft with the environment:",
      ...microsoft.map((a) => `//   ${a.name} ${a.version} (${a.appId})`),
    );
  }
  for (const app of all.filter((a) => !microsoft.includes(a))) {
    const name = str(names.take(`${app.publisher}-${app.name}`));
    if (app.publishedAs === "Global") {
      lines.push(
        `// DECIDE: acceptIsvEula states that you accept ${app.publisher}'s license terms for ${app.name}.`,
        `new bc.Extension(${name}, { environment, adopt: true, appSource: { appId: ${str(app.appId)}, version: ${str(app.version)} }, acceptIsvEula: true });`,
      );
    } else {
      lines.push(
        `// DECIDE: per-tenant extension ${app.name} ${app.version} by ${app.publisher}: Business Central does not hand out`,
        "// its .app file. Put the file next to this program (the same version), then uncomment.",
        `// new bc.Extension(${name}, { environment, adopt: true, file: ${str(`apps/${fileName(app)}`)} });`,
      );
    }
  }
  return lines;
}

function assignment(a: ExportedAssignment, names: UniqueNames): string[] {
  const who = "userName" in a.principal ? a.principal.userName : a.principal.code;
  const name = str(names.take(`${who}-${a.roleId}${a.company === "" ? "" : `-${a.company}`}`));
  const args = ["environment", "adopt: true"];
  if ("userName" in a.principal) args.push(`userName: ${str(a.principal.userName)}`);
  else args.push(`securityGroupId: ${str(a.principal.securityGroupId)}`);
  args.push(`roleId: ${str(a.roleId)}`);
  if (a.company !== "") args.push(`company: ${str(a.company)}`);
  if (a.ambiguous) args.push(`scope: ${str(a.scope)}`, `appId: ${str(a.appId)}`);
  const line = `new bc.PermissionSetAssignment(${name}, { ${args.join(", ")} });`;
  const group =
    "securityGroupId" in a.principal ? [`// Security group ${a.principal.code} (${a.principal.groupName}).`] : [];
  if (a.roleId.toUpperCase() === "SUPER") {
    return [
      ...group,
      `// DECIDE: ${who} holds SUPER${a.company === "" ? "" : ` in '${a.company}'`}. Left out: administrators' SUPER is usually managed`,
      "// by hand, and a program that removes it could lock everyone out. Uncomment to manage it here.",
      `// ${line}`,
    ];
  }
  return [...group, line];
}

function membership(m: ExportedMembership, names: UniqueNames): string[] {
  const name = str(names.take(`${m.userName}-${m.groupCode}${m.companyName === "" ? "" : `-${m.companyName}`}`));
  const args = ["environment", "adopt: true", `userName: ${str(m.userName)}`, `groupCode: ${str(m.groupCode)}`];
  if (m.companyName !== "") args.push(`companyName: ${str(m.companyName)}`);
  return [`new bc.UserGroupMember(${name}, { ${args.join(", ")} });`];
}

const str = (value: string) => JSON.stringify(value);

function fileName(app: ExportedApp): string {
  return `${app.publisher}_${app.name}_${app.version}.app`.replace(/[^A-Za-z0-9._-]+/g, "_");
}

export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "object"
  );
}

/** Resource names must be unique per type in a stack; a clash gets -2, -3, … */
class UniqueNames {
  private readonly used = new Set<string>();
  take(text: string): string {
    const base = slug(text);
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}-${n}`;
    this.used.add(name);
    return name;
  }
}
