/**
 * What environments can be created on (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments, "available versions"): the application family, the
 * countries/regions and, per ring, the versions. The version list spans the emulator's BC profiles (24 … 29) so
 * tests can create environments of any profile; the real service offers fewer.
 */
export const APPLICATION_FAMILY = "BusinessCentral";

export const RINGS = [
  { name: "PROD", productionRing: true, friendlyName: "Production" },
  { name: "PREVIEW", productionRing: false, friendlyName: "Preview" },
] as const;

export const RING_VERSIONS: Record<string, string[]> = {
  PROD: [
    "24.5.23489.0",
    "25.5.30149.0",
    "26.5.34812.0",
    "27.5.38244.0",
    "28.3.40012.0",
    "29.0.40528.0",
    "29.1.41238.0",
  ],
  PREVIEW: ["30.0.42511.0"],
};

/** Localizations the emulator offers, with the Azure location and geo an environment of that country reports. */
export const COUNTRIES: Record<string, { location: string; geo: string; cronus: string }> = {
  US: { location: "West US 2", geo: "United States", cronus: "CRONUS USA, Inc." },
  CA: { location: "Canada Central", geo: "Canada", cronus: "CRONUS Canada, Inc." },
  MX: { location: "West US 2", geo: "United States", cronus: "CRONUS México S.A." },
  GB: { location: "UK South", geo: "United Kingdom", cronus: "CRONUS UK Ltd." },
  IE: { location: "North Europe", geo: "Europe", cronus: "CRONUS Ireland Ltd." },
  DK: { location: "West Europe", geo: "Europe", cronus: "CRONUS Danmark A/S" },
  DE: { location: "Germany West Central", geo: "Germany", cronus: "CRONUS AG" },
  AT: { location: "West Europe", geo: "Europe", cronus: "CRONUS Österreich GmbH" },
  CH: { location: "Switzerland North", geo: "Switzerland", cronus: "CRONUS Schweiz AG" },
  NL: { location: "West Europe", geo: "Europe", cronus: "CRONUS Nederland BV" },
  BE: { location: "West Europe", geo: "Europe", cronus: "CRONUS Belgique NV" },
  FR: { location: "France Central", geo: "France", cronus: "CRONUS France S.A." },
  ES: { location: "West Europe", geo: "Europe", cronus: "CRONUS España S.A." },
  IT: { location: "West Europe", geo: "Europe", cronus: "CRONUS Italia S.p.A." },
  SE: { location: "West Europe", geo: "Europe", cronus: "CRONUS Sverige AB" },
  NO: { location: "Norway East", geo: "Norway", cronus: "CRONUS Norge AS" },
  FI: { location: "West Europe", geo: "Europe", cronus: "CRONUS Finland Oy" },
  IS: { location: "West Europe", geo: "Europe", cronus: "CRONUS Ísland hf." },
  AU: { location: "Australia East", geo: "Australia", cronus: "CRONUS Australia Pty. Ltd." },
  NZ: { location: "Australia East", geo: "Australia", cronus: "CRONUS New Zealand Ltd." },
};

export function ringOf(name: string | undefined) {
  const upper = (name ?? "PROD").toUpperCase();
  return RINGS.find((r) => r.name === upper);
}

export function latestVersionOfRing(ring: string): string {
  const versions = RING_VERSIONS[ring] ?? RING_VERSIONS.PROD;
  return versions[versions.length - 1];
}

/** `GET /admin/v2.x/applications/` */
export function applicationsJson() {
  return {
    value: [
      {
        applicationFamily: APPLICATION_FAMILY,
        countriesRingDetails: Object.keys(COUNTRIES).map((countryCode) => ({
          countryCode,
          rings: RINGS.map((r) => ({ ...r })),
        })),
      },
    ],
  };
}
