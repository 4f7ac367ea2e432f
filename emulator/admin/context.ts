import type { IncomingMessage, ServerResponse } from "node:http";
import { sendEmpty, sendJson } from "../http";
import type { ServerDeps } from "../server-deps";
import type { TenantState } from "../state/model";
import type { AdminApiVersion } from "./api-version";
import type { AdminCaller } from "./auth";

/** Everything an Admin Center handler needs about the request it serves. */
export interface AdminContext {
  req: IncomingMessage;
  res: ServerResponse;
  deps: ServerDeps;
  caller: AdminCaller;
  tenant: TenantState;
  version: AdminApiVersion;
  /** The request path (for messages). */
  path: string;
  now: number;
}

export const reply = (ctx: AdminContext, status: number, body: unknown) => sendJson(ctx.res, status, body);

export const replyEmpty = (ctx: AdminContext, status: number) => sendEmpty(ctx.res, status);

/** `createdBy` of operations: the app id for service principals, the user for delegated tokens (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management). */
export const createdBy = (ctx: AdminContext) => ctx.caller.clientId;
