#!/usr/bin/env node
// `npx shiftplan plan --from A.sql --to B.sql [--hints H.json] [--pg-version N] [--format json|sql|markdown]
//                    [--out-dir DIR] [--fail-on safe|careful|dangerous|never]`
// The native command's `plan`, on the WebAssembly build: same output byte for byte, same exit codes
// (0 done, 1 a hazard at or above --fail-on, 2 bad input). Argument parsing and file reading only:
// the planning and the rendering happen in the module.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { formatDiagnostics, parseHints, plan, render, renderPhase, version } from "../index.js";

const EXIT_OK = 0;
const EXIT_HAZARD = 1;
const EXIT_BAD_INPUT = 2;

const USAGE = `Usage: shiftplan plan --from FROM.sql --to TO.sql [--hints HINTS.json] [--pg-version N]
                      [--format json|sql|markdown] [--out-dir DIR] [--fail-on safe|careful|dangerous|never]

Plans the zero-downtime migration from one PostgreSQL schema to another (the WebAssembly build;
the native binary also applies plans).`;

const SEVERITIES = ["safe", "careful", "dangerous"];

function fail(message) {
  process.stderr.write(`error: ${message}\n\n${USAGE}\n`);
  return EXIT_BAD_INPUT;
}

/** Reads a UTF-8 text file, or says why not in the native command's words. */
function readText(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`error: cannot read ${path}: ${e.message}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const text = new TextDecoder("utf-8").decode(bytes);
    const valid = text.indexOf("\uFFFD");
    const before = text.slice(0, valid < 0 ? text.length : valid).split("\n");
    throw new InputError(`${path}:${before.length}:${[...before.at(-1)].length + 1}: error: the file is not UTF-8 text`);
  }
}

class InputError extends Error {}

/** plan.json plus `NN-phase.up.sql` and `NN-phase.down.sql` per phase, as the native --out-dir. */
function writeOutDir(result, dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "plan.json"), render(result, "json"));
  result.phases.forEach((phase, n) => {
    const stem = `${String(n + 1).padStart(2, "0")}-${phase.name}`;
    writeFileSync(join(dir, `${stem}.up.sql`), renderPhase(phase, "up"));
    writeFileSync(join(dir, `${stem}.down.sql`), renderPhase(phase, "down"));
  });
}

function planCommand(args) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        from: { type: "string" },
        to: { type: "string" },
        hints: { type: "string" },
        "pg-version": { type: "string", default: "15" },
        format: { type: "string", default: "json" },
        "fail-on": { type: "string", default: "dangerous" },
        "out-dir": { type: "string" },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (e) {
    return fail(e.message);
  }
  const { values } = parsed;
  if (values.from === undefined) return fail("the following required argument was not provided: --from <FROM>");
  if (values.to === undefined) return fail("the following required argument was not provided: --to <TO>");
  if (!/^\d+$/.test(values["pg-version"])) return fail(`invalid value '${values["pg-version"]}' for '--pg-version <PG_VERSION>'`);
  if (!["json", "sql", "markdown"].includes(values.format)) {
    return fail(`invalid value '${values.format}' for '--format <FORMAT>' (json, sql or markdown)`);
  }
  const failOn = values["fail-on"];
  if (failOn !== "never" && !SEVERITIES.includes(failOn)) {
    return fail(`invalid value '${failOn}' for '--fail-on <SEVERITY>' (safe, careful, dangerous or never)`);
  }

  let result;
  try {
    const input = {
      from: readText(values.from),
      to: readText(values.to),
      from_file: values.from,
      to_file: values.to,
      options: { server_version: Number(values["pg-version"]) },
    };
    if (values.hints !== undefined) {
      input.hints = parseHints(readText(values.hints), values.hints);
      input.hints_file = values.hints;
    }
    result = plan(input);
  } catch (e) {
    // Diagnostics come one a line (`file:line:column: error: message`), as the native command prints them.
    process.stderr.write(e instanceof InputError || e.diagnostics ? `${e.message}\n` : `error: ${e.message}\n`);
    return EXIT_BAD_INPUT;
  }
  if (result.diagnostics.length > 0) process.stderr.write(`${formatDiagnostics(result.diagnostics)}\n`);
  process.stdout.write(render(result, values.format));
  if (values["out-dir"] !== undefined) {
    try {
      writeOutDir(result, values["out-dir"]);
    } catch (e) {
      process.stderr.write(`error: cannot write ${values["out-dir"]}: ${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
  }
  // As the native command: exit 1 when a step holds a hazard at or above --fail-on.
  if (failOn !== "never") {
    const threshold = SEVERITIES.indexOf(failOn);
    const hazards = result.phases.flatMap((phase) => phase.steps.flatMap((step) => step.hazards));
    if (hazards.some((hazard) => SEVERITIES.indexOf(hazard.severity) >= threshold)) {
      process.stderr.write(`plan safety is ${result.safety}: at or above --fail-on ${failOn}\n`);
      return EXIT_HAZARD;
    }
  }
  return EXIT_OK;
}

function main(argv) {
  const [command, ...rest] = argv;
  switch (command) {
    case "plan":
      return planCommand(rest);
    case "--version":
    case "-V":
      process.stdout.write(`shiftplan ${version()}\n`);
      return EXIT_OK;
    case "--help":
    case "-h":
    case "help":
      process.stdout.write(`${USAGE}\n`);
      return EXIT_OK;
    default:
      return fail(command === undefined ? "a command is required" : `unrecognized subcommand '${command}'`);
  }
}

process.exitCode = main(process.argv.slice(2));
