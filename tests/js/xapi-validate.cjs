#!/usr/bin/env node
// Validate xAPI statements with @learninglocker/xapi-validation.
// stdin: a JSON array of statements. stdout: a JSON array with, for each statement, an array of
// warning strings ("path: WarningName (type) got <data>"); an empty array means no warning.
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

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const statements = JSON.parse(input);
  if (!Array.isArray(statements)) throw new Error("stdin must hold a JSON array of statements");
  const results = statements.map((statement) => validate(statement).map(describe));
  process.stdout.write(JSON.stringify(results));
});
