import { describe, expect, it } from "vitest";
import { parseCsv } from "../testing/csv";
import { csvCell, csvRecord } from "./csv";

describe("csvCell", () => {
  it.each([
    ["plain text", "plain text"],
    ["", ""],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\nlines", '"two\nlines"'],
    ["two\r\nlines", '"two\r\nlines"'],
    ["ünïcödé ✓", "ünïcödé ✓"],
  ])("%j is written %j", (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  it.each([
    ["=1+1", "'=1+1"],
    [
      '=HYPERLINK("http://evil.example","click")',
      `"'=HYPERLINK(""http://evil.example"",""click"")"`,
    ],
    ["+41 22 555", "'+41 22 555"],
    ["-5 apples", "'-5 apples"],
    ["-5", "'-5"],
    ["@SUM(A1:A9)", "'@SUM(A1:A9)"],
    ["\tindented", "'\tindented"],
    ["\r=1", '"\'\r=1"'],
  ])("text %j that starts like a formula is neutralised as %j", (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  it("leaves formula characters alone past the first", () => {
    expect(csvCell("a=b+c-d@e")).toBe("a=b+c-d@e");
    expect(csvCell(" =1")).toBe(" =1");
  });

  it("writes numbers as numbers, a negative one too, and null as an empty field", () => {
    expect(csvCell(42)).toBe("42");
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell(null)).toBe("");
  });
});

describe("csvRecord", () => {
  it("joins cells with commas and ends with CRLF", () => {
    expect(csvRecord([1, "a,b", null, "=x"])).toBe(`1,"a,b",,'=x\r\n`);
  });

  it("reads back through a strict RFC 4180 reader", () => {
    const values = ["x", 'q"uote', "comma,here", "line\nbreak", "=cmd", ""];
    expect(parseCsv(csvRecord(values) + csvRecord([1, null]))).toEqual([
      ["x", 'q"uote', "comma,here", "line\nbreak", "'=cmd", ""],
      ["1", ""],
    ]);
  });
});
