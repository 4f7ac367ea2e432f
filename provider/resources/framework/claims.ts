/**
 * Taking an existing object at create, and giving it back at delete (docs/reliability.md): a create either makes the
 * object (recording the intent first), takes back one this resource made in an interrupted run, adopts one on
 * `adopt: true`, or refuses with the way out that fits who made it.
 */
import type { PropertyBag } from "./diff";
import type { IntentJournal } from "./intents";

/** An object found where a create was about to make one. */
export interface ExistingObject {
  /** The sentence subject: "Company 'CONTOSO'". */
  what: string;
  id: string;
  /** The natural key, as given to `intendCreate`. */
  key: string;
  /** Default "already exists". */
  verb?: "already exists" | "is already installed";
  /** Another way out than adopting, e.g. "choose another displayName". */
  otherwise?: string;
  /** Why two definitions can meet on one object, e.g. BC's 30-character company names. */
  explain?: string;
}

/** How a create took an existing object: made by this resource in an interrupted run, or adopted on request. */
export type Claim = "recovered" | "adopted";

/** What one create claimed: the intent it recorded (owner, kind, scope, key) and how it took an existing object. */
export interface Claims {
  intent?: [owner: string, kind: string, scope: string, key: string];
  how?: Claim;
}

export interface ClaimMethods {
  /** Right before the request that creates the object `key`: records the intent (framework/intents.ts). */
  intendCreate(key: string): void;
  /**
   * An object found where a create was about to make one: "recovered" when the intent journal shows this resource
   * created it in an interrupted run, "adopted" when the inputs say `adopt: true`; otherwise throws the refusal.
   */
  claimExisting(found: ExistingObject): Claim;
  /** `claimExisting` keyed by the found id, for resources that record no intent (no interrupted-run recovery). */
  adoptOrRefuse(found: Omit<ExistingObject, "key">): Claim;
}

/** The claim methods of one operation; `scope` is `<tenant>/<environment>`. */
export function claimMethods(
  journal: IntentJournal,
  kind: string,
  props: PropertyBag,
  where: { scope: string; environment: string },
  progress: (message: string) => void,
  claims: Claims,
): ClaimMethods {
  const owner = ownerOf(props);
  return {
    intendCreate(key) {
      if (!owner) return;
      journal.begin(owner, kind, where.scope, key);
      claims.intent = [owner, kind, where.scope, key];
    },
    claimExisting(found) {
      if (owner && journal.created(owner, kind, where.scope, found.key, found.id)) {
        progress(`recovering ${found.what} (${found.id}): this resource created it in an interrupted run`);
        claims.intent = [owner, kind, where.scope, found.key];
        claims.how = "recovered";
        return "recovered";
      }
      // Made by another resource of this stack: adopting would give one object two owners, so even adopt refuses.
      const others = owner ? otherOwners(journal, kind, where.scope, found.key, owner) : [];
      if (props.adopt === true && others.length === 0) {
        progress(`adopting ${found.what} (${found.id}); destroy leaves it in place unless deleteAdopted: true`);
        claims.how = "adopted";
        return "adopted";
      }
      throw new Error(refusal(found, where.environment, others));
    },
    adoptOrRefuse(found) {
      return this.claimExisting({ ...found, key: found.id });
    },
  };
}

/** `<project>/<stack>/<Kind>/<name>`, passed by the SDK; absent for programs built with an older SDK. */
export function ownerOf(props: PropertyBag): string | undefined {
  return typeof props.owner === "string" && props.owner !== "" ? props.owner : undefined;
}

/** Whether delete must leave the object in place: adopted, and the user did not opt in to deleting it. */
export function sparedOnDelete(props: PropertyBag): boolean {
  return props.adopted === true && props.deleteAdopted !== true;
}

/** After the object `id` is deleted, its intent entry goes (a later create of the same key is new again). */
export function forgetDeleted(journal: IntentJournal, kind: string, props: PropertyBag, id: string): void {
  const owner = ownerOf(props);
  if (owner) journal.forget(owner, kind, id);
}

function otherOwners(journal: IntentJournal, kind: string, scope: string, key: string, owner: string): string[] {
  try {
    return journal.otherOwners(kind, scope, key, owner);
  } catch {
    return [];
  }
}

/** The "already exists" error: who made the object, if this stack did, and the way out that fits. */
export function refusal(found: ExistingObject, environment: string, ownersInStack: readonly string[]): string {
  const head = `${found.what} ${found.verb ?? "already exists"} in environment '${environment}' (id ${found.id}).`;
  const explain = found.explain ? ` ${found.explain}` : "";
  if (ownersInStack.length > 0) {
    return (
      `${head} It was created by ${ownersInStack.join(", ")}: two resources would own one object.${explain} ` +
      `${found.otherwise ? `${capitalize(found.otherwise)}; do` : "Do"} not set adopt: true here.`
    );
  }
  return (
    `${head}${explain} If it was made outside Pulumi (by hand or by another stack), set adopt: true to manage it ` +
    "with this resource (destroy then leaves it in place unless deleteAdopted: true)" +
    `${found.otherwise ? `, or ${found.otherwise}` : ""}. An object that an interrupted run of this stack created is ` +
    "taken back without adopt while the create-intent journal is kept (docs/reliability.md)."
  );
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Check-time lines about `subject` (`Kind name @ tenant/environment`): the definition's notes and, for an adopted object, that destroy leaves it in place. */
export function checkNotes(subject: string, notes: string[], values: PropertyBag, olds: PropertyBag): string[] {
  const all = [...notes];
  if (olds.adopted === true && values.deleteAdopted !== true) {
    const who = ownerOf(olds) ?? ownerOf(values) ?? "this resource";
    all.push(`${who} was adopted: destroy or replace leaves the object in place (deleteAdopted: true deletes it)`);
  }
  return all.map((note) => `[${subject}] ${note}`);
}
