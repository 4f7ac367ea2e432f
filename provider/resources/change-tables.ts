/**
 * The change tables of docs/resources/*.md, rendered from the resource definitions so docs and behaviour cannot
 * drift (`npm run docs:changes` writes them; a test fails when a page differs).
 */
import { companyHandler } from "./company";
import { configurationPackageHandler } from "./configuration-package";
import { environmentHandler } from "./environment";
import { extensionHandler } from "./extension";
import type { DefinedResource } from "./framework/define";
import { changeTableMarkdown } from "./framework/diff";
import { permissionSetAssignmentHandler } from "./permission-set-assignment";
import { userGroupMemberHandler } from "./user-group-member";

export const DOCUMENTED: Record<string, DefinedResource> = {
  "company.md": companyHandler,
  "configuration-package.md": configurationPackageHandler,
  "environment.md": environmentHandler,
  "extension.md": extensionHandler,
  "permission-set-assignment.md": permissionSetAssignmentHandler,
  "user-group-member.md": userGroupMemberHandler,
};

export const BEGIN = "<!-- change table: generated from the resource definition by `npm run docs:changes` -->";
export const END = "<!-- end of change table -->";

/** The page with its change table replaced by the one rendered from `resource` (markers must be present). */
export function withChangeTable(page: string, resource: DefinedResource): string {
  const start = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the page has no change-table markers (${BEGIN} … ${END})`);
  const table = changeTableMarkdown(resource.changes, resource.replaceOrder);
  return `${page.slice(0, start + BEGIN.length)}\n${table}\n${page.slice(end)}`;
}
