/**
 * The major and minor number of an environment's application version (`29.1.41238.0` → 29, 1): what decides which
 * surfaces exist and when a staged deployment is due. Unparsable parts count as 0.
 */
export function parseVersion(version: string): { major: number; minor: number } {
  const [major, minor] = version.split(".").map((part) => Number.parseInt(part, 10));
  return { major: Number.isFinite(major) ? major : 0, minor: Number.isFinite(minor) ? minor : 0 };
}
