/**
 * Where the tests find actionlint: `ACTIONLINT`, else what scripts/install-actionlint builds (the pinned v1.7.12).
 * `.ci/run` installs it, so CI never skips a workflow check.
 */
import { join } from "node:path";
import { REPO_ROOT } from "../../scripts/lib/cli";

export const ACTIONLINT = process.env.ACTIONLINT ?? join(REPO_ROOT, ".tools/actionlint/bin/actionlint");
export const ACTIONLINT_MISSING = `actionlint not found at ${ACTIONLINT}: run bash scripts/install-actionlint (or set ACTIONLINT)`;
