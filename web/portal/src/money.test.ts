import { describe, expect, it } from "vitest";

import { formatMoney, parseMoney } from "./money";

describe("amounts typed by a person", () => {
  it("become minor units of the currency", () => {
    expect(parseMoney("12.5", "EUR")).toBe(1250);
    expect(parseMoney("12,50", "EUR")).toBe(1250);
    expect(parseMoney(" 30 ", "EUR")).toBe(3000);
    expect(parseMoney("1500", "JPY")).toBe(1500);
  });

  it("are refused when they are not a positive amount the currency can hold", () => {
    expect(parseMoney("0", "EUR")).toBeNull();
    expect(parseMoney("-5", "EUR")).toBeNull();
    expect(parseMoney("1.005", "EUR")).toBeNull();
    expect(parseMoney("12.5", "JPY")).toBeNull();
    expect(parseMoney("ten", "EUR")).toBeNull();
  });
});

describe("amounts shown to a person", () => {
  it("are major units with the currency", () => {
    expect(formatMoney(1250, "EUR", "en-GB")).toBe("€12.50");
    expect(formatMoney(0, "EUR", "en-GB")).toBe("€0.00");
  });
});
