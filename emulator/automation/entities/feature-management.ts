/**
 * Page 30092 "APIV2 - Feature Management" over the Feature Key table (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis, BC 27.0+). Read-only entity with
 * bound actions `activate` and `deactivate` (result code Updated ⇒ 200 empty). Key `id` is the feature's text id:
 * `features('SalesPrices')`.
 *
 * The action parameters `updateInBackground`/`startDateTime` only matter for features whose data update runs in a
 * background task; the emulator runs every data update at once, so they change nothing (the router does not pass
 * action bodies to handlers either).
 */
import { dialog } from "../../errors";
import type { FeatureKeyState } from "../../state/model";
import type { AutomationContext, EntitySetDef } from "../entity";

/** A few real-looking feature keys; created in an environment the first time `features` is used. */
const DEFAULT_FEATURES: Omit<FeatureKeyState, "rev">[] = [
  {
    id: "SalesPrices",
    enabled: "None",
    description: "Feature Update: New sales pricing experience",
    learnMoreLink: "https://go.microsoft.com/fwlink/?linkid=2124707",
    mandatoryBy: "",
    canTry: false,
    isOneWay: true,
    dataUpdateRequired: true,
    mandatoryByVersion: "",
    descriptionInEnglish: "Feature Update: New sales pricing experience",
  },
  {
    id: "EU3PartyTradePurchase",
    enabled: "None",
    description: "Feature Update: Enable use of new extended EU 3-party trade purchase functionality",
    learnMoreLink: "https://go.microsoft.com/fwlink/?linkid=2234012",
    mandatoryBy: "2026 release wave 2",
    canTry: true,
    isOneWay: false,
    dataUpdateRequired: true,
    mandatoryByVersion: "29.0",
    descriptionInEnglish: "Feature Update: Enable use of new extended EU 3-party trade purchase functionality",
  },
  {
    id: "ReminderTermsCommunicationTexts",
    enabled: "All Users",
    description: "Feature Update: Multiple communication texts for reminder terms",
    learnMoreLink: "https://go.microsoft.com/fwlink/?linkid=2237011",
    mandatoryBy: "",
    canTry: false,
    isOneWay: false,
    dataUpdateRequired: false,
    mandatoryByVersion: "",
    descriptionInEnglish: "Feature Update: Multiple communication texts for reminder terms",
  },
];

function featureKeys(ctx: AutomationContext): FeatureKeyState[] {
  if (!ctx.env.featureKeys) {
    ctx.env.featureKeys = DEFAULT_FEATURES.map((f) => ({ rev: 1, ...f }));
    ctx.changed();
  }
  return ctx.env.featureKeys;
}

export const featuresSet: EntitySetDef<FeatureKeyState> = {
  entitySet: "features",
  entityType: "feature",
  page: "APIV2 - Feature Management",
  available: (f) => f.featureManagement,
  keys: [{ name: "id", type: "string" }],
  fields: {
    id: { type: "string" },
    enabled: { type: "enum", enumValues: ["None", "All Users"] },
    description: { type: "string" },
    learnMoreLink: { type: "string" },
    mandatoryBy: { type: "string" },
    canTry: { type: "bool" },
    isOneWay: { type: "bool" },
    dataUpdateRequired: { type: "bool" },
    mandatoryByVersion: { type: "string" },
    descriptionInEnglish: { type: "string" },
  },
  list: (ctx) => featureKeys(ctx),
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire: (row) => ({
    id: row.id,
    enabled: row.enabled,
    description: row.description,
    learnMoreLink: row.learnMoreLink,
    mandatoryBy: row.mandatoryBy,
    canTry: row.canTry,
    isOneWay: row.isOneWay,
    dataUpdateRequired: row.dataUpdateRequired,
    mandatoryByVersion: row.mandatoryByVersion,
    descriptionInEnglish: row.descriptionInEnglish,
  }),
  actions: {
    activate(_ctx, row) {
      // The AL label has no full stop; the error body adds one like every BC message.
      if (row.enabled === "All Users") throw dialog("This feature has already been enabled");
      row.enabled = "All Users";
      row.rev += 1;
      return { kind: "Updated" };
    },
    deactivate(_ctx, row) {
      if (row.enabled === "None") throw dialog("This feature has already been disabled.");
      if (row.isOneWay) throw dialog("This feature has already been enabled and cannot be disabled.");
      row.enabled = "None";
      row.rev += 1;
      return { kind: "Updated" };
    },
  },
};
