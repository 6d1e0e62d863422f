// Frontdesk sandbox EHR: an in-memory FHIR R4 server (Medplum's FhirRouter and
// MemoryRepository behind node:http). Usage:
//
//   SANDBOX_HOST=127.0.0.1 SANDBOX_PORT=8080 node sandbox/server.mjs [--exit-on-stdin-eof]
//
// Prints exactly one line to stdout once it is listening, "ready http://HOST:PORT/fhir",
// so that a parent process can wait for it. SANDBOX_PORT=0 picks a free port.
// SANDBOX_LOG=1 logs one line per request to stderr: method, path (no query), status, time.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { capabilityStatement } from './server/capability.mjs';
import { loadDefinitions } from './server/definitions.mjs';
import { createRequestHandler, logFault } from './server/http.mjs';
import { SandboxRepository } from './server/repository.mjs';
import { createRouter } from './server/routes.mjs';

const startedAt = performance.now();

function die(message, code) {
  process.stderr.write(`sandbox: ${message}\n`);
  process.exit(code);
}

function readConfig(argv, env) {
  const flags = new Set(argv);
  for (const flag of flags) {
    if (flag !== '--exit-on-stdin-eof') {
      die(`unknown argument ${flag} (configure with SANDBOX_HOST and SANDBOX_PORT)`, 2);
    }
  }
  const host = env.SANDBOX_HOST || '127.0.0.1';
  const portText = env.SANDBOX_PORT ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    die(`SANDBOX_PORT must be an integer from 0 to 65535, not "${portText}"`, 2);
  }
  return { host, port, exitOnStdinEof: flags.has('--exit-on-stdin-eof'), log: env.SANDBOX_LOG === '1' };
}

function urlHost(host) {
  return host.includes(':') ? `[${host}]` : host;
}

function main() {
  const config = readConfig(process.argv.slice(2), process.env);
  const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
  loadDefinitions();

  const software = {
    name: 'Frontdesk sandbox EHR (Medplum fhir-router 4.5.2)',
    version: pkg.version,
    startedAt: new Date().toISOString(),
  };
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  let listenBase;
  const app = {
    router: createRouter(),
    repo: new SandboxRepository(),
    log: config.log,
    // Behind a wildcard address the only name a client can use is the one it sent.
    baseUrl: (req) => {
      const host = req.headers.host ?? '';
      return wildcard && /^[\w.:[\]-]+$/.test(host) ? `http://${host}/fhir` : listenBase;
    },
    capability: (baseUrl) => capabilityStatement(baseUrl, software),
  };

  const server = createServer({ keepAliveTimeout: 5000 }, createRequestHandler(app));
  server.on('error', (err) => {
    if (server.listening) {
      logFault(err, 'server error');
      return;
    }
    const reason = err.code === 'EADDRINUSE' ? 'address already in use' : err.message;
    die(`cannot listen on ${urlHost(config.host)}:${config.port}: ${reason}`, 1);
  });
  server.listen(config.port, config.host, () => {
    listenBase = `http://${urlHost(config.host)}:${server.address().port}/fhir`;
    if (config.log) {
      process.stderr.write(`sandbox: started in ${(performance.now() - startedAt).toFixed(0)} ms\n`);
    }
    process.stdout.write(`ready ${listenBase}\n`);
  });

  let stopping = false;
  const stop = () => {
    if (stopping) {
      return;
    }
    stopping = true;
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (config.exitOnStdinEof) {
    // The parent holds the other end of our stdin; it closes when the parent dies,
    // however it dies, so no orphaned server is left behind.
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.on('error', stop);
    process.stdin.resume();
  }
  // A bug in one request must not take the sandbox down; log where, not what.
  process.on('uncaughtException', (err) => logFault(err, 'uncaught'));
}

main();
