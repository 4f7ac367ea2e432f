import { describe, expect, it } from "vitest";
import { compareVersions, isFourPartVersion, normaliseVersion } from "../../formats/version";

describe("BC versions (formats/version)", () => {
  it.each([
    ["1.2", "1.2.0.0"],
    [" 24.0.1 ", "24.0.1.0"],
    ["1.2.3.4", "1.2.3.4"],
    ["007.1", "7.1.0.0"],
  ])("normalises %j to %j", (input, expected) => {
    expect(normaliseVersion(input)).toBe(expected);
  });

  it.each([["1"], ["1.2.3.4.5"], ["1.x"], [""], ["1.2147483648"], [undefined], [12]])("refuses %j", (input) => {
    expect(normaliseVersion(input)).toBeUndefined();
  });

  it("compares numerically, not as text, with missing parts as 0", () => {
    expect(compareVersions("1.10.0.0", "1.9.0.0")).toBe(1);
    expect(compareVersions("1.9", "1.10")).toBe(-1);
    expect(compareVersions("1.2", "1.2.0.0")).toBe(0);
    expect(compareVersions("24.0.0.1", "24.0.0.0")).toBe(1);
    expect(compareVersions("2.0.0.0.1", "2.0.0.0")).toBe(1);
  });

  it("treats a non-numeric part as 0 rather than making every comparison equal", () => {
    expect(compareVersions("1.x.5", "1.0.4")).toBe(1);
    expect(["3.0", "1.x", "2.1"].sort(compareVersions)).toEqual(["1.x", "2.1", "3.0"]);
  });

  it("recognises exactly four numeric parts", () => {
    expect(isFourPartVersion("24.1.0.0")).toBe(true);
    expect(isFourPartVersion("24.1.0")).toBe(false);
    expect(isFourPartVersion("24.1.0.0.0")).toBe(false);
    expect(isFourPartVersion("1234567890.0.0.0")).toBe(false);
  });
});
