// milvus-tls-nodeclient: the real Node SDK (@zilliz/milvus2-sdk-node, grpc-js on Node's OpenSSL), as an
// application or Attu configures it:
//
//   new MilvusClient({address, ssl, tls: {rootCertPath, privateKeyPath, certChainPath, serverName}})
//
// then one call (getVersion). argv[2]: JSON {sdk_dir, config, timeout_ms}; `sdk_dir` is the folder whose
// node_modules holds the SDK line to use. Output: one line, RESULT {json}.
'use strict';

const path = require('path');

function emit(out) {
  process.stdout.write('\nRESULT ' + JSON.stringify(out) + '\n', () => process.exit(0));
}

async function main() {
  const p = JSON.parse(process.argv[2]);
  const out = {ok: false, stage: '', error: '', code: null, details: '', sdk: '', node: process.version,
               openssl: process.versions.openssl, server_version: ''};
  let sdk;
  try {
    const modPath = require.resolve('@zilliz/milvus2-sdk-node', {paths: [p.sdk_dir]});
    sdk = require(modPath);
    try {
      const pkg = require(path.join(p.sdk_dir, 'node_modules', '@zilliz', 'milvus2-sdk-node', 'package.json'));
      out.sdk = pkg.version;
    } catch (e) { /* version unknown */ }
  } catch (e) {
    out.stage = 'missing';
    out.error = String(e && e.message || e);
    return emit(out);
  }
  const timer = setTimeout(() => { out.stage = 'timeout'; out.error = 'no answer within the timeout'; emit(out); },
                           p.timeout_ms + 3000);
  let client;
  try {
    const config = Object.assign({timeout: p.timeout_ms, maxRetries: 0, retryDelay: 10}, p.config);
    client = new sdk.MilvusClient(config);
  } catch (e) {
    clearTimeout(timer);
    out.stage = 'config';
    out.error = String(e && e.message || e);
    return emit(out);
  }
  try {
    const res = await client.getVersion();
    clearTimeout(timer);
    if (res && res.status && res.status.error_code && res.status.error_code !== 'Success') {
      out.stage = 'rpc';
      out.error = JSON.stringify(res.status);
    } else {
      out.ok = true;
      out.server_version = (res && res.version) || '';
    }
  } catch (e) {
    clearTimeout(timer);
    out.stage = 'rpc';
    out.error = String(e && e.message || e);
    out.code = e && e.code !== undefined ? e.code : null;
    out.details = String(e && e.details || '');
  }
  try { client.closeConnection && client.closeConnection(); } catch (e) { /* closing */ }
  emit(out);
}

main().catch((e) => emit({ok: false, stage: 'crash', error: String(e && e.stack || e)}));
