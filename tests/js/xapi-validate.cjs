#!/usr/bin/env node
// Validate xAPI statements with @learninglocker/xapi-validation.
// stdin: a JSON array of statements. stdout: a JSON array with, for each statement, an array of
// warning strings ("path: WarningName (type) got <data>"); an empty array means no warning.
// With --lines: one JSON array per stdin line, one answer line each (a long-lived worker).
"use strict";
const validate = require("@learninglocker/xapi-validation").default;

function describe(warning) {
  const path = (warning.path || []).join(".");
  const kind = warning.typeName ? `${warning.name} (${warning.typeName})` : warning.name;
  let data = "";
  if (warning.data !== undefined) {
    const text = JSON.stringify(warning.data);
    data = ` got ${text && text.length > 120 ? text.slice(0, 117) + "..." : text}`;
  }
  return `${path}: ${kind}${data}`;
}

function check(statements) {
  if (!Array.isArray(statements)) throw new Error("stdin must hold a JSON array of statements");
  return JSON.stringify(statements.map((statement) => validate(statement).map(describe)));
}

if (process.argv.includes("--lines")) {
  const lines = require("readline").createInterface({ input: process.stdin });
  lines.on("line", (line) => { if (line.trim()) process.stdout.write(check(JSON.parse(line)) + "\n"); });
  return;
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  process.stdout.write(check(JSON.parse(input)));
});
