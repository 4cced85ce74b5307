// Uploads one file with tus-js-client (Node.js) and reports what it did, one JSON object a
// line on stdout: every request it makes ({"request": method, "offset": Upload-Offset}),
// every retry after an error ({"retry": attempt, "error": message}), and the end
// ({"done": upload URL} or {"failed": message}).
//
//   node upload.mjs ENDPOINT FILE FILENAME CHUNK_SIZE
//
// Used by tests/e2e/test_tus_js_client.py; its package.json pins the client.
import { readFileSync } from "node:fs";
import tus from "tus-js-client";

const [endpoint, path, filename, chunkSize] = process.argv.slice(2);
const report = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

const upload = new tus.Upload(readFileSync(path), {
  endpoint,
  chunkSize: Number(chunkSize),
  metadata: { filename },
  // A cut connection is retried at once: tus-js-client asks the server for its offset (HEAD)
  // and goes on from there.
  retryDelays: [0, 200, 500],
  storeFingerprintForResuming: false,
  onBeforeRequest(request) {
    report({ request: request.getMethod(), offset: request.getHeader("Upload-Offset") ?? null });
  },
  onShouldRetry(error, attempt) {
    report({ retry: attempt, error: String(error.message).slice(0, 200) });
    const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
    return status === 0 || status >= 500 || status === 409 || status === 423;
  },
  onError(error) {
    report({ failed: String(error.message).slice(0, 500) });
    process.exitCode = 1;
  },
  onSuccess() {
    report({ done: upload.url });
  },
});
upload.start();
