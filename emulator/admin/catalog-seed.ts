/**
 * The seeded AppSource catalog of the Admin Center (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management) and its seed-file schema.
 * The apps are fictional (Contoso/Fabrikam/Tailspin) so no real publisher is misrepresented; their shape is what
 * the app-management endpoints need: several versions each, a dependency chain, a version that needs a newer BC
 * and preview-only versions (Embed ISV program) that install only with `allowPreviewVersion`.
 */
import { z } from "zod";
import type { AppSourceAppState } from "../state/model";

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a GUID");
const version = z.string().regex(/^\d+\.\d+\.\d+\.\d+$/, "must be major.minor.build.revision");

/** Seed files may replace the catalog with `appSourceCatalog: [...]` at the root. */
export const appSourceCatalogSchema = z.array(
  z
    .object({
      appId: guid,
      name: z.string().min(1),
      publisher: z.string().min(1),
      versions: z
        .array(
          z
            .object({
              version,
              preview: z.boolean().default(false),
              minApplicationVersion: version.default("0.0.0.0"),
              dependencies: z.array(z.object({ appId: guid, minVersion: version }).strict()).default([]),
            })
            .strict(),
        )
        .min(1),
    })
    .strict(),
);

export type AppSourceCatalogSeed = z.input<typeof appSourceCatalogSchema>;

export function catalogFromSeed(seed: z.output<typeof appSourceCatalogSchema>): AppSourceAppState[] {
  return seed.map((app) => ({
    appId: app.appId.toLowerCase(),
    name: app.name,
    publisher: app.publisher,
    versions: app.versions.map((v) => ({
      version: v.version,
      preview: v.preview,
      minApplicationVersion: v.minApplicationVersion,
      dependencies: v.dependencies.map((d) => ({ appId: d.appId.toLowerCase(), minVersion: d.minVersion })),
    })),
  }));
}

export const FABRIKAM_CORE_ID = "8b7c6d5e-4f3a-4b2c-9d1e-0f1a2b3c4d5e";
export const FABRIKAM_SHIPPING_ID = "1f2e3d4c-5b6a-4789-8a0b-1c2d3e4f5a6b";
export const CONTOSO_PAYMENTS_ID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
export const TAILSPIN_ANALYTICS_ID = "c0ffee00-1234-4abc-9def-0123456789ab";
const BASE_APPLICATION_ID = "437dbf0e-84ff-417a-965d-ed2bb9650972";

export function defaultAppSourceCatalog(): AppSourceAppState[] {
  return catalogFromSeed(
    appSourceCatalogSchema.parse([
      {
        appId: FABRIKAM_CORE_ID,
        name: "Fabrikam Core Library",
        publisher: "Fabrikam, Inc.",
        versions: [
          { version: "1.0.0.0", minApplicationVersion: "24.0.0.0" },
          { version: "1.2.0.0", minApplicationVersion: "24.0.0.0" },
          // Needs BC 26+: a 24.x environment gets 1.2.0.0 as "latest compatible".
          { version: "2.0.0.0", minApplicationVersion: "26.0.0.0" },
        ],
      },
      {
        appId: FABRIKAM_SHIPPING_ID,
        name: "Fabrikam Shipping Connector",
        publisher: "Fabrikam, Inc.",
        versions: [
          {
            version: "3.1.0.0",
            minApplicationVersion: "24.0.0.0",
            dependencies: [
              { appId: FABRIKAM_CORE_ID, minVersion: "1.2.0.0" },
              { appId: BASE_APPLICATION_ID, minVersion: "24.0.0.0" },
            ],
          },
          {
            version: "3.2.0.0",
            minApplicationVersion: "26.0.0.0",
            dependencies: [
              { appId: FABRIKAM_CORE_ID, minVersion: "2.0.0.0" },
              { appId: BASE_APPLICATION_ID, minVersion: "26.0.0.0" },
            ],
          },
        ],
      },
      {
        appId: CONTOSO_PAYMENTS_ID,
        name: "Contoso Payment Services",
        publisher: "Contoso Software",
        versions: [
          { version: "5.0.0.0", minApplicationVersion: "24.0.0.0" },
          { version: "5.1.0.0", minApplicationVersion: "24.0.0.0" },
          { version: "6.0.0.0", minApplicationVersion: "29.0.0.0", preview: true },
        ],
      },
      {
        appId: TAILSPIN_ANALYTICS_ID,
        name: "Tailspin Embedded Analytics",
        publisher: "Tailspin Toys",
        versions: [
          { version: "0.9.0.0", minApplicationVersion: "27.0.0.0", preview: true },
          { version: "0.9.5.0", minApplicationVersion: "27.0.0.0", preview: true },
        ],
      },
    ]),
  );
}
